// `status`: the primary and every replica (the family model), with each replica's drift from the
// primary (the structured diff). Exit 0 / 1 (a key unusable or a field unread) / 4 (drift only) / 2.
import { driftOf } from "../../core/diff.js";
import { EXIT, type ExitCode } from "../../core/errors.js";
import { isUsableKey, readFamily, unreadFields } from "../../core/family.js";
import type { KeyRef } from "../../core/keys.js";
import { parseKeyRef } from "../../core/keys.js";
import type { KmsPort } from "../../aws/kms.js";
import { toCommonOptions, toConnectionOptions, type RawCommonFlags } from "../../core/options.js";
import { fleetStatusOutput, statusJson, statusOutput, type FamilyRow } from "./render.js";
import { paint } from "../../report/terminal-text.js";
import { noTags } from "../../core/selection.js";
import { fleetCommand, fleetRequested, type FleetSpec } from "../../cli/fleet.js";
import { connect, primaryRegionOf, runCommand, type Command, type Io } from "../../cli/runner.js";

/** 1 when a key is unusable or a field could not be read (the comparison is incomplete), else 4 on drift, else 0. */
export function statusExitCode(rows: readonly FamilyRow[]): ExitCode {
  const unusable = rows.some((r) => !isUsableKey(r.view));
  const unread = rows.some((r) => unreadFields(r.view).length > 0);
  if (unusable || unread) return EXIT.failed;
  return rows.some((r) => r.drift.length > 0) ? EXIT.drift : EXIT.ok;
}

/** How status accepts its key: any key of a family, any state, read from any account allowed to. */
const STATUS_ACCEPTS = { sameAccount: false, followReplica: true, requireEnabled: false } as const;

/** The family's rows: the primary, then every replica with its drift from the primary. */
async function statusRows(
  kms: KmsPort,
  key: KeyRef,
  region: string,
  signal: AbortSignal,
): Promise<FamilyRow[]> {
  const family = await readFamily(kms, key, region, signal);
  return [
    { view: family.primary, drift: [] },
    ...family.replicas.map((view) => ({ view, drift: driftOf(family.primary, view) })),
  ];
}

/** `status` over a selection of keys: every family read, one table (a KEY column first). */
function statusFleet(flags: RawCommonFlags): FleetSpec<FamilyRow[]> {
  return {
    command: "status",
    dryRun: false,
    prepare: () =>
      Promise.resolve({
        connection: toConnectionOptions(flags),
        accept: STATUS_ACCEPTS,
        runKey: (key, ctx) =>
          statusRows(ctx.kms, parseKeyRef(key.primary.arn), key.primary.region, ctx.signal),
      }),
    exitCode: (rows, stop) => stop?.exitCode ?? statusExitCode(rows),
    document: ({ exitCode, result, failure }) => statusJson(result ?? [], isUsableKey, exitCode, failure),
    output(session, runs) {
      const families = runs.map((run) => ({ keyId: run.key.primary.keyId, rows: run.result ?? [] }));
      const chalks = { stdout: paint, stderr: paint }; // coloured or not as each stream is written
      session.output(fleetStatusOutput(families, session.mode, chalks));
    },
  };
}

export function runStatus(flags: RawCommonFlags, io: Io): Promise<ExitCode> {
  if (fleetRequested(flags)) return runCommand(fleetCommand(statusFleet(flags), flags, io), flags, io);
  const command: Command<FamilyRow[]> = {
    name: "status",
    dryRun: false,
    async work({ emit }) {
      const options = toCommonOptions(flags);
      const region = await primaryRegionOf(options, io, (message) => emit({ type: "warning", message }));
      // status only reads, and has no --timeout.
      const kms = await connect(options, emit, { deadline: Number.POSITIVE_INFINITY });
      const rows = await statusRows(kms, options.key, region, io.signal);
      const primary = rows[0]?.view;
      if (primary !== undefined && (flags.selectTag ?? []).length > 0) {
        // The primary's tags were just read: --select-tag needs no other call.
        const wanted = flags.selectTag ?? [];
        if (!wanted.every((t) => primary.tags?.[t.TagKey] === t.TagValue)) {
          throw noTags(primary.arn, wanted);
        }
      }
      return rows;
    },
    exitCode: (rows, stop) => stop?.exitCode ?? statusExitCode(rows),
    document: ({ exitCode, result, failure }) => statusJson(result ?? [], isUsableKey, exitCode, failure),
    partial: () => undefined,
    stoppedLine: (stop) => `Stopped by a second ${stop.signalName}.`,
    finish(session, rows) {
      if (rows === undefined) return;
      // The table is the data asked for: stdout (see statusOutput for --quiet, --output json, pipes).
      const unusable = rows.filter((r) => !isUsableKey(r.view)).length;
      const chalks = { stdout: paint, stderr: paint }; // coloured or not as each stream is written
      session.output(statusOutput(rows, unusable, session.mode, chalks));
    },
  };
  return runCommand(command, flags, io);
}
