// The counters behind a fleet's live block: keys and units at work, per target Region what ended
// how, the requests still to send and the typical Creating time (for the time left). They keep
// nothing of a settled key; events and settled keys move them on.
import type { RegionPhase, ReplicaEvent } from "../core/events.js";
import { median, promoteEstimateMs, rateEstimateMs, replicateEstimateMs } from "./estimate.js";
import { bucketOf, perRegion, queuedOf, type FleetProgress, type RegionProgress } from "./fleet-block.js";
import type { FleetKey, FleetLook } from "./fleet-key.js";
import { outcomesOf, type FleetTally } from "./fleet-summary.js";
import type { LineStatus } from "./lines.js";

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
  /** A unit of it went past `queued`: a request was sent (or a replica read). */
  sent: boolean;
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

/** What the fleet event tells of the run. */
export interface FleetRun {
  keys: number;
  /** --all-primaries is still finding keys: `keys` is those found so far. */
  selecting: boolean;
  quotas: Readonly<Record<string, number>>;
  dryRun: boolean;
  startedAt: number;
}

export class FleetCounters {
  settled = 0;
  bad = 0;
  private plannedKeys = 0;
  private readonly open = new Map<string, OpenKey>();
  private readonly regions = new Map<string, Counter>();
  // ReplicateKey calls per Region: not answered yet, and needed by every planned key.
  private readonly pending = { into: new Map<string, number>(), from: new Map<string, number>() };
  private readonly planned = { into: new Map<string, number>(), from: new Map<string, number>() };
  private creating = 0;
  private newestCreating: number | undefined;
  private newestOpen: number | undefined;
  private readonly creatingTimes = recent();
  private readonly settleTimes = recent();

  constructor(
    private readonly look: FleetLook,
    private readonly run: FleetRun,
    private readonly now: () => number,
  ) {}

  /** Keys started and not settled. */
  get atWork(): number {
    return this.open.size;
  }

  /** Was this key seen at work (planned, or a unit of it in progress) before it settled? */
  started(keyId: string): boolean {
    return this.open.has(keyId);
  }

  /**
   * Was this key seen planned with nothing of it sent yet: each of its units, if any, still held
   * for a quota slot (`queued`)? A signal that stops it then changed nothing.
   */
  idle(keyId: string): boolean {
    return this.open.get(keyId)?.sent === false;
  }

  event(event: ReplicaEvent): void {
    if (event.type === "plan") this.onPlan(event);
    else if (event.type === "phase") this.onPhase(event);
    else if (event.type === "settled") this.onSettled(event.keyId, event.result.region, event.result.status);
    else if (event.type === "worked")
      this.onSettled(event.result.keyId, event.result.region, event.result.outcome);
  }

  /** A key settled: its Regions' units close as they ended, the rest as the key did. */
  key(key: FleetKey): void {
    const open = this.open.get(key.keyId);
    for (const r of key.regions) {
      const unit = open?.units.get(r.region);
      if (open !== undefined && unit !== undefined) this.closeUnit(open, r.region, unit, r.status);
      else if (open?.planned !== true && perRegion(this.look)) {
        // A key that was never planned here: its Regions are counted as they ended.
        const counts = this.counter(r.region);
        counts.expected += 1;
        counts[bucketOf(r.status)] += 1;
      }
    }
    if (open !== undefined) {
      const { outcome } = key;
      const status: LineStatus = outcome === "ok" || outcome === "drift" ? "done" : outcome;
      for (const [region, unit] of open.units) this.closeUnit(open, region, unit, status);
      if (key.settleSample === true) this.settleTimes.add(this.now() - open.since);
      this.open.delete(key.keyId);
    }
    this.settled += 1;
    this.run.keys = Math.max(this.run.keys, this.settled + this.open.size);
  }

  progress(tally: FleetTally): FleetProgress {
    const at = this.now();
    return {
      look: this.look,
      dryRun: this.run.dryRun,
      keys: Math.max(this.run.keys, this.settled + this.open.size),
      selecting: this.run.selecting,
      settled: this.settled,
      bad: this.bad,
      atWork: this.open.size,
      plannedKeys: this.plannedKeys,
      regions: [...this.regions.values()],
      outcomes: perRegion(this.look) ? [] : outcomesOf(this.look, tally),
      elapsedMs: at - this.run.startedAt,
      leftMs: this.estimate(at),
    };
  }

