// The steps of `retire`, `delete-family` and `cancel-deletion` on one key of a family, in its own
// Region: schedule its deletion (ScheduleKeyDeletion), disable it (DisableKey, the reversible trial),
// cancel a deletion and enable it again (CancelKeyDeletion leaves the key Disabled, so EnableKey
// follows), each read before (a key already there is `unchanged`: re-runs converge) and read back
// after, for the state and the deletion date to report. A refused write at the deadline is
// `notStarted` (or `timeout` after a first call), a signal `interrupted`, with what was sent.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import type { KmsPort } from "../../aws/kms.js";
import { classify } from "../classify.js";
import {
  describeError,
  isAbort,
  isNotSent,
  mayHaveBeenApplied,
  type ErrorReport,
  type NotSentError,
} from "../errors.js";
import type { Outcome } from "../events.js";
import { refusedText, RERUN_LONGER } from "./deadline.js";

/** What this run does to one key. */
export type DeletionAction = "schedule" | "disable" | "cancel";

/** The states of a key scheduled for deletion. */
export const PENDING_STATES: ReadonlySet<string> = new Set(["PendingDeletion", "PendingReplicaDeletion"]);

export const isPendingDeletion = (state: string | null | undefined): boolean =>
  PENDING_STATES.has(state ?? "");

/** One key of the family as DescribeKey shows it, with what a deletion adds. */
export interface DeletionState {
  readonly role: "PRIMARY" | "REPLICA" | null;
  readonly keyState: string | null;
  /** ISO 8601: when KMS deletes the key (PendingDeletion only). */
  readonly deletionDate?: string;
  /** The window asked for (a primary in PendingReplicaDeletion: it starts when its last replica is gone). */
  readonly pendingWindowInDays?: number;
}

/** One (key, Region) of the run. */
export interface MemberTarget {
  readonly region: string;
  readonly arn: string;
}

/** How one (key, Region) ended. */
export interface MemberResult extends DeletionState {
  readonly region: string;
  readonly arn: string;
  readonly action: DeletionAction;
  readonly status: Outcome;
  /** The state read before this run changed anything; null: not read. */
  readonly keyStateBefore: string | null;
  /** The writes KMS accepted, in order (ScheduleKeyDeletion, DisableKey, CancelKeyDeletion, EnableKey). */
  readonly calls: readonly string[];
  /** The aliases of the key in its Region (they are deleted with it); undefined: not listed. */
  readonly aliases?: readonly string[];
  readonly error?: ErrorReport;
  readonly note?: string;
}

export interface DeletionContext {
  readonly kms: KmsPort;
  readonly signal: AbortSignal;
  readonly dryRun: boolean;
}

export function deletionStateOf(metadata: KeyMetadata): DeletionState {
  const type = metadata.MultiRegionConfiguration?.MultiRegionKeyType;
  return {
    role: type === "PRIMARY" || type === "REPLICA" ? type : null,
    keyState: metadata.KeyState ?? null,
    ...(metadata.DeletionDate !== undefined ? { deletionDate: metadata.DeletionDate.toISOString() } : {}),
    ...(metadata.PendingDeletionWindowInDays !== undefined
      ? { pendingWindowInDays: metadata.PendingDeletionWindowInDays }
      : {}),
  };
}

export async function readDeletionState(
  kms: KmsPort,
  target: MemberTarget,
  signal: AbortSignal,
): Promise<DeletionState> {
  return deletionStateOf(await kms.describeKey(target.region, target.arn, signal));
}

/** What one step knows as it goes: what it read, and the writes accepted. */
class Tracker {
  before: DeletionState | undefined;
  readonly calls: string[] = [];
  constructor(
    readonly target: MemberTarget,
    readonly action: DeletionAction,
  ) {}

