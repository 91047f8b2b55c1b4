import { PassThrough } from "node:stream";
import { Chalk } from "chalk";
import { afterEach, beforeEach, describe, it, expect, vi } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import type { RegionResult, ReplicaEvent } from "../../../src/core/events.js";
import type { FleetKey, FleetLook } from "../../../src/report/fleet-key.js";
import { createFleetReporter, type FleetReporter } from "../../../src/report/fleet-live.js";
import type { OutputMode } from "../../../src/report/mode.js";
import { PRIMARY, keyView } from "../../support/fixtures.js";
import {
  failedKey,
  keyId,
  primaryOf,
  promote,
  promoteKey,
  regionKey,
  replicate,
  status,
  statusKey,
  sync,
  syncKey,
} from "../../support/fleet-views.js";

const PLAIN_MODE: OutputMode = {
  spinner: false,
  color: false,
  json: false,
  quiet: false,
  debug: false,
  table: { aligned: false, columns: 80, color: false },
  heartbeatMs: 0,
};

const QUOTAS = { ReplicateKey: 5, CreateKey: 5, UpdatePrimaryRegion: 5 };
const REGIONS = ["eu-west-1", "ap-southeast-2"];

async function reporter(
  mode: Partial<OutputMode> = {},
  options: {
    now?: () => number;
    look?: FleetLook;
    dryRun?: boolean;
    resume?: { endpointUrl?: string; timeoutMs: number; argv?: readonly string[] };
  } = {},
): Promise<{ reporter: FleetReporter; lines: () => string[]; text: () => string }> {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const fleet = await createFleetReporter({
    mode: { ...PLAIN_MODE, ...mode },
    stream,
    chalk: new Chalk({ level: 0 }),
    dryRun: options.dryRun ?? false,
    now: options.now ?? (() => 0),
    look: options.look ?? replicate.render.fleet,
    resume: options.resume,
  });
  return {
    reporter: fleet,
    lines: () => text.split("\n").filter((line) => line !== ""),
    text: () => text,
  };
}

const created = (region: string): RegionResult => ({
  region,
  status: "created",
  keyState: "Enabled",
  elapsedMs: 1_000,
});
const denied = (region: string): RegionResult => ({
  region,
  status: "failed",
  elapsedMs: 1_000,
  error: { name: "AccessDeniedException", message: "not allowed", hint: "grant kms:CreateKey" },
});

/** Key i of a replicate fleet, settled with `results`: as replicate's own render shows it. */
function reportOf(i: number, results: RegionResult[], exitCode: ExitCode = EXIT.ok): FleetKey {
  return regionKey(primaryOf(i), results, exitCode);
}

/** Key i of a replicate fleet: planned, each Region requested and Creating, then settled as `results`. */
function replicateKey(
  r: FleetReporter,
  i: number,
  results: RegionResult[],
  exitCode: ExitCode = EXIT.ok,
): void {
  r.event({ type: "plan", primary: primaryOf(i), regions: results.map((x) => x.region) });
  for (const { region } of results) {
    r.event({ type: "phase", keyId: keyId(i), region, phase: "requesting" });
    r.event({ type: "phase", keyId: keyId(i), region, phase: "creating", keyState: "Creating" });
  }
  for (const result of results) r.event({ type: "settled", keyId: keyId(i), result });
  r.key(reportOf(i, results, exitCode));
}

const fleetEvent = (keys: number): ReplicaEvent => ({
  type: "fleet",
  keys,
  dryRun: false,
  quotas: QUOTAS,
  selecting: false,
  selection: { keys: [], allPrimaries: true, regions: ["us-east-1"], selectTags: [] },
});

