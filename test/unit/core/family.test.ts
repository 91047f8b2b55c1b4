import type { AliasListEntry, KeyMetadata, Tag as KmsTag } from "@aws-sdk/client-kms";
import { describe, it, expect } from "vitest";
import { EXIT, isReplicateError } from "../../../src/core/errors.js";
import type { KeyRef } from "../../../src/core/keys.js";
import type { KmsPort } from "../../../src/aws/kms.js";
import { readFamily } from "../../../src/core/family.js";
import { awsFailure, fakeKms } from "../../support/fake-kms.js";
import { KEY_ID, arnIn } from "../../support/fixtures.js";

const PRIMARY_REGION = "us-east-1";
const PRIMARY_ARN = arnIn(PRIMARY_REGION);
/** Listed out of order on purpose: readFamily sorts replicas by Region. */
const REPLICA_REGIONS = ["eu-west-1", "ap-southeast-2"];

const BY_ID: KeyRef = { kind: "key-id", value: KEY_ID };

function metadataIn(region: string): KeyMetadata {
  const role = region === PRIMARY_REGION ? "PRIMARY" : "REPLICA";
  return {
    KeyId: KEY_ID,
    Arn: arnIn(region),
    KeyState: "Enabled",
    Enabled: true,
    Description: `Payments key (${region})`,
    MultiRegion: true,
    MultiRegionConfiguration: {
      MultiRegionKeyType: role,
      PrimaryKey: { Arn: PRIMARY_ARN, Region: PRIMARY_REGION },
      ReplicaKeys: role === "PRIMARY" ? REPLICA_REGIONS.map((r) => ({ Arn: arnIn(r), Region: r })) : [],
    },
  };
}

type Call = readonly [operation: string, region: string, keyId: string];

/**
 * A KMS that holds the key family: one key per Region, each answering only in its own Region.
 * `failing` makes every call in a Region fail; `describe` overrides DescribeKey's answer there.
 */
function familyKms(
  options: {
    readonly failing?: Readonly<Record<string, Error>>;
    readonly describe?: Readonly<Record<string, KeyMetadata | Error>>;
  } = {},
): { kms: KmsPort; calls: Call[] } {
  const calls: Call[] = [];
  const regions = [PRIMARY_REGION, ...REPLICA_REGIONS];
  const answer = <T>(operation: string, region: string, keyId: string, value: () => T): Promise<T> => {
    calls.push([operation, region, keyId]);
    const failure = options.failing?.[region];
    if (failure !== undefined) return Promise.reject(failure);
    if (!regions.includes(region) || (keyId !== KEY_ID && keyId !== arnIn(region))) {
      return Promise.reject(awsFailure("NotFoundException"));
    }
    return Promise.resolve(value());
  };
  const unexpected = (): Promise<never> => Promise.reject(new Error("unexpected call"));
  const kms: KmsPort = fakeKms({
    describeKey: (region, keyId) =>
      answer("DescribeKey", region, keyId, () => {
        const scripted = options.describe?.[region];
        if (scripted instanceof Error) throw scripted;
        return scripted ?? metadataIn(region);
      }),
    listResourceTags: (region, keyId) =>
      answer("ListResourceTags", region, keyId, (): KmsTag[] => [
        { TagKey: "team", TagValue: "payments" },
        { TagKey: "region", TagValue: region },
      ]),
    listAliases: (region, keyId) =>
      answer("ListAliases", region, keyId, (): AliasListEntry[] => [
        { AliasName: "alias/payments" },
        { AliasName: "alias/billing" },
        { AliasArn: `arn:aws:kms:${region}:111122223333:alias/nameless` },
      ]),
    getKeyPolicy: (region, keyId) => answer("GetKeyPolicy", region, keyId, () => `{"Id":"${region}"}`),
    replicateKey: unexpected,
    createAlias: unexpected,
  });
  return { kms, calls };
}

