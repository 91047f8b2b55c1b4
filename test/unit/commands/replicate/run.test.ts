import {
  CreateAliasCommand,
  DescribeKeyCommand,
  KMSClient,
  ReplicateKeyCommand,
  type KeyMetadata,
  type KeyState,
  type ReplicateKeyCommandInput,
  type ReplicateKeyCommandOutput,
} from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, it, expect, vi } from "vitest";
import type { PrimaryKey, RegionResult, ReplicaEvent } from "../../../../src/core/events.js";
import { createKms } from "../../../../src/aws/client.js";
import type { KmsPort } from "../../../../src/aws/kms.js";
import { splitTargets } from "../../../../src/core/plan.js";
import { replicateRegions, type ReplicateSettings } from "../../../../src/commands/replicate/run.js";
import type { Desired } from "../../../../src/core/desired.js";
import { replicaArn, replicateInput } from "../../../../src/core/steps/create.js";
import type { Policy, Tag } from "../../../../src/core/options.js";
import { awsFailure, fakeKms, waitSettings } from "../../../support/fake-kms.js";
import { fakeReplica } from "../../../support/fake-replica.js";
import { KEY_ID, PRIMARY, PRIMARY_ARN, arnIn } from "../../../support/fixtures.js";

/** What a new replica is given, as the flags say it. */
interface ReplicaProperties {
  readonly description?: string;
  readonly policy?: Policy;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  readonly tags: readonly Tag[];
  readonly aliases: readonly string[];
}

const NO_PROPERTIES: ReplicaProperties = { bypassPolicyLockoutSafetyCheck: false, tags: [], aliases: [] };

/** The desired state and the bypass flag those properties make. */
function given(p: ReplicaProperties): { desired: Desired; bypassPolicyLockoutSafetyCheck: boolean } {
  return {
    desired: {
      ...(p.tags.length > 0 ? { tags: Object.fromEntries(p.tags.map((t) => [t.TagKey, t.TagValue])) } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.policy !== undefined ? { policy: p.policy } : {}),
      ...(p.aliases.length > 0 ? { aliases: p.aliases } : {}),
    },
    bypassPolicyLockoutSafetyCheck: p.bypassPolicyLockoutSafetyCheck,
  };
}

type RunSettings = ReplicateSettings;

function primaryWith(replicaRegions: readonly string[] = []): PrimaryKey {
  return { ...PRIMARY, replicas: replicaRegions.map((region) => ({ region, arn: arnIn(region) })) };
}

type ReplicateFn = KmsPort["replicateKey"];
type DescribeFn = KmsPort["describeKey"];

/** ReplicateKey answers Creating with the replica's ARN. */
const replicateOk = (): ReturnType<typeof vi.fn<ReplicateFn>> =>
  vi.fn<ReplicateFn>((_region, input) => Promise.resolve(creating(input.ReplicaRegion ?? "")));

function creating(region: string): ReplicateKeyCommandOutput {
  return { ReplicaKeyMetadata: { KeyId: KEY_ID, Arn: arnIn(region), KeyState: "Creating" }, $metadata: {} };
}

/** DescribeKey answers, per Region, in turn; the last one repeats. Default: Enabled. */
function describeByRegion(
  script: Record<string, (KeyState | Error)[]> = {},
): ReturnType<typeof vi.fn<DescribeFn>> {
  const seen = new Map<string, number>();
  return vi.fn<DescribeFn>((region) => {
    const answers = script[region] ?? ["Enabled"];
    const n = seen.get(region) ?? 0;
    seen.set(region, n + 1);
    const answer = answers[Math.min(n, answers.length - 1)];
    if (answer instanceof Error) return Promise.reject(answer);
    const metadata: KeyMetadata = { KeyId: KEY_ID, Arn: arnIn(region), KeyState: answer };
    return Promise.resolve(metadata);
  });
}

function runSettings(
  kms: KmsPort,
  {
    properties = NO_PROPERTIES,
    ...overrides
  }: Partial<RunSettings> & { properties?: ReplicaProperties } = {},
): { settings: RunSettings; events: ReplicaEvent[] } {
  const { settings: base, events } = waitSettings(kms);
  return {
    events,
    settings: {
      ...base,
      wait: true,
      dryRun: false,
      ...given(properties),
      ...overrides,
    },
  };
}