  private estimate(at: number): number | undefined {
    const { run } = this;
    // Keys are still being found: the work left is not known, so neither is its time.
    if (run.selecting) return undefined;
    const elapsedMs = at - run.startedAt;
    if (run.dryRun || this.look.estimate === "rate") {
      return rateEstimateMs({ settled: this.settled, remaining: run.keys - this.settled, elapsedMs });
    }
    const queuedKeys = queuedOf({ keys: run.keys, settled: this.settled, atWork: this.open.size });
    if (this.look.estimate === "promote") {
      return promoteEstimateMs({
        quota: run.quotas.UpdatePrimaryRegion,
        toCall: queuedKeys,
        settling: this.open.size,
        typicalSettleMs: this.settleTimes.median(),
        newestSettlingMs: this.newestOpen === undefined ? 0 : at - this.newestOpen,
      });
    }
    return replicateEstimateMs({
      quotas: run.quotas,
      pending: this.pending,
      planned: this.planned,
      plannedKeys: this.plannedKeys,
      queuedKeys,
      creating: this.creating,
      typicalCreatingMs: this.creatingTimes.median(),
      newestCreatingMs: this.newestCreating === undefined ? 0 : at - this.newestCreating,
    });
  }

  private counter(region: string): Counter {
    let r = this.regions.get(region);
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
      this.regions.set(region, r);
    }
    return r;
  }

  private openKey(keyId: string, primaryRegion: string): OpenKey {
    let key = this.open.get(keyId);
    if (key === undefined) {
      const at = this.now();
      key = { primaryRegion, planned: false, sent: false, since: at, units: new Map() };
      this.open.set(keyId, key);
      this.newestOpen = at;
    }
    return key;
  }

  /** The unit's ReplicateKey was answered (or will never be sent): off the request load. */
  private answered(key: OpenKey, region: string, unit: OpenUnit): void {
    if (!unit.needsRequest) return;
    unit.needsRequest = false;
    bump(this.pending.into, region, -1);
    bump(this.pending.from, key.primaryRegion, -1);
  }

  private closeUnit(key: OpenKey, region: string, unit: OpenUnit, status: LineStatus): void {
    if (unit.counted) {
      const r = this.counter(region);
      if (unit.phase !== undefined) r.inProgress -= 1;
      r[bucketOf(status)] += 1;
    }
    this.answered(key, region, unit);
    if (unit.creatingSince !== undefined) {
      this.creating -= 1;
      // Only a replica seen usable took a whole Creating.
      if (status === "created" || status === "exists")
        this.creatingTimes.add(this.now() - unit.creatingSince);
    }
    key.units.delete(region);
  }

  private onPlan(event: Extract<ReplicaEvent, { type: "plan" }>): void {
    const { primary } = event;
    const key = this.openKey(primary.keyId, primary.region);
    if (key.planned) return;
    key.planned = true;
    key.primaryRegion = primary.region;
    this.plannedKeys += 1;
    const existing = new Set(primary.replicas.map((r) => r.region));
    const counted = perRegion(this.look);
    for (const region of event.regions) {
      if (key.units.has(region)) continue;
      const needsRequest = this.look.estimate === "replicate" && !this.run.dryRun && !existing.has(region);
      key.units.set(region, { counted, needsRequest });
      if (counted) this.counter(region).expected += 1;
      if (!needsRequest) continue;
      for (const [map, where] of [
        [this.pending.into, region],
        [this.pending.from, primary.region],
        [this.planned.into, region],
        [this.planned.from, primary.region],
      ] as const) {
        bump(map, where, 1);
      }
    }
  }

  private onPhase(event: Extract<ReplicaEvent, { type: "phase" }>): void {
    const key = this.openKey(event.keyId, "");
    let unit = key.units.get(event.region);
    if (unit === undefined) {
      unit = { counted: false, needsRequest: false };
      key.units.set(event.region, unit);
    }
    if (unit.phase === undefined && unit.counted) this.counter(event.region).inProgress += 1;
    unit.phase = event.phase;
    if (event.phase !== "queued") key.sent = true;
    if (event.phase !== "creating") return;
    this.answered(key, event.region, unit);
    if ((event.keyState ?? "Creating") === "Creating" && unit.creatingSince === undefined) {
      const at = this.now();
      unit.creatingSince = at;
      this.newestCreating = at;
      this.creating += 1;
    }
  }

  private onSettled(keyId: string, region: string, status: LineStatus): void {
    const key = this.open.get(keyId);
    const unit = key?.units.get(region);
    if (key !== undefined && unit !== undefined) this.closeUnit(key, region, unit, status);
    else if (perRegion(this.look)) {
      const r = this.counter(region);
      r.expected += 1;
      r[bucketOf(status)] += 1;
    }
  }
}
