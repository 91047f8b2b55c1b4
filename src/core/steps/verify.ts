// The verify step of `sync` (and of `replicate` with --copy-* for replicas that were there), after
// the converge step: read the replica again with backoff, within a bound, until what was applied
// reads back (KMS is eventually consistent).
import type { Desired } from "../desired.js";
import { diff, readableOf, type DiffOptions } from "../diff.js";
import { describeError, isAbort, type ErrorReport } from "../errors.js";
import { readKey, type KeyView } from "../family.js";
import type { Operation } from "../operation.js";
import { sleep } from "../../aws/pace.js";
import { elapsedSince, type Progress, type Step } from "./work.js";
import type { Change } from "../events.js";

/**
 * A sync a signal stopped: what is listed as applied was; the first change not applied was either
 * never sent (nothing more changed) or sent and not answered (it may have been applied).
 */
export function syncInterruptedNote(progress: Pick<Progress, "pending" | "unanswered">): string {
  const pending = progress.pending ?? [];
  if (progress.unanswered !== undefined) {
    return `Stopped while syncing: what is listed as applied was; the ${subjectOf(progress.unanswered)} change was sent and not answered, so it may have been applied. Re-run sync to finish.`;
  }
  return pending.length > 0
    ? "Stopped while syncing: what is listed as applied was; nothing after it was sent. Re-run sync to finish."
    : "Stopped while syncing: what is listed as applied was. Re-run sync to see it read back.";
}

/** How verification reads again: delays grow from `initialMs` by `factor` up to `maxMs`, for at most `boundMs`. */
export interface VerifySchedule {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
  /** KMS documents that a change can take up to about a minute to read back. */
  readonly boundMs: number;
}

export const DEFAULT_VERIFY: VerifySchedule = { initialMs: 500, factor: 2, maxMs: 8_000, boundMs: 90_000 };

/** What verification reads back against (the desired state, the diff's options), and how often. */
export interface VerifySettings {
  readonly desired: Desired;
  readonly diff: DiffOptions;
  readonly verify?: VerifySchedule;
}

/** What a change touches, so that a read-back can tell whether it is in force. */
function subjectOf(change: Change): string {
  switch (change.op) {
    case "tag":
    case "untag":
      return `tag ${change.key}`;
    case "alias":
    case "realias":
    case "unalias":
      return `alias ${change.name}`;
    case "enable":
    case "disable":
      return "enabled";
    default:
      return change.op;
  }
}

/** The applied operations a replica as read does not show yet. */
export function unverified(
  applied: readonly Change[],
  desired: Desired,
  view: KeyView,
  options: DiffOptions,
): Operation[] {
  const still = new Set(diff(desired, readableOf(view), { ...options, forceAliases: false }).map(subjectOf));
  // An alias moved by UpdateAlias reads as missing (`alias`) until it is visible on this key.
  return applied.filter((c): c is Operation => c.op !== "replicate" && still.has(subjectOf(c)));
}

/**
 * Verify: once something was applied (and nothing failed), read the replica again until every
 * applied change reads back, with growing pauses, for at most the schedule's bound (and never past
 * the run's deadline). Not in force by then: the unit fails, with what did not read back.
 */
export function verifyStep(settings: VerifySettings): Step {
  return async (unit, progress, ctx) => {
    const applied = progress.changes.filter((c) => c.op !== "replicate");
    const base = {
      keyId: unit.primary.keyId,
      region: unit.region,
      arn: progress.arn,
      keyState: progress.keyState,
      changes: progress.changes,
      ...(progress.pending !== undefined && progress.pending.length > 0 ? { pending: progress.pending } : {}),
      ...(progress.note !== undefined ? { note: progress.note } : {}),
    };
    if (ctx.signal.aborted) {
      return {
        ...base,
        outcome: "interrupted",
        elapsedMs: elapsedSince(ctx),
        note: syncInterruptedNote(progress),
      };
    }
    if (applied.length === 0 || (progress.pending ?? []).length > 0) return progress;
    const schedule = settings.verify ?? DEFAULT_VERIFY;
    const started = performance.now();
    const until = Math.min(started + schedule.boundMs, ctx.deadline);
    let left: Operation[] = [];
    let lastError: ErrorReport | undefined;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const view = await readKey(ctx.kms, unit.region, "REPLICA", progress.arn, undefined, ctx.signal);
        if (view.error !== null) {
          lastError = view.error;
        } else {
          lastError = undefined;
          left = unverified(applied, settings.desired, view, settings.diff);
          if (left.length === 0) return { ...progress, keyState: view.keyState ?? progress.keyState };
        }
      } catch (error) {
        if (ctx.signal.aborted || isAbort(error)) {
          return {
            ...base,
            outcome: "interrupted",
            elapsedMs: elapsedSince(ctx),
            note: syncInterruptedNote(progress),
          };
        }
        lastError = describeError(error, {
          operation: "DescribeKey",
          region: unit.region,
          keyId: progress.arn,
        });
      }
      const now = performance.now();
      if (now >= until) break;
      const pause = Math.min(schedule.maxMs, schedule.initialMs * schedule.factor ** attempt, until - now);
      try {
        await sleep(pause, ctx.signal);
      } catch {
        return {
          ...base,
          outcome: "interrupted",
          elapsedMs: elapsedSince(ctx),
          note: syncInterruptedNote(progress),
        };
      }
    }
    const waited = `${Math.round((performance.now() - started) / 100) / 10} s`;
    const error: ErrorReport =
      lastError !== undefined && left.length === 0
        ? {
            ...lastError,
            message: `Applied, but the replica could not be read back within ${waited} to verify it: ${lastError.message}`,
          }
        : {
            name: "NotVerified",
            message: `Applied, but ${left.length} change${left.length === 1 ? "" : "s"} did not read back within ${waited} (${[...new Set(left.map(subjectOf))].join(", ")}).`,
            hint: "KMS is eventually consistent (a change can take about a minute to read back): check with 'kms-replicate status' in a minute, and re-run sync if it still drifts (something else may be changing the key).",
          };
    return { ...base, outcome: "failed", elapsedMs: elapsedSince(ctx), error };
  };
}
