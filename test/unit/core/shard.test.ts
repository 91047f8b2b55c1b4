import { describe, expect, it } from "vitest";
import { KMS_QUOTAS } from "../../../src/aws/quotas.js";
import { isReplicateError } from "../../../src/core/errors.js";
import { accountsInShard, keyInShard, parseShard, shardOf, shareOf } from "../../../src/core/shard.js";

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error("expected a usage error");
}

const accountIds = (n: number): { accountId: string }[] =>
  Array.from({ length: n }, (_, i) => ({ accountId: String(100000000000 + ((i * 7919) % 1000)) }));

describe("parseShard", () => {
  it.each([
    ["1/1", { index: 1, count: 1 }],
    ["2/4", { index: 2, count: 4 }],
    [" 4/4 ", { index: 4, count: 4 }],
  ])("%s", (value, shard) => {
    expect(parseShard(value)).toEqual(shard);
  });

  it.each([
    ["0/4", /the shard is 1 to 4 \(counted from 1\)/],
    ["5/4", /the shard is 1 to 4/],
    ["1/0", /the number of shards is at least 1/],
    ["2", /not I\/N/],
    ["a/b", /not I\/N/],
    ["1/2/3", /not I\/N/],
    ["1.5/4", /not I\/N/],
    ["-1/4", /not I\/N/],
    ["", /not I\/N/],
  ])("refuses %s", (value, message) => {
    expect(usageMessage(() => parseShard(value))).toMatch(message);
  });
});

describe("shardOf", () => {
  it("none without --shard or --shard-count, whatever the environment", () => {
    expect(shardOf({}, { JOB_COMPLETION_INDEX: "3" })).toBeUndefined();
  });

  it("--shard I/N; with --shard-count only when it agrees", () => {
    expect(shardOf({ shard: "2/3" }, {})).toEqual({ index: 2, count: 3 });
    expect(shardOf({ shard: "2/3", shardCount: "3" }, { JOB_COMPLETION_INDEX: "0" })).toEqual({
      index: 2,
      count: 3,
    });
    expect(usageMessage(() => shardOf({ shard: "2/3", shardCount: "4" }, {}))).toMatch(/disagree/);
  });

  it.each([
    [{ JOB_COMPLETION_INDEX: "0" }, { index: 1, count: 4 }],
    [{ JOB_COMPLETION_INDEX: "3" }, { index: 4, count: 4 }],
    [{ AWS_BATCH_JOB_ARRAY_INDEX: "2" }, { index: 3, count: 4 }],
    [
      { JOB_COMPLETION_INDEX: "1", AWS_BATCH_JOB_ARRAY_INDEX: "1" },
      { index: 2, count: 4 },
    ],
  ])("--shard-count 4 with %o (0-based) → %o", (env, shard) => {
    expect(shardOf({ shardCount: "4" }, env)).toEqual(shard);
  });

  it.each([
    [{}, /neither JOB_COMPLETION_INDEX nor AWS_BATCH_JOB_ARRAY_INDEX is set/],
    [{ JOB_COMPLETION_INDEX: " " }, /neither JOB_COMPLETION_INDEX/],
    [
      { JOB_COMPLETION_INDEX: "1", AWS_BATCH_JOB_ARRAY_INDEX: "2" },
      /=1 and AWS_BATCH_JOB_ARRAY_INDEX=2 disagree/,
    ],
    [{ JOB_COMPLETION_INDEX: "4" }, /JOB_COMPLETION_INDEX=4 is not an index from 0 to 3/],
    [{ AWS_BATCH_JOB_ARRAY_INDEX: "x" }, /not an index from 0 to 3/],
  ])("--shard-count 4 refuses %o", (env, message) => {
    expect(usageMessage(() => shardOf({ shardCount: "4" }, env))).toMatch(message);
  });

  it.each(["0", "x", "-2", "2.5"])("refuses --shard-count %s", (count) => {
    expect(usageMessage(() => shardOf({ shardCount: count }, { JOB_COMPLETION_INDEX: "0" }))).toMatch(
      /not a whole number of at least 1/,
    );
  });
});

describe("accountsInShard", () => {
  it.each([1, 2, 3, 7, 40])("N = %i shards cover every account exactly once", (count) => {
    // GIVEN 23 accounts in no order
    const accounts = accountIds(23);
    // WHEN every shard takes its part
    const parts = Array.from({ length: count }, (_, i) => accountsInShard(accounts, { index: i + 1, count }));
    // THEN
    const all = parts.flat().map((a) => a.accountId);
    expect(all.sort()).toEqual(accounts.map((a) => a.accountId).sort());
    expect(new Set(all).size).toBe(accounts.length);
    // as even as can be: sizes differ by at most one (a shard may get none)
    const sizes = parts.map((p) => p.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it("depends on the accounts alone, not on their order in the file", () => {
    const accounts = accountIds(10);
    const shard = { index: 2, count: 3 };
    expect(accountsInShard([...accounts].reverse(), shard)).toEqual(accountsInShard(accounts, shard));
    // sorted by account ID, the second, fifth, eighth …
    const sorted = accounts.map((a) => a.accountId).sort();
    expect(accountsInShard(accounts, shard).map((a) => a.accountId)).toEqual([
      sorted[1],
      sorted[4],
      sorted[7],
    ]);
  });

  it("every account (sorted) without a shard; none for a shard past the accounts", () => {
    expect(accountsInShard(accountIds(3), undefined)).toHaveLength(3);
    expect(accountsInShard(accountIds(3), { index: 5, count: 5 })).toEqual([]);
  });
});

describe("keyInShard", () => {
  const keyIds = Array.from({ length: 400 }, (_, i) => `mrk-${i.toString(16).padStart(32, "0")}`);

  it("each key in exactly one of N shards, about evenly", () => {
    const count = 4;
    const sizes = Array.from(
      { length: count },
      (_, i) => keyIds.filter((id) => keyInShard(id, { index: i + 1, count })).length,
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(keyIds.length);
    for (const id of keyIds) {
      expect(
        Array.from({ length: count }, (_, i) => keyInShard(id, { index: i + 1, count })).filter(Boolean),
      ).toHaveLength(1);
    }
    for (const size of sizes) expect(size).toBeGreaterThan(60);
  });

  it("from the key ID alone: an ARN or upper case is the same key", () => {
    const id = keyIds[17] ?? "";
    for (let index = 1; index <= 3; index += 1) {
      const shard = { index, count: 3 };
      expect(keyInShard(`arn:aws:kms:us-east-1:111122223333:key/${id}`, shard)).toBe(keyInShard(id, shard));
      expect(keyInShard(id.toUpperCase(), shard)).toBe(keyInShard(id, shard));
    }
    expect(keyInShard(id, undefined)).toBe(true);
  });
});

describe("shareOf", () => {
  it("each of N shards gets 1/N of every quota, the account's raised ones too", () => {
    const share = shareOf({ ReplicateKey: 20 }, { index: 1, count: 4 });
    expect(share.ReplicateKey).toBe(5);
    expect(share.DescribeKey).toBe(KMS_QUOTAS.DescribeKey / 4);
    expect(share.GetParametersForImport).toBe(0.25);
    expect(Object.keys(share).sort()).toEqual(Object.keys(KMS_QUOTAS).sort());
    // together never above the account's quota
    expect(share.CreateKey * 4).toBeLessThanOrEqual(KMS_QUOTAS.CreateKey);
  });

  it("the whole quota without a shard", () => {
    expect(shareOf({}, undefined).CreateKey).toBe(KMS_QUOTAS.CreateKey);
  });
});
