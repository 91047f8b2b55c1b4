import { describe, it, expect } from "vitest";
import { syncReplicas, type SyncRunSettings } from "../../../../src/commands/sync/run.js";
import type { Desired } from "../../../../src/core/desired.js";
import { PENDING_IMPORT_NOTE } from "../../../../src/core/steps/sync.js";
import type { WorkResult } from "../../../../src/core/events.js";
import type { KmsPort } from "../../../../src/aws/kms.js";
import { fakeReplica, type FakeReplicaOptions } from "../../../support/fake-replica.js";
import { waitSettings } from "../../../support/fake-kms.js";
import { PRIMARY, arnIn } from "../../../support/fixtures.js";

const POLICY = '{"Version":"2012-10-17","Statement":[{"Sid":"Root","Effect":"Allow"}]}';

/** The primary's whole state, as sync's default (--copy-all) makes it. */
const DESIRED: Desired = {
  tags: { team: "payments", cost: "42" },
  description: "Payments key",
  policy: { text: POLICY, source: "primary" },
  aliases: ["alias/payments"],
};

const IN_LINE = {
  tags: { team: "payments", cost: "42" },
  description: "Payments key",
  policy: POLICY,
  aliases: ["alias/payments"],
};

const TINY_VERIFY = { initialMs: 1, factor: 2, maxMs: 5, boundMs: 200 };

function settingsFor(kms: KmsPort, overrides: Partial<SyncRunSettings> = {}): SyncRunSettings {
  return {
    ...waitSettings(kms).settings,
    desired: DESIRED,
    diff: { pruneTags: false, pruneAliases: false },
    bypassPolicyLockoutSafetyCheck: false,
    verify: TINY_VERIFY,
    ...overrides,
  };
}

async function syncOne(
  options: FakeReplicaOptions,
  overrides: Partial<SyncRunSettings> = {},
): Promise<{ result: WorkResult; replica: ReturnType<typeof fakeReplica>; settled: WorkResult[] }> {
  const replica = fakeReplica(options);
  const settled: WorkResult[] = [];
  const [result] = await syncReplicas(
    [{ primary: PRIMARY, region: "eu-west-1", arn: arnIn("eu-west-1"), existing: true }],
    settingsFor(replica.kms, overrides),
    (r) => settled.push(r),
  );
  if (result === undefined) throw new TypeError("no result");
  return { result, replica, settled };
}

