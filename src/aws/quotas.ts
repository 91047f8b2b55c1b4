// KMS's request quotas, owned by the AWS adapter: one keyed rate limiter per (quota, Region), shared
// by every key and every command of the process, so that no caller can exceed a quota it does not
// know about. Every attempt of every call (retries included) takes its slots before it is sent.
//
// The defaults are KMS's documented default request quotas per account and Region (AWS KMS
// developer guide, "Request quotas"; shared/kms-lifecycle.md). Accounts with raised quotas say so
// with --quota Operation=N; --rate is the older name for the ReplicateKey entry.
//
// One scheduler serves every waiting attempt of the process (fleets of thousands of keys share the
// account's budget): a queue in arrival order, walked on every "pump", and one timer for the whole
// book. See createQuotaBook for the order in which waiters are served.
import { paceWindow, RateWindow } from "./pace.js";

export const KMS_QUOTAS = {
  ReplicateKey: 5,
  CreateKey: 5,
  UpdatePrimaryRegion: 5,
  DescribeKey: 2000,
  ListKeys: 500,
  ListAliases: 500,
  ListResourceTags: 2000,
  GetKeyPolicy: 1000,
  PutKeyPolicy: 15,
  TagResource: 10,
  UntagResource: 5,
  CreateAlias: 5,
  UpdateAlias: 5,
  DeleteAlias: 15,
  UpdateKeyDescription: 5,
  EnableKey: 5,
  DisableKey: 5,
  GetParametersForImport: 1,
  ImportKeyMaterial: 15,
  RotateKeyOnDemand: 5,
  ScheduleKeyDeletion: 15,
  CancelKeyDeletion: 5,
} as const satisfies Record<string, number>;

export type QuotaName = keyof typeof KMS_QUOTAS;
export type QuotaOverrides = Readonly<Partial<Record<QuotaName, number>>>;

export function isQuotaName(name: string): name is QuotaName {
  return Object.hasOwn(KMS_QUOTAS, name);
}

/** One slot-taking of a call: `units` requests against quota `name` in `region`. */
export interface QuotaCost {
  readonly name: QuotaName;
  readonly region: string;
  readonly units: number;
}

/**
 * What one attempt of `operation`, sent to `region`, costs. ReplicateKey counts in the primary's
 * Region and as two CreateKey in the replica's (`target`); UpdatePrimaryRegion counts in both the
 * current primary's Region and the new one's. Operations without a documented quota cost nothing.
 */
export function costOf(operation: string, region: string, target?: string): readonly QuotaCost[] {
  if (!isQuotaName(operation)) return [];
  const own: QuotaCost = { name: operation, region, units: 1 };
  if (operation === "ReplicateKey" && target !== undefined) {
    return [own, { name: "CreateKey", region: target, units: 2 }];
  }
  if (operation === "UpdatePrimaryRegion" && target !== undefined && target !== region) {
    return [own, { name: "UpdatePrimaryRegion", region: target, units: 1 }];
  }
  return [own];
}

/** Names one in-flight cap: attempts of `name` sent to `region` that have started and not ended. */
export interface InFlightKey {
  readonly name: QuotaName;
  readonly region: string;
}

export interface AcquireOptions {
  /** The in-flight cap this attempt counts against, if the book has one for `name`. */
  readonly inFlight?: InFlightKey;
  /**
   * performance.now() after which the attempt may not start (a write after the run's --timeout):
   * still waiting then, it is dropped, rejected with `expired()`'s value, having taken nothing.
   */
  readonly deadline?: { readonly at: number; readonly expired: () => Error };
}

/** Ends an attempt's hold on its in-flight slot; calling it again does nothing. */
export type Release = () => void;

export interface QuotaBook {
  /**
   * Resolves once every cost of one attempt fits its quota, all taken at one moment, and (when
   * `options.inFlight` names a capped operation) fewer than the cap are in flight there. The
   * in-flight slot is held until `release()` is called, which every caller must do when the
   * attempt ends. Rejects with the signal's reason if it aborts first, or with the deadline's value
   * if that passes first (`options.deadline`), having taken nothing.
   */
  acquire(costs: readonly QuotaCost[], signal?: AbortSignal, options?: AcquireOptions): Promise<Release>;
  /** The rate in force for `name` (requests per second). */
  rateOf(name: QuotaName): number;
  /** How many attempts wait for their slots now. */
  waiting(): number;
  /**
   * Resolves as soon as fewer than `n` attempts wait (at once if that is already so): lets a fleet
   * keep the queue fed without holding thousands of attempts in memory. Rejects on abort.
   */
  whenWaitingBelow(n: number, signal?: AbortSignal): Promise<void>;
}

