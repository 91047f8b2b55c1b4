// Client-side pacing: one rate limiter (src/aws/quota-limits.ts keeps one per KMS quota and Region). We stay
// under KMS's request quotas by construction instead of provoking ThrottlingException and retrying.

export interface Pacer {
  /** Resolves when a call may start, having taken `units` slots (1 by default) in one window. */
  acquire(signal?: AbortSignal, units?: number): Promise<void>;
}

/**
 * At most `perSecond` starts in any window of 1 s + `marginMs` (100 ms by default, so that a request
 * that travels faster than the one before it still lands in the right window at the server).
 *
 * A fractional rate r is honoured exactly instead: at most ceil(r) starts in any window of
 * ceil(r) / r seconds, which is r per second on average and never more than ceil(r) in any 1 s
 * (the window is longer than 1 s). So 0.5 spaces the starts 2 s apart, and 2.5 lets 3 start in
 * every 1.2 s. No margin there: the user asked for that exact rate, usually below the quota.
 */
export function createPacer(
  perSecond: number,
  options: { readonly marginMs?: number; readonly now?: () => number } = {},
): Pacer {
  const { slots, windowMs } = paceWindow(perSecond, options.marginMs ?? 100);
  const window = new RateWindow(slots, windowMs);
  const now = options.now ?? (() => performance.now());
  let queue: Promise<void> = Promise.resolve();

  const takeSlots = async (units: number, signal?: AbortSignal): Promise<void> => {
    for (;;) {
      signal?.throwIfAborted();
      const t = now();
      const wait = window.waitFor(units, t);
      if (wait === 0) {
        window.take(units, t);
        return;
      }
      await sleep(wait, signal);
    }
  };

  return {
    acquire(signal, units = 1) {
      // Chain the callers so that slots are handed out in arrival order.
      const turn = queue.then(() => takeSlots(units, signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

/**
 * The starts within the last window of one rate limit: how much room there is now or later, how
 * long until more fit, and taking them. A cost above the whole window (`units` > `slots`) counts as
 * the whole window.
 *
 * A start is either stamped (taken at a known moment) or open: taken, its moment not known yet (the
 * quota book takes a call's slots before its request leaves the process, and stamps them when it
 * does: see src/aws/quota-book.ts). An open start counts within the window until it is stamped, and
 * then for a window from its stamp, so a slot never frees a window after an earlier moment than the
 * one its request left at, however long the request waited for credentials, signing or a socket.
 * Times only move forward: `t` is never earlier than a `t` seen before; a stamp may be (a request
 * that never left counts from when its slot was taken), and is put in its place among the others.
 */
export class RateWindow {
  /** Stamped start times, sorted, oldest first; those before `first` have left the window. */
  private starts: number[] = [];
  private first = 0;
  /** Open starts: within the window whatever the time, until stamped. */
  private open = 0;
  constructor(
    readonly slots: number,
    readonly windowMs: number,
  ) {}

  /** Slots free at `t`. */
  room(t: number): number {
    return this.slots - this.inWindow(t);
  }

  /**
   * Slots free at `at` (now or later) if nothing more is taken before then: the starts taken so
   * far that are still within the window at `at` count, the older ones do not; open ones count.
   */
  roomAt(at: number): number {
    // The first start still within the window at `at` (binary search: the starts are sorted).
    let low = this.first;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (at - (this.starts[middle] ?? at) >= this.windowMs) low = middle + 1;
      else high = middle;
    }
    return this.slots - (this.starts.length - low) - this.open;
  }

  /**
   * Milliseconds from `t` until `units` more starts fit; 0: they fit now. When an open start must
   * leave first, a window: it is stamped no earlier than `t`, so it leaves no sooner (ask again then).
   */
  waitFor(units: number, t: number): number {
    const taken = this.inWindow(t);
    const wanted = Math.min(units, this.slots);
    if (taken + wanted <= this.slots) return 0;
    const freeAt = this.starts[this.first + taken + wanted - this.slots - 1];
    if (freeAt === undefined) return this.windowMs;
    return Math.max(1, this.windowMs - (t - freeAt));
  }

  /** Takes `units` starts at `t` (call when they fit: waitFor said 0, or room is enough). */
  take(units: number, t: number): void {
    this.hold(units);
    this.stamp(units, t);
  }

  /** Takes `units` open starts (call when they fit), to be stamped later. */
  hold(units: number): void {
    this.open += Math.min(units, this.slots);
  }

  /** Stamps `units` open starts (as many as `hold` took) at `at`. */
  stamp(units: number, at: number): void {
    let n = Math.min(units, this.slots, this.open);
    this.open -= n;
    // Stamps come in time order (a request that left just now goes last), but for a request that
    // never left, which counts from when its slot was taken: it goes in its place.
    const place = at < (this.starts.at(-1) ?? at) ? this.placeOf(at) : this.starts.length;
    if (place < this.starts.length) this.starts.splice(place, 0, ...Array<number>(n).fill(at));
    else for (; n > 0; n -= 1) this.starts.push(at);
  }

  /** Where a start at `at` goes among the starts in the window: after those at or before it. */
  private placeOf(at: number): number {
    let low = this.first;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.starts[middle] ?? at) <= at) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** How many starts are within the window at `t` (open ones included), forgetting the older ones. */
  private inWindow(t: number): number {
    while (this.first < this.starts.length && t - (this.starts[this.first] ?? t) >= this.windowMs) {
      this.first += 1;
    }
    // Drop the forgotten starts once they are most of the array: amortised O(1) per start.
    if (this.first > 32 && this.first * 2 > this.starts.length) {
      this.starts = this.starts.slice(this.first);
      this.first = 0;
    }
    return this.starts.length - this.first + this.open;
  }
}

/** How many starts in how long a window: see createPacer. */
export function paceWindow(perSecond: number, marginMs = 100): { slots: number; windowMs: number } {
  if (Number.isInteger(perSecond)) return { slots: perSecond, windowMs: 1000 + marginMs };
  const slots = Math.ceil(perSecond);
  return { slots, windowMs: (1000 * slots) / perSecond };
}

/** At most `limit` tasks at once. */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      // setTimeout takes at most 2^31 - 1 ms (longer fires at once); the caller's loop waits again.
      Math.min(Math.max(0, ms), 2 ** 31 - 1),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
