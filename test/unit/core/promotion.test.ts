import { describe, expect, it } from "vitest";
import { isReplicateError } from "../../../src/core/errors.js";
import {
  accountOfArn,
  checkPromoteTarget,
  checkPromotion,
  isNotPrimaryAnswer,
  isSettled,
  memberOf,
  policyAllowsReplicateKey,
  type Member,
  type Promotion,
} from "../../../src/core/promotion.js";
import { KEY_ID } from "../../support/fixtures.js";

const arnIn = (region: string): string => `arn:aws:kms:${region}:111122223333:key/${KEY_ID}`;

function member(region: string, overrides: Partial<Member> = {}): Member {
  return {
    region,
    arn: arnIn(region),
    role: region === "us-east-1" ? "PRIMARY" : "REPLICA",
    keyState: "Enabled",
    primaryRegion: "us-east-1",
    ...overrides,
  };
}

function family(states: Record<string, string> = {}): Promotion {
  const at = (region: string): Member => member(region, { keyState: states[region] ?? "Enabled" });
  return { keyId: KEY_ID, primary: at("us-east-1"), replicas: [at("ap-southeast-2"), at("eu-west-1")] };
}

/** The usage error checkPromotion throws (exit 2), or undefined. */
function refused(
  promotion: Promotion,
  to: string,
): { message: string; hint?: string; exitCode: number } | undefined {
  try {
    checkPromotion(promotion, to);
    return undefined;
  } catch (error) {
    if (!isReplicateError(error)) throw error;
    return { message: error.message, hint: error.hint, exitCode: error.exitCode };
  }
}

describe("checkPromotion", () => {
  it("ready when both keys are Enabled", () => {
    expect(checkPromotion(family(), "eu-west-1")).toMatchObject({
      kind: "ready",
      target: { region: "eu-west-1" },
    });
  });

  it("already the primary: nothing to wait for when nothing is Updating", () => {
    expect(checkPromotion(family(), "us-east-1")).toEqual({ kind: "already", waitFor: [] });
  });

  it("already the primary, but an earlier promotion is still Updating: wait for those keys", () => {
    const verdict = checkPromotion(family({ "us-east-1": "Updating", "eu-west-1": "Updating" }), "us-east-1");
    expect(verdict.kind).toBe("already");
    expect(verdict.kind === "already" && verdict.waitFor.map((m) => m.region)).toEqual([
      "us-east-1",
      "eu-west-1",
    ]);
  });

  it.each([
    ["target Creating", { "eu-west-1": "Creating" }, ["eu-west-1"]],
    ["target Updating", { "eu-west-1": "Updating" }, ["eu-west-1"]],
    ["primary Updating (another promotion)", { "us-east-1": "Updating" }, ["us-east-1"]],
  ])("%s: wait for it first", (_, states, regions) => {
    const verdict = checkPromotion(family(states), "eu-west-1");
    expect(verdict.kind).toBe("wait");
    expect(verdict.kind === "wait" && verdict.waitFor.map((m) => m.region)).toEqual(regions);
  });

  it.each([
    [
      "target Disabled",
      { "eu-west-1": "Disabled" },
      /replica in eu-west-1 is Disabled/,
      /aws kms enable-key --key-id arn:aws:kms:eu-west-1:/,
    ],
    [
      "target PendingDeletion",
      { "eu-west-1": "PendingDeletion" },
      /is PendingDeletion/,
      /kms-replicate cancel-deletion --key arn:aws:kms:eu-west-1:.* --regions eu-west-1/,
    ],
    ["target PendingImport", { "eu-west-1": "PendingImport" }, /no key material/, /import-key-material/],
    [
      "primary Disabled",
      { "us-east-1": "Disabled" },
      /current primary in us-east-1 is Disabled/,
      /enable-key/,
    ],
    [
      "primary PendingReplicaDeletion",
      { "us-east-1": "PendingReplicaDeletion" },
      /PendingReplicaDeletion/,
      /kms-replicate cancel-deletion --key arn:aws:kms:us-east-1:/,
    ],
  ])("%s: refused with what to do, exit 2", (_, states, message, hint) => {
    const error = refused(family(states), "eu-west-1");
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(message);
    expect(error?.message).toMatch(/nothing was changed/);
    expect(error?.hint).toMatch(hint);
  });

  it("both keys refused: both reasons at once", () => {
    const error = refused(family({ "us-east-1": "Disabled", "eu-west-1": "PendingDeletion" }), "eu-west-1");
    expect(error?.message).toMatch(/us-east-1 is Disabled.*eu-west-1 is PendingDeletion/);
  });

  it("a Region without a replica: refused, with the replicate command to make one", () => {
    const error = refused(family(), "sa-east-1");
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/no replica in sa-east-1/);
    expect(error?.hint).toMatch(/replicas in ap-southeast-2, eu-west-1.*--regions sa-east-1/);
  });

  it("a target that could not be read: refused with the read's error", () => {
    const promotion: Promotion = {
      ...family(),
      replicas: [
        member("eu-west-1", {
          keyState: null,
          role: null,
          error: { name: "AccessDeniedException", message: "no" },
        }),
      ],
    };
    expect(refused(promotion, "eu-west-1")?.message).toMatch(/could not be read.*AccessDeniedException/);
  });
});