/** Runs the plan for `regions` against a primary that already has replicas in `existing`. */
function run(
  regions: readonly string[],
  existing: readonly string[],
  settings: RunSettings,
): Promise<RegionResult[]> {
  const plan = splitTargets(primaryWith(existing), regions);
  return replicateRegions(plan, regions, settings);
}

const summary = (results: readonly RegionResult[]): string[][] =>
  results.map((r) => [r.region, r.status, r.keyState ?? "-"]);

describe("replicateRegions", () => {
  it("creates every Region, sends ReplicateKey to the primary's Region, and returns results in the order given", async () => {
    // GIVEN ReplicateKey answers slowest for the first Region
    const delays: Record<string, number> = { "ap-southeast-2": 30, "eu-west-1": 15, "us-west-2": 0 };
    const replicateKey = vi.fn<ReplicateFn>(async (_region, input) => {
      await new Promise((resolve) => setTimeout(resolve, delays[input.ReplicaRegion ?? ""]));
      return creating(input.ReplicaRegion ?? "");
    });
    const describeKey = describeByRegion();
    const { settings, events } = runSettings(fakeKms({ replicateKey, describeKey }));
    const regions = ["ap-southeast-2", "eu-west-1", "us-west-2"];
    // WHEN
    const results = await run(regions, [], settings);
    // THEN
    expect(summary(results)).toEqual([
      ["ap-southeast-2", "created", "Enabled"],
      ["eu-west-1", "created", "Enabled"],
      ["us-west-2", "created", "Enabled"],
    ]);
    expect(results.map((r) => r.replicaArn)).toEqual(regions.map(arnIn));
    expect(replicateKey).toHaveBeenCalledTimes(3);
    for (const [primaryRegion, input] of replicateKey.mock.calls) {
      expect(primaryRegion).toBe("us-east-1");
      expect(input.KeyId).toBe(PRIMARY_ARN);
    }
    expect(replicateKey.mock.calls.map(([, input]) => input.ReplicaRegion).sort()).toEqual(
      [...regions].sort(),
    );
    // Each replica is described in its own Region.
    expect(new Set(describeKey.mock.calls.map(([region]) => region))).toEqual(new Set(regions));
    // One settled event per Region; they settled in another order than the results come back in.
    const settled = events.flatMap((e) => (e.type === "settled" ? [e.result.region] : []));
    expect(settled).toHaveLength(3);
    expect(settled[0]).toBe("us-west-2");
  });

  it("counts an existing Enabled replica as exists, without a ReplicateKey call", async () => {
    // GIVEN
    const replicateKey = replicateOk();
    const describeKey = describeByRegion();
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey }));
    // WHEN
    const results = await run(["eu-west-1", "ap-southeast-2"], ["eu-west-1"], settings);
    // THEN
    expect(summary(results)).toEqual([
      ["eu-west-1", "exists", "Enabled"],
      ["ap-southeast-2", "created", "Enabled"],
    ]);
    expect(replicateKey).toHaveBeenCalledTimes(1);
    expect(replicateKey.mock.calls[0]?.[1].ReplicaRegion).toBe("ap-southeast-2");
    expect(describeKey).toHaveBeenCalledWith("eu-west-1", arnIn("eu-west-1"), expect.any(AbortSignal));
  });

  it("waits for an existing replica that is still Creating", async () => {
    // GIVEN
    const replicateKey = replicateOk();
    const describeKey = describeByRegion({ "eu-west-1": ["Creating", "Creating", "Enabled"] });
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey }));
    // WHEN
    const results = await run(["eu-west-1"], ["eu-west-1"], settings);
    // THEN it was waited for until usable: `ready`, not `exists`
    expect(summary(results)).toEqual([["eu-west-1", "ready", "Enabled"]]);
    expect(describeKey).toHaveBeenCalledTimes(3);
    expect(replicateKey).not.toHaveBeenCalled();
  });

  it("fails a Region whose existing replica is PendingDeletion, with how to recover", async () => {
    // GIVEN
    const describeKey = describeByRegion({ "eu-west-1": ["PendingDeletion"] });
    const { settings } = runSettings(fakeKms({ replicateKey: replicateOk(), describeKey }));
    // WHEN
    const [result] = await run(["eu-west-1"], ["eu-west-1"], settings);
    // THEN
    if (result?.status !== "failed") throw new Error("expected failed");
    expect(result.keyState).toBe("PendingDeletion");
    expect(result.error.name).toBe("ReplicaPendingDeletion");
    expect(result.error.hint).toContain("kms-replicate cancel-deletion");
  });

  it("follows a replica that appeared in the meantime (AlreadyExistsException) until ready", async () => {
    // GIVEN another run created the replica between our DescribeKey and ReplicateKey
    const replicateKey = vi.fn<ReplicateFn>(() => Promise.reject(awsFailure("AlreadyExistsException")));
    const describeKey = describeByRegion({ "eu-west-1": ["Creating", "Enabled"] });
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey }));
    // WHEN
    const results = await run(["eu-west-1"], [], settings);
    // THEN not created by this run, and waited for out of Creating
    expect(summary(results)).toEqual([["eu-west-1", "ready", "Enabled"]]);
    expect(results[0]?.replicaArn).toBe(arnIn("eu-west-1"));
    expect(results[0]?.applied).toBeUndefined();
    expect(describeKey).toHaveBeenCalledWith("eu-west-1", arnIn("eu-west-1"), expect.any(AbortSignal));
  });

  it("fails only the Region where ReplicateKey is denied, with the permissions to grant", async () => {
    // GIVEN
    const replicateKey = vi.fn<ReplicateFn>((_region, input) =>
      input.ReplicaRegion === "eu-west-1"
        ? Promise.reject(awsFailure("AccessDeniedException"))
        : Promise.resolve(creating(input.ReplicaRegion ?? "")),
    );
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey: describeByRegion() }));
    // WHEN
    const results = await run(["ap-southeast-2", "eu-west-1", "us-west-2"], [], settings);
    // THEN
    expect(results.map((r) => r.status)).toEqual(["created", "failed", "created"]);
    const failed = results[1];
    if (failed?.status !== "failed") throw new Error("expected failed");
    expect(failed.error.name).toBe("AccessDeniedException");
    expect(failed.error.hint).toContain("kms:ReplicateKey");
    expect(failed.error.hint).toContain("us-east-1");
    expect(failed.error.hint).toContain("kms:CreateKey");
    expect(failed.error.hint).toContain("in eu-west-1");
  });

  it("makes no ReplicateKey call in a dry run, and reports planned with what would be applied", async () => {
    // GIVEN
    const replicateKey = replicateOk();
    const properties: ReplicaProperties = {
      ...NO_PROPERTIES,
      description: "DR copy",
      tags: [{ TagKey: "team", TagValue: "payments" }],
    };
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey: describeByRegion() }), {
      dryRun: true,
      properties,
    });
    // WHEN
    const results = await run(["eu-west-1", "ap-southeast-2"], [], settings);
    // THEN
    expect(replicateKey).not.toHaveBeenCalled();
    expect(results).toMatchObject([
      { region: "eu-west-1", status: "planned", replicaArn: arnIn("eu-west-1") },
      { region: "ap-southeast-2", status: "planned", replicaArn: arnIn("ap-southeast-2") },
    ]);
    expect(results[0]?.applied).toEqual({
      tags: [{ TagKey: "team", TagValue: "payments" }],
      description: "DR copy",
      policySource: "default",
      aliases: [],
    });
  });

  it("with --no-wait returns creating (requested, not waited for), without polling", async () => {
    // GIVEN
    const describeKey = describeByRegion();
    const { settings } = runSettings(fakeKms({ replicateKey: replicateOk(), describeKey }), { wait: false });
    // WHEN
    const results = await run(["eu-west-1"], [], settings);
    // THEN
    expect(summary(results)).toEqual([["eu-west-1", "creating", "Creating"]]);
    expect(results[0]?.applied).toEqual({
      tags: [],
      description: null,
      policySource: "default",
      aliases: [],
    });
    expect(results[0]?.note).toContain("kms-replicate wait");
    expect(describeKey).not.toHaveBeenCalled();
  });

  it.each([
    { wait: false, dryRun: false },
    { wait: true, dryRun: true },
  ])(
    "never reports exists for a replica it could not read (wait $wait, dryRun $dryRun): failed, with the last error",
    async ({ wait, dryRun }) => {
      // GIVEN an existing replica whose DescribeKey fails with 500 (after the port's own retries)
      const describeKey = describeByRegion({ "eu-west-1": [awsFailure("KMSInternalException", 500)] });
      const { settings } = runSettings(fakeKms({ replicateKey: replicateOk(), describeKey }), {
        wait,
        dryRun,
      });
      // WHEN
      const [result] = await run(["eu-west-1"], ["eu-west-1"], settings);
      // THEN
      if (result?.status !== "failed") throw new Error(`expected failed, got ${result?.status}`);
      expect(result.keyState).toBeUndefined();
      expect(result.error.name).toBe("KMSInternalException");
      expect(result.error.message).toMatch(/^The replica in eu-west-1 could not be read \(DescribeKey\)/);
      expect(describeKey).toHaveBeenCalledTimes(1);
    },
  );

  it.each([
    { wait: false, dryRun: false, flag: "--no-wait" },
    { wait: true, dryRun: true, flag: "--dry-run" },
  ])(
    "reports an existing replica found Creating as creating with $flag, not exists",
    async ({ wait, dryRun, flag }) => {
      // GIVEN
      const describeKey = describeByRegion({ "eu-west-1": ["Creating"] });
      const { settings } = runSettings(fakeKms({ replicateKey: replicateOk(), describeKey }), {
        wait,
        dryRun,
      });
      // WHEN
      const [result] = await run(["eu-west-1"], ["eu-west-1"], settings);
      // THEN
      expect(result).toMatchObject({ status: "creating", keyState: "Creating" });
      expect(result?.note).toContain(`not waited for (${flag})`);
      expect(describeKey).toHaveBeenCalledTimes(1);
    },
  );

  it("gives every Region its own signal, derived from the run's (no listener pile-up, Ctrl-C still reaches it)", async () => {
    // GIVEN
    const run12 = new AbortController();
    const seen: AbortSignal[] = [];
    const replicateKey = vi.fn<ReplicateFn>((_region, input, signal) => {
      if (signal !== undefined) seen.push(signal);
      return Promise.resolve(creating(input.ReplicaRegion ?? ""));
    });
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey: describeByRegion() }), {
      signal: run12.signal,
    });
    const regions = Array.from({ length: 12 }, (_, i) => `eu-west-${i + 1}`);
    // WHEN
    const results = await run(regions, [], settings);
    // THEN
    expect(results.every((r) => r.status === "created")).toBe(true);
    expect(new Set(seen).size).toBe(12);
    expect(seen.includes(run12.signal)).toBe(false);
    run12.abort();
    expect(seen.every((signal) => signal.aborted)).toBe(true);
  });

  it("when interrupted before sending, says nothing was created and sends nothing", async () => {
    // GIVEN Ctrl-C already happened
    const replicateKey = replicateOk();
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey: describeByRegion() }), {
      signal: AbortSignal.abort(),
    });
    // WHEN
    const results = await run(["eu-west-1", "ap-southeast-2"], [], settings);
    // THEN
    expect(results.map((r) => r.status)).toEqual(["interrupted", "interrupted"]);
    expect(results[0]?.note).toMatch(/nothing was created/);
    expect(results[0]?.replicaArn).toBeUndefined();
    expect(replicateKey).not.toHaveBeenCalled();
  });

  it("when interrupted after sending, says the replica may exist", async () => {
    // GIVEN Ctrl-C while ReplicateKey is in flight
    const controller = new AbortController();
    const replicateKey = vi.fn<ReplicateFn>(() => {
      controller.abort();
      return Promise.reject(controller.signal.reason as Error);
    });
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey: describeByRegion() }), {
      signal: controller.signal,
    });
    // WHEN
    const [result] = await run(["eu-west-1"], [], settings);
    // THEN
    expect(result?.status).toBe("interrupted");
    expect(result?.note).toMatch(/may exist/);
    expect(result?.replicaArn).toBe(arnIn("eu-west-1"));
  });

  it("says once that the key only waits, when every Region has sent its ReplicateKey (a fleet's next key starts then)", async () => {
    // GIVEN replicas that stay Creating for a while, and one Region that fails at once
    const events: string[] = [];
    const replicateKey = vi.fn<ReplicateFn>((_region, input) => {
      events.push(`sent ${input.ReplicaRegion ?? ""}`);
      return input.ReplicaRegion === "eu-north-1"
        ? Promise.reject(awsFailure("AccessDeniedException"))
        : Promise.resolve(creating(input.ReplicaRegion ?? ""));
    });
    const describeKey = describeByRegion({ "eu-west-1": ["Creating", "Creating", "Enabled"] });
    const waiting = vi.fn(() => events.push("waiting"));
    const { settings } = runSettings(fakeKms({ replicateKey, describeKey }), { waiting });
    // WHEN
    const results = await run(["eu-west-1", "eu-west-2", "eu-north-1"], [], settings);
    // THEN
    expect(results.map((r) => r.status)).toEqual(["created", "created", "failed"]);
    expect(waiting).toHaveBeenCalledTimes(1);
    expect(events.indexOf("waiting")).toBeGreaterThan(events.lastIndexOf("sent eu-north-1"));
  });

  it("says at once that a key with nothing to do only waits", async () => {
    // GIVEN
    const waiting = vi.fn();
    const { settings } = runSettings(fakeKms({ describeKey: describeByRegion() }), { waiting });
    // WHEN
    await run([], [], settings);
    // THEN
    expect(waiting).toHaveBeenCalledTimes(1);
  });

  it("creates the copied aliases in the replica's Region", async () => {
    // GIVEN
    const createAlias = vi.fn<KmsPort["createAlias"]>(() => Promise.resolve());
    const { settings } = runSettings(
      fakeKms({ replicateKey: replicateOk(), describeKey: describeByRegion(), createAlias }),
      { properties: { ...NO_PROPERTIES, aliases: ["alias/payments"] } },
    );
    // WHEN
    const results = await run(["eu-west-1"], [], settings);
    // THEN
    expect(results[0]?.status).toBe("created");
    expect(createAlias).toHaveBeenCalledWith(
      "eu-west-1",
      "alias/payments",
      arnIn("eu-west-1"),
      expect.any(AbortSignal),
    );
  });

  it("fails the Region when a copied alias already names another key there", async () => {
    // GIVEN
    const createAlias = vi.fn<KmsPort["createAlias"]>(() =>
      Promise.reject(awsFailure("AlreadyExistsException")),
    );
    const describeKey = vi.fn<DescribeFn>((region, keyId) =>
      Promise.resolve(
        keyId === "alias/payments"
          ? { KeyId: "1234abcd-other-key", KeyState: "Enabled" }
          : { KeyId: KEY_ID, Arn: arnIn(region), KeyState: "Enabled" },
      ),
    );
    const { settings } = runSettings(fakeKms({ replicateKey: replicateOk(), describeKey, createAlias }), {
      properties: { ...NO_PROPERTIES, aliases: ["alias/payments"] },
    });
    // WHEN
    const [result] = await run(["eu-west-1"], [], settings);
    // THEN
    if (result?.status !== "failed") throw new Error("expected failed");
    expect(result.keyState).toBe("Enabled");
    expect(result.error.name).toBe("AliasTaken");
    expect(result.error.message).toContain("1234abcd-other-key");
  });
});

