// How a key of a fleet ended, from its exit code, and the run's exit code from its keys'.
import { EXIT, type ExitCode } from "../core/errors.js";

/**
 * A key's outcome in the totals: from its exit code (0 ok, 1 and 2 failed, 3 timeout, 4 drift,
 * 130/143/129 interrupted), and, of the keys with exit code 3, `notStarted` for those on which
 * nothing was begun before --timeout ran out (its command's render.ts tells).
 */
export type KeyOutcome = "ok" | "failed" | "timeout" | "notStarted" | "drift" | "interrupted";

export const KEY_OUTCOMES: readonly KeyOutcome[] = [
  "ok",
  "failed",
  "timeout",
  "notStarted",
  "drift",
  "interrupted",
];

export function keyOutcomeOf(exitCode: ExitCode): KeyOutcome {
  switch (exitCode) {
    case EXIT.ok:
      return "ok";
    case EXIT.timeout:
      return "timeout";
    case EXIT.drift:
      return "drift";
    case EXIT.interrupted:
    case EXIT.terminated:
    case EXIT.hangup:
      return "interrupted";
    case EXIT.failed:
    case EXIT.usage:
      return "failed";
  }
}

/**
 * The run's exit code from its keys': the stop signal's if a key was interrupted, else 1 if a key
 * failed (a key a check refused, 2 on its own, is a failure here: the other keys were worked on),
 * else 3 if one timed out, else 4 if one drifts (status), else 0.
 */
export function fleetExitCode(
  codes: readonly ExitCode[],
  interrupted: ExitCode = EXIT.interrupted,
): ExitCode {
  const outcomes = new Set(codes.map(keyOutcomeOf));
  if (outcomes.has("interrupted")) return interrupted;
  if (outcomes.has("failed")) return EXIT.failed;
  if (outcomes.has("timeout")) return EXIT.timeout;
  if (outcomes.has("drift")) return EXIT.drift;
  return EXIT.ok;
}

/**
 * A key's outcome: its exit code's (keyOutcomeOf), but `notStarted` for a key that --timeout kept
 * from beginning: not started at all (its failure is NotStarted), or nothing of it begun
 * (`nothingBegun`, as its command tells: every Region notStarted, its promotion not sent).
 */
export function keyOutcome(
  exitCode: ExitCode,
  failure: { readonly name: string } | null | undefined,
  nothingBegun: boolean,
): KeyOutcome {
  const byCode = keyOutcomeOf(exitCode);
  if (byCode !== "timeout") return byCode;
  return failure?.name === "NotStarted" || nothingBegun ? "notStarted" : byCode;
}