export interface QuotaBookOptions {
  readonly overrides?: QuotaOverrides;
  readonly now?: () => number;
  /** Added to each 1 s window (see createPacer); 100 ms by default. */
  readonly marginMs?: number;
  /**
   * At most this many attempts in flight at once per (operation, Region); no cap for an operation
   * left out. A cap below 1 counts as 1 (0 would never let an attempt start).
   */
  readonly inFlight?: Readonly<Partial<Record<QuotaName, number>>>;
  /**
   * At most this many attempts in flight at once in the whole process, whatever the operation and
   * Region: what the AWS SDK holds for a request in flight (its command, signed request, socket
   * buffers) is then bounded however high the quotas are; a waiting attempt costs a small record.
   */
  readonly maxInFlight?: number;
}

/** What a waiter needs from one limit: a rate window, or an in-flight cap. */
interface Limit {
  /** Free room at `t`. */
  room(t: number): number;
  /** Free room at `at` (≥ now) if nothing more is taken before then. */
  roomAt(at: number): number;
  /** Milliseconds from `t` until `units` fit, other waiters aside; Infinity: only a release frees room. */
  waitFor(units: number, t: number): number;
  take(units: number, t: number): void;
}

/** The attempts of one (operation, Region) that have been granted and not yet released. */
class InFlight implements Limit {
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

interface Need {
  readonly limit: Limit;
  /** Already capped at the window's size (a cost above the whole window counts as the window). */
  readonly units: number;
}

/** One waiting attempt: a small record, emptied when it is granted or aborted. */
interface Waiter {
  readonly needs: readonly Need[];
  /** The in-flight counts it takes a slot of (its operation's cap, the process's). */
  readonly gates: readonly InFlight[];
  /** Undefined once granted or aborted (the queue drops it on the next pump). */
  settle: { resolve: (release: Release) => void; reject: (reason: unknown) => void } | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Dropped at this moment if still waiting (a write after the run's deadline). */
  readonly deadline: AcquireOptions["deadline"];
}

interface Watcher {
  readonly below: number;
  resolve: () => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** One walk over the queue, in arrival order (see createQuotaBook); continued while it holds. */
interface Walk {
  readonly id: number;
  /** Rule 2: the limits on which a waiter seen still waits for room. */
  readonly held: Set<Limit>;
  /** Rule 3: the oldest waiter seen that still waits, not for an in-flight slot, and when it can start. */
  head: Waiter | undefined;
  headAt: number;
  /** The queue's first `walked` entries have been seen. */
  walked: number;
  /** The first moment at which a need of a waiter seen could have room: the walk holds until then. */
  wakeAt: number;
}

function freshWalk(id: number): Walk {
  return { id, held: new Set(), head: undefined, headAt: 0, walked: 0, wakeAt: Infinity };
}

/** setTimeout takes at most 2^31 - 1 ms (longer fires at once); the next pump sets the timer again. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const NOTHING_TO_RELEASE: Release = () => undefined;

/**
 * The limiters, one window per (quota, Region) and one in-flight count per capped (operation,
 * Region), made on first use, and the queue of attempts waiting for them.
 *
 * An attempt's costs are taken together, at one moment, when every one of them fits: a ReplicateKey
 * never holds a CreateKey slot while it waits for a ReplicateKey one (the server would count that
 * CreateKey later than we did, and a later call could then exceed the quota there).
 *
 * Order. Each pump walks the waiters in arrival order and grants, there and then, every waiter for
 * which each limit it needs (each rate window, and its in-flight cap)
 *   1. has room now, after the grants already made in this walk: earlier waiters get first pick;
 *   2. is not held by an earlier waiter that still waits because that limit had no room for it:
 *      the waiters that a limit holds up are served in arrival order there, so a one-slot CreateKey
 *      cannot slip into the last free slot ahead of an earlier ReplicateKey that needs two;
 *   3. keeps room for the oldest waiter at the moment it can start, if it took its units now:
 *      the oldest waiter ("head") that is blocked on one limit keeps its units on its other ones
 *      until then (the other waiters' takes now that will have left the window by then cost it
 *      nothing, so this rarely holds anyone back). Without this rule, traffic on each of its limits
 *      in turn could keep a two-limit attempt out forever.
 * A waiter that cannot go never holds back later ones that need only other limits: a ReplicateKey
 * waiting for CreateKey in a busy replica Region leaves the primary's ReplicateKey slots to calls
 * into idle Regions. Rule 2 costs at most a few slots of one window where waiters need different
 * amounts of one limit; rule 3 at most the head's own units, and only if the head is not waiting
 * for an in-flight slot (when it can start is then unknown).
 *
 * Wake-ups. A pump runs when a waiter arrives (in a microtask, so that waiters asked for together
 * are walked once; one that arrives while no one waits is granted at once if it fits), when an
 * aborted waiter leaves or a release frees an in-flight slot that held a waiter back (once per turn
 * of the event loop), and at the book's one timer: the first moment at which a need of any waiting
 * attempt could have room. A walk costs O(waiters × costs); after mere arrivals, only the new
 * waiters are walked (see pump). The timer is not unref'd: a pending promise does not keep Node
 * alive, so the timer must while anyone waits; it is cleared once no one does.
 */
export function createQuotaBook(options: QuotaBookOptions = {}): QuotaBook {
  const windows = new Map<string, RateWindow>();
  const gates = new Map<string, InFlight>();
  const now = options.now ?? (() => performance.now());
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
  /** The costs per limit (two costs in one window add up), and the in-flight slots last. */
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

  /** Arrival order; granted and aborted waiters are dropped by the next walk, in one pass. */
  const queue: Waiter[] = [];
  /** Waiters neither granted nor aborted. */
  let live = 0;
  let watchers: Watcher[] = [];
  let pumpQueued = false;
  let walk = freshWalk(0);
  /** Something other than an arrival changed since the last walk: walk the whole queue again. */
  let stale = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = Infinity;

  const schedulePump = (): void => {
    if (pumpQueued) return;
    pumpQueued = true;
    queueMicrotask(pump);
  };
  /**
   * After a release or an abort: the whole queue is walked again, once per turn of the event loop
   * however many attempts ended in it (answers that arrive together are released together).
   */
  let walkQueued = false;
  const scheduleWalk = (): void => {
    stale = true;
    if (walkQueued) return;
    walkQueued = true;
    setImmediate(() => {
      walkQueued = false;
      if (stale) pump();
    });
  };

  const releaseOf = (gates: readonly InFlight[]): Release => {
    if (gates.length === 0) return NOTHING_TO_RELEASE;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      let held = false;
      for (const gate of gates) {
        gate.active -= 1;
        held ||= gate.blockedIn === walk.id;
      }
      // Only a waiter a cap held back can go now (or the ones it holds up).
      if (held && live > 0) scheduleWalk();
    };
  };

