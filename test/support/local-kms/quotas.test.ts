// Request quotas: the table, the sliding window, and enforcement through the SDK with a fake clock.
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  ListKeysCommand,
  ReplicateKeyCommand,
  UpdatePrimaryRegionCommand,
} from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { ACCOUNT, admitted, expectKmsError, harness, useHarness } from "./harness.js";
import { DEFAULT_QUOTAS, SlidingWindowLimiter, WINDOW_MS, chargesOf, quotaOf } from "./quotas.js";
import type { ThrottleCount } from "./server.js";

const DEFAULTS = { scale: 1, overrides: {} };

describe("the quota table", () => {
  it("holds KMS's documented defaults (shared/kms-lifecycle.md)", () => {
    expect(DEFAULT_QUOTAS).toEqual({
      CreateKey: 5,
      ReplicateKey: 5,
      UpdatePrimaryRegion: 5,
      DescribeKey: 2000,
      ListKeys: 500,
      ListAliases: 500,
      ListResourceTags: 2000,
      GetKeyPolicy: 1000,
      PutKeyPolicy: 15,
      TagResource: 10,
      UntagResource: 5,
      CreateAlias: 5,
      UpdateAlias: 5,
      DeleteAlias: 15,
      UpdateKeyDescription: 5,
      EnableKey: 5,
      DisableKey: 5,
      GetParametersForImport: 1,
      ImportKeyMaterial: 15,
      RotateKeyOnDemand: 5,
      ScheduleKeyDeletion: 15,
      CancelKeyDeletion: 5,
    });
  });

  it("scales every quota, overrides included; operations without a quota have none", () => {
    expect(quotaOf("ReplicateKey", { scale: 10, overrides: {} })).toBe(50);
    expect(quotaOf("ReplicateKey", { scale: 1, overrides: { ReplicateKey: 20 } })).toBe(20);
    expect(quotaOf("ReplicateKey", { scale: 2, overrides: { ReplicateKey: 20 } })).toBe(40);
    expect(quotaOf("Encrypt", DEFAULTS)).toBeUndefined();
  });

  it("charges ReplicateKey 2 CreateKey in the replica's Region, UpdatePrimaryRegion in both Regions", () => {
    expect(chargesOf("ReplicateKey", "us-east-1", { ReplicaRegion: "eu-west-1" })).toEqual([
      { operation: "ReplicateKey", region: "us-east-1", count: 1 },
      { operation: "CreateKey", region: "eu-west-1", count: 2 },
    ]);
    expect(chargesOf("UpdatePrimaryRegion", "us-east-1", { PrimaryRegion: "eu-west-1" })).toEqual([
      { operation: "UpdatePrimaryRegion", region: "us-east-1", count: 1 },
      { operation: "UpdatePrimaryRegion", region: "eu-west-1", count: 1 },
    ]);
    expect(chargesOf("DescribeKey", "us-east-1", { KeyId: "k" })).toEqual([
      { operation: "DescribeKey", region: "us-east-1", count: 1 },
    ]);
  });
});

