// `replicate` (the default command): options → plan → steps (create → converge → wait) → results.
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
import { usageError, type ExitCode } from "../../core/errors.js";
import { planImport } from "../../core/import-plan.js";
import { importAgain } from "../../report/rerun.js";
import { readMaterial, type KeyMaterial } from "../../core/material.js";
import type { Applied, RegionResult } from "../../core/events.js";
import {
  copiesAnything,
  toConnectionOptions,
  toImportOptions,
  toReplicateChoices,
  toReplicateOptions,
  type RawImportFlags,
  type RawReplicateFlags,
  type ReplicateChoices,
} from "../../core/options.js";
import { checkTargets, describePrimary, primaryPlaceOf, splitTargets, type Plan } from "../../core/plan.js";
import { EXIT } from "../../core/errors.js";
import type { PrimaryKey } from "../../core/events.js";
import type { QuotaOverrides } from "../../aws/quotas.js";
import { partitionProblem } from "../../core/regions.js";
import { runJson } from "../../report/json.js";
import { checkTagLimit } from "../../core/tag-plan.js";
import { connect, deadlineOf, inputsOf, primaryRegionOf, runCommand, type Io } from "../../cli/runner.js";
import { requireSelectTags } from "../../core/selection.js";
import { fleetCommand, fleetRequested, type FleetSpec } from "../../cli/fleet.js";
import { exitCodeFor, regionCommand, regionResultOf } from "../shared/regions.js";

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
export function managesProperties(options: ReplicateChoices): boolean {
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

export async function runReplicate(flags: RawReplicateFlags & RawImportFlags, io: Io): Promise<ExitCode> {
  if (fleetRequested(flags)) {
    return runCommand(fleetCommand(replicateFleet(flags, io), flags, io), flags, io);
  }
  // --key-material: read once, before any call; zeroed after the last import (or when the run ends).
  let material: KeyMaterial | undefined;
  const command = regionCommand("replicate", flags.dryRun ?? false, async ({ emit }, setPrimary) => {
    // Options and every local check, before any call.
    const options = await toReplicateOptions(flags, inputsOf(io, flags.timeout));
    const importing = toImportOptions(flags);
    if (importing !== undefined && !options.wait) {
      throw usageError(
        "--key-material and --no-wait exclude each other: the material is imported once a replica is PendingImport.",
      );
    }
    const warn = (message: string): void => emit({ type: "warning", message });
    const region = await primaryRegionOf(options, io, warn);
    if (importing !== undefined)
      material = await readMaterial(importing.keyMaterial, inputsOf(io, options.timeoutMs), warn);
    const targets = checkTargets(
      options.regions,
      primaryPlaceOf(options.key, region),
      options.unknownRegions,
      warn,
    );
    warnBypass(options, warn);

    // The plan: the primary, what each replica should be, which Regions need a replica.
    const deadline = deadlineOf(io, options.timeoutMs);
    const kms = await connect(options, emit, { deadline, ...limitsOf(options) });
    const primary = await describePrimary(kms, options.key, region, io.signal);
    await requireSelectTags(kms, primary, flags.selectTag ?? [], io.signal);
    setPrimary(primary);
    const importSettings =
      material === undefined || importing === undefined
        ? undefined
        : {
            ...planImport(
              material,
              importing,
              await kms.describeKey(primary.region, primary.arn, io.signal),
              Date.now(),
            ),
            again: importAgain(primary.arn, importing, flags, io.cwd),
          };
    const results = await replicateKey(primary, targets, options, {
      kms,
      emit,
      signal: io.signal,
      startedAt: io.startedAt,
      deadline,
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

/** The quotas and in-flight caps of a run: --rate (the ReplicateKey quota) and --concurrency. */
function limitsOf(options: ReplicateChoices): { quotas: QuotaOverrides; inFlight: QuotaOverrides } {
  return {
    quotas: options.rate !== undefined ? { ReplicateKey: options.rate } : {},
    inFlight: { ReplicateKey: options.concurrency },
  };
}

function warnBypass(options: ReplicateChoices, warn: (message: string) => void): void {
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
  options: ReplicateChoices,
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

/** `replicate` over a selection of keys: the same work per key, one adapter and quota budget for all. */
function replicateFleet(
  flags: RawReplicateFlags & RawImportFlags,
  io: Io,
): FleetSpec<{ readonly primary: PrimaryKey; readonly results: RegionResult[] }> {
  const dryRun = flags.dryRun ?? false;
  return {
    command: "replicate",
    dryRun,
    async prepare({ emit }) {
      if (toImportOptions(flags) !== undefined) {
        throw usageError(
          "--key-material works on one key (each key family has its own material): give one --key.",
        );
      }
      const choices = await toReplicateChoices(flags, inputsOf(io, flags.timeout));
      const connection = toConnectionOptions(flags);
      const warn = (message: string): void => emit({ type: "warning", message });
      // Every Region's own checks now; against each key's primary (its Region, its partition) once
      // the keys are known.
      const targets = checkTargets(
        choices.regions,
        { region: "", partition: undefined },
        connection.unknownRegions,
        warn,
      );
      warnBypass(choices, warn);
      const options = { ...connection, ...choices };
      // Every key's replicas in a Region settle after much the same time: each key's waits learn
      // from the keys before it where to look.
      const creatingTimes = new CreatingTimes();
      return {
        connection,
        ...limitsOf(options),
        timeoutMs: choices.timeoutMs,
        accept: { sameAccount: true },
        check(keys) {
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
        },
        async runKey(key, ctx) {
          const own = targets.filter((region) => region !== key.primary.region);
          const results = await replicateKey(key.primary, own, options, {
            kms: ctx.kms,
            emit: ctx.emit,
            signal: ctx.signal,
            startedAt: ctx.startedAt,
            deadline: ctx.deadline,
            waiting: ctx.waiting,
            creatingTimes,
          });
          return { primary: key.primary, results };
        },
      };
    },
    exitCode: (result, stop) => exitCodeFor(result.results, stop?.exitCode ?? EXIT.interrupted),
    document: ({ key, exitCode, result, failure }) =>
      runJson({
        command: "replicate",
        exitCode,
        dryRun,
        primary: result?.primary ?? key.primary,
        results: result?.results ?? [],
        error: failure,
        warnings: [],
        elapsedMs: 0,
      }),
  };
}
