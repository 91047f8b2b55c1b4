// The person's view of a run over one key on stderr: one ora spinner whose text has a line per
// Region in progress (on a terminal), a line per Region as it settles (always). The same events
// feed both; the command's closing view (its summary and hints) comes after, from its render.ts.
import type { Ora } from "ora";
import type { ReportedError } from "../core/errors.js";
import type { RegionPhase, ReplicaEvent } from "../core/events.js";
import { fitted } from "./fit.js";
import { regionLine } from "./lines.js";
import { noticeLine } from "./notices.js";
import { heartbeatLine, progressText } from "./progress-text.js";
import type { OutputMode } from "./mode.js";
import { forPeople, type Paint } from "./terminal-text.js";
import { workLine } from "./work-lines.js";

export interface HumanReporter {
  event(event: ReplicaEvent): void;
  /** A run-ending error: always shown, also with --quiet. */
  error(error: ReportedError): void;
  /** Stops the spinner and the heartbeat: what comes next is the run's closing view. */
  stop(): void;
}

export interface HumanReporterOptions {
  readonly mode: OutputMode;
  readonly stream: NodeJS.WritableStream;
  readonly chalk: Paint;
  readonly dryRun: boolean;
  readonly now?: () => number;
  /** The command's line for its plan (`Replicating mrk-… from us-east-1 … into 2 Regions: …`). */
  readonly planLine?: (event: Extract<ReplicaEvent, { type: "plan" }>, c: Paint, dryRun: boolean) => string;
}

export async function createHumanReporter(options: HumanReporterOptions): Promise<HumanReporter> {
  const live = liveView(options, await spinnerFor(options.mode, options.stream));
  const c = options.chalk;
  return {
    event(event) {
      onEvent(live, event);
    },
    error(error) {
      live.stop();
      const lines = [
        c.red(`✖ ${error.message}`),
        ...(error.hint === undefined ? [] : [`  ${c.dim("→")} ${error.hint}`]),
      ];
      live.write(fitted(lines, options.mode.columns, 0).join("\n"));
    },
    stop: live.stop,
  };
}

/** A Region in progress: its phase (or the step it is at) and since when it has been worked on. */
interface RegionProgress {
  phase: RegionPhase;
  keyState?: string;
  label?: string;
  since: number;
}

/** What the reporter draws with: the Regions in progress, the spinner and the heartbeat around them. */
interface LiveView {
  readonly options: HumanReporterOptions;
  readonly now: () => number;
  readonly inProgress: Map<string, RegionProgress>;
  /** Calls (operation, Region, target) whose retries were already announced: once each. */
  readonly noticed: Set<string>;
  /** The Region column's width. */
  width: number;
  readonly write: (text: string) => void;
  /** Redraws the spinner's text; starts it, or stops it when no Region is in progress. */
  readonly refresh: () => void;
  readonly startHeartbeat: () => void;
  readonly stopHeartbeat: () => void;
  /** Stops the spinner and the heartbeat and forgets the Regions in progress. */
  readonly stop: () => void;
}

function onEvent(live: LiveView, event: ReplicaEvent): void {
  const { mode, chalk: c } = live.options;
  switch (event.type) {
    case "plan":
      onPlan(live, event);
      return;
    case "phase":
      onPhase(live, event);
      return;
    case "step":
      onStep(live, event);
      return;
    case "settled":
    case "worked":
      onResult(live, event);
      return;
    case "note":
      if (!mode.quiet) live.write(fitted([`${c.dim("→")} ${event.message}`], mode.columns, 0).join("\n"));
      return;
    case "warning":
    case "sdk-log":
    case "call": {
      const line = noticeLine(event, mode, c, live.noticed);
      if (line !== undefined) live.write(line);
      return;
    }
  }
}

function onPlan(live: LiveView, event: Extract<ReplicaEvent, { type: "plan" }>): void {
  const { mode, chalk: c, dryRun, planLine } = live.options;
  // On a terminal, the Region column as wide as this run's Regions need; elsewhere as always.
  live.width = Math.max(mode.columns === undefined ? 14 : 6, ...event.regions.map((r) => r.length));
  if (!mode.quiet && planLine !== undefined) {
    live.write(fitted([planLine(event, c, dryRun)], mode.columns, 0).join("\n"));
  }
}