describe("the sliding window", () => {
  const one = (operation: string, region = "us-east-1") => [{ operation, region, count: 1 }];

  it("admits up to the quota within any 1000 ms, and again once the oldest admission is 1000 ms old", () => {
    const limiter = new SlidingWindowLimiter();
    const t = 1_000_000;
    for (let i = 0; i < 5; i += 1)
      expect(limiter.tryAdmit(one("CreateAlias"), t + i * 100, DEFAULTS)).toBeUndefined();
    expect(limiter.tryAdmit(one("CreateAlias"), t + 999, DEFAULTS)).toEqual(one("CreateAlias")[0]);
    // the admission at t leaves the window at t + 1000 (window: (now - 1000, now])
    expect(limiter.tryAdmit(one("CreateAlias"), t + WINDOW_MS, DEFAULTS)).toBeUndefined();
    expect(limiter.tryAdmit(one("CreateAlias"), t + WINDOW_MS + 50, DEFAULTS)).toBeDefined();
    expect(limiter.tryAdmit(one("CreateAlias"), t + WINDOW_MS + 100, DEFAULTS)).toBeUndefined();
  });

  it("never throttles a steady rate at the quota, and keeps operations and Regions apart", () => {
    const limiter = new SlidingWindowLimiter();
    // 5 per second for 10 seconds, evenly spaced: never throttled
    for (let i = 0; i < 50; i += 1)
      expect(limiter.tryAdmit(one("CreateAlias"), i * 200, DEFAULTS)).toBeUndefined();
    // the same instant, another operation and another Region: their own windows
    expect(limiter.tryAdmit(one("UpdateAlias"), 49 * 200, DEFAULTS)).toBeUndefined();
    expect(limiter.tryAdmit(one("CreateAlias", "eu-west-1"), 49 * 200, DEFAULTS)).toBeUndefined();
  });

  it("admits all charges of a request or none, and records nothing for a throttled one", () => {
    const limiter = new SlidingWindowLimiter();
    const replicate = chargesOf("ReplicateKey", "us-east-1", { ReplicaRegion: "eu-west-1" });
    expect(limiter.tryAdmit(replicate, 0, DEFAULTS)).toBeUndefined();
    expect(limiter.tryAdmit(replicate, 1, DEFAULTS)).toBeUndefined();
    // 4 CreateKey in eu-west-1: a third ReplicateKey (2 more) exceeds 5
    expect(limiter.tryAdmit(replicate, 2, DEFAULTS)).toEqual({
      operation: "CreateKey",
      region: "eu-west-1",
      count: 2,
    });
    // ... and its ReplicateKey in us-east-1 was not recorded: three more fit there (2 + 3 = 5)
    for (const target of ["ap-south-1", "sa-east-1", "eu-north-1"]) {
      expect(
        limiter.tryAdmit(chargesOf("ReplicateKey", "us-east-1", { ReplicaRegion: target }), 3, DEFAULTS),
      ).toBeUndefined();
    }
    expect(
      limiter.tryAdmit(
        chargesOf("ReplicateKey", "us-east-1", { ReplicaRegion: "ca-central-1" }),
        4,
        DEFAULTS,
      ),
    ).toMatchObject({
      operation: "ReplicateKey",
    });
  });

  it("lets a request through an empty window even when the scaled quota is below its cost", () => {
    const limiter = new SlidingWindowLimiter();
    const tiny = { scale: 0.1, overrides: {} }; // GetParametersForImport 0.1/s, CreateKey 0.5/s
    expect(limiter.tryAdmit(one("GetParametersForImport"), 0, tiny)).toBeUndefined();
    expect(limiter.tryAdmit(one("GetParametersForImport"), 500, tiny)).toBeDefined();
    expect(limiter.tryAdmit(one("GetParametersForImport"), 1000, tiny)).toBeUndefined();
    const replicate = chargesOf("ReplicateKey", "us-east-1", { ReplicaRegion: "eu-west-1" });
    expect(limiter.tryAdmit(replicate, 5000, tiny)).toBeUndefined();
  });
});

