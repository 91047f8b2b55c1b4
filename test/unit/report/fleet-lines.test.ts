import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import type { RegionResult } from "../../../src/core/events.js";
import type { WorkResult } from "../../../src/core/steps/work.js";
import { entryOf, type FleetKeyJson, type FleetKeyReport } from "../../../src/report/fleet.js";
import {
  bar,
  bucketOf,
  fleetBlock,
  fleetHeartbeat,
  fleetKeyLines,
  fleetStartLine,
  fleetSummaryLines,
  isBadKey,
  hasNote,
  leftText,
  median,
  outcomesOf,
  projectedTotal,
  promoteEstimateMs,
  rateEstimateMs,
  replicateEstimateMs,
  tallyOf,
  type FleetProgress,
  type RegionProgress,
  type ReplicateEstimateInput,
  fleetWaitCommand,
} from "../../../src/report/fleet-lines.js";
import { runJson } from "../../../src/report/json.js";
import { promoteJson, type PromoteReport } from "../../../src/commands/promote/render.js";
import { statusJson } from "../../../src/commands/status/render.js";
import { syncJson } from "../../../src/commands/sync/render.js";
import { isUsableKey } from "../../../src/core/family.js";
import { KEY_ID, PRIMARY, keyView } from "../../support/fixtures.js";

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

const DENIED = {
  name: "AccessDeniedException",
  message: "User is not authorized to perform kms:ReplicateKey",
  hint: "Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
};

/** A replicate (or wait) key's report, its entry made as the fleet makes it. */
function runReport(results: RegionResult[], exitCode: ExitCode = EXIT.ok, keyId = KEY_ID): FleetKeyReport {
  const doc = runJson({
    command: "replicate",
    exitCode,
    dryRun: false,
    primary: { ...PRIMARY, keyId },
    results,
    warnings: [],
    elapsedMs: 1_000,
  });
  return { keyId, primaryRegion: "us-east-1", entry: entryOf(keyId, doc) };
}

const created = (region: string, extra: Partial<RegionResult> = {}): RegionResult =>
  ({ region, status: "created", keyState: "Enabled", elapsedMs: 1_000, ...extra }) as RegionResult;
const failed = (region: string): RegionResult => ({
  region,
  status: "failed",
  elapsedMs: 1_000,
  error: DENIED,
});

function progress(overrides: Partial<FleetProgress> = {}): FleetProgress {
  return {
    command: "replicate",
    dryRun: false,
    keys: 200,
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
    // WHEN / THEN into eu-west-1: 90 × 2 / 5 = 36 s; from us-east-1: 90 × 1.2 / 5 = 21.6 s; no Creating seen: + 0
    expect(replicateEstimateMs(input)).toBe(36_000);
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
      command: "promote",
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
      command: "status",
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
    expect(fleetStartLine("replicate", 200, false)).toBe("Replicating 200 keys.");
    expect(fleetStartLine("sync", 1, true)).toBe("Dry run: would sync 1 key.");
  });
});

