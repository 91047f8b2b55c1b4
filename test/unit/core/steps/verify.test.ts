import { describe, it, expect } from "vitest";
import type { Desired } from "../../../../src/core/desired.js";
import { unverified, verifyStep, type VerifySettings } from "../../../../src/core/steps/verify.js";
import type { WorkResult } from "../../../../src/core/events.js";
import type { Progress } from "../../../../src/core/steps/work.js";
import { fakeReplica } from "../../../support/fake-replica.js";
import { waitSettings } from "../../../support/fake-kms.js";
import { PRIMARY, arnIn, keyView } from "../../../support/fixtures.js";

const UNIT = { primary: PRIMARY, region: "eu-west-1", arn: arnIn("eu-west-1"), existing: true };
const DESIRED: Desired = { description: "new", tags: { team: "payments" } };

/** A unit whose converge step applied a new description. */
const APPLIED: Progress = {
  arn: arnIn("eu-west-1"),
  since: 0,
  requested: false,
  keyState: "Enabled",
  changes: [{ op: "description", from: "old", to: "new" }],
  pending: [],
};

describe("verifyStep", () => {
  it("reads again with growing pauses, for at most its bound, then fails with what did not read back", async () => {
    // GIVEN a description that never reads back (every read sees the old one)
    const replica = fakeReplica({ state: { description: "old" } });
    const settings: VerifySettings = {
      desired: DESIRED,
      diff: { pruneTags: false, pruneAliases: false },
      verify: { initialMs: 20, factor: 2, maxMs: 40, boundMs: 150 },
    };
    const { settings: ctx } = waitSettings(replica.kms);
    // WHEN
    const started = performance.now();
    const result = (await verifyStep(settings)(UNIT, APPLIED, ctx)) as WorkResult;
    const took = performance.now() - started;
    // THEN reads at about 0, 20, 60, 100, 140 and 150 ms: pauses 20, 40, 40, 40, then the rest of the bound
    expect(result.outcome).toBe("failed");
    if (result.outcome !== "failed") return;
    expect(result.error.name).toBe("NotVerified");
    expect(result.error.message).toMatch(/1 change did not read back within 0\.\d s \(description\)/);
    expect(result.changes).toEqual(APPLIED.changes);
    const reads = replica.calls.filter((c) => c.startsWith("DescribeKey")).length;
    expect(reads).toBeGreaterThanOrEqual(5);
    expect(reads).toBeLessThanOrEqual(7);
    expect(took).toBeGreaterThanOrEqual(145);
    expect(took).toBeLessThan(600);
  });

  it("never waits past the run's deadline", async () => {
    const replica = fakeReplica({ state: { description: "old" } });
    const { settings: ctx } = waitSettings(replica.kms);
    const settings: VerifySettings = {
      desired: DESIRED,
      diff: { pruneTags: false, pruneAliases: false },
      verify: { initialMs: 10, factor: 1, maxMs: 10, boundMs: 60_000 },
    };
    const started = performance.now();
    const result = await verifyStep(settings)(UNIT, APPLIED, { ...ctx, deadline: performance.now() + 50 });
    expect("outcome" in result && result.outcome).toBe("failed");
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("hands the unit on as soon as what was applied reads back", async () => {
    const replica = fakeReplica({ state: { description: "new" } });
    const { settings: ctx } = waitSettings(replica.kms);
    const next = await verifyStep({ desired: DESIRED, diff: { pruneTags: false, pruneAliases: false } })(
      UNIT,
      APPLIED,
      ctx,
    );
    expect("outcome" in next).toBe(false);
    expect(replica.calls.filter((c) => c.startsWith("DescribeKey"))).toHaveLength(1);
  });

  it("does not verify when nothing was applied, or when an operation failed", async () => {
    const replica = fakeReplica();
    const { settings: ctx } = waitSettings(replica.kms);
    const step = verifyStep({ desired: DESIRED, diff: { pruneTags: false, pruneAliases: false } });
    await step(UNIT, { ...APPLIED, changes: [] }, ctx);
    await step(UNIT, { ...APPLIED, pending: [{ op: "tag", key: "team", value: "payments" }] }, ctx);
    expect(replica.calls).toEqual([]);
  });

  it("is interrupted, with what was applied, when the run is stopped", async () => {
    const replica = fakeReplica({ state: { description: "old" } });
    const { settings: ctx } = waitSettings(replica.kms);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 30);
    const result = (await verifyStep({
      desired: DESIRED,
      diff: { pruneTags: false, pruneAliases: false },
      verify: { initialMs: 10, factor: 1, maxMs: 10, boundMs: 10_000 },
    })(UNIT, APPLIED, { ...ctx, signal: stop.signal })) as WorkResult;
    expect(result).toMatchObject({ outcome: "interrupted", changes: APPLIED.changes });
  });
});

describe("unverified", () => {
  const view = keyView("eu-west-1", "REPLICA", {
    description: "new",
    tags: { team: "old" },
    aliases: [],
  });

  it("lists the applied operations the replica as read does not show yet", () => {
    const applied = [
      { op: "description", from: "old", to: "new" },
      { op: "tag", key: "team", value: "payments", from: "old" },
      { op: "realias", name: "alias/payments", from: "mrk-other" },
    ] as const;
    expect(
      unverified(applied, { ...DESIRED, aliases: ["alias/payments"] }, view, {
        pruneTags: false,
        pruneAliases: false,
      }),
    ).toEqual([applied[1], applied[2]]);
  });
});
