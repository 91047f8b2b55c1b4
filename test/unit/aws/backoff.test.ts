import { describe, it, expect } from "vitest";
import {
  DEFAULT_POLL,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  pollCap,
  pollDelay,
  CreatingTimes,
  worstCaseCall,
  worstCaseRetrySleep,
  type PollSchedule,
} from "../../../src/aws/backoff.js";

const NO_JITTER = (): number => 0;
const FULL_JITTER = (): number => 0.999_999;

const SCHEDULE: PollSchedule = {
  initialMs: 100,
  factor: 2,
  minCapMs: 1_000,
  capFraction: 0.1,
  maxCapMs: 5_000,
  jitter: 0.25,
};

describe("pollCap", () => {
  it.each([
    { elapsedMs: 0, cap: 1_000 },
    { elapsedMs: 9_000, cap: 1_000 },
    { elapsedMs: 20_000, cap: 2_000 },
    { elapsedMs: 40_000, cap: 4_000 },
    { elapsedMs: 50_000, cap: 5_000 },
    { elapsedMs: 3_600_000, cap: 5_000 },
  ])("after $elapsedMs ms the cap is $cap ms", ({ elapsedMs, cap }) => {
    // GIVEN / WHEN / THEN: min cap while young, elapsed × fraction later, never beyond max
    expect(pollCap(elapsedMs, SCHEDULE)).toBe(cap);
  });

  it("defaults: 700 ms while young, 8% of the wait later, 15 s at most", () => {
    // GIVEN / WHEN / THEN
    expect(pollCap(0)).toBe(700);
    expect(pollCap(100_000)).toBe(8_000);
    expect(pollCap(10 * 60_000)).toBe(15_000);
  });
});

describe("pollDelay", () => {
  it("starts at the initial delay and grows by the factor until the cap", () => {
    // GIVEN no jitter and a young wait (cap 1 s)
    // WHEN
    const delays = [0, 1, 2, 3, 4, 5].map((attempt) => pollDelay(attempt, 0, SCHEDULE, NO_JITTER));
    // THEN
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("lets the delay grow beyond the young cap as the wait gets older, up to the max cap", () => {
    // GIVEN a late attempt whose exponential delay is far above every cap
    // WHEN / THEN
    expect(pollDelay(20, 0, SCHEDULE, NO_JITTER)).toBe(1_000);
    expect(pollDelay(20, 30_000, SCHEDULE, NO_JITTER)).toBe(3_000);
    expect(pollDelay(20, 600_000, SCHEDULE, NO_JITTER)).toBe(5_000);
  });

  it("follows the default schedule: 300 ms, ×1.4, capped at 700 ms while young", () => {
    // GIVEN / WHEN
    const delays = [0, 1, 2, 3].map((attempt) => pollDelay(attempt, 0, DEFAULT_POLL, NO_JITTER));
    // THEN
    expect(delays).toEqual([300, 420, 588, 700]);
  });

  it("uses the injected random for subtractive jitter", () => {
    // GIVEN random = 0.5 and jitter 0.25: the delay is cut by 12.5%
    // WHEN / THEN
    expect(pollDelay(0, 0, SCHEDULE, () => 0.5)).toBe(Math.round(100 * (1 - 0.125)));
    expect(pollDelay(20, 600_000, SCHEDULE, () => 0.5)).toBe(Math.round(5_000 * (1 - 0.125)));
  });

  it("never exceeds the cap and never drops below cap × (1 − jitter), whatever the random", () => {
    // GIVEN a grid of attempts, elapsed times and random values
    for (const attempt of [0, 3, 6, 10, 30]) {
      for (const elapsedMs of [0, 5_000, 12_345, 60_000, 1_000_000]) {
        for (const r of [0, 0.1, 0.5, 0.9, 0.999_999]) {
          // WHEN
          const delay = pollDelay(attempt, elapsedMs, SCHEDULE, () => r);
          // THEN
          const exponential = SCHEDULE.initialMs * SCHEDULE.factor ** attempt;
          const ceiling = Math.min(exponential, pollCap(elapsedMs, SCHEDULE));
          expect(delay).toBeLessThanOrEqual(Math.round(ceiling));
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling * (1 - SCHEDULE.jitter)));
        }
      }
    }
  });

  it("with full jitter is still a positive delay", () => {
    // GIVEN / WHEN / THEN
    expect(pollDelay(0, 0, SCHEDULE, FULL_JITTER)).toBe(75);
  });
});

