// `sync`: bring existing replicas (all, or the named Regions) in line with their primary: options →
// the primary and the desired state (one merge rule, src/core/desired.ts) → per replica: inspect (wait
// while Creating, read, plan the diff) → converge (one KMS call per operation) → verify → results.
import type { CommandAdvice } from "../../core/advice.js";
import { convergeStep } from "../../core/steps/converge.js";
import { inspectStep, plannedOperations } from "../../core/steps/sync.js";
import { verifyStep, type VerifySchedule } from "../../core/steps/verify.js";
import { runWork, type StepContext, type Unit } from "../../core/steps/work.js";
import type { WorkResult } from "../../core/events.js";
import { desiredOf, copiedPolicyWarning, primaryPropertiesOf, type Desired } from "../../core/desired.js";
import type { DiffOptions } from "../../core/diff.js";
import { EXIT, ReplicateError, usageError } from "../../core/errors.js";
import type { Emit, PrimaryKey, RegionPhase } from "../../core/events.js";
import { readKey } from "../../core/family.js";
import type { PrimaryPlace, UnknownRegionRule } from "../../core/regions.js";
import type { SelectedKey } from "../../core/selection.js";
import { checkTagLimit } from "../../core/tag-plan.js";
import type { CommandWork, KeyContext, PrepareContext, RunPlan } from "../contract.js";
import { namedRegions } from "../shared/regions.js";
import { parseSync, type SyncOptions } from "./flags.js";
import { syncRendering, type SyncJson } from "./render.js";

export interface SyncRunSettings extends StepContext {
  readonly desired: Desired;
  readonly diff: DiffOptions;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  readonly verify?: VerifySchedule;
}

/** Every replica through inspect → converge → verify; `settled` is told of each result as it settles. */
export function syncReplicas(
  units: readonly Unit[],
  settings: SyncRunSettings,
  settled: (result: WorkResult) => void,
): Promise<WorkResult[]> {
  const sync = { desired: settings.desired, diff: settings.diff, verify: settings.verify };
  const steps = [
    inspectStep(sync),
    convergeStep(plannedOperations, {
      bypassPolicyLockoutSafetyCheck: settings.bypassPolicyLockoutSafetyCheck,
    }),
    verifyStep(sync),
  ];
  return runWork(
    units,
    () => steps,
    settings,
    (result) => settled(result),
  );
}

const UNSETTLED_NOTE: Record<RegionPhase, string> = {
  queued: "Stopped before this replica was read; nothing was changed here.",
  requesting: "Stopped before this replica was read; nothing was changed here.",
  checking:
    "Stopped while this replica was being read or changed; 'kms-replicate status' shows what it has now.",
  creating: "Stopped while waiting for this replica to leave Creating; nothing was changed here.",
  // sync imports nothing; the phase is replicate's and import-material's.
  importing: "Stopped while key material was being imported; 'kms-replicate status' shows what it has now.",
};

/** How sync accepts its key: a replica is followed to its primary, which may be disabled. */
const SYNC_ACCEPTS = { sameAccount: true, followReplica: true, requireEnabled: false } as const;

/** --regions checked (empty: every replica), and the bypass warning: before any call. */
function syncRegions(
  options: SyncOptions,
  place: PrimaryPlace,
  unknown: UnknownRegionRule,
  warn: (message: string) => void,
): readonly string[] {
  const named = namedRegions(options.regions, place, unknown, warn);
  if (options.bypassPolicyLockoutSafetyCheck) {
    warn(
      "--bypass-policy-lockout-safety-check: KMS will not check that the replica policy lets you manage the key. A wrong policy can make a replica unmanageable.",
    );
  }
  return named;
}

/** Every key must hold a replica in each named Region: one usage error naming every gap. */
function missingReplicas(
  keys: readonly Pick<SelectedKey, "given" | "primary">[],
  named: readonly string[],
): void {
  const problems = keys.flatMap(({ given, primary }) => {
    const has = new Set(primary.replicas.map((r) => r.region));
    const missing = named.filter((r) => !has.has(r));
    if (missing.length === 0) return [];
    return [
      keys.length === 1
        ? `${primary.keyId} has no replica in ${missing.join(", ")}.`
        : `  ${given}: no replica in ${missing.join(", ")}`,
    ];
  });
  if (problems.length === 0) return;
  const create =
    "Create them with kms-replicate --regions (with --copy-all, they get the primary's properties).";
  const only = keys[0];
  if (keys.length === 1 && only !== undefined) {
    throw usageError(
      problems[0] ?? "",
      `Its replicas are in: ${only.primary.replicas.map((r) => r.region).join(", ") || "no Region yet"}. ${create}`,
    );
  }
  throw usageError(
    `${problems.length === 1 ? "1 key has" : `${problems.length} keys have`} no replica in a named Region; nothing was changed:\n${problems.join("\n")}`,
    create,
  );
}

