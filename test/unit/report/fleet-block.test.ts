import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import {
  bar,
  bucketOf,
  fleetBlock,
  fleetHeartbeat,
  fleetStartLine,
  projectedTotal,
  type FleetProgress,
  type RegionProgress,
} from "../../../src/report/fleet-block.js";
import { promote, replicate, status, sync } from "../../support/fleet-views.js";

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

function progress(overrides: Partial<FleetProgress> = {}): FleetProgress {
  return {
    look: replicate.render.fleet,
    dryRun: false,
    keys: 200,
    selecting: false,
    settled: 37,
    bad: 2,
    atWork: 43,
    plannedKeys: 80,
    regions: [],
    outcomes: [],
    elapsedMs: 250_000,
    leftMs: 80_000,
    ...overrides,
  };
}

const region = (name: string, counts: Partial<RegionProgress> = {}): RegionProgress => ({
  region: name,
  expected: 80,
  done: 0,
  failed: 0,
  notStarted: 0,
  timeout: 0,
  interrupted: 0,
  inProgress: 0,
  ...counts,
});

describe("bucketOf", () => {
  it.each([
    ["created", "done"],
    ["exists", "done"],
    ["creating", "done"],
    ["planned", "done"],
    ["unchanged", "done"],
    ["done", "done"],
    ["failed", "failed"],
    ["timeout", "timeout"],
    ["interrupted", "interrupted"],
  ] as const)("%s → %s", (status, bucket) => {
    expect(bucketOf(status)).toBe(bucket);
  });
});

describe("projectedTotal and bar", () => {
  it("projects a Region's units onto the queued keys by the share of planned keys that target it", () => {
    expect(projectedTotal(160, 160, 40)).toBe(200);
    expect(projectedTotal(50, 100, 100)).toBe(100);
    expect(projectedTotal(3, 0, 100)).toBe(3);
  });

  it("fills done cells, then not-done cells, then open ones, 20 wide", () => {
    expect(bar(10, 0, 20, plain)).toBe(`${"█".repeat(10)}${"░".repeat(10)}`);
    expect(bar(160, 0, 200, plain)).toBe(`${"█".repeat(16)}${"░".repeat(4)}`);
    expect(bar(0, 0, 0, plain)).toBe("░".repeat(20));
    expect(bar(300, 0, 200, plain)).toBe("█".repeat(20));
    // Failures are red where colour is allowed.
    expect(bar(5, 5, 20, coloured)).toContain("\u001B[31m█████");
  });
});

describe("fleetBlock", () => {
  it("has a header and a line per target Region, projected onto the queued keys", () => {
    // GIVEN 80 of 200 keys planned; 120 queued
    const p = progress({
      regions: [
        region("eu-west-1", { done: 60, inProgress: 12, failed: 2 }),
        region("ap-southeast-2", { expected: 40, done: 40 }),
      ],
    });
    // WHEN / THEN
    expect(fleetBlock(p, plain).split("\n")).toEqual([
      "Replicating 200 keys: 37 settled (2 failed), 43 at work, 120 queued · 4m10s, ~1m20s left",
      `  eu-west-1      ${"█".repeat(6)}${"░".repeat(14)}  60/200 done, 12 in progress, 2 failed`,
      `  ap-southeast-2 ${"█".repeat(8)}${"░".repeat(12)}  40/100 done`,
    ]);
  });

  it("shows at most 12 Regions", () => {
    // GIVEN
    const regions = Array.from({ length: 15 }, (_, i) => region(`xx-test-${i + 1}`));
    // WHEN
    const lines = fleetBlock(progress({ regions, dryRun: true, leftMs: undefined }), plain).split("\n");
    // THEN
    expect(lines[0]).toBe(
      "Dry run: would replicate 200 keys: 37 settled (2 failed), 43 at work, 120 queued · 4m10s",
    );
    expect(lines).toHaveLength(1 + 12 + 1);
    expect(lines.at(-1)).toBe("  … 3 more Regions");
  });

  it("for promote, counts keys by outcome", () => {
    // GIVEN
    const p = progress({
      look: promote.render.fleet,
      keys: 40,
      settled: 20,
      bad: 2,
      atWork: 5,
      outcomes: [
        { outcome: "promoted", count: 18 },
        { outcome: "failed", count: 2 },
        { outcome: "timeout", count: 0 },
      ],
      leftMs: undefined,
    });
    // WHEN / THEN
    expect(fleetBlock(p, plain).split("\n")).toEqual([
      "Promoting 40 keys: 20 settled (2 failed), 5 at work, 15 to go · 4m10s",
      `  ${"█".repeat(9)}${"█".repeat(1)}${"░".repeat(10)}  20/40  18 promoted, 2 failed`,
    ]);
  });
});

