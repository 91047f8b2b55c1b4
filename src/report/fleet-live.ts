// The person's view of a fleet run on stderr. On a terminal: one ora block (a header and a line
// per target Region, redrawn) and a line per key only when it fails or has a note. Without one (a
// CI log, a pipe): a line per key as it settles, and a heartbeat line. Then a summary. It keeps
// counters and the units in progress, never what has settled (but the first failed keys' reports).
import type { Ora } from "ora";
import type { RegionPhase, ReplicaEvent } from "../core/events.js";
import {
  keyOutcome,
  type FleetCommand,
  type FleetKeyReport,
  type RunKeyJson,
  type SyncKeyJson,
} from "./fleet.js";
import {
  bucketOf,
  createTally,
  fleetBlock,
  fleetHeartbeat,
  fleetKeyLines,
  fleetStartLine,
  fleetSummaryLines,
  fleetWaitCommand,
  hasNote,
  isBadKey,
  median,
  outcomesOf,
  perRegion,
  promoteEstimateMs,
  queuedOf,
  rateEstimateMs,
  replicateEstimateMs,
  tallyKey,
  tallyOf,
  type FleetProgress,
  type RegionProgress,
} from "./fleet-lines.js";
import { noticeLine, rerunCommand, type LineStatus } from "./lines.js";
import type { HumanReporter, HumanReporterOptions } from "./live.js";
import { forPeople, literal } from "./terminal-text.js";

export interface FleetReporter extends HumanReporter {
  /** A key of the fleet settled (its entry of the JSON). */
  key(report: FleetKeyReport): void;
  /**
   * The end: the summary (per Region counts, the failures with their hints). Idempotent: a second
   * call only stops the block. With no reports (a second signal, a run-ending error), the summary
   * of the keys settled so far, if any.
   */
  finishFleet(reports: readonly FleetKeyReport[], elapsedMs: number): void;
}

export interface FleetReporterOptions extends HumanReporterOptions {
  readonly command: FleetCommand;
}

/** The block is redrawn with fresh counts this often (ms). */
const TICK_MS = 250;
/** The typical Creating (or settle) time is the median of the most recent this many. */
const SAMPLES = 255;

/** A key in one Region, planned (or seen at work) and not settled. */
interface OpenUnit {
  phase?: RegionPhase;
  /** A unit of the key's plan: counted in its Region's line. */
  readonly counted: boolean;
  /** Its ReplicateKey is still to be answered (counted in the request load). */
  needsRequest: boolean;
  /** When it was first seen Creating. */
  creatingSince?: number;
}

/** A key started (planned, or seen at work) and not settled. */
interface OpenKey {
  primaryRegion: string;
  planned: boolean;
  readonly since: number;
  readonly units: Map<string, OpenUnit>;
}

type Counter = { -readonly [K in keyof RegionProgress]: RegionProgress[K] };

/** The most recent SAMPLES durations, and their median. */
function recent(): { add(ms: number): void; median(): number | undefined } {
  const values: number[] = [];
  let next = 0;
  return {
    add(ms) {
      if (values.length < SAMPLES) values.push(ms);
      else values[next] = ms;
      next = (next + 1) % SAMPLES;
    },
    median: () => median(values),
  };
}

const bump = (map: Map<string, number>, key: string, by: number): void => {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
};