describe("isSettled", () => {
  const target = (o: Partial<Member> = {}) =>
    member("eu-west-1", { role: "PRIMARY", primaryRegion: "eu-west-1", ...o });
  const old = (o: Partial<Member> = {}) =>
    member("us-east-1", { role: "REPLICA", primaryRegion: "eu-west-1", ...o });
  it.each([
    ["the target PRIMARY naming itself, both Enabled", target(), old(), true],
    ["the target still Updating", target({ keyState: "Updating" }), old(), false],
    ["the old primary still Updating", target(), old({ keyState: "Updating" }), false],
    ["the target shown as a REPLICA (KMS may, while Updating)", target({ role: "REPLICA" }), old(), false],
    ["the target PRIMARY but naming the old primary", target({ primaryRegion: "us-east-1" }), old(), false],
    ["the old primary never read", target(), old({ keyState: null }), false],
  ])("%s → %s", (_, t, o, expected) => {
    expect(isSettled(t, [o], "eu-west-1")).toBe(expected);
  });
});

describe("memberOf", () => {
  it("reads role, state and the primary's Region from DescribeKey", () => {
    expect(
      memberOf(
        {
          KeyId: KEY_ID,
          Arn: arnIn("eu-west-1"),
          KeyState: "Updating",
          MultiRegionConfiguration: { MultiRegionKeyType: "PRIMARY", PrimaryKey: { Region: "eu-west-1" } },
        },
        "eu-west-1",
        "x",
      ),
    ).toEqual({
      region: "eu-west-1",
      arn: arnIn("eu-west-1"),
      role: "PRIMARY",
      keyState: "Updating",
      primaryRegion: "eu-west-1",
    });
  });
});

describe("checkPromoteTarget", () => {
  const place = { region: "us-east-1", partition: "aws" };
  it("accepts a known Region of the partition", () => {
    expect(checkPromoteTarget("eu-west-1", place, "typos")).toEqual({});
  });
  it("refuses what is not a Region ID, with the Region meant", () => {
    expect(() => checkPromoteTarget("EU-WEST-1", place, "typos")).toThrow(/not a Region ID/);
    try {
      checkPromoteTarget("EU-WEST-1", place, "typos");
    } catch (error) {
      expect(isReplicateError(error) && error.hint).toMatch(/eu-west-1/);
    }
  });
  it("refuses another partition", () => {
    expect(() => checkPromoteTarget("cn-north-1", place, "typos")).toThrow(/partition aws-cn/);
  });
  it("refuses a typo of a known Region (exit 2), unless --allow-unknown-regions", () => {
    expect(() => checkPromoteTarget("eu-wset-1", place, "typos")).toThrow(
      /^--to eu-wset-1 is not a Region this AWS SDK knows: did you mean eu-west-1\? \(one edit away/,
    );
    expect(checkPromoteTarget("eu-wset-1", place, "allow").warning).toMatch(/--allow-unknown-regions/);
  });
  it("warns about a Region the SDK does not know that is no typo, and refuses it with --strict-regions", () => {
    expect(checkPromoteTarget("us-north-50", place, "typos").warning).toMatch(
      /not a Region this AWS SDK knows/,
    );
    expect(() => checkPromoteTarget("us-north-50", place, "refuse")).toThrow(/--strict-regions/);
  });
});

describe("isNotPrimaryAnswer", () => {
  it.each([
    ["UnsupportedOperationException", "arn:… is not a multi-Region primary key.", true],
    ["UnsupportedOperationException", "HMAC keys are not supported here", false],
    ["KMSInvalidStateException", "is not a multi-Region primary key", false],
  ])("%s %s → %s", (name, message, expected) => {
    expect(isNotPrimaryAnswer(name, message)).toBe(expected);
  });
});

describe("policyAllowsReplicateKey", () => {
  const account = "111122223333";
  const policy = (...statements: object[]): string =>
    JSON.stringify({ Version: "2012-10-17", Statement: statements });
  const allow = (action: unknown, principal: unknown = { AWS: `arn:aws:iam::${account}:root` }) => ({
    Effect: "Allow",
    Principal: principal,
    Action: action,
    Resource: "*",
  });
  it.each([
    ["KMS's default policy (kms:* for the root)", policy(allow("kms:*")), "allows"],
    [
      "kms:ReplicateKey for a role of the account",
      policy(allow(["kms:Decrypt", "kms:ReplicateKey"], { AWS: [`arn:aws:iam::${account}:role/Admin`] })),
      "allows",
    ],
    ["a wildcard kms:Replicate*", policy(allow("kms:Replicate*")), "allows"],
    ["case-insensitive kms:replicatekey", policy(allow("kms:replicatekey")), "allows"],
    ["the account ID as principal", policy(allow("kms:ReplicateKey", { AWS: account })), "allows"],
    ["a single statement object, not a list", JSON.stringify({ Statement: allow("kms:*") }), "allows"],
    [
      "NotAction that leaves kms:ReplicateKey in",
      policy({ Effect: "Allow", Principal: { AWS: account }, NotAction: "kms:Delete*" }),
      "allows",
    ],
    ["only kms:Decrypt", policy(allow("kms:Decrypt")), "refuses"],
    [
      "kms:* for another account",
      policy(allow("kms:*", { AWS: "arn:aws:iam::999999999999:root" })),
      "refuses",
    ],
    [
      "an unconditional Deny of kms:ReplicateKey",
      policy(allow("kms:*"), { Effect: "Deny", Principal: "*", Action: "kms:ReplicateKey" }),
      "refuses",
    ],
    [
      "a Deny with a condition (may not apply)",
      policy(allow("kms:*"), {
        Effect: "Deny",
        Principal: "*",
        Action: "kms:ReplicateKey",
        Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
      }),
      "allows",
    ],
    ["not JSON", "{nope", "unreadable"],
  ])("%s → %s", (_, text, kind) => {
    expect(policyAllowsReplicateKey(text, account).kind).toBe(kind);
  });

  it("accountOfArn", () => {
    expect(accountOfArn(arnIn("eu-west-1"))).toBe("111122223333");
    expect(accountOfArn("nope")).toBeUndefined();
  });
});
