// `promote`'s work: wait for keys that are Creating or Updating (watch-keys.ts), send
// UpdatePrimaryRegion (retrying, within a bound, KMS's "not a multi-Region primary key" right after
// another promotion); the command then waits until the family has settled (watchKeys again). The
// schedule and the deadline are the replica wait's (poll.ts).
import type { PollSchedule } from "../../aws/backoff.js";
import { pollDelay } from "../../aws/backoff.js";
import { errorFacts } from "../call-error.js";
import { classify } from "../classify.js";
import {
  describeError,
  isAbort,
  isNotSent,
  mayHaveBeenApplied,
  type ErrorReport,
  type NotSentError,
} from "../errors.js";
import { sleep } from "../../aws/pace.js";
import {
  checkPromotion,
  isNotPrimaryAnswer,
  targetIsPrimary,
  type Member,
  type Promotion,
} from "../promotion.js";
import { untilDeadline } from "./poll.js";
import { watchKeys, type WatchContext } from "./watch-keys.js";

export interface PromoteContext extends WatchContext {
  /** Between UpdatePrimaryRegion calls refused with "not a multi-Region primary key". */
  readonly retrySchedule?: PollSchedule;
  /** At most this many UpdatePrimaryRegion calls (the first included). */
  readonly maxCalls?: number;
  /** An UpdatePrimaryRegion request has left the process (it may be carried out from now on). */
  readonly onSent?: () => void;
}

/** 0.5, 1, 2, 4, 8 s (less up to 20 % jitter): about 15 s for KMS to see the primary it has. */
export const NOT_PRIMARY_RETRY: PollSchedule = {
  initialMs: 500,
  factor: 2,
  minCapMs: 8_000,
  capFraction: 0,
  maxCapMs: 8_000,
  jitter: 0.2,
};
export const MAX_UPDATE_CALLS = 6;

/** How sending UpdatePrimaryRegion ended. */
export type SendEnd =
  | {
      readonly kind: "accepted";
      /** The family as last read (before the call, or the re-read that found the target primary). */
      readonly promotion: Promotion;
      /** The primary's Region the accepted call was sent to (or, when found done, the last one tried). */
      readonly from: Member;
      readonly calls: number;
      /** performance.now() when KMS accepted it (or it was found done). */
      readonly acceptedAt: number;
      /** The target was found primary after a failed call: an earlier call (or someone else) did it. */
      readonly foundDone: boolean;
    }
  | {
      readonly kind: "timeout" | "interrupted";
      readonly promotion: Promotion;
      readonly calls: number;
      /** The keys that were being waited for (Creating, Updating), as last seen. */
      readonly waiting: readonly Member[];
      /** A call had been sent and not answered when the run stopped: it may have been carried out. */
      readonly inFlight: boolean;
      readonly failures?: string;
      /** --timeout ran out before UpdatePrimaryRegion could be sent again (an earlier attempt got no answer). */
      readonly refused?: NotSentError;
    }
  | {
      /** --timeout ran out before UpdatePrimaryRegion was sent (or, throttled, sent again): nothing changed. */
      readonly kind: "notStarted";
      readonly promotion: Promotion;
      readonly calls: number;
      readonly refused: NotSentError;
    }
  | {
      readonly kind: "failed";
      readonly promotion: Promotion;
      readonly calls: number;
      readonly error: ErrorReport;
    };

/**
 * From a checked family to an accepted UpdatePrimaryRegion: keys Creating or Updating are waited
 * for first (within the deadline), the family is checked again (checkPromotion: a refusal throws,
 * exit 2), and the call is sent to the primary's Region. After a failed call the family is read
 * again: a target that has become the primary counts as done (a lost answer, an earlier run);
 * "not a multi-Region primary key" is retried after NOT_PRIMARY_RETRY's pause, at most
 * MAX_UPDATE_CALLS calls and never past the deadline; anything else fails.
 */