describe("replicateAll with the real KMS port (aws-sdk-client-mock)", () => {
  const kmsMock = mockClient(KMSClient);
  const client = new KMSClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKID", secretAccessKey: "s" },
  });
  afterAll(() => {
    kmsMock.restore();
  });

  function realKms(): KmsPort {
    return createKms({
      clientFor: () => client,
      retry: { retries: 2, minTimeout: 1, factor: 1, maxTimeout: 1, randomize: false },
    });
  }

  it("counts AlreadyExistsException after an earlier attempt of our own as created", async () => {
    // GIVEN our first ReplicateKey was throttled (it may have gone through), the retry finds the replica
    kmsMock.reset();
    kmsMock
      .on(ReplicateKeyCommand)
      .rejectsOnce(awsFailure("ThrottlingException"))
      .rejects(awsFailure("AlreadyExistsException"));
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: arnIn("eu-west-1"), KeyState: "Enabled" } });
    const { settings } = runSettings(realKms());
    // WHEN
    const results = await run(["eu-west-1"], [], settings);
    // THEN
    expect(kmsMock.commandCalls(ReplicateKeyCommand)).toHaveLength(2);
    expect(summary(results)).toEqual([["eu-west-1", "created", "Enabled"]]);
  });

  it("gives a replica whose ReplicateKey answer was lost its aliases and `applied`, like a new one", async () => {
    // GIVEN ReplicateKey was executed but its answer lost (a 500 after the work); the retry says AlreadyExists
    kmsMock.reset();
    kmsMock
      .on(ReplicateKeyCommand)
      .rejectsOnce(awsFailure("KMSInternalException", 500))
      .rejects(awsFailure("AlreadyExistsException"));
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: arnIn("eu-west-1"), KeyState: "Enabled" } });
    kmsMock.on(CreateAliasCommand).resolves({});
    const properties: ReplicaProperties = {
      ...NO_PROPERTIES,
      tags: [{ TagKey: "team", TagValue: "payments" }],
      aliases: ["alias/payments"],
    };
    const { settings } = runSettings(realKms(), { properties });
    // WHEN
    const [result] = await run(["eu-west-1"], [], settings);
    // THEN
    expect(result).toMatchObject({ status: "created", keyState: "Enabled" });
    expect(result?.applied).toEqual({
      tags: [{ TagKey: "team", TagValue: "payments" }],
      description: null,
      policySource: "default",
      aliases: ["alias/payments"],
    });
    expect(kmsMock.commandCalls(CreateAliasCommand).map((c) => c.args[0].input)).toEqual([
      { AliasName: "alias/payments", TargetKeyId: arnIn("eu-west-1") },
    ]);
  });

  it("--no-wait after a lost answer: one look; Creating is creating, with `applied`", async () => {
    // GIVEN
    kmsMock.reset();
    kmsMock
      .on(ReplicateKeyCommand)
      .rejectsOnce(awsFailure("KMSInternalException", 500))
      .rejects(awsFailure("AlreadyExistsException"));
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: arnIn("eu-west-1"), KeyState: "Creating" } });
    const { settings } = runSettings(realKms(), { wait: false });
    // WHEN
    const [result] = await run(["eu-west-1"], [], settings);
    // THEN
    expect(result).toMatchObject({ status: "creating", keyState: "Creating" });
    expect(result?.applied).toBeDefined();
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(1);
  });

  it("counts AlreadyExistsException on the first attempt as exists", async () => {
    // GIVEN
    kmsMock.reset();
    kmsMock.on(ReplicateKeyCommand).rejects(awsFailure("AlreadyExistsException"));
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: arnIn("eu-west-1"), KeyState: "Enabled" } });
    const { settings } = runSettings(realKms());
    // WHEN
    const results = await run(["eu-west-1"], [], settings);
    // THEN
    expect(kmsMock.commandCalls(ReplicateKeyCommand)).toHaveLength(1);
    expect(summary(results)).toEqual([["eu-west-1", "exists", "Enabled"]]);
  });
});

