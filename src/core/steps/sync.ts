// The steps that bring an existing replica in line with a desired state (`sync`, and `replicate`
// with --copy-* for replicas that were there): inspect (wait while Creating, read, check the state,
// look up aliases, plan the diff), then the converge step (converge.ts), then verify (read again
// with backoff, within a bound, until what was applied reads back: KMS is eventually consistent).
import type { Desired } from "../desired.js";
import { aliasConflicts, diff, type DiffOptions, type Readable } from "../diff.js";
import { describeError, isAbort, type ErrorReport } from "../errors.js";
import { readKey, type KeyView, type ReadField } from "../family.js";
import type { Operation } from "../operation.js";
import { sleep } from "../../aws/pace.js";
import { aliasTaken } from "./converge.js";
import { followOf, followReplica, stateError } from "./wait.js";
import { elapsedSince, type Progress, type Step, type StepContext, type Unit } from "./work.js";
import { type Change, type WorkResult } from "../events.js";

/** States a replica passes through on its own: waited for before it is synced. */
const TRANSIENT = new Set(["Creating", "Updating"]);
/** States in which nothing about the key can be changed: a failure, with how to recover. */
const DELETING = new Set(["PendingDeletion", "PendingReplicaDeletion"]);

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

export const PENDING_IMPORT_NOTE =
  "Synced, but the key material is still missing: import the primary's key material into this replica " +
  "before using it: kms-replicate import-material --key KEY --key-material fileb://PATH.";

/** How verification reads again: delays grow from `initialMs` by `factor` up to `maxMs`, for at most `boundMs`. */
export interface VerifySchedule {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
  /** KMS documents that a change can take up to about a minute to read back. */
  readonly boundMs: number;
}

export const DEFAULT_VERIFY: VerifySchedule = { initialMs: 500, factor: 2, maxMs: 8_000, boundMs: 90_000 };

export interface SyncSettings {
  readonly desired: Desired;
  readonly diff: DiffOptions;
  readonly verify?: VerifySchedule;
  /** Say which extra tags and aliases are kept (`sync`, which can prune them). Default true. */
  readonly noteExtras?: boolean;
}

/** The fields a Desired manages that readKey reads with their own call. */
const FIELD_OF: Readonly<Record<ReadField, keyof Desired>> = {
  tags: "tags",
  aliases: "aliases",
  policy: "policy",
};

/** A read replica as the diff compares it (the enabled state only where EnableKey/DisableKey apply). */
export function readableOf(view: KeyView, aliasTargets?: Readonly<Record<string, string>>): Readable {
  return {
    tags: view.tags,
    description: view.description ?? "",
    policy: view.policy,
    aliases: view.aliases,
    enabled: view.keyState === "Enabled" ? true : view.keyState === "Disabled" ? false : null,
    ...(aliasTargets !== undefined ? { aliasTargets } : {}),
  };
}

/**
 * Inspect: follow a replica that is Creating or Updating until it settles (not in a dry run), read it,
 * and plan: its operations become the unit's `pending` (applied by the converge step next). A dry
 * run settles here (`planned`, or `unchanged`). Deleting states fail the unit.
 */
export function inspectStep(settings: SyncSettings): Step {
  return async (unit, progress, ctx) => {
    const { region } = unit;
    const keyId = unit.primary.keyId;
    if (!progress.requested) ctx.emit({ type: "phase", keyId, region, phase: "checking" });
    const base = (): Omit<WorkResult, "outcome"> & { changes: readonly Change[] } => ({
      keyId,
      region,
      arn: progress.arn,
      changes: progress.changes,
      elapsedMs: elapsedSince(ctx),
    });
    const interrupted = (keyState?: string): WorkResult => ({
      ...base(),
      keyState,
      outcome: "interrupted",
      note: "Stopped before anything was changed here.",
    });
    let view: KeyView;
    try {
      view = await readKey(ctx.kms, region, "REPLICA", progress.arn, undefined, ctx.signal);
      const state = view.keyState ?? "";
      if (view.error === null && TRANSIENT.has(state) && ctx.wait && !ctx.dryRun) {
        const followed = await followReplica(
          { ...followOf(unit, progress), knownState: state, since: performance.now() },
          ctx,
        );
        const settled = followed.keyState ?? "";
        if (followed.outcome === "failed" && settled !== "Disabled" && !DELETING.has(settled))
          return followed;
        if (followed.outcome === "timeout" || followed.outcome === "interrupted") return followed;
        view = await readKey(ctx.kms, region, "REPLICA", progress.arn, undefined, ctx.signal);
      }
    } catch (error) {
      if (ctx.signal.aborted || isAbort(error)) return interrupted();
      throw error;
    }
    if (view.error !== null) return { ...base(), outcome: "failed", error: view.error };
    const keyState = view.keyState ?? undefined;
    if (keyState !== undefined && DELETING.has(keyState)) {
      return { ...base(), keyState, outcome: "failed", error: stateError(region, keyState) };
    }
    const notes = [
      ...(keyState === "PendingImport" ? [PENDING_IMPORT_NOTE] : []),
      ...(keyState !== undefined && TRANSIENT.has(keyState)
        ? [`Still ${keyState}; not waited for (${ctx.dryRun ? "--dry-run" : "--no-wait"}).`]
        : []),
      ...(settings.noteExtras !== false ? keptExtras(settings, view) : []),
    ];
    const note = notes.length > 0 ? notes.join(" ") : undefined;
    let aliasTargets: Record<string, string>;
    try {
      aliasTargets = await lookUpAliases(settings.desired, view, unit, ctx);
    } catch (error) {
      if (ctx.signal.aborted || isAbort(error)) return interrupted(keyState);
      throw error;
    }
    const actual = readableOf(view, aliasTargets);
    const operations = diff(settings.desired, actual, settings.diff);
    const failure = planFailure(settings, view, actual, unit);
    if (ctx.dryRun) {
      const told = { ...base(), keyState, ...(note !== undefined ? { note } : {}) };
      if (failure !== undefined) {
        return {
          ...told,
          outcome: "failed",
          error: failure,
          ...(operations.length > 0 ? { pending: operations } : {}),
        };
      }
      return { ...told, changes: operations, outcome: operations.length > 0 ? "planned" : "unchanged" };
    }
    return {
      ...progress,
      keyState,
      pending: operations,
      ...(note !== undefined ? { note } : {}),
      ...(failure !== undefined ? { failure } : {}),
    };
  };
}

