import { afterEach, beforeEach, describe, it, expect, vi } from "vitest";
import { createLimiter, createPacer, paceWindow, RateWindow, sleep } from "../../../src/aws/pace.js";

describe("createPacer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("never lets more than N starts into any 1 s window, and lets the first N through at once", async () => {
    // GIVEN 5 per second and 17 callers arriving together
    const pacer = createPacer(5, { now: () => Date.now() });
    const t0 = Date.now();
    const starts: number[] = [];
    const all = Array.from({ length: 17 }, () => pacer.acquire().then(() => starts.push(Date.now() - t0)));
    // WHEN
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    // THEN every start happened, the first 5 at once, and any 6 starts span at least 1 s
    expect(starts).toHaveLength(17);
    expect(starts.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    for (let i = 0; i + 5 < starts.length; i += 1) {
      expect((starts[i + 5] ?? 0) - (starts[i] ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
    // …and the pacer does not hold callers back much longer than it must (3 more windows of 1100 ms)
    expect(starts[16]).toBeLessThanOrEqual(3 * 1_100 + 50);
  });

  it("hands out slots in arrival order", async () => {
    // GIVEN
    const pacer = createPacer(2, { now: () => Date.now() });
    const order: number[] = [];
    const all = [0, 1, 2, 3, 4].map((n) => pacer.acquire().then(() => order.push(n)));
    // WHEN
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(all);
    // THEN
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("rejects a caller whose signal aborts while it waits, and keeps serving the others", async () => {
    // GIVEN 1 per second, one slot taken
    const pacer = createPacer(1, { now: () => Date.now() });
    await pacer.acquire();
    const controller = new AbortController();
    const waiting = pacer.acquire(controller.signal);
    const outcome = waiting.then(
      () => "resolved",
      (error: unknown) => (error as Error).name,
    );
    const next = pacer.acquire();
    // WHEN the waiting caller is interrupted
    controller.abort();
    await vi.advanceTimersByTimeAsync(5_000);
    // THEN it rejects with the abort, and the next caller still gets a slot
    expect(await outcome).toBe("AbortError");
    await expect(next).resolves.toBeUndefined();
  });

  it("rejects at once when the signal is already aborted", async () => {
    // GIVEN
    const pacer = createPacer(5, { now: () => Date.now() });
    // WHEN / THEN
    await expect(pacer.acquire(AbortSignal.abort())).rejects.toMatchObject({ name: "AbortError" });
    await expect(pacer.acquire()).resolves.toBeUndefined();
  });
});

describe("a fractional --rate", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Start times (fake ms) of callers that keep the pacer saturated for `spanMs`. */
  async function saturatedStarts(rate: number, spanMs: number): Promise<number[]> {
    const pacer = createPacer(rate, { now: () => Date.now() });
    const t0 = Date.now();
    const starts: number[] = [];
    const callers = Math.ceil((rate * spanMs) / 1000) + 10;
    const all = Array.from({ length: callers }, () =>
      pacer.acquire().then(() => starts.push(Date.now() - t0)),
    );
    await vi.advanceTimersByTimeAsync(spanMs);
    void Promise.all(all);
    return starts.filter((t) => t < spanMs);
  }

  it.each([
    { rate: 0.5, perMinute: 30, mostInOneSecond: 1 },
    { rate: 2.5, perMinute: 150, mostInOneSecond: 3 },
    { rate: 1.5, perMinute: 90, mostInOneSecond: 2 },
    { rate: 4.5, perMinute: 270, mostInOneSecond: 5 },
  ])(
    "--rate $rate starts exactly $perMinute calls a minute, never more than $mostInOneSecond in any 1 s",
    async ({ rate, perMinute, mostInOneSecond }) => {
      // GIVEN more callers than the pacer lets through in a minute
      // WHEN a minute passes on the fake clock
      const starts = await saturatedStarts(rate, 60_000);
      // THEN exactly rate × 60 started (0.5 → 30, not the 54.5 a 1.1 s window of "< 0.5" gave)
      expect(starts).toHaveLength(perMinute);
      // …and no 1 s window holds more than ceil(rate)
      for (let i = 0; i + mostInOneSecond < starts.length; i += 1) {
        expect((starts[i + mostInOneSecond] ?? 0) - (starts[i] ?? 0)).toBeGreaterThanOrEqual(1_000);
      }
    },
  );

  it("spaces the starts of --rate 0.5 by 2 s exactly", async () => {
    // GIVEN / WHEN
    const starts = await saturatedStarts(0.5, 10_000);
    // THEN
    expect(starts).toEqual([0, 2_000, 4_000, 6_000, 8_000]);
  });

  it.each([
    { rate: 5, slots: 5, windowMs: 1_100 },
    { rate: 1, slots: 1, windowMs: 1_100 },
    { rate: 0.5, slots: 1, windowMs: 2_000 },
    { rate: 0.25, slots: 1, windowMs: 4_000 },
    { rate: 2.5, slots: 3, windowMs: 1_200 },
    { rate: 4.8, slots: 5, windowMs: 1000 * (5 / 4.8) },
  ])("--rate $rate: $slots starts per $windowMs ms", ({ rate, slots, windowMs }) => {
    // GIVEN / WHEN / THEN (integer rates keep the 100 ms margin; fractional rates are exact)
    expect(paceWindow(rate)).toEqual({ slots, windowMs });
  });
});

describe("RateWindow", () => {
  it("says how much room there is now and later, counting only the starts still in the window", () => {
    // GIVEN 5 slots per 1 s, 2 starts at 0 ms and 2 at 400 ms
    const window = new RateWindow(5, 1_000);
    window.take(2, 0);
    window.take(2, 400);
    // WHEN / THEN
    expect(window.room(500)).toBe(1);
    expect(window.roomAt(999)).toBe(1);
    expect(window.roomAt(1_000)).toBe(3);
    expect(window.roomAt(1_400)).toBe(5);
    expect(window.waitFor(2, 500)).toBe(500);
    expect(window.waitFor(4, 500)).toBe(900);
    // …and asking about later did not forget what still counts now
    expect(window.room(500)).toBe(1);
  });

  it("counts a cost above the whole window as the whole window", () => {
    // GIVEN / WHEN
    const window = new RateWindow(3, 1_000);
    window.take(7, 0);
    // THEN
    expect(window.room(0)).toBe(0);
    expect(window.waitFor(7, 500)).toBe(500);
    expect(window.room(1_000)).toBe(3);
  });

  it("stays exact over many windows (the starts that left are dropped as it goes)", () => {
    // GIVEN 2 slots per 100 ms, filled every 100 ms for 1000 windows
    const window = new RateWindow(2, 100);
    for (let t = 0; t < 100_000; t += 100) {
      expect(window.waitFor(2, t)).toBe(0);
      window.take(2, t);
    }
    // WHEN / THEN
    expect(window.room(99_950)).toBe(0);
    expect(window.waitFor(1, 99_950)).toBe(50);
    expect(window.roomAt(100_000)).toBe(2);
  });
});

describe("RateWindow's open starts (taken before the request leaves)", () => {
  it("counts an open start within the window until it is stamped, then for a window from its stamp", () => {
    // GIVEN 3 slots per 1.1 s, all taken at 0 ms by requests that leave at 400 ms
    const window = new RateWindow(3, 1_100);
    window.hold(3);
    // WHEN / THEN while they have not left, they count whatever the time
    expect(window.room(300)).toBe(0);
    expect(window.roomAt(5_000)).toBe(0);
    expect(window.waitFor(1, 300)).toBe(1_100);
    // WHEN they leave at 400 ms
    window.stamp(3, 400);
    // THEN their slots free a window after 400 ms, not after 0 ms
    expect(window.room(1_100)).toBe(0);
    expect(window.waitFor(1, 1_100)).toBe(400);
    expect(window.room(1_499)).toBe(0);
    expect(window.room(1_500)).toBe(3);
  });

  it("puts a stamp earlier than the last one in its place: the starts stay in time order", () => {
    // GIVEN 4 slots per 1 s: starts at 0, 200 and 300 ms, and one open start stamped at 100 ms
    // (a request that never left counts from when its slot was taken)
    const window = new RateWindow(4, 1_000);
    window.take(1, 0);
    window.hold(1);
    window.take(1, 200);
    window.take(1, 300);
    window.stamp(1, 100);
    // WHEN / THEN they leave the window one by one, in time order
    expect(window.waitFor(4, 350)).toBe(950);
    expect(window.room(999)).toBe(0);
    expect(window.room(1_000)).toBe(1);
    expect(window.roomAt(1_100)).toBe(2);
    expect(window.room(1_200)).toBe(3);
    expect(window.waitFor(4, 1_200)).toBe(100);
    expect(window.room(1_300)).toBe(4);
  });

  it("counts an open cost above the whole window as the whole window, and stamps as much", () => {
    // GIVEN / WHEN 7 units held in a window of 3, stamped at 100 ms
    const window = new RateWindow(3, 1_000);
    window.hold(7);
    window.stamp(7, 100);
    // THEN
    expect(window.room(1_099)).toBe(0);
    expect(window.room(1_100)).toBe(3);
  });
});

describe("createLimiter", () => {
  it("runs at most `limit` tasks at once, but does run that many", async () => {
    // GIVEN
    const limit = createLimiter(3);
    let active = 0;
    let most = 0;
    const task = async (n: number): Promise<number> => {
      active += 1;
      most = Math.max(most, active);
      await sleep(5);
      active -= 1;
      return n;
    };
    // WHEN
    const results = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => limit(() => task(n))));
    // THEN
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(active).toBe(0);
  });

  it("frees the slot of a task that fails", async () => {
    // GIVEN one slot, and a first task that rejects
    const limit = createLimiter(1);
    const failing = limit(() => Promise.reject(new Error("boom")));
    const next = limit(() => Promise.resolve("ran"));
    // WHEN / THEN
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ran");
  });
});

describe("sleep", () => {
  it("rejects with the signal's reason when aborted", async () => {
    // GIVEN
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    // WHEN
    controller.abort();
    // THEN
    await expect(sleeping).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("sleep", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("caps a delay at setTimeout's limit instead of firing at once (a tiny --rate)", async () => {
    // GIVEN a delay longer than 2^31 - 1 ms (what --rate 0.0000001 asks between two starts)
    let done = false;
    void sleep(1e10).then(() => (done = true));
    // WHEN a minute passes
    await vi.advanceTimersByTimeAsync(60_000);
    // THEN it is still sleeping (an overflowing setTimeout would have fired after 1 ms)
    expect(done).toBe(false);
  });
});
