// `replicate` (the default command): options → plan → steps (create → converge → wait) → results.
import { convergeStep } from "../engine/converge.js";
import { createStep, replicaArn } from "../engine/create.js";
import { inspectStep, plannedOperations } from "../engine/sync.js";
import { withImport, type ImportSettings } from "../engine/import.js";
import { waitStep } from "../engine/wait.js";
import { runUnits, type Step, type StepContext, type Unit } from "../engine/work.js";
import {
  desiredOf,
  policyMentionsPrimary,
  readPrimaryProperties,
  tagList,
  type Desired,
} from "../desired.js";
import { diff, freshReplica } from "../diff.js";
import { usageError, type ExitCode } from "../errors.js";
import { planImport } from "../import-plan.js";
import { readMaterial, type KeyMaterial } from "../material.js";
import type { Applied, RegionResult } from "../events.js";
import {
  copiesAnything,
  toImportOptions,
  toReplicateOptions,
  type RawImportFlags,
  type RawReplicateFlags,
  type ReplicateOptions,
} from "../options.js";
import { createLimiter } from "../pace.js";
import { checkTargets, describePrimary, primaryPlaceOf, splitTargets, type Plan } from "../plan.js";
import { connect, primaryRegionOf, runCommand, type Io } from "../runner.js";
import { regionCommand, regionResultOf } from "./regions.js";

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
  /** ReplicateKey calls in flight at once (--concurrency). */
  readonly concurrency: number;
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
    limit: createLimiter(settings.concurrency),
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
  const forNew: readonly Step[] = [create, converge, wait];
  const forExisting: readonly Step[] = [inspect, converge, wait];
  const given = appliedOf(desired);
  return runUnits(
    units,
    (unit) => (unit.existing && settings.converge === true ? forExisting : forNew),
    settings,
    (result) => regionResultOf(result, given),
  );
}

export async function runReplicate(flags: RawReplicateFlags & RawImportFlags, io: Io): Promise<ExitCode> {
  // --key-material: read once, before any call; zeroed after the last import (or when the run ends).
  let material: KeyMaterial | undefined;
  const command = regionCommand("replicate", flags.dryRun ?? false, async ({ emit }, setPrimary) => {
    // Options and every local check, before any call.
    const options = await toReplicateOptions(flags, io.cwd);
    const importing = toImportOptions(flags);
    if (importing !== undefined && !options.wait) {
      throw usageError(
        "--key-material and --no-wait exclude each other: the material is imported once a replica is PendingImport.",
      );
    }
    const region = await primaryRegionOf(options, io);
    const warn = (message: string): void => emit({ type: "warning", message });
    if (importing !== undefined) material = await readMaterial(importing.keyMaterial, io.cwd, warn);
    const targets = checkTargets(
      options.regions,
      primaryPlaceOf(options.key, region),
      options.strictRegions,
      warn,
    );
    if (options.bypassPolicyLockoutSafetyCheck) {
      warn(
        "--bypass-policy-lockout-safety-check: KMS will not check that the replica policy lets you manage the key. A wrong policy can make a replica unmanageable.",
      );
    }

    // The plan: the primary, what each replica should be, which Regions need a replica.
    const kms = await connect(
      options,
      emit,
      options.rate !== undefined ? { ReplicateKey: options.rate } : {},
    );
    const primary = await describePrimary(kms, options.key, region, io.signal);
    setPrimary(primary);
    const importSettings =
      material === undefined || importing === undefined
        ? undefined
        : planImport(
            material,
            importing,
            await kms.describeKey(primary.region, primary.arn, io.signal),
            Date.now(),
          );
    const copied = await readPrimaryProperties(kms, primary, options.copy, io.signal);
    const desired = desiredOf(options, copied);
    if (
      options.policy === undefined &&
      copied.policy !== undefined &&
      policyMentionsPrimary(copied.policy, primary)
    ) {
      warn(
        `The primary's key policy names its Region (${primary.region}) or ARN; it is copied to the replicas unchanged. Review it for each replica's Region.`,
      );
    }
    const plan = splitTargets(primary, targets);
    emit({ type: "plan", primary, regions: targets });

    const results = await replicateRegions(plan, targets, {
      kms,
      emit,
      signal: io.signal,
      startedAt: io.startedAt,
      deadline: performance.now() + options.timeoutMs,
      wait: options.wait,
      dryRun: options.dryRun,
      desired,
      bypassPolicyLockoutSafetyCheck: options.bypassPolicyLockoutSafetyCheck,
      concurrency: options.concurrency,
      converge: managesProperties(options),
      importSettings,
    });
    material?.dispose();
    return results;
  });
  try {
    return await runCommand(command, flags, io);
  } finally {
    material?.dispose();
  }
}
