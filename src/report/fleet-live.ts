// The person's view of a fleet run on stderr. On a terminal: one ora block (a header and a line
// per target Region, redrawn) and a line per key only when it fails or has a note. Without one (a
// CI log, a pipe): a line per key as it settles, and a heartbeat line. Then a summary. It keeps
// counters and the units in progress (fleet-progress.ts), never what has settled (but the first
// failed keys).
import { fitted } from "./fit.js";
import type { Ora } from "ora";
import type { ReportedError } from "../core/errors.js";
import type { ReplicaEvent } from "../core/events.js";
import { fleetBlock, fleetHeartbeat, fleetStartLine } from "./fleet-block.js";
import type { FleetKey, FleetLook } from "./fleet-key.js";
import { fleetKeyLines, hasNote, isBadKey, neverStarted, type KeyLineStyle } from "./fleet-lines.js";
import { createTally, fleetSummaryLines, fleetWaitCommand, tallyKey, tallyOf } from "./fleet-summary.js";
import { FleetCounters, type FleetRun } from "./fleet-progress.js";
import { noticeLine } from "./notices.js";
import { rerunCommand, type ResumeOptions } from "./resume.js";
import type { OutputMode } from "./mode.js";
import { forPeople, literal, type Paint } from "./terminal-text.js";
import { spinnerFor } from "./live.js";

export interface FleetReporterOptions {
  readonly mode: OutputMode;
  readonly stream: NodeJS.WritableStream;
  readonly chalk: Paint;
  readonly dryRun: boolean;
  readonly look: FleetLook;
  readonly now?: () => number;
  /** For the commands that finish what --timeout kept from being sent, and `wait`. */
  readonly resume?: ResumeOptions;
}

export interface FleetReporter {
  event(event: ReplicaEvent): void;
  /** A key of the fleet settled. */
  key(key: FleetKey): void;
  /** A run-ending error: always shown, also with --quiet. */
  error(error: ReportedError): void;
  /** Stops the block (a second signal, or the end). */
  stop(): void;
  /**
   * The end: the summary (per Region counts, the failures with their hints). Idempotent: a second
   * call only stops the block. With no keys (a second signal, a run-ending error), the summary of
   * the keys settled so far, if any.
   */
  finish(keys: readonly FleetKey[], elapsedMs: number): void;
}

/** The block is redrawn with fresh counts this often (ms). */
const TICK_MS = 250;

