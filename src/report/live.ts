// The person's view on stderr: one ora spinner whose text has a line per Region in progress (on a
// terminal), a line per Region as it settles (always), a summary. The same events feed both.
import type { Ora } from "ora";
import type { WorkResult } from "../core/steps/work.js";
import type { ReportedError } from "../core/errors.js";
import type { RegionPhase, RegionResult, ReplicaEvent } from "../core/events.js";
import type { OutputMode } from "../cli/terminal.js";
import {
  heartbeatLine,
  noticeLine,
  planLine,
  progressText,
  regionLine,
  rerunLines,
  summaryLine,
  waitCommand,
  type ResumeOptions,
} from "./lines.js";
import { syncLine, syncPlanLine, syncSummaryLine } from "../commands/sync/render.js";
import { forPeople, literal, type Paint } from "./terminal-text.js";

export interface HumanReporter {
  event(event: ReplicaEvent): void;
  /** A run-ending error: always shown, also with --quiet. */
  error(error: ReportedError): void;
  finish(results: readonly RegionResult[], elapsedMs: number, dryRun: boolean): void;
  /** A unit of a command that shows the neutral results (`sync`) settled. */
  work(result: WorkResult): void;
  /** The end of such a command: its summary. */
  /** `results` undefined: the run ended before its Regions (an error, a signal): no summary line. */
  finishWork(results: readonly WorkResult[] | undefined, elapsedMs: number, dryRun: boolean): void;
}

export interface HumanReporterOptions {
  readonly mode: OutputMode;
  readonly stream: NodeJS.WritableStream;
  readonly chalk: Paint;
  readonly dryRun: boolean;
  readonly now?: () => number;
  /**
   * For the `kms-replicate wait …` printed when Regions time out, and the same command again when
   * --timeout kept changes from being sent; none: not printed.
   */
  readonly resume?: ResumeOptions;
}

export async function createHumanReporter(options: HumanReporterOptions): Promise<HumanReporter> {
  const { mode, stream, chalk: c, dryRun } = options;
  const now = options.now ?? (() => performance.now());
  const inProgress = new Map<string, { phase: RegionPhase; keyState?: string; since: number }>();
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
  let primaryArn: string | undefined;
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
    spinner?.stop();
  };

  return {
    event(event) {
      switch (event.type) {
        case "plan":
          width = Math.max(14, ...event.regions.map((r) => r.length));
          primaryArn = event.primary.arn;
          if (!mode.quiet) {
            write(
              event.sync === true
                ? syncPlanLine(event.primary, event.regions, dryRun, c)
                : planLine(event.primary, event.regions, dryRun, c, event.waitOnly),
            );
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
        case "settled": {
          inProgress.delete(event.result.region);
          if (inProgress.size === 0) stopHeartbeat();
          // Update the spinner first: ora redraws its current text below every line written.
          refresh();
          const bad = ["failed", "timeout", "notStarted"].includes(event.result.status);
          if (!mode.quiet || bad) write(regionLine(event.result, c, width, dryRun));
          return;
        }
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
    work(result) {
      inProgress.delete(result.region);
      if (inProgress.size === 0) stopHeartbeat();
      refresh();
      const bad = ["failed", "timeout", "notStarted"].includes(result.outcome);
      if (!mode.quiet || bad) write(syncLine(result, c, width));
    },
    finishWork(results, elapsedMs, isDryRun) {
      stopSpinner();
      if (!mode.quiet && results !== undefined) write(syncSummaryLine(results, elapsedMs, isDryRun, c));
      // Also with --quiet, as the wait below.
      const unsent = (results ?? []).filter((r) => r.unsent === true || r.outcome === "notStarted");
      for (const line of rerunLines(
        unsent.map((r) => r.region),
        options.resume,
      ))
        write(line);
    },
    finish(results, elapsedMs, isDryRun) {
      stopSpinner();
      if (!mode.quiet && results.length > 0) write(summaryLine(results, elapsedMs, isDryRun, c));
      // Also with --quiet: like the timed-out Regions' own lines, it says what to do about them.
      // A Region whose change --timeout kept from being sent needs the same command again; one
      // that only waited, `wait`.
      const unsent = results.filter((r) => r.unsent === true || r.status === "notStarted");
      const late = results.filter((r) => r.status === "timeout" && r.unsent !== true).map((r) => r.region);
      if (late.length > 0 && primaryArn !== undefined && options.resume !== undefined) {
        write(`To keep waiting for ${late.length === 1 ? "it" : "them"}:`);
        write(`  ${literal(waitCommand(primaryArn, late, options.resume))}`);
      }
      for (const line of rerunLines(
        unsent.map((r) => r.region),
        options.resume,
      ))
        write(line);
    },
  };
}
