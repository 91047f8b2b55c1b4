// run(options, io) → exit code: plan → replicate → report. The only place that knows all three.
import { chalkStderr } from "chalk";
import { EXIT, describeError, isReplicateError, type ErrorReport, type ExitCode } from "./errors.js";
import type { PrimaryKey, RegionResult, ReplicaEvent } from "./events.js";
import { toReplicateOptions, type RawReplicateFlags } from "./options.js";
import { checkTargets, describePrimary, resolvePrimaryRegion, splitTargets } from "./plan.js";
import { renderJson, runJson, type RunJson } from "./report/json.js";
import { createHumanReporter } from "./report/live.js";
import { detectFromProcess } from "./terminal.js";

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

/** The main command, from commander's flags to the exit code. Writes JSON to io.stdout with --output json. */
export async function runReplicate(flags: RawReplicateFlags, io: Io): Promise<ExitCode> {
  const dryRun = flags.dryRun ?? false;
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

  let primary: PrimaryKey | undefined;
  let results: RegionResult[] = [];
  let failure: ReportedError | undefined;
  let exitCode: ExitCode;
  try {
    const options = await toReplicateOptions(flags, io.cwd);
    const primaryRegion = await resolvePrimaryRegion(options.key, {
      flag: options.region,
      fromEnvironment: async () => (await import("./kms.js")).regionFromEnvironment(options.profile, io.env),
    });
    const targets = checkTargets(options.regions, primaryRegion, options.strictRegions);
    for (const message of targets.warnings) emit({ type: "warning", message });
    if (options.bypassPolicyLockoutSafetyCheck) {
      emit({
        type: "warning",
        message:
          "--bypass-policy-lockout-safety-check: KMS will not check that the replica policy lets you manage the key. A wrong policy can make a replica unmanageable.",
      });
    }

    const { createKms } = await import("./kms.js");
    const kms = createKms({ profile: options.profile, endpointUrl: options.endpointUrl, emit });
    primary = await describePrimary(kms, options.key, primaryRegion, io.signal);
    const plan = splitTargets(primary, targets.regions, targets.warnings);
    emit({ type: "plan", primary, regions: targets.regions });

    const { replicateAll } = await import("./replicate.js");
    results = await replicateAll(plan, targets.regions, {
      kms,
      emit,
      signal: io.signal,
      startedAt: io.startedAt,
      deadline: performance.now() + options.timeoutMs,
      properties: options,
      wait: options.wait,
      dryRun: options.dryRun,
      concurrency: options.concurrency,
      rate: options.rate,
    });
    exitCode = exitCodeFor(results);
  } catch (error) {
    ({ failure, exitCode } = runEndingError(error, io.signal, flags.key));
    reporter.error(failure);
  }

  const elapsedMs = performance.now() - io.startedAt;
  if (mode.json) {
    const doc: RunJson = runJson({
      command: "replicate",
      exitCode,
      dryRun,
      primary,
      results,
      error: failure ?? null,
      warnings,
      elapsedMs,
    });
    io.stdout.write(renderJson(doc));
  }
  reporter.finish(results, elapsedMs, dryRun);
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
  const report = describeError(error, { operation: "run", region: "-", keyId });
  return {
    failure: {
      name: report.name,
      message: `kms-replicate failed unexpectedly: ${report.message}`,
      hint: "This is a bug in kms-replicate; please report it with the output of --debug.",
    },
    exitCode: EXIT.failed,
  };
}
