// What a run of any command works with (its session: the output mode, the reporter, one event sink)
// and how a run that ended before its work was done is reported. Shared by the runner, the run over
// one key (one.ts) and the run over a fleet (fleet.ts).
import type { RawFlags } from "../commands/contract.js";
import { EXIT, describeError, isReplicateError, type ExitCode, type ReportedError } from "../core/errors.js";
import type { CommandAdvice } from "../core/advice.js";
import { classify } from "../core/classify.js";
import type { ReplicaEvent } from "../core/events.js";
import { stopOf, type Stop } from "../core/stop.js";
import type { FleetReporter } from "../report/fleet-live.js";
import type { ResumeOptions } from "../report/resume.js";
import type { HumanReporter } from "../report/live.js";
import type { OrgReporter } from "../report/org-live.js";
import type { OutputMode } from "../report/mode.js";
import type { RawGlobalFlags } from "./globals.js";
import type { Io } from "./io.js";

/** What a run works with: the terminal's facts, its reporter, one event sink, its warnings. */
export interface Session {
  readonly mode: OutputMode;
  readonly emit: (event: ReplicaEvent) => void;
  readonly warnings: readonly string[];
  readonly io: Io;
  readonly resume: ResumeOptions;
  /** The reporter of a run over one key, of a fleet, or of an organisation run. */
  readonly reporter: {
    readonly one?: HumanReporter;
    readonly fleet?: FleetReporter;
    readonly org?: OrgReporter;
  };
  /**
   * The data the user asked for on stdout, and its notes on stderr, as a renderer made them. The
   * stderr text, and the stdout text when stdout is a terminal (status's aligned table), are for
   * people: written through forPeople. For a program (status's TSV) stdout is written as is: its
   * renderer escapes each field itself.
   */
  output(text: { readonly stdout: string; readonly stderr: string }): void;
}

/** The raw values commander parsed: the global options, and the command's own. */
export interface RawArgs {
  readonly globals: RawGlobalFlags;
  readonly own: RawFlags;
  /** The long names of the command's own options (a usage error may point at one of them). */
  readonly ownOptions?: readonly string[];
}

/** The run-ending error of a run stopped before any work was done (by a first or a second signal). */
export function stoppedEarly(stop: Stop, second = false): ReportedError {
  return {
    name: "Interrupted",
    message: `Stopped by ${second ? "a second " : ""}${stop.signalName} before any Region was worked on; nothing was changed.`,
  };
}

/** Anything that ended the run before its work was done → what we show, and the exit code. */
export function runEndingError(
  error: unknown,
  signal: AbortSignal,
  keyId: string,
  advice?: CommandAdvice,
): { failure: ReportedError; exitCode: ExitCode } {
  if (signal.aborted) {
    const stop = stopOf(signal);
    return { failure: stoppedEarly(stop), exitCode: stop.exitCode };
  }
  if (isReplicateError(error)) {
    return {
      failure: {
        name: error.code,
        message: error.message,
        hint: error.hint,
        invalidRegions: error.options.invalidRegions,
      },
      exitCode: error.exitCode,
    };
  }
  const report = describeError(error, { operation: "a KMS call", region: "its Region", keyId, advice });
  if (classify(error) !== undefined) {
    // A known AWS failure that reached the top unwrapped: still the AWS advice, not "a bug".
    return { failure: report, exitCode: EXIT.failed };
  }
  return {
    failure: {
      name: report.name,
      message: `kms-replicate failed unexpectedly: ${report.message}`,
      hint: "This is a bug in kms-replicate; please report it with the output of --debug.",
    },
    exitCode: EXIT.failed,
  };
}
