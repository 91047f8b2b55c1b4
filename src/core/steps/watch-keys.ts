// The wait for keys of a family in flux (Creating, Updating, a promotion settling): DescribeKey of
// each in its own Region, in parallel, until what was seen satisfies the caller; `promote` waits so
// before UpdatePrimaryRegion and after it. The schedule and the deadline are the replica wait's
// (poll.ts).
import { attemptsOf, failedBeforeAbort } from "../call-error.js";
import { classify } from "../classify.js";
import { describeError, isAbort, type ErrorReport } from "../errors.js";
import type { Emit } from "../events.js";
import { isRetryable } from "../retryable.js";
import type { KmsPort } from "../../aws/kms.js";
import { memberOf, type Member } from "../promotion.js";
import { FailedPolls, pollUntil, type PollBounds } from "./poll.js";

/** What a wait for keys needs: the port, where each state seen goes, and the poll's bounds. */
export interface WatchContext extends PollBounds {
  readonly kms: KmsPort;
  readonly emit: Emit;
  readonly keyId: string;
}

/** How a wait for keys ended; `members` as last seen, in the order given. */
export type WatchEnd =
  | { readonly kind: "done"; readonly members: readonly Member[] }
  | { readonly kind: "timeout"; readonly members: readonly Member[]; readonly failures?: string }
  | { readonly kind: "interrupted"; readonly members: readonly Member[] }
  | { readonly kind: "failed"; readonly members: readonly Member[]; readonly error: ErrorReport };

/**
 * Polls DescribeKey of `members` (each in its own Region, in parallel) until `until` holds for what
 * was seen. Throttling, 5xx, KMSInvalidStateException and NotFoundException keep polling (a family
 * in flux); any other failure ends the wait. Each state seen is a `phase` event (the spinner).
 */
export async function watchKeys(
  members: readonly Member[],
  until: (members: readonly Member[]) => boolean,
  ctx: WatchContext,
  options: { readonly pauseFirst?: boolean } = {},
): Promise<WatchEnd> {
  let seen = [...members];
  const failures = new FailedPolls();
  const interrupted = (): WatchEnd => ({ kind: "interrupted", members: seen });
  const timedOut = (): WatchEnd => ({ kind: "timeout", members: seen, failures: failures.describe() });
  return pollUntil<WatchEnd>(ctx, {
    pauseFirst: options.pauseFirst,
    interrupted,
    timedOut,
    async look(bounded) {
      const answers = await Promise.allSettled(
        seen.map((m) => ctx.kms.describeKey(m.region, m.arn, bounded)),
      );
      let failed: ErrorReport | undefined;
      seen = seen.map((member, i) => {
        const answer = answers[i];
        if (answer === undefined) return member;
        if (answer.status === "fulfilled") {
          const next = memberOf(answer.value, member.region, member.arn);
          ctx.emit({
            type: "phase",
            keyId: ctx.keyId,
            region: member.region,
            phase: "creating",
            keyState: next.keyState ?? undefined,
          });
          return next;
        }
        const error: unknown = answer.reason;
        if (bounded.aborted || isAbort(error)) {
          const before = failedBeforeAbort(error);
          if (before !== undefined) failures.add(before.last, before.count);
          return member;
        }
        failures.add(error, attemptsOf(error));
        const name = classify(error);
        if (name !== "NotFoundException" && name !== "KMSInvalidStateException" && !isRetryable(error)) {
          failed ??= describeError(error, {
            operation: "DescribeKey",
            region: member.region,
            keyId: member.arn,
          });
        }
        return member;
      });
      if (ctx.signal.aborted) return interrupted();
      if (bounded.aborted) return timedOut();
      if (failed !== undefined) return { kind: "failed", members: seen, error: failed };
      if (answers.every((a) => a.status === "fulfilled")) failures.sawState();
      return until(seen) ? { kind: "done", members: seen } : undefined;
    },
  });
}