  end(status: Outcome, now: DeletionState | undefined, extra: Partial<MemberResult> = {}): MemberResult {
    const state = now ?? this.before;
    return {
      region: this.target.region,
      arn: this.target.arn,
      action: this.action,
      status,
      role: state?.role ?? null,
      keyState: state?.keyState ?? null,
      ...(state?.deletionDate !== undefined ? { deletionDate: state.deletionDate } : {}),
      ...(state?.pendingWindowInDays !== undefined ? { pendingWindowInDays: state.pendingWindowInDays } : {}),
      keyStateBefore: this.before?.keyState ?? null,
      calls: [...this.calls],
      ...extra,
    };
  }

  /** A failed call: refused at the deadline, stopped by a signal, or KMS's error. */
  failed(error: unknown, operation: string, signal: AbortSignal): MemberResult {
    if (isNotSent(error)) return this.refused(error);
    if (signal.aborted || isAbort(error)) {
      const maybe = mayHaveBeenApplied(error);
      return this.end("interrupted", undefined, {
        note: maybe
          ? `Stopped while ${operation} was in flight: it may have been carried out. Re-run the same command to finish (what is done counts as done).`
          : `Stopped before ${operation} was sent. Re-run the same command to finish.`,
      });
    }
    return this.end("failed", undefined, {
      error: describeError(error, {
        operation,
        region: this.target.region,
        keyId: this.target.arn,
      }),
    });
  }

  refused(error: NotSentError): MemberResult {
    const untouched = this.calls.length === 0 && error.call.unanswered !== true;
    return this.end(untouched ? "notStarted" : "timeout", undefined, {
      note: `${refusedText(error)}${untouched ? "; nothing was changed here" : ""}. ${RERUN_LONGER}`,
    });
  }
}

/** Reads the key after the writes; a failed read keeps what the writes' answers said. */
async function readBack(
  ctx: DeletionContext,
  tracker: Tracker,
  fallback: DeletionState,
): Promise<DeletionState> {
  try {
    return await readDeletionState(ctx.kms, tracker.target, ctx.signal);
  } catch {
    return fallback;
  }
}

/** Reads the key first; undefined result: go on, else the step ended there. */
async function readFirst(ctx: DeletionContext, tracker: Tracker): Promise<MemberResult | undefined> {
  try {
    tracker.before = await readDeletionState(ctx.kms, tracker.target, ctx.signal);
    return undefined;
  } catch (error) {
    return tracker.failed(error, "DescribeKey", ctx.signal);
  }
}

/**
 * ScheduleKeyDeletion with `days`, unless the key is pending deletion already (`unchanged`, with its
 * date). A refusal for the key's state (KMSInvalidStateException: a lost answer, another run) is
 * read again: pending now counts as done.
 */
export async function scheduleDeletion(
  target: MemberTarget,
  days: number,
  ctx: DeletionContext,
): Promise<MemberResult> {
  const tracker = new Tracker(target, "schedule");
  const early = await readFirst(ctx, tracker);
  if (early !== undefined) return early;
  const before = tracker.before;
  if (isPendingDeletion(before?.keyState)) return tracker.end("unchanged", before);
  if (ctx.dryRun) return tracker.end("planned", before);
  try {
    const answer = await ctx.kms.scheduleKeyDeletion(target.region, target.arn, days, ctx.signal);
    tracker.calls.push("ScheduleKeyDeletion");
    const fallback: DeletionState = {
      role: before?.role ?? null,
      keyState: answer.keyState ?? "PendingDeletion",
      ...(answer.deletionDate !== undefined ? { deletionDate: answer.deletionDate.toISOString() } : {}),
      ...(answer.pendingWindowInDays !== undefined
        ? { pendingWindowInDays: answer.pendingWindowInDays }
        : {}),
    };
    return tracker.end("done", await readBack(ctx, tracker, fallback));
  } catch (error) {
    if (classify(error) === "KMSInvalidStateException" && !ctx.signal.aborted) {
      const now = await readBack(ctx, tracker, before ?? { role: null, keyState: null });
      if (isPendingDeletion(now.keyState)) return tracker.end("done", now);
    }
    return tracker.failed(error, "ScheduleKeyDeletion", ctx.signal);
  }
}

