// What every command shares, and nothing else: the output mode, the reporter, the JSON document on
// stdout (also after a failure or a signal), the exit code, and what a second signal writes. No
// domain rule lives here: a command (src/commands/*) says how its work is done, what its document
// holds and which exit code its results mean.
import { EXIT, describeError, isReplicateError, type ExitCode, type ReportedError } from "../core/errors.js";
import { adviseAs, isAdviceCommand, type AdviceCommand } from "../core/advice.js";
import { classify } from "../core/classify.js";
import type { Emit, ReplicaEvent } from "../core/events.js";
import type { InputContext } from "../core/input.js";
import type { KmsPort } from "../aws/kms.js";
import {
  checkEndpointEnvironment,
  DEFAULT_TIMEOUT_MS,
  type CommonOptions,
  type ConnectionOptions,
  type RawCommonFlags,
} from "../core/options.js";
import { resolvePrimaryRegion } from "../core/plan.js";
import type { QuotaBook, QuotaOverrides } from "../aws/quotas.js";
import { renderJson, type KmsReplicateDocument } from "./document.js";
import { durationFlag, type ResumeOptions } from "../report/lines.js";
import { createHumanReporter, type HumanReporter, type HumanReporterOptions } from "../report/live.js";
import { forPeople, paint } from "../report/terminal-text.js";
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
  /** The command line after `kms-replicate`, for the hint that runs the same command again. */
  readonly argv?: readonly string[];
}

/** What a command works with: the terminal's facts, the reporter, and one event sink. */
export interface Session {
  readonly mode: OutputMode;
  readonly reporter: HumanReporter;
  readonly emit: Emit;
  readonly warnings: readonly string[];
  readonly io: Io;
  /** How to continue the run: `wait`'s options, and the command line to run it again (rerunLines). */
  readonly resume?: ResumeOptions;
  /**
   * The data the user asked for on stdout, and its notes on stderr, as a renderer made them. The
   * stderr text, and the stdout text when stdout is a terminal (status's aligned table), are for
   * people: written through forPeople. For a program (status's TSV) stdout is written as is: its
   * renderer escapes each field itself.
   */
  output(text: { readonly stdout: string; readonly stderr: string }): void;
}

/**
 * A command as the runner runs it. `work` does everything (it may throw: the runner reports the
 * run-ending error); `partial` is what is known when a second signal ends the process.
 */
export interface Command<T> {
  readonly name: string;
  readonly dryRun: boolean;
  /** Sees every event before the reporter does (e.g. to keep a snapshot for a second signal). */
  observe?(event: ReplicaEvent): void;
  /** The person's view on stderr, if not the one of a run over one key (a fleet's). */
  reporter?(options: HumanReporterOptions): Promise<HumanReporter>;
  work(session: Session): Promise<T>;
  /** The exit code of a run that ended with `result`; `stop` when a signal cut it short. */
  exitCode(result: T, stop: Stop | undefined): ExitCode;
  /** The JSON document: `result` is undefined when the run ended before it had one. */
  document(run: {
    readonly exitCode: ExitCode;
    readonly result: T | undefined;
    readonly failure: ReportedError | null;
    readonly warnings: readonly string[];
    readonly elapsedMs: number;
  }): KmsReplicateDocument;
  /** What is known when a second signal comes, or undefined when the work had not started. */
  partial(elapsedMs: number): T | undefined;
  /** The person's line when a second signal ends the run with `partial`'s result. */
  stoppedLine(stop: Stop, result: T): string;
  /** The person's view at the end (on stderr, or the data on stdout). */
  finish(session: Session, result: T | undefined, elapsedMs: number): void;
}

