// One runner for every command, over one key or a fleet: the output mode, the reporter, the JSON
// document on stdout (also after a failure or a signal), the exit code, and what a second signal
// writes. No domain rule lives here: a command module (src/commands/<name>/) says how its flags are
// read, how a key is worked on, what its document holds and which exit code its results mean.
import type { CommandModule, FinishContext, KeyRun, Loaded } from "../commands/contract.js";
import type { ExitCode, ReportedError } from "../core/errors.js";
import { adviseAs } from "../core/advice.js";
import { DEFAULT_TIMEOUT_MS } from "../core/options.js";
import { stopOf, type Stop } from "../core/stop.js";
import { createFleetReporter } from "../report/fleet-live.js";
import type { ResumeOptions } from "../report/resume.js";
import { createHumanReporter } from "../report/live.js";
import type { OutputMode } from "../report/mode.js";
import { forPeople, paint } from "../report/terminal-text.js";
import { runEndingError, stoppedEarly, type RawArgs, type Session } from "./session.js";
import type { KmsReplicateDocument } from "./document.js";
import { runFleet } from "./fleet.js";
import {
  fleetDocumentOf,
  fleetExitCodeOf,
  fleetPartial,
  type FleetOutcome,
  type FleetTracker,
} from "./fleet-report.js";
import { fleetRequested, parseGlobals, type RawGlobalFlags } from "./globals.js";
import { inputsOf } from "./connect.js";
import type { Io } from "./io.js";
import { runOne, type OneOutcome, type OneTracker } from "./one.js";
import type { OrgOutcome, OrgTracker } from "./org.js";
import { orgRequested, refuseOrgFlags, runOrgCommand } from "./org-plan.js";
import { orgDocumentOf, orgExitCodeOf, orgPartial } from "./org-report.js";
import { createOrgReporter } from "../report/org-live.js";
import type { OrgDocument } from "../report/org.js";
import { queryFlag, writeDocument, type DocumentText } from "./query.js";
import { detectFromProcess } from "./terminal.js";

/** What a run ended with, over one key or a fleet; undefined: it ended before it had keys. */
type Outcome =
  | { readonly kind: "one"; readonly one: OneOutcome }
  | { readonly kind: "fleet"; readonly fleet: FleetOutcome }
  | { readonly kind: "org"; readonly org: OrgOutcome };

/** Where the runner finds what each kind of run knows so far (for a second signal). */
interface Trackers {
  readonly one: OneTracker;
  readonly fleet: FleetTracker;
  readonly org: OrgTracker;
}

export async function runCommand(command: CommandModule, raw: RawArgs, io: Io): Promise<ExitCode> {
  const module: Loaded = { ...command, ...(await command.load()) };
  // An organisation run (the accounts options, --shard): version 3, its own view.
  const org = module.fleet && orgRequested(raw.globals);
  const fleet = module.fleet && fleetRequested(raw.globals) && !org;
  const mode = detectFromProcess({
    json: raw.globals.output === "json",
    quiet: raw.globals.quiet ?? false,
    debug: raw.globals.debug ?? false,
    color: raw.globals.color,
  });
  const resume = resumeOf(raw, io);
  const rawDryRun = raw.own.dryRun === true;
  const session = await openSession(module, { mode, resume, io, fleet, org, dryRun: rawDryRun });
  // --query is compiled before the run begins (a bad one is reported as the run's usage error,
  // below) and applies to every document the run writes, a second signal's among them.
  const asked = await queryFlag(raw.globals);
  const { advice } = module;
  let options: unknown;
  let outcome: Outcome | undefined;
  const trackers: Trackers = { one: {}, fleet: {}, org: {} };
  /** What the document is made of, at this moment. */
  const made = (exitCode: ExitCode, failure: ReportedError | null, elapsedMs: number): DocumentRun => ({
    ...{ exitCode, failure, elapsedMs, options, outcome, session, rawDryRun, trackers },
  });
  const render = (exitCode: ExitCode, failure: ReportedError | null, elapsedMs: number): DocumentText =>
    writeDocument(documentOf(module, made(exitCode, failure, elapsedMs)), asked.query);

  io.lastWords?.((stop) => {
    const elapsedMs = performance.now() - io.startedAt;
    outcome = partialOf(trackers, org ? "org" : fleet ? "fleet" : "one", stop, io.startedAt);
    const failure = outcome === undefined ? stoppedEarly(stop, true) : null;
    session.reporter.one?.stop();
    session.reporter.fleet?.stop();
    session.reporter.org?.stop();
    const written = mode.json ? render(stop.exitCode, failure, elapsedMs) : undefined;
    return {
      exitCode: stop.exitCode,
      stdout: written?.stdout,
      stderr: forPeople(
        `${paint.red(`✖ ${stoppedLine(module, stop, outcome)}\n`)}${written?.stderr ?? ""}`,
        mode.color,
      ),
    };
  });

  let failure: ReportedError | null = null;
  let exitCode: ExitCode;
  const key = firstKeyOf(raw.globals);
  try {
    const work = async (): Promise<Outcome> => {
      if (asked.error !== undefined) throw asked.error;
      const globals = parseGlobals(raw.globals, module.fleet, raw.ownOptions);
      const parseCtx = {
        inputs: (timeoutMs: number | undefined) => inputsOf(io, timeoutMs),
        connection: globals.connection,
        reach: globals.reach,
      };
      refuseOrgFlags(module, raw.globals);
      options = await module.parse(raw.own, parseCtx);
      if (org) {
        const own = { own: raw.own, ownOptions: raw.ownOptions ?? [] };
        const org = await runOrgCommand(
          { module, options, globals, parseCtx, ...own },
          raw.globals,
          session,
          trackers.org,
        );
        return { kind: "org", org };
      }
      if (globals.fleet) {
        return { kind: "fleet", fleet: await runFleet(module, options, globals, session, trackers.fleet) };
      }
      return { kind: "one", one: await runOne(module, options, globals, session, trackers.one) };
    };
    outcome = await adviseAs(advice, work);
    exitCode = exitCodeOf(module, outcome, io.signal.aborted ? stopOf(io.signal) : undefined);
  } catch (error) {
    ({ failure, exitCode } = runEndingError(error, io.signal, key, advice));
    session.reporter.one?.error(failure);
    session.reporter.fleet?.error(failure);
    session.reporter.org?.error(failure);
  }
  const elapsedMs = performance.now() - io.startedAt;
  // From here on, a second signal has nothing left to write but this run's exit code.
  io.lastWords?.(() => ({ exitCode }));
  if (mode.json) {
    const written = render(exitCode, failure, elapsedMs);
    io.stdout.write(written.stdout);
    if (written.stderr !== undefined) io.stderr.write(forPeople(written.stderr, false));
  }
  if (session.reporter.org !== undefined) {
    session.reporter.org.finish(orgDocument(module, made(exitCode, failure, elapsedMs)), elapsedMs);
    return exitCode;
  }
  finish(module, { session, outcome, options, elapsedMs, dryRun: rawDryRun });
  return exitCode;
}

