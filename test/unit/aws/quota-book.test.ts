import { afterEach, beforeEach, describe, it, expect, vi } from "vitest";
import { costOf, type QuotaBook, type QuotaCost } from "../../../src/aws/quotas.js";
import { createQuotaBook } from "../../../src/aws/quota-book.js";

describe("createQuotaBook", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Start times (ms from t0) of `n` acquisitions of `costs`, all asked for at once. */
  async function starts(
    book: ReturnType<typeof createQuotaBook>,
    calls: readonly Readonly<Parameters<typeof costOf>>[],
  ): Promise<number[]> {
    const t0 = Date.now();
    const out: number[] = [];
    const all = calls.map((args, i) =>
      book.acquire(costOf(...args)).then(() => {
        out[i] = Date.now() - t0;
      }),
    );
    await vi.advanceTimersByTimeAsync(20_000);
    await Promise.all(all);
    return out;
  }

  it("lets one replica Region take at most 2.5 ReplicateKey per second (2 CreateKey each, 5/s)", async () => {
    // GIVEN 10 primaries in 10 Regions replicating into eu-west-1 at once
    const book = createQuotaBook({ now: () => Date.now() });
    const calls = Array.from(
      { length: 10 },
      (_, i) => ["ReplicateKey", `us-east-${i + 1}`, "eu-west-1"] as const,
    );
    // WHEN
    const at = await starts(book, calls);
    // THEN no 1.1 s window holds more than 5 CreateKey units (2 calls and a half): 3 starts span ≥ 1.1 s
    const sorted = [...at].sort((a, b) => a - b);
    for (let i = 0; i + 3 < sorted.length; i += 1) {
      expect((sorted[i + 3] ?? 0) - (sorted[i] ?? 0)).toBeGreaterThanOrEqual(1_100);
    }
    // …and it is not slower than it must be: 10 calls are 20 units, 4 windows
    expect(sorted[9]).toBeLessThanOrEqual(4 * 1_100 + 50);
  });

  it("keeps Regions apart: ReplicateKey into 5 Regions from one primary all start at once", async () => {
    // GIVEN
    const book = createQuotaBook({ now: () => Date.now() });
    const calls = ["eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1"].map(
      (target) => ["ReplicateKey", "us-east-1", target] as const,
    );
    // WHEN
    const at = await starts(book, calls);
    // THEN
    expect(at).toEqual([0, 0, 0, 0, 0]);
  });

  it("honours an override (an account with a raised quota)", async () => {
    // GIVEN ReplicateKey raised to 10/s
    const book = createQuotaBook({ now: () => Date.now(), overrides: { ReplicateKey: 10 } });
    const calls = Array.from(
      { length: 10 },
      (_, i) => ["ReplicateKey", "us-east-1", `eu-west-${i + 1}`] as const,
    );
    // WHEN
    const at = await starts(book, calls);
    // THEN
    expect(book.rateOf("ReplicateKey")).toBe(10);
    expect(at.every((t) => t === 0)).toBe(true);
  });

  it("GetParametersForImport: one per second per Region", async () => {
    // GIVEN
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    // WHEN
    const at = await starts(book, [
      ["GetParametersForImport", "eu-west-1"],
      ["GetParametersForImport", "eu-west-1"],
      ["GetParametersForImport", "ap-southeast-2"],
    ]);
    // THEN
    expect(at).toEqual([0, 1_000, 0]);
  });

  it("takes an attempt's costs together: a call waiting for ReplicateKey holds no CreateKey slot", async () => {
    // GIVEN ReplicateKey at 1/s: A goes at once, B (same primary) must wait a second for its slot
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0, overrides: { ReplicateKey: 1 } });
    const t0 = Date.now();
    const at: Record<string, number> = {};
    const mark = (name: string) => () => {
      at[name] = Date.now() - t0;
    };
    const a = book.acquire(costOf("ReplicateKey", "us-east-1", "eu-west-1")).then(mark("A"));
    const b = book.acquire(costOf("ReplicateKey", "us-east-1", "eu-west-1")).then(mark("B"));
    // WHEN another caller needs the 3 CreateKey slots A left free in eu-west-1
    const c = book.acquire([{ name: "CreateKey", region: "eu-west-1", units: 3 }]).then(mark("C"));
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all([a, b, c]);
    // THEN C got them at once (B took none while it waited), and B went when its second came
    expect(at).toEqual({ A: 0, C: 0, B: 1_000 });
  });
});