/** DisableKey (retire --disable-only): a Disabled key is `unchanged`; one pending deletion fails. */
export async function disableMember(target: MemberTarget, ctx: DeletionContext): Promise<MemberResult> {
  const tracker = new Tracker(target, "disable");
  const early = await readFirst(ctx, tracker);
  if (early !== undefined) return early;
  const before = tracker.before;
  if (before?.keyState === "Disabled") return tracker.end("unchanged", before);
  if (isPendingDeletion(before?.keyState)) {
    return tracker.end("failed", before, {
      error: {
        name: "KeyPendingDeletion",
        message: `The key in ${target.region} is ${before?.keyState ?? "?"}: it is already being deleted, not only disabled.`,
        hint: "kms-replicate cancel-deletion cancels the deletion and enables it again.",
      },
    });
  }
  if (ctx.dryRun) return tracker.end("planned", before);
  try {
    await ctx.kms.disableKey(target.region, target.arn, ctx.signal);
    tracker.calls.push("DisableKey");
    const fallback = { role: before?.role ?? null, keyState: "Disabled" };
    return tracker.end("done", await readBack(ctx, tracker, fallback));
  } catch (error) {
    return tracker.failed(error, "DisableKey", ctx.signal);
  }
}

/**
 * CancelKeyDeletion and EnableKey for a key pending deletion; EnableKey alone for a Disabled key
 * when `enableDisabled` (a Region named: the undo of retire --disable-only). Anything else is
 * `unchanged` (a Disabled key not named is left, and said).
 */
export async function cancelDeletion(
  target: MemberTarget,
  ctx: DeletionContext & { readonly enableDisabled: boolean },
): Promise<MemberResult> {
  const tracker = new Tracker(target, "cancel");
  const early = await readFirst(ctx, tracker);
  if (early !== undefined) return early;
  const before = tracker.before;
  const pending = isPendingDeletion(before?.keyState);
  const disabled = before?.keyState === "Disabled";
  if (!pending && !(disabled && ctx.enableDisabled)) {
    return tracker.end(
      "unchanged",
      before,
      disabled
        ? {
            note: `Disabled, not pending deletion: left as it is. Name its Region (--regions ${target.region}) to enable it.`,
          }
        : {},
    );
  }
  if (ctx.dryRun) return tracker.end("planned", before);
  if (pending) {
    try {
      await ctx.kms.cancelKeyDeletion(target.region, target.arn, ctx.signal);
      tracker.calls.push("CancelKeyDeletion");
    } catch (error) {
      return tracker.failed(error, "CancelKeyDeletion", ctx.signal);
    }
  }
  try {
    await ctx.kms.enableKey(target.region, target.arn, ctx.signal);
    tracker.calls.push("EnableKey");
  } catch (error) {
    const result = tracker.failed(error, "EnableKey", ctx.signal);
    if (!pending) return result;
    const now = await readBack(ctx, tracker, { role: before?.role ?? null, keyState: "Disabled" });
    return {
      ...result,
      keyState: now.keyState,
      note: `Its deletion was cancelled, but it is ${now.keyState ?? "?"}: EnableKey was not done. Re-run with --regions ${target.region} to enable it.`,
    };
  }
  return tracker.end(
    "done",
    await readBack(ctx, tracker, { role: before?.role ?? null, keyState: "Enabled" }),
  );
}

/** The aliases of the key in its Region (ListAliases); undefined: they could not be listed. */
export async function aliasesOf(
  kms: KmsPort,
  target: MemberTarget,
  signal: AbortSignal,
): Promise<readonly string[] | undefined> {
  try {
    const entries = await kms.listAliases(target.region, target.arn, signal);
    return entries.flatMap((a) => (a.AliasName === undefined ? [] : [a.AliasName])).sort();
  } catch {
    return undefined;
  }
}