describe("worstCaseRetrySleep", () => {
  it("sums every retry's longest sleep, each capped at maxTimeout", () => {
    // GIVEN the defaults: 6 retries, 250 ms × 2^n × (up to) 2, capped at 5 s
    // WHEN / THEN: 500 + 1000 + 2000 + 4000 + 5000 + 5000
    expect(worstCaseRetrySleep()).toBe(17_500);
    expect(worstCaseRetrySleep(DEFAULT_RETRY)).toBe(17_500);
  });

  it("without randomize, uses the plain exponential", () => {
    // GIVEN / WHEN / THEN: 250 + 500 + 1000 + 2000 + 4000 + 5000
    expect(worstCaseRetrySleep({ ...DEFAULT_RETRY, randomize: false })).toBe(12_750);
  });

  it("is zero without retries", () => {
    // GIVEN / WHEN / THEN
    expect(worstCaseRetrySleep({ ...DEFAULT_RETRY, retries: 0 })).toBe(0);
  });
});

describe("worstCaseCall: the bounds the README prints", () => {
  it("a call that never gets an answer: 2 attempts × (10 + 30) s + 0.5 s = 80.5 s; any call: 297.5 s", () => {
    // GIVEN the defaults / WHEN / THEN
    expect(worstCaseCall()).toEqual({ stalledMs: 80_500, anyMs: 297_500 });
    expect(DEFAULT_RETRY.timeoutRetries).toBe(1);
    expect(DEFAULT_TIMEOUTS).toEqual({ connectMs: 10_000, readMs: 30_000 });
  });

  it("follows the flags", () => {
    // GIVEN --cli-connect-timeout 1 --cli-read-timeout 1 / WHEN / THEN
    expect(worstCaseCall(DEFAULT_RETRY, { connectMs: 1_000, readMs: 1_000 }).stalledMs).toBe(4_500);
  });
});

