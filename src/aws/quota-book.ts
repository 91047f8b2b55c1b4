// The quota book: one scheduler serves every waiting attempt of the process (fleets of thousands of
// keys share the account's budget): a queue in arrival order, walked on every "pump", and one timer
// for the whole book. See QuotaQueue for the order in which waiters are served. The limits it
// waits on: src/aws/quota-limits.ts; KMS's quotas and the book's interface: src/aws/quotas.ts.
import { createLimits, InFlight, stampNeeds, takeNeeds, type Limit, type Need } from "./quota-limits.js";
import type { AcquireOptions, QuotaBook, QuotaBookOptions, Release } from "./quotas.js";

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
  /** Its starts count from when its request leaves (AcquireOptions.countFromSent). */
  readonly open: boolean;
}

interface Watcher {
  readonly below: number;
  resolve: () => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** One walk over the queue, in arrival order (see QuotaQueue); continued while it holds. */
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
 * The attempts waiting for their slots, and the watchers of how many there are.
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
 * When a start counts: from the moment its request leaves the process when the caller can tell
 * (AcquireOptions.countFromSent; src/aws/sent.ts), held open in its windows until then (RateWindow).
 * From the grant, a request that waits longer than the margin for credentials, signing or a socket
 * reaches KMS later than counted, and its slot frees too early. One that never leaves: its grant.
 *
 * Wake-ups. A pump runs when a waiter arrives (in a microtask, so that waiters asked for together
 * are walked once; one that arrives while no one waits is granted at once if it fits), when an
 * aborted waiter leaves or a release frees an in-flight slot that held a waiter back (once per turn
 * of the event loop), and at the book's one timer: the first moment at which a need of any waiting
 * attempt could have room. A walk costs O(waiters × costs); after mere arrivals, only the new
 * waiters are walked (see pump). The timer is not unref'd: a pending promise does not keep Node
 * alive, so the timer must while anyone waits; it is cleared once no one does.
 */
class QuotaQueue {
  /** Arrival order; granted and aborted waiters are dropped by the next walk, in one pass. */
  private readonly queue: Waiter[] = [];
  /** Waiters neither granted nor aborted. */
  live = 0;
  private watchers: Watcher[] = [];
  private pumpQueued = false;
  private walk = freshWalk(0);
  /** Something other than an arrival changed since the last walk: walk the whole queue again. */
  private stale = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  /** A walk of the whole queue is set for this turn of the event loop (see scheduleWalk). */
  private walkQueued = false;

  constructor(private readonly now: () => number) {}

  /** A new waiter, walked in a microtask (with the others that arrive together). */
  add(waiter: Waiter): void {
    this.queue.push(waiter);
    this.live += 1;
    this.schedulePump();
  }

  /** A waiter's signal aborted: it leaves, and the waiters it held up may go now. */
  aborted(waiter: Waiter, reason: unknown): void {
    if (waiter.settle === undefined) return;
    this.drop(waiter, reason);
    this.scheduleWalk();
    this.notifyWatchers();
  }