describe("replicateInput", () => {
  const primary = primaryWith();

  it("sends only KeyId (the primary's ARN) and ReplicaRegion when nothing else is given", () => {
    // GIVEN / WHEN
    const input = replicateInput(
      primary,
      "eu-west-1",
      given({ ...NO_PROPERTIES, bypassPolicyLockoutSafetyCheck: true }),
    );
    // THEN
    const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    expect(defined).toEqual({ KeyId: PRIMARY_ARN, ReplicaRegion: "eu-west-1" });
  });

  it("passes Description, Policy, Tags and Bypass when given", () => {
    // GIVEN
    const properties: ReplicaProperties = {
      description: "DR copy",
      policy: { text: '{"Version":"2012-10-17"}', source: "inline" },
      bypassPolicyLockoutSafetyCheck: true,
      tags: [
        { TagKey: "team", TagValue: "payments" },
        { TagKey: "empty", TagValue: "" },
      ],
      aliases: ["alias/not-sent"],
    };
    // WHEN
    const input: ReplicateKeyCommandInput = replicateInput(primary, "ap-southeast-2", given(properties));
    // THEN
    expect(input).toEqual({
      KeyId: PRIMARY_ARN,
      ReplicaRegion: "ap-southeast-2",
      Description: "DR copy",
      Policy: '{"Version":"2012-10-17"}',
      BypassPolicyLockoutSafetyCheck: true,
      Tags: [
        { TagKey: "team", TagValue: "payments" },
        { TagKey: "empty", TagValue: "" },
      ],
    });
  });

  it("never asks to bypass the lockout check unless told to", () => {
    // GIVEN a policy without the bypass flag
    const properties: ReplicaProperties = {
      ...NO_PROPERTIES,
      policy: { text: "{}", source: "inline" },
    };
    // WHEN / THEN
    expect(replicateInput(primary, "eu-west-1", given(properties)).BypassPolicyLockoutSafetyCheck).not.toBe(
      true,
    );
  });
});

