// The counters behind a fleet's live block: per target Region what was planned, is in progress and
// ended how; keys at work and settled; and the time left, from the quotas or the rate of settled
// keys. Fed events and settled keys (each as its command's render shows it) on a clock the test moves.
import { describe, expect, it } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import type { PrimaryKey, RegionResult, ReplicaEvent, WorkResult } from "../../../src/core/events.js";
import type { PromoteReport } from "../../../src/commands/promote/json.js";
import { work as promote } from "../../../src/commands/promote/run.js";
import { work as replicate } from "../../../src/commands/replicate/run.js";
import { work as sync } from "../../../src/commands/sync/run.js";
import type { RegionProgress } from "../../../src/report/fleet-block.js";
import type { FleetKey, FleetLook } from "../../../src/report/fleet-key.js";
import { createTally, tallyOf } from "../../../src/report/fleet-summary.js";
import { FleetCounters, type FleetRun } from "../../../src/report/fleet-progress.js";
import { keyRun } from "../../support/fleet-documents.js";
import { PRIMARY, arnIn } from "../../support/fixtures.js";

/** The test's key i: PRIMARY with its own key ID, and replicas already in `existing`. */
function primaryOf(i: number, existing: readonly string[] = []): PrimaryKey {
  const keyId = `mrk-${String(i).padStart(32, "0")}`;
  return {
    ...PRIMARY,
    keyId,
    arn: PRIMARY.arn.replace(PRIMARY.keyId, keyId),
    replicas: existing.map((region) => ({ region, arn: arnIn(region).replace(PRIMARY.keyId, keyId) })),
  };
}

/** Counters over `look`, with a clock at `clock.now` (ms). */
function counters(look: FleetLook, run: Partial<FleetRun> = {}) {
  const clock = { now: 0 };
  const state: FleetRun = { keys: 0, selecting: false, quotas: {}, dryRun: false, startedAt: 0, ...run };
  return { clock, run: state, counters: new FleetCounters(look, state, () => clock.now) };
}

const plan = (primary: PrimaryKey, regions: readonly string[]): ReplicaEvent => ({
  type: "plan",
  primary,
  regions,
});
const creating = (primary: PrimaryKey, region: string): ReplicaEvent => ({
  type: "phase",
  keyId: primary.keyId,
  region,
  phase: "creating",
  keyState: "Creating",
});
const region = (name: string, status: RegionResult["status"]): RegionResult =>
  status === "failed"
    ? { region: name, status, elapsedMs: 1, error: { name: "AccessDeniedException", message: "no" } }
    : { region: name, status, keyState: "Enabled", elapsedMs: 1 };
const settled = (primary: PrimaryKey, name: string, status: RegionResult["status"]): ReplicaEvent => ({
  type: "settled",
  keyId: primary.keyId,
  result: region(name, status),
});
/** A settled replicate key, as replicate's render shows it. */
const replicated = (primary: PrimaryKey, exitCode: ExitCode, results: readonly RegionResult[]): FleetKey =>
  replicate.render.view(keyRun(primary.arn, exitCode, { primary, results }, undefined, primary), undefined);

/** A Region's counters, the ones not given 0. */
const counts = (name: string, given: Partial<RegionProgress>): RegionProgress => ({
  region: name,
  expected: 0,
  done: 0,
  failed: 0,
  timeout: 0,
  notStarted: 0,
  interrupted: 0,
  inProgress: 0,
  ...given,
});

