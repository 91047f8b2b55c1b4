import type { KeyMetadata } from "@aws-sdk/client-kms";
import { describe, it, expect, vi } from "vitest";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import type { PrimaryKey } from "../../../src/core/events.js";
import type { KmsPort } from "../../../src/aws/kms.js";
import { parseKeyRef } from "../../../src/core/keys.js";
import {
  checkTargets,
  describePrimary,
  primaryPlaceOf,
  resolvePrimaryRegion,
  splitTargets,
} from "../../../src/core/plan.js";
import { awsFailure, fakeKms } from "../../support/fake-kms.js";
import { KEY_ID, PRIMARY_ARN } from "../../support/fixtures.js";

const REPLICA_ARN = `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`;
/** The default Region rule, and warnings dropped. */
const QUIET = { unknownRegions: "typos", warn: () => undefined } as const;

function primaryMetadata(overrides: Partial<KeyMetadata> = {}): KeyMetadata {
  return {
    KeyId: KEY_ID,
    Arn: PRIMARY_ARN,
    KeyState: "Enabled",
    KeySpec: "SYMMETRIC_DEFAULT",
    KeyUsage: "ENCRYPT_DECRYPT",
    Origin: "AWS_KMS",
    Description: "payments",
    MultiRegion: true,
    MultiRegionConfiguration: {
      MultiRegionKeyType: "PRIMARY",
      PrimaryKey: { Arn: PRIMARY_ARN, Region: "us-east-1" },
      ReplicaKeys: [{ Arn: REPLICA_ARN, Region: "eu-west-1" }],
    },
    ...overrides,
  };
}

async function replicateErrorOf(promise: Promise<unknown>): Promise<ReplicateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (isReplicateError(error)) return error;
  throw new Error(`expected a ReplicateError, got ${String(error)}`);
}

describe("resolvePrimaryRegion", () => {
  it.each([
    { name: "the ARN's Region", key: PRIMARY_ARN, flag: undefined, env: "eu-west-1", region: "us-east-1" },
    {
      name: "the ARN, with a matching --region",
      key: PRIMARY_ARN,
      flag: "us-east-1",
      env: undefined,
      region: "us-east-1",
    },
    {
      name: "--region for a key ID",
      key: KEY_ID,
      flag: "ap-southeast-2",
      env: "eu-west-1",
      region: "ap-southeast-2",
    },
    {
      name: "--region for an alias",
      key: "alias/payments",
      flag: "ap-southeast-2",
      env: undefined,
      region: "ap-southeast-2",
    },
    {
      name: "the environment last",
      key: KEY_ID,
      flag: undefined,
      env: "eu-central-1",
      region: "eu-central-1",
    },
  ])("takes $name", async ({ key, flag, env, region }) => {
    // GIVEN
    const fromEnvironment = vi.fn(() => Promise.resolve(env));
    // WHEN
    const resolved = await resolvePrimaryRegion(parseKeyRef(key), { ...QUIET, flag, fromEnvironment });
    // THEN
    expect(resolved).toBe(region);
  });

  it("does not look at the environment when the ARN or --region names the Region", async () => {
    // GIVEN
    const fromEnvironment = vi.fn(() => Promise.resolve("eu-west-1"));
    // WHEN
    await resolvePrimaryRegion(parseKeyRef(PRIMARY_ARN), { ...QUIET, fromEnvironment });
    await resolvePrimaryRegion(parseKeyRef(KEY_ID), { ...QUIET, flag: "us-east-1", fromEnvironment });
    // THEN
    expect(fromEnvironment).not.toHaveBeenCalled();
  });

  it("refuses --region that contradicts the ARN (exit 2)", async () => {
    // GIVEN / WHEN
    const error = await replicateErrorOf(
      resolvePrimaryRegion(parseKeyRef(PRIMARY_ARN), {
        ...QUIET,
        flag: "eu-west-1",
        fromEnvironment: () => Promise.resolve(undefined),
      }),
    );
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("--region eu-west-1 contradicts the key ARN, which is in us-east-1");
  });

  it("is a usage error (exit 2) when nothing names a Region", async () => {
    // GIVEN / WHEN
    const error = await replicateErrorOf(
      resolvePrimaryRegion(parseKeyRef(KEY_ID), {
        ...QUIET,
        fromEnvironment: () => Promise.resolve(undefined),
      }),
    );
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`No Region for ${KEY_ID}`);
  });

  it("refuses a primary Region that is not a Region ID (exit 2)", async () => {
    // GIVEN / WHEN
    const error = await replicateErrorOf(
      resolvePrimaryRegion(parseKeyRef(KEY_ID), {
        ...QUIET,
        flag: "US-EAST-1",
        fromEnvironment: () => Promise.resolve(undefined),
      }),
    );
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.hint).toBe("Did you mean us-east-1?");
  });
});

