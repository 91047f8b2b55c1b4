// `replicate` (the default command): options → plan → steps (create → converge → wait) → results.
import { sentTo, type CommandAdvice } from "../../core/advice.js";
import { CreatingTimes } from "../../aws/backoff.js";
import { convergeStep } from "../../core/steps/converge.js";
import { createStep, replicaArn } from "../../core/steps/create.js";
import { inspectStep, plannedOperations } from "../../core/steps/sync.js";
import { withImport, type ImportSettings } from "../../core/steps/import.js";
import { waitStep } from "../../core/steps/wait.js";
import { runUnits, type Step, type StepContext, type Unit } from "../../core/steps/work.js";
import {
  desiredOf,
  copiedPolicyWarning,
  readPrimaryProperties,
  tagList,
  type Desired,
} from "../../core/desired.js";
import { diff, freshReplica } from "../../core/diff.js";
import { usageError } from "../../core/errors.js";
import { planImport } from "../../core/import-plan.js";
import { importAgain } from "../../report/rerun.js";
import { readMaterial, type KeyMaterial } from "../../core/material.js";
import type { Applied, RegionResult } from "../../core/events.js";
import { copiesAnything } from "../../core/options.js";
import { checkTargets, splitTargets, type Plan } from "../../core/plan.js";
import type { PrimaryKey } from "../../core/events.js";
import type { QuotaOverrides } from "../../aws/quotas.js";
import { partitionProblem } from "../../core/regions.js";
import type { SelectedKey } from "../../core/selection.js";
import { checkTagLimit } from "../../core/tag-plan.js";
import type { RunJson } from "../../report/json.js";
import type { CommandWork, KeyContext, PrepareContext, RunPlan } from "../contract.js";
import { regionResultOf, trackRegions, type RegionRun } from "../shared/regions.js";
import { parseReplicate, type ReplicateOptions } from "./flags.js";
import { replicateRendering } from "./render.js";

/** What a new replica is given, as the JSON's `applied` shows it. */
export function appliedOf(desired: Desired): Applied {
  return {
    tags: tagList(desired),
    description: desired.description ?? null,
    policySource: desired.policy?.source ?? "default",
    aliases: desired.aliases ?? [],
  };
}

export interface ReplicateSettings extends StepContext {
  readonly desired: Desired;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  /**
   * Called once every Region of the key has sent what it had to send (it waits now, or settled):
   * a fleet starts its next key then.
   */
  readonly waiting?: () => void;
  /** --key-material: import it into every replica that reaches PendingImport. */
  readonly importSettings?: ImportSettings;
  /**
   * Replicas that were there get the desired state too (any --copy-*, --tag, --description or
   * --policy was given); otherwise they are left as they are.
   */
  readonly converge?: boolean;
}

/** Does the run manage any property, so that existing replicas are brought in line too? */
export function managesProperties(options: ReplicateOptions): boolean {
  return (
    copiesAnything(options.copy) ||
    options.tags.length > 0 ||
    options.description !== undefined ||
    options.policy !== undefined
  );
}

/**
 * The steps, per Region of the plan (in the order given): ReplicateKey where there is no replica,
 * what ReplicateKey cannot give a new replica (its aliases), then the wait. With `converge`, a
 * replica that was there is read and diffed first (the inspect step of `sync`), and the same
 * converge step applies what differs.
 */