describe("createQuotaBook's scheduler", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  interface Grant {
    readonly at: number;
    readonly costs: readonly QuotaCost[];
  }

  /** Every acquisition of `calls`, all asked for at once: when each was granted (ms from t0), in grant order. */
  async function grants(book: QuotaBook, calls: readonly (readonly QuotaCost[])[]): Promise<Grant[]> {
    const t0 = Date.now();
    const out: Grant[] = [];
    const all = calls.map((costs) =>
      book.acquire(costs).then(() => {
        out.push({ at: Date.now() - t0, costs });
      }),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(all);
    return out;
  }

  const bucketOf = (cost: QuotaCost): string => `${cost.name} ${cost.region}`;

  /** Units of `bucket` started within the window that ends at `t`: starts in (t - windowMs, t]. */
  function usage(all: readonly Grant[], bucket: string, t: number, windowMs: number): number {
    let units = 0;
    for (const grant of all) {
      if (grant.at > t || t - grant.at >= windowMs) continue;
      for (const cost of grant.costs) if (bucketOf(cost) === bucket) units += cost.units;
    }
    return units;
  }

  it("uses every bucket's rate and never exceeds it: 4 primaries × 25 keys into the same 5 Regions", async () => {
    // GIVEN 500 ReplicateKeys asked for at once, quotas of 50 per 1 s window (no margin, for exactness)
    const windowMs = 1_000;
    const quota = 50;
    const book = createQuotaBook({
      now: () => Date.now(),
      marginMs: 0,
      overrides: { ReplicateKey: quota, CreateKey: quota },
    });
    const primaries = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"];
    const replicas = ["eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1"];
    const calls = primaries.flatMap((primary) =>
      Array.from({ length: 25 }, () =>
        replicas.map((replica) => costOf("ReplicateKey", primary, replica)),
      ).flat(),
    );
    // WHEN
    const all = await grants(book, calls);
    // THEN every attempt started
    expect(all).toHaveLength(500);
    const units = new Map<string, number>();
    for (const cost of calls.flat()) units.set(bucketOf(cost), (units.get(bucketOf(cost)) ?? 0) + cost.units);
    const starts = [...new Set(all.map((grant) => grant.at))];
    // (a) no window of any bucket holds more than its quota (the most any window holds is at a start)
    for (const bucket of units.keys()) {
      for (const t of starts) expect(usage(all, bucket, t, windowMs)).toBeLessThanOrEqual(quota);
    }
    // (b) the last start is within one window of the bound set by the busiest bucket: 200 CreateKey
    // units per replica Region at 50 a second are 4 s of quota, so the last start is at 3 s
    const bound = Math.max(...[...units.values()].map((n) => (n / quota) * windowMs));
    const last = Math.max(...starts);
    expect(bound).toBe(4_000);
    expect(last).toBeLessThanOrEqual(bound);
    expect(last).toBeGreaterThanOrEqual(bound - windowMs);
    // (c) no attempt waited while all its buckets had room: at every moment the usage changed
    // before it started (a start, or a start leaving the window), one of its buckets was full
    const moments = [...new Set([0, ...starts, ...starts.map((t) => t + windowMs)])];
    for (const grant of all) {
      for (const t of moments.filter((m) => m < grant.at)) {
        const someFull = grant.costs.some(
          (cost) => usage(all, bucketOf(cost), t, windowMs) + cost.units > quota,
        );
        expect(someFull, `waited at ${t} ms with room in every bucket`).toBe(true);
      }
    }
  });

  it("does not let a waiter stuck on a full bucket delay a later one that needs other buckets", async () => {
    // GIVEN CreateKey eu-west-1 has 1 slot of 5 left, and a ReplicateKey into it needs 2
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    await book.acquire([{ name: "CreateKey", region: "eu-west-1", units: 4 }]);
    const t0 = Date.now();
    const order: string[] = [];
    const at: Record<string, number> = {};
    const mark = (name: string) => () => {
      order.push(name);
      at[name] = Date.now() - t0;
    };
    const first = book.acquire(costOf("ReplicateKey", "us-east-1", "eu-west-1")).then(mark("first"));
    // WHEN a later waiter needs only the primary's ReplicateKey (which has room), and another one
    // needs the one CreateKey slot of eu-west-1 that the first waiter is waiting for
    const other = book.acquire(costOf("ReplicateKey", "us-east-1", "eu-west-2")).then(mark("other Region"));
    const same = book.acquire(costOf("CreateKey", "eu-west-1")).then(mark("same bucket"));
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all([first, other, same]);
    // THEN the one for other buckets went at once, and the one for the same bucket did not overtake
    // the first waiter there: both went when the window moved on, the first one first
    expect(at).toEqual({ "other Region": 0, first: 1_000, "same bucket": 1_000 });
    expect(order).toEqual(["other Region", "first", "same bucket"]);
  });

  it("does not starve the oldest waiter when later traffic fills each of its buckets in turn", async () => {
    // GIVEN UpdatePrimaryRegion at 1 a second: us-east-1 taken at 0 ms, eu-west-1 at 500 ms
    const book = createQuotaBook({
      now: () => Date.now(),
      marginMs: 0,
      overrides: { UpdatePrimaryRegion: 1 },
    });
    const t0 = Date.now();
    await book.acquire(costOf("UpdatePrimaryRegion", "us-east-1"));
    await vi.advanceTimersByTimeAsync(500);
    await book.acquire(costOf("UpdatePrimaryRegion", "eu-west-1"));
    const at: Record<string, number> = {};
    const mark = (name: string) => () => {
      at[name] = Date.now() - t0;
    };
    // WHEN a call that needs both waits, and later calls want each Region on its own
    const both = book.acquire(costOf("UpdatePrimaryRegion", "us-east-1", "eu-west-1")).then(mark("both"));
    const east = book.acquire(costOf("UpdatePrimaryRegion", "us-east-1")).then(mark("us-east-1"));
    const west = book.acquire(costOf("UpdatePrimaryRegion", "eu-west-1")).then(mark("eu-west-1"));
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all([both, east, west]);
    // THEN us-east-1's slot, free at 1 s, was kept for the older call, which went when eu-west-1's
    // came at 1.5 s (a later call taking it would have pushed the older one out again and again)
    expect(at).toEqual({ both: 1_500, "us-east-1": 2_500, "eu-west-1": 2_500 });
  });

  it("lets a waiter held behind an earlier one go as soon as that one no longer waits for the bucket", async () => {
    // GIVEN ReplicateKey at 1 a second, taken at 500 ms; CreateKey eu-west-1 has 1 slot of 5 until 1 s
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0, overrides: { ReplicateKey: 1 } });
    const t0 = Date.now();
    await book.acquire([{ name: "CreateKey", region: "eu-west-1", units: 4 }]);
    await vi.advanceTimersByTimeAsync(500);
    await book.acquire(costOf("ReplicateKey", "us-east-1", "eu-west-2"));
    const at: Record<string, number> = {};
    const mark = (name: string) => () => {
      at[name] = Date.now() - t0;
    };
    // WHEN a ReplicateKey into eu-west-1 waits for both (2 CreateKey there; its ReplicateKey slot at
    // 1.5 s), and a later CreateKey there waits behind it
    const replicate = book
      .acquire(costOf("ReplicateKey", "us-east-1", "eu-west-1"))
      .then(mark("ReplicateKey"));
    const create = book.acquire(costOf("CreateKey", "eu-west-1")).then(mark("CreateKey"));
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all([replicate, create]);
    // THEN the CreateKey went at 1 s, when eu-west-1 had room for both, not when the other could go
    expect(at).toEqual({ CreateKey: 1_000, ReplicateKey: 1_500 });
  });

  it("keeps at most the in-flight cap per Region, and lets the next one go at the release", async () => {
    // GIVEN at most 2 ReplicateKeys in flight per Region
    const book = createQuotaBook({ now: () => Date.now(), inFlight: { ReplicateKey: 2 } });
    const slot = (region: string) => ({ inFlight: { name: "ReplicateKey", region } }) as const;
    const replicate = (primary: string, replica: string) =>
      book.acquire(costOf("ReplicateKey", primary, replica), undefined, slot(primary));
    const releaseA = await replicate("us-east-1", "eu-west-1");
    const releaseB = await replicate("us-east-1", "eu-west-2");
    let third: (() => void) | undefined;
    void replicate("us-east-1", "eu-west-3").then((release) => (third = release));
    // WHEN another Region asks, and time passes
    const elsewhere = await replicate("us-west-2", "eu-west-1");
    await vi.advanceTimersByTimeAsync(5_000);
    // THEN the third of us-east-1 still waits, the other Region did not
    expect(third).toBeUndefined();
    expect(book.waiting()).toBe(1);
    expect(elsewhere).toBeTypeOf("function");
    // WHEN one of the two ends
    releaseA();
    await vi.advanceTimersByTimeAsync(0);
    // THEN the third goes at once
    expect(third).toBeTypeOf("function");
    expect(book.waiting()).toBe(0);
    // WHEN the same attempt is released again, and a fourth asks
    releaseA();
    let fourth: (() => void) | undefined;
    void replicate("us-east-1", "eu-north-1").then((release) => (fourth = release));
    await vi.advanceTimersByTimeAsync(5_000);
    // THEN the second release counted for nothing: B and the third are still in flight
    expect(fourth).toBeUndefined();
    releaseB();
    await vi.advanceTimersByTimeAsync(0);
    expect(fourth).toBeTypeOf("function");
  });

  it("ignores the in-flight key of an operation without a cap", async () => {
    // GIVEN a cap on ReplicateKey only
    const book = createQuotaBook({ now: () => Date.now(), inFlight: { ReplicateKey: 1 } });
    const slot = { inFlight: { name: "DescribeKey", region: "us-east-1" } } as const;
    // WHEN three DescribeKeys are in flight at once / THEN none waits
    await book.acquire(costOf("DescribeKey", "us-east-1"), undefined, slot);
    await book.acquire(costOf("DescribeKey", "us-east-1"), undefined, slot);
    await expect(book.acquire(costOf("DescribeKey", "us-east-1"), undefined, slot)).resolves.toBeTypeOf(
      "function",
    );
  });

  it("rejects a waiter whose signal aborts with the signal's reason, and takes nothing for it", async () => {
    // GIVEN one GetParametersForImport a second, the slot taken, and two waiters
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    const t0 = Date.now();
    await book.acquire(costOf("GetParametersForImport", "eu-west-1"));
    const controller = new AbortController();
    const aborted = book.acquire(costOf("GetParametersForImport", "eu-west-1"), controller.signal);
    const outcome = aborted.then(
      () => "granted",
      (error: unknown) => error,
    );
    const at: number[] = [];
    const next = book
      .acquire(costOf("GetParametersForImport", "eu-west-1"))
      .then(() => at.push(Date.now() - t0));
    const after = book
      .acquire(costOf("GetParametersForImport", "eu-west-1"))
      .then(() => at.push(Date.now() - t0));
    await vi.advanceTimersByTimeAsync(0);
    expect(book.waiting()).toBe(3);
    // WHEN the first waiter is interrupted
    const reason = new Error("stopped by the user");
    controller.abort(reason);
    // THEN it rejects with that reason and no longer counts
    expect(await outcome).toBe(reason);
    expect(book.waiting()).toBe(2);
    // …and it took no slot: the others go at 1 s and 2 s, as if it had never asked
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all([next, after]);
    expect(at).toEqual([1_000, 2_000]);
  });

  it("lets the waiters an aborted one held up go at once", async () => {
    // GIVEN CreateKey eu-west-1 has 1 slot of 5 left: a ReplicateKey into it (2 CreateKey) waits,
    // and a later CreateKey that would fit waits behind it
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    await book.acquire([{ name: "CreateKey", region: "eu-west-1", units: 4 }]);
    const t0 = Date.now();
    const controller = new AbortController();
    const replicate = book.acquire(costOf("ReplicateKey", "us-east-1", "eu-west-1"), controller.signal);
    replicate.catch(() => undefined);
    let created: number | undefined;
    void book.acquire(costOf("CreateKey", "eu-west-1")).then(() => (created = Date.now() - t0));
    await vi.advanceTimersByTimeAsync(300);
    expect(created).toBeUndefined();
    // WHEN the ReplicateKey is interrupted
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    // THEN the CreateKey takes the free slot there and then, not when the window moves on
    expect(created).toBe(300);
  });

  it("drops a write whose deadline passes while it waits: rejected with the deadline's error, nothing taken", async () => {
    // GIVEN one GetParametersForImport a second, the slot taken; a waiter with a deadline 400 ms
    // away, and one without behind it
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    const t0 = Date.now();
    await book.acquire(costOf("GetParametersForImport", "eu-west-1"));
    const late = new Error("--timeout ran out");
    const dropped = book
      .acquire(costOf("GetParametersForImport", "eu-west-1"), undefined, {
        deadline: { at: t0 + 400, expired: () => late },
      })
      .then(
        () => `granted at ${Date.now() - t0}`,
        (error: unknown) => ({ error, at: Date.now() - t0 }),
      );
    let next: number | undefined;
    void book.acquire(costOf("GetParametersForImport", "eu-west-1")).then(() => (next = Date.now() - t0));
    await vi.advanceTimersByTimeAsync(0);
    expect(book.waiting()).toBe(2);
    // WHEN the deadline passes while it waits
    await vi.advanceTimersByTimeAsync(400);
    // THEN it is rejected at the deadline with the deadline's error, and no longer waits
    expect(await dropped).toEqual({ error: late, at: 400 });
    expect(book.waiting()).toBe(1);
    // …and it took no slot: the next one goes at 1 s, as if it had never asked
    await vi.advanceTimersByTimeAsync(2_000);
    expect(next).toBe(1_000);
  });

  it("refuses a write at once when its deadline has passed, even with room", async () => {
    // GIVEN a book with room, and a deadline already past
    const book = createQuotaBook({ now: () => Date.now() });
    const late = new Error("--timeout ran out");
    // WHEN / THEN
    await expect(
      book.acquire(costOf("TagResource", "eu-west-1"), undefined, {
        deadline: { at: Date.now(), expired: () => late },
      }),
    ).rejects.toBe(late);
    expect(book.waiting()).toBe(0);
    // …and the slot it would have taken is still there: 10 TagResource go at once
    const t0 = Date.now();
    const at: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, () =>
        book.acquire(costOf("TagResource", "eu-west-1")).then(() => at.push(Date.now() - t0)),
      ),
    );
    expect(at).toEqual(Array.from({ length: 10 }, () => 0));
  });

  it("grants a write that gets its slot before its deadline", async () => {
    // GIVEN the slot taken, and a waiter whose deadline is after the slot frees
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    const t0 = Date.now();
    await book.acquire(costOf("GetParametersForImport", "eu-west-1"));
    const granted = book
      .acquire(costOf("GetParametersForImport", "eu-west-1"), undefined, {
        deadline: { at: t0 + 1_500, expired: () => new Error("late") },
      })
      .then(() => Date.now() - t0);
    // WHEN the slot frees at 1 s
    await vi.advanceTimersByTimeAsync(2_000);
    // THEN it goes then
    expect(await granted).toBe(1_000);
  });

  it("rejects at once when the signal is already aborted", async () => {
    // GIVEN
    const book = createQuotaBook({ now: () => Date.now() });
    // WHEN / THEN
    await expect(book.acquire(costOf("DescribeKey", "eu-west-1"), AbortSignal.abort())).rejects.toMatchObject(
      {
        name: "AbortError",
      },
    );
    expect(book.waiting()).toBe(0);
  });

  it("counts the waiters, and says when fewer than n wait", async () => {
    // GIVEN one GetParametersForImport a second, and 6 asked for at once: one goes, 5 wait
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    const t0 = Date.now();
    const all = Array.from({ length: 6 }, () => book.acquire(costOf("GetParametersForImport", "eu-west-1")));
    await vi.advanceTimersByTimeAsync(0);
    expect(book.waiting()).toBe(5);
    // WHEN someone waits for fewer than 3 waiters, and someone for fewer than 10
    let belowThree: number | undefined;
    void book.whenWaitingBelow(3).then(() => (belowThree = Date.now() - t0));
    await expect(book.whenWaitingBelow(10)).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    // THEN the first resolved when the third waiter went (5 → 4 → 3 → 2), the second at once
    expect(belowThree).toBe(3_000);
    expect(book.waiting()).toBe(0);
  });

  it("rejects whenWaitingBelow on abort", async () => {
    // GIVEN a waiter
    const book = createQuotaBook({ now: () => Date.now() });
    await book.acquire(costOf("GetParametersForImport", "eu-west-1"));
    const waiter = book.acquire(costOf("GetParametersForImport", "eu-west-1"));
    await vi.advanceTimersByTimeAsync(0);
    const controller = new AbortController();
    const below = book.whenWaitingBelow(1, controller.signal);
    // WHEN
    controller.abort();
    // THEN
    await expect(below).rejects.toMatchObject({ name: "AbortError" });
    await vi.advanceTimersByTimeAsync(5_000);
    await waiter;
  });

  it("keeps one timer for the whole book, however many wait, and none once no one does", async () => {
    // GIVEN one GetParametersForImport a second, the slot taken
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    await book.acquire(costOf("GetParametersForImport", "eu-west-1"));
    // WHEN 200 more wait for it
    const all = Array.from({ length: 200 }, () =>
      book.acquire(costOf("GetParametersForImport", "eu-west-1")),
    );
    await vi.advanceTimersByTimeAsync(0);
    // THEN one timer, not 200, also while they are served one by one
    expect(book.waiting()).toBe(200);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100_500);
    expect(book.waiting()).toBe(100);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100_000);
    await Promise.all(all);
    expect(book.waiting()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("createQuotaBook: maxInFlight", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("caps attempts in flight in the whole process, whatever the operation and Region", async () => {
    // GIVEN at most 2 in flight in all
    const book = createQuotaBook({ now: () => Date.now(), maxInFlight: 2 });
    const granted: string[] = [];
    const ask = (operation: string, region: string) =>
      book.acquire(costOf(operation, region)).then((release) => {
        granted.push(`${operation} ${region}`);
        return release;
      });
    // WHEN four different calls are asked for at once
    const first = ask("DescribeKey", "eu-west-1");
    const second = ask("TagResource", "ap-southeast-2");
    void ask("DescribeKey", "sa-east-1");
    void ask("ListKeys", "us-east-1");
    await vi.advanceTimersByTimeAsync(10);
    // THEN two go, the others wait for a release, then go in order
    expect(granted).toEqual(["DescribeKey eu-west-1", "TagResource ap-southeast-2"]);
    expect(book.waiting()).toBe(2);
    (await first)();
    await vi.advanceTimersByTimeAsync(10);
    expect(granted).toEqual(["DescribeKey eu-west-1", "TagResource ap-southeast-2", "DescribeKey sa-east-1"]);
    (await second)();
    await vi.advanceTimersByTimeAsync(10);
    expect(granted).toHaveLength(4);
    expect(book.waiting()).toBe(0);
  });
});