/** What `kms-replicate wait` (or the same command again) needs to continue a run that timed out. */
function resumeOf(raw: RawArgs, io: Io): ResumeOptions {
  const timeout = typeof raw.own.timeout === "number" ? raw.own.timeout : undefined;
  return {
    profile: raw.globals.profile?.trim() || undefined,
    endpointUrl: raw.globals.endpointUrl,
    connectTimeoutMs: raw.globals.cliConnectTimeout,
    readTimeoutMs: raw.globals.cliReadTimeout,
    // The run's own --timeout, but never less than the default: it just proved too short.
    timeoutMs: Math.max(timeout ?? DEFAULT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS),
    ...(io.argv !== undefined ? { argv: io.argv } : {}),
  };
}

async function openSession(
  module: Loaded,
  run: {
    readonly mode: OutputMode;
    readonly resume: ResumeOptions;
    readonly io: Io;
    readonly fleet: boolean;
    readonly org: boolean;
    readonly dryRun: boolean;
  },
): Promise<Session> {
  const { mode, io } = run;
  const options = { mode, stream: io.stderr, chalk: paint, dryRun: run.dryRun };
  const reporter = run.org
    ? { org: await createOrgReporter(options) }
    : run.fleet
      ? { fleet: await createFleetReporter({ ...options, look: module.render.fleet, resume: run.resume }) }
      : {
          one: await createHumanReporter({
            ...options,
            planLine: module.render.planLine?.bind(module.render),
          }),
        };
  const warnings: string[] = [];
  return {
    mode,
    warnings,
    io,
    resume: run.resume,
    reporter,
    output(text) {
      if (text.stdout !== "") {
        io.stdout.write(mode.table.aligned ? forPeople(text.stdout, mode.table.color) : text.stdout);
      }
      if (text.stderr !== "") io.stderr.write(forPeople(text.stderr, mode.color));
    },
    emit(event) {
      if (event.type === "warning") warnings.push(event.message);
      reporter.one?.event(event);
      reporter.fleet?.event(event);
      reporter.org?.event(event);
    },
  };
}

/** What the run knows when a second signal ends it; undefined: it had not begun its keys. */
function partialOf(
  trackers: Trackers,
  kind: Outcome["kind"],
  stop: Stop,
  startedAt: number,
): Outcome | undefined {
  if (kind === "org") {
    const known = orgPartial(trackers.org, stop, startedAt);
    return known === undefined ? undefined : { kind: "org", org: known };
  }
  if (kind === "fleet") {
    const known = fleetPartial(trackers.fleet, stop, startedAt);
    return known === undefined ? undefined : { kind: "fleet", fleet: known };
  }
  const known = trackers.one.partial?.(stop);
  return known === undefined ? undefined : { kind: "one", one: known };
}

