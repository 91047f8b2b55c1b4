// How a fleet's keys take their turns (src/cli/schedule.ts): a bounded number at work, a new one
// only while the quota queue is short, one primary Region's key after another's.
import { describe, expect, it } from "vitest";
import { keyQueue, QUEUE_TARGET, runKeys } from "../../../src/cli/schedule.js";
import { createQuotaBook } from "../../../src/aws/quota-book.js";
import type { QuotaBook } from "../../../src/aws/quotas.js";
import type { SelectedKey } from "../../../src/core/selection.js";
import { PRIMARY } from "../../support/fixtures.js";

const key = (n: number): SelectedKey => ({
  given: `key-${n}`,
  rank: n,
  primary: { ...PRIMARY, keyId: `mrk-${n}`, arn: `${PRIMARY.arn}-${n}` },
});
const idle: QuotaBook = createQuotaBook();
const tick = (ms = 1): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("runKeys", () => {
  it("keeps at most `atWork` keys at work, and returns every result in the order of the keys", async () => {
    // GIVEN 20 keys that each take a few ms, later ones faster
    const keys = Array.from({ length: 20 }, (_, i) => key(i));
    let busy = 0;
    let most = 0;
    // WHEN
    const results = await runKeys(keys, {
      book: idle,
      signal: new AbortController().signal,
      atWork: 3,
      run: async (k) => {
        const index = k.rank;
        busy += 1;
        most = Math.max(most, busy);
        await tick(20 - index);
        busy -= 1;
        return k.given;
      },
      settled: () => undefined,
      notStarted: () => "not started",
    });
    // THEN
    expect(most).toBe(3);
    expect(results).toEqual(keys.map((k) => k.given));
  });

  it("starts the next key as soon as one only waits (`waiting`), not when it ends", async () => {
    // GIVEN keys that send at once and then wait 50 ms, one at work at a time
    const keys = Array.from({ length: 5 }, (_, i) => key(i));
    const t0 = performance.now();
    // WHEN
    await runKeys(keys, {
      book: idle,
      signal: new AbortController().signal,
      atWork: 1,
      run: async (k, waiting) => {
        waiting();
        await tick(50);
        return k.given;
      },
      settled: () => undefined,
      notStarted: () => "",
    });
    // THEN the waits overlap: far less than 5 × 50 ms
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it("starts no key after the deadline, and none after Ctrl-C: they are `notStarted`", async () => {
    // GIVEN
    const keys = Array.from({ length: 6 }, (_, i) => key(i));
    const controller = new AbortController();
    const started: number[] = [];
    // WHEN the third key's work stops the run
    const results = await runKeys(keys, {
      book: idle,
      signal: controller.signal,
      atWork: 1,
      run: async (k) => {
        const index = k.rank;
        started.push(index);
        if (index === 2) controller.abort();
        await tick();
        return `done ${k.given}`;
      },
      settled: () => undefined,
      notStarted: (k) => `not started ${k.given}`,
    });
    // THEN
    expect(started).toEqual([0, 1, 2]);
    expect(results.slice(3)).toEqual(["not started key-3", "not started key-4", "not started key-5"]);

    // GIVEN a deadline already past
    const late = await runKeys(keys.slice(0, 2), {
      book: idle,
      signal: new AbortController().signal,
      deadline: performance.now() - 1,
      run: () => Promise.resolve("ran"),
      settled: () => undefined,
      notStarted: () => "late",
    });
    // THEN
    expect(late).toEqual(["late", "late"]);
  });

  it("holds new keys back while the quota queue is full", async () => {
    // GIVEN a book whose queue is full until released
    let release: (() => void) | undefined;
    const full = new Promise<void>((resolve) => (release = resolve));
    const book: QuotaBook = { ...idle, whenWaitingBelow: () => full };
    const started: string[] = [];
    // WHEN
    const run = runKeys([key(1), key(2)], {
      book,
      signal: new AbortController().signal,
      run: (k) => {
        started.push(k.given);
        return Promise.resolve(k.given);
      },
      settled: () => undefined,
      notStarted: () => "",
    });
    await tick(10);
    // THEN
    expect(started).toEqual([]);
    release?.();
    await run;
    expect(started).toEqual(["key-1", "key-2"]);
  });

  it("takes keys as an async source gives them (a selection that streams), results by rank", async () => {
    // GIVEN keys found one after another, the later ones with lower ranks
    async function* found(): AsyncGenerator<SelectedKey> {
      for (const n of [3, 1, 2]) {
        await tick(5);
        yield key(n);
      }
    }
    const started: string[] = [];
    // WHEN
    const results = await runKeys(found(), {
      book: idle,
      signal: new AbortController().signal,
      run: (k) => {
        started.push(k.given);
        return Promise.resolve(k.given);
      },
      settled: () => undefined,
      notStarted: () => "",
    });
    // THEN each started as it came; the results in the selection's order
    expect(started).toEqual(["key-3", "key-1", "key-2"]);
    expect(results).toEqual(["key-1", "key-2", "key-3"]);
  });

  it("tells each settled key as it settles", async () => {
    // GIVEN
    const seen: [number, string][] = [];
    // WHEN
    await runKeys([key(1), key(2)], {
      book: idle,
      signal: new AbortController().signal,
      run: async (k) => {
        const index = k.rank;
        await tick(index === 1 ? 20 : 1);
        return k.given;
      },
      settled: (index, result) => seen.push([index, result]),
      notStarted: () => "",
    });
    // THEN the faster second key first
    expect(seen).toEqual([
      [2, "key-2"],
      [1, "key-1"],
    ]);
  });
});

describe("runKeys: the places at work", () => {
  it("counts only the first `waiting` of a key: a second one frees no other place", async () => {
    // GIVEN one place; key 0 says it waits twice, then waits; keys 1 and 2 work without waiting
    const keys = [key(0), key(1), key(2)];
    let working = 0;
    let most = 0;
    // WHEN
    await runKeys(keys, {
      book: idle,
      signal: new AbortController().signal,
      atWork: 1,
      run: async (k, waiting) => {
        if (k.rank === 0) {
          waiting();
          waiting();
          await tick(60);
          return k.given;
        }
        working += 1;
        most = Math.max(most, working);
        await tick(20);
        working -= 1;
        return k.given;
      },
      settled: () => undefined,
      notStarted: () => "",
    });
    // THEN keys 1 and 2 took the one place in turn
    expect(most).toBe(1);
  });

  it("asks the quota book for a queue below QUEUE_TARGET before each key, or the target given", async () => {
    // GIVEN a book that records what it is asked
    const asked: number[] = [];
    const book: QuotaBook = {
      ...idle,
      whenWaitingBelow: (target) => {
        asked.push(target);
        return Promise.resolve();
      },
    };
    const run = (queueTarget?: number): Promise<string[]> =>
      runKeys([key(1), key(2)], {
        book,
        signal: new AbortController().signal,
        ...(queueTarget !== undefined ? { queueTarget } : {}),
        run: (k) => Promise.resolve(k.given),
        settled: () => undefined,
        notStarted: () => "",
      });
    // WHEN
    await run();
    await run(7);
    // THEN
    expect(asked).toEqual([QUEUE_TARGET, QUEUE_TARGET, 7, 7]);
  });
});

describe("keyQueue", () => {
  const inRegion = (n: number, region: string): SelectedKey => ({
    given: `key-${n}`,
    rank: n,
    primary: { ...PRIMARY, region, arn: `${PRIMARY.arn}-${n}` },
  });
  async function drain(queue: AsyncIterable<SelectedKey>): Promise<number[]> {
    const out: number[] = [];
    for await (const k of queue) out.push(k.rank);
    return out;
  }

  it("gives one key of each primary Region in turn, each Region's keys in the order pushed", async () => {
    // GIVEN keys 0–4 in us-east-1, 5–6 in us-west-2, 7 in eu-west-1
    const queue = keyQueue();
    for (const n of [0, 1, 2, 3, 4]) queue.push(inRegion(n, "us-east-1"));
    for (const n of [5, 6]) queue.push(inRegion(n, "us-west-2"));
    queue.push(inRegion(7, "eu-west-1"));
    queue.end();
    // WHEN / THEN
    expect(await drain(queue)).toEqual([0, 5, 7, 1, 6, 2, 3, 4]);
  });

  it("waits for keys pushed later, and ends when told", async () => {
    // GIVEN
    const queue = keyQueue();
    const drained = drain(queue);
    // WHEN keys come while it is read
    queue.push(key(1));
    await tick(5);
    queue.push(key(2));
    queue.end();
    // THEN
    expect(await drained).toEqual([1, 2]);
  });
});