function onPhase(live: LiveView, event: Extract<ReplicaEvent, { type: "phase" }>): void {
  const previous = live.inProgress.get(event.region);
  live.inProgress.set(event.region, {
    phase: event.phase,
    keyState: event.keyState,
    since: previous?.since ?? live.now(),
  });
  live.refresh();
  live.startHeartbeat();
}

/** rotate-material's steps: shown while they run; its results come at the end. */
function onStep(live: LiveView, event: Extract<ReplicaEvent, { type: "step" }>): void {
  if (event.doing === undefined) live.inProgress.delete(event.region);
  else {
    const since = live.inProgress.get(event.region)?.since ?? live.now();
    live.inProgress.set(event.region, { phase: "importing", label: event.doing, since });
    live.startHeartbeat();
  }
  if (live.inProgress.size === 0) live.stopHeartbeat();
  live.refresh();
}

/** A Region settled (replicate, wait, import) or its work ended (sync): its line. */
function onResult(live: LiveView, event: Extract<ReplicaEvent, { type: "settled" | "worked" }>): void {
  const { mode, chalk: c, dryRun } = live.options;
  live.inProgress.delete(event.result.region);
  if (live.inProgress.size === 0) live.stopHeartbeat();
  // Update the spinner first: ora redraws its current text below every line written.
  live.refresh();
  const status = event.type === "settled" ? event.result.status : event.result.outcome;
  const bad = status === "failed" || status === "timeout";
  if (mode.quiet && !bad) return;
  live.write(
    event.type === "settled"
      ? regionLine(event.result, c, live.width, dryRun, mode.columns)
      : workLine(event.result, c, live.width, mode.columns),
  );
}

/**
 * ora only on a terminal, loaded only then: a non-interactive run never pays for it.
 * discardStdin stays off: ora 9 puts stdin in raw mode but never lets it flow, so Ctrl-C (0x03)
 * was swallowed and never became SIGINT. In cooked mode the terminal sends SIGINT itself.
 */
export async function spinnerFor(mode: OutputMode, stream: NodeJS.WritableStream): Promise<Ora | undefined> {
  if (!mode.spinner) return undefined;
  // ora colours its spinner cyan through its own chalk, which knows nothing of NO_COLOR.
  return (await import("ora")).default({
    stream,
    discardStdin: false,
    isEnabled: true,
    color: mode.color ? "cyan" : false,
  });
}

function liveView(options: HumanReporterOptions, spinner: Ora | undefined): LiveView {
  const { mode, stream, chalk: c } = options;
  const now = options.now ?? (() => performance.now());
  const inProgress = new Map<string, RegionProgress>();
  let ticker: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const write = (text: string): void => {
    // While spinning, ora hooks writes to the terminal and redraws itself below them.
    stream.write(`${forPeople(text, mode.color)}\n`);
  };
  const refresh = (): void => {
    if (spinner === undefined) return;
    if (inProgress.size === 0) {
      if (spinner.isSpinning) spinner.stop();
      return;
    }
    spinner.text = forPeople(progressText(inProgress, now(), c, view.width), mode.color);
    if (!spinner.isSpinning) {
      spinner.start();
      ticker ??= setInterval(refresh, 250);
      ticker.unref();
    }
  };
  // Without a spinner (a CI log, a pipe), a line now and then says which Regions are still awaited.
  const startHeartbeat = (): void => {
    if (mode.heartbeatMs <= 0 || heartbeat !== undefined) return;
    heartbeat = setInterval(() => {
      if (inProgress.size > 0) write(heartbeatLine(inProgress, now()));
    }, mode.heartbeatMs);
    heartbeat.unref();
  };
  const stopHeartbeat = (): void => {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  };
  const stop = (): void => {
    stopHeartbeat();
    if (ticker !== undefined) clearInterval(ticker);
    ticker = undefined;
    inProgress.clear();
    if (spinner?.isSpinning === true) spinner.stop();
  };
  const view: LiveView = {
    options,
    now,
    inProgress,
    noticed: new Set<string>(),
    width: 14,
    write,
    refresh,
    startHeartbeat,
    stopHeartbeat,
    stop,
  };
  return view;
}
