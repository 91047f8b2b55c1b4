import type { AliasListEntry, Tag as KmsTag } from "@aws-sdk/client-kms";
import { describe, it, expect } from "vitest";
import {
  desiredFromPrimary,
  desiredOf,
  policyMentionsPrimary,
  readPrimaryProperties,
  tagList,
  type Desired,
  type ExplicitProperties,
  type PrimaryProperties,
} from "../../../src/core/desired.js";
import { COPY_NOTHING, type CopyFlags } from "../../../src/core/options.js";
import { EXIT, isReplicateError } from "../../../src/core/errors.js";
import type { PrimaryKey } from "../../../src/core/events.js";
import type { KmsPort } from "../../../src/aws/kms.js";
import { awsFailure, fakeKms } from "../../support/fake-kms.js";
import { KEY_ID, PRIMARY_ARN, keyView } from "../../support/fixtures.js";

const POLICY = '{"Version":"2012-10-17","Statement":[]}';

const PRIMARY: PrimaryKey = {
  keyId: KEY_ID,
  arn: PRIMARY_ARN,
  region: "us-east-1",
  partition: "aws",
  description: "Payments key",
  replicas: [],
};

const COPY_ALL: CopyFlags = { tags: true, description: true, policy: true, aliases: true, enabled: false };

interface Call {
  readonly operation: string;
  readonly region: string;
  readonly keyId: string;
}

/** A KmsPort that records every read of the primary's properties, and fails `failing` if given. */
function recordingKms(
  answers: {
    readonly tags?: KmsTag[];
    readonly policy?: string;
    readonly aliases?: AliasListEntry[];
    readonly failing?: { readonly operation: string; readonly error: Error };
  } = {},
): { kms: KmsPort; calls: Call[] } {
  const calls: Call[] = [];
  const answer = <T>(operation: string, region: string, keyId: string, value: T): Promise<T> => {
    calls.push({ operation, region, keyId });
    return answers.failing?.operation === operation
      ? Promise.reject(answers.failing.error)
      : Promise.resolve(value);
  };
  const unexpected = (): Promise<never> => Promise.reject(new Error("unexpected call"));
  const kms: KmsPort = fakeKms({
    describeKey: unexpected,
    replicateKey: unexpected,
    createAlias: unexpected,
    listResourceTags: (region, keyId) =>
      answer("ListResourceTags", region, keyId, answers.tags ?? [{ TagKey: "team", TagValue: "payments" }]),
    getKeyPolicy: (region, keyId) => answer("GetKeyPolicy", region, keyId, answers.policy ?? POLICY),
    listAliases: (region, keyId) =>
      answer("ListAliases", region, keyId, answers.aliases ?? [{ AliasName: "alias/payments" }]),
  });
  return { kms, calls };
}

