// A unit whose next write the AWS adapter refused at the run's deadline (--timeout): a NotSentError
// (src/aws/kms.ts). What it means for the unit, the same in every step: `notStarted` when this run
// changed nothing there and nothing it sent may have been carried out, else `timeout`, with a note
// that says what was sent, what was not, and that a re-run of the same command finishes it.
import { errorFacts } from "../call-error.js";
import type { NotSentError } from "../errors.js";
import { elapsedSince, type Progress, type StepContext, type Unit } from "./work.js";
import { type Change, type WorkResult } from "../events.js";

export const RERUN_LONGER = "Re-run the same command with a longer --timeout: what is done counts as done.";

/** How the last attempt before the deadline failed: ` (its last attempt: ThrottlingException)`. */
function lastAttempt(error: NotSentError): string {
  if (error.call.sentBefore === 0 || error.call.lastError === undefined) return "";
  return ` (its last attempt: ${errorFacts(error.call.lastError).name})`;
}

/** Nothing of this unit changed, and nothing sent may have been carried out. */
export function nothingChanged(error: NotSentError, changes: readonly Change[]): boolean {
  return changes.length === 0 && error.call.unanswered !== true;
}

/** The sentence for the refused call: `--timeout ran out before TagResource was sent`. */
export function refusedText(error: NotSentError, what = error.call.operation): string {
  return error.call.sentBefore > 0
    ? `--timeout ran out before ${what} could be sent again${lastAttempt(error)}`
    : `--timeout ran out before ${what} was sent`;
}

/**
 * The result of a unit stopped by a refused write. `pending`: what it meant to apply and did not
 * (the refused operation first); `what`: the refused call in words (default its operation);
 * `unanswered`: what an earlier attempt that got no answer may have done.
 */
export function refusedResult(
  unit: Unit,
  progress: Progress,
  ctx: Pick<StepContext, "startedAt">,
  error: NotSentError,
  options: {
    readonly pending?: readonly Change[];
    readonly what?: string;
    readonly unanswered?: string;
    readonly changes?: readonly Change[];
  } = {},
): WorkResult {
  const changes = options.changes ?? progress.changes;
  const untouched = nothingChanged(error, changes);
  const done = changes.some((c) => c.op === "replicate")
    ? "The replica was created; nothing after it was sent."
    : "What is listed as applied was; nothing after it was sent.";
  const parts = [
    `${refusedText(error, options.what)}${untouched ? "; nothing was changed here" : ""}.`,
    ...(changes.length > 0 ? [done] : []),
    ...(error.call.unanswered === true
      ? [options.unanswered ?? "An earlier attempt got no answer: it may have been carried out."]
      : []),
    RERUN_LONGER,
  ];
  const pending = options.pending ?? [];
  return {
    keyId: unit.primary.keyId,
    region: unit.region,
    ...(untouched && !progress.requested && changes.length === 0 && !unit.existing
      ? {}
      : { arn: progress.arn }),
    keyState: progress.keyState,
    changes,
    ...(pending.length > 0 ? { pending } : {}),
    outcome: untouched ? "notStarted" : "timeout",
    note: parts.join(" "),
    unsent: true,
    elapsedMs: elapsedSince(ctx),
  };
}
