// Why a run stopped early: SIGINT, SIGTERM or SIGHUP, each with the shell's exit code (128 + the
// signal's number). The run's AbortSignal carries a Stop as its reason (src/cli/signals.ts).
import { EXIT, type ExitCode } from "./errors.js";

export const STOP_SIGNALS = {
  SIGINT: EXIT.interrupted,
  SIGTERM: EXIT.terminated,
  SIGHUP: EXIT.hangup,
} as const satisfies Record<string, ExitCode>;
export type StopSignalName = keyof typeof STOP_SIGNALS;

/**
 * The reason of the run's AbortSignal. Its name stays `AbortError`, so every abort check already
 * knows it; it adds which signal stopped the run and the exit code that signal asks for.
 */
export class Stop extends Error {
  override readonly name = "AbortError";
  readonly exitCode: ExitCode;
  constructor(readonly signalName: StopSignalName) {
    super(`Stopped by ${signalName}`);
    this.exitCode = STOP_SIGNALS[signalName];
  }
}

/** The Stop behind an aborted signal; an abort for any other reason counts as Ctrl-C. */
export function stopOf(signal: AbortSignal): Stop {
  return signal.reason instanceof Stop ? signal.reason : new Stop("SIGINT");
}