export async function runCommand<T>(
  command: Command<T>,
  flags: RawCommonFlags & { readonly timeout?: number },
  io: Io,
): Promise<ExitCode> {
  const mode = detectFromProcess({
    json: flags.output === "json",
    quiet: flags.quiet ?? false,
    debug: flags.debug ?? false,
    color: flags.color,
  });
  // What `kms-replicate wait` (or the same command again) needs to continue a run that timed out.
  const resume: ResumeOptions = {
    profile: flags.profile?.trim() || undefined,
    endpointUrl: flags.endpointUrl,
    connectTimeoutMs: flags.cliConnectTimeout,
    readTimeoutMs: flags.cliReadTimeout,
    // The run's own --timeout, but never less than the default: it just proved too short.
    timeoutMs: Math.max(flags.timeout ?? DEFAULT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS),
    ...(io.argv !== undefined ? { argv: io.argv } : {}),
  };
  const reporter = await (command.reporter ?? createHumanReporter)({
    mode,
    stream: io.stderr,
    chalk: paint,
    dryRun: command.dryRun,
    resume,
  });
  const warnings: string[] = [];
  const session: Session = {
    mode,
    reporter,
    warnings,
    io,
    resume,
    output(text) {
      if (text.stdout !== "") {
        io.stdout.write(mode.table.aligned ? forPeople(text.stdout, mode.table.color) : text.stdout);
      }
      if (text.stderr !== "") io.stderr.write(forPeople(text.stderr, mode.color));
    },
    emit: (event) => {
      if (event.type === "warning") warnings.push(event.message);
      command.observe?.(event);
      reporter.event(event);
    },
  };
  const render = (
    exitCode: ExitCode,
    result: T | undefined,
    failure: ReportedError | null,
    elapsedMs: number,
  ): string => renderJson(command.document({ exitCode, result, failure, warnings, elapsedMs }));

  io.lastWords?.((stop) => {
    const elapsedMs = performance.now() - io.startedAt;
    const result = command.partial(elapsedMs);
    const failure = result === undefined ? stoppedEarly(stop, true) : null;
    command.finish(session, undefined, elapsedMs); // stops the spinner
    return {
      exitCode: stop.exitCode,
      stdout: mode.json ? render(stop.exitCode, result, failure, elapsedMs) : undefined,
      stderr: forPeople(
        paint.red(
          `✖ ${result === undefined ? stoppedEarly(stop, true).message : command.stoppedLine(stop, result)}\n`,
        ),
        mode.color,
      ),
    };
  });
  let result: T | undefined;
  let failure: ReportedError | null = null;
  let exitCode: ExitCode;
  // Every error described while the command works gets this command's advice (src/core/advice.ts).
  const advice = isAdviceCommand(command.name) ? command.name : undefined;
  try {
    result = await (advice !== undefined
      ? adviseAs(advice, () => command.work(session))
      : command.work(session));
    exitCode = command.exitCode(result, io.signal.aborted ? stopOf(io.signal) : undefined);
  } catch (error) {
    let reported: ReportedError;
    const key = typeof flags.key === "string" ? flags.key : (flags.key?.[0] ?? "");
    ({ failure: reported, exitCode } = runEndingError(error, io.signal, key, advice));
    failure = reported;
    reporter.error(reported);
  }
  const elapsedMs = performance.now() - io.startedAt;
  // From here on, a second signal has nothing left to write but this run's exit code.
  io.lastWords?.(() => ({ exitCode }));
  if (mode.json) io.stdout.write(render(exitCode, result, failure, elapsedMs));
  command.finish(session, result, elapsedMs);
  return exitCode;
}

/** The run-ending error of a run stopped before any work was done (by a first or a second signal). */
export function stoppedEarly(stop: Stop, second = false): ReportedError {
  return {
    name: "Interrupted",
    message: `Stopped by ${second ? "a second " : ""}${stop.signalName} before any Region was worked on; nothing was changed.`,
  };
}

/** Anything that ended the run before its work was done → what we show, and the exit code. */
export function runEndingError(
  error: unknown,
  signal: AbortSignal,
  keyId: string,
  command?: AdviceCommand,
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
  const report = describeError(error, { operation: "a KMS call", region: "its Region", keyId, command });
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
 * How a run reads the files and pipes it is given: a stop signal ends a wait for a writer at once,
 * and every writer must have finished within --timeout (`timeoutMs`) of the start; a command
 * without --timeout (status) waits as long as the default.
 */
export function inputsOf(io: Io, timeoutMs: number | undefined): InputContext {
  const ms = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    cwd: io.cwd,
    signal: io.signal,
    deadline: io.startedAt + ms,
    deadlineName: timeoutMs === undefined ? durationFlag(ms) : `--timeout ${durationFlag(ms)}`,
  };
}

/**
 * The primary's Region, checked as every Region is (src/core/regions.ts); loads the SDK only when the
 * environment or a profile must name it. `warn`: a Region the SDK does not know, tried.
 */
export function primaryRegionOf(
  options: CommonOptions,
  io: Io,
  warn: (message: string) => void,
): Promise<string> {
  return resolvePrimaryRegion(options.key, {
    flag: options.region,
    fromEnvironment: async () =>
      (await import("../aws/environment.js")).regionFromEnvironment(options.profile, io.env),
    unknownRegions: options.unknownRegions,
    warn,
  });
}

/**
 * The run's deadline (--timeout), as performance.now() time: counted from the start of the process,
 * so that `--timeout 3s` means three seconds from the moment the command was run. No --timeout
 * (status): none.
 */
export function deadlineOf(io: Pick<Io, "startedAt">, timeoutMs: number | undefined): number {
  return timeoutMs === undefined ? Number.POSITIVE_INFINITY : io.startedAt + timeoutMs;
}

/**
 * The AWS SDK, loaded only once every local check has passed; one adapter (and quota book) per run.
 * `run.deadline`: the run's deadline (deadlineOf), after which the adapter sends no write: every
 * command names its own, so none can forget it. `run.quotas` / `run.inFlight`: the command's own
 * quota settings (replicate's --rate) and in-flight caps (--concurrency). `book`: a quota book the
 * caller made (a fleet watches its queue) instead.
 */
export async function connect(
  options: ConnectionOptions,
  emit: Emit,
  run: {
    readonly deadline: number;
    readonly quotas?: QuotaOverrides;
    readonly inFlight?: QuotaOverrides;
  },
  book?: QuotaBook,
): Promise<KmsPort> {
  if (options.endpointUrl === undefined) checkEndpointEnvironment(process.env);
  const [{ createKms }, { createQuotaBook }] = await Promise.all([
    import("../aws/client.js"),
    import("../aws/quota-book.js"),
  ]);
  return createKms({
    profile: options.profile,
    endpointUrl: options.endpointUrl,
    timeouts: { connectMs: options.connectTimeoutMs, readMs: options.readTimeoutMs },
    deadline: run.deadline,
    emit,
    quotas:
      book ?? createQuotaBook({ overrides: { ...options.quotas, ...run.quotas }, inFlight: run.inFlight }),
  });
}
