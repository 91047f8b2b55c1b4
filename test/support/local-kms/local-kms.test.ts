// The local KMS endpoint (this folder) driven through the real SDK over HTTP: it must answer
// like KMS does (shared/kms-replicatekey.md), so that the CLI's tests against it mean something.
import {
  AlreadyExistsException,
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  InvalidArnException,
  KMSClient,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  MalformedPolicyDocumentException,
  NotFoundException,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
  ScheduleKeyDeletionCommand,
  TagException,
  TagResourceCommand,
  UnsupportedOperationException,
  type KeyMetadata,
  type ReplicateKeyCommandInput,
} from "@aws-sdk/client-kms";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startKmsLocal, type CallRecord, type KeyView, type KmsLocal } from "./server.js";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const ACCOUNT = "111122223333";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const STANDALONE = fileURLToPath(new URL("../../../build/kms-local.js", import.meta.url));
/** Region names that match `^([a-z]+-){2,3}\d+$`, of 32 and 33 characters. */
const REGION_32 = `${"a".repeat(15)}-${"b".repeat(14)}-1`;
const REGION_33 = `${"a".repeat(15)}-${"b".repeat(15)}-1`;

let server: KmsLocal;
const clients = new Map<string, KMSClient>();

/** A real SDK client for `region`, pointed at the local endpoint. */
function kms(region: string): KMSClient {
  let client = clients.get(region);
  if (client === undefined) {
    client = new KMSClient({ endpoint: server.url, region, credentials: CREDENTIALS, maxAttempts: 1 });
    clients.set(region, client);
  }
  return client;
}

beforeAll(async () => {
  server = await startKmsLocal();
});
afterAll(async () => {
  for (const client of clients.values()) client.destroy();
  await server.stop();
});
beforeEach(() => {
  server.reset();
});

/** The error a call failed with (the test fails if it did not fail). */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error("expected the call to fail, but it succeeded");
  return outcome.error;
}

/** The call fails with the KMS error `name` and HTTP `status`, parsed by the SDK. */
async function expectKmsError(
  promise: Promise<unknown>,
  name: string,
  status = 400,
): Promise<KMSServiceException> {
  const error = await failureOf(promise);
  expect(error).toBeInstanceOf(KMSServiceException);
  const kmsError = error as KMSServiceException;
  expect(kmsError.name).toBe(name);
  expect(kmsError.$metadata.httpStatusCode).toBe(status);
  return kmsError;
}

/** A multi-Region primary made in-process (not counted), as a setup step. */
function primary(region = "us-east-1", input: Record<string, unknown> = {}): { keyId: string; arn: string } {
  const metadata = server.createKey(region, { MultiRegion: true, ...input });
  return { keyId: String(metadata.KeyId), arn: String(metadata.Arn) };
}

async function describe_(region: string, keyId: string): Promise<KeyMetadata> {
  const { KeyMetadata: metadata } = await kms(region).send(new DescribeKeyCommand({ KeyId: keyId }));
  if (metadata === undefined) throw new Error("DescribeKey answered no KeyMetadata");
  return metadata;
}

async function replicate(input: ReplicateKeyCommandInput, region = "us-east-1") {
  return kms(region).send(new ReplicateKeyCommand(input));
}

/** A key policy of exactly `length` characters: valid JSON padded with spaces. */
function policyOfLength(length: number): string {
  const json = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
    ],
  });
  return json.padEnd(length, " ");
}

describe("the SDK's view of errors", () => {
  it("raises typed exceptions with name and HTTP status, 500 for KMSInternalException", async () => {
    const notFound = await expectKmsError(
      kms("us-east-1").send(new DescribeKeyCommand({ KeyId: "mrk-00000000000000000000000000000000" })),
      "NotFoundException",
    );
    expect(notFound).toBeInstanceOf(NotFoundException);
    expect(notFound.message).toContain("mrk-00000000000000000000000000000000");

    server.configure({ faults: [{ operation: "ListKeys", internalError: { count: 1 } }] });
    const internal = await expectKmsError(
      kms("us-east-1").send(new ListKeysCommand({})),
      "KMSInternalException",
      500,
    );
    expect(internal).toBeInstanceOf(KMSInternalException);
    // AND the count is used up: the next call succeeds
    await expect(kms("us-east-1").send(new ListKeysCommand({}))).resolves.toMatchObject({ Keys: [] });
  });
});

describe("Regions", () => {
  it("takes the Region from the signature: one URL, two Regions, separate stores", async () => {
    const east = await kms("us-east-1").send(new CreateKeyCommand({ Description: "east" }));
    const west = await kms("eu-west-1").send(new CreateKeyCommand({ Description: "west" }));
    expect(east.KeyMetadata?.Arn).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\//);
    expect(west.KeyMetadata?.Arn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);

    const eastKeys = await kms("us-east-1").send(new ListKeysCommand({}));
    const westKeys = await kms("eu-west-1").send(new ListKeysCommand({}));
    expect(eastKeys.Keys?.map((k) => k.KeyId)).toEqual([east.KeyMetadata?.KeyId]);
    expect(westKeys.Keys?.map((k) => k.KeyId)).toEqual([west.KeyMetadata?.KeyId]);
    await expectKmsError(
      kms("us-east-1").send(new DescribeKeyCommand({ KeyId: west.KeyMetadata?.KeyId })),
      "NotFoundException",
    );
    expect(server.keys("us-east-1").map((k) => k.description)).toEqual(["east"]);
    expect(server.keys("eu-west-1").map((k) => k.description)).toEqual(["west"]);
    expect(server.calls({ operation: "CreateKey" }).map((c) => c.region)).toEqual(["us-east-1", "eu-west-1"]);
  });
});