describe("quota enforcement through the SDK (fake clock)", () => {
  const h = useHarness({ enforceQuotas: true });

  const replicate = (arn: string, target: string) =>
    h.kms(arn.split(":")[3] ?? "").send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: target }));

  it("is off by default: a burst far above the quotas is served", async () => {
    const off = await harness();
    try {
      for (let i = 0; i < 12; i += 1) await off.kms("us-east-1").send(new CreateKeyCommand({}));
      expect(off.server.keys("us-east-1")).toHaveLength(12);
      expect(off.server.throttled()).toEqual([]);
    } finally {
      await off.close();
    }
  });

  it("throttles the 6th ReplicateKey in the primary's Region within a second, doing nothing; the next second admits", async () => {
    // GIVEN one primary and six target Regions (each gets 2 CreateKey: under its own quota)
    const { arn } = h.primary("us-east-1");
    const targets = ["eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "ap-south-1", "sa-east-1"];
    // WHEN six ReplicateKey arrive 100 ms apart
    const outcomes: boolean[] = [];
    for (const target of targets) {
      outcomes.push(await admitted(replicate(arn, target)));
      h.advance(100);
    }
    // THEN five are served and the sixth is ThrottlingException "Rate exceeded", and made no replica
    expect(outcomes).toEqual([true, true, true, true, true, false]);
    expect(h.server.keys("sa-east-1")).toEqual([]);
    const throttled = h.server.calls({ operation: "ReplicateKey" }).at(-1);
    expect(throttled).toMatchObject({
      status: 400,
      errorType: "ThrottlingException",
      throttledBy: "quota",
      quotaExceeded: { operation: "ReplicateKey", region: "us-east-1" },
    });
    // AND once the first admission is 1000 ms old, it is served
    h.advance(400); // 1000 ms after the first
    await expect(replicate(arn, "sa-east-1")).resolves.toBeDefined();
  });

  it("answers the message KMS answers", async () => {
    h.server.configure({ quotaOverrides: { ListKeys: 1 } });
    await h.kms("us-east-1").send(new ListKeysCommand({}));
    const error = await expectKmsError(
      h.kms("us-east-1").send(new ListKeysCommand({})),
      "ThrottlingException",
    );
    expect(error.message).toBe("Rate exceeded");
  });

  it("counts 2 CreateKey per ReplicateKey in the replica's Region, shared by every primary Region", async () => {
    const a = h.primary("us-east-1");
    const b = h.primary("us-east-1");
    const c = h.primary("us-west-2");
    expect(await admitted(replicate(a.arn, "eu-west-1"))).toBe(true);
    expect(await admitted(replicate(b.arn, "eu-west-1"))).toBe(true);
    // 4 CreateKey in eu-west-1: a ReplicateKey from another primary Region would make it 6
    const error = await expectKmsError(replicate(c.arn, "eu-west-1"), "ThrottlingException");
    expect(error.message).toBe("Rate exceeded");
    expect(h.server.calls({ region: "us-west-2" })[0]).toMatchObject({
      throttledBy: "quota",
      quotaExceeded: { operation: "CreateKey", region: "eu-west-1" },
    });
    expect(h.server.keys("eu-west-1")).toHaveLength(2);
    // a CreateKey sent to eu-west-1 itself still fits (5), the next does not
    expect(await admitted(h.kms("eu-west-1").send(new CreateKeyCommand({})))).toBe(true);
    expect(await admitted(h.kms("eu-west-1").send(new CreateKeyCommand({})))).toBe(false);
    // another replica Region is not affected
    expect(await admitted(replicate(c.arn, "eu-central-1"))).toBe(true);
  });

  it("counts UpdatePrimaryRegion in the primary's Region and in the target's", async () => {
    // GIVEN six families us-east-1 → eu-west-1 and two us-west-2 → eu-west-1 / ap-south-1 (set up in-process)
    const east = Array.from({ length: 6 }, () => h.primary("us-east-1"));
    for (const key of east) h.replica(key.arn, "eu-west-1");
    const west = h.primary("us-west-2");
    h.replica(west.arn, "eu-west-1");
    const other = h.primary("us-west-2");
    h.replica(other.arn, "ap-south-1");
    const promote = (arn: string, to: string) =>
      h.kms(arn.split(":")[3] ?? "").send(new UpdatePrimaryRegionCommand({ KeyId: arn, PrimaryRegion: to }));
    // WHEN five promotions us-east-1 → eu-west-1 are served
    for (const key of east.slice(0, 5)) expect(await admitted(promote(key.arn, "eu-west-1"))).toBe(true);
    // THEN a sixth is throttled in us-east-1 ...
    expect(await admitted(promote(east[5]?.arn ?? "", "eu-west-1"))).toBe(false);
    // ... a promotion from us-west-2 into eu-west-1 is throttled by eu-west-1's count ...
    expect(await admitted(promote(west.arn, "eu-west-1"))).toBe(false);
    expect(h.server.calls({ region: "us-west-2" }).at(-1)?.quotaExceeded).toEqual({
      operation: "UpdatePrimaryRegion",
      region: "eu-west-1",
    });
    // ... and changed nothing, while us-west-2 → ap-south-1 is served
    expect(h.server.keys("us-west-2").find((k) => k.keyId === west.keyId)?.role).toBe("PRIMARY");
    expect(await admitted(promote(other.arn, "ap-south-1"))).toBe(true);
  });

  it("scales with quotaScale and takes per-operation overrides", async () => {
    h.server.configure({ quotaScale: 2, quotaOverrides: { CreateAlias: 1 } });
    const { keyId } = h.primary("us-east-1");
    const alias = (i: number) =>
      h.kms("us-east-1").send(new CreateAliasCommand({ AliasName: `alias/a${i}`, TargetKeyId: keyId }));
    // CreateAlias: 1 × 2 = 2 per second
    expect([await admitted(alias(1)), await admitted(alias(2)), await admitted(alias(3))]).toEqual([
      true,
      true,
      false,
    ]);
    // CreateKey: 5 × 2 = 10 per second
    const created: boolean[] = [];
    for (let i = 0; i < 11; i += 1)
      created.push(await admitted(h.kms("eu-west-1").send(new CreateKeyCommand({}))));
    expect(created.filter(Boolean)).toHaveLength(10);
    expect(created.at(-1)).toBe(false);
  });

  it("counts throttled answers per Region and operation, quota and fault apart, in-process and over HTTP", async () => {
    h.server.configure({
      quotaOverrides: { DescribeKey: 1 },
      faults: [{ region: "eu-west-1", operation: "ListKeys", throttle: { count: 2 } }],
    });
    const { keyId } = h.primary("us-east-1");
    for (let i = 0; i < 3; i += 1)
      await admitted(h.kms("us-east-1").send(new DescribeKeyCommand({ KeyId: keyId })));
    for (let i = 0; i < 3; i += 1) await admitted(h.kms("eu-west-1").send(new ListKeysCommand({})));
    const expected: ThrottleCount[] = [
      { account: ACCOUNT, region: "us-east-1", operation: "DescribeKey", count: 2, quota: 2, fault: 0 },
      { account: ACCOUNT, region: "eu-west-1", operation: "ListKeys", count: 2, quota: 0, fault: 2 },
    ];
    expect(h.server.throttled()).toEqual(expected);
    const overHttp = (await (await fetch(`${h.server.url}/_kms-local/throttled`)).json()) as ThrottleCount[];
    expect(overHttp).toEqual(expected);
    expect(h.server.calls({ region: "eu-west-1" }).map((c) => c.throttledBy ?? null)).toEqual([
      "fault",
      "fault",
      null,
    ]);
  });

  it("is switched on and off by the control API, which refuses wrong values", async () => {
    const post = (body: unknown) =>
      fetch(`${h.server.url}/_kms-local/config`, { method: "POST", body: JSON.stringify(body) });
    expect((await post({ enforceQuotas: false })).status).toBe(200);
    for (let i = 0; i < 8; i += 1) await h.kms("eu-west-1").send(new CreateKeyCommand({}));
    const on = await post({ enforceQuotas: true, quotaScale: 1, quotaOverrides: { CreateKey: 2 } });
    expect(await on.json()).toMatchObject({ enforceQuotas: true, quotaOverrides: { CreateKey: 2 } });
    h.advance(1000);
    const created: boolean[] = [];
    for (let i = 0; i < 3; i += 1)
      created.push(await admitted(h.kms("eu-west-1").send(new CreateKeyCommand({}))));
    expect(created).toEqual([true, true, false]);

    for (const [body, message] of [
      [{ enforceQuotas: "yes" }, /enforceQuotas must be true or false/],
      [{ quotaScale: 0 }, /quotaScale must be a number above 0/],
      [{ quotaOverrides: { ReplicateKeys: 1 } }, /quotaOverrides: ReplicateKeys has no quota/],
      [{ quotaOverrides: { ReplicateKey: -1 } }, /quotaOverrides.ReplicateKey must be a number above 0/],
    ] as const) {
      const answer = await post(body);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toMatch(message);
    }
  });

  it("comes back after reset() when it was a start option", async () => {
    h.server.configure({ enforceQuotas: false });
    h.server.reset();
    h.server.configure({ quotaOverrides: { ListKeys: 1 } });
    await h.kms("us-east-1").send(new ListKeysCommand({}));
    expect(await admitted(h.kms("us-east-1").send(new ListKeysCommand({})))).toBe(false);
  });
});