describe("createFleetReporter (no terminal)", () => {
  it("prints a start line, a line per key as it settles, and the summary", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter();
    // WHEN
    r.event(fleetEvent(2));
    const ok = [created("eu-west-1"), created("ap-southeast-2")];
    const bad = [created("eu-west-1"), denied("ap-southeast-2")];
    replicateKey(r, 1, ok);
    replicateKey(r, 2, bad, EXIT.failed);
    r.finish([reportOf(1, ok), reportOf(2, bad, EXIT.failed)], 65_000);
    // THEN
    expect(lines()).toEqual([
      "Replicating 2 keys.",
      `✔ ${keyId(1)} (us-east-1) 2 created`,
      `✖ ${keyId(2)} (us-east-1) ap-southeast-2 failed: AccessDeniedException: not allowed`,
      "  → grant kms:CreateKey",
      "eu-west-1      2 created",
      "ap-southeast-2 1 created, 1 failed",
      "1 key failed:",
      `  ✖ ${keyId(2)} (us-east-1) ap-southeast-2 failed: AccessDeniedException: not allowed`,
      "    → grant kms:CreateKey",
      "2 keys in 1m05s: 1 ok, 1 failed.",
    ]);
  });

  it("prints no line for a key a signal stopped before it started, and finishes once", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter();
    r.event(fleetEvent(2));
    replicateKey(r, 1, [created("eu-west-1")]);
    const report = failedKey(
      primaryOf(2),
      { name: "Interrupted", message: "Stopped by SIGINT before this key was started." },
      EXIT.interrupted,
    );
    // WHEN
    r.key(report);
    r.finish([reportOf(1, [created("eu-west-1")]), report], 3_000);
    r.finish([reportOf(1, [created("eu-west-1")]), report], 3_000);
    // THEN
    // (a run a signal stopped ends with one line, which tells the key it never started)
    expect(lines()).toEqual([
      "Replicating 2 keys.",
      `✔ ${keyId(1)} (us-east-1) 1 created`,
      "2 keys in 3s: 1 ok, 1 never started. Stopped by a signal: run the same command again to finish (what is done counts as done).",
    ]);
  });

  it("after a signal: a line per key it stopped at work, and one summary line that counts apart the keys it stopped before anything was sent", async () => {
    // GIVEN 3 keys: key 1 requested a replica; key 2 was planned, its call still held for a quota slot; key 3 had not begun
    const { reporter: r, lines } = await reporter();
    r.event(fleetEvent(3));
    const note = "The replica exists in AWS and finishes on its own.";
    r.event({ type: "plan", primary: primaryOf(1), regions: REGIONS });
    r.event({ type: "phase", keyId: keyId(1), region: "eu-west-1", phase: "queued" });
    r.event({ type: "phase", keyId: keyId(1), region: "eu-west-1", phase: "creating", keyState: "Creating" });
    r.event({ type: "plan", primary: primaryOf(2), regions: REGIONS });
    for (const region of REGIONS) r.event({ type: "phase", keyId: keyId(2), region, phase: "queued" });
    const stopped = (i: number, notes: (string | undefined)[]): FleetKey =>
      reportOf(
        i,
        REGIONS.map((region, n) => ({ region, status: "interrupted", elapsedMs: 1, note: notes[n] })),
        EXIT.interrupted,
      );
    const keys = [
      stopped(1, [note, "Interrupted before ReplicateKey was sent."]),
      stopped(2, ["Interrupted before ReplicateKey was sent.", "Interrupted before ReplicateKey was sent."]),
      failedKey(
        primaryOf(3),
        { name: "Interrupted", message: "Stopped by SIGINT before this key was started." },
        EXIT.interrupted,
      ),
    ];
    // WHEN
    for (const key of keys) r.key(key);
    r.finish(keys, 3_000);
    // THEN
    expect(lines()).toEqual([
      "Replicating 3 keys.",
      `■ ${keyId(1)} (us-east-1) 2 interrupted`,
      "3 keys in 3s: 1 interrupted, 2 never started. Stopped by a signal: run the same command again to finish (what is done counts as done).",
    ]);
  });

  it("after a second signal (no reports), sums up the keys settled so far", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter();
    r.event(fleetEvent(3));
    replicateKey(r, 1, [created("eu-west-1")]);
    // WHEN
    r.finish([], 3_000);
    // THEN
    expect(lines().slice(-2)).toEqual(["eu-west-1      1 created", "1 key in 3s: 1 ok."]);
  });

  it("announces a call that keeps failing once per operation and Region; with --debug, every call", async () => {
    // GIVEN
    const call = (attempt: number): ReplicaEvent => ({
      type: "call",
      operation: "ReplicateKey",
      region: "us-east-1",
      target: "eu-west-1",
      attempt,
      durationMs: 3,
      errorName: "ThrottlingException",
      willRetry: true,
    });
    const plain = await reporter();
    const debug = await reporter({ debug: true });
    // WHEN
    for (const r of [plain.reporter, debug.reporter]) {
      for (const attempt of [1, 2, 3, 1, 2]) r.event(call(attempt));
      r.event({ type: "warning", message: `${keyId(1)}: the key policy names its Region` });
    }
    // THEN
    expect(plain.lines()).toEqual([
      "⚠ ReplicateKey in us-east-1 (for eu-west-1) failed twice (ThrottlingException); retrying with backoff. --debug shows every attempt.",
      `⚠ ${keyId(1)}: the key policy names its Region`,
    ]);
    expect(debug.lines()).toHaveLength(6);
    expect(debug.lines()[0]).toBe(
      "[debug] KMS.ReplicateKey(us-east-1 → eu-west-1) attempt 1 [3ms] -> ThrottlingException, retrying",
    );
  });
});