function exitCodeOf(module: Loaded, outcome: Outcome, stop: Stop | undefined): ExitCode {
  if (outcome.kind === "fleet") return fleetExitCodeOf(outcome.fleet, stop);
  if (outcome.kind === "org") return orgExitCodeOf(outcome.org, stop);
  const { run } = outcome.one;
  return run.result === undefined ? run.exitCode : module.render.exitCode(run.result, stop);
}

/** What the document of a run is made of. */
interface DocumentRun {
  readonly exitCode: ExitCode;
  readonly failure: ReportedError | null;
  readonly elapsedMs: number;
  readonly options: unknown;
  readonly outcome: Outcome | undefined;
  readonly session: Session;
  readonly rawDryRun: boolean;
  readonly trackers: Trackers;
}

/** An organisation run's document (version 3), also when it was refused before any account. */
function orgDocument(module: Loaded, run: DocumentRun): OrgDocument {
  return orgDocumentOf(module, {
    exitCode: run.exitCode,
    failure: run.failure,
    outcome: run.outcome?.kind === "org" ? run.outcome.org : undefined,
    tracker: run.trackers.org,
    options: run.options,
    warnings: run.session.warnings,
    elapsedMs: run.elapsedMs,
    dryRun: run.rawDryRun,
  });
}

function documentOf(module: Loaded, run: DocumentRun): KmsReplicateDocument {
  const { session } = run;
  if (session.reporter.org !== undefined) return orgDocument(module, run) as unknown as KmsReplicateDocument;
  if (run.outcome?.kind === "fleet" || (run.outcome === undefined && session.reporter.fleet !== undefined)) {
    return fleetDocumentOf(module, {
      exitCode: run.exitCode,
      failure: run.failure,
      outcome: run.outcome?.kind === "fleet" ? run.outcome.fleet : undefined,
      tracker: run.trackers.fleet,
      options: run.options,
      warnings: session.warnings,
      elapsedMs: run.elapsedMs,
      dryRun: run.rawDryRun,
    }) as KmsReplicateDocument;
  }
  const one: KeyRun<unknown> | undefined = run.outcome?.kind === "one" ? run.outcome.one.run : undefined;
  return module.render.document({
    key: one?.key,
    result: one?.result,
    failure: run.failure ?? one?.failure,
    exitCode: run.exitCode,
    options: run.options,
    dryRun: run.options === undefined ? run.rawDryRun : module.dryRun(run.options),
    warnings: session.warnings,
    elapsedMs: run.elapsedMs,
  }) as KmsReplicateDocument;
}

/** The person's view at the end: the command's closing lines (one key), or the fleet's summary. */
function finish(
  module: Loaded,
  run: {
    readonly session: Session;
    readonly outcome: Outcome | undefined;
    readonly options: unknown;
    readonly elapsedMs: number;
    readonly dryRun: boolean;
  },
): void {
  const { session, options } = run;
  const ctx: FinishContext = {
    mode: session.mode,
    paint,
    resume: session.resume,
    elapsedMs: run.elapsedMs,
    dryRun: options === undefined ? run.dryRun : module.dryRun(options),
  };
  session.reporter.one?.stop();
  if (run.outcome?.kind === "fleet") {
    const { runs } = run.outcome.fleet;
    if (module.render.fleetOutput !== undefined) session.output(module.render.fleetOutput(runs, ctx));
    session.reporter.fleet?.finish(
      runs.map((r) => module.render.view(r, options)),
      run.elapsedMs,
    );
    return;
  }
  session.reporter.fleet?.finish([], run.elapsedMs);
  if (options === undefined) return;
  const one = run.outcome?.kind === "one" ? run.outcome.one.run : undefined;
  session.output(module.render.finish(one, options, ctx));
}

function stoppedLine(module: Loaded, stop: Stop, outcome: Outcome | undefined): string {
  if (outcome === undefined) return stoppedEarly(stop, true).message;
  if (outcome.kind === "org") {
    const open = outcome.org.runs.filter((r) => r.failure?.name === "Interrupted").length;
    return `Stopped by a second ${stop.signalName}: ${open} of ${outcome.org.runs.length} accounts had not settled (listed as interrupted).`;
  }
  if (outcome.kind === "fleet") {
    const { runs } = outcome.fleet;
    const open = runs.filter((r) => r.failure?.name === "Interrupted").length;
    return `Stopped by a second ${stop.signalName}: ${open} of ${runs.length} keys had not settled (listed as interrupted).`;
  }
  const { result } = outcome.one.run;
  return result !== undefined && module.render.stoppedLine !== undefined
    ? module.render.stoppedLine(stop, result)
    : `Stopped by a second ${stop.signalName}.`;
}

const firstKeyOf = (flags: RawGlobalFlags): string =>
  typeof flags.key === "string" ? flags.key : (flags.key?.[0] ?? "");
