// The engine: work per (key, Region) as a small pipeline of steps (create → converge → wait → …),
// each step reporting what it applied, and one command-neutral result per unit. A command picks
// its steps and says how a result is shown (its own statuses, its JSON); the engine runs them.
import type { CreatingTimes, PollSchedule } from "../../aws/backoff.js";
import type { ErrorReport } from "../errors.js";
import type { Change, Emit, PrimaryKey, RegionResult, WorkResult } from "../events.js";
import type { KmsPort } from "../../aws/kms.js";

/** One key in one Region: the unit of work. */
export interface Unit {
  /** The family's primary. */
  readonly primary: PrimaryKey;
  readonly region: string;
  /** The replica's ARN (known, or the primary's with this Region: they share the key ID). */
  readonly arn: string;
  /** The family already had a replica here when the run looked. */
  readonly existing: boolean;
}

/** What the steps so far know of a unit. */
export interface Progress {
  readonly arn: string;
  /** Last seen, or ReplicateKey's answer; undefined: not read yet. */
  readonly keyState?: string;
  /** When the replica was requested or found (performance.now()), for NotFound's grace. */
  readonly since: number;
  readonly changes: readonly Change[];
  /** This run sent ReplicateKey for it: a NotFound past the grace is ReplicaNotVisible. */
  readonly requested: boolean;
  /** A step's failure that lets the later steps run (an alias taken: still wait for the replica). */
  readonly failure?: ErrorReport;
  /** What a step meant to apply and did not (see WorkResult.pending). */
  readonly pending?: readonly Change[];
  /** Interrupted with this change's request sent and not answered: it may have been applied. */
  readonly unanswered?: Change;
  /** A note for the result (PendingImport: the key material is still missing). */
  readonly note?: string;
}

/** What every step gets: the port, the run's bounds and its event sink. */
export interface StepContext {
  readonly kms: KmsPort;
  readonly emit: Emit;
  /** This unit's own signal (Ctrl-C reaches it; see runUnits). */
  readonly signal: AbortSignal;
  /** performance.now() at the start of the run: every elapsedMs counts from here. */
  readonly startedAt: number;
  /** performance.now() after which waiting stops (--timeout). */
  readonly deadline: number;
  /** false: one look instead of a wait (--no-wait). */
  readonly wait: boolean;
  readonly dryRun: boolean;
  readonly schedule?: PollSchedule;
  /**
   * How long this run's new replicas took to leave Creating, per Region: shared by every key of
   * the run, so that a replica is looked at where its Region's others settled (backoff.ts).
   */
  readonly creatingTimes?: CreatingTimes;
  /** How long NotFoundException counts as "not visible yet" after a replica was requested. */
  readonly notFoundGraceMs?: number;
  readonly random?: () => number;
}

/** A step either hands the unit on (its Progress) or settles it (a WorkResult). */
export type Step = (unit: Unit, progress: Progress, ctx: StepContext) => Promise<Progress | WorkResult>;

export function elapsedSince(ctx: Pick<StepContext, "startedAt">): number {
  return Math.round(performance.now() - ctx.startedAt);
}

/** A unit that went through every step without one settling it: what the steps applied. */
function settleProgress(unit: Unit, progress: Progress, ctx: StepContext): WorkResult {
  return {
    keyId: unit.primary.keyId,
    region: unit.region,
    keyState: progress.keyState,
    arn: progress.arn,
    changes: progress.changes,
    ...(progress.pending !== undefined && progress.pending.length > 0 ? { pending: progress.pending } : {}),
    ...(progress.note !== undefined ? { note: progress.note } : {}),
    elapsedMs: elapsedSince(ctx),
    outcome: progress.changes.length > 0 ? "done" : "unchanged",
  };
}

/**
 * Runs every unit through its steps, all units at once (the AWS adapter paces the calls within
 * KMS's quotas), and returns the results in the order of `units`. A failed unit is a result, not an
 * exception: the others carry on. `present` turns a result into what the command reports; each
 * settles with a `settled` event.
 */
export async function runUnits(
  units: readonly Unit[],
  stepsFor: (unit: Unit) => readonly Step[],
  ctx: StepContext,
  present: (result: WorkResult) => RegionResult,
): Promise<RegionResult[]> {
  const shown = new Map<WorkResult, RegionResult>();
  const results = await runWork(units, stepsFor, ctx, (result, unit) => {
    const regionResult = present(result);
    shown.set(result, regionResult);
    ctx.emit({ type: "settled", keyId: unit.primary.keyId, result: regionResult });
  });
  return results.map((result) => shown.get(result) ?? present(result));
}

/**
 * The same, for a command that reports the neutral results themselves (`sync`): `settled` is told
 * of each result as it settles, and the results come back in the order of `units`.
 */
export async function runWork(
  units: readonly Unit[],
  stepsFor: (unit: Unit) => readonly Step[],
  ctx: StepContext,
  settled: (result: WorkResult, unit: Unit) => void,
): Promise<WorkResult[]> {
  return Promise.all(
    units.map(async (unit) => {
      // Each unit works with its own signal, derived from the run's (Ctrl-C reaches it; AbortSignal.any
      // adds no listener to the run's signal): a unit's calls, retries and pauses listen on it, so a
      // dozen Regions at once do not pile abort listeners on one signal (MaxListenersExceededWarning).
      const own: StepContext = { ...ctx, signal: AbortSignal.any([ctx.signal]) };
      let progress: Progress = {
        arn: unit.arn,
        since: performance.now(),
        changes: [],
        requested: false,
      };
      let result: WorkResult | undefined;
      for (const step of stepsFor(unit)) {
        const next = await step(unit, progress, own);
        if ("outcome" in next) {
          result = next;
          break;
        }
        progress = next;
      }
      result ??= settleProgress(unit, progress, own);
      if (progress.failure !== undefined && result.outcome !== "interrupted") {
        result = { ...result, outcome: "failed", error: progress.failure };
      }
      if (result.pending === undefined && progress.pending !== undefined && progress.pending.length > 0) {
        result = { ...result, pending: progress.pending };
      }
      settled(result, unit);
      return result;
    }),
  );
}