  /** Resolves as soon as fewer than `n` attempts wait (see QuotaBook.whenWaitingBelow). */
  whenWaitingBelow(n: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.live < n) return Promise.resolve();
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const watcher: Watcher = { below: n, resolve, signal, onAbort: undefined };
      if (signal !== undefined) {
        watcher.onAbort = () => {
          this.watchers = this.watchers.filter((other) => other !== watcher);
          reject(signal.reason as Error);
        };
        signal.addEventListener("abort", watcher.onAbort, { once: true });
      }
      this.watchers.push(watcher);
    });
  }

  /**
   * Ends an attempt granted at `grantedAt`: with `open` starts, stamps them when its request leaves
   * (`sent`), or at the grant if it never did (which may free room now: the queue is walked again).
   */
  releaseOf(needs: readonly Need[], gates: readonly InFlight[], grantedAt: number, open: boolean): Release {
    const endGates = this.gatesReleaseOf(gates);
    if (!open) return endGates;
    let stamped = false;
    const release = (): void => {
      if (!stamped) {
        stamped = true;
        stampNeeds(needs, grantedAt);
        if (this.live > 0) this.scheduleWalk();
      }
      endGates();
    };
    const sent = (): void => {
      if (stamped) return;
      stamped = true;
      stampNeeds(needs, this.now());
    };
    return Object.assign(release, { sent });
  }

  /** Ends an attempt's hold on its in-flight slots (`gates`); a release that frees a cap that held a waiter back wakes the queue. */
  private gatesReleaseOf(gates: readonly InFlight[]): () => void {
    if (gates.length === 0) return NOTHING_TO_RELEASE;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      let held = false;
      for (const gate of gates) {
        gate.active -= 1;
        held ||= gate.blockedIn === this.walk.id;
      }
      // Only a waiter a cap held back can go now (or the ones it holds up).
      if (held && this.live > 0) this.scheduleWalk();
    };
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => this.pump());
  }

  /**
   * After a release or an abort: the whole queue is walked again, once per turn of the event loop
   * however many attempts ended in it (answers that arrive together are released together).
   */
  private scheduleWalk(): void {
    this.stale = true;
    if (this.walkQueued) return;
    this.walkQueued = true;
    setImmediate(() => {
      this.walkQueued = false;
      if (this.stale) this.pump();
    });
  }

  private grant(waiter: Waiter, t: number): void {
    takeNeeds(waiter.needs, t, waiter.open);
    const { settle, signal, onAbort } = waiter;
    waiter.settle = undefined;
    waiter.signal = undefined;
    waiter.onAbort = undefined;
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    this.live -= 1;
    settle?.resolve(this.releaseOf(waiter.needs, waiter.gates, t, waiter.open));
  }

  /** Rejects a waiter that will never start (aborted, or past its deadline); it took nothing. */
  private drop(waiter: Waiter, reason: unknown): void {
    const { settle, signal, onAbort } = waiter;
    if (settle === undefined) return;
    waiter.settle = undefined;
    waiter.signal = undefined;
    waiter.onAbort = undefined;
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    this.live -= 1;
    settle.reject(reason);
  }

  private notifyWatchers(): void {
    if (this.watchers.length === 0) return;
    const still: Watcher[] = [];
    for (const watcher of this.watchers) {
      if (this.live < watcher.below) {
        if (watcher.onAbort !== undefined) watcher.signal?.removeEventListener("abort", watcher.onAbort);
        watcher.resolve();
      } else still.push(watcher);
    }
    this.watchers = still;
  }

  /**
   * Grants every waiter that may go now (see the rules above) and sets the timer. Until the timer's
   * moment, a waiter that could not go cannot either unless another one leaves or a release frees a
   * cap that held one back: so a pump after mere arrivals continues the last walk with the new
   * waiters only, and the others walk the whole queue again.
   */
  private pump(): void {
    this.pumpQueued = false;
    const t = this.now();
    if (this.stale || t >= this.walk.wakeAt) {
      this.walk = freshWalk(this.walk.id + 1);
      this.stale = false;
    }
    const current = this.walk;
    const fits = (need: Need): boolean => {
      if (current.held.has(need.limit) || need.limit.room(t) < need.units) return false;
      const heads = current.head?.needs.find((own) => own.limit === need.limit);
      return heads === undefined || need.limit.roomAt(current.headAt) >= heads.units + need.units;
    };
    let kept = current.walked;
    for (let i = current.walked; i < this.queue.length; i += 1) {
      const waiter = this.queue[i];
      if (waiter?.settle === undefined) continue;
      if (waiter.deadline !== undefined && t >= waiter.deadline.at) {
        // Its deadline passed while it waited: it never starts. The waiters after it in this walk
        // see the room it leaves.
        this.drop(waiter, waiter.deadline.expired());
        continue;
      }
      if (waiter.needs.every(fits)) {
        this.grant(waiter, t);
        continue;
      }
      this.queue[kept] = waiter;
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
    this.queue.length = kept;
    current.walked = kept;
    const wakeAt = this.live > 0 ? current.wakeAt : Infinity;
    if (wakeAt !== this.timerAt) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer =
        wakeAt < Infinity ? setTimeout(() => this.onTimer(), Math.min(wakeAt - t, MAX_DELAY_MS)) : undefined;
      this.timerAt = wakeAt;
    }
    this.notifyWatchers();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.stale = true;
    this.pump();
  }
}

export function createQuotaBook(options: QuotaBookOptions = {}): QuotaBook {
  const now = options.now ?? (() => performance.now());
  const limits = createLimits(options);
  const waiters = new QuotaQueue(now);
  return {
    rateOf: limits.rateOf,
    waiting: () => waiters.live,
    acquire(costs, signal, acquireOptions) {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      const deadline = acquireOptions?.deadline;
      if (deadline !== undefined && now() >= deadline.at) return Promise.reject(deadline.expired());
      const gates = limits.gatesOf(acquireOptions?.inFlight);
      const needs = limits.needsOf(costs, gates);
      if (needs.length === 0) return Promise.resolve(NOTHING_TO_RELEASE);
      const open = acquireOptions?.countFromSent === true;
      if (waiters.live === 0) {
        // No one waits: nothing to be fair to, so no need to wait for a pump either.
        const t = now();
        if (needs.every((need) => need.limit.room(t) >= need.units)) {
          takeNeeds(needs, t, open);
          return Promise.resolve(waiters.releaseOf(needs, gates, t, open));
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
          open,
        };
        if (signal !== undefined) {
          waiter.onAbort = () => waiters.aborted(waiter, signal.reason);
          signal.addEventListener("abort", waiter.onAbort, { once: true });
        }
        waiters.add(waiter);
      });
    },
    whenWaitingBelow: (n, signal) => waiters.whenWaitingBelow(n, signal),
  };
}