describe("the primary's Region is checked as every Region is", () => {
  it.each([
    { name: "--region", key: KEY_ID, flag: "eu-wset-1", env: undefined, where: /^--region: eu-wset-1 is/ },
    {
      name: "AWS_REGION",
      key: KEY_ID,
      flag: undefined,
      env: "eu-wset-1",
      where: /^The primary's Region \(AWS_REGION/,
    },
    {
      name: "a key ARN's",
      key: `arn:aws:kms:eu-wset-1:111122223333:key/${KEY_ID}`,
      flag: undefined,
      env: undefined,
      where: /^--key arn:aws:kms:eu-wset-1:.*: the ARN's Region: eu-wset-1 is/,
    },
  ])("refuses a typo in $name (exit 2), with the Region meant", async ({ key, flag, env, where }) => {
    // GIVEN / WHEN
    const error = await replicateErrorOf(
      resolvePrimaryRegion(parseKeyRef(key), { ...QUIET, flag, fromEnvironment: () => Promise.resolve(env) }),
    );
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(where);
    expect(error.message).toContain("did you mean eu-west-1?");
    expect(error.message).toContain("--allow-unknown-regions");
  });

  it("takes the typo with --allow-unknown-regions, and a far unknown Region with a warning", async () => {
    // GIVEN
    const warnings: string[] = [];
    const sources = { flag: "eu-wset-1", fromEnvironment: () => Promise.resolve(undefined) };
    // WHEN
    const allowed = await resolvePrimaryRegion(parseKeyRef(KEY_ID), {
      ...sources,
      unknownRegions: "allow",
      warn: (m) => warnings.push(m),
    });
    const far = await resolvePrimaryRegion(parseKeyRef(KEY_ID), {
      ...sources,
      flag: "us-north-50",
      unknownRegions: "typos",
      warn: (m) => warnings.push(m),
    });
    // THEN
    expect([allowed, far]).toEqual(["eu-wset-1", "us-north-50"]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^eu-wset-1 is not a Region this AWS SDK knows.*Trying it \(--allow-unknown-regions\)/,
      ),
      expect.stringMatching(/^us-north-50 is not a Region this AWS SDK knows.*Trying it anyway/),
    ]);
  });

  it("refuses a far unknown Region with --strict-regions", async () => {
    const error = await replicateErrorOf(
      resolvePrimaryRegion(parseKeyRef(KEY_ID), {
        ...QUIET,
        unknownRegions: "refuse",
        flag: "us-north-50",
        fromEnvironment: () => Promise.resolve(undefined),
      }),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/--strict-regions/);
  });
});

describe("checkTargets", () => {
  it("throws every invalid Region at once (exit 2), each with its reason", () => {
    // GIVEN
    const regions = ["EU-WEST-1", "eu-west-1", "cn-north-1", "us-east-1"];
    // WHEN
    let error: unknown;
    try {
      checkTargets(regions, { region: "us-east-1", partition: "aws" }, "typos", () => undefined);
    } catch (e) {
      error = e;
    }
    // THEN
    if (!isReplicateError(error)) throw new Error("expected a ReplicateError");
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe("InvalidRegion");
    expect(error.message).toMatch(/^3 target Regions are not valid; nothing was created:/);
    expect(error.options.invalidRegions?.map((p) => p.region)).toEqual([
      "EU-WEST-1",
      "cn-north-1",
      "us-east-1",
    ]);
  });

  it("returns the valid Regions and passes on the warnings", () => {
    // GIVEN / WHEN
    const warnings: string[] = [];
    const targets = checkTargets(
      ["eu-west-1", "us-north-50", "eu-west-1"],
      { region: "us-east-1", partition: "aws" },
      "typos",
      (m) => warnings.push(m),
    );
    // THEN
    expect(targets).toEqual(["eu-west-1", "us-north-50"]);
    expect(warnings).toHaveLength(2);
  });

  it("passes on the warnings before it throws for an invalid Region", () => {
    // GIVEN a duplicate, an unknown Region and an invalid one
    const warnings: string[] = [];
    // WHEN / THEN
    expect(() =>
      checkTargets(
        ["eu-west-1", "eu-west-1", "us-north-50", "cn-north-1"],
        { region: "us-east-1", partition: "aws" },
        "typos",
        (m) => warnings.push(m),
      ),
    ).toThrow(/cn-north-1/);
    expect(warnings.join("\n")).toMatch(/us-north-50 is not a Region this AWS SDK knows/);
    expect(warnings.join("\n")).toMatch(/eu-west-1 was given more than once/);
  });
});