/**
 * For each desired alias the replica lacks: the key it names in the replica's Region, if the alias
 * exists there (DescribeKey accepts alias/NAME). An alias that cannot be looked up is left to
 * CreateAlias, which finds out.
 */
async function lookUpAliases(
  desired: Desired,
  view: KeyView,
  unit: Unit,
  ctx: StepContext,
): Promise<Record<string, string>> {
  if (desired.aliases === undefined || view.aliases === null) return {};
  const theirs = view.aliases;
  const missing = desired.aliases.filter((name) => !theirs.includes(name));
  const found = await Promise.all(
    missing.map(async (name): Promise<[string, string] | undefined> => {
      try {
        const owner = await ctx.kms.describeKey(unit.region, name, ctx.signal);
        return owner.KeyId !== undefined && owner.KeyId !== unit.primary.keyId
          ? [name, owner.KeyId]
          : undefined;
      } catch (error) {
        if (ctx.signal.aborted || isAbort(error)) throw error;
        return undefined; // NotFoundException: free to create; anything else: CreateAlias will tell
      }
    }),
  );
  return Object.fromEntries(found.filter((entry) => entry !== undefined));
}

/** Why a replica cannot be brought fully in line, found before anything is applied; the rest still is. */
function planFailure(
  settings: SyncSettings,
  view: KeyView,
  actual: Readable,
  unit: Unit,
): ErrorReport | undefined {
  const unread = (Object.keys(FIELD_OF) as ReadField[]).filter(
    (field) => settings.desired[FIELD_OF[field]] !== undefined && view.fieldErrors[field] !== null,
  );
  const first = unread[0];
  if (first !== undefined) {
    const error = view.fieldErrors[first];
    return {
      name: error?.name ?? "Error",
      message:
        `The replica's ${unread.join(" and ")} could not be read, so ${unread.length === 1 ? "it was" : "they were"} not synced: ${error?.message ?? ""}`.trim(),
      hint: error?.hint,
    };
  }
  if (settings.diff.forceAliases === true) return undefined;
  const conflicts = aliasConflicts(settings.desired, actual);
  const conflict = conflicts[0];
  if (conflict === undefined) return undefined;
  const taken = aliasTaken(conflict.name, unit.region, conflict.owner, false);
  const more = conflicts.slice(1).map((c) => `${c.name} (${c.owner})`);
  return more.length > 0 ? { ...taken, message: `${taken.message} So do ${more.join(", ")}.` } : taken;
}

/** Extra tags and aliases a replica keeps because nothing prunes them: said, so nobody is surprised. */
function keptExtras(settings: SyncSettings, view: KeyView): string[] {
  const { desired } = settings;
  const notes: string[] = [];
  if (!settings.diff.pruneTags && desired.tags !== undefined && view.tags !== null) {
    const wanted = desired.tags;
    const extra = Object.entries(view.tags).filter(([key]) => wanted[key] === undefined);
    if (extra.length > 0) {
      notes.push(
        `Kept ${extra.length === 1 ? "a tag" : "tags"} not in the desired state: ${extra.map(([k, v]) => `${k}=${v}`).join(", ")} (--prune-tags removes them).`,
      );
    }
  }
  if (!settings.diff.pruneAliases && desired.aliases !== undefined && view.aliases !== null) {
    const wanted = desired.aliases;
    const extra = view.aliases.filter((name) => !wanted.includes(name));
    if (extra.length > 0) {
      notes.push(
        `Kept ${extra.length === 1 ? "an alias" : "aliases"} not in the desired state: ${extra.join(", ")} (--prune-aliases deletes them).`,
      );
    }
  }
  return notes;
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
export function verifyStep(settings: SyncSettings): Step {
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

/** The operations the inspect step planned, for the converge step. */
export const plannedOperations = (_unit: Unit, progress: Progress): readonly Operation[] =>
  (progress.pending ?? []).filter((c): c is Operation => c.op !== "replicate");