describe("createQuotaBook: starts counted from when the request left (countFromSent)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const FROM_SENT = { countFromSent: true } as const;

  /** `n` acquisitions of `costs`, asked for at once: the grant times (ms from t0) as they come, and the releases. */
  function ask(book: QuotaBook, costs: readonly QuotaCost[], n: number) {
    const t0 = Date.now();
    const at: number[] = [];
    const releases = Array.from({ length: n }, () =>
      book.acquire(costs, undefined, FROM_SENT).then((release) => {
        at.push(Date.now() - t0);
        return release;
      }),
    );
    return { at, releases };
  }

  it("a slow-to-leave first batch does not free its slots early: they free a window after it left", async () => {
    // GIVEN ReplicateKey 3/s (3 per 1.1 s) and 6 asked for at once; the first 3 leave 400 ms late
    const book = createQuotaBook({ now: () => Date.now(), overrides: { ReplicateKey: 3 } });
    const { at, releases } = ask(book, costOf("ReplicateKey", "us-east-1"), 6);
    await vi.advanceTimersByTimeAsync(400);
    expect(at).toEqual([0, 0, 0]);
    for (const release of await Promise.all(releases.slice(0, 3))) release.sent?.();
    // WHEN time passes to a window after the grant
    await vi.advanceTimersByTimeAsync(700);
    // THEN the next 3 still wait (counted from the grant, they would have gone at 1.1 s)…
    expect(at).toEqual([0, 0, 0]);
    // …and go a window after the first ones left
    await vi.advanceTimersByTimeAsync(400);
    expect(at).toEqual([0, 0, 0, 1_500, 1_500, 1_500]);
  });

  it("holds both costs of a ReplicateKey open: its 2 CreateKey in the replica Region count from when it left", async () => {
    // GIVEN CreateKey 2/s (one ReplicateKey into eu-west-1 per 1.1 s), two primaries replicating there
    const book = createQuotaBook({ now: () => Date.now(), overrides: { CreateKey: 2 } });
    const first = ask(book, costOf("ReplicateKey", "us-east-1", "eu-west-1"), 1);
    const second = ask(book, costOf("ReplicateKey", "us-west-2", "eu-west-1"), 1);
    await vi.advanceTimersByTimeAsync(300);
    // WHEN the first leaves at 300 ms
    (await first.releases[0])?.sent?.();
    await vi.advanceTimersByTimeAsync(5_000);
    // THEN the second went a window after that, not after the grant
    expect(first.at).toEqual([0]);
    expect(second.at).toEqual([1_400]);
  });

  it("an attempt that never left counts from its grant; the release lets a waiter go when that frees room", async () => {
    // GIVEN ReplicateKey 3/s: 3 granted at 0 ms, 3 more asked for at 500 ms
    const book = createQuotaBook({ now: () => Date.now(), overrides: { ReplicateKey: 3 } });
    const costs = costOf("ReplicateKey", "us-east-1");
    const first = ask(book, costs, 3);
    await vi.advanceTimersByTimeAsync(500);
    const later = ask(book, costs, 3);
    await vi.advanceTimersByTimeAsync(100);
    // WHEN the first 3 end at 600 ms without having left (refused at the deadline, aborted)
    for (const release of await Promise.all(first.releases)) release();
    await vi.advanceTimersByTimeAsync(5_000);
    // THEN their slots freed a window after their grant (1.1 s: the later ones waited 600 ms)
    expect(later.at).toEqual([600, 600, 600]);
  });

  it("counts a start once: a second sent(), or one after the release, changes nothing", async () => {
    // GIVEN ReplicateKey 1/s; the first leaves at 0 ms, and says so again at 800 ms
    const book = createQuotaBook({ now: () => Date.now(), overrides: { ReplicateKey: 1 } });
    const costs = costOf("ReplicateKey", "us-east-1");
    const release = await book.acquire(costs, undefined, FROM_SENT);
    release.sent?.();
    const next = ask(book, costs, 1);
    await vi.advanceTimersByTimeAsync(800);
    release.sent?.();
    release();
    release.sent?.();
    // WHEN / THEN the next one went a window after 0 ms
    await vi.advanceTimersByTimeAsync(5_000);
    expect(next.at).toEqual([1_100]);
  });

  it("without countFromSent, a start counts from its grant, as before", async () => {
    // GIVEN ReplicateKey 3/s, 6 asked for at once, none told to have left
    const book = createQuotaBook({ now: () => Date.now(), overrides: { ReplicateKey: 3 } });
    const t0 = Date.now();
    const at: number[] = [];
    const all = Array.from({ length: 6 }, () =>
      book.acquire(costOf("ReplicateKey", "us-east-1")).then(() => at.push(Date.now() - t0)),
    );
    // WHEN
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(all);
    // THEN
    expect(at).toEqual([0, 0, 0, 1_100, 1_100, 1_100]);
  });
});