describe("describePrimary", () => {
  it("returns the primary with its replicas and partition", async () => {
    // GIVEN
    const describeKey = vi.fn<KmsPort["describeKey"]>(() => Promise.resolve(primaryMetadata()));
    // WHEN
    const primary = await describePrimary(
      fakeKms({ describeKey: describeKey }),
      parseKeyRef("alias/payments"),
      "us-east-1",
    );
    // THEN
    expect(describeKey).toHaveBeenCalledWith("us-east-1", "alias/payments", undefined);
    expect(primary).toEqual({
      keyId: KEY_ID,
      arn: PRIMARY_ARN,
      region: "us-east-1",
      partition: "aws",
      keySpec: "SYMMETRIC_DEFAULT",
      keyUsage: "ENCRYPT_DECRYPT",
      origin: "AWS_KMS",
      description: "payments",
      replicas: [{ region: "eu-west-1", arn: REPLICA_ARN }],
    });
  });

  it("accepts a primary waiting for imported key material (PendingImport)", async () => {
    // GIVEN
    const kms = fakeKms({
      describeKey: () => Promise.resolve(primaryMetadata({ KeyState: "PendingImport", Origin: "EXTERNAL" })),
    });
    // WHEN
    const primary = await describePrimary(kms, parseKeyRef(KEY_ID), "us-east-1");
    // THEN
    expect(primary.origin).toBe("EXTERNAL");
  });

  it.each([
    {
      what: "a single-Region key",
      metadata: primaryMetadata({ MultiRegion: false, MultiRegionConfiguration: undefined }),
      message: /is a single-Region key/,
      hint: /--multi-region/,
    },
    {
      what: "a replica",
      metadata: primaryMetadata({
        Arn: REPLICA_ARN,
        MultiRegionConfiguration: {
          MultiRegionKeyType: "REPLICA",
          PrimaryKey: { Arn: PRIMARY_ARN, Region: "us-east-1" },
        },
      }),
      message: /is a replica, not the primary key/,
      hint: new RegExp(`--key ${PRIMARY_ARN}`),
    },
    {
      what: "a disabled primary",
      metadata: primaryMetadata({ KeyState: "Disabled", Enabled: false }),
      message: /is Disabled; it must be Enabled/,
      hint: /enable-key/,
    },
    {
      what: "a primary pending deletion",
      metadata: primaryMetadata({ KeyState: "PendingDeletion", Enabled: false }),
      message: /is PendingDeletion; it must be Enabled/,
      hint: /cancel-key-deletion/,
    },
  ])("refuses $what with exit 2", async ({ metadata, message, hint }) => {
    // GIVEN
    const kms = fakeKms({ describeKey: () => Promise.resolve(metadata) });
    // WHEN
    const error = await replicateErrorOf(describePrimary(kms, parseKeyRef(KEY_ID), "us-east-1"));
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
  });

  it("a key that does not exist is the user's input: exit 2", async () => {
    // GIVEN
    const kms = fakeKms({ describeKey: () => Promise.reject(awsFailure("NotFoundException")) });
    // WHEN
    const error = await replicateErrorOf(describePrimary(kms, parseKeyRef(KEY_ID), "us-east-1"));
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe("NotFoundException");
    expect(error.hint).toContain("us-east-1");
  });

  it("a denied DescribeKey is AWS saying no: exit 1, with the permission to grant", async () => {
    // GIVEN
    const kms = fakeKms({ describeKey: () => Promise.reject(awsFailure("AccessDeniedException")) });
    // WHEN
    const error = await replicateErrorOf(describePrimary(kms, parseKeyRef(KEY_ID), "us-east-1"));
    // THEN
    expect(error.exitCode).toBe(1);
    expect(error.fault).toBe("aws");
    expect(error.code).toBe("AccessDeniedException");
    expect(error.hint).toContain("kms:DescribeKey");
  });
});