/** Every call's operation and Region, in a stable order. */
const where = (calls: readonly Call[]): string[] => calls.map(([op, region]) => `${op} ${region}`).sort();

/** The reads that make up one key's view in its Region. */
const readsIn = (region: string): string[] => [
  `GetKeyPolicy ${region}`,
  `ListAliases ${region}`,
  `ListResourceTags ${region}`,
];

/** What a rejected promise rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("readFamily", () => {
  it("reads a primary with two replicas, each key in its own Region, replicas sorted by Region", async () => {
    // GIVEN
    const { kms, calls } = familyKms();
    // WHEN
    const family = await readFamily(kms, BY_ID, PRIMARY_REGION);
    // THEN the primary is described once, and every replica is described and read in its own Region
    expect(where(calls)).toEqual(
      [
        `DescribeKey ${PRIMARY_REGION}`,
        ...readsIn(PRIMARY_REGION),
        `DescribeKey ap-southeast-2`,
        ...readsIn("ap-southeast-2"),
        `DescribeKey eu-west-1`,
        ...readsIn("eu-west-1"),
      ].sort(),
    );
    for (const [operation, region, keyId] of calls.slice(1)) {
      expect([operation, region, keyId]).toEqual([
        operation,
        region,
        operation === "ListAliases" ? KEY_ID : arnIn(region),
      ]);
    }
    expect(family.primary).toEqual({
      region: PRIMARY_REGION,
      role: "PRIMARY",
      arn: PRIMARY_ARN,
      keyState: "Enabled",
      enabled: true,
      description: "Payments key (us-east-1)",
      tags: { team: "payments", region: PRIMARY_REGION },
      aliases: ["alias/billing", "alias/payments"],
      policy: '{"Id":"us-east-1"}',
      error: null,
      fieldErrors: { tags: null, aliases: null, policy: null },
    });
    expect(family.replicas.map((r) => [r.region, r.role, r.arn, r.description, r.error])).toEqual([
      ["ap-southeast-2", "REPLICA", arnIn("ap-southeast-2"), "Payments key (ap-southeast-2)", null],
      ["eu-west-1", "REPLICA", arnIn("eu-west-1"), "Payments key (eu-west-1)", null],
    ]);
    expect(family.replicas.map((r) => r.tags?.region)).toEqual(["ap-southeast-2", "eu-west-1"]);
  });

  it("finds the primary from a replica and describes it in the primary's Region", async () => {
    // GIVEN the key named is the replica in eu-west-1
    const { kms, calls } = familyKms();
    const replica: KeyRef = {
      kind: "key-arn",
      value: arnIn("eu-west-1"),
      partition: "aws",
      region: "eu-west-1",
      account: "111122223333",
    };
    // WHEN
    const family = await readFamily(kms, replica, "eu-west-1");
    // THEN
    expect(calls.slice(0, 2)).toEqual([
      ["DescribeKey", "eu-west-1", arnIn("eu-west-1")],
      ["DescribeKey", PRIMARY_REGION, PRIMARY_ARN],
    ]);
    expect(family.primary.region).toBe(PRIMARY_REGION);
    expect(family.primary.role).toBe("PRIMARY");
    expect(family.primary.arn).toBe(PRIMARY_ARN);
    expect(family.replicas.map((r) => r.region)).toEqual(["ap-southeast-2", "eu-west-1"]);
    expect(where(calls)).toEqual(
      [
        `DescribeKey eu-west-1`,
        `DescribeKey ${PRIMARY_REGION}`,
        ...readsIn(PRIMARY_REGION),
        `DescribeKey ap-southeast-2`,
        ...readsIn("ap-southeast-2"),
        `DescribeKey eu-west-1`,
        ...readsIn("eu-west-1"),
      ].sort(),
    );
  });

  it("refuses a single-Region key with a usage error (exit 2)", async () => {
    // GIVEN
    const single: KeyMetadata = {
      KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      KeyState: "Enabled",
      MultiRegion: false,
    };
    const { kms, calls } = familyKms({ describe: { [PRIMARY_REGION]: single } });
    // WHEN
    const error = await rejectionOf(readFamily(kms, BY_ID, PRIMARY_REGION));
    // THEN
    if (!isReplicateError(error)) throw new Error("expected a ReplicateError");
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.code).toBe("UsageError");
    expect(error.message).toContain("single-Region");
    expect(error.message).toContain(PRIMARY_REGION);
    expect(calls).toHaveLength(1);
  });

  it.each<{ name: string; exitCode: number }>([
    { name: "NotFoundException", exitCode: EXIT.usage },
    { name: "InvalidArnException", exitCode: EXIT.usage },
    { name: "AccessDeniedException", exitCode: EXIT.failed },
  ])(
    "ends with exit $exitCode when DescribeKey of the named key answers $name",
    async ({ name, exitCode }) => {
      // GIVEN
      const { kms, calls } = familyKms({ describe: { [PRIMARY_REGION]: awsFailure(name) } });
      // WHEN
      const error = await rejectionOf(readFamily(kms, BY_ID, PRIMARY_REGION));
      // THEN
      if (!isReplicateError(error)) throw new Error("expected a ReplicateError");
      expect(error.exitCode).toBe(exitCode);
      expect(error.code).toBe(name);
      expect(error.message).toContain(`DescribeKey in ${PRIMARY_REGION}`);
      expect(calls).toHaveLength(1);
    },
  );

  it("keeps going when a replica's Region does not recognise the credentials, and reports it in that view", async () => {
    // GIVEN ap-southeast-2 is not enabled for the account
    const { kms } = familyKms({ failing: { "ap-southeast-2": awsFailure("UnrecognizedClientException") } });
    // WHEN
    const family = await readFamily(kms, BY_ID, PRIMARY_REGION);
    // THEN
    const [failed, fine] = family.replicas;
    expect(failed?.region).toBe("ap-southeast-2");
    expect(failed?.role).toBe("REPLICA");
    expect(failed?.arn).toBe(arnIn("ap-southeast-2"));
    expect(failed?.keyState).toBeNull();
    // Nothing is known about it: unknown, not empty.
    expect(failed?.tags).toBeNull();
    expect(failed?.aliases).toBeNull();
    expect(failed?.policy).toBeNull();
    expect(failed?.error?.name).toBe("UnrecognizedClientException");
    expect(failed?.error?.hint).toContain("ap-southeast-2");
    expect(failed?.error?.hint).toContain("Region is probably not enabled");
    expect(fine?.region).toBe("eu-west-1");
    expect(fine?.error).toBeNull();
    expect(fine?.keyState).toBe("Enabled");
    expect(family.primary.error).toBeNull();
  });

  it("a field that cannot be read is unknown for that field only: state and the other fields are kept", async () => {
    // GIVEN GetKeyPolicy is denied in eu-west-1
    const { kms: base } = familyKms();
    const kms: KmsPort = {
      ...base,
      getKeyPolicy: (region, keyId, signal) =>
        region === "eu-west-1"
          ? Promise.reject(awsFailure("AccessDeniedException"))
          : base.getKeyPolicy(region, keyId, signal),
    };
    // WHEN
    const family = await readFamily(kms, BY_ID, PRIMARY_REGION);
    // THEN
    const west = family.replicas.find((r) => r.region === "eu-west-1");
    expect(west).toMatchObject({ keyState: "Enabled", enabled: true, error: null, policy: null });
    expect(west?.tags).toEqual({ team: "payments", region: "eu-west-1" });
    expect(west?.aliases).toEqual(["alias/billing", "alias/payments"]);
    expect(west?.fieldErrors.tags).toBeNull();
    expect(west?.fieldErrors.policy?.name).toBe("AccessDeniedException");
    expect(west?.fieldErrors.policy?.hint).toContain("kms:GetKeyPolicy in eu-west-1");
  });
});
