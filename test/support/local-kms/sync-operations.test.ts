// The operations `sync` needs, with KMS's validation and state rules, and the read-after-write delay.
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  ListAliasesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { ACCOUNT, expectKmsError, useHarness } from "./harness.js";

const h = useHarness();

const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
  ],
});

/** A family us-east-1 → eu-west-1 (replica settled); the replica's key ID (the same as the primary's). */
function family(): { keyId: string; arn: string; replicaArn: string } {
  const { keyId, arn } = h.primary("us-east-1");
  return { keyId, arn, replicaArn: h.replica(arn, "eu-west-1") };
}

function scheduled(region: string, keyId: string): void {
  h.server.invoke(region, "ScheduleKeyDeletion", { KeyId: keyId, PendingWindowInDays: 7 });
}

describe("validation and state rules", () => {
  interface Case {
    readonly title: string;
    /** Sets the stage; sends the call (to eu-west-1 unless it says). */
    readonly call: (eu: KMSClient) => Promise<unknown>;
    readonly error: string;
  }
  const cases: Case[] = [
    // TagResource
    {
      title: "TagResource without Tags",
      call: (eu) => eu.send(new TagResourceCommand({ KeyId: family().keyId, Tags: undefined })),
      error: "ValidationException",
    },
    {
      title: "TagResource of an unknown key",
      call: (eu) =>
        eu.send(new TagResourceCommand({ KeyId: "mrk-0", Tags: [{ TagKey: "a", TagValue: "b" }] })),
      error: "NotFoundException",
    },
    {
      title: "TagResource on a key pending deletion",
      call: (eu) => {
        const { keyId } = family();
        scheduled("eu-west-1", keyId);
        return eu.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "a", TagValue: "b" }] }));
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "TagResource above 50 tags on the key",
      call: (eu) => {
        const { keyId } = family();
        const tags = Array.from({ length: 50 }, (_, i) => ({ TagKey: `t${i}`, TagValue: "" }));
        h.server.invoke("eu-west-1", "TagResource", { KeyId: keyId, Tags: tags });
        return eu.send(
          new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "one-more", TagValue: "" }] }),
        );
      },
      error: "LimitExceededException",
    },
    {
      title: "TagResource with a 129-character key",
      call: (eu) =>
        eu.send(
          new TagResourceCommand({
            KeyId: family().keyId,
            Tags: [{ TagKey: "k".repeat(129), TagValue: "" }],
          }),
        ),
      error: "TagException",
    },
    // UntagResource
    {
      title: "UntagResource without TagKeys",
      call: (eu) => eu.send(new UntagResourceCommand({ KeyId: family().keyId, TagKeys: undefined })),
      error: "ValidationException",
    },
    {
      title: "UntagResource of an unknown key",
      call: (eu) => eu.send(new UntagResourceCommand({ KeyId: "mrk-0", TagKeys: ["a"] })),
      error: "NotFoundException",
    },
    {
      title: "UntagResource on a key pending deletion",
      call: (eu) => {
        const { keyId } = family();
        scheduled("eu-west-1", keyId);
        return eu.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["a"] }));
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "UntagResource with an empty tag key",
      call: (eu) => eu.send(new UntagResourceCommand({ KeyId: family().keyId, TagKeys: [""] })),
      error: "TagException",
    },
    // UpdateKeyDescription
    {
      title: "UpdateKeyDescription without Description",
      call: (eu) =>
        eu.send(new UpdateKeyDescriptionCommand({ KeyId: family().keyId, Description: undefined })),
      error: "ValidationException",
    },
    {
      title: "UpdateKeyDescription of 8193 characters",
      call: (eu) =>
        eu.send(new UpdateKeyDescriptionCommand({ KeyId: family().keyId, Description: "d".repeat(8193) })),
      error: "ValidationException",
    },
    {
      title: "UpdateKeyDescription on a key pending deletion",
      call: (eu) => {
        const { keyId } = family();
        scheduled("eu-west-1", keyId);
        return eu.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "x" }));
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "UpdateKeyDescription of an unknown key",
      call: (eu) => eu.send(new UpdateKeyDescriptionCommand({ KeyId: "mrk-0", Description: "x" })),
      error: "NotFoundException",
    },
    // PutKeyPolicy
    {
      title: "PutKeyPolicy that is not JSON",
      call: (eu) => eu.send(new PutKeyPolicyCommand({ KeyId: family().keyId, Policy: "{not json" })),
      error: "MalformedPolicyDocumentException",
    },
    {
      title: "PutKeyPolicy that is a JSON array, not an object",
      call: (eu) => eu.send(new PutKeyPolicyCommand({ KeyId: family().keyId, Policy: "[]" })),
      error: "MalformedPolicyDocumentException",
    },
    {
      title: "PutKeyPolicy of 32769 characters",
      call: (eu) =>
        eu.send(new PutKeyPolicyCommand({ KeyId: family().keyId, Policy: POLICY.padEnd(32_769) })),
      error: "ValidationException",
    },
    {
      title: "PutKeyPolicy with a policy name other than default",
      call: (eu) =>
        eu.send(new PutKeyPolicyCommand({ KeyId: family().keyId, PolicyName: "other", Policy: POLICY })),
      error: "NotFoundException",
    },
    // CreateAlias
    {
      title: "CreateAlias not starting with alias/",
      call: (eu) => eu.send(new CreateAliasCommand({ AliasName: "payments", TargetKeyId: family().keyId })),
      error: "ValidationException",
    },
    {
      title: "CreateAlias under alias/aws/",
      call: (eu) =>
        eu.send(new CreateAliasCommand({ AliasName: "alias/aws/payments", TargetKeyId: family().keyId })),
      error: "ValidationException",
    },
    {
      title: "CreateAlias for a key pending deletion",
      call: (eu) => {
        const { keyId } = family();
        scheduled("eu-west-1", keyId);
        return eu.send(new CreateAliasCommand({ AliasName: "alias/payments", TargetKeyId: keyId }));
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "CreateAlias for the key ARN of another Region",
      call: (eu) =>
        eu.send(new CreateAliasCommand({ AliasName: "alias/payments", TargetKeyId: family().arn })),
      error: "NotFoundException",
    },
    {
      title: "CreateAlias whose target is an alias",
      call: (eu) => {
        const { keyId } = family();
        h.server.invoke("eu-west-1", "CreateAlias", { AliasName: "alias/a", TargetKeyId: keyId });
        return eu.send(new CreateAliasCommand({ AliasName: "alias/b", TargetKeyId: "alias/a" }));
      },
      error: "ValidationException",
    },
    {
      title: "CreateAlias of a name that exists in the Region",
      call: (eu) => {
        const { keyId } = family();
        h.server.invoke("eu-west-1", "CreateAlias", { AliasName: "alias/a", TargetKeyId: keyId });
        return eu.send(new CreateAliasCommand({ AliasName: "alias/a", TargetKeyId: keyId }));
      },
      error: "AlreadyExistsException",
    },
    // UpdateAlias
    {
      title: "UpdateAlias of an alias that does not exist",
      call: (eu) =>
        eu.send(new UpdateAliasCommand({ AliasName: "alias/missing", TargetKeyId: family().keyId })),
      error: "NotFoundException",
    },
    {
      title: "UpdateAlias to a key of another Region",
      call: (eu) => {
        const { keyId } = family();
        h.server.invoke("eu-west-1", "CreateAlias", { AliasName: "alias/a", TargetKeyId: keyId });
        const elsewhere = h.primary("us-east-1");
        return eu.send(new UpdateAliasCommand({ AliasName: "alias/a", TargetKeyId: elsewhere.keyId }));
      },
      error: "NotFoundException",
    },
    {
      title: "UpdateAlias to a key of another type (HMAC for symmetric)",
      call: (eu) => {
        const { keyId } = family();
        h.server.invoke("eu-west-1", "CreateAlias", { AliasName: "alias/a", TargetKeyId: keyId });
        const hmac = h.server.createKey("eu-west-1", { KeySpec: "HMAC_256" });
        return eu.send(new UpdateAliasCommand({ AliasName: "alias/a", TargetKeyId: String(hmac.KeyId) }));
      },
      error: "ValidationException",
    },
    {
      title: "UpdateAlias to a key pending deletion",
      call: (eu) => {
        const { keyId } = family();
        h.server.invoke("eu-west-1", "CreateAlias", { AliasName: "alias/a", TargetKeyId: keyId });
        const other = String(h.server.createKey("eu-west-1").KeyId);
        scheduled("eu-west-1", other);
        return eu.send(new UpdateAliasCommand({ AliasName: "alias/a", TargetKeyId: other }));
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "UpdateAlias under alias/aws/",
      call: (eu) =>
        eu.send(new UpdateAliasCommand({ AliasName: "alias/aws/a", TargetKeyId: family().keyId })),
      error: "ValidationException",
    },
    // DeleteAlias
    {
      title: "DeleteAlias of an alias that does not exist",
      call: (eu) => eu.send(new DeleteAliasCommand({ AliasName: "alias/missing" })),
      error: "NotFoundException",
    },
    {
      title: "DeleteAlias not starting with alias/",
      call: (eu) => eu.send(new DeleteAliasCommand({ AliasName: "payments" })),
      error: "ValidationException",
    },
    // EnableKey / DisableKey
    {
      title: "DisableKey of a replica still Creating",
      call: (eu) => {
        h.server.configure({ creatingDelayMs: 5_000 });
        const { keyId } = family();
        return eu.send(new DisableKeyCommand({ KeyId: keyId }));
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "EnableKey of a replica pending deletion",
      call: (eu) => {
        const { keyId } = family();
        scheduled("eu-west-1", keyId);
        return eu.send(new EnableKeyCommand({ KeyId: keyId }));
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "EnableKey of a replica in PendingImport",
      call: (eu) => {
        const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
        h.replica(arn, "eu-west-1");
        return eu.send(new EnableKeyCommand({ KeyId: arn.replace("us-east-1", "eu-west-1") }));
      },
      error: "KMSInvalidStateException",
    },
  ];

  it.each(cases)("rejects $title with $error and changes nothing", async ({ call, error }) => {
    // GIVEN the stage call() sets before it sends (synchronously)
    const sent = call(h.kms("eu-west-1"));
    const staged = JSON.stringify(h.server.keys("eu-west-1"));
    // WHEN / THEN
    await expectKmsError(sent, error);
    expect(JSON.stringify(h.server.keys("eu-west-1"))).toBe(staged);
  });
});

describe("what the operations change", () => {
  it("TagResource adds and replaces, UntagResource removes and ignores keys the key lacks", async () => {
    const { keyId } = family();
    const eu = h.kms("eu-west-1");
    await eu.send(
      new TagResourceCommand({
        KeyId: keyId,
        Tags: [
          { TagKey: "a", TagValue: "1" },
          { TagKey: "b", TagValue: "2" },
        ],
      }),
    );
    await eu.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "a", TagValue: "3" }] }));
    await eu.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["b", "never-there"] }));
    expect((await eu.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).toEqual([
      { TagKey: "a", TagValue: "3" },
    ]);
    // the primary keeps its own (none)
    expect(h.server.keys("us-east-1")[0]?.tags).toEqual({});
  });

  it("holds at most 50 tags on a key: LimitExceededException (HTTP 400) past it, the key unchanged; another value of a tag it has is no new tag", async () => {
    // GIVEN a replica with 50 tags
    const { keyId, arn } = family();
    const eu = h.kms("eu-west-1");
    const fifty = Array.from({ length: 50 }, (_, i) => ({ TagKey: `t${i}`, TagValue: "" }));
    await eu.send(new TagResourceCommand({ KeyId: keyId, Tags: fifty }));
    // WHEN a 51st is added: refused as the API reference describes LimitExceededException
    const refused = await expectKmsError(
      eu.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "one-more", TagValue: "" }] })),
      "LimitExceededException",
    );
    expect(refused.message).toMatch(
      /^The request was rejected because a length constraint or quota was exceeded\./,
    );
    expect(Object.keys(h.server.keys("eu-west-1")[0]?.tags ?? {})).toHaveLength(50);
    // THEN a new value of a tag it has is accepted, and after an untag there is room for one
    await eu.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "t0", TagValue: "new" }] }));
    await eu.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["t1"] }));
    await eu.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "one-more", TagValue: "" }] }));
    expect(h.server.keys("eu-west-1")[0]?.tags).toMatchObject({ t0: "new", "one-more": "" });
    // AND ReplicateKey (and CreateKey) with 51 Tags: the same answer, nothing created
    const fiftyOne = [...fifty, { TagKey: "one-more", TagValue: "" }];
    await expectKmsError(
      h
        .kms("us-east-1")
        .send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: "sa-east-1", Tags: fiftyOne })),
      "LimitExceededException",
    );
    expect(h.server.keys("sa-east-1")).toEqual([]);
    await expectKmsError(
      h.kms("ap-south-1").send(new CreateKeyCommand({ Tags: fiftyOne })),
      "LimitExceededException",
    );
    expect(h.server.keys("ap-south-1")).toEqual([]);
  });

  it("UpdateKeyDescription sets (also to empty), PutKeyPolicy replaces (also while pending deletion)", async () => {
    const { keyId } = family();
    const eu = h.kms("eu-west-1");
    await eu.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "payments" }));
    expect((await h.describe("eu-west-1", keyId)).Description).toBe("payments");
    await eu.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "" }));
    expect((await h.describe("eu-west-1", keyId)).Description).toBe("");

    await eu.send(
      new PutKeyPolicyCommand({ KeyId: keyId, Policy: POLICY, BypassPolicyLockoutSafetyCheck: true }),
    );
    expect((await eu.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy).toBe(POLICY);
    scheduled("eu-west-1", keyId);
    const other = POLICY.replace("kms:*", "kms:Describe*");
    await eu.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: other }));
    expect(h.server.keys("eu-west-1")[0]?.policy).toBe(other);
  });

  it("CreateAlias / UpdateAlias / DeleteAlias, per Region; DeleteAlias works while the key is pending deletion", async () => {
    const { keyId } = family();
    const other = String(h.server.createKey("eu-west-1").KeyId);
    const eu = h.kms("eu-west-1");
    await eu.send(new CreateAliasCommand({ AliasName: "alias/payments", TargetKeyId: keyId }));
    await eu.send(new UpdateAliasCommand({ AliasName: "alias/payments", TargetKeyId: other }));
    const listed = await eu.send(new ListAliasesCommand({}));
    expect(listed.Aliases?.map((a) => [a.AliasName, a.TargetKeyId])).toEqual([["alias/payments", other]]);
    expect(listed.Aliases?.[0]?.LastUpdatedDate).toBeInstanceOf(Date);
    scheduled("eu-west-1", other);
    await eu.send(new DeleteAliasCommand({ AliasName: "alias/payments" }));
    expect((await eu.send(new ListAliasesCommand({}))).Aliases).toEqual([]);
  });

  it("EnableKey / DisableKey on a replica, leaving the primary alone", async () => {
    const { keyId } = family();
    await h.kms("eu-west-1").send(new DisableKeyCommand({ KeyId: keyId }));
    expect(await h.describe("eu-west-1", keyId)).toMatchObject({ KeyState: "Disabled", Enabled: false });
    expect((await h.describe("us-east-1", keyId)).KeyState).toBe("Enabled");
    await h.kms("eu-west-1").send(new EnableKeyCommand({ KeyId: keyId }));
    expect((await h.describe("eu-west-1", keyId)).KeyState).toBe("Enabled");
  });
});