describe("createFleetReporter: --quiet", () => {
  it("prints only the failed keys and a run-ending error", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter({ quiet: true });
    // WHEN
    r.event(fleetEvent(3));
    r.event({ type: "warning", message: "a warning" });
    replicateKey(r, 1, [created("eu-west-1")]);
    replicateKey(r, 2, [denied("eu-west-1")], EXIT.failed);
    r.error({ name: "UsageError", message: "stopped", hint: "do this" });
    r.finish([], 1_000);
    // THEN
    expect(lines()).toEqual([
      `✖ ${keyId(2)} (us-east-1) eu-west-1 failed: AccessDeniedException: not allowed`,
      "  → grant kms:CreateKey",
      "✖ stopped",
      "  → do this",
    ]);
  });
});

describe("createFleetReporter: status", () => {
  it("prints a line only for a family that could not be read, and leaves the summary to the table (status.ts)", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter({}, { look: status.render.fleet });
    const unusable = statusKey(
      primaryOf(1),
      [
        { view: keyView("us-east-1", "PRIMARY"), drift: [] },
        { view: keyView("eu-west-1", "REPLICA", { keyState: "PendingDeletion" }), drift: [] },
      ],
      EXIT.failed,
    );
    const unread = failedKey(
      primaryOf(2),
      { name: "AccessDeniedException", message: "not allowed", hint: "grant kms:DescribeKey" },
      EXIT.failed,
      status,
    );
    const reports = [unusable, unread];
    // WHEN
    r.event(fleetEvent(2));
    for (const each of reports) r.key(each);
    r.finish(reports, 2_000);
    // THEN
    expect(lines()).toEqual([
      "Reading 2 keys.",
      `✖ ${keyId(2)} (us-east-1) failed: AccessDeniedException: not allowed`,
      "  → grant kms:DescribeKey",
    ]);
  });
});