export async function createFleetReporter(options: FleetReporterOptions): Promise<FleetReporter> {
  const { mode, stream, chalk: c, command } = options;
  const now = options.now ?? (() => performance.now());
  // ora only on a terminal, loaded only then (see live.ts for discardStdin and the colour).
  const spinner: Ora | undefined = mode.spinner
    ? (await import("ora")).default({
        stream,
        discardStdin: false,
        isEnabled: true,
        color: mode.color ? "cyan" : false,
      })
    : undefined;

  let dryRun = options.dryRun;
  let keys = 0;
  /** --all-primaries is still finding keys: `keys` is those found so far. */
  let selecting = false;
  let quotas: Readonly<Record<string, number>> = {};
  let selection: Extract<ReplicaEvent, { type: "fleet" }>["selection"] | undefined;
  let startedAt = now();
  let settled = 0;
  let bad = 0;
  let plannedKeys = 0;
  const open = new Map<string, OpenKey>();
  const regions = new Map<string, Counter>();
  // ReplicateKey calls per Region: not answered yet, and needed by every planned key.
  const pending = { into: new Map<string, number>(), from: new Map<string, number>() };
  const planned = { into: new Map<string, number>(), from: new Map<string, number>() };
  let creating = 0;
  let newestCreating: number | undefined;
  let newestOpen: number | undefined;
  const creatingTimes = recent();
  const settleTimes = recent();
  const tally = createTally();
  /** Calls (operation, Region, target) whose retries were already announced: once each. */
  const noticed = new Set<string>();
  let ticker: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let ended = false;
  let summarised = false;

  const write = (text: string): void => {
    // While spinning, ora hooks writes to the terminal and redraws itself below them.
    stream.write(`${forPeople(text, mode.color)}\n`);
  };
  const counter = (region: string): Counter => {
    let r = regions.get(region);
    if (r === undefined) {
      r = {
        region,
        expected: 0,
        done: 0,
        failed: 0,
        timeout: 0,
        notStarted: 0,
        interrupted: 0,
        inProgress: 0,
      };
      regions.set(region, r);
    }
    return r;
  };

  const estimate = (at: number): number | undefined => {
    const elapsedMs = at - startedAt;
    if (dryRun || (command !== "replicate" && command !== "promote")) {
      return rateEstimateMs({ settled, remaining: keys - settled, elapsedMs });
    }
    const queuedKeys = queuedOf({ keys, settled, atWork: open.size });
    if (command === "promote") {
      return promoteEstimateMs({
        quota: quotas.UpdatePrimaryRegion,
        toCall: queuedKeys,
        settling: open.size,
        typicalSettleMs: settleTimes.median(),
        newestSettlingMs: newestOpen === undefined ? 0 : at - newestOpen,
      });
    }
    return replicateEstimateMs({
      quotas,
      pending,
      planned,
      plannedKeys,
      queuedKeys,
      creating,
      typicalCreatingMs: creatingTimes.median(),
      newestCreatingMs: newestCreating === undefined ? 0 : at - newestCreating,
    });
  };
  const progress = (): FleetProgress => {
    const at = now();
    return {
      command,
      dryRun,
      keys: Math.max(keys, settled + open.size),
      settled,
      bad,
      atWork: open.size,
      plannedKeys,
      regions: [...regions.values()],
      outcomes: perRegion(command) ? [] : outcomesOf(command, tally),
      elapsedMs: at - startedAt,
      leftMs: estimate(at),
    };
  };

  const refresh = (): void => {
    if (spinner?.isSpinning === true) spinner.text = forPeople(fleetBlock(progress(), c), mode.color);
  };
  const stopLive = (): void => {
    if (ticker !== undefined) clearInterval(ticker);
    if (heartbeat !== undefined) clearInterval(heartbeat);
    ticker = undefined;
    heartbeat = undefined;
    spinner?.stop();
  };
  const startLive = (): void => {
    if (ended || (keys === 0 && !selecting)) return;
    if (spinner !== undefined) {
      spinner.text = forPeople(fleetBlock(progress(), c), mode.color);
      spinner.start();
      ticker ??= setInterval(refresh, TICK_MS);
      ticker.unref();
    } else if (mode.heartbeatMs > 0) {
      // A line now and then, so a log shows the run is alive (and a CI watchdog sees output).
      heartbeat ??= setInterval(() => {
        if (settled < keys || selecting) write(fleetHeartbeat(progress()));
      }, mode.heartbeatMs);
      heartbeat.unref();
    }
  };
  const end = (): void => {
    ended = true;
    stopLive();
  };

  const openKey = (keyId: string, primaryRegion: string): OpenKey => {
    let key = open.get(keyId);
    if (key === undefined) {
      const at = now();
      key = { primaryRegion, planned: false, since: at, units: new Map() };
      open.set(keyId, key);
      newestOpen = at;
    }
    return key;
  };
  /** The unit's ReplicateKey was answered (or will never be sent): off the request load. */
  const answered = (key: OpenKey, region: string, unit: OpenUnit): void => {
    if (!unit.needsRequest) return;
    unit.needsRequest = false;
    bump(pending.into, region, -1);
    bump(pending.from, key.primaryRegion, -1);
  };
  const closeUnit = (key: OpenKey, region: string, unit: OpenUnit, status: LineStatus): void => {
    const bucket = bucketOf(status);
    if (unit.counted) {
      const r = counter(region);
      if (unit.phase !== undefined) r.inProgress -= 1;
      r[bucket] += 1;
    }
    answered(key, region, unit);
    if (unit.creatingSince !== undefined) {
      creating -= 1;
      // Only a replica seen usable took a whole Creating.
      if (status === "created" || status === "exists") creatingTimes.add(now() - unit.creatingSince);
    }
    key.units.delete(region);
  };

  const onPlan = (event: Extract<ReplicaEvent, { type: "plan" }>): void => {
    const { primary } = event;
    const key = openKey(primary.keyId, primary.region);
    if (key.planned) return;
    key.planned = true;
    key.primaryRegion = primary.region;
    plannedKeys += 1;
    const existing = new Set(primary.replicas.map((r) => r.region));
    for (const region of event.regions) {
      if (key.units.has(region)) continue;
      const needsRequest = command === "replicate" && !dryRun && !existing.has(region);
      key.units.set(region, { counted: perRegion(command), needsRequest });
      if (perRegion(command)) counter(region).expected += 1;
      if (needsRequest) {
        for (const [map, where] of [
          [pending.into, region],
          [pending.from, primary.region],
          [planned.into, region],
          [planned.from, primary.region],
        ] as const) {
          bump(map, where, 1);
        }
      }
    }
  };

  const onPhase = (event: Extract<ReplicaEvent, { type: "phase" }>): void => {
    const key = openKey(event.keyId, "");
    let unit = key.units.get(event.region);
    if (unit === undefined) {
      unit = { counted: false, needsRequest: false };
      key.units.set(event.region, unit);
    }
    if (unit.phase === undefined && unit.counted) counter(event.region).inProgress += 1;
    unit.phase = event.phase;
    if (event.phase !== "creating") return;
    answered(key, event.region, unit);
    if ((event.keyState ?? "Creating") === "Creating" && unit.creatingSince === undefined) {
      const at = now();
      unit.creatingSince = at;
      newestCreating = at;
      creating += 1;
    }
  };

  const onSettled = (event: Extract<ReplicaEvent, { type: "settled" }>): void => {
    const { region, status } = event.result;
    const key = open.get(event.keyId);
    const unit = key?.units.get(region);
    if (key !== undefined && unit !== undefined) closeUnit(key, region, unit, status);
    else if (perRegion(command)) {
      const r = counter(region);
      r.expected += 1;
      r[bucketOf(status)] += 1;
    }
  };

  /** Whether a settled key gets its lines now (a failure always; the rest as the terminal allows). */
  const shown = (report: FleetKeyReport, started: boolean): boolean => {
    // status: the table says what each key is; a family that could not be read at all is said here.
    if (command === "status") return report.entry.error !== null;
    if (isBadKey(command, report)) return true;
    if (mode.quiet) return false;
    // Keys a signal stopped before they started: counted in the summary, not a line each.
    const outcome = keyOutcome(report.entry);
    if (!started && outcome === "interrupted") return false;
    // Keys --timeout kept from beginning: on a terminal, counted in the summary (with how to finish).
    if (outcome === "notStarted" && mode.spinner) return false;
    return mode.spinner ? hasNote(command, report) : true;
  };

  return {
    event(event) {
      switch (event.type) {
        case "fleet": {
          // --all-primaries: a first event while the keys are still being found, a second one
          // with their number once the selection is done.
          const first = selection === undefined;
          keys = Math.max(event.keys, settled + open.size);
          selecting = event.selecting;
          quotas = event.quotas;
          selection = event.selection;
          dryRun ||= event.dryRun;
          if (first) startedAt = now();
          if (!mode.spinner && !mode.quiet && (keys > 0 || selecting)) {
            if (first) write(fleetStartLine(command, selecting ? undefined : keys, dryRun));
            else if (!selecting) write(`Selected ${keys === 1 ? "1 key" : `${keys} keys`}.`);
          }
          if (!selecting && settled >= keys) stopLive();
          else startLive();
          return;
        }
        case "plan":
          onPlan(event);
          return;
        case "phase":
          onPhase(event);
          return;
        case "settled":
          onSettled(event);
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
    key(report) {
      const key = open.get(report.keyId);
      const outcome = keyOutcome(report.entry);
      if (perRegion(command)) {
        for (const r of (report.entry as RunKeyJson | SyncKeyJson).regions) {
          const unit = key?.units.get(r.region);
          if (key !== undefined && unit !== undefined) closeUnit(key, r.region, unit, r.status);
          else if (key?.planned !== true) {
            // A key that was never planned here: its Regions are counted as they ended.
            const counts = counter(r.region);
            counts.expected += 1;
            counts[bucketOf(r.status)] += 1;
          }
        }
      }
      if (key !== undefined) {
        // Units the entry does not name (the key stopped before them) end as the key did.
        const status: LineStatus =
          outcome === "failed" ||
          outcome === "timeout" ||
          outcome === "notStarted" ||
          outcome === "interrupted"
            ? outcome
            : "done";
        for (const [region, unit] of key.units) closeUnit(key, region, unit, status);
        if (command === "promote" && "outcome" in report.entry && report.entry.outcome === "promoted") {
          settleTimes.add(now() - key.since);
        }
        open.delete(report.keyId);
      }
      settled += 1;
      keys = Math.max(keys, settled + open.size);
      if (isBadKey(command, report)) bad += 1;
      tallyKey(tally, command, report);
      if (shown(report, key !== undefined)) write(fleetKeyLines(command, report, c).join("\n"));
      if (settled >= keys && !selecting) stopLive();
    },
    error(error) {
      end();
      write(c.red(`✖ ${error.message}`));
      if (error.hint !== undefined) write(`  ${c.dim("→")} ${error.hint}`);
    },
    finishFleet(reports, elapsedMs) {
      end();
      if (summarised) return;
      summarised = true;
      // status: its table's own summary (report/status.ts fleetStatusOutput) says it all.
      if (!mode.quiet && command !== "status") {
        const totals = reports.length > 0 ? tallyOf(command, reports) : tally;
        if (totals.total > 0) {
          for (const line of fleetSummaryLines(command, totals, elapsedMs, dryRun, c)) write(line);
        }
      }
      // Also with --quiet: like the timed-out Regions' own lines, it says what to do about them.
      // Keys --timeout kept from beginning need the same command again; Regions that only waited,
      // `wait`.
      const unsent = reports.filter((r) => keyOutcome(r.entry) === "notStarted" || hasUnsentRegion(r));
      if (unsent.length > 0 && command !== "status") {
        const again = options.resume === undefined ? undefined : rerunCommand(options.resume);
        const keys = unsent.length === 1 ? "1 key" : `${unsent.length} keys`;
        const what =
          command === "wait"
            ? `--timeout ran out before ${keys} could be waited for (notStarted).`
            : `--timeout ran out before everything was sent for ${keys} (notStarted: nothing was changed there).`;
        write(
          again === undefined
            ? `${what} Run the same command again with a longer --timeout.`
            : `${what} To finish (what is done counts as done):\n  ${again}`,
        );
      }
      const late = command === "replicate" || command === "wait" ? timedOut(reports) : [];
      if (late.length > 0 && selection !== undefined && options.resume !== undefined) {
        const again = fleetWaitCommand(late, selection, options.resume);
        write(
          again === undefined
            ? `To keep waiting for the ${late.length} keys that timed out, run 'kms-replicate wait' with the same key list and --regions.`
            : `To keep waiting for ${late.length === 1 ? "it" : "them"}:\n  ${literal(again)}`,
        );
      }
    },
    // A fleet command ends with finishFleet; these only stop the block (the runner's second signal
    // reaches the command's finish, which must never leave a spinner running).
    finish() {
      end();
    },
    work() {},
    finishWork() {
      end();
    },
  };
}

/** A key of replicate or sync with a Region --timeout kept from beginning. */
function hasUnsentRegion(report: FleetKeyReport): boolean {
  const { entry } = report;
  if (!("regions" in entry)) return false;
  const regions: readonly { readonly status: string }[] = entry.regions;
  return regions.some((r) => r.status === "notStarted");
}

/** The keys with Regions that timed out, and those Regions (replicate, wait). */
function timedOut(reports: readonly FleetKeyReport[]): { arn: string; regions: string[] }[] {
  return reports.flatMap(({ entry }) => {
    const { primary, regions } = entry as RunKeyJson;
    const late = regions.filter((r) => r.status === "timeout").map((r) => r.region);
    return late.length === 0 || primary === null ? [] : [{ arn: primary.arn, regions: late }];
  });
}
