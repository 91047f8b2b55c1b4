// The time left of a fleet run, pure: from the request quotas where they set the pace (replicate's
// ReplicateKey and CreateKey, promote's UpdatePrimaryRegion), else from the rate of settled keys.
import { clock } from "./progress-text.js";

/** The rate of settled keys says something about the time left only after this many keys settled. */
export const MIN_SETTLED_FOR_RATE = 5;

/** The middle of `values` (the mean of the two middle ones for an even count); undefined: none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * When every request is sent: what is left of the newest unit's wait, if it takes the typical
 * time. Undefined when nothing has settled yet to say what is typical.
 */
function tailMs(waiting: number, typicalMs: number | undefined, newestMs: number): number | undefined {
  if (waiting === 0) return 0;
  if (typicalMs === undefined) return undefined;
  return Math.max(0, typicalMs - newestMs);
}

/** ReplicateKey calls, per Region: into a target Region (`into`) and sent to a primary's Region (`from`). */
export interface RequestLoad {
  readonly into: ReadonlyMap<string, number>;
  readonly from: ReadonlyMap<string, number>;
}

export interface ReplicateEstimateInput {
  /** Requests per second per Region (`ReplicateKey`, `CreateKey`), as the `fleet` event gave them. */
  readonly quotas: Readonly<Record<string, number>>;
  /** ReplicateKey calls of the planned keys not answered yet. */
  readonly pending: RequestLoad;
  /** ReplicateKey calls every planned key needed (sent or not): with `plannedKeys`, the average key's. */
  readonly planned: RequestLoad;
  readonly plannedKeys: number;
  /** Keys not planned yet: each is counted as needing what the average planned key needed. */
  readonly queuedKeys: number;
  /** Units requested and still Creating. */
  readonly creating: number;
  /** The typical (median) time from a unit's first `Creating` to its settling; undefined: none settled yet. */
  readonly typicalCreatingMs: number | undefined;
  /** How long the unit that began Creating last has been at it. */
  readonly newestCreatingMs: number;
}

/**
 * `replicate`'s time left, from the quotas: each ReplicateKey into Region r costs 2 CreateKey in r
 * (CreateKey/s per Region) and 1 ReplicateKey in the primary's Region (ReplicateKey/s per Region).
 * The requests still to send take as long as the busiest of those Regions needs; the last one then
 * takes the typical Creating time. With every request sent, what is left of the newest Creating.
 * Undefined when there is nothing to go on (no key planned yet, no quota, no Creating seen to its
 * end: the requests' time alone would promise far too little).
 */
export function replicateEstimateMs(input: ReplicateEstimateInput): number | undefined {
  const createKey = input.quotas.CreateKey ?? 0;
  const replicateKey = input.quotas.ReplicateKey ?? 0;
  if (createKey <= 0 || replicateKey <= 0) return undefined;
  if (input.plannedKeys === 0 && input.queuedKeys > 0) return undefined;
  const share = input.plannedKeys === 0 ? 0 : input.queuedKeys / input.plannedKeys;
  const busiest = (pending: ReadonlyMap<string, number>, planned: ReadonlyMap<string, number>): number => {
    let most = 0;
    for (const region of new Set([...pending.keys(), ...planned.keys()])) {
      most = Math.max(most, (pending.get(region) ?? 0) + share * (planned.get(region) ?? 0));
    }
    return most;
  };
  const requestSeconds = Math.max(
    (busiest(input.pending.into, input.planned.into) * 2) / createKey,
    busiest(input.pending.from, input.planned.from) / replicateKey,
  );
  // Every request ends in a Creating: until one is seen to its end, its time is not known.
  if (requestSeconds > 0) {
    return input.typicalCreatingMs === undefined
      ? undefined
      : requestSeconds * 1000 + input.typicalCreatingMs;
  }
  return tailMs(input.creating, input.typicalCreatingMs, input.newestCreatingMs);
}

export interface PromoteEstimateInput {
  /** UpdatePrimaryRegion per second per Region. */
  readonly quota: number | undefined;
  /** Keys whose primary was not asked to move yet. */
  readonly toCall: number;
  /** Keys asked, not settled. */
  readonly settling: number;
  /** The typical (median) time from a key's first state seen to its settling; undefined: none yet. */
  readonly typicalSettleMs: number | undefined;
  /** How long the key asked last has been settling. */
  readonly newestSettlingMs: number;
}

/**
 * `promote`'s time left: every UpdatePrimaryRegion counts against the quota of both Regions, and
 * every key of a failover moves to the same Region, so the calls left take `toCall / quota`
 * seconds; the last key then takes the typical settle time.
 */
export function promoteEstimateMs(input: PromoteEstimateInput): number | undefined {
  const quota = input.quota ?? 0;
  if (quota <= 0) return undefined;
  // Every call ends in a settle: until one is seen, its time is not known.
  if (input.toCall > 0) {
    return input.typicalSettleMs === undefined
      ? undefined
      : (input.toCall / quota) * 1000 + input.typicalSettleMs;
  }
  return tailMs(input.settling, input.typicalSettleMs, input.newestSettlingMs);
}

/**
 * `wait`'s and `sync`'s time left (and a dry run's): the keys left at the rate keys settled so
 * far. Undefined until `minSettled` keys settled: the first ones say little.
 */
export function rateEstimateMs(input: {
  readonly settled: number;
  readonly remaining: number;
  readonly elapsedMs: number;
  readonly minSettled?: number;
}): number | undefined {
  if (input.remaining <= 0) return 0;
  if (input.settled < (input.minSettled ?? MIN_SETTLED_FOR_RATE) || input.elapsedMs <= 0) return undefined;
  return (input.remaining * input.elapsedMs) / input.settled;
}

/** `~1m20s left` (whole seconds, rounded up: never `~0s` while something is left). */
export function leftText(ms: number): string {
  return `~${clock(Math.max(1, Math.ceil(ms / 1000)) * 1000)} left`;
}
