// How a fleet's keys take their turns: at most KEYS_AT_WORK at work, a new one only while the quota
// queue is short, one primary Region's key after another's (src/cli/fleet.ts runs them).
import type { QuotaBook } from "../aws/quotas.js";
import type { SelectedKey } from "../core/selection.js";

/** At most this many keys at work at once (their requests being sent); waiting keys do not count. */
export const KEYS_AT_WORK = 128;
/** New keys start only while fewer calls than this wait for a quota slot: the queue stays fed, not flooded. */
export const QUEUE_TARGET = 512;

/**
 * Runs every key of `source`, in the order it gives them (keyQueue's, as a selection finds them):
 * at most KEYS_AT_WORK at work (a key that only waits no longer counts), and a new key only while
 * the quota queue holds fewer than QUEUE_TARGET calls, so that every quota with work stays busy
 * without a queue of thousands. Keys not started when the run is stopped, or after the
 * deadline, are `notStarted`. Results in the order of the keys' ranks (the selection's); nothing of
 * a settled key is kept but its result.
 */
export async function runKeys<T>(
  source: Iterable<SelectedKey> | AsyncIterable<SelectedKey>,
  options: {
    readonly book: QuotaBook;
    readonly signal: AbortSignal;
    /** performance.now() after which no key starts (--timeout): the rest are `notStarted`. */
    readonly deadline?: number;
    readonly atWork?: number;
    readonly queueTarget?: number;
    run(key: SelectedKey, waiting: () => void): Promise<T>;
    settled(rank: number, result: T): void;
    notStarted(key: SelectedKey): T;
  },
): Promise<T[]> {
  const atWork = options.atWork ?? KEYS_AT_WORK;
  const queueTarget = options.queueTarget ?? QUEUE_TARGET;
  const results = new Map<number, T>();
  const settle = (key: SelectedKey, result: T): void => {
    results.set(key.rank, result);
    options.settled(key.rank, result);
  };
  let busy = 0;
  let freed: (() => void) | undefined;
  const running = new Set<Promise<void>>();
  const over = (): boolean =>
    options.signal.aborted || performance.now() >= (options.deadline ?? Number.POSITIVE_INFINITY);
  for await (const key of source) {
    if (over()) {
      settle(key, options.notStarted(key));
      continue;
    }
    while (busy >= atWork && !options.signal.aborted) {
      await new Promise<void>((resolve) => (freed = resolve));
    }
    await options.book.whenWaitingBelow(queueTarget, options.signal).catch(() => undefined);
    if (over()) {
      settle(key, options.notStarted(key));
      continue;
    }
    busy += 1;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      busy -= 1;
      const wake = freed;
      freed = undefined;
      wake?.();
    };
    const task = options
      .run(key, release)
      .then((result) => settle(key, result))
      .finally(() => {
        release();
        running.delete(task);
      });
    running.add(task);
    // Let this key's first calls reach the quota queue before the next key is considered.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(running);
  return [...results].sort(([a], [b]) => a - b).map(([, result]) => result);
}

/**
 * Keys as a selection finds them, for runKeys to take: one of each primary Region in turn among the
 * keys waiting (each Region's in the order found). Every primary Region has its own ReplicateKey
 * quota, while the replica Regions' CreateKey quotas are shared; first come first served there would
 * otherwise hand their windows to the Region whose keys were found first (the fastest to answer),
 * and leave the other primaries' quotas idle until its keys are done (measured: 10 s of sending
 * instead of 8 for 4 × 50 keys).
 */
export function keyQueue(): AsyncIterable<SelectedKey> & {
  push(key: SelectedKey): void;
  end(): void;
} {
  const byRegion = new Map<string, SelectedKey[]>();
  let turn = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const next = wake;
    wake = undefined;
    next?.();
  };
  const next = (): SelectedKey | undefined => {
    const lists = [...byRegion.values()];
    for (let i = 0; i < lists.length; i += 1) {
      const key = lists[(turn + i) % lists.length]?.shift();
      if (key !== undefined) {
        turn = (turn + i + 1) % lists.length;
        return key;
      }
    }
    return undefined;
  };
  return {
    push(key) {
      const list = byRegion.get(key.primary.region) ?? [];
      list.push(key);
      byRegion.set(key.primary.region, list);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const key = next();
        if (key !== undefined) yield key;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