describe("splitTargets", () => {
  it("refuses a target in another partition than the one DescribeKey's ARN names (exit 2)", () => {
    // GIVEN a key ID in a Region the SDK does not know: its partition was unknown before DescribeKey
    const primary: PrimaryKey = {
      keyId: KEY_ID,
      arn: `arn:aws-cn:kms:cn-new-1:111122223333:key/${KEY_ID}`,
      region: "cn-new-1",
      partition: "aws-cn",
      replicas: [],
    };
    // WHEN / THEN eu-west-1 (aws) is refused; cn-north-1 and a Region nobody knows are not
    let error: unknown;
    try {
      splitTargets(primary, ["cn-north-1", "eu-west-1", "xy-new-2"]);
    } catch (e) {
      error = e;
    }
    expect(isReplicateError(error) && error.options.invalidRegions).toEqual([
      {
        region: "eu-west-1",
        reason: expect.stringMatching(/partition aws, but the primary is in aws-cn/) as string,
      },
    ]);
    expect(splitTargets(primary, ["cn-north-1", "xy-new-2"]).create).toEqual(["cn-north-1", "xy-new-2"]);
  });

  it("splits the targets into new Regions and Regions that already hold a replica, keeping the order", () => {
    // GIVEN
    const primary: PrimaryKey = {
      keyId: KEY_ID,
      arn: PRIMARY_ARN,
      region: "us-east-1",
      partition: "aws",
      replicas: [
        { region: "eu-west-1", arn: REPLICA_ARN },
        { region: "us-west-2", arn: "arn:aws:kms:us-west-2:111122223333:key/" + KEY_ID },
      ],
    };
    // WHEN
    const plan = splitTargets(primary, ["ap-southeast-2", "eu-west-1", "eu-central-1"]);
    // THEN
    expect(plan).toEqual({
      primary,
      create: ["ap-southeast-2", "eu-central-1"],
      existing: [{ region: "eu-west-1", arn: REPLICA_ARN }],
    });
  });
});

describe("key ARN checks before any call", () => {
  it.each([
    {
      key: "arn:aws-cn:kms:us-east-1:111122223333:key/mrk-1",
      message:
        /the ARN's partition 'aws-cn' does not match its Region us-east-1, which is in partition aws\b/,
    },
    {
      key: "arn:aws:kms:cn-north-1:111122223333:key/mrk-1",
      message: /the ARN's partition 'aws' does not match its Region cn-north-1, which is in partition aws-cn/,
    },
    {
      key: "arn:aws:kms:us-gov-west-1:111122223333:alias/orders",
      message: /partition 'aws' does not match its Region us-gov-west-1, which is in partition aws-us-gov/,
    },
    {
      key: "arn:aws:kms:us-gov-north-9:111122223333:key/mrk-1",
      message: /Region us-gov-north-9, which is in partition aws-us-gov/,
    },
  ])("refuses $key (exit 2), naming the partition", async ({ key, message }) => {
    // GIVEN / WHEN
    const error = await replicateErrorOf(
      resolvePrimaryRegion(parseKeyRef(key), { ...QUIET, fromEnvironment: () => Promise.resolve(undefined) }),
    );
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
  });

  it.each([
    { key: "arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1", region: "cn-north-1" },
    // a Region the SDK does not know may be a new one of any partition: KMS decides
    { key: "arn:aws-eusc:kms:xy-new-1:111122223333:key/mrk-1", region: "xy-new-1" },
  ])("accepts $key", async ({ key, region }) => {
    // GIVEN / WHEN / THEN
    await expect(
      resolvePrimaryRegion(parseKeyRef(key), { ...QUIET, fromEnvironment: () => Promise.resolve(undefined) }),
    ).resolves.toBe(region);
  });

  it("takes the primary's partition from the key ARN, else from the SDK for its Region", () => {
    // GIVEN / WHEN / THEN
    expect(
      primaryPlaceOf(parseKeyRef("arn:aws-eusc:kms:xy-new-1:111122223333:key/mrk-1"), "xy-new-1"),
    ).toEqual({ region: "xy-new-1", partition: "aws-eusc" });
    expect(primaryPlaceOf(parseKeyRef(KEY_ID), "cn-north-1")).toEqual({
      region: "cn-north-1",
      partition: "aws-cn",
    });
    // a key ID in a Region the SDK does not know: unknown until DescribeKey (not the SDK's aws fallback)
    expect(primaryPlaceOf(parseKeyRef(KEY_ID), "xy-new-1")).toEqual({
      region: "xy-new-1",
      partition: undefined,
    });
  });
});