describe("CreateKey", () => {
  it("gives multi-Region keys mrk- IDs and a PRIMARY configuration, others UUIDs", async () => {
    const multi = await kms("us-east-1").send(new CreateKeyCommand({ MultiRegion: true }));
    const single = await kms("us-east-1").send(new CreateKeyCommand({}));
    expect(multi.KeyMetadata).toMatchObject({
      KeyId: expect.stringMatching(/^mrk-[0-9a-f]{32}$/) as unknown,
      MultiRegion: true,
      KeyState: "Enabled",
      Enabled: true,
      Origin: "AWS_KMS",
      KeySpec: "SYMMETRIC_DEFAULT",
      AWSAccountId: ACCOUNT,
      MultiRegionConfiguration: {
        MultiRegionKeyType: "PRIMARY",
        PrimaryKey: { Arn: multi.KeyMetadata?.Arn, Region: "us-east-1" },
        ReplicaKeys: [],
      },
    });
    expect(multi.KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    expect(single.KeyMetadata?.KeyId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(single.KeyMetadata?.MultiRegion).toBe(false);
    expect(single.KeyMetadata?.MultiRegionConfiguration).toBeUndefined();
  });

  it("puts keys with EXTERNAL origin in PendingImport", async () => {
    const key = await kms("us-east-1").send(new CreateKeyCommand({ Origin: "EXTERNAL", MultiRegion: true }));
    expect(key.KeyMetadata).toMatchObject({ Origin: "EXTERNAL", KeyState: "PendingImport", Enabled: false });
  });
});

describe("DescribeKey", () => {
  it("finds a key by key ID, key ARN, alias name and alias ARN", async () => {
    const { keyId, arn } = primary();
    await kms("us-east-1").send(new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: keyId }));
    for (const ref of [keyId, arn, "alias/app", `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`]) {
      expect((await describe_("us-east-1", ref)).Arn).toBe(arn);
    }
  });

  it("answers NotFoundException for an ARN of another Region and InvalidArnException for a malformed ARN", async () => {
    const { arn } = primary();
    const elsewhere = await expectKmsError(
      kms("eu-west-1").send(new DescribeKeyCommand({ KeyId: arn })),
      "NotFoundException",
    );
    expect(elsewhere).toBeInstanceOf(NotFoundException);
    await expectKmsError(
      kms("us-east-1").send(new DescribeKeyCommand({ KeyId: arn.replace(ACCOUNT, "999999999999") })),
      "NotFoundException",
    );
    for (const bad of [
      "arn:aws:kms:us-east-1:key/abc",
      "arn:aws:kms:us-east-1:12345:key/abc",
      "arn:nonsense",
    ]) {
      const error = await expectKmsError(
        kms("us-east-1").send(new DescribeKeyCommand({ KeyId: bad })),
        "InvalidArnException",
      );
      expect(error).toBeInstanceOf(InvalidArnException);
    }
    await expectKmsError(
      kms("us-east-1").send(new DescribeKeyCommand({ KeyId: "alias/missing" })),
      "NotFoundException",
    );
  });
});