describe("FleetCounters: per target Region", () => {
  it("counts each planned key's Regions, those in progress, and how each ended", () => {
    // GIVEN three keys; the second has a replica in eu-west-1 already
    const [one, two, three] = [primaryOf(1), primaryOf(2, ["eu-west-1"]), primaryOf(3)];
    const { counters: c } = counters(replicate.render.fleet, { keys: 3 });
    // WHEN two are planned, one of them works
    c.event(plan(one, ["eu-west-1", "ap-south-1"]));
    c.event(plan(two, ["eu-west-1"]));
    c.event(creating(one, "eu-west-1"));
    // THEN
    expect(c.progress(createTally())).toMatchObject({
      keys: 3,
      settled: 0,
      atWork: 2,
      plannedKeys: 2,
      regions: [counts("eu-west-1", { expected: 2, inProgress: 1 }), counts("ap-south-1", { expected: 1 })],
    });
    expect([c.started(one.keyId), c.started(three.keyId)]).toEqual([true, false]);
    // WHEN the first key's Regions settle, then the key
    c.event(settled(one, "eu-west-1", "created"));
    c.event(settled(one, "ap-south-1", "failed"));
    c.key(replicated(one, EXIT.failed, [region("eu-west-1", "created"), region("ap-south-1", "failed")]));
    // THEN nothing is counted twice
    expect(c.progress(createTally())).toMatchObject({
      settled: 1,
      atWork: 1,
      regions: [
        counts("eu-west-1", { expected: 2, done: 1 }),
        counts("ap-south-1", { expected: 1, failed: 1 }),
      ],
    });
    expect(c.started(one.keyId)).toBe(false);
    // WHEN the second key settles with no Region event (a signal), and a third never planned settles
    c.key(replicated(two, EXIT.interrupted, [region("eu-west-1", "interrupted")]));
    c.key(replicated(three, EXIT.ok, [region("eu-west-1", "created")]));
    // THEN the second closes as it ended; the third is counted as it ended, where it was not expected
    expect(c.progress(createTally())).toMatchObject({
      keys: 3,
      settled: 3,
      atWork: 0,
      regions: [
        counts("eu-west-1", { expected: 3, done: 2, interrupted: 1 }),
        counts("ap-south-1", { expected: 1, failed: 1 }),
      ],
    });
  });

  it("a key that ends without its Regions' results closes them as the key ended", () => {
    // GIVEN two planned keys, a Region of each in progress
    const [one, two] = [primaryOf(1), primaryOf(2)];
    const { counters: c } = counters(replicate.render.fleet, { keys: 2 });
    for (const key of [one, two]) {
      c.event(plan(key, ["eu-west-1", "ap-south-1"]));
      c.event(creating(key, "eu-west-1"));
    }
    // WHEN one fails as a whole, the other is ok with no Region listed
    c.key(
      replicate.render.view(
        keyRun<never>(one.arn, EXIT.failed, undefined, { name: "KMSInternalException", message: "x" }, one),
        undefined,
      ),
    );
    c.key(replicated(two, EXIT.ok, []));
    // THEN
    expect(c.progress(createTally()).regions).toEqual([
      counts("eu-west-1", { expected: 2, done: 1, failed: 1 }),
      counts("ap-south-1", { expected: 2, done: 1, failed: 1 }),
    ]);
  });

  it("sync: a unit's `worked` result counts as it ended", () => {
    // GIVEN
    const key = primaryOf(1, ["eu-west-1", "ap-south-1"]);
    const { counters: c } = counters(sync.render.fleet, { keys: 1 });
    c.event(plan(key, ["eu-west-1", "ap-south-1"]));
    const worked = (name: string, outcome: "unchanged" | "timeout"): WorkResult => ({
      keyId: key.keyId,
      region: name,
      changes: [],
      elapsedMs: 1,
      outcome,
    });
    // WHEN
    c.event({ type: "worked", result: worked("eu-west-1", "unchanged") });
    c.event({ type: "worked", result: worked("ap-south-1", "timeout") });
    // THEN
    expect(c.progress(createTally()).regions).toEqual([
      counts("eu-west-1", { expected: 1, done: 1 }),
      counts("ap-south-1", { expected: 1, timeout: 1 }),
    ]);
  });

  it("the keys grow to those started and settled when more start than were announced (--all-primaries)", () => {
    // GIVEN one key announced while the selection goes on
    const { counters: c, run } = counters(replicate.render.fleet, { keys: 1, selecting: true });
    // WHEN three start
    for (const i of [1, 2, 3]) c.event(plan(primaryOf(i), ["eu-west-1"]));
    // THEN
    expect(c.progress(createTally()).keys).toBe(3);
    c.key(replicated(primaryOf(1), EXIT.ok, [region("eu-west-1", "created")]));
    expect(run.keys).toBe(3);
  });
});

describe("FleetCounters: keys by outcome (promote, status)", () => {
  it("no Region lines; the keys by the command's own words, from the tally", () => {
    // GIVEN
    const { counters: c } = counters(promote.render.fleet, { keys: 2 });
    const key = promote.render.view(keyRun(PRIMARY.arn, EXIT.ok, promotion("promoted", 900)), undefined);
    // WHEN
    c.key(key);
    const progress = c.progress(tallyOf([key]));
    // THEN
    expect(progress.regions).toEqual([]);
    expect(progress.outcomes.filter((o) => o.count > 0)).toEqual([{ outcome: "promoted", count: 1 }]);
    expect(progress.outcomes.map((o) => o.outcome).slice(0, 3)).toEqual(["promoted", "unchanged", "planned"]);
  });
});