describe("replicaArn", () => {
  it.each([
    { arn: PRIMARY_ARN, region: "eu-west-1", expected: arnIn("eu-west-1") },
    {
      arn: `arn:aws-cn:kms:cn-north-1:111122223333:key/${KEY_ID}`,
      region: "cn-northwest-1",
      expected: `arn:aws-cn:kms:cn-northwest-1:111122223333:key/${KEY_ID}`,
    },
  ])("puts $region into $arn", ({ arn, region, expected }) => {
    // GIVEN / WHEN / THEN
    expect(replicaArn({ ...primaryWith(), arn }, region)).toBe(expected);
  });
});

describe("replicateRegions: replicas that were there", () => {
  const existingRun = async (converge: boolean, dryRun = false) => {
    const replica = fakeReplica({ state: { tags: { team: "old" } } });
    const { settings } = runSettings(replica.kms, {
      properties: {
        ...NO_PROPERTIES,
        tags: [
          { TagKey: "team", TagValue: "payments" },
          { TagKey: "cost", TagValue: "42" },
        ],
      },
      converge,
      dryRun,
    });
    const results = await run(["eu-west-1"], ["eu-west-1"], settings);
    return { replica, result: results[0] };
  };

  it("with properties to manage: the same diff and converge step bring them in line (exists, and what changed)", async () => {
    const { replica, result } = await existingRun(true);
    expect(replica.writes()).toEqual(["TagResource(team=payments)", "TagResource(cost=42)"]);
    expect(result).toMatchObject({ status: "exists", keyState: "Enabled" });
    expect(result?.converged).toEqual([
      { op: "tag", key: "team", value: "payments", from: "old" },
      { op: "tag", key: "cost", value: "42" },
    ]);
    expect(result?.applied).toBeUndefined();
  });

  it("in a dry run: still exists, with what would change, and nothing written", async () => {
    const { replica, result } = await existingRun(true, true);
    expect(replica.writes()).toEqual([]);
    expect(result).toMatchObject({ status: "exists" });
    expect(result?.converged).toHaveLength(2);
  });

  it("without: left as they are (no read of its properties, no write)", async () => {
    const { replica, result } = await existingRun(false);
    expect(replica.writes()).toEqual([]);
    expect(replica.calls.some((c) => c.startsWith("ListResourceTags"))).toBe(false);
    expect(result).toMatchObject({ status: "exists" });
    expect(result?.converged).toBeUndefined();
  });
});