export function replicateRegions(
  plan: Plan,
  order: readonly string[],
  settings: ReplicateSettings,
): Promise<RegionResult[]> {
  const { primary } = plan;
  const existing = new Map(plan.existing.map((r) => [r.region, r.arn]));
  const units: Unit[] = order.map((region) => ({
    primary,
    region,
    arn: existing.get(region) ?? replicaArn(primary, region),
    existing: existing.has(region),
  }));
  const { desired } = settings;
  const fresh = diff(desired, freshReplica(desired), { pruneTags: false, pruneAliases: false });
  const create = createStep({
    desired,
    bypassPolicyLockoutSafetyCheck: settings.bypassPolicyLockoutSafetyCheck,
  });
  const converge = convergeStep(
    (unit, progress) =>
      progress.changes.some((c) => c.op === "replicate") ? fresh : plannedOperations(unit, progress),
    { bypassPolicyLockoutSafetyCheck: settings.bypassPolicyLockoutSafetyCheck },
  );
  const inspect = inspectStep({
    desired,
    diff: { pruneTags: false, pruneAliases: false },
    noteExtras: false,
  });
  const wait = withImport(waitStep, settings.importSettings);
  // Each Region passes here, or settles before: once all have, the key only waits.
  const sent = new Set<string>();
  const pass = (region: string): void => {
    if (sent.has(region)) return;
    sent.add(region);
    if (sent.size === units.length) settings.waiting?.();
  };
  const waiting: Step = (unit, progress) => {
    pass(unit.region);
    return Promise.resolve(progress);
  };
  const forNew: readonly Step[] = [create, converge, waiting, wait];
  const forExisting: readonly Step[] = [inspect, converge, waiting, wait];
  const given = appliedOf(desired);
  if (units.length === 0) settings.waiting?.();
  return runUnits(
    units,
    (unit) => (unit.existing && settings.converge === true ? forExisting : forNew),
    settings,
    (result) => {
      pass(result.region);
      return regionResultOf(result, given);
    },
  );
}

/** The quotas and in-flight caps of a run: --rate (the ReplicateKey quota) and --concurrency. */
function limitsOf(options: ReplicateOptions): { quotas: QuotaOverrides; inFlight: QuotaOverrides } {
  return {
    quotas: options.rate !== undefined ? { ReplicateKey: options.rate } : {},
    inFlight: { ReplicateKey: options.concurrency },
  };
}

function warnBypass(options: ReplicateOptions, warn: (message: string) => void): void {
  if (options.bypassPolicyLockoutSafetyCheck) {
    warn(
      "--bypass-policy-lockout-safety-check: KMS will not check that the replica policy lets you manage the key. A wrong policy can make a replica unmanageable.",
    );
  }
}

/**
 * One key, from its primary on (a run over one key, and each key of a fleet): what each replica
 * should be (the primary's properties read for --copy-*), which Regions need a replica, and the
 * steps per Region.
 */
export async function replicateKey(
  primary: PrimaryKey,
  targets: readonly string[],
  options: ReplicateOptions,
  run: Pick<
    ReplicateSettings,
    "kms" | "emit" | "signal" | "startedAt" | "deadline" | "importSettings" | "waiting" | "creatingTimes"
  >,
): Promise<RegionResult[]> {
  const { kms, emit, signal } = run;
  const copied = await readPrimaryProperties(kms, primary, options.copy, signal);
  const desired = desiredOf(options, copied);
  const policyWarning = copiedPolicyWarning(options.policy, copied, primary);
  if (policyWarning !== undefined) emit({ type: "warning", message: policyWarning });
  const plan = splitTargets(primary, targets);
  const converge = managesProperties(options);
  // Existing replicas get the desired tags too (new ones get them from ReplicateKey: at most 50).
  if (converge) {
    await checkTagLimit(
      kms,
      primary.keyId,
      plan.existing,
      { desired, prune: false, command: "replicate" },
      signal,
    );
  }
  emit({ type: "plan", primary, regions: targets });
  return replicateRegions(plan, targets, {
    ...run,
    wait: options.wait,
    dryRun: options.dryRun,
    desired,
    bypassPolicyLockoutSafetyCheck: options.bypassPolicyLockoutSafetyCheck,
    converge,
  });
}