describe("FleetCounters: the time left", () => {
  it("replicate: the ReplicateKey and CreateKey calls still to send at the quotas, then a typical Creating", () => {
    // GIVEN 2 keys, 1 ReplicateKey/s and 2 CreateKey/s per Region
    const { clock, counters: c } = counters(replicate.render.fleet, {
      keys: 2,
      quotas: { ReplicateKey: 1, CreateKey: 2 },
    });
    const one = primaryOf(1);
    // WHEN one key is planned into 2 Regions: the other key, queued, is counted as needing the same
    c.event(plan(one, ["eu-west-1", "ap-south-1"]));
    // THEN 4 ReplicateKey calls from us-east-1 at 1/s, each ending in a Creating of a time not known
    // yet: no time left until one Creating is seen to its end
    expect(c.progress(createTally()).leftMs).toBeUndefined();
    // WHEN one call is answered (its replica is Creating)
    clock.now = 1_000;
    c.event(creating(one, "eu-west-1"));
    expect(c.progress(createTally()).leftMs).toBeUndefined();
    // WHEN that replica is usable after 3 s of Creating: the 3 calls left (1/s), the last one
    // followed by as much
    clock.now = 4_000;
    c.event(settled(one, "eu-west-1", "created"));
    expect(c.progress(createTally()).leftMs).toBe(6_000);
  });

  it("replicate: with every call answered and none usable yet, the time left is not known", () => {
    // GIVEN
    const { clock, counters: c } = counters(replicate.render.fleet, {
      keys: 1,
      quotas: { ReplicateKey: 1, CreateKey: 2 },
    });
    const one = primaryOf(1);
    c.event(plan(one, ["eu-west-1"]));
    // WHEN
    c.event(creating(one, "eu-west-1"));
    clock.now = 10_000;
    // THEN
    expect(c.progress(createTally()).leftMs).toBeUndefined();
  });

  it("replicate: a replica that was there already needs no call", () => {
    // GIVEN
    const { counters: c } = counters(replicate.render.fleet, {
      keys: 1,
      quotas: { ReplicateKey: 1, CreateKey: 2 },
    });
    // WHEN the key's only Region holds a replica
    c.event(plan(primaryOf(1, ["eu-west-1"]), ["eu-west-1"]));
    // THEN nothing to send, nothing Creating: nothing left but to see it settle
    expect(c.progress(createTally()).leftMs).toBe(0);
  });

  it("promote: the keys still to move at the UpdatePrimaryRegion quota, then a typical settle", () => {
    // GIVEN 4 keys, 2 UpdatePrimaryRegion/s
    const { clock, counters: c } = counters(promote.render.fleet, {
      keys: 4,
      quotas: { UpdatePrimaryRegion: 2 },
    });
    // THEN 4 calls at 2/s, each ending in a settle of a time not known yet: not known
    expect(c.progress(createTally()).leftMs).toBeUndefined();
    // WHEN a key starts (its family is read)
    c.event({ type: "phase", keyId: PRIMARY.keyId, region: "us-east-1", phase: "requesting" });
    expect(c.progress(createTally()).leftMs).toBeUndefined();
    // WHEN it settles promoted after 3 s: a sample of the time a promotion takes to settle
    clock.now = 3_000;
    c.key(promote.render.view(keyRun(PRIMARY.arn, EXIT.ok, promotion("promoted", 2_500)), undefined));
    expect(c.progress(createTally()).leftMs).toBe(1_500 + 3_000);
  });

  it("a dry run and the commands that only wait: the rate of settled keys, once 5 settled", () => {
    for (const [look, dryRun] of [
      [sync.render.fleet, false],
      [replicate.render.fleet, true],
    ] as const) {
      // GIVEN 10 keys
      const { clock, counters: c } = counters(look, {
        keys: 10,
        dryRun,
        quotas: { ReplicateKey: 1, CreateKey: 2 },
      });
      // WHEN 4, then 5 settle in 5 s
      for (const i of [1, 2, 3, 4]) c.key(replicated(primaryOf(i), EXIT.ok, []));
      clock.now = 5_000;
      const early = c.progress(createTally()).leftMs;
      c.key(replicated(primaryOf(5), EXIT.ok, []));
      // THEN unknown, then 5 more at 1 s each
      expect([early, c.progress(createTally()).leftMs]).toEqual([undefined, 5_000]);
    }
  });
});

/** A promote report of `outcome`, settled `settleMs` after the call. */
function promotion(outcome: "promoted" | "unchanged", settleMs: number): PromoteReport {
  return {
    outcome,
    keyId: PRIMARY.keyId,
    to: "eu-west-1",
    oldPrimary: {
      region: "us-east-1",
      arn: PRIMARY.arn,
      role: "REPLICA",
      keyState: "Enabled",
      primaryRegion: "eu-west-1",
    },
    keys: [],
    accepted: outcome === "promoted",
    calls: outcome === "promoted" ? 1 : 0,
    settleMs,
  };
}
