// `status`: the primary and every replica (the family model), with each replica's drift from the
// primary (the structured diff). Exit 0 / 1 (a key unusable or a field unread) / 4 (drift only) / 2.
import { chalkStderr } from "chalk";
import { driftOf } from "../diff.js";
import { EXIT, type ExitCode } from "../errors.js";
import { isUsableKey, readFamily, unreadFields } from "../family.js";
import { toCommonOptions, type RawCommonFlags } from "../options.js";
import { statusJson, statusOutput, type FamilyRow } from "../report/status.js";
import { connect, primaryRegionOf, runCommand, type Command, type Io } from "../runner.js";
import { stdoutChalk } from "../terminal.js";

/** 1 when a key is unusable or a field could not be read (the comparison is incomplete), else 4 on drift, else 0. */
export function statusExitCode(rows: readonly FamilyRow[]): ExitCode {
  const unusable = rows.some((r) => !isUsableKey(r.view));
  const unread = rows.some((r) => unreadFields(r.view).length > 0);
  if (unusable || unread) return EXIT.failed;
  return rows.some((r) => r.drift.length > 0) ? EXIT.drift : EXIT.ok;
}

export function runStatus(flags: RawCommonFlags, io: Io): Promise<ExitCode> {
  const command: Command<FamilyRow[]> = {
    name: "status",
    dryRun: false,
    async work({ emit }) {
      const options = toCommonOptions(flags);
      const region = await primaryRegionOf(options, io);
      const kms = await connect(options, emit);
      const family = await readFamily(kms, options.key, region, io.signal);
      return [
        { view: family.primary, drift: [] },
        ...family.replicas.map((view) => ({ view, drift: driftOf(family.primary, view) })),
      ];
    },
    exitCode: (rows, stop) => stop?.exitCode ?? statusExitCode(rows),
    document: ({ exitCode, result, failure }) => statusJson(result ?? [], isUsableKey, exitCode, failure),
    partial: () => undefined,
    stoppedLine: (stop) => `Stopped by a second ${stop.signalName}.`,
    finish(session, rows) {
      if (rows === undefined) return;
      // The table is the data asked for: stdout (see statusOutput for --quiet, --output json, pipes).
      const unusable = rows.filter((r) => !isUsableKey(r.view)).length;
      const chalks = { stdout: stdoutChalk(session.mode), stderr: chalkStderr };
      session.output(statusOutput(rows, unusable, session.mode, chalks));
    },
  };
  return runCommand(command, flags, io);
}
