// run(flags, io) → exit code, for each command: plan → work → report. The only place that knows all three.
import { chalkStderr } from "chalk";
import { mergeProperties, policyMentionsPrimary, readPrimaryProperties } from "./copy.js";
import { driftOf, isUsableKey } from "./drift.js";
import {
  EXIT,
  classify,
  describeError,
  isReplicateError,
  usageError,
  type ErrorReport,
  type ExitCode,
} from "./errors.js";
import type { Emit, PrimaryKey, RegionResult, ReplicaEvent } from "./events.js";
import type { KmsPort } from "./kms.js";
import {
  toCommonOptions,
  toReplicateOptions,
  toWaitOptions,
  type CommonOptions,
  type RawCommonFlags,
  type RawReplicateFlags,
  type RawWaitFlags,
} from "./options.js";
import {
  checkTargets,
  describePrimary,
  invalidRegionsError,
  resolvePrimaryRegion,
  splitTargets,
} from "./plan.js";
import { checkRegions } from "./regions.js";
import { renderJson, runJson } from "./report/json.js";
import { createHumanReporter, type HumanReporter } from "./report/live.js";
import { statusJson, statusSummary, statusTable, type FamilyRow } from "./report/status.js";
import { detectFromProcess, type OutputMode } from "./terminal.js";