describe("describePrimary: the primary's account and partition", () => {
  const OTHER_ACCOUNT_ARN = PRIMARY_ARN.replace("111122223333", "444455556666");

  it("refuses a key ARN of another account than the caller's before DescribeKey (exit 2)", async () => {
    // GIVEN credentials of 111122223333 and a key ARN in 444455556666
    const describeKey = vi.fn(() => Promise.resolve(primaryMetadata()));
    const kms: KmsPort = {
      ...fakeKms({ describeKey }),
      callerAccount: () => Promise.resolve("111122223333"),
    };
    // WHEN
    const error = await replicateErrorOf(describePrimary(kms, parseKeyRef(OTHER_ACCOUNT_ARN), "us-east-1"));
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe("CrossAccountKey");
    expect(error.message).toMatch(
      /in account 444455556666, but your credentials are for account 111122223333/,
    );
    expect(error.message).toMatch(/ReplicateKey is not a cross-account operation/);
    expect(describeKey).not.toHaveBeenCalled();
  });

  it("refuses when DescribeKey shows the key in another account than the caller's", async () => {
    // GIVEN an alias that (somehow) resolves to a key of another account
    const kms: KmsPort = {
      ...fakeKms({ describeKey: () => Promise.resolve(primaryMetadata({ AWSAccountId: "444455556666" })) }),
      callerAccount: () => Promise.resolve("111122223333"),
    };
    // WHEN
    const error = await replicateErrorOf(describePrimary(kms, parseKeyRef("alias/orders"), "us-east-1"));
    // THEN
    expect(error.code).toBe("CrossAccountKey");
  });

  it.each([
    { name: "the caller's own account", caller: () => Promise.resolve("444455556666") },
    { name: "credentials that carry no account", caller: () => Promise.resolve(undefined) },
  ])("goes on with $name", async ({ caller }) => {
    // GIVEN
    const kms: KmsPort = {
      ...fakeKms({ describeKey: () => Promise.resolve(primaryMetadata({ Arn: OTHER_ACCOUNT_ARN })) }),
      callerAccount: caller,
    };
    // WHEN / THEN
    await expect(describePrimary(kms, parseKeyRef(OTHER_ACCOUNT_ARN), "us-east-1")).resolves.toMatchObject({
      arn: OTHER_ACCOUNT_ARN,
    });
  });

  it("reports credentials that cannot be resolved as DescribeKey would, without resolving them twice", async () => {
    // GIVEN
    const describeKey = vi.fn(() => Promise.resolve(primaryMetadata()));
    const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    const kms: KmsPort = { ...fakeKms({ describeKey }), callerAccount: () => Promise.reject(noCredentials) };
    // WHEN
    const error = await replicateErrorOf(describePrimary(kms, parseKeyRef(PRIMARY_ARN), "us-east-1"));
    // THEN
    expect(error.code).toBe("CredentialsProviderError");
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/^DescribeKey in us-east-1 failed: CredentialsProviderError/);
    expect(describeKey).not.toHaveBeenCalled();
  });

  it("does not check the account for `wait`, which only reads", async () => {
    // GIVEN
    const kms: KmsPort = {
      ...fakeKms({ describeKey: () => Promise.resolve(primaryMetadata({ Arn: OTHER_ACCOUNT_ARN })) }),
      callerAccount: () => Promise.resolve("111122223333"),
    };
    // WHEN / THEN
    await expect(
      describePrimary(kms, parseKeyRef(OTHER_ACCOUNT_ARN), "us-east-1", undefined, { sameAccount: false }),
    ).resolves.toMatchObject({ arn: OTHER_ACCOUNT_ARN });
  });

  it("takes the partition from the ARN DescribeKey returns, not from the SDK's guess for the Region", async () => {
    // GIVEN a primary in a Region the SDK does not know (it would call it aws)
    const arn = "arn:aws-eusc:kms:xy-new-1:111122223333:key/mrk-1";
    const kms = fakeKms({ describeKey: () => Promise.resolve(primaryMetadata({ Arn: arn })) });
    // WHEN
    const primary = await describePrimary(kms, parseKeyRef(KEY_ID), "xy-new-1");
    // THEN
    expect(primary.partition).toBe("aws-eusc");
  });
});

describe("describePrimary: a bare name that is not found", () => {
  it.each(["orders", "payments-key"])("hints that aliases are written alias/%s", async (name) => {
    // GIVEN
    const kms = fakeKms({ describeKey: () => Promise.reject(awsFailure("NotFoundException")) });
    // WHEN
    const error = await replicateErrorOf(describePrimary(kms, parseKeyRef(name), "us-east-1"));
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.hint).toMatch(new RegExp(`^Aliases are written alias/${name}: --key alias/${name}\\. `));
  });

  it.each([KEY_ID, "1234abcd-12ab-34cd-56ef-1234567890ab", "alias/orders", PRIMARY_ARN])(
    "gives no alias hint for %s",
    async (key) => {
      // GIVEN
      const kms = fakeKms({ describeKey: () => Promise.reject(awsFailure("NotFoundException")) });
      // WHEN
      const error = await replicateErrorOf(describePrimary(kms, parseKeyRef(key), "us-east-1"));
      // THEN
      expect(error.hint).not.toMatch(/Aliases are written/);
    },
  );
});
