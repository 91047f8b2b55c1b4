// The inspect step that brings an existing replica in line with a desired state (`sync`, and
// `replicate` with --copy-* for replicas that were there): wait while Creating, read, check the
// state, look up aliases, plan the diff; then the converge step (converge.ts) applies it and the
// verify step (verify.ts) reads it back.
import type { Desired } from "../desired.js";
import { aliasConflicts, diff, readableOf, type Readable } from "../diff.js";
import { isAbort, type ErrorReport } from "../errors.js";
import { readKey, type KeyView, type ReadField } from "../family.js";
import type { Operation } from "../operation.js";
import { aliasTaken } from "./converge.js";
import type { VerifySettings } from "./verify.js";
import { followOf, followReplica, stateError } from "./wait.js";
import { elapsedSince, type Progress, type Step, type StepContext, type Unit } from "./work.js";
import { type Change, type WorkResult } from "../events.js";

/** States a replica passes through on its own: waited for before it is synced. */
const TRANSIENT = new Set(["Creating", "Updating"]);
/** States in which nothing about the key can be changed: a failure, with how to recover. */
const DELETING = new Set(["PendingDeletion", "PendingReplicaDeletion"]);

/** The run's closing lines give the command that imports it. */
export const PENDING_IMPORT_NOTE =
  "Synced, but the key material is still missing: import the primary's key material into this replica before using it (kms-replicate import-material).";

/** The settings of sync's steps: what inspect and verify compare the replica with. */
export interface SyncSettings extends VerifySettings {
  /** Say which extra tags and aliases are kept (`sync`, which can prune them). Default true. */
  readonly noteExtras?: boolean;
}

/** The fields a Desired manages that readKey reads with their own call. */
const FIELD_OF: Readonly<Record<ReadField, keyof Desired>> = {
  tags: "tags",
  aliases: "aliases",
  policy: "policy",
};

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
      return { ...base(), keyState, outcome: "failed", error: stateError(region, keyState, progress.arn) };
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

/** The operations the inspect step planned, for the converge step. */
export const plannedOperations = (_unit: Unit, progress: Progress): readonly Operation[] =>
  (progress.pending ?? []).filter((c): c is Operation => c.op !== "replicate");