describe("createFleetReporter: heartbeat (no spinner)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sums up the fleet every interval while keys are open, with the time left, and stops after the last key", async () => {
    // GIVEN a fleet of 3 keys, a heartbeat every 30 s, a fake clock
    const { reporter: r, lines } = await reporter({ heartbeatMs: 30_000 }, { now: () => Date.now() });
    r.event(fleetEvent(3));
    // key 1 is planned into 2 Regions; both requested and Creating
    r.event({ type: "plan", primary: primaryOf(1), regions: REGIONS });
    for (const region of REGIONS) {
      r.event({ type: "phase", keyId: keyId(1), region, phase: "creating", keyState: "Creating" });
    }
    // WHEN 30 s pass
    vi.advanceTimersByTime(29_999);
    expect(lines().filter((l) => l.startsWith("waiting:"))).toEqual([]);
    vi.advanceTimersByTime(1);
    // THEN no time left yet: no Creating was seen to its end, and the requests alone (two keys not
    // planned yet counted as the planned one: 0.8 s) would promise far too little
    expect(lines().at(-1)).toBe(
      "waiting: 3 of 3 keys (1 at work, 2 queued); eu-west-1 0/3 done, 1 in progress; ap-southeast-2 0/3 done, 1 in progress; 30s",
    );
    // WHEN the first key settles 60 s after it began Creating, then 30 s pass
    vi.advanceTimersByTime(30_000);
    for (const region of REGIONS) r.event({ type: "settled", keyId: keyId(1), result: created(region) });
    r.key(reportOf(1, REGIONS.map(created)));
    vi.advanceTimersByTime(30_000);
    // THEN the typical Creating (60 s) is added to the requests of the 2 queued keys (2 per Region × 2 / 5 = 0.8 s)
    expect(lines().at(-1)).toBe(
      "waiting: 2 of 3 keys (2 queued); eu-west-1 1/3 done; ap-southeast-2 1/3 done; 1m30s, ~1m01s left",
    );
    // WHEN the other keys settle: no more lines, and no timer left behind
    replicateKey(r, 2, REGIONS.map(created));
    replicateKey(r, 3, REGIONS.map(created));
    const count = lines().length;
    vi.advanceTimersByTime(300_000);
    expect(lines()).toHaveLength(count);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("counts sync's Regions from the key's view, and estimates from the rate of keys settled", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter(
      { heartbeatMs: 10_000 },
      { now: () => Date.now(), look: sync.render.fleet },
    );
    r.event(fleetEvent(10));
    // WHEN 5 keys settle within 10 s (sync has no `settled` events: its Regions are in its view)
    for (let i = 1; i <= 5; i += 1) {
      r.event({ type: "plan", primary: primaryOf(i), regions: ["eu-west-1"], sync: true });
      r.event({ type: "phase", keyId: keyId(i), region: "eu-west-1", phase: "checking" });
      r.key(
        syncKey(primaryOf(i), [
          {
            keyId: keyId(i),
            region: "eu-west-1",
            outcome: "done",
            keyState: "Enabled",
            changes: [],
            elapsedMs: 1,
          },
        ]),
      );
    }
    vi.advanceTimersByTime(10_000);
    // THEN 5 keys in 10 s: 5 more take about 10 s
    expect(lines().at(-1)).toBe("waiting: 5 of 10 keys (5 queued); eu-west-1 5/10 done; 10s, ~10s left");
  });

  it("promote: counts keys by outcome, and estimates from UpdatePrimaryRegion's quota and the settle time seen", async () => {
    // GIVEN 10 keys; key 1's two Regions are watched from 0 s and it settles, promoted, at 20 s
    const { reporter: r, lines } = await reporter(
      { heartbeatMs: 30_000 },
      { now: () => Date.now(), look: promote.render.fleet },
    );
    r.event(fleetEvent(10));
    for (const region of ["us-east-1", "eu-west-1"]) {
      r.event({ type: "phase", keyId: keyId(1), region, phase: "creating", keyState: "Updating" });
    }
    vi.advanceTimersByTime(20_000);
    const member = {
      region: "us-east-1",
      arn: PRIMARY.arn,
      role: "REPLICA" as const,
      keyState: "Enabled",
      primaryRegion: "eu-west-1",
    };
    r.key(
      promoteKey(
        primaryOf(1),
        {
          outcome: "promoted",
          keyId: keyId(1),
          to: "eu-west-1",
          oldPrimary: member,
          keys: [member],
          accepted: true,
          calls: 1,
        },
        EXIT.ok,
      ),
    );
    // WHEN
    vi.advanceTimersByTime(10_000);
    // THEN 9 calls at 5 per s (1.8 s), then the typical 20 s
    expect(lines()).toEqual([
      "Promoting 10 keys.",
      `✔ ${keyId(1)} (us-east-1) promoted: the primary is now in eu-west-1`,
      "waiting: 9 of 10 keys (9 to go); 1 promoted; 30s, ~22s left",
    ]);
    r.finish([], 0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("gives no time left while keys are still being found (--all-primaries), then does", async () => {
    // GIVEN sync, whose time left comes from the rate of keys settled; the selection goes on
    const { reporter: r, lines } = await reporter(
      { heartbeatMs: 10_000 },
      { now: () => Date.now(), look: sync.render.fleet },
    );
    r.event({ ...fleetEvent(0), selecting: true } as ReplicaEvent);
    const done = (i: number): FleetKey =>
      syncKey(primaryOf(i), [
        {
          keyId: keyId(i),
          region: "eu-west-1",
          outcome: "done",
          keyState: "Enabled",
          changes: [],
          elapsedMs: 1,
        },
      ]);
    // WHEN 5 keys found settle, a sixth is at work, and 10 s pass
    for (let i = 1; i <= 5; i += 1) {
      r.event({ type: "plan", primary: primaryOf(i), regions: ["eu-west-1"], sync: true });
      r.key(done(i));
    }
    r.event({ type: "plan", primary: primaryOf(6), regions: ["eu-west-1"], sync: true });
    vi.advanceTimersByTime(10_000);
    // THEN
    expect(lines().at(-1)).toBe("waiting: 1 of 6 keys found so far (1 at work); eu-west-1 5/6+ done; 10s");
    // WHEN the selection ends with 10 keys
    r.event({ ...fleetEvent(10), selecting: false } as ReplicaEvent);
    vi.advanceTimersByTime(10_000);
    // THEN 5 keys in 20 s: 5 more take about 20 s
    expect(lines().at(-1)).toBe(
      "waiting: 5 of 10 keys (1 at work, 4 queued); eu-west-1 5/10 done; 20s, ~20s left",
    );
    r.finish([], 0);
  });

  it("clears its timer on a run-ending error", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter({ heartbeatMs: 1_000 }, { now: () => Date.now() });
    r.event(fleetEvent(5));
    // WHEN
    r.error({ name: "UsageError", message: "stopped" });
    vi.advanceTimersByTime(10_000);
    r.finish([], 0);
    // THEN
    expect(lines().filter((l) => l.startsWith("waiting:"))).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("createFleetReporter (terminal)", () => {
  it("prints only the keys that fail or have a note, and stops its block", async () => {
    // GIVEN a spinner on a stream ora animates
    const { reporter: r, text } = await reporter({ spinner: true });
    r.event(fleetEvent(3));
    // WHEN
    replicateKey(r, 1, [created("eu-west-1")]);
    replicateKey(r, 2, [denied("eu-west-1")], EXIT.failed);
    const noted: RegionResult = { ...created("eu-west-1"), status: "creating", note: "Not waited for." };
    replicateKey(r, 3, [noted]);
    r.finish([], 1_000);
    r.finish([], 1_000);
    // THEN
    const written = text();
    expect(written).toContain("Replicating 3 keys:");
    expect(written).not.toContain(`${keyId(1)}  1 created`);
    // On a terminal: the key ID, the result, and the error on a line of its own (80 columns).
    expect(written).toContain(
      `✖ ${keyId(2)}  eu-west-1 failed\n    AccessDeniedException: not allowed\n    → grant kms:CreateKey`,
    );
    expect(written).toContain(`✔ ${keyId(3)}  1 creating\n  → eu-west-1: Not waited for.`);
    expect(written).toContain("3 keys in 1s: 2 ok, 1 failed.");
  });
});

describe("createFleetReporter: Regions that timed out", () => {
  const late = (region: string): RegionResult => ({
    region,
    status: "timeout",
    keyState: "Creating",
    elapsedMs: 20_000,
  });

  it("prints the `kms-replicate wait` that picks them up, naming the keys when they are few, also with --quiet", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter(
      { quiet: true },
      { resume: { endpointUrl: "http://127.0.0.1:4566", timeoutMs: 1_200_000 } },
    );
    r.event(fleetEvent(2));
    const results = [
      [created("eu-west-1"), late("ap-southeast-2")],
      [created("eu-west-1"), created("ap-southeast-2")],
    ];
    replicateKey(r, 1, results[0] ?? [], EXIT.timeout);
    replicateKey(r, 2, results[1] ?? []);
    // WHEN
    r.finish([reportOf(1, results[0] ?? [], EXIT.timeout), reportOf(2, results[1] ?? [])], 30_000);
    // THEN
    expect(lines().slice(-2)).toEqual([
      "To keep waiting for it:",
      `  kms-replicate wait --key ${primaryOf(1).arn} --regions ap-southeast-2 --endpoint-url http://127.0.0.1:4566 --timeout 20m`,
    ]);
  });
});

describe("createFleetReporter: keys --timeout kept from beginning", () => {
  const notStarted = (region: string): RegionResult => ({ region, status: "notStarted", elapsedMs: 2_000 });

  it("counts them, and gives the same command to finish (not `wait`), also with --quiet", async () => {
    // GIVEN a key done and a key whose Regions were not begun
    const argv = ["--all-primaries", "--region", "us-east-1", "--regions", "eu-west-1", "--timeout", "2s"];
    const { reporter: r, lines } = await reporter(
      { quiet: true },
      { resume: { timeoutMs: 1_200_000, argv } },
    );
    r.event(fleetEvent(2));
    const done = reportOf(1, [created("eu-west-1")]);
    const late = reportOf(2, [notStarted("eu-west-1")], EXIT.timeout);
    r.key(done);
    r.key(late);
    // WHEN
    r.finish([done, late], 2_000);
    // THEN no line of its own (nothing failed), and the command that finishes it
    expect(lines()).toEqual([
      "--timeout ran out before everything was sent for 1 key (notStarted: nothing was changed there). To finish (what is done counts as done):",
      "  kms-replicate --all-primaries --region us-east-1 --regions eu-west-1 --timeout 20m",
    ]);
  });

  it("without --quiet, the summary counts them as notStarted", async () => {
    const { reporter: r, lines } = await reporter(
      {},
      { resume: { timeoutMs: 1_200_000, argv: ["--key", "k"] } },
    );
    r.event(fleetEvent(1));
    const late = reportOf(1, [notStarted("eu-west-1")], EXIT.timeout);
    r.key(late);
    r.finish([late], 2_000);
    expect(lines()).toContain("eu-west-1      1 notStarted");
    expect(lines()).toContain("1 key in 2s: 1 notStarted.");
  });
});