describe("syncReplicas", () => {
  it("a replica in line is unchanged: no write, no verification", async () => {
    // GIVEN / WHEN
    const { result, replica, settled } = await syncOne({ state: IN_LINE });
    // THEN
    expect(result).toMatchObject({ outcome: "unchanged", keyState: "Enabled", changes: [] });
    expect(replica.writes()).toEqual([]);
    expect(replica.calls.filter((c) => c.startsWith("DescribeKey"))).toHaveLength(1);
    expect(settled).toEqual([result]);
  });

  it("applies what differs, one call each, in order, then verifies: done", async () => {
    // GIVEN a replica as ReplicateKey leaves it
    const { result, replica } = await syncOne({});
    // THEN
    expect(result.outcome).toBe("done");
    expect(replica.writes()).toEqual([
      "PutKeyPolicy()",
      "UpdateKeyDescription(Payments key)",
      "TagResource(team=payments)",
      "TagResource(cost=42)",
      "CreateAlias(alias/payments)",
    ]);
    expect(result.changes.map((c) => c.op)).toEqual(["policy", "description", "tag", "tag", "alias"]);
    expect(result.pending).toBeUndefined();
    expect(replica.state).toMatchObject({ ...IN_LINE });
  });

  it("prunes extra tags and aliases only when asked; keeps and notes them otherwise", async () => {
    const extra = {
      state: {
        ...IN_LINE,
        tags: { ...IN_LINE.tags, scratch: "1" },
        aliases: ["alias/payments", "alias/old"],
      },
    };
    const kept = await syncOne(structuredClone(extra));
    expect(kept.result.outcome).toBe("unchanged");
    expect(kept.result.note).toMatch(/scratch=1 \(--prune-tags removes them\).*alias\/old \(--prune-aliases/);
    const pruned = await syncOne(structuredClone(extra), { diff: { pruneTags: true, pruneAliases: true } });
    expect(pruned.result.outcome).toBe("done");
    expect(pruned.replica.writes()).toEqual(["UntagResource(scratch)", "DeleteAlias(alias/old)"]);
    expect(pruned.result.note).toBeUndefined();
  });

  it("passes --bypass-policy-lockout-safety-check to PutKeyPolicy", async () => {
    const { replica } = await syncOne(
      { state: { ...IN_LINE, policy: "{}" } },
      { bypassPolicyLockoutSafetyCheck: true },
    );
    expect(replica.writes()).toEqual(["PutKeyPolicy(bypass)"]);
  });

  it("an alias that names another key: that Region fails naming the key, the rest is applied", async () => {
    // GIVEN
    const options = {
      state: { ...IN_LINE, aliases: [], description: "old" },
      otherAliases: { "alias/payments": "mrk-other" },
    };
    // WHEN
    const { result, replica } = await syncOne(options);
    // THEN
    expect(result.outcome).toBe("failed");
    if (result.outcome !== "failed") return;
    expect(result.error.name).toBe("AliasTaken");
    expect(result.error.message).toContain("points to mrk-other");
    expect(result.error.hint).toContain("--force-aliases");
    expect(replica.writes()).toEqual(["UpdateKeyDescription(Payments key)"]);
  });

  it("with --force-aliases, the alias is moved (UpdateAlias)", async () => {
    const options = { state: { ...IN_LINE, aliases: [] }, otherAliases: { "alias/payments": "mrk-other" } };
    const { result, replica } = await syncOne(options, {
      diff: { pruneTags: false, pruneAliases: false, forceAliases: true },
    });
    expect(result.outcome).toBe("done");
    expect(result.changes).toEqual([{ op: "realias", name: "alias/payments", from: "mrk-other" }]);
    expect(replica.writes()).toEqual(["UpdateAlias(alias/payments)"]);
  });

  it("a write that fails stops there: what was applied, what was not (pending), and no verification", async () => {
    const { result, replica } = await syncOne({ failing: { TagResource: "AccessDeniedException" } });
    expect(result.outcome).toBe("failed");
    if (result.outcome !== "failed") return;
    expect(result.error).toMatchObject({ name: "AccessDeniedException" });
    expect(result.error.hint).toMatch(/kms:TagResource in eu-west-1/);
    expect(result.changes.map((c) => c.op)).toEqual(["policy", "description"]);
    expect(result.pending?.map((c) => c.op)).toEqual(["tag", "tag", "alias"]);
    expect(replica.calls.filter((c) => c.startsWith("ListResourceTags"))).toHaveLength(1);
  });

  it("a field it cannot read is not synced, and fails the Region; the others are", async () => {
    const { result, replica } = await syncOne({ failing: { ListResourceTags: "AccessDeniedException" } });
    expect(result.outcome).toBe("failed");
    if (result.outcome !== "failed") return;
    expect(result.error.message).toMatch(/tags could not be read, so it was not synced/);
    expect(replica.writes()).toEqual([
      "PutKeyPolicy()",
      "UpdateKeyDescription(Payments key)",
      "CreateAlias(alias/payments)",
    ]);
  });

  it("--dry-run: planned, with the operations it would apply, and no write", async () => {
    const { result, replica } = await syncOne({}, { dryRun: true });
    expect(result.outcome).toBe("planned");
    expect(result.changes.map((c) => c.op)).toEqual(["policy", "description", "tag", "tag", "alias"]);
    expect(replica.writes()).toEqual([]);
  });

  it("waits for a replica that is Creating, then syncs it", async () => {
    const { result, replica } = await syncOne({
      keyStates: ["Creating", "Creating", "Enabled"],
      state: { ...IN_LINE, description: "" },
    });
    expect(result).toMatchObject({ outcome: "done", keyState: "Enabled" });
    expect(replica.calls.filter((c) => c.startsWith("DescribeKey(arn")).length).toBeGreaterThanOrEqual(3);
    expect(replica.writes()).toEqual(["UpdateKeyDescription(Payments key)"]);
  });

  it.each(["PendingDeletion", "PendingReplicaDeletion"] as const)(
    "a replica %s fails with how to recover, and nothing is written",
    async (state) => {
      const { result, replica } = await syncOne({ keyStates: [state] });
      expect(result).toMatchObject({
        outcome: "failed",
        keyState: state,
        error: { name: "ReplicaPendingDeletion" },
      });
      expect(replica.writes()).toEqual([]);
    },
  );

  it("a replica PendingImport is synced, with a note that its key material is missing", async () => {
    const { result } = await syncOne({
      keyStates: ["PendingImport"],
      state: { ...IN_LINE, description: "" },
    });
    expect(result).toMatchObject({ outcome: "done", keyState: "PendingImport", note: PENDING_IMPORT_NOTE });
  });

  it("--copy-enabled: EnableKey for a disabled replica, DisableKey when the primary is disabled", async () => {
    const enable = await syncOne(
      { state: { ...IN_LINE, enabled: false } },
      { desired: { ...DESIRED, enabled: true } },
    );
    expect(enable.replica.writes()).toEqual(["EnableKey()"]);
    expect(enable.result).toMatchObject({ outcome: "done", keyState: "Enabled" });
    const disable = await syncOne({ state: IN_LINE }, { desired: { ...DESIRED, enabled: false } });
    expect(disable.replica.writes()).toEqual(["DisableKey()"]);
    expect(disable.result).toMatchObject({ outcome: "done", keyState: "Disabled" });
  });

  it("tolerates a read-after-write delay: verification reads again until the change shows", async () => {
    // GIVEN the next 8 reads after each write (two read-backs of 4 calls) still see the old values
    const { result, replica } = await syncOne({ state: { ...IN_LINE, description: "old" }, lagReads: 8 });
    // THEN
    expect(result.outcome).toBe("done");
    const readsAfterWrite = replica.calls.slice(replica.calls.indexOf("UpdateKeyDescription(Payments key)"));
    expect(readsAfterWrite.filter((c) => c.startsWith("DescribeKey"))).toHaveLength(3);
  });
});