export async function sendPromotion(
  first: Promotion,
  to: string,
  reread: (signal: AbortSignal) => Promise<Promotion>,
  ctx: PromoteContext,
): Promise<SendEnd> {
  const maxCalls = ctx.maxCalls ?? MAX_UPDATE_CALLS;
  let promotion = first;
  let calls = 0;
  let lastError: unknown;
  for (;;) {
    const verdict = checkPromotion(promotion, to);
    if (verdict.kind === "already") {
      return {
        kind: "accepted",
        promotion,
        from: promotion.primary,
        calls,
        acceptedAt: performance.now(),
        foundDone: true,
      };
    }
    if (verdict.kind === "wait") {
      const waited = await waitThenReread(verdict.waitFor, { promotion, calls, reread, ctx });
      if ("end" in waited) return waited.end;
      promotion = waited.promotion;
      continue;
    }
    if (calls >= maxCalls || (calls > 0 && performance.now() >= ctx.deadline)) {
      return { kind: "failed", promotion, calls, error: refusedError(lastError, promotion, to, calls) };
    }
    const from = promotion.primary;
    calls += 1;
    /** This call's request has left the process. */
    let left = false;
    const onSent = (): void => {
      left = true;
      ctx.onSent?.();
    };
    try {
      await ctx.kms.updatePrimaryRegion(from.region, from.arn, to, ctx.signal, onSent);
      return { kind: "accepted", promotion, from, calls, acceptedAt: performance.now(), foundDone: false };
    } catch (error) {
      if (isNotSent(error)) return refusedCall(error, { promotion, to, calls, lastError, reread, ctx });
      if (ctx.signal.aborted || isAbort(error)) {
        // In flight means sent: a call still queued, signing or waiting for a socket changed nothing.
        const inFlight = left && mayHaveBeenApplied(error);
        return { kind: "interrupted", promotion, calls, waiting: [], inFlight };
      }
      lastError = error;
      // Whatever failed, the family may have changed: a lost answer, or a promotion already made.
      const again = await rereadOrStop(reread, ctx);
      if (again === undefined) return { kind: "interrupted", promotion, calls, waiting: [], inFlight: true };
      promotion = again;
      if (targetIsPrimary(promotion, to)) {
        return {
          kind: "accepted",
          promotion,
          from,
          calls,
          acceptedAt: performance.now(),
          foundDone: true,
        };
      }
      if (!isNotPrimaryAnswer(classify(error), errorFacts(error).message)) {
        return {
          kind: "failed",
          promotion,
          calls,
          error: describeError(error, {
            operation: "UpdatePrimaryRegion",
            region: from.region,
            keyId: from.arn,
          }),
        };
      }
      // Eventual consistency right after another promotion: KMS may not see the primary it has.
      const pause = pollDelay(calls - 1, 0, ctx.retrySchedule ?? NOT_PRIMARY_RETRY, ctx.random);
      const cut = untilDeadline(ctx.signal, ctx.deadline);
      try {
        await sleep(Math.min(pause, Math.max(0, ctx.deadline - performance.now())), cut.signal);
      } catch {
        if (ctx.signal.aborted)
          return { kind: "interrupted", promotion, calls, waiting: [], inFlight: false };
      } finally {
        cut.dispose();
      }
    }
  }
}

/**
 * Keys Creating or Updating before the call: waited for (within the deadline), then the family is
 * read again. The family as read; or, when the wait or the read ended the run, how the send ended.
 */
async function waitThenReread(
  waitFor: readonly Member[],
  at: {
    readonly promotion: Promotion;
    readonly calls: number;
    readonly reread: (signal: AbortSignal) => Promise<Promotion>;
    readonly ctx: PromoteContext;
  },
): Promise<{ readonly promotion: Promotion } | { readonly end: SendEnd }> {
  const { promotion, calls, ctx } = at;
  const end = await watchKeys(
    waitFor,
    (members) => members.every((m) => m.keyState !== "Creating" && m.keyState !== "Updating"),
    ctx,
  );
  if (end.kind === "failed") return { end: { kind: "failed", promotion, calls, error: end.error } };
  if (end.kind !== "done") {
    return {
      end: {
        kind: end.kind,
        promotion,
        calls,
        waiting: end.members,
        inFlight: false,
        failures: end.kind === "timeout" ? end.failures : undefined,
      },
    };
  }
  const again = await rereadOrStop(at.reread, ctx);
  if (again === undefined) {
    return { end: { kind: "interrupted", promotion, calls, waiting: end.members, inFlight: false } };
  }
  return { promotion: again };
}

/**
 * UpdatePrimaryRegion refused at the deadline (--timeout). Never sent: `notStarted` for the first
 * call, and after calls KMS refused as "not a multi-Region primary key", that failure. Sent before
 * and not answered: the family is read again (a read is still allowed): the target primary is an
 * accepted promotion, else `timeout`, saying it may still be carried out. Sent and answered
 * (throttled): `notStarted`, nothing changed.
 */
async function refusedCall(
  error: NotSentError,
  at: {
    readonly promotion: Promotion;
    readonly to: string;
    readonly calls: number;
    readonly lastError: unknown;
    readonly reread: (signal: AbortSignal) => Promise<Promotion>;
    readonly ctx: PromoteContext;
  },
): Promise<SendEnd> {
  const { promotion, to, ctx } = at;
  const calls = error.call.sentBefore === 0 ? at.calls - 1 : at.calls;
  if (error.call.unanswered === true) {
    const again = await rereadOrStop(at.reread, ctx).catch(() => undefined);
    const now = again ?? promotion;
    if (again !== undefined && targetIsPrimary(again, to)) {
      return {
        kind: "accepted",
        promotion: again,
        from: promotion.primary,
        calls,
        acceptedAt: performance.now(),
        foundDone: true,
      };
    }
    return { kind: "timeout", promotion: now, calls, waiting: [], inFlight: true, refused: error };
  }
  if (calls > 0 && error.call.sentBefore === 0) {
    return {
      kind: "failed",
      promotion,
      calls,
      error: refusedError(at.lastError, promotion, to, calls),
    };
  }
  return { kind: "notStarted", promotion, calls, refused: error };
}

async function rereadOrStop(
  reread: (signal: AbortSignal) => Promise<Promotion>,
  ctx: PromoteContext,
): Promise<Promotion | undefined> {
  try {
    return await reread(ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted) return undefined;
    throw error;
  }
}

function refusedError(error: unknown, promotion: Promotion, to: string, calls: number): ErrorReport {
  const report = describeError(error, {
    operation: "UpdatePrimaryRegion",
    region: promotion.primary.region,
    keyId: promotion.primary.arn,
  });
  return {
    name: report.name,
    message: `UpdatePrimaryRegion was refused ${calls} time${calls === 1 ? "" : "s"}: ${report.message}`,
    hint: `KMS still does not see ${promotion.primary.arn} as the primary. Check the family with 'kms-replicate status', then re-run promote --to ${to} (it counts a done promotion as done).`,
  };
}
