import { afterEach, beforeEach, describe, it, expect, vi } from "vitest";
import { costOf, createQuotaBook, KMS_QUOTAS } from "../../src/quotas.js";

describe("costOf", () => {
  it("charges ReplicateKey in the primary's Region and 2 CreateKey in the replica's", () => {
    // GIVEN / WHEN / THEN
    expect(costOf("ReplicateKey", "us-east-1", "eu-west-1")).toEqual([
      { name: "ReplicateKey", region: "us-east-1", units: 1 },
      { name: "CreateKey", region: "eu-west-1", units: 2 },
    ]);
  });

  it("charges UpdatePrimaryRegion in both Regions", () => {
    // GIVEN / WHEN / THEN
    expect(costOf("UpdatePrimaryRegion", "us-east-1", "eu-west-1")).toEqual([
      { name: "UpdatePrimaryRegion", region: "us-east-1", units: 1 },
      { name: "UpdatePrimaryRegion", region: "eu-west-1", units: 1 },
    ]);
  });

  it.each(["DescribeKey", "TagResource", "GetParametersForImport", "CreateAlias"])(
    "charges %s once in its own Region",
    (operation) => {
      // GIVEN / WHEN / THEN
      expect(costOf(operation, "eu-west-1")).toEqual([{ name: operation, region: "eu-west-1", units: 1 }]);
    },
  );

  it("charges nothing for an operation without a documented quota", () => {
    // GIVEN / WHEN / THEN
    expect(costOf("Encrypt", "eu-west-1")).toEqual([]);
  });

  it("has KMS's documented defaults", () => {
    // GIVEN / WHEN / THEN (shared/kms-lifecycle.md, "Request quotas")
    expect(KMS_QUOTAS).toMatchObject({
      ReplicateKey: 5,
      CreateKey: 5,
      UpdatePrimaryRegion: 5,
      DescribeKey: 2000,
      GetParametersForImport: 1,
      ImportKeyMaterial: 15,
      TagResource: 10,
      UntagResource: 5,
      PutKeyPolicy: 15,
      ListKeys: 500,
    });
  });
});

describe("createQuotaBook", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Start times (ms from t0) of `n` acquisitions of `costs`, all asked for at once. */
  async function starts(
    book: ReturnType<typeof createQuotaBook>,
    calls: readonly Readonly<Parameters<typeof costOf>>[],
  ): Promise<number[]> {
    const t0 = Date.now();
    const out: number[] = [];
    const all = calls.map((args, i) =>
      book.acquire(costOf(...args)).then(() => {
        out[i] = Date.now() - t0;
      }),
    );
    await vi.advanceTimersByTimeAsync(20_000);
    await Promise.all(all);
    return out;
  }

  it("lets one replica Region take at most 2.5 ReplicateKey per second (2 CreateKey each, 5/s)", async () => {
    // GIVEN 10 primaries in 10 Regions replicating into eu-west-1 at once
    const book = createQuotaBook({ now: () => Date.now() });
    const calls = Array.from(
      { length: 10 },
      (_, i) => ["ReplicateKey", `us-east-${i + 1}`, "eu-west-1"] as const,
    );
    // WHEN
    const at = await starts(book, calls);
    // THEN no 1.1 s window holds more than 5 CreateKey units (2 calls and a half): 3 starts span ≥ 1.1 s
    const sorted = [...at].sort((a, b) => a - b);
    for (let i = 0; i + 3 < sorted.length; i += 1) {
      expect((sorted[i + 3] ?? 0) - (sorted[i] ?? 0)).toBeGreaterThanOrEqual(1_100);
    }
    // …and it is not slower than it must be: 10 calls are 20 units, 4 windows
    expect(sorted[9]).toBeLessThanOrEqual(4 * 1_100 + 50);
  });

  it("keeps Regions apart: ReplicateKey into 5 Regions from one primary all start at once", async () => {
    // GIVEN
    const book = createQuotaBook({ now: () => Date.now() });
    const calls = ["eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1"].map(
      (target) => ["ReplicateKey", "us-east-1", target] as const,
    );
    // WHEN
    const at = await starts(book, calls);
    // THEN
    expect(at).toEqual([0, 0, 0, 0, 0]);
  });

  it("honours an override (an account with a raised quota)", async () => {
    // GIVEN ReplicateKey raised to 10/s
    const book = createQuotaBook({ now: () => Date.now(), overrides: { ReplicateKey: 10 } });
    const calls = Array.from(
      { length: 10 },
      (_, i) => ["ReplicateKey", "us-east-1", `eu-west-${i + 1}`] as const,
    );
    // WHEN
    const at = await starts(book, calls);
    // THEN
    expect(book.rateOf("ReplicateKey")).toBe(10);
    expect(at.every((t) => t === 0)).toBe(true);
  });

  it("GetParametersForImport: one per second per Region", async () => {
    // GIVEN
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0 });
    // WHEN
    const at = await starts(book, [
      ["GetParametersForImport", "eu-west-1"],
      ["GetParametersForImport", "eu-west-1"],
      ["GetParametersForImport", "ap-southeast-2"],
    ]);
    // THEN
    expect(at).toEqual([0, 1_000, 0]);
  });

  it("takes an attempt's costs together: a call waiting for ReplicateKey holds no CreateKey slot", async () => {
    // GIVEN ReplicateKey at 1/s: A goes at once, B (same primary) must wait a second for its slot
    const book = createQuotaBook({ now: () => Date.now(), marginMs: 0, overrides: { ReplicateKey: 1 } });
    const t0 = Date.now();
    const at: Record<string, number> = {};
    const mark = (name: string) => () => {
      at[name] = Date.now() - t0;
    };
    const a = book.acquire(costOf("ReplicateKey", "us-east-1", "eu-west-1")).then(mark("A"));
    const b = book.acquire(costOf("ReplicateKey", "us-east-1", "eu-west-1")).then(mark("B"));
    // WHEN another caller needs the 3 CreateKey slots A left free in eu-west-1
    const c = book.acquire([{ name: "CreateKey", region: "eu-west-1", units: 3 }]).then(mark("C"));
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all([a, b, c]);
    // THEN C got them at once (B took none while it waited), and B went when its second came
    expect(at).toEqual({ A: 0, C: 0, B: 1_000 });
  });
});
