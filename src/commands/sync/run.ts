// `sync`: bring existing replicas (all, or the named Regions) in line with their primary: options →
// the primary and the desired state (one merge rule, src/core/desired.ts) → per replica: inspect (wait
// while Creating, read, plan the diff) → converge (one KMS call per operation) → verify → results.
import { convergeStep } from "../../core/steps/converge.js";
import { inspectStep, plannedOperations } from "../../core/steps/sync.js";
import { verifyStep, type VerifySchedule } from "../../core/steps/verify.js";
import { runWork, type StepContext, type Unit, type WorkResult } from "../../core/steps/work.js";
import { desiredOf, copiedPolicyWarning, primaryPropertiesOf, type Desired } from "../../core/desired.js";
import type { DiffOptions } from "../../core/diff.js";
import { EXIT, ReplicateError, usageError, type ExitCode } from "../../core/errors.js";
import type { PrimaryKey, RegionPhase } from "../../core/events.js";
import { readKey } from "../../core/family.js";
import {
  toConnectionOptions,
  toSyncChoices,
  toSyncOptions,
  type RawSyncFlags,
  type SyncChoices,
} from "../../core/options.js";
import { describePrimary, primaryPlaceOf } from "../../core/plan.js";
import type { PrimaryPlace, UnknownRegionRule } from "../../core/regions.js";
import { requireSelectTags } from "../../core/selection.js";
import { fleetCommand, fleetRequested, type FleetSpec } from "../../cli/fleet.js";
import { namedRegions } from "../shared/regions.js";
import { syncJson } from "./render.js";
import { checkTagLimit } from "../../core/tag-plan.js";
import {
  connect,
  deadlineOf,
  inputsOf,
  primaryRegionOf,
  runCommand,
  type Command,
  type Io,
} from "../../cli/runner.js";

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

/**
 * 130/143/129 if interrupted, else 1 if a Region failed, else 3 if a replica was still Creating when
 * --timeout ran out or its changes were not sent before it ran out, else 0 (every replica in line,
 * or --dry-run's plan made).
 */
export function syncExitCode(
  results: readonly WorkResult[],
  interrupted: ExitCode = EXIT.interrupted,
): ExitCode {
  const has = (outcome: WorkResult["outcome"]): boolean => results.some((r) => r.outcome === outcome);
  if (has("interrupted")) return interrupted;
  if (has("failed")) return EXIT.failed;
  if (has("timeout") || has("notStarted")) return EXIT.timeout;
  return EXIT.ok;
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
  options: SyncChoices,
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
  keys: readonly { given: string; primary: PrimaryKey }[],
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
  options: SyncChoices,
  run: Pick<SyncRunSettings, "kms" | "emit" | "signal" | "startedAt" | "deadline">,
  planned: (regions: readonly string[]) => void,
  settled: (result: WorkResult) => void,
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
  planned(regions);
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
    settled,
  );
}

/** `sync` over a selection of keys: every key's replicas brought in line, one quota budget for all. */
function syncFleet(
  flags: RawSyncFlags,
  io: Io,
): FleetSpec<{ readonly primary: PrimaryKey; readonly results: WorkResult[] }> {
  const dryRun = flags.dryRun ?? false;
  return {
    command: "sync",
    dryRun,
    async prepare({ emit }) {
      const choices = await toSyncChoices(flags, inputsOf(io, flags.timeout));
      const warn = (message: string): void => emit({ type: "warning", message });
      const connection = toConnectionOptions(flags);
      const named = syncRegions(
        choices,
        { region: "", partition: undefined },
        connection.unknownRegions,
        warn,
      );
      return {
        connection,
        timeoutMs: choices.timeoutMs,
        accept: SYNC_ACCEPTS,
        check: (keys) => missingReplicas(keys, named),
        async runKey(key, ctx) {
          const results = await syncKey(
            key.primary,
            named,
            choices,
            ctx,
            () => undefined,
            () => undefined,
          );
          return { primary: key.primary, results };
        },
      };
    },
    exitCode: (result, stop) => syncExitCode(result.results, stop?.exitCode ?? EXIT.interrupted),
    document: ({ key, exitCode, result, failure }) =>
      syncJson({
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

export function runSync(flags: RawSyncFlags, io: Io): Promise<ExitCode> {
  if (fleetRequested(flags)) return runCommand(fleetCommand(syncFleet(flags, io), flags, io), flags, io);
  let primary: PrimaryKey | undefined;
  let regions: readonly string[] | undefined;
  const dryRun = flags.dryRun ?? false;
  const phases = new Map<string, RegionPhase>();
  const settled = new Map<string, WorkResult>();
  const snapshot = (elapsedMs: number): WorkResult[] =>
    (regions ?? []).map(
      (region): WorkResult =>
        settled.get(region) ?? {
          keyId: primary?.keyId ?? "",
          region,
          arn: primary?.replicas.find((r) => r.region === region)?.arn,
          changes: [],
          outcome: "interrupted",
          elapsedMs: Math.round(elapsedMs),
          note: UNSETTLED_NOTE[phases.get(region) ?? "queued"],
        },
    );

  const command: Command<WorkResult[]> = {
    name: "sync",
    dryRun,
    observe(event) {
      if (event.type === "phase") phases.set(event.region, event.phase);
    },
    async work({ emit, reporter }) {
      const options = await toSyncOptions(flags, inputsOf(io, flags.timeout));
      const warn = (message: string): void => emit({ type: "warning", message });
      const region = await primaryRegionOf(options, io, warn);
      const named = syncRegions(options, primaryPlaceOf(options.key, region), options.unknownRegions, warn);
      const deadline = deadlineOf(io, options.timeoutMs);
      const kms = await connect(options, emit, { deadline });
      // --key may name the primary or any replica; the primary may be disabled (--copy-enabled).
      primary = await describePrimary(kms, options.key, region, io.signal, SYNC_ACCEPTS);
      await requireSelectTags(kms, primary, flags.selectTag ?? [], io.signal);
      missingReplicas([{ given: options.key.value, primary }], named);
      const known = primary;
      return syncKey(
        known,
        named,
        options,
        {
          kms,
          emit,
          signal: io.signal,
          startedAt: io.startedAt,
          deadline,
        },
        (targets) => {
          regions = targets;
        },
        (result) => {
          settled.set(result.region, result);
          reporter.work(result);
        },
      );
    },
    exitCode: (results, stop) => syncExitCode(results, stop?.exitCode ?? EXIT.interrupted),
    document: ({ exitCode, result, failure, warnings, elapsedMs }) =>
      syncJson({ exitCode, dryRun, primary, results: result ?? [], error: failure, warnings, elapsedMs }),
    partial: (elapsedMs) => (regions !== undefined ? snapshot(elapsedMs) : undefined),
    stoppedLine: (stop, results) => {
      const open = results.filter((r) => r.outcome === "interrupted").length;
      return `Stopped by a second ${stop.signalName}: ${open} of ${results.length} Regions had not settled (listed as interrupted, with what was already applied).`;
    },
    finish: (session, results, elapsedMs) => session.reporter.finishWork(results, elapsedMs, dryRun),
  };
  return runCommand(command, flags, io);
}