export async function createFleetReporter(options: FleetReporterOptions): Promise<FleetReporter> {
  const { mode, stream, chalk: c, look } = options;
  const now = options.now ?? (() => performance.now());
  // ora only on a terminal, loaded only then (see spinnerFor for discardStdin and the colour).
  const spinner: Ora | undefined = await spinnerFor(mode, stream);
  const run: FleetRun = { keys: 0, selecting: false, quotas: {}, dryRun: options.dryRun, startedAt: now() };
  let selection: Extract<ReplicaEvent, { type: "fleet" }>["selection"] | undefined;
  const counters = new FleetCounters(look, run, now);
  const tally = createTally();
  /** Calls (operation, Region, target) whose retries were already announced: once each. */
  const noticed = new Set<string>();
  const write = (text: string): void => {
    // While spinning, ora hooks writes to the terminal and redraws itself below them.
    stream.write(`${forPeople(text, mode.color)}\n`);
  };
  const live = liveView({ spinner, mode, write, text: () => fleetBlock(counters.progress(tally), c) });
  const heartbeat = (): string | undefined =>
    counters.settled < run.keys || run.selecting ? fleetHeartbeat(counters.progress(tally)) : undefined;
  let summarised = false;

  const style = lineStyle(mode);
  /** Keys a signal stopped before anything of theirs was sent: counted apart, never a line. */
  const notBegun = new Set<string>();
  const shown = (key: FleetKey): boolean => !notBegun.has(key.keyId) && shownNow(key, look, mode, run.dryRun);

  return {
    event(event) {
      if (event.type === "fleet") {
        // --all-primaries: a first event while the keys are still being found, a second one
        // with their number once the selection is done.
        const first = selection === undefined;
        run.keys = Math.max(event.keys, counters.settled + counters.atWork);
        run.selecting = event.selecting;
        run.quotas = event.quotas;
        run.dryRun ||= event.dryRun;
        selection = event.selection;
        if (first) run.startedAt = now();
        if (!mode.spinner && !mode.quiet && (run.keys > 0 || run.selecting)) {
          if (first) write(fleetStartLine(look, run.selecting ? undefined : run.keys, run.dryRun));
          else if (!run.selecting) write(`Selected ${run.keys === 1 ? "1 key" : `${run.keys} keys`}.`);
        }
        if (!run.selecting && counters.settled >= run.keys) live.stop();
        else if (run.keys > 0 || run.selecting) live.start(heartbeat);
        return;
      }
      if (event.type === "warning" || event.type === "sdk-log" || event.type === "call") {
        const line = noticeLine(event, mode, c, noticed);
        if (line !== undefined) write(line);
        return;
      }
      counters.event(event);
    },
    key(key) {
      // Planned, with every call still held for a quota slot (or never begun): nothing was changed.
      const idle =
        key.outcome === "interrupted" &&
        (counters.started(key.keyId) ? counters.idle(key.keyId) : neverStarted(key));
      if (idle) notBegun.add(key.keyId);
      counters.key(key);
      if (isBadKey(key)) counters.bad += 1;
      tallyKey(tally, key, undefined, idle);
      if (shown(key)) {
        // A key a signal stopped: one line (its Regions' notes are in the JSON document).
        const notes = key.outcome !== "interrupted";
        write(fleetKeyLines(look, key, c, { ...style, notes }).join("\n"));
      }
      if (counters.settled >= run.keys && !run.selecting) live.stop();
    },
    error(error) {
      live.end();
      write(c.red(`✖ ${error.message}`));
      if (error.hint !== undefined) write(`  ${c.dim("→")} ${error.hint}`);
    },
    stop() {
      live.end();
    },
    finish(keys, elapsedMs) {
      live.end();
      if (summarised) return;
      summarised = true;
      // A table's own summary (status's) says it all.
      if (!mode.quiet && look.table !== true) {
        const totals =
          keys.length > 0 ? tallyOf(keys, undefined, (k) => notBegun.has(k.keyId) || neverStarted(k)) : tally;
        const summary =
          totals.total > 0 ? fleetSummaryLines(look, totals, elapsedMs, run.dryRun, c, style) : [];
        for (const line of fitted(summary, style.terminal ? style.columns : undefined, 0)) write(line);
      }
      // Also with --quiet: like the timed-out Regions' own lines, they say what to do about them.
      for (const line of finishingLines(look, keys, selection, options.resume)) write(line);
    },
  };
}

/** On a terminal a key's lines fit its width; logs and pipes keep a line per fact. */
function lineStyle(mode: OutputMode): KeyLineStyle {
  return mode.spinner ? { terminal: true, columns: Math.max(80, mode.table.columns) } : { terminal: false };
}

/** Whether a settled key gets its lines now (a failure always; the rest as the terminal allows). */
function shownNow(key: FleetKey, look: FleetLook, mode: OutputMode, dryRun: boolean): boolean {
  // Keys a signal stopped before any change: counted in the summary, not a line each.
  if (neverStarted(key)) return false;
  // A table says what each key is: a family that could not be read at all is said here.
  if (look.table === true) return key.error !== null;
  if (isBadKey(key)) return true;
  if (mode.quiet) return false;
  // Keys a signal stopped at work: a line each (what was done, in the JSON document).
  if (key.outcome === "interrupted") return true;
  // Keys --timeout kept from beginning: on a terminal, counted in the summary (with how to finish).
  if (key.outcome === "notStarted" && mode.spinner) return false;
  // A dry run's plan is what the person asked to see.
  if (dryRun && key.regions.some((r) => (r.plan?.length ?? 0) > 0)) return true;
  return mode.spinner ? hasNote(key) : true;
}