  const grant = (waiter: Waiter, t: number): void => {
    for (const need of waiter.needs) need.limit.take(need.units, t);
    const { settle, signal, onAbort } = waiter;
    waiter.settle = undefined;
    waiter.signal = undefined;
    waiter.onAbort = undefined;
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    live -= 1;
    settle?.resolve(releaseOf(waiter.gates));
  };

  /** Rejects a waiter that will never start (aborted, or past its deadline); it took nothing. */
  const drop = (waiter: Waiter, reason: unknown): void => {
    const { settle, signal, onAbort } = waiter;
    if (settle === undefined) return;
    waiter.settle = undefined;
    waiter.signal = undefined;
    waiter.onAbort = undefined;
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    live -= 1;
    settle.reject(reason);
  };

  const notifyWatchers = (): void => {
    if (watchers.length === 0) return;
    const still: Watcher[] = [];
    for (const watcher of watchers) {
      if (live < watcher.below) {
        if (watcher.onAbort !== undefined) watcher.signal?.removeEventListener("abort", watcher.onAbort);
        watcher.resolve();
      } else still.push(watcher);
    }
    watchers = still;
  };

  /**
   * Grants every waiter that may go now (see the rules above) and sets the timer. Until the timer's
   * moment, a waiter that could not go cannot either unless another one leaves or a release frees a
   * cap that held one back: so a pump after mere arrivals continues the last walk with the new
   * waiters only, and the others walk the whole queue again.
   */
  function pump(): void {
    pumpQueued = false;
    const t = now();
    if (stale || t >= walk.wakeAt) {
      walk = freshWalk(walk.id + 1);
      stale = false;
    }
    const current = walk;
    const fits = (need: Need): boolean => {
      if (current.held.has(need.limit) || need.limit.room(t) < need.units) return false;
      const heads = current.head?.needs.find((own) => own.limit === need.limit);
      return heads === undefined || need.limit.roomAt(current.headAt) >= heads.units + need.units;
    };
    let kept = current.walked;
    for (let i = current.walked; i < queue.length; i += 1) {
      const waiter = queue[i];
      if (waiter?.settle === undefined) continue;
      if (waiter.deadline !== undefined && t >= waiter.deadline.at) {
        // Its deadline passed while it waited: it never starts. The waiters after it in this walk
        // see the room it leaves.
        drop(waiter, waiter.deadline.expired());
        continue;
      }
      if (waiter.needs.every(fits)) {
        grant(waiter, t);
        continue;
      }
      queue[kept] = waiter;
      kept += 1;
      let startsIn = 0;
      for (const need of waiter.needs) {
        if (!fits(need)) {
          current.held.add(need.limit);
          if (need.limit instanceof InFlight) need.limit.blockedIn = current.id;
        }
        // Wake when any of its limits could have room: that may let it or the waiters it holds up go.
        const wait = need.limit.waitFor(need.units, t);
        if (wait > 0) current.wakeAt = Math.min(current.wakeAt, t + wait);
        startsIn = Math.max(startsIn, wait);
      }
      if (current.head === undefined && startsIn < Infinity) {
        current.head = waiter;
        current.headAt = t + startsIn;
      }
      // Wake at its deadline to drop it (the walk then starts afresh, over the whole queue).
      if (waiter.deadline !== undefined) current.wakeAt = Math.min(current.wakeAt, waiter.deadline.at);
    }
    queue.length = kept;
    current.walked = kept;
    const wakeAt = live > 0 ? current.wakeAt : Infinity;
    if (wakeAt !== timerAt) {
      if (timer !== undefined) clearTimeout(timer);
      timer = wakeAt < Infinity ? setTimeout(onTimer, Math.min(wakeAt - t, MAX_DELAY_MS)) : undefined;
      timerAt = wakeAt;
    }
    notifyWatchers();
  }

