// Client-side pacing: one rate limiter (src/quotas.ts keeps one per KMS quota and Region). We stay
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
  const now = options.now ?? (() => performance.now());
  const starts: number[] = [];
  let queue: Promise<void> = Promise.resolve();

  /** `units` slots at once (a cost above the whole window's slots is taken a window at a time). */
  const takeSlots = async (units: number, signal?: AbortSignal): Promise<void> => {
    let left = units;
    while (left > 0) {
      signal?.throwIfAborted();
      const t = now();
      while (starts.length > 0 && t - (starts[0] ?? t) >= windowMs) starts.shift();
      const wanted = Math.min(left, slots);
      if (starts.length + wanted <= slots) {
        for (let i = 0; i < wanted; i += 1) starts.push(t);
        left -= wanted;
        continue;
      }
      const freeAt = starts[starts.length + wanted - slots - 1] ?? t;
      await sleep(windowMs - (t - freeAt), signal);
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