/**
 * What to run next: keys --timeout kept from beginning need the same command again; Regions that
 * only waited too long, `kms-replicate wait`.
 */
function finishingLines(
  look: FleetLook,
  keys: readonly FleetKey[],
  selection: Extract<ReplicaEvent, { type: "fleet" }>["selection"] | undefined,
  resume: ResumeOptions | undefined,
): string[] {
  const lines: string[] = [];
  const unsent = keys.filter(
    (k) => k.outcome === "notStarted" || k.regions.some((r) => r.status === "notStarted"),
  );
  if (unsent.length > 0 && look.table !== true) {
    const again = resume === undefined ? undefined : rerunCommand(resume);
    const count = unsent.length === 1 ? "1 key" : `${unsent.length} keys`;
    const what =
      look.onlyWaits === true
        ? `--timeout ran out before ${count} could be waited for (notStarted).`
        : `--timeout ran out before everything was sent for ${count} (notStarted: nothing was changed there).`;
    lines.push(
      again === undefined
        ? `${what} Run the same command again with a longer --timeout.`
        : `${what} To finish (what is done counts as done):\n  ${again}`,
    );
  }
  const late = look.waitForLate === true ? timedOut(keys) : [];
  if (late.length > 0 && selection !== undefined && resume !== undefined) {
    const again = fleetWaitCommand(late, selection, resume);
    lines.push(
      again === undefined
        ? `To keep waiting for the ${late.length} keys that timed out, run 'kms-replicate wait' with the same key list and --regions.`
        : `To keep waiting for ${late.length === 1 ? "it" : "them"}:\n  ${literal(again)}`,
    );
  }
  return lines;
}

/** The keys with Regions that timed out, and those Regions. */
function timedOut(keys: readonly FleetKey[]): { arn: string; regions: string[] }[] {
  return keys.flatMap((key) => {
    const late = key.regions.filter((r) => r.status === "timeout").map((r) => r.region);
    return late.length === 0 || key.arn === null ? [] : [{ arn: key.arn, regions: late }];
  });
}

/** The spinner (on a terminal) or the heartbeat (without one): started, stopped, ended for good. */
function liveView(view: {
  readonly spinner: Ora | undefined;
  readonly mode: OutputMode;
  readonly write: (text: string) => void;
  readonly text: () => string;
}): { start(heartbeat: () => string | undefined): void; stop(): void; end(): void } {
  const { spinner, mode } = view;
  let ticker: NodeJS.Timeout | undefined;
  let beat: NodeJS.Timeout | undefined;
  let ended = false;
  const refresh = (): void => {
    if (spinner?.isSpinning === true) spinner.text = forPeople(view.text(), mode.color);
  };
  const stop = (): void => {
    if (ticker !== undefined) clearInterval(ticker);
    if (beat !== undefined) clearInterval(beat);
    ticker = undefined;
    beat = undefined;
    if (spinner?.isSpinning === true) spinner.stop();
  };
  return {
    start(heartbeat) {
      if (ended) return;
      if (spinner !== undefined) {
        spinner.text = forPeople(view.text(), mode.color);
        spinner.start();
        ticker ??= setInterval(refresh, TICK_MS);
        ticker.unref();
      } else if (mode.heartbeatMs > 0) {
        // A line now and then, so a log shows the run is alive (and a CI watchdog sees output).
        beat ??= setInterval(() => {
          const line = heartbeat();
          if (line !== undefined) view.write(line);
        }, mode.heartbeatMs);
        beat.unref();
      }
    },
    stop,
    end() {
      ended = true;
      stop();
    },
  };
}