describe("ReplicateKey validation", () => {
  interface Case {
    readonly title: string;
    /** Sets the stage; returns the request and, if not us-east-1, the Region it goes to. */
    readonly prepare: () => { input: ReplicateKeyCommandInput; region?: string };
    readonly error: string;
    readonly type?: new (...args: never[]) => KMSServiceException;
  }
  const cases: Case[] = [
    {
      title: "a ReplicaRegion not matching the pattern",
      prepare: () => ({ input: { KeyId: primary().arn, ReplicaRegion: "EU-WEST-1" } }),
      error: "ValidationException",
    },
    {
      title: "a ReplicaRegion with one dash only",
      prepare: () => ({ input: { KeyId: primary().arn, ReplicaRegion: "euwest-1" } }),
      error: "ValidationException",
    },
    {
      title: "a ReplicaRegion of 33 characters",
      prepare: () => ({ input: { KeyId: primary().arn, ReplicaRegion: REGION_33 } }),
      error: "ValidationException",
    },
    {
      title: "a KeyId of 2049 characters",
      prepare: () => ({ input: { KeyId: "k".repeat(2049), ReplicaRegion: "eu-west-1" } }),
      error: "ValidationException",
    },
    {
      title: "a Region of another partition (cn-north-1 from us-east-1)",
      prepare: () => ({ input: { KeyId: primary().arn, ReplicaRegion: "cn-north-1" } }),
      error: "ValidationException",
    },
    {
      title: "the primary's own Region",
      prepare: () => ({ input: { KeyId: primary().arn, ReplicaRegion: "us-east-1" } }),
      error: "ValidationException",
    },
    {
      title: "a Region that already holds a replica",
      prepare: () => {
        const { arn } = primary();
        server.invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
        return { input: { KeyId: arn, ReplicaRegion: "eu-west-1" } };
      },
      error: "AlreadyExistsException",
      type: AlreadyExistsException,
    },
    {
      title: "a Region whose replica is pending deletion",
      prepare: () => {
        const { arn } = primary();
        server.invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
        server.invoke("eu-west-1", "ScheduleKeyDeletion", { KeyId: arn.replace("us-east-1", "eu-west-1") });
        return { input: { KeyId: arn, ReplicaRegion: "eu-west-1" } };
      },
      error: "AlreadyExistsException",
      type: AlreadyExistsException,
    },
    {
      title: "a single-Region key",
      prepare: () => ({
        input: { KeyId: String(server.createKey("us-east-1").Arn), ReplicaRegion: "eu-west-1" },
      }),
      error: "UnsupportedOperationException",
      type: UnsupportedOperationException,
    },
    {
      title: "a replica as KeyId",
      prepare: () => {
        const { arn } = primary();
        server.invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-central-1" });
        return {
          input: { KeyId: arn.replace("us-east-1", "eu-central-1"), ReplicaRegion: "eu-west-1" },
          region: "eu-central-1",
        };
      },
      error: "UnsupportedOperationException",
      type: UnsupportedOperationException,
    },
    {
      title: "a disabled primary",
      prepare: () => {
        const { arn } = primary();
        server.invoke("us-east-1", "DisableKey", { KeyId: arn });
        return { input: { KeyId: arn, ReplicaRegion: "eu-west-1" } };
      },
      error: "DisabledException",
      type: DisabledException,
    },
    {
      title: "a primary pending deletion",
      prepare: () => {
        const { arn } = primary();
        server.invoke("us-east-1", "ScheduleKeyDeletion", { KeyId: arn, PendingWindowInDays: 7 });
        return { input: { KeyId: arn, ReplicaRegion: "eu-west-1" } };
      },
      error: "KMSInvalidStateException",
      type: KMSInvalidStateException,
    },
    {
      title: "a policy with a U+201C quotation mark",
      prepare: () => ({
        input: {
          KeyId: primary().arn,
          ReplicaRegion: "eu-west-1",
          Policy: policyOfLength(200).replace("2012-10-17", "\u201C2012-10-17\u201D"),
        },
      }),
      error: "MalformedPolicyDocumentException",
      type: MalformedPolicyDocumentException,
    },
    {
      title: "a policy that is not JSON",
      prepare: () => ({ input: { KeyId: primary().arn, ReplicaRegion: "eu-west-1", Policy: "{not json" } }),
      error: "MalformedPolicyDocumentException",
      type: MalformedPolicyDocumentException,
    },
    {
      title: "a policy of 32769 characters",
      prepare: () => ({
        input: { KeyId: primary().arn, ReplicaRegion: "eu-west-1", Policy: policyOfLength(32_769) },
      }),
      error: "ValidationException",
    },
    {
      title: "a description of 8193 characters",
      prepare: () => ({
        input: { KeyId: primary().arn, ReplicaRegion: "eu-west-1", Description: "d".repeat(8193) },
      }),
      error: "ValidationException",
    },
    {
      title: "duplicate tag keys",
      prepare: () => ({
        input: {
          KeyId: primary().arn,
          ReplicaRegion: "eu-west-1",
          Tags: [
            { TagKey: "team", TagValue: "a" },
            { TagKey: "team", TagValue: "b" },
          ],
        },
      }),
      error: "TagException",
      type: TagException,
    },
    {
      title: "a tag key with the reserved aws: prefix",
      prepare: () => ({
        input: {
          KeyId: primary().arn,
          ReplicaRegion: "eu-west-1",
          Tags: [{ TagKey: "aws:x", TagValue: "v" }],
        },
      }),
      error: "TagException",
      type: TagException,
    },
    {
      title: "an HMAC key into a Region without HMAC",
      prepare: () => {
        server.configure({ hmacUnsupportedRegions: ["eu-west-1"] });
        const { arn } = primary("us-east-1", { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
        return { input: { KeyId: arn, ReplicaRegion: "eu-west-1" } };
      },
      error: "UnsupportedOperationException",
      type: UnsupportedOperationException,
    },
  ];

  it.each(cases)("rejects $title with $error and creates nothing", async ({ prepare, error, type }) => {
    const { input, region = "us-east-1" } = prepare();
    const target = String(input.ReplicaRegion);
    const before = server.keys(target).length;
    const failure = await expectKmsError(replicate(input, region), error);
    if (type !== undefined) expect(failure).toBeInstanceOf(type);
    expect(server.keys(target)).toHaveLength(before);
  });

  it("accepts the limits: a ReplicaRegion of 32 characters, a policy of 32768, an empty tag value", async () => {
    const { arn } = primary();
    const region = REGION_32;
    expect([REGION_32.length, REGION_33.length]).toEqual([32, 33]);
    // an invented Region: one outside the endpoint's table is not served
    server.configure({ regionPartitions: { [REGION_32]: "aws" } });
    const answer = await replicate({
      KeyId: arn,
      ReplicaRegion: region,
      Policy: policyOfLength(32_768),
      Description: "d".repeat(8192),
      Tags: [{ TagKey: "empty", TagValue: "" }],
    });
    expect(answer.ReplicaKeyMetadata?.Arn).toBe(arn.replace("us-east-1", region));
    expect(answer.ReplicaPolicy).toHaveLength(32_768);
    expect(answer.ReplicaTags).toEqual([{ TagKey: "empty", TagValue: "" }]);
  });

  it("replicates an HMAC key into a Region that offers HMAC, and a US GovCloud key within its partition", async () => {
    server.configure({ hmacUnsupportedRegions: ["eu-west-1"] });
    const hmac = primary("us-east-1", { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
    const replica = await replicate({ KeyId: hmac.arn, ReplicaRegion: "eu-central-1" });
    expect(replica.ReplicaKeyMetadata).toMatchObject({
      KeySpec: "HMAC_256",
      MacAlgorithms: ["HMAC_SHA_256"],
    });

    const gov = primary("us-gov-west-1");
    const govReplica = await replicate({ KeyId: gov.arn, ReplicaRegion: "us-gov-east-1" }, "us-gov-west-1");
    expect(govReplica.ReplicaKeyMetadata?.Arn).toBe(
      `arn:aws-us-gov:kms:us-gov-east-1:${ACCOUNT}:key/${gov.keyId}`,
    );
  });

  // Contract: KeyId is "key ID or key ARN" (real KMS answers NotFoundException for an alias here).
  it("takes a key ID or key ARN only, not an alias", async () => {
    const { keyId } = primary();
    server.invoke("us-east-1", "CreateAlias", { AliasName: "alias/primary", TargetKeyId: keyId });
    await failureOf(replicate({ KeyId: "alias/primary", ReplicaRegion: "eu-west-1" }));
    await failureOf(
      replicate({ KeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/primary`, ReplicaRegion: "eu-west-1" }),
    );
    expect(server.keys("eu-west-1")).toEqual([]);
    // AND the key ID itself works
    await expect(replicate({ KeyId: keyId, ReplicaRegion: "eu-west-1" })).resolves.toBeDefined();
  });

  // Contract: "An opt-in Region must be enabled for the account before anything can be created there."
  it("creates nothing in a Region that is not enabled for the account", async () => {
    server.configure({ disabledRegions: ["ap-east-1"] });
    const { arn } = primary();
    await failureOf(replicate({ KeyId: arn, ReplicaRegion: "ap-east-1" }));
    expect(server.keys("ap-east-1")).toEqual([]);
  });
});

describe("ReplicateKey results", () => {
  it("moves a replica from Creating to Enabled after the configured delay; keys() shows settledAt", async () => {
    // Long enough for the checks below while Creating, however busy the machine.
    server.configure({ creatingDelayMs: 2_000 });
    const { keyId, arn } = primary();
    const answer = await replicate({ KeyId: arn, ReplicaRegion: "eu-west-1" });
    expect(answer.ReplicaKeyMetadata).toMatchObject({ KeyId: keyId, KeyState: "Creating", Enabled: false });

    const [view] = server.keys("eu-west-1");
    expect(view).toMatchObject({ keyId, role: "REPLICA", state: "Creating" });
    expect(view?.settledAt).toBeGreaterThanOrEqual((view?.createdAt ?? 0) + 2_000);
    expect(view?.settledAt).toBeLessThan((view?.createdAt ?? 0) + 2_040);
    expect((await describe_("eu-west-1", keyId)).KeyState).toBe("Creating");
    // While Creating it can be managed (tags) but not enabled/disabled
    await kms("eu-west-1").send(
      new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "k", TagValue: "v" }] }),
    );
    await expectKmsError(
      kms("eu-west-1").send(new DisableKeyCommand({ KeyId: keyId })),
      "KMSInvalidStateException",
    );

    await sleep(Math.max(0, (view?.settledAt ?? 0) - Date.now()) + 10);
    expect(await describe_("eu-west-1", keyId)).toMatchObject({ KeyState: "Enabled", Enabled: true });
    expect(server.keys("eu-west-1")[0]?.state).toBe("Enabled");
    expect(server.calls({ region: "eu-west-1", operation: "DescribeKey" }).map((c) => c.keyState)).toEqual([
      "Creating",
      "Enabled",
    ]);
  });

  it("settles a replica of an EXTERNAL key in PendingImport; per-Region delays; null stays Creating", async () => {
    server.configure({
      creatingDelayMs: 5_000,
      creatingDelayByRegion: { "eu-west-1": 50, "ap-south-1": null },
    });
    const external = primary("us-east-1", { Origin: "EXTERNAL" });
    const stuck = primary();
    await replicate({ KeyId: external.arn, ReplicaRegion: "eu-west-1" });
    await replicate({ KeyId: stuck.arn, ReplicaRegion: "ap-south-1" });
    await replicate({ KeyId: stuck.arn, ReplicaRegion: "sa-east-1" });
    expect(server.keys("ap-south-1")[0]?.settledAt).toBe(Number.POSITIVE_INFINITY);
    expect(server.keys("sa-east-1")[0]?.settledAt).toBeGreaterThan(Date.now() + 4_000);

    await sleep(80);
    expect(await describe_("eu-west-1", external.keyId)).toMatchObject({
      KeyState: "PendingImport",
      Origin: "EXTERNAL",
      Enabled: false,
    });
    expect((await describe_("ap-south-1", stuck.keyId)).KeyState).toBe("Creating");
    expect((await describe_("sa-east-1", stuck.keyId)).KeyState).toBe("Creating");
  });

  it("lists the same primary and every replica in the MultiRegionConfiguration of each key", async () => {
    const { keyId, arn } = primary();
    const targets = ["eu-west-1", "ap-southeast-2", "sa-east-1"];
    for (const region of targets) await replicate({ KeyId: arn, ReplicaRegion: region });

    const expected = targets.map((region) => ({ Arn: arn.replace("us-east-1", region), Region: region }));
    const byRegion = (a: { Region?: string }, b: { Region?: string }): number =>
      String(a.Region).localeCompare(String(b.Region));
    for (const region of ["us-east-1", ...targets]) {
      const metadata = await describe_(region, keyId);
      expect(metadata.KeyId).toBe(keyId);
      expect(metadata.Arn).toBe(arn.replace("us-east-1", region));
      const config = metadata.MultiRegionConfiguration;
      expect(config?.MultiRegionKeyType).toBe(region === "us-east-1" ? "PRIMARY" : "REPLICA");
      expect(config?.PrimaryKey).toEqual({ Arn: arn, Region: "us-east-1" });
      expect([...(config?.ReplicaKeys ?? [])].sort(byRegion)).toEqual([...expected].sort(byRegion));
    }
  });

  it("does not copy the primary's description, tags or policy, but applies those in the request", async () => {
    const custom = policyOfLength(300);
    const { keyId, arn } = primary("us-east-1", {
      Description: "the primary",
      Tags: [{ TagKey: "owner", TagValue: "primary" }],
      Policy: custom,
    });

    const plain = await replicate({ KeyId: arn, ReplicaRegion: "eu-west-1" });
    expect(plain.ReplicaKeyMetadata?.Description).toBe("");
    expect(plain.ReplicaTags).toEqual([]);
    const policy = await kms("eu-west-1").send(new GetKeyPolicyCommand({ KeyId: keyId }));
    expect(policy.Policy).toBe(plain.ReplicaPolicy);
    expect(policy.Policy).not.toBe(custom);
    expect(JSON.parse(String(policy.Policy))).toMatchObject({
      Statement: [{ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*" }],
    });
    const tags = await kms("eu-west-1").send(new ListResourceTagsCommand({ KeyId: keyId }));
    expect(tags.Tags).toEqual([]);
    expect((await describe_("eu-west-1", keyId)).Description).toBe("");

    const mine = policyOfLength(250);
    const given = await replicate({
      KeyId: arn,
      ReplicaRegion: "ap-southeast-2",
      Description: "replica",
      Policy: mine,
      Tags: [{ TagKey: "owner", TagValue: "replica" }],
    });
    expect(given.ReplicaKeyMetadata?.Description).toBe("replica");
    expect(given.ReplicaPolicy).toBe(mine);
    expect(given.ReplicaTags).toEqual([{ TagKey: "owner", TagValue: "replica" }]);
    expect(server.keys("ap-southeast-2")[0]).toMatchObject({
      description: "replica",
      policy: mine,
      tags: { owner: "replica" },
    });
    // AND the primary keeps its own
    expect(server.keys("us-east-1")[0]).toMatchObject({
      description: "the primary",
      tags: { owner: "primary" },
    });
  });
});

describe("faults", () => {
  it("adds latency to matching calls only", async () => {
    await kms("us-east-1").send(new ListKeysCommand({})); // warm the connection
    // Wide margins: this runs beside the end-to-end tests on a busy 2-core machine.
    server.configure({ faults: [{ region: "us-east-1", operation: "DescribeKey", latencyMs: 600 }] });
    const { keyId } = primary();

    let started = Date.now();
    await describe_("us-east-1", keyId);
    const slow = Date.now() - started;
    started = Date.now();
    await kms("us-east-1").send(new ListKeysCommand({}));
    const fast = Date.now() - started;
    expect(slow).toBeGreaterThanOrEqual(590);
    expect(slow).toBeLessThan(3_000);
    expect(fast).toBeLessThan(slow - 400);
  });

  it("throttles the next `count` matching calls", async () => {
    server.configure({ faults: [{ operation: "ListKeys", throttle: { count: 2 } }] });
    const client = kms("us-east-1");
    await expectKmsError(client.send(new ListKeysCommand({})), "ThrottlingException");
    await expectKmsError(client.send(new ListKeysCommand({})), "ThrottlingException");
    await expect(client.send(new ListKeysCommand({}))).resolves.toBeDefined();
    expect(server.calls({ operation: "ListKeys" }).map((c) => [c.status, c.errorType])).toEqual([
      [400, "ThrottlingException"],
      [400, "ThrottlingException"],
      [200, undefined],
    ]);
  });

  it("throttles a rate of calls, repeatably for a seed", async () => {
    const pattern = async (seed: number): Promise<boolean[]> => {
      server.configure({ seed, faults: [{ operation: "ListKeys", throttle: { rate: 0.5 } }] });
      const outcome: boolean[] = [];
      for (let i = 0; i < 30; i += 1) {
        const throttled = await kms("us-east-1")
          .send(new ListKeysCommand({}))
          .then(
            () => false,
            (error: unknown) => (error as Error).name === "ThrottlingException",
          );
        outcome.push(throttled);
      }
      return outcome;
    };
    const first = await pattern(42);
    const again = await pattern(42);
    const other = await pattern(7);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const throttled = first.filter(Boolean).length;
    expect(throttled).toBeGreaterThan(5);
    expect(throttled).toBeLessThan(25);
  });

  it("drops the connection: the SDK gets a network error, recorded with status 0", async () => {
    server.configure({ faults: [{ operation: "ListKeys", dropConnection: { count: 1 } }] });
    const error = await failureOf(kms("us-east-1").send(new ListKeysCommand({})));
    expect(error).not.toBeInstanceOf(KMSServiceException);
    expect(error).toMatchObject({ code: "ECONNRESET" });
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
    await expect(kms("us-east-1").send(new ListKeysCommand({}))).resolves.toBeDefined();
    expect(server.calls({ operation: "ListKeys" }).map((c) => c.status)).toEqual([0, 200]);
  });

  it("stalls: accepts the request and never answers, until the client goes away; counted", async () => {
    server.configure({ faults: [{ operation: "ListKeys", stall: { count: 1 } }] });
    const started = Date.now();
    const error = await failureOf(
      kms("us-east-1").send(new ListKeysCommand({}), { abortSignal: AbortSignal.timeout(400) }),
    );
    expect((error as Error).name).toBe("AbortError");
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    // the rule is used up: the next call is answered
    await expect(kms("us-east-1").send(new ListKeysCommand({}))).resolves.toBeDefined();
    expect(server.calls({ operation: "ListKeys" }).map((c) => [c.status, c.fault])).toEqual([
      [0, "stall"],
      [200, undefined],
    ]);
  });

  it("stalls every matching call with `stall: true`, and still stops", async () => {
    server.configure({ faults: [{ region: "eu-west-1", stall: true }] });
    const attempt = () =>
      failureOf(kms("eu-west-1").send(new ListKeysCommand({}), { abortSignal: AbortSignal.timeout(200) }));
    expect(((await attempt()) as Error).name).toBe("AbortError");
    expect(((await attempt()) as Error).name).toBe("AbortError");
    await expect(kms("us-east-1").send(new ListKeysCommand({}))).resolves.toBeDefined();
    expect(server.calls({ region: "eu-west-1" }).map((c) => c.fault)).toEqual(["stall", "stall"]);
    // a stalled request still held by a client does not keep stop() waiting
    const other = await startKmsLocal({ faults: [{ stall: true }] });
    const client = new KMSClient({
      endpoint: other.url,
      region: "us-east-1",
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    const pending = client.send(new ListKeysCommand({})).catch((e: unknown) => e);
    await sleep(100);
    await other.stop();
    expect(await pending).toMatchObject({ code: "ECONNRESET" });
    client.destroy();
  });

  it("processThenDrop: the operation is carried out, the answer lost", async () => {
    server.configure({ faults: [{ operation: "ReplicateKey", processThenDrop: { count: 2 } }] });
    const { arn } = primary();
    const error = await failureOf(replicate({ KeyId: arn, ReplicaRegion: "eu-west-1" }));
    expect(error).toMatchObject({ code: "ECONNRESET" });
    expect(server.keys("eu-west-1")).toHaveLength(1);
    // an error answer is lost the same way (the retry meets the replica the first call made)
    const again = await failureOf(replicate({ KeyId: arn, ReplicaRegion: "eu-west-1" }));
    expect(again).toMatchObject({ code: "ECONNRESET" });
    await expectKmsError(replicate({ KeyId: arn, ReplicaRegion: "eu-west-1" }), "AlreadyExistsException");
    expect(
      server.calls({ operation: "ReplicateKey" }).map((c) => [c.status, c.fault, c.keyState ?? c.errorType]),
    ).toEqual([
      [0, "processThenDrop", "Enabled"],
      [0, "processThenDrop", "AlreadyExistsException"],
      [400, undefined, "AlreadyExistsException"],
    ]);
  });

  it("answerDelayMs: the operation is carried out at once; a client that goes away never gets the answer", async () => {
    server.configure({ faults: [{ operation: "TagResource", answerDelayMs: 600_000 }] });
    const { arn } = primary();
    const abort = new AbortController();
    const pending = kms("us-east-1")
      .send(new TagResourceCommand({ KeyId: arn, Tags: [{ TagKey: "k", TagValue: "v" }] }), {
        abortSignal: abort.signal,
      })
      .catch((e: unknown) => e);
    // The call is in the log once it has arrived; counted, not timed.
    while (server.callCount("us-east-1", "TagResource") === 0) await sleep(10);
    expect(server.keys("us-east-1")[0]?.tags).toEqual({ k: "v" });
    abort.abort();
    expect(await pending).toMatchObject({ name: "AbortError" });
    while (server.calls({ operation: "TagResource" })[0]?.fault === undefined) await sleep(10);
    expect(server.calls({ operation: "TagResource" }).map((c) => [c.status, c.fault])).toEqual([
      [0, "clientGone"],
    ]);
    // Other operations answer at once.
    await expect(kms("us-east-1").send(new ListKeysCommand({}))).resolves.toBeDefined();
  });

  it("clockSkewMs: a request signed more than 5 minutes off is 'Signature expired', with the endpoint's Date", async () => {
    server.configure({ clockSkewMs: 10 * 60_000 });
    const client = new KMSClient({
      endpoint: server.url,
      region: "us-east-1",
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    const error = await expectKmsError(client.send(new ListKeysCommand({})), "InvalidSignatureException");
    expect(error.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
    // the SDK read the endpoint's Date header, corrected its clock, and said so
    expect(error.$metadata).toMatchObject({ clockSkewCorrected: true });
    const offset = client.config.systemClockOffset;
    expect(offset).toBeGreaterThan(9 * 60_000);
    expect(offset).toBeLessThan(11 * 60_000);
    await expect(client.send(new ListKeysCommand({}))).resolves.toBeDefined();
    client.destroy();
  });

  it("records the access key ID that signed each call (never the secret)", async () => {
    await kms("us-east-1").send(new ListKeysCommand({}));
    const [call] = server.calls();
    expect(call?.accessKeyId).toBe("AKIDEXAMPLE");
    expect(JSON.stringify(server.calls())).not.toContain(CREDENTIALS.secretAccessKey);
  });

  it("hides a new replica from its first DescribeKey calls in a configured Region", async () => {
    server.configure({ hiddenDescribesByRegion: { "eu-west-1": 2 } });
    const { keyId, arn } = primary();
    await replicate({ KeyId: arn, ReplicaRegion: "eu-west-1" });
    await replicate({ KeyId: arn, ReplicaRegion: "eu-central-1" });
    await expectKmsError(
      kms("eu-west-1").send(new DescribeKeyCommand({ KeyId: keyId })),
      "NotFoundException",
    );
    await expectKmsError(
      kms("eu-west-1").send(new DescribeKeyCommand({ KeyId: keyId })),
      "NotFoundException",
    );
    expect((await describe_("eu-west-1", keyId)).KeyId).toBe(keyId);
    expect((await describe_("eu-central-1", keyId)).KeyId).toBe(keyId);
    expect((await describe_("us-east-1", keyId)).KeyId).toBe(keyId);
  });

  it("answers UnrecognizedClientException for every call in a disabled Region", async () => {
    server.configure({ disabledRegions: ["ap-east-1"] });
    await expectKmsError(kms("ap-east-1").send(new ListKeysCommand({})), "UnrecognizedClientException");
    await expectKmsError(kms("ap-east-1").send(new CreateKeyCommand({})), "UnrecognizedClientException");
    expect(server.keys("ap-east-1")).toEqual([]);
    await expect(kms("us-east-1").send(new ListKeysCommand({}))).resolves.toBeDefined();
  });

  it("denies access with a message naming kms:<Operation>, filtered by Region and operation", async () => {
    server.configure({ faults: [{ region: "us-east-1", operation: "ReplicateKey", accessDenied: true }] });
    const east = primary();
    const west = primary("us-west-2");
    const denied = await expectKmsError(
      replicate({ KeyId: east.arn, ReplicaRegion: "eu-west-1" }),
      "AccessDeniedException",
    );
    expect(denied.message).toContain("kms:ReplicateKey");
    expect(server.keys("eu-west-1")).toEqual([]);
    // Another operation in the same Region, and the same operation in another Region, pass
    await expect(describe_("us-east-1", east.keyId)).resolves.toBeDefined();
    await expect(
      replicate({ KeyId: west.arn, ReplicaRegion: "eu-west-1" }, "us-west-2"),
    ).resolves.toBeDefined();
  });

  it("applies a counted rule only to its Region and operation", async () => {
    server.configure({ faults: [{ region: "eu-west-1", operation: "DescribeKey", throttle: { count: 1 } }] });
    const { keyId, arn } = primary();
    await replicate({ KeyId: arn, ReplicaRegion: "eu-west-1" });
    await expect(describe_("us-east-1", keyId)).resolves.toBeDefined();
    await expect(kms("eu-west-1").send(new ListKeysCommand({}))).resolves.toBeDefined();
    await expectKmsError(
      kms("eu-west-1").send(new DescribeKeyCommand({ KeyId: keyId })),
      "ThrottlingException",
    );
    await expect(describe_("eu-west-1", keyId)).resolves.toBeDefined();
  });
});

describe("call records", () => {
  it("counts calls by Region and operation, with status and error type; setup and control calls are not counted", async () => {
    const { keyId } = primary(); // in-process: not counted
    await describe_("us-east-1", keyId);
    await expectKmsError(
      kms("us-east-1").send(new DescribeKeyCommand({ KeyId: "nope" })),
      "NotFoundException",
    );
    await kms("eu-west-1").send(new ListKeysCommand({}));

    expect(server.callCount()).toBe(3);
    expect(server.callCount("us-east-1")).toBe(2);
    expect(server.callCount("us-east-1", "DescribeKey")).toBe(2);
    expect(server.callCount("eu-west-1", "DescribeKey")).toBe(0);
    expect(server.callCount(undefined, "ListKeys")).toBe(1);
    expect(server.calls({ region: "us-east-1" })).toEqual([
      expect.objectContaining({ operation: "DescribeKey", status: 200, keyState: "Enabled" }),
      expect.objectContaining({ operation: "DescribeKey", status: 400, errorType: "NotFoundException" }),
    ]);
    for (const call of server.calls()) expect(call.at).toBeGreaterThan(0);

    await fetch(`${server.url}/_kms-local/calls`);
    await fetch(`${server.url}/_kms-local/keys?region=us-east-1`);
    await fetch(`${server.url}/_kms-local/config`, { method: "POST", body: "{}" });
    expect(server.callCount()).toBe(3);
  });
});

describe("aliases, tags, policies, key states", () => {
  it("CreateAlias / ListAliases: unique per Region, the same name in another Region, alias/aws/ rejected", async () => {
    const east = primary();
    const west = primary("eu-west-1");
    await kms("us-east-1").send(new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: east.keyId }));
    const duplicate = await expectKmsError(
      kms("us-east-1").send(new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: east.arn })),
      "AlreadyExistsException",
    );
    expect(duplicate).toBeInstanceOf(AlreadyExistsException);
    await kms("eu-west-1").send(new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: west.keyId }));
    await failureOf(
      kms("us-east-1").send(new CreateAliasCommand({ AliasName: "alias/aws/app", TargetKeyId: east.keyId })),
    );

    const eastAliases = await kms("us-east-1").send(new ListAliasesCommand({}));
    expect(eastAliases.Aliases?.map((a) => [a.AliasName, a.AliasArn, a.TargetKeyId])).toEqual([
      ["alias/app", `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`, east.keyId],
    ]);
    const westAliases = await kms("eu-west-1").send(new ListAliasesCommand({ KeyId: west.keyId }));
    expect(westAliases.Aliases?.map((a) => a.TargetKeyId)).toEqual([west.keyId]);
    expect(server.keys("us-east-1")[0]?.aliases).toEqual(["alias/app"]);
  });

  it("TagResource / ListResourceTags", async () => {
    const { keyId } = primary();
    const client = kms("us-east-1");
    await client.send(
      new TagResourceCommand({
        KeyId: keyId,
        Tags: [
          { TagKey: "a", TagValue: "1" },
          { TagKey: "b", TagValue: "" },
        ],
      }),
    );
    await client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "a", TagValue: "2" }] }));
    const tags = await client.send(new ListResourceTagsCommand({ KeyId: keyId }));
    expect(tags.Tags).toEqual([
      { TagKey: "a", TagValue: "2" },
      { TagKey: "b", TagValue: "" },
    ]);
    const error = await expectKmsError(
      client.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [
            { TagKey: "c", TagValue: "1" },
            { TagKey: "c", TagValue: "2" },
          ],
        }),
      ),
      "TagException",
    );
    expect(error).toBeInstanceOf(TagException);
  });

  it("GetKeyPolicy / PutKeyPolicy", async () => {
    const { keyId } = primary();
    const client = kms("us-east-1");
    const before = await client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
    expect(JSON.parse(String(before.Policy))).toMatchObject({ Version: "2012-10-17" });
    const policy = policyOfLength(120);
    await client.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: policy }));
    expect((await client.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy).toBe(policy);
    await expectKmsError(
      client.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: "\u201C{}\u201D" })),
      "MalformedPolicyDocumentException",
    );
  });

  it("EnableKey / DisableKey", async () => {
    const { keyId } = primary();
    const client = kms("us-east-1");
    await client.send(new DisableKeyCommand({ KeyId: keyId }));
    expect(await describe_("us-east-1", keyId)).toMatchObject({ KeyState: "Disabled", Enabled: false });
    await client.send(new EnableKeyCommand({ KeyId: keyId }));
    expect(await describe_("us-east-1", keyId)).toMatchObject({ KeyState: "Enabled", Enabled: true });
  });

  it("ScheduleKeyDeletion takes 7–30 days; CancelKeyDeletion leaves the key Disabled", async () => {
    const { keyId, arn } = primary();
    const client = kms("us-east-1");
    for (const days of [6, 31]) {
      await expectKmsError(
        client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: days })),
        "ValidationException",
      );
    }
    const before = Date.now();
    const scheduled = await client.send(
      new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }),
    );
    expect(scheduled).toMatchObject({ KeyId: arn, KeyState: "PendingDeletion", PendingWindowInDays: 7 });
    const deletion = scheduled.DeletionDate?.getTime() ?? 0;
    expect(deletion).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 1_000);
    expect(deletion).toBeLessThan(Date.now() + 7 * 86_400_000 + 1_000);
    expect(await describe_("us-east-1", keyId)).toMatchObject({
      KeyState: "PendingDeletion",
      Enabled: false,
      PendingDeletionWindowInDays: 7,
    });
    await expectKmsError(client.send(new EnableKeyCommand({ KeyId: keyId })), "KMSInvalidStateException");

    const cancelled = await client.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    expect(cancelled.KeyId).toBe(arn);
    const metadata = await describe_("us-east-1", keyId);
    expect(metadata).toMatchObject({ KeyState: "Disabled", Enabled: false });
    expect(metadata.DeletionDate).toBeUndefined();
    await expectKmsError(
      client.send(new CancelKeyDeletionCommand({ KeyId: keyId })),
      "KMSInvalidStateException",
    );

    const other = primary();
    const thirty = await client.send(
      new ScheduleKeyDeletionCommand({ KeyId: other.keyId, PendingWindowInDays: 30 }),
    );
    expect(thirty.PendingWindowInDays).toBe(30);
  });
});

describe("the HTTP control API", () => {
  it("GET calls, GET keys?region=, POST config, POST reset", async () => {
    const { keyId, arn } = primary();
    const config = await fetch(`${server.url}/_kms-local/config`, {
      method: "POST",
      body: JSON.stringify({
        // Long enough that the replica is still Creating when it is listed, however busy the machine.
        creatingDelayMs: 30_000,
        faults: [{ region: "eu-west-1", operation: "ListKeys", throttle: { count: 1 } }],
      }),
    });
    expect(config.status).toBe(200);
    expect(await config.json()).toMatchObject({ creatingDelayMs: 30_000 });

    await replicate({ KeyId: arn, ReplicaRegion: "eu-west-1" });
    await expectKmsError(kms("eu-west-1").send(new ListKeysCommand({})), "ThrottlingException");

    const keys = (await (await fetch(`${server.url}/_kms-local/keys?region=eu-west-1`)).json()) as KeyView[];
    expect(keys).toEqual([
      expect.objectContaining({
        keyId,
        arn: arn.replace("us-east-1", "eu-west-1"),
        role: "REPLICA",
        state: "Creating",
      }),
    ]);
    expect(keys[0]?.settledAt).toBeGreaterThan(keys[0]?.createdAt ?? 0);

    const calls = (await (await fetch(`${server.url}/_kms-local/calls`)).json()) as CallRecord[];
    expect(calls.map((c) => [c.region, c.operation, c.status, c.errorType ?? null])).toEqual([
      ["us-east-1", "ReplicateKey", 200, null],
      ["eu-west-1", "ListKeys", 400, "ThrottlingException"],
    ]);

    const reset = await fetch(`${server.url}/_kms-local/reset`, { method: "POST" });
    expect(reset.status).toBe(200);
    expect(server.keys("us-east-1")).toEqual([]);
    expect(server.calls()).toEqual([]);
    await expect(kms("eu-west-1").send(new ListKeysCommand({}))).resolves.toMatchObject({ Keys: [] });

    expect((await fetch(`${server.url}/_kms-local/nothing`)).status).toBe(404);
  });

  it("refuses a config with a misspelt key instead of ignoring it, and changes nothing", async () => {
    // GIVEN / WHEN
    const post = (body: string): Promise<Response> =>
      fetch(`${server.url}/_kms-local/config`, { method: "POST", body });
    const typo = await post(
      JSON.stringify({ creatingDelay: 5, faults: [{ region: "eu-west-1", throttled: {} }] }),
    );
    const notJson = await post("{");
    const notRules = await post(JSON.stringify({ faults: { region: "eu-west-1" } }));
    // THEN
    expect(typo.status).toBe(400);
    const { message } = (await typo.json()) as { message: string };
    expect(message).toMatch(/unknown config key creatingDelay/);
    expect(message).toMatch(/unknown key throttled in faults\[0\]/);
    expect(notJson.status).toBe(400);
    expect(notRules.status).toBe(400);
    await expect(kms("eu-west-1").send(new ListKeysCommand({}))).resolves.toMatchObject({ Keys: [] });
  });

  it("refuses a KMS request without an Authorization header", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.ListKeys" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type?: string };
    expect(body.__type).toBe("UnrecognizedClientException");
    expect(server.calls()).toEqual([
      expect.objectContaining({
        operation: "ListKeys",
        status: 400,
        errorType: "UnrecognizedClientException",
      }),
    ]);
  });
});

describe("the standalone endpoint (build/kms-local.js)", () => {
  it.skipIf(!existsSync(STANDALONE))(
    "--enforce-quotas and --quota OP=N: of two CreateKey sent together, one is throttled; --help lists the flags",
    async () => {
      const help = spawn(process.execPath, [STANDALONE, "--help"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let usage = "";
      help.stdout.on("data", (chunk: Buffer) => (usage += chunk.toString()));
      expect(await new Promise((resolve) => help.once("exit", resolve))).toBe(0);
      for (const flag of [
        "--enforce-quotas",
        "--quota-scale",
        "--quota OP=N",
        "--updating-delay",
        "--read-after-write",
      ]) {
        expect(usage).toContain(flag);
      }

      const child = spawn(
        process.execPath,
        [STANDALONE, "--port", "0", "--enforce-quotas", "--quota", "CreateKey=1"],
        {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      try {
        const lines = createInterface({ input: child.stdout });
        const first = await new Promise<string>((resolve, reject) => {
          lines.once("line", resolve);
          child.once("exit", (code) => reject(new Error(`kms-local exited with ${code} before listening`)));
        });
        lines.close();
        const endpoint = /listening on (\S+)$/.exec(first)?.[1];
        const client = new KMSClient({
          endpoint,
          region: "eu-west-1",
          credentials: CREDENTIALS,
          maxAttempts: 1,
        });
        try {
          // quota 1/s: sent together (within a few ms of each other), exactly one is served
          const outcomes = await Promise.all(
            [1, 2].map(() =>
              client.send(new CreateKeyCommand({})).then(
                () => "ok",
                (error: unknown) => (error as Error).name,
              ),
            ),
          );
          expect(outcomes.sort()).toEqual(["ThrottlingException", "ok"]);
        } finally {
          client.destroy();
        }
      } finally {
        child.kill("SIGTERM");
      }
    },
  );

  it.skipIf(!existsSync(STANDALONE))(
    "listens on the port it prints, answers the SDK, exits 0 on SIGTERM",
    async () => {
      const child = spawn(process.execPath, [STANDALONE, "--port", "0"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      try {
        const lines = createInterface({ input: child.stdout });
        const first = await new Promise<string>((resolve, reject) => {
          lines.once("line", resolve);
          child.once("exit", (code) => reject(new Error(`kms-local exited with ${code} before listening`)));
        });
        lines.close();
        const match = /^kms-local listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(first);
        expect(match).not.toBeNull();
        const client = new KMSClient({
          endpoint: match?.[1],
          region: "eu-west-1",
          credentials: CREDENTIALS,
          maxAttempts: 1,
        });
        try {
          const created = await client.send(new CreateKeyCommand({ MultiRegion: true }));
          expect(created.KeyMetadata?.Arn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\/mrk-/);
        } finally {
          client.destroy();
        }
        child.kill("SIGTERM");
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    },
  );
});