/** Every target Region in each key's partition (a fleet: checked for every key before any change). */
function checkPartitions(
  keys: readonly SelectedKey[],
  targets: readonly string[],
  warn: (message: string) => void,
): void {
  const problems = keys.flatMap((key) =>
    targets.flatMap((region) => {
      const reason = partitionProblem(region, key.primary.partition);
      return reason === undefined ? [] : [`  ${key.given}: ${region}: ${reason}`];
    }),
  );
  if (problems.length > 0) {
    throw usageError(
      `Some target Regions are not in a key's partition; nothing was changed:\n${problems.join("\n")}`,
    );
  }
  const home = new Set(
    keys.filter((key) => targets.includes(key.primary.region)).map((key) => key.primary.region),
  );
  for (const region of home) {
    warn(`Keys whose primary is in ${region}, a target Region, have that Region left out.`);
  }
}

/**
 * Before any call: --key-material read (once), every target Region checked (against the key's
 * place when one --key names it), the bypass warning; then how each key is replicated.
 */
export async function prepareReplicate(
  options: ReplicateOptions,
  ctx: PrepareContext,
): Promise<RunPlan<RegionRun>> {
  const { importing } = options;
  if (importing !== undefined && ctx.fleet) {
    throw usageError(
      "--key-material works on one key (each key family has its own material): give one --key.",
    );
  }
  const inputs = ctx.inputs(options.timeoutMs);
  const material: KeyMaterial | undefined =
    importing === undefined ? undefined : await readMaterial(importing.keyMaterial, inputs, ctx.warn);
  // Every Region's own checks now; against each key's primary (its Region, its partition) once the
  // keys are known.
  const targets = checkTargets(
    options.regions,
    ctx.place ?? { region: "", partition: undefined },
    ctx.connection.unknownRegions,
    ctx.warn,
  );
  warnBypass(options, ctx.warn);
  // Every key's replicas in a Region settle after much the same time: each key's waits learn from
  // the keys before it where to look.
  const creatingTimes = new CreatingTimes();
  return {
    timeoutMs: options.timeoutMs,
    ...limitsOf(options),
    accept: { sameAccount: true, followReplica: true },
    check: (keys, warn) => checkPartitions(keys, targets, warn),
    async runKey(key: SelectedKey, run: KeyContext): Promise<RegionRun> {
      const { primary } = key;
      const emit = trackRegions(run, primary);
      const importSettings =
        material === undefined || importing === undefined
          ? undefined
          : {
              ...planImport(
                material,
                importing,
                await run.kms.describeKey(primary.region, primary.arn, run.signal),
                Date.now(),
              ),
              again: importAgain(
                primary.arn,
                importing,
                { reach: ctx.reach, timeoutMs: options.timeoutMs },
                inputs.cwd,
              ),
            };
      const own = targets.filter((region) => region !== primary.region);
      if (!run.fleet && own.length < targets.length) {
        emit({ type: "warning", message: `${primary.region} is the primary's own Region; it is left out.` });
      }
      const results = await replicateKey(primary, own, options, {
        ...run,
        emit,
        importSettings,
        creatingTimes,
      });
      material?.dispose();
      return { primary, results };
    },
    dispose: () => material?.dispose(),
  };
}

/** What a re-run of replicate does: the end of its error hints. */
const ADVICE: CommandAdvice = {
  rerun: "re-run: existing replicas count as done",
  stateRule: " (a primary pending deletion cannot be replicated)",
  errors: {
    ThrottlingException: {
      hint: (ctx) =>
        `KMS throttled ${ctx.operation} requests in ${sentTo(ctx)}. Lower --rate or --concurrency, or re-run later; existing replicas count as done.`,
    },
    ConnectionClosed: {
      hint: () =>
        "Check the network and proxy, then re-run: existing replicas count as done (a replica the lost request created is picked up).",
    },
  },
};

export const work: CommandWork<ReplicateOptions, RegionRun, RunJson> = {
  advice: ADVICE,
  parse: parseReplicate,
  dryRun: (options) => options.dryRun,
  prepare: prepareReplicate,
  render: replicateRendering,
};