describe("read-after-write delay (readAfterWriteMs per Region)", () => {
  it("answers the old value of every changed property for N ms, then the new; the truth at once", async () => {
    // GIVEN a 500 ms delay in eu-west-1 only
    h.server.configure({ readAfterWriteMs: { "eu-west-1": 500 } });
    const { keyId } = family();
    const eu = h.kms("eu-west-1");
    const read = async () => ({
      tags: (await eu.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags,
      description: (await h.describe("eu-west-1", keyId)).Description,
      state: (await h.describe("eu-west-1", keyId)).KeyState,
      policy: (await eu.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy === POLICY,
      aliases: (await eu.send(new ListAliasesCommand({}))).Aliases?.map((a) => a.AliasName),
    });
    const before = await read();
    expect(before).toEqual({ tags: [], description: "", state: "Enabled", policy: false, aliases: [] });

    // WHEN every property is written
    await eu.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "cost", TagValue: "42" }] }));
    await eu.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "payments" }));
    await eu.send(new DisableKeyCommand({ KeyId: keyId }));
    await eu.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: POLICY }));
    await eu.send(new CreateAliasCommand({ AliasName: "alias/payments", TargetKeyId: keyId }));

    // THEN reads answer the old values until 500 ms have passed
    expect(await read()).toEqual(before);
    h.advance(499);
    expect(await read()).toEqual(before);
    // ... while the endpoint holds the new ones (what the e2e tests check)
    expect(h.server.keys("eu-west-1")[0]).toMatchObject({
      tags: { cost: "42" },
      description: "payments",
      state: "Disabled",
      policy: POLICY,
      aliases: ["alias/payments"],
    });
    h.advance(1);
    expect(await read()).toEqual({
      tags: [{ TagKey: "cost", TagValue: "42" }],
      description: "payments",
      state: "Disabled",
      policy: true,
      aliases: ["alias/payments"],
    });
  });

  it("shows successive writes in order, alias updates and deletions too; other Regions at once", async () => {
    h.server.configure({ readAfterWriteMs: { "eu-west-1": 300 } });
    const { keyId } = family();
    const other = String(h.server.createKey("eu-west-1").KeyId);
    const eu = h.kms("eu-west-1");
    const description = async () => (await h.describe("eu-west-1", keyId)).Description;
    const target = async () => (await eu.send(new ListAliasesCommand({}))).Aliases?.map((a) => a.TargetKeyId);

    h.server.invoke("eu-west-1", "CreateAlias", { AliasName: "alias/a", TargetKeyId: keyId }); // t0, shows at t0+300
    await eu.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "one" })); // t0
    h.advance(100);
    await eu.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "two" })); // t0+100
    expect(await description()).toBe("");
    expect(await target()).toEqual([]);
    h.advance(200); // t0+300: "one" and the alias show
    expect(await description()).toBe("one");
    expect(await target()).toEqual([keyId]);
    await eu.send(new UpdateAliasCommand({ AliasName: "alias/a", TargetKeyId: other }));
    h.advance(100); // t0+400: "two" shows; the update does not yet
    expect(await description()).toBe("two");
    expect(await target()).toEqual([keyId]);
    await eu.send(new DeleteAliasCommand({ AliasName: "alias/a" }));
    h.advance(200); // the update shows, the deletion not yet
    expect(await target()).toEqual([other]);
    h.advance(100);
    expect(await target()).toEqual([]);

    // the primary's Region has no delay
    await h.kms("us-east-1").send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "now" }));
    expect((await h.describe("us-east-1", keyId)).Description).toBe("now");
  });

  it("is refused over HTTP unless it is an object of Region: ms", async () => {
    const answer = await fetch(`${h.server.url}/_kms-local/config`, {
      method: "POST",
      body: JSON.stringify({ readAfterWriteMs: { "eu-west-1": "soon" } }),
    });
    expect(answer.status).toBe(400);
  });
});