/** What a rejected promise rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("readPrimaryProperties", () => {
  it.each<{ copy: CopyFlags; operations: string[]; properties: PrimaryProperties }>([
    {
      copy: COPY_NOTHING,
      operations: [],
      properties: {},
    },
    {
      copy: { ...COPY_NOTHING, tags: true },
      operations: ["ListResourceTags"],
      properties: { tags: [{ TagKey: "team", TagValue: "payments" }] },
    },
    {
      copy: { ...COPY_NOTHING, description: true },
      operations: [],
      properties: { description: "Payments key" },
    },
    {
      copy: { ...COPY_NOTHING, policy: true },
      operations: ["GetKeyPolicy"],
      properties: { policy: POLICY },
    },
    {
      copy: { ...COPY_NOTHING, aliases: true },
      operations: ["ListAliases"],
      properties: { aliases: ["alias/payments"] },
    },
    {
      copy: COPY_ALL,
      operations: ["GetKeyPolicy", "ListAliases", "ListResourceTags"],
      properties: {
        tags: [{ TagKey: "team", TagValue: "payments" }],
        description: "Payments key",
        policy: POLICY,
        aliases: ["alias/payments"],
      },
    },
  ])("reads only $operations for $copy", async ({ copy, operations, properties }) => {
    // GIVEN
    const { kms, calls } = recordingKms();
    // WHEN
    const read = await readPrimaryProperties(kms, PRIMARY, copy);
    // THEN
    expect(calls.map((c) => c.operation).sort()).toEqual(operations);
    expect(read).toEqual(properties);
  });

  it("reads every part in the primary's Region, tags and policy by ARN, aliases by key ID", async () => {
    // GIVEN
    const { kms, calls } = recordingKms();
    // WHEN
    await readPrimaryProperties(kms, PRIMARY, COPY_ALL);
    // THEN
    expect([...calls].sort((a, b) => a.operation.localeCompare(b.operation))).toEqual([
      { operation: "GetKeyPolicy", region: "us-east-1", keyId: PRIMARY_ARN },
      { operation: "ListAliases", region: "us-east-1", keyId: KEY_ID },
      { operation: "ListResourceTags", region: "us-east-1", keyId: PRIMARY_ARN },
    ]);
  });

  it.each<{ description: string | undefined; copied: string }>([
    { description: "Payments key", copied: "Payments key" },
    { description: "", copied: "" },
    { description: undefined, copied: "" },
  ])(
    "copies the description $description from the PrimaryKey without a call",
    async ({ description, copied }) => {
      // GIVEN
      const { kms, calls } = recordingKms();
      // WHEN
      const read = await readPrimaryProperties(
        kms,
        { ...PRIMARY, description },
        { ...COPY_NOTHING, description: true },
      );
      // THEN
      expect(read.description).toBe(copied);
      expect(calls).toEqual([]);
    },
  );

  it("copies every tag and drops aliases without a name", async () => {
    // GIVEN
    const { kms } = recordingKms({
      tags: [
        { TagKey: "team", TagValue: "payments" },
        { TagKey: "env", TagValue: "" },
      ],
      aliases: [
        { AliasName: "alias/a" },
        { AliasArn: "arn:aws:kms:us-east-1:111122223333:alias/x" },
        { AliasName: "alias/b" },
      ],
    });
    // WHEN
    const read = await readPrimaryProperties(kms, PRIMARY, { ...COPY_NOTHING, tags: true, aliases: true });
    // THEN
    expect(read.tags).toEqual([
      { TagKey: "team", TagValue: "payments" },
      { TagKey: "env", TagValue: "" },
    ]);
    expect(read.aliases).toEqual(["alias/a", "alias/b"]);
  });

  it.each(["ListResourceTags", "GetKeyPolicy", "ListAliases"])(
    "turns AccessDenied from %s into a ReplicateError naming the call and the permission",
    async (operation) => {
      // GIVEN
      const { kms } = recordingKms({ failing: { operation, error: awsFailure("AccessDeniedException") } });
      // WHEN
      const error = await rejectionOf(readPrimaryProperties(kms, PRIMARY, COPY_ALL));
      // THEN
      if (!isReplicateError(error)) throw new Error("expected a ReplicateError");
      expect(error.message).toContain(operation);
      expect(error.message).toContain("us-east-1");
      expect(error.code).toBe("AccessDeniedException");
      expect(error.hint).toContain(`kms:${operation} in us-east-1`);
      expect(error.exitCode).toBe(EXIT.failed);
      expect(error.fault).toBe("aws");
    },
  );

  it("passes the error through unchanged when the signal was aborted", async () => {
    // GIVEN
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    const { kms } = recordingKms({ failing: { operation: "GetKeyPolicy", error: abort } });
    const controller = new AbortController();
    controller.abort();
    // WHEN
    const error = await rejectionOf(readPrimaryProperties(kms, PRIMARY, COPY_ALL, controller.signal));
    // THEN
    expect(error).toBe(abort);
  });
});

describe("desiredOf: the one merge rule", () => {
  const NO_EXPLICIT: ExplicitProperties = { tags: [] };

  it.each<{
    title: string;
    explicit: ExplicitProperties;
    copied: PrimaryProperties;
    merged: Desired;
  }>([
    {
      title: "nothing given, nothing copied: nothing managed",
      explicit: NO_EXPLICIT,
      copied: {},
      merged: {},
    },
    {
      title: "explicit description wins over the copied one",
      explicit: { ...NO_EXPLICIT, description: "DR copy" },
      copied: { description: "Payments key" },
      merged: { description: "DR copy" },
    },
    {
      title: "copied description when none is given",
      explicit: NO_EXPLICIT,
      copied: { description: "Payments key" },
      merged: { description: "Payments key" },
    },
    {
      title: "an empty copied description is managed as empty (an existing replica may have another)",
      explicit: NO_EXPLICIT,
      copied: { description: "" },
      merged: { description: "" },
    },
    {
      title: "explicit policy wins over the copied one",
      explicit: { ...NO_EXPLICIT, policy: { text: "{}", source: "policy.json" } },
      copied: { policy: POLICY },
      merged: { policy: { text: "{}", source: "policy.json" } },
    },
    {
      title: 'a copied policy gets source "primary"',
      explicit: NO_EXPLICIT,
      copied: { policy: POLICY },
      merged: { policy: { text: POLICY, source: "primary" } },
    },
    {
      title: "tags merge by key, explicit winning",
      explicit: {
        tags: [
          { TagKey: "env", TagValue: "dr" },
          { TagKey: "owner", TagValue: "ops" },
        ],
      },
      copied: {
        tags: [
          { TagKey: "team", TagValue: "payments" },
          { TagKey: "env", TagValue: "prod" },
        ],
      },
      merged: { tags: { team: "payments", env: "dr", owner: "ops" } },
    },
    {
      title: "copied tags are managed even when the primary has none",
      explicit: NO_EXPLICIT,
      copied: { tags: [] },
      merged: { tags: {} },
    },
    {
      title: "aliases come from the copy",
      explicit: NO_EXPLICIT,
      copied: { aliases: ["alias/payments", "alias/billing"] },
      merged: { aliases: ["alias/payments", "alias/billing"] },
    },
  ])("$title", ({ explicit, copied, merged }) => {
    // GIVEN explicit and copied
    // WHEN
    const resolved = desiredOf(explicit, copied);
    // THEN
    expect(resolved).toEqual(merged);
  });

  it("keeps the tags in the order they were merged (copied first), as ReplicateKey gets them", () => {
    // GIVEN / WHEN
    const desired = desiredOf(
      { tags: [{ TagKey: "owner", TagValue: "ops" }] },
      { tags: [{ TagKey: "team", TagValue: "payments" }] },
    );
    // THEN
    expect(tagList(desired)).toEqual([
      { TagKey: "team", TagValue: "payments" },
      { TagKey: "owner", TagValue: "ops" },
    ]);
  });
});

describe("desiredFromPrimary", () => {
  it("is every readable property of the primary; an unread field is not managed", () => {
    // GIVEN a primary whose policy could not be read
    const primary = keyView("us-east-1", "PRIMARY", { policy: null, description: null });
    // WHEN
    const desired = desiredFromPrimary(primary);
    // THEN
    expect(desired).toEqual({ tags: primary.tags, description: "", aliases: primary.aliases });
  });
});

describe("desiredOf: at most 50 tags per key", () => {
  const tags = (prefix: string, n: number): { TagKey: string; TagValue: string }[] =>
    Array.from({ length: n }, (_, i) => ({ TagKey: `${prefix}${i}`, TagValue: "v" }));

  it("refuses copied and explicit tags that together exceed 50, before any change (exit 2)", () => {
    // GIVEN 40 tags on the primary and 11 more given with --tag
    // WHEN / THEN
    let error: unknown;
    try {
      desiredOf({ tags: tags("x", 11) }, { tags: tags("p", 40) });
    } catch (e) {
      error = e;
    }
    expect(isReplicateError(error) && error.exitCode).toBe(EXIT.usage);
    expect((error as Error).message).toBe(
      "The replicas would get 51 tags (the primary's and --tag together); KMS allows at most 50 per key.",
    );
  });

  it("counts a key given in both once, so 50 after merging is fine", () => {
    // GIVEN 45 tags on the primary and 10 --tag, 5 of them overriding the primary's
    const explicit = [...tags("p", 5), ...tags("x", 5)];
    // WHEN
    const resolved = desiredOf({ tags: explicit }, { tags: tags("p", 45) });
    // THEN
    expect(tagList(resolved)).toHaveLength(50);
  });
});

describe("policyMentionsPrimary", () => {
  it.each<{ title: string; policy: string; mentions: boolean }>([
    {
      title: "the primary's ARN",
      policy: `{"Statement":[{"Resource":"${PRIMARY_ARN}"}]}`,
      mentions: true,
    },
    {
      title: 'the Region as a JSON string ("us-east-1")',
      policy: '{"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}',
      mentions: true,
    },
    {
      title: "the Region inside another ARN (:us-east-1:)",
      policy: '{"Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:alerts"}}}',
      mentions: true,
    },
    {
      title: "another Region only",
      policy: '{"Resource":"arn:aws:kms:eu-west-1:111122223333:key/x","Region":"eu-west-1"}',
      mentions: false,
    },
    {
      title: "a longer Region name that starts like the primary's",
      policy: '{"Resource":"arn:aws:kms:us-east-10:111122223333:key/x","Region":"us-east-10"}',
      mentions: false,
    },
    {
      title: "the Region as bare text",
      policy: '{"Sid":"us-east-1 admins"}',
      mentions: false,
    },
    { title: "no Region at all", policy: POLICY, mentions: false },
  ])("$title → $mentions", ({ policy, mentions }) => {
    // GIVEN policy
    // WHEN / THEN
    expect(policyMentionsPrimary(policy, PRIMARY)).toBe(mentions);
  });
});