describe("CreatingTimes", () => {
  it("gives no advice until three replicas of the Region have settled", () => {
    // GIVEN two settled replicas in eu-west-1
    const times = new CreatingTimes();
    times.record("eu-west-1", 5_300, 6_000);
    times.record("eu-west-1", 5_500, 6_200);
    // THEN no advice there yet, nor in another Region
    expect(times.nextLookAt("eu-west-1", 0, 0)).toBeUndefined();
    // WHEN a third settles
    times.record("eu-west-1", 5_400, 6_100);
    // THEN eu-west-1 has a window, ap-southeast-2 still none
    expect(times.window("eu-west-1")).toBeDefined();
    expect(times.nextLookAt("ap-southeast-2", 0, 0)).toBeUndefined();
  });

  it("looks first at the window's start, then every step across it, then leaves it to the schedule", () => {
    // GIVEN replicas last seen Creating at 5.3–5.9 s and settled by 6.0–6.6 s
    const times = new CreatingTimes();
    for (let i = 0; i < 10; i += 1) times.record("eu-west-1", 5_300 + 60 * i, 6_000 + 60 * i);
    const window = times.window("eu-west-1");
    // THEN the window runs from the 20 % quantile of the last Creating looks to the 80 % quantile of
    // the settled ones, in steps of a quarter of it, between 100 ms and the schedule's cap
    expect(window).toEqual({ fromMs: 5_360, toMs: 6_420, stepMs: 265 });
    // …a new replica is first looked at when the window opens…
    expect(times.nextLookAt("eu-west-1", 0, 0)).toBe(5_360);
    // …then a step after its last look…
    expect(times.nextLookAt("eu-west-1", 5_365, 5_360)).toBe(5_625);
    // …also when that look came a little before the window opened (a timer fires early)…
    expect(times.nextLookAt("eu-west-1", 5_359, 5_358)).toBe(5_358 + 265);
    // …at least a quarter step from now, should the last look have answered slowly…
    expect(times.nextLookAt("eu-west-1", 5_700, 5_360)).toBe(5_700 + 265 / 4);
    // …and past the window, the schedule's backoff again
    expect(times.nextLookAt("eu-west-1", 6_421, 6_400)).toBeUndefined();
  });

  it("steps at least minStepMs and at most the schedule's cap", () => {
    // GIVEN replicas that settle within 20 ms of each other, and others spread over 40 s
    const times = new CreatingTimes({ minStepMs: 100 });
    for (let i = 0; i < 5; i += 1) times.record("eu-west-1", 3_000 + i, 3_010 + i);
    for (let i = 0; i < 5; i += 1) times.record("sa-east-1", 10_000 * i, 10_000 * i + 700);
    // THEN
    expect(times.window("eu-west-1")?.stepMs).toBe(100);
    const spread = times.window("sa-east-1");
    expect(spread?.stepMs).toBe(pollCap(spread?.fromMs ?? 0));
  });

  it("gives no advice where replicas settle before the schedule's first look anyway", () => {
    const times = new CreatingTimes();
    for (let i = 0; i < 5; i += 1) times.record("eu-west-1", 0, DEFAULT_POLL.initialMs - 50);
    expect(times.nextLookAt("eu-west-1", 0, 0)).toBeUndefined();
  });

  it("keeps the newest 32 replicas per Region: the window follows a change", () => {
    const times = new CreatingTimes();
    for (let i = 0; i < 32; i += 1) times.record("eu-west-1", 1_900, 2_000);
    for (let i = 0; i < 32; i += 1) times.record("eu-west-1", 7_900, 8_000);
    expect(times.window("eu-west-1")).toMatchObject({ fromMs: 7_900, toMs: 8_000 });
  });

  /**
   * A Region's replicas sent `perWindow` at a time every 1.1 s, each Creating for its own duration,
   * looked at as pollUntil does (the schedule's backoff, or the learned advice), answers instant.
   * Events in time order, so that what one replica teaches reaches the ones still waiting.
   */
  function simulate(durations: readonly number[], learn: boolean): { looks: number[]; lags: number[] } {
    const perWindow = 25;
    const times = new CreatingTimes();
    const sent = durations.map((_, i) => Math.floor(i / perWindow) * 1_100);
    const looks = durations.map(() => 0);
    const lags = durations.map(() => 0);
    const lastLook = durations.map(() => 0);
    const lastCreating = durations.map(() => 0);
    const next = durations.map((_, i) => (sent[i] ?? 0) + nextAfter(i, 0));
    /** How long after `elapsed` (ms since replica i was sent) it is looked at next. */
    function nextAfter(i: number, elapsed: number): number {
      const advised = learn ? times.nextLookAt("r", elapsed, lastLook[i] ?? 0) : undefined;
      if (advised !== undefined) return advised - elapsed;
      const interval = pollDelay(looks[i] ?? 0, elapsed, DEFAULT_POLL, () => 0.5);
      return Math.max(interval - (elapsed - (lastLook[i] ?? 0)), interval / 4);
    }
    for (;;) {
      let i = -1;
      for (let j = 0; j < next.length; j += 1) {
        if (Number.isFinite(next[j]) && (i === -1 || (next[j] ?? 0) < (next[i] ?? 0))) i = j;
      }
      if (i === -1) break;
      const at = next[i] ?? 0;
      const elapsed = at - (sent[i] ?? 0);
      looks[i] = (looks[i] ?? 0) + 1;
      lastLook[i] = elapsed;
      const duration = durations[i] ?? 0;
      if (elapsed >= duration) {
        lags[i] = elapsed - duration;
        if (learn) times.record("r", lastCreating[i] ?? 0, elapsed);
        next[i] = Infinity;
      } else {
        lastCreating[i] = elapsed;
        next[i] = at + nextAfter(i, elapsed);
      }
    }
    return { looks, lags };
  }
  const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

  it("a fleet's replicas that take the same time: fewer looks, and each seen settled within a step", () => {
    // GIVEN 200 replicas of one Region, each Creating for 6 s
    const durations = new Array<number>(200).fill(6_000);
    // WHEN
    const schedule = simulate(durations, false);
    const learned = simulate(durations, true);
    // THEN the schedule alone takes 11 looks each
    expect(mean(schedule.looks)).toBeGreaterThan(10);
    // …learning, the replicas sent once the first had settled take at most 4, seen within 0.3 s
    const later = durations.map((_, i) => i).filter((i) => Math.floor(i / 25) * 1_100 > 7_000);
    expect(later.length).toBeGreaterThan(0);
    expect(Math.max(...later.map((i) => learned.looks[i] ?? 0))).toBeLessThanOrEqual(4);
    expect(Math.max(...later.map((i) => learned.lags[i] ?? 0))).toBeLessThanOrEqual(300);
    expect(Math.max(...learned.lags)).toBeLessThanOrEqual(Math.max(...schedule.lags));
    expect(mean(learned.looks)).toBeLessThan(0.8 * mean(schedule.looks));
  });

  it("replicas that take widely different times: no more looks than the schedule's, and none unseen", () => {
    // GIVEN 200 replicas, Creating from 1 s to 60 s (a spread KMS could show on a bad day)
    let seed = 7;
    const random = (): number => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646;
    const durations = Array.from({ length: 200 }, () => 1_000 + Math.round(59_000 * random()));
    // WHEN
    const schedule = simulate(durations, false);
    const learned = simulate(durations, true);
    // THEN every replica is seen settled, on average no later than the schedule sees it…
    expect(learned.looks.every((n) => n > 0)).toBe(true);
    expect(mean(learned.lags)).toBeLessThanOrEqual(1.1 * mean(schedule.lags));
    // …with about as many looks (the window's steps are the schedule's cap there)
    expect(mean(learned.looks)).toBeLessThanOrEqual(mean(schedule.looks) + 1);
  });
});