describe("fleetKeyLines", () => {
  it("counts a settled key's Regions", () => {
    // GIVEN
    const report = runReport([
      created("eu-west-1"),
      created("ap-southeast-2"),
      { ...created("sa-east-1"), status: "exists" },
    ]);
    // WHEN / THEN
    expect(fleetKeyLines("replicate", report, plain)).toEqual([
      `✔ ${KEY_ID} (us-east-1) 2 created, 1 exists`,
    ]);
    expect(isBadKey("replicate", report)).toBe(false);
    expect(hasNote("replicate", report)).toBe(false);
  });

  it("gives each failed Region its error and hint, and the timed-out ones their state", () => {
    // GIVEN
    const report = runReport(
      [
        created("ap-southeast-2"),
        failed("eu-west-1"),
        {
          region: "eu-central-1",
          status: "timeout",
          keyState: "Creating",
          elapsedMs: 1_000,
          note: "It may still finish.",
        },
      ],
      EXIT.failed,
    );
    // WHEN / THEN
    expect(fleetKeyLines("replicate", report, plain)).toEqual([
      `✖ ${KEY_ID} (us-east-1) eu-west-1 failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
      "  → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
      `⏱ ${KEY_ID} (us-east-1) eu-central-1 timeout (Creating)`,
      "  → eu-central-1: It may still finish.",
    ]);
    expect(isBadKey("replicate", report)).toBe(true);
  });

  it("counts a key a signal stopped first, then its failures (which make it a key to show)", () => {
    // GIVEN
    const report = runReport(
      [
        created("ap-southeast-2"),
        failed("eu-west-1"),
        { region: "sa-east-1", status: "interrupted", elapsedMs: 1 },
      ],
      EXIT.interrupted,
    );
    // WHEN / THEN
    expect(fleetKeyLines("replicate", report, plain)).toEqual([
      `■ ${KEY_ID} (us-east-1) 1 created, 1 failed, 1 interrupted`,
      `✖ ${KEY_ID} (us-east-1) eu-west-1 failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
      "  → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
    ]);
    expect(isBadKey("replicate", report)).toBe(true);
  });

  it("shows a key's own error when it failed before its Regions", () => {
    // GIVEN
    const doc = runJson({
      command: "replicate",
      exitCode: EXIT.failed,
      dryRun: false,
      results: [],
      error: { name: "NotFoundException", message: "No such key.", hint: "Check the key ARN." },
      warnings: [],
      elapsedMs: 0,
    });
    const report = { keyId: KEY_ID, primaryRegion: "us-east-1", entry: entryOf(KEY_ID, doc) as FleetKeyJson };
    // WHEN / THEN
    expect(fleetKeyLines("wait", report, plain)).toEqual([
      `✖ ${KEY_ID} (us-east-1) failed: NotFoundException: No such key.`,
      "  → Check the key ARN.",
    ]);
  });

  it("groups the same note of several Regions, and marks a dry run's key as planned", () => {
    // GIVEN
    const note = "Not waited for: run kms-replicate wait.";
    const report = runReport([
      { region: "eu-west-1", status: "planned", elapsedMs: 0, note },
      { region: "ap-southeast-2", status: "planned", elapsedMs: 0, note },
    ]);
    // WHEN / THEN
    expect(fleetKeyLines("replicate", report, plain)).toEqual([
      `○ ${KEY_ID} (us-east-1) planned eu-west-1, ap-southeast-2`,
      `  → eu-west-1, ap-southeast-2: ${note}`,
    ]);
    expect(hasNote("replicate", report)).toBe(true);
  });

  it("counts sync's outcomes", () => {
    // GIVEN
    const results: WorkResult[] = [
      { keyId: KEY_ID, region: "eu-west-1", outcome: "done", changes: [], elapsedMs: 1 },
      { keyId: KEY_ID, region: "ap-southeast-2", outcome: "unchanged", changes: [], elapsedMs: 1 },
    ];
    const doc = syncJson({
      exitCode: EXIT.ok,
      dryRun: false,
      primary: PRIMARY,
      results,
      warnings: [],
      elapsedMs: 1,
    });
    const report = { keyId: KEY_ID, primaryRegion: "us-east-1", entry: entryOf(KEY_ID, doc) as FleetKeyJson };
    // WHEN / THEN
    expect(fleetKeyLines("sync", report, plain)).toEqual([`✔ ${KEY_ID} (us-east-1) 1 done, 1 unchanged`]);
  });

  it.each<{ outcome: PromoteReport["outcome"]; exitCode: ExitCode; lines: string[] }>([
    {
      outcome: "promoted",
      exitCode: EXIT.ok,
      lines: [`✔ ${KEY_ID} (us-east-1) promoted: the primary is now in eu-west-1 (settled in 12s)`],
    },
    {
      outcome: "unchanged",
      exitCode: EXIT.ok,
      lines: [`✔ ${KEY_ID} (us-east-1) unchanged: eu-west-1 is the primary already`],
    },
    {
      outcome: "failed",
      exitCode: EXIT.failed,
      lines: [
        `✖ ${KEY_ID} (us-east-1) failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
        "  → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
        "  → Nothing was changed.",
      ],
    },
  ])("promote: $outcome", ({ outcome, exitCode, lines }) => {
    // GIVEN
    const member = {
      region: "us-east-1",
      arn: PRIMARY.arn,
      role: "PRIMARY" as const,
      keyState: "Enabled",
      primaryRegion: "us-east-1",
    };
    const report: PromoteReport = {
      outcome,
      keyId: KEY_ID,
      to: "eu-west-1",
      oldPrimary: member,
      keys: [member],
      accepted: outcome === "promoted",
      calls: 1,
      settleMs: outcome === "promoted" ? 12_300 : undefined,
      note: outcome === "failed" ? "Nothing was changed." : undefined,
      error: outcome === "failed" ? DENIED : undefined,
    };
    const doc = promoteJson({ exitCode, dryRun: false, report, error: null, warnings: [], elapsedMs: 1 });
    const fleet = { keyId: KEY_ID, primaryRegion: "us-east-1", entry: entryOf(KEY_ID, doc) as FleetKeyJson };
    // WHEN / THEN
    expect(fleetKeyLines("promote", fleet, plain)).toEqual(lines);
  });

  it("status: counts the family's keys (the table says which)", () => {
    // GIVEN
    const rows = [
      { view: keyView("us-east-1", "PRIMARY"), drift: [] },
      { view: keyView("eu-west-1", "REPLICA", { keyState: "PendingDeletion", enabled: false }), drift: [] },
    ];
    const doc = statusJson(rows, isUsableKey, EXIT.failed, null);
    const report = { keyId: KEY_ID, primaryRegion: "us-east-1", entry: entryOf(KEY_ID, doc) as FleetKeyJson };
    // WHEN / THEN
    expect(fleetKeyLines("status", report, plain)).toEqual([
      `✖ ${KEY_ID} (us-east-1) 2 keys: 1 usable, 1 not usable`,
    ]);
  });
});

describe("fleetSummaryLines", () => {
  it("counts each target Region, lists the first 20 failed keys, and ends with the keys and the time", () => {
    // GIVEN 30 keys, 25 of them failed in eu-west-1
    const reports = Array.from({ length: 30 }, (_, i) => {
      const keyId = `mrk-${String(i).padStart(32, "0")}`;
      return i < 25
        ? runReport([created("ap-southeast-2"), failed("eu-west-1")], EXIT.failed, keyId)
        : runReport([created("ap-southeast-2"), created("eu-west-1")], EXIT.ok, keyId);
    });
    // WHEN
    const lines = fleetSummaryLines("replicate", tallyOf("replicate", reports), 270_000, false, plain);
    // THEN
    expect(lines.slice(0, 3)).toEqual([
      "ap-southeast-2 30 created",
      "eu-west-1      5 created, 25 failed",
      "25 keys failed:",
    ]);
    expect(lines[3]).toBe(
      `  ✖ mrk-${"0".repeat(32)} (us-east-1) eu-west-1 failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
    );
    expect(lines[4]).toBe("    → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.");
    expect(lines.filter((l) => l.startsWith("  ✖"))).toHaveLength(20);
    expect(lines.slice(-2)).toEqual([
      "  … 5 more (every key is in the JSON document: --output json)",
      "30 keys in 4m30s: 5 ok, 25 failed.",
    ]);
  });

  it("says a dry run changed nothing", () => {
    // GIVEN
    const reports = [runReport([{ region: "eu-west-1", status: "planned", elapsedMs: 0 }])];
    // WHEN / THEN
    expect(fleetSummaryLines("replicate", tallyOf("replicate", reports), 2_000, true, plain)).toEqual([
      "eu-west-1      1 planned",
      "1 key in 2s: 1 ok. Dry run: nothing was changed.",
    ]);
  });

  it("promote: keys by promote outcome; status: one line", () => {
    // GIVEN
    const member = {
      region: "us-east-1",
      arn: PRIMARY.arn,
      role: "PRIMARY" as const,
      keyState: "Enabled",
      primaryRegion: "us-east-1",
    };
    const promoted = promoteJson({
      exitCode: EXIT.ok,
      dryRun: false,
      report: {
        outcome: "promoted",
        keyId: KEY_ID,
        to: "eu-west-1",
        oldPrimary: member,
        keys: [member],
        accepted: true,
        calls: 1,
      },
      error: null,
      warnings: [],
      elapsedMs: 1,
    });
    const report = {
      keyId: KEY_ID,
      primaryRegion: "us-east-1",
      entry: entryOf(KEY_ID, promoted) as FleetKeyJson,
    };
    const drifting = statusJson(
      [
        { view: keyView("us-east-1", "PRIMARY"), drift: [] },
        {
          view: keyView("eu-west-1", "REPLICA"),
          drift: [{ field: "tags", detail: "tags: missing env=prod", primary: { env: "prod" }, replica: {} }],
        },
      ],
      isUsableKey,
      EXIT.drift,
      null,
    );
    const status = {
      keyId: KEY_ID,
      primaryRegion: "us-east-1",
      entry: entryOf(KEY_ID, drifting) as FleetKeyJson,
    };
    // WHEN / THEN
    expect(fleetSummaryLines("promote", tallyOf("promote", [report, report]), 61_000, false, plain)).toEqual([
      "2 keys in 1m01s: 2 promoted.",
      expect.stringMatching(/^Each promoted key's other keys now follow its new primary/) as unknown,
    ]);
    expect(fleetSummaryLines("status", tallyOf("status", [status]), 3_000, false, plain)).toEqual([
      "1 key family read in 3s: 1 drift.",
    ]);
    expect(outcomesOf("status", tallyOf("status", [status])).find((o) => o.outcome === "drift")?.count).toBe(
      1,
    );
  });

  it("colours only through the chalk it is given", () => {
    // GIVEN
    const reports = [runReport([failed("eu-west-1")], EXIT.failed)];
    // WHEN
    const text = fleetSummaryLines("replicate", tallyOf("replicate", reports), 1_000, false, coloured).join(
      "\n",
    );
    // THEN
    expect(text).toContain("\u001B[31m");
    expect(
      fleetSummaryLines("replicate", tallyOf("replicate", reports), 1_000, false, plain).join("\n"),
    ).not.toContain("\u001B[");
  });
});

describe("fleetWaitCommand", () => {
  const resume = { timeoutMs: 1_800_000, profile: "prod admin" };
  const selection = {
    keys: [],
    allPrimaries: true,
    regions: ["us-east-1", "us-west-2"],
    selectTags: [{ TagKey: "dr", TagValue: "true" }],
  };
  const late = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      arn: `arn:aws:kms:us-east-1:111122223333:key/mrk-${String(i).padStart(32, "0")}`,
      regions: i % 2 === 0 ? ["eu-west-1"] : ["eu-west-1", "sa-east-1"],
    }));

  it("names a few keys one by one, with every Region that timed out, shell-quoted", () => {
    // GIVEN / WHEN
    const command = fleetWaitCommand(late(2), selection, resume);
    // THEN
    expect(command).toBe(
      `kms-replicate wait --key ${late(2)[0]?.arn} --key ${late(2)[1]?.arn} --regions eu-west-1,sa-east-1 --profile 'prod admin' --timeout 30m`,
    );
  });

  it("gives many keys as the run's own selection", () => {
    // GIVEN / WHEN / THEN
    expect(fleetWaitCommand(late(11), selection, resume)).toBe(
      "kms-replicate wait --all-primaries --region us-east-1 --region us-west-2 --select-tag dr=true --regions eu-west-1,sa-east-1 --profile 'prod admin' --timeout 30m",
    );
    expect(
      fleetWaitCommand(
        late(11),
        { ...selection, allPrimaries: false, keysFrom: "dr.txt", regions: [] },
        resume,
      ),
    ).toMatch(/^kms-replicate wait --keys-from dr\.txt --select-tag dr=true --regions/);
  });

  it("cannot give again a key list read from stdin", () => {
    // GIVEN / WHEN / THEN
    expect(fleetWaitCommand(late(11), { ...selection, allPrimaries: false, keysFrom: "-" }, resume)).toBe(
      undefined,
    );
  });
});