/**
 * One key, from its primary on: the desired state from the primary (read in its Region), then
 * every replica (the named, or all) through inspect → converge → verify.
 */
export async function syncKey(
  primary: PrimaryKey,
  named: readonly string[],
  options: SyncOptions,
  run: Pick<SyncRunSettings, "kms" | "emit" | "signal" | "startedAt" | "deadline">,
): Promise<WorkResult[]> {
  const { kms, emit, signal } = run;
  const view = await readKey(kms, primary.region, "PRIMARY", primary.arn, undefined, signal);
  if (view.error !== null) {
    throw new ReplicateError(`The primary ${primary.arn} could not be read: ${view.error.message}`, {
      fault: "aws",
      exitCode: EXIT.failed,
      code: view.error.name,
      hint: view.error.hint,
    });
  }
  const copied = primaryPropertiesOf(view, options.copy);
  const desired = desiredOf(options, copied);
  const policyWarning = copiedPolicyWarning(options.policy, copied, primary);
  if (policyWarning !== undefined) emit({ type: "warning", message: policyWarning });
  const replicaIn = new Map(primary.replicas.map((r) => [r.region, r.arn]));
  const regions = named.length > 0 ? named : [...replicaIn.keys()].sort();
  await checkTagLimit(
    kms,
    primary.keyId,
    regions.map((target) => ({ region: target, arn: replicaIn.get(target) ?? "" })),
    { desired, prune: options.pruneTags, command: "sync" },
    signal,
  );
  emit({ type: "plan", primary, regions, sync: true });
  return syncReplicas(
    regions.map((target) => ({ primary, region: target, arn: replicaIn.get(target) ?? "", existing: true })),
    {
      ...run,
      wait: true,
      dryRun: options.dryRun,
      desired,
      diff: {
        pruneTags: options.pruneTags,
        pruneAliases: options.pruneAliases,
        forceAliases: options.forceAliases,
      },
      bypassPolicyLockoutSafetyCheck: options.bypassPolicyLockoutSafetyCheck,
    },
    (result) => emit({ type: "worked", result }),
  );
}

/**
 * A key's sync as a second signal sees it: its events recorded (the plan, each replica's phase and
 * result), and every planned replica reported as settled, or interrupted with what it was doing.
 */
function trackWork(ctx: KeyContext, primary: PrimaryKey): Emit {
  let regions: readonly string[] | undefined;
  const phases = new Map<string, RegionPhase>();
  const settled = new Map<string, WorkResult>();
  ctx.partial((elapsedMs): WorkResult[] | undefined =>
    regions?.map(
      (region): WorkResult =>
        settled.get(region) ?? {
          keyId: primary.keyId,
          region,
          arn: primary.replicas.find((r) => r.region === region)?.arn,
          changes: [],
          outcome: "interrupted",
          elapsedMs: Math.round(elapsedMs),
          note: UNSETTLED_NOTE[phases.get(region) ?? "queued"],
        },
    ),
  );
  return (event) => {
    if (event.type === "plan") regions = event.regions;
    else if (event.type === "phase") phases.set(event.region, event.phase);
    else if (event.type === "worked") settled.set(event.result.region, event.result);
    ctx.emit(event);
  };
}

export function prepareSync(options: SyncOptions, ctx: PrepareContext): Promise<RunPlan<WorkResult[]>> {
  const place = ctx.place ?? { region: "", partition: undefined };
  const named = syncRegions(options, place, ctx.connection.unknownRegions, ctx.warn);
  return Promise.resolve({
    timeoutMs: options.timeoutMs,
    accept: SYNC_ACCEPTS,
    check: (keys: readonly SelectedKey[]) => missingReplicas(keys, named),
    runKey(key, run) {
      // One key: its replicas checked here (a fleet checked every key before any change).
      if (!run.fleet) missingReplicas([key], named);
      return syncKey(key.primary, named, options, { ...run, emit: trackWork(run, key.primary) });
    },
  });
}

/** What a re-run of sync does: the end of its error hints. */
const ADVICE: CommandAdvice = {
  rerun: "re-run: replicas already in line are left alone",
  stateRule: " (a replica pending deletion or still Creating cannot be changed)",
};

export const work: CommandWork<SyncOptions, WorkResult[], SyncJson> = {
  advice: ADVICE,
  parse: parseSync,
  dryRun: (options) => options.dryRun,
  prepare: prepareSync,
  render: syncRendering,
};
