// run(flags, io) → exit code, for each command: plan → work → report. The only place that knows all three.
import { chalkStderr } from "chalk";
import { mergeProperties, policyMentionsPrimary, readPrimaryProperties } from "./copy.js";
import { driftOf, isUsableKey, unreadFields } from "./drift.js";
import {
  EXIT,
  classify,
  describeError,
  isReplicateError,
  usageError,
  type ErrorReport,
  type ExitCode,
} from "./errors.js";
import type { Emit, PrimaryKey, RegionPhase, RegionResult, ReplicaEvent } from "./events.js";
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
  primaryPlaceOf,
  resolvePrimaryRegion,
  splitTargets,
} from "./plan.js";
import { checkRegions } from "./regions.js";
import type { DocumentCommand } from "./report/document.js";
import { renderJson, runJson, usageJson } from "./report/json.js";
import { createHumanReporter, type HumanReporter } from "./report/live.js";
import { statusJson, statusSummary, statusTable, type FamilyRow } from "./report/status.js";
import { stopOf, type LastWords, type Stop } from "./signals.js";
import { detectFromProcess, type OutputMode } from "./terminal.js";

export interface Io {
  readonly stdout: { write(text: string): boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP; its reason says which (see signals.ts). */
  readonly signal: AbortSignal;
  /**
   * Tells a second signal how to end the process: the command renders its JSON document from what
   * it knows at that moment. Once it has written its own document, only its exit code remains.
   */
  readonly lastWords?: (words: LastWords | undefined) => void;
  /** performance.now() when the process started its work; elapsed times count from here. */
  readonly startedAt: number;
}

/** A run-ending error as we show it. */
export interface ReportedError extends ErrorReport {
  readonly invalidRegions?: readonly { region: string; reason: string }[];
}

/**
 * The stop signal's code if interrupted (130 for SIGINT, 143 SIGTERM, 129 SIGHUP), else 1 if a
 * Region failed, else 3 if one timed out, else 0.
 */
export function exitCodeFor(
  results: readonly RegionResult[],
  interrupted: ExitCode = EXIT.interrupted,
): ExitCode {
  const has = (status: RegionResult["status"]): boolean => results.some((r) => r.status === status);
  if (has("interrupted")) return interrupted;
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

/** What an unsettled Region was doing when a second signal ended the run, for its note. */
const UNSETTLED_NOTE: Record<RegionPhase, string> = {
  queued: "Stopped while queued; ReplicateKey was not sent here.",
  requesting: "Stopped while ReplicateKey was in flight; the replica may exist. Re-run to pick it up.",
  creating: "Stopped while the replica was Creating; it exists in AWS. 'kms-replicate wait' follows it.",
  checking: "Stopped while the existing replica was being read; it exists in AWS.",
};

/**
 * What a run knows while it works, from its own events: the primary, the planned Regions, the last
 * phase of each, and every settled result. A second signal renders the JSON document from this.
 */
export interface RunSnapshot {
  readonly primary: PrimaryKey | undefined;
  /** The plan was made: Regions are being worked on. */
  readonly planned: boolean;
  setPrimary(primary: PrimaryKey): void;
  record(event: ReplicaEvent): void;
  /** Every planned Region in plan order: its result if settled, else `interrupted` with what was last seen. */
  results(elapsedMs: number): RegionResult[];
}

export function createRunSnapshot(): RunSnapshot {
  let primary: PrimaryKey | undefined;
  let regions: readonly string[] | undefined;
  const phases = new Map<string, { phase: RegionPhase; keyState?: string }>();
  const settled = new Map<string, RegionResult>();
  return {
    get primary() {
      return primary;
    },
    get planned() {
      return regions !== undefined;
    },
    setPrimary(p) {
      primary = p;
    },
    record(event) {
      if (event.type === "plan") {
        primary = event.primary;
        regions = event.regions;
      } else if (event.type === "phase") {
        phases.set(event.region, {
          phase: event.phase,
          keyState: event.keyState ?? phases.get(event.region)?.keyState,
        });
      } else if (event.type === "settled") {
        settled.set(event.result.region, event.result);
      }
    },
    results(elapsedMs) {
      return (regions ?? []).map((region): RegionResult => {
        const result = settled.get(region);
        if (result !== undefined) return result;
        const seen = phases.get(region) ?? { phase: "queued" as const };
        return {
          region,
          status: "interrupted",
          keyState: seen.keyState,
          replicaArn: primary?.replicas.find((r) => r.region === region)?.arn,
          elapsedMs: Math.round(elapsedMs),
          note: UNSETTLED_NOTE[seen.phase],
        };
      });
    },
  };
}

/** The run-ending error of a run stopped before any Region was worked on (by a first or a second signal). */
function stoppedEarly(stop: Stop, second = false): ReportedError {
  return {
    name: "Interrupted",
    message: `Stopped by ${second ? "a second " : ""}${stop.signalName} before any Region was worked on; nothing was changed.`,
  };
}

/** The shared shape of `replicate` and `wait`: Region results, one JSON document, a summary. */
async function runRegions(
  command: "replicate" | "wait",
  flags: RawCommonFlags & { dryRun?: boolean },
  io: Io,
  work: (session: Session, setPrimary: (p: PrimaryKey) => void) => Promise<RegionResult[]>,
): Promise<ExitCode> {
  const dryRun = flags.dryRun ?? false;
  const opened = await openSession(flags, io, dryRun);
  const snapshot = createRunSnapshot();
  const session: Session = {
    ...opened,
    emit: (event) => {
      snapshot.record(event);
      opened.emit(event);
    },
  };
  const document = (
    exitCode: ExitCode,
    results: readonly RegionResult[],
    failure: ReportedError | undefined,
    elapsedMs: number,
  ): string =>
    renderJson(
      runJson({
        command,
        exitCode,
        dryRun,
        primary: snapshot.primary,
        results,
        error: failure ?? null,
        warnings: session.warnings,
        elapsedMs,
      }),
    );
  io.lastWords?.((stop) => {
    const elapsedMs = performance.now() - io.startedAt;
    const results = snapshot.results(elapsedMs);
    const failure = snapshot.planned ? undefined : stoppedEarly(stop, true);
    session.reporter.finish([], elapsedMs, dryRun); // stops the spinner
    const open = results.filter((r) => r.status === "interrupted").length;
    return {
      exitCode: stop.exitCode,
      stdout: session.mode.json ? document(stop.exitCode, results, failure, elapsedMs) : undefined,
      stderr: chalkStderr.red(
        `✖ ${failure?.message ?? `Stopped by a second ${stop.signalName}: ${open} of ${results.length} Regions had not settled (listed as interrupted).`}\n`,
      ),
    };
  });
  let results: RegionResult[] = [];
  let failure: ReportedError | undefined;
  let exitCode: ExitCode;
  try {
    results = await work(session, (p) => snapshot.setPrimary(p));
    exitCode = exitCodeFor(results, io.signal.aborted ? stopOf(io.signal).exitCode : EXIT.interrupted);
  } catch (error) {
    ({ failure, exitCode } = runEndingError(error, io.signal, flags.key ?? ""));
    session.reporter.error(failure);
  }
  const elapsedMs = performance.now() - io.startedAt;
  // From here on, a second signal has nothing left to write but this run's exit code.
  io.lastWords?.(() => ({ exitCode }));
  if (session.mode.json) io.stdout.write(document(exitCode, results, failure, elapsedMs));
  session.reporter.finish(results, elapsedMs, dryRun);
  return exitCode;
}

/** The main command: replicate the primary into every named Region and wait for the replicas. */
export function runReplicate(flags: RawReplicateFlags, io: Io): Promise<ExitCode> {
  return runRegions("replicate", flags, io, async ({ emit }, setPrimary) => {
    const options = await toReplicateOptions(flags, io.cwd);
    const region = await primaryRegionOf(options, io);
    const targets = checkTargets(
      options.regions,
      primaryPlaceOf(options.key, region),
      options.strictRegions,
      (message) => emit({ type: "warning", message }),
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
      const check = checkRegions(options.regions, primaryPlaceOf(options.key, region), { strict: false });
      if (check.problems.length > 0) throw invalidRegionsError(check.problems);
      regions = check.regions;
    }
    const kms = await connect(options, emit);
    const primary = await describePrimary(kms, options.key, region, io.signal, { sameAccount: false });
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
  io.lastWords?.((stop) => ({
    exitCode: stop.exitCode,
    stdout: session.mode.json
      ? renderJson(statusJson([], isUsableKey, stop.exitCode, stoppedEarly(stop, true)))
      : undefined,
    stderr: chalkStderr.red(`✖ ${stoppedEarly(stop, true).message}\n`),
  }));
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
    // A field that could not be read leaves the comparison unverified: exit 1, like a key that could not be read.
    const unread = rows.some((r) => unreadFields(r.view).length > 0);
    exitCode = unusable > 0 || unread ? EXIT.failed : drifting ? EXIT.drift : EXIT.ok;
    if (!session.mode.quiet) {
      io.stderr.write(`${statusTable(rows, c)}\n${statusSummary(rows, unusable, c)}\n`);
    }
  } catch (error) {
    ({ failure, exitCode } = runEndingError(error, io.signal, flags.key ?? ""));
    session.reporter.error(failure);
  }
  io.lastWords?.(() => ({ exitCode }));
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
    const stop = stopOf(signal);
    return { failure: stoppedEarly(stop), exitCode: stop.exitCode };
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

/**
 * The JSON document of a run that commander refused (an unknown option, a missing value), for a
 * script that asked for JSON: the command's usual shape, exit 2, and the message in `error`.
 */
export function usageDocument(command: DocumentCommand, message: string): string {
  const error: ReportedError = { name: "UsageError", message };
  switch (command) {
    case "status":
      return renderJson(statusJson([], isUsableKey, EXIT.usage, error));
    case "replicate":
    case "wait":
      return renderJson(
        runJson({
          command,
          exitCode: EXIT.usage,
          dryRun: false,
          results: [],
          error,
          warnings: [],
          elapsedMs: 0,
        }),
      );
    case "help":
    case "completion":
      return renderJson(usageJson(command, error));
  }
}