  function onTimer(): void {
    timer = undefined;
    timerAt = Infinity;
    stale = true;
    pump();
  }

  return {
    rateOf,
    waiting: () => live,
    acquire(costs, signal, acquireOptions) {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      const deadline = acquireOptions?.deadline;
      if (deadline !== undefined && now() >= deadline.at) return Promise.reject(deadline.expired());
      const gates = gatesOf(acquireOptions?.inFlight);
      const needs = needsOf(costs, gates);
      if (needs.length === 0) return Promise.resolve(NOTHING_TO_RELEASE);
      if (live === 0) {
        // No one waits: nothing to be fair to, so no need to wait for a pump either.
        const t = now();
        if (needs.every((need) => need.limit.room(t) >= need.units)) {
          for (const need of needs) need.limit.take(need.units, t);
          return Promise.resolve(releaseOf(gates));
        }
      }
      return new Promise<Release>((resolve, reject) => {
        const waiter: Waiter = {
          needs,
          gates,
          settle: { resolve, reject },
          signal,
          onAbort: undefined,
          deadline,
        };
        if (signal !== undefined) {
          waiter.onAbort = () => {
            if (waiter.settle === undefined) return;
            drop(waiter, signal.reason);
            // The waiters it held up may go now.
            scheduleWalk();
            notifyWatchers();
          };
          signal.addEventListener("abort", waiter.onAbort, { once: true });
        }
        queue.push(waiter);
        live += 1;
        schedulePump();
      });
    },
    whenWaitingBelow(n, signal) {
      if (live < n) return Promise.resolve();
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      return new Promise<void>((resolve, reject) => {
        const watcher: Watcher = { below: n, resolve, signal, onAbort: undefined };
        if (signal !== undefined) {
          watcher.onAbort = () => {
            watchers = watchers.filter((other) => other !== watcher);
            reject(signal.reason as Error);
          };
          signal.addEventListener("abort", watcher.onAbort, { once: true });
        }
        watchers.push(watcher);
      });
    },
  };
}
