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
  const { mode, stream, chalk: c, dryRun } = options;
  const now = options.now ?? (() => performance.now());
  const inProgress = new Map<
    string,
    { phase: RegionPhase; keyState?: string; label?: string; since: number }
  >();
  let width = 14;
  // ora only on a terminal, loaded only then: a non-interactive run never pays for it.
  // discardStdin stays off: ora 9 puts stdin in raw mode but never lets it flow, so Ctrl-C (0x03)
  // was swallowed and never became SIGINT. In cooked mode the terminal sends SIGINT itself.
  const spinner: Ora | undefined = mode.spinner
    ? // ora colours its spinner cyan through its own chalk, which knows nothing of NO_COLOR.
      (await import("ora")).default({
        stream,
        discardStdin: false,
        isEnabled: true,
        color: mode.color ? "cyan" : false,
      })
    : undefined;
  let ticker: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  /** Calls (operation, Region, target) whose retries were already announced: once each. */
  const noticed = new Set<string>();

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
    spinner.text = forPeople(progressText(inProgress, now(), c, width), mode.color);
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
  const stopSpinner = (): void => {
    stopHeartbeat();
    if (ticker !== undefined) clearInterval(ticker);
    ticker = undefined;
    inProgress.clear();
    if (spinner?.isSpinning === true) spinner.stop();
  };

  return {
    event(event) {
      switch (event.type) {
        case "plan":
          // On a terminal, the Region column as wide as this run's Regions need; elsewhere as always.
          width = Math.max(mode.columns === undefined ? 14 : 6, ...event.regions.map((r) => r.length));
          if (!mode.quiet && options.planLine !== undefined) {
            write(fitted([options.planLine(event, c, dryRun)], mode.columns, 0).join("\n"));
          }
          return;
        case "phase": {
          const previous = inProgress.get(event.region);
          inProgress.set(event.region, {
            phase: event.phase,
            keyState: event.keyState,
            since: previous?.since ?? now(),
          });
          refresh();
          startHeartbeat();
          return;
        }
        case "step":
          // rotate-material's steps: shown while they run; its results come at the end.
          if (event.doing === undefined) inProgress.delete(event.region);
          else {
            const since = inProgress.get(event.region)?.since ?? now();
            inProgress.set(event.region, { phase: "importing", label: event.doing, since });
            startHeartbeat();
          }
          if (inProgress.size === 0) stopHeartbeat();
          refresh();
          return;
        case "settled":
        case "worked": {
          const { region } = event.result;
          inProgress.delete(region);
          if (inProgress.size === 0) stopHeartbeat();
          // Update the spinner first: ora redraws its current text below every line written.
          refresh();
          const status = event.type === "settled" ? event.result.status : event.result.outcome;
          const bad = status === "failed" || status === "timeout";
          if (mode.quiet && !bad) return;
          write(
            event.type === "settled"
              ? regionLine(event.result, c, width, dryRun, mode.columns)
              : workLine(event.result, c, width, mode.columns),
          );
          return;
        }
        case "note":
          if (!mode.quiet) write(fitted([`${c.dim("→")} ${event.message}`], mode.columns, 0).join("\n"));
          return;
        case "warning":
        case "sdk-log":
        case "call": {
          const line = noticeLine(event, mode, c, noticed);
          if (line !== undefined) write(line);
          return;
        }
      }
    },
    error(error) {
      stopSpinner();
      write(c.red(`✖ ${error.message}`));
      if (error.hint !== undefined) write(`  ${c.dim("→")} ${error.hint}`);
    },
    stop: stopSpinner,
  };
}
