import { describe, it, expect } from "vitest";
import {
  DEFAULT_POLL,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  pollCap,
  pollDelay,
  worstCaseCall,
  worstCaseRetrySleep,
  type PollSchedule,
} from "../../src/backoff.js";

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
