// What a run over a selection of keys knows and reports: its state while it works (for a second
// signal), the runs of keys it did not finish (not started before --timeout, stopped by a signal),
// the run's exit code, and its version-2 document: each key's version-1 document without the
// envelope, and the totals.
import type { KeyRun, Loaded } from "../commands/contract.js";
import { EXIT, type ExitCode, type ReportedError } from "../core/errors.js";
import type { SelectedKey, SelectionOptions, SelectionStats } from "../core/selection.js";
import type { Stop } from "../core/stop.js";
import { entryOf, fleetDocument } from "../report/fleet.js";
import { fleetExitCode } from "../report/outcomes.js";

export interface FleetOutcome {
  readonly selection: SelectionOptions;
  readonly stats: SelectionStats;
  readonly runs: readonly KeyRun<unknown>[];
  /** The selection stopped early (a failure while --all-primaries was still reading keys): exit 1 at least. */
  readonly incomplete?: boolean;
}

/** What the fleet knows while it works: for a second signal, and for the document of a run that failed. */
export interface FleetState {
  selection: SelectionOptions;
  stats: SelectionStats | undefined;
  keys: readonly SelectedKey[];
  readonly settled: Map<number, KeyRun<unknown>>;
  /** Keys whose work began (by rank), with what their work knows so far. */
  readonly started: Map<number, ((elapsedMs: number) => unknown) | undefined>;
}

/** Where the runner finds what a fleet knows (set as soon as the run has its selection). */
export interface FleetTracker {
  state?: FleetState;
}

/** --timeout ran out before this key's turn: nothing was done on it. */
export const lateRun = (key: SelectedKey): KeyRun<unknown> => ({
  key,
  exitCode: EXIT.timeout,
  failure: {
    name: "NotStarted",
    message:
      "--timeout ran out before this key's turn; nothing was changed on it. Re-run (keys already done count as done) with a longer --timeout.",
  },
});

/** A key a signal stopped: before its work began, or (a second signal) during it. */
export const interruptedRun = (key: SelectedKey, stop: Stop, started: boolean): KeyRun<unknown> => ({
  key,
  exitCode: stop.exitCode,
  failure: {
    name: "Interrupted",
    message: started
      ? `Stopped by a second ${stop.signalName} while this key was worked on; 'kms-replicate status' shows where it is.`
      : `Stopped by ${stop.signalName} before this key was started; nothing was changed on it. Re-run to do it.`,
  },
});

/** What a second signal reports: every key settled, in flight (with what its work knows), or not started. */
export function fleetPartial(tracker: FleetTracker, stop: Stop, startedAt: number): FleetOutcome | undefined {
  const { state } = tracker;
  if (state === undefined || (state.stats === undefined && state.keys.length === 0)) return undefined;
  const elapsedMs = performance.now() - startedAt;
  const runs = [...state.keys]
    .sort((x, y) => x.rank - y.rank)
    .map((key): KeyRun<unknown> => {
      const settled = state.settled.get(key.rank);
      if (settled !== undefined) return settled;
      const known = state.started.get(key.rank);
      if (known !== undefined) return { key, result: known(elapsedMs), exitCode: stop.exitCode };
      return interruptedRun(key, stop, state.started.has(key.rank));
    });
  return {
    selection: state.selection,
    stats: state.stats ?? { listed: 0, multiRegion: 0, candidates: 0, selected: 0 },
    runs,
  };
}

/** The run's exit code from its keys' (and 1 at least when the selection stopped early). */
export function fleetExitCodeOf(outcome: FleetOutcome, stop: Stop | undefined): ExitCode {
  return fleetExitCode(
    [...outcome.runs.map((r) => r.exitCode), ...(outcome.incomplete === true ? [EXIT.failed] : [])],
    stop?.exitCode ?? EXIT.interrupted,
  );
}

/** The version-2 document: each key's version-1 document without the envelope, and the totals. */
export function fleetDocumentOf(
  module: Loaded,
  run: {
    readonly exitCode: ExitCode;
    readonly failure: ReportedError | null;
    readonly outcome: FleetOutcome | undefined;
    /** What the fleet knew when it failed (its selection, what the selection looked at). */
    readonly tracker: FleetTracker;
    readonly options: unknown;
    readonly warnings: readonly string[];
    readonly elapsedMs: number;
    readonly dryRun: boolean;
  },
): object {
  const { render } = module;
  const dryRun = run.options === undefined ? run.dryRun : module.dryRun(run.options);
  const runs = run.outcome?.runs ?? [];
  // Each command's own document type: the envelope only spreads it (see fleetDocument).
  const documents: unknown[] = runs.map((r): unknown =>
    render.document({
      ...r,
      failure: r.failure ?? null,
      options: run.options,
      dryRun,
      warnings: [],
      elapsedMs: 0,
    }),
  );
  return fleetDocument({
    command: module.name,
    exitCode: run.exitCode,
    dryRun,
    head: render.fleetHead?.(run.options),
    selection: run.outcome?.selection ?? run.tracker.state?.selection,
    stats: run.outcome?.stats ?? run.tracker.state?.stats,
    keys: documents.map((doc, i) => entryOf(runs[i]?.key.given ?? "", doc as object)),
    outcomes: runs.map((r) => render.view(r, run.options).outcome),
    totals: render.totals(documents),
    error: run.failure,
    warnings: run.warnings,
    elapsedMs: run.elapsedMs,
  });
}