describe("fleetBlock while keys are still being found", () => {
  it("says the keys are those found so far, never shows a full bar, and gives no time left", () => {
    // GIVEN promote with --all-primaries: the 13 keys found so far all settled
    const promoting = progress({
      look: promote.render.fleet,
      selecting: true,
      keys: 13,
      settled: 13,
      bad: 0,
      atWork: 0,
      outcomes: [{ outcome: "promoted", count: 13 }],
      leftMs: undefined,
      elapsedMs: 4_000,
    });
    const replicating = progress({
      selecting: true,
      keys: 10,
      settled: 10,
      bad: 0,
      atWork: 0,
      plannedKeys: 10,
      regions: [region("eu-west-1", { expected: 10, done: 10 })],
      leftMs: undefined,
      elapsedMs: 2_000,
    });
    // WHEN / THEN
    expect(fleetBlock(promoting, plain).split("\n")).toEqual([
      "Promoting 13 keys found so far: 13 settled · 4s",
      `  ${"█".repeat(19)}░  13/13+  13 promoted`,
    ]);
    expect(fleetBlock(replicating, plain).split("\n")).toEqual([
      "Replicating 10 keys found so far: 10 settled · 2s",
      `  eu-west-1      ${"█".repeat(19)}░  10/10+ done`,
    ]);
    expect(fleetHeartbeat(replicating)).toBe("waiting: 0 of 10 keys found so far; eu-west-1 10/10+ done; 2s");
    // Once every key is found: the bar fills.
    expect(fleetBlock({ ...promoting, selecting: false }, plain)).toContain(`  ${"█".repeat(20)}  13/13`);
  });
});

describe("fleetHeartbeat", () => {
  it("says how many keys are not settled, each Region's counts, the time so far and left", () => {
    // GIVEN
    const p = progress({
      keys: 200,
      settled: 163,
      atWork: 25,
      plannedKeys: 188,
      regions: [
        region("eu-west-1", { expected: 188, done: 160, failed: 2, inProgress: 20 }),
        region("ap-southeast-2", { expected: 188, done: 150 }),
      ],
    });
    // WHEN / THEN
    expect(fleetHeartbeat(p)).toBe(
      "waiting: 37 of 200 keys (25 at work, 12 queued); eu-west-1 160/200 done, 20 in progress, 2 failed; ap-southeast-2 150/200 done; 4m10s, ~1m20s left",
    );
  });

  it("never colours, and for status counts keys by outcome", () => {
    // GIVEN
    const p = progress({
      look: status.render.fleet,
      keys: 10,
      settled: 4,
      atWork: 0,
      outcomes: [
        { outcome: "ok", count: 3 },
        { outcome: "drift", count: 1 },
      ],
      leftMs: undefined,
      elapsedMs: 5_000,
    });
    // WHEN / THEN
    expect(fleetHeartbeat(p)).toBe("waiting: 6 of 10 keys (6 to go); 3 ok, 1 drift; 5s");
  });
});

describe("fleetStartLine", () => {
  it("names the work and the number of keys", () => {
    expect(fleetStartLine(replicate.render.fleet, 200, false)).toBe("Replicating 200 keys.");
    expect(fleetStartLine(sync.render.fleet, 1, true)).toBe("Dry run: would sync 1 key.");
  });
});
