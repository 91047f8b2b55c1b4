import { describe, it, expect } from "vitest";
import {
  leftText,
  median,
  promoteEstimateMs,
  rateEstimateMs,
  replicateEstimateMs,
  type ReplicateEstimateInput,
} from "../../../src/report/estimate.js";

describe("median", () => {
  it.each<{ values: number[]; expected: number | undefined }>([
    { values: [], expected: undefined },
    { values: [7], expected: 7 },
    { values: [30, 10, 20], expected: 20 },
    { values: [40, 10, 30, 20], expected: 25 },
  ])("$values → $expected", ({ values, expected }) => {
    expect(median(values)).toBe(expected);
  });
});

describe("replicateEstimateMs", () => {
  const base: ReplicateEstimateInput = {
    quotas: { ReplicateKey: 5, CreateKey: 5, UpdatePrimaryRegion: 5 },
    pending: { into: new Map(), from: new Map() },
    planned: { into: new Map(), from: new Map() },
    plannedKeys: 0,
    queuedKeys: 0,
    creating: 0,
    typicalCreatingMs: undefined,
    newestCreatingMs: 0,
  };

  it("takes the busiest Region's CreateKey (2 per replica) or ReplicateKey time, plus the typical Creating", () => {
    // GIVEN 100 replicas to request into eu-west-1 and 40 into ap-southeast-2, all from us-east-1
    const input: ReplicateEstimateInput = {
      ...base,
      pending: {
        into: new Map([
          ["eu-west-1", 100],
          ["ap-southeast-2", 40],
        ]),
        from: new Map([["us-east-1", 140]]),
      },
      planned: {
        into: new Map([
          ["eu-west-1", 100],
          ["ap-southeast-2", 40],
        ]),
        from: new Map([["us-east-1", 140]]),
      },
      plannedKeys: 100,
      typicalCreatingMs: 60_000,
    };
    // WHEN / THEN into eu-west-1: 100 × 2 / 5 = 40 s; from us-east-1: 140 / 5 = 28 s; + 60 s
    expect(replicateEstimateMs(input)).toBe(100_000);
  });

  it("counts a key not planned yet as the average planned key", () => {
    // GIVEN 10 keys planned (each into eu-west-1, half into ap-southeast-2, primaries in two Regions), all requested; 90 queued
    const input: ReplicateEstimateInput = {
      ...base,
      planned: {
        into: new Map([
          ["eu-west-1", 10],
          ["ap-southeast-2", 5],
        ]),
        from: new Map([
          ["us-east-1", 12],
          ["us-west-2", 3],
        ]),
      },
      plannedKeys: 10,
      queuedKeys: 90,
      creating: 15,
    };
    // WHEN / THEN no Creating seen to its end yet: not known (the requests' 36 s alone would promise too little)
    expect(replicateEstimateMs(input)).toBe(undefined);
    // WHEN / THEN into eu-west-1: 90 × 2 / 5 = 36 s; from us-east-1: 90 × 1.2 / 5 = 21.6 s; + the typical 60 s
    expect(replicateEstimateMs({ ...input, typicalCreatingMs: 60_000 })).toBe(96_000);
  });

  it("with every request answered: what is left of the newest Creating", () => {
    // GIVEN
    const input = {
      ...base,
      plannedKeys: 10,
      creating: 3,
      typicalCreatingMs: 60_000,
      newestCreatingMs: 20_000,
    };
    // WHEN / THEN
    expect(replicateEstimateMs(input)).toBe(40_000);
    expect(replicateEstimateMs({ ...input, newestCreatingMs: 90_000 })).toBe(0);
  });

  it.each<{ name: string; input: Partial<ReplicateEstimateInput>; expected: number | undefined }>([
    { name: "no key planned yet", input: { queuedKeys: 50 }, expected: undefined },
    {
      name: "no quota known",
      input: {
        quotas: { ReplicateKey: 5 },
        plannedKeys: 1,
        pending: { into: new Map([["eu-west-1", 1]]), from: new Map() },
      },
      expected: undefined,
    },
    { name: "Creating, none settled yet", input: { plannedKeys: 5, creating: 5 }, expected: undefined },
    { name: "nothing left", input: { plannedKeys: 5 }, expected: 0 },
  ])("$name → $expected", ({ input, expected }) => {
    expect(replicateEstimateMs({ ...base, ...input })).toBe(expected);
  });
});

describe("promoteEstimateMs", () => {
  it.each([
    {
      name: "calls left at the quota, plus the typical settle time",
      input: { quota: 5, toCall: 50, settling: 10, typicalSettleMs: 30_000, newestSettlingMs: 0 },
      expected: 40_000,
    },
    {
      name: "every call made: the rest of the newest settle",
      input: { quota: 5, toCall: 0, settling: 2, typicalSettleMs: 30_000, newestSettlingMs: 10_000 },
      expected: 20_000,
    },
    {
      name: "calls left, no settle seen yet: not known",
      input: { quota: 5, toCall: 50, settling: 10, typicalSettleMs: undefined, newestSettlingMs: 0 },
      expected: undefined,
    },
    {
      name: "no settle seen yet",
      input: { quota: 5, toCall: 0, settling: 2, typicalSettleMs: undefined, newestSettlingMs: 0 },
      expected: undefined,
    },
    {
      name: "no quota",
      input: { quota: undefined, toCall: 10, settling: 0, typicalSettleMs: undefined, newestSettlingMs: 0 },
      expected: undefined,
    },
  ])("$name", ({ input, expected }) => {
    expect(promoteEstimateMs(input)).toBe(expected);
  });
});

describe("rateEstimateMs", () => {
  it.each([
    { settled: 4, remaining: 96, elapsedMs: 60_000, expected: undefined },
    { settled: 10, remaining: 90, elapsedMs: 60_000, expected: 540_000 },
    { settled: 0, remaining: 0, elapsedMs: 0, expected: 0 },
  ])("$settled settled in $elapsedMs ms, $remaining left → $expected", ({ expected, ...input }) => {
    expect(rateEstimateMs(input)).toBe(expected);
  });
});

describe("leftText", () => {
  it.each([
    { ms: 80_000, text: "~1m20s left" },
    { ms: 79_100, text: "~1m20s left" },
    { ms: 400, text: "~1s left" },
    { ms: 3_725_000, text: "~1h02m05s left" },
  ])("$ms → $text", ({ ms, text }) => {
    expect(leftText(ms)).toBe(text);
  });
});
