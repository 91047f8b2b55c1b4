// The limits an attempt of a call waits for in the quota book: a rate window per (quota, Region),
// KMS's request quotas (src/aws/pace.ts's RateWindow), and the in-flight caps, per (operation,
// Region) and for the whole process. Each is made on first use.
import { paceWindow, RateWindow } from "./pace.js";
import {
  KMS_QUOTAS,
  type InFlightKey,
  type QuotaBookOptions,
  type QuotaCost,
  type QuotaName,
} from "./quotas.js";

/** What a waiter needs from one limit: a rate window, or an in-flight cap. */
export interface Limit {
  /** Free room at `t`. */
  room(t: number): number;
  /** Free room at `at` (≥ now) if nothing more is taken before then. */
  roomAt(at: number): number;
  /** Milliseconds from `t` until `units` fit, other waiters aside; Infinity: only a release frees room. */
  waitFor(units: number, t: number): number;
  take(units: number, t: number): void;
}

/** The attempts of one (operation, Region) that have been granted and not yet released. */
export class InFlight implements Limit {
  active = 0;
  /** The walk in which a waiter last could not have this cap's slot: a release then wakes the book. */
  blockedIn = -1;
  constructor(readonly cap: number) {}
  room(): number {
    return this.cap - this.active;
  }
  roomAt(): number {
    return this.room();
  }
  waitFor(units: number): number {
    return this.room() >= units ? 0 : Infinity;
  }
  take(units: number): void {
    this.active += units;
  }
}

export interface Need {
  readonly limit: Limit;
  /** Already capped at the window's size (a cost above the whole window counts as the window). */
  readonly units: number;
}

/** The limits of one book. */
export interface Limits {
  /** The rate in force for `name` (requests per second). */
  readonly rateOf: (name: QuotaName) => number;
  /** The in-flight counts an attempt counts against: its (operation, Region)'s cap, if any, and the process's. */
  readonly gatesOf: (key: InFlightKey | undefined) => InFlight[];
  /** The costs per limit (two costs in one window add up), and the in-flight slots last. */
  readonly needsOf: (costs: readonly QuotaCost[], gates: readonly InFlight[]) => Need[];
}

export function createLimits(options: QuotaBookOptions): Limits {
  const windows = new Map<string, RateWindow>();
  const gates = new Map<string, InFlight>();
  const rateOf = (name: QuotaName): number => options.overrides?.[name] ?? KMS_QUOTAS[name];
  const windowFor = (cost: QuotaCost): RateWindow => {
    const key = `${cost.name} ${cost.region}`;
    let window = windows.get(key);
    if (window === undefined) {
      const { slots, windowMs } = paceWindow(rateOf(cost.name), options.marginMs ?? 100);
      window = new RateWindow(slots, windowMs);
      windows.set(key, window);
    }
    return window;
  };
  const gateFor = (key: InFlightKey | undefined): InFlight | undefined => {
    const cap = key === undefined ? undefined : options.inFlight?.[key.name];
    if (key === undefined || cap === undefined) return undefined;
    const id = `${key.name} ${key.region}`;
    let gate = gates.get(id);
    if (gate === undefined) {
      gate = new InFlight(Math.max(1, Math.floor(cap)));
      gates.set(id, gate);
    }
    return gate;
  };
  const total =
    options.maxInFlight === undefined ? undefined : new InFlight(Math.max(1, options.maxInFlight));
  const gatesOf = (key: InFlightKey | undefined): InFlight[] =>
    [gateFor(key), total].filter((gate) => gate !== undefined);
  const needsOf = (costs: readonly QuotaCost[], gates: readonly InFlight[]): Need[] => {
    const units = new Map<RateWindow, number>();
    for (const cost of costs) {
      const window = windowFor(cost);
      units.set(window, (units.get(window) ?? 0) + cost.units);
    }
    const needs: Need[] = [];
    for (const [window, n] of units) needs.push({ limit: window, units: Math.min(n, window.slots) });
    for (const gate of gates) needs.push({ limit: gate, units: 1 });
    return needs;
  };
  return { rateOf, gatesOf, needsOf };
}

/** Takes an attempt's needs at `t`; with `open`, its starts in rate windows stay open (RateWindow.hold). */
export function takeNeeds(needs: readonly Need[], t: number, open: boolean): void {
  for (const need of needs) {
    if (open && need.limit instanceof RateWindow) need.limit.hold(need.units);
    else need.limit.take(need.units, t);
  }
}

/** Stamps at `at` the open starts that takeNeeds took for these needs (once per attempt). */
export function stampNeeds(needs: readonly Need[], at: number): void {
  for (const need of needs) if (need.limit instanceof RateWindow) need.limit.stamp(need.units, at);
}