export interface Io {
  readonly stdout: { write(text: string): boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** performance.now() when the process started its work; elapsed times count from here. */
  readonly startedAt: number;
}

/** A run-ending error as we show it. */
export interface ReportedError extends ErrorReport {
  readonly invalidRegions?: readonly { region: string; reason: string }[];
}

/** 130 if interrupted, else 1 if a Region failed, else 3 if one timed out, else 0. */
export function exitCodeFor(results: readonly RegionResult[]): ExitCode {
  const has = (status: RegionResult["status"]): boolean => results.some((r) => r.status === status);
  if (has("interrupted")) return EXIT.interrupted;
  if (has("failed")) return EXIT.failed;
  if (has("timeout")) return EXIT.timeout;
  return EXIT.ok;
}

interface Session {
  readonly mode: OutputMode;
  readonly reporter: HumanReporter;
  readonly emit: Emit;
  readonly warnings: string[];
}

async function openSession(flags: RawCommonFlags, io: Io, dryRun: boolean): Promise<Session> {
  const mode = detectFromProcess({
    json: flags.output === "json",
    quiet: flags.quiet ?? false,
    debug: flags.debug ?? false,
    color: flags.color,
  });
  const reporter = await createHumanReporter({ mode, stream: io.stderr, chalk: chalkStderr, dryRun });
  const warnings: string[] = [];
  const emit = (event: ReplicaEvent): void => {
    if (event.type === "warning") warnings.push(event.message);
    reporter.event(event);
  };
  return { mode, reporter, emit, warnings };
}

/** The primary's Region; loads the SDK only when the environment or a profile must name it. */
function primaryRegionOf(options: CommonOptions, io: Io): Promise<string> {
  return resolvePrimaryRegion(options.key, {
    flag: options.region,
    fromEnvironment: async () => (await import("./kms.js")).regionFromEnvironment(options.profile, io.env),
  });
}

/** The AWS SDK, loaded only once every local check has passed. */
async function connect(options: CommonOptions, emit: Emit): Promise<KmsPort> {
  const { createKms } = await import("./kms.js");
  return createKms({
    profile: options.profile,
    endpointUrl: options.endpointUrl,
    timeouts: { connectMs: options.connectTimeoutMs, readMs: options.readTimeoutMs },
    emit,
  });
}

/** The shared shape of `replicate` and `wait`: Region results, one JSON document, a summary. */
async function runRegions(
  command: "replicate" | "wait",
  flags: RawCommonFlags & { dryRun?: boolean },
  io: Io,
  work: (session: Session, setPrimary: (p: PrimaryKey) => void) => Promise<RegionResult[]>,
): Promise<ExitCode> {
  const dryRun = flags.dryRun ?? false;
  const session = await openSession(flags, io, dryRun);
  let primary: PrimaryKey | undefined;
  let results: RegionResult[] = [];
  let failure: ReportedError | undefined;
  let exitCode: ExitCode;
  try {
    results = await work(session, (p) => (primary = p));
    exitCode = exitCodeFor(results);
  } catch (error) {
    ({ failure, exitCode } = runEndingError(error, io.signal, flags.key ?? ""));
    session.reporter.error(failure);
  }
  const elapsedMs = performance.now() - io.startedAt;
  if (session.mode.json) {
    const doc = runJson({
      command,
      exitCode,
      dryRun,
      primary,
      results,
      error: failure ?? null,
      warnings: session.warnings,
      elapsedMs,
    });
    io.stdout.write(renderJson(doc));
  }
  session.reporter.finish(results, elapsedMs, dryRun);
  return exitCode;
}

/** The main command: replicate the primary into every named Region and wait for the replicas. */
export function runReplicate(flags: RawReplicateFlags, io: Io): Promise<ExitCode> {
  return runRegions("replicate", flags, io, async ({ emit }, setPrimary) => {
    const options = await toReplicateOptions(flags, io.cwd);
    const region = await primaryRegionOf(options, io);
    const targets = checkTargets(options.regions, region, options.strictRegions, (message) =>
      emit({ type: "warning", message }),
    );
    if (options.bypassPolicyLockoutSafetyCheck) {
      emit({
        type: "warning",
        message:
          "--bypass-policy-lockout-safety-check: KMS will not check that the replica policy lets you manage the key. A wrong policy can make a replica unmanageable.",
      });
    }

    const kms = await connect(options, emit);
    const primary = await describePrimary(kms, options.key, region, io.signal);
    setPrimary(primary);
    const copied = await readPrimaryProperties(kms, primary, options.copy, io.signal);
    const properties = mergeProperties(options, copied);
    if (
      options.policy === undefined &&
      copied.policy !== undefined &&
      policyMentionsPrimary(copied.policy, primary)
    ) {
      emit({
        type: "warning",
        message: `The primary's key policy names its Region (${primary.region}) or ARN; it is copied to the replicas unchanged. Review it for each replica's Region.`,
      });
    }
    const plan = splitTargets(primary, targets);
    emit({ type: "plan", primary, regions: targets });

    const { replicateAll } = await import("./replicate.js");
    return replicateAll(plan, targets, {
      kms,
      emit,
      signal: io.signal,
      startedAt: io.startedAt,
      deadline: performance.now() + options.timeoutMs,
      properties: { ...properties, bypassPolicyLockoutSafetyCheck: options.bypassPolicyLockoutSafetyCheck },
      wait: options.wait,
      dryRun: options.dryRun,
      concurrency: options.concurrency,
      rate: options.rate,
    });
  });
}

/** `wait`: follow existing replicas (all, or the named Regions) until they leave Creating. */
export function runWait(flags: RawWaitFlags, io: Io): Promise<ExitCode> {
  return runRegions("wait", flags, io, async ({ emit }, setPrimary) => {
    const options = toWaitOptions(flags);
    const region = await primaryRegionOf(options, io);
    let regions: readonly string[] = [];
    if (options.regions.length > 0) {
      const check = checkRegions(options.regions, region, { strict: false });
      if (check.problems.length > 0) throw invalidRegionsError(check.problems);
      regions = check.regions;
    }
    const kms = await connect(options, emit);
    const primary = await describePrimary(kms, options.key, region, io.signal);
    setPrimary(primary);
    const replicaIn = new Map(primary.replicas.map((r) => [r.region, r.arn]));
    const missing = regions.filter((r) => !replicaIn.has(r));
    if (missing.length > 0) {
      throw usageError(
        `${primary.keyId} has no replica in ${missing.join(", ")}.`,
        `Its replicas are in: ${[...replicaIn.keys()].join(", ") || "no Region yet"}. Create them with kms-replicate --regions.`,
      );
    }
    const targets = regions.length > 0 ? regions : [...replicaIn.keys()];
    emit({ type: "plan", primary, regions: targets, waitOnly: true });
    const { checkExisting } = await import("./replicate.js");
    const settings = {
      kms,
      emit,
      signal: io.signal,
      startedAt: io.startedAt,
      deadline: performance.now() + options.timeoutMs,
      wait: true,
      dryRun: false,
    };
    return Promise.all(
      targets.map(async (target) => {
        const result = await checkExisting(target, replicaIn.get(target) ?? "", "exists", settings);
        emit({ type: "settled", result });
        return result;
      }),
    );
  });
}

/** `status`: the primary and every replica, with drift. Exit 0 / 1 (a key unusable) / 4 (drift only) / 2. */
export async function runStatus(flags: RawCommonFlags, io: Io): Promise<ExitCode> {
  const session = await openSession(flags, io, false);
  const c = chalkStderr;
  let rows: FamilyRow[] = [];
  let failure: ReportedError | undefined;
  let exitCode: ExitCode;
  try {
    const options = toCommonOptions(flags);
    const region = await primaryRegionOf(options, io);
    const kms = await connect(options, session.emit);
    const { readFamily } = await import("./status.js");
    const family = await readFamily(kms, options.key, region, io.signal);
    rows = [
      { view: family.primary, drift: [] },
      ...family.replicas.map((view) => ({ view, drift: driftOf(family.primary, view) })),
    ];
    const unusable = rows.filter((r) => !isUsableKey(r.view)).length;
    const drifting = rows.some((r) => r.drift.length > 0);
    exitCode = unusable > 0 ? EXIT.failed : drifting ? EXIT.drift : EXIT.ok;
    if (!session.mode.quiet) {
      io.stderr.write(`${statusTable(rows, c)}\n${statusSummary(rows, unusable, c)}\n`);
    }
  } catch (error) {
    ({ failure, exitCode } = runEndingError(error, io.signal, flags.key ?? ""));
    session.reporter.error(failure);
  }
  if (session.mode.json)
    io.stdout.write(renderJson(statusJson(rows, isUsableKey, exitCode, failure ?? null)));
  return exitCode;
}

/** Anything that ended the run before the Regions settled → what we show, and the exit code. */
export function runEndingError(
  error: unknown,
  signal: AbortSignal,
  keyId: string,
): { failure: ReportedError; exitCode: ExitCode } {
  if (signal.aborted) {
    return {
      failure: {
        name: "Interrupted",
        message: "Interrupted before any replica was requested; nothing was changed.",
      },
      exitCode: EXIT.interrupted,
    };
  }
  if (isReplicateError(error)) {
    return {
      failure: {
        name: error.code,
        message: error.message,
        hint: error.hint,
        invalidRegions: error.options.invalidRegions,
      },
      exitCode: error.exitCode,
    };
  }
  const report = describeError(error, { operation: "a KMS call", region: "its Region", keyId });
  if (classify(error) !== undefined) {
    // A known AWS failure that reached the top unwrapped: still the AWS advice, not "a bug".
    return { failure: report, exitCode: EXIT.failed };
  }
  return {
    failure: {
      name: report.name,
      message: `kms-replicate failed unexpectedly: ${report.message}`,
      hint: "This is a bug in kms-replicate; please report it with the output of --debug.",
    },
    exitCode: EXIT.failed,
  };
}
