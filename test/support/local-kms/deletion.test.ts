// Deleting keys (deletion.ts): ScheduleKeyDeletion on replicas and primaries, the dates passing on
// the endpoint's clock, CancelKeyDeletion, and the aliases that go with a key.
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  EnableKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ReplicateKeyCommand,
  ScheduleKeyDeletionCommand,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { expectKmsError, useHarness } from "./harness.js";

const DAY = 86_400_000;
const h = useHarness();

/** A family: primary in us-east-1, replicas in eu-west-1 and ap-southeast-2 (settled). */
function family(): { keyId: string; arn: string; at: (region: string) => string } {
  const { keyId, arn } = h.primary("us-east-1");
  h.replica(arn, "eu-west-1");
  h.replica(arn, "ap-southeast-2");
  return { keyId, arn, at: (region) => arn.replace("us-east-1", region) };
}

const schedule = (region: string, keyId: string, days?: number) =>
  h.kms(region).send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: days }));

const cancel = (region: string, keyId: string) =>
  h.kms(region).send(new CancelKeyDeletionCommand({ KeyId: keyId }));

/** The Regions the primary's DescribeKey lists as replicas. */
async function replicaRegions(keyId: string, region = "us-east-1"): Promise<string[]> {
  const metadata = await h.describe(region, keyId);
  return (metadata.MultiRegionConfiguration?.ReplicaKeys ?? []).map((k) => k.Region ?? "").sort();
}

const describeIn = (region: string, keyId: string): Promise<KeyMetadata> => h.describe(region, keyId);

describe("ScheduleKeyDeletion on a replica", () => {
  it("PendingDeletion with a date (default 30 days); in the family and its Region until the date passes", async () => {
    // GIVEN a family with an alias on the eu-west-1 replica
    const { keyId, arn, at } = family();
    await h.kms("eu-west-1").send(new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: keyId }));

    // WHEN the replica is scheduled without a window
    const scheduled = await schedule("eu-west-1", keyId);

    // THEN it is PendingDeletion for 30 days, and still listed and in its Region
    expect(scheduled).toMatchObject({
      KeyId: at("eu-west-1"),
      KeyState: "PendingDeletion",
      PendingWindowInDays: 30,
    });
    expect(scheduled.DeletionDate?.getTime()).toBe(h.now() + 30 * DAY);
    expect(await describeIn("eu-west-1", keyId)).toMatchObject({
      KeyState: "PendingDeletion",
      Enabled: false,
      DeletionDate: new Date(h.now() + 30 * DAY),
      PendingDeletionWindowInDays: 30,
    });
    expect(await replicaRegions(keyId)).toEqual(["ap-southeast-2", "eu-west-1"]);
    await expectKmsError(
      h.kms("us-east-1").send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: "eu-west-1" })),
      "AlreadyExistsException",
    );
    expect(h.server.keys("eu-west-1")).toMatchObject([
      {
        state: "PendingDeletion",
        deletionDate: h.now() + 30 * DAY,
        pendingWindowInDays: 30,
        aliases: ["alias/app"],
      },
    ]);

    // ... one millisecond before the date, still there
    h.advance(30 * DAY - 1);
    expect((await describeIn("eu-west-1", keyId)).KeyState).toBe("PendingDeletion");

    // WHEN the date passes
    h.advance(1);

    // THEN it is gone: from its Region, the family, ListKeys, and its alias with it
    await expectKmsError(describeIn("eu-west-1", keyId), "NotFoundException");
    expect(await replicaRegions(keyId)).toEqual(["ap-southeast-2"]);
    expect(await replicaRegions(keyId, "ap-southeast-2")).toEqual(["ap-southeast-2"]);
    expect((await h.kms("eu-west-1").send(new ListKeysCommand({}))).Keys).toEqual([]);
    expect((await h.kms("eu-west-1").send(new ListAliasesCommand({}))).Aliases).toEqual([]);
    expect(h.server.keys("eu-west-1")).toEqual([]);
    // ... and the Region can be replicated into again, and the alias name used again
    await h.kms("us-east-1").send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: "eu-west-1" }));
    await h.kms("eu-west-1").send(new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: keyId }));
    expect((await describeIn("eu-west-1", keyId)).KeyState).toBe("Enabled");
  });

  it("refuses a window outside 7–30 days or not a whole number, changing nothing", async () => {
    const { keyId } = family();
    for (const days of [6, 31, 7.5]) {
      await expectKmsError(schedule("eu-west-1", keyId, days), "ValidationException");
    }
    expect((await describeIn("eu-west-1", keyId)).KeyState).toBe("Enabled");
    const seven = await schedule("eu-west-1", keyId, 7);
    expect(seven.DeletionDate?.getTime()).toBe(h.now() + 7 * DAY);
  });
});

describe("ScheduleKeyDeletion on a primary", () => {
  it("with replicas: PendingReplicaDeletion without a date; its window starts when the last replica is gone", async () => {
    // GIVEN a family whose primary is scheduled for 7 days
    const { keyId, arn, at } = family();
    const scheduled = await schedule("us-east-1", keyId, 7);

    // THEN it waits for its replicas: no DeletionDate, the window only
    expect(scheduled).toEqual(
      expect.objectContaining({ KeyId: arn, KeyState: "PendingReplicaDeletion", PendingWindowInDays: 7 }),
    );
    expect(scheduled.DeletionDate).toBeUndefined();
    const waiting = await describeIn("us-east-1", keyId);
    expect(waiting).toMatchObject({
      KeyState: "PendingReplicaDeletion",
      Enabled: false,
      PendingDeletionWindowInDays: 7,
    });
    expect(waiting.DeletionDate).toBeUndefined();

    // WHEN its replicas are scheduled for 10 and 20 days, and 15 days pass
    await schedule("eu-west-1", at("eu-west-1"), 10);
    await schedule("ap-southeast-2", keyId, 20);
    const lastGone = h.now() + 20 * DAY;
    h.advance(15 * DAY);

    // THEN one replica is gone, and the primary still waits for the other
    expect(await replicaRegions(keyId)).toEqual(["ap-southeast-2"]);
    expect((await describeIn("us-east-1", keyId)).KeyState).toBe("PendingReplicaDeletion");

    // WHEN the last replica's date has passed, and the endpoint notices only 3 days later
    h.advance(8 * DAY);

    // THEN the primary's 7 days started at the last replica's date
    expect(await replicaRegions(keyId)).toEqual([]);
    const counting = await describeIn("us-east-1", keyId);
    expect(counting).toMatchObject({
      KeyState: "PendingDeletion",
      DeletionDate: new Date(lastGone + 7 * DAY),
      PendingDeletionWindowInDays: 7,
    });

    // WHEN its own date passes, the family is gone
    h.advance(lastGone + 7 * DAY - h.now());
    await expectKmsError(describeIn("us-east-1", keyId), "NotFoundException");
    expect((await h.kms("us-east-1").send(new ListKeysCommand({}))).Keys).toEqual([]);
  });

  it("without replicas: PendingDeletion with a date at once, as a single-Region key", async () => {
    const { keyId, arn } = h.primary("us-east-1");
    const single = h.server.createKey("us-east-1");
    for (const [id, expected] of [
      [keyId, arn],
      [String(single.KeyId), String(single.Arn)],
    ]) {
      const scheduled = await schedule("us-east-1", id ?? "", 8);
      expect(scheduled).toMatchObject({
        KeyId: expected,
        KeyState: "PendingDeletion",
        PendingWindowInDays: 8,
      });
      expect(scheduled.DeletionDate?.getTime()).toBe(h.now() + 8 * DAY);
    }
    h.advance(8 * DAY);
    expect(h.server.keys("us-east-1")).toEqual([]);
  });
});

describe("CancelKeyDeletion", () => {
  it("leaves a replica PendingDeletion Disabled, past its old date; EnableKey afterwards", async () => {
    const { keyId } = family();
    await schedule("eu-west-1", keyId, 7);
    const cancelled = await cancel("eu-west-1", keyId);
    expect(cancelled.KeyId).toBe(h.server.keys("eu-west-1")[0]?.arn);
    h.advance(8 * DAY);
    const metadata = await describeIn("eu-west-1", keyId);
    expect(metadata).toMatchObject({ KeyState: "Disabled", Enabled: false });
    expect(metadata.DeletionDate).toBeUndefined();
    expect(metadata.PendingDeletionWindowInDays).toBeUndefined();
    await h.kms("eu-west-1").send(new EnableKeyCommand({ KeyId: keyId }));
    expect((await describeIn("eu-west-1", keyId)).KeyState).toBe("Enabled");
    expect(await replicaRegions(keyId)).toEqual(["ap-southeast-2", "eu-west-1"]);
  });

  it("leaves a primary PendingReplicaDeletion Disabled: its replicas going no longer start a window", async () => {
    const { keyId } = family();
    await schedule("us-east-1", keyId, 7);
    await schedule("eu-west-1", keyId, 7);
    await schedule("ap-southeast-2", keyId, 7);
    await cancel("us-east-1", keyId);
    expect((await describeIn("us-east-1", keyId)).PendingDeletionWindowInDays).toBeUndefined();
    h.advance(30 * DAY);
    expect(await replicaRegions(keyId)).toEqual([]);
    expect(await describeIn("us-east-1", keyId)).toMatchObject({ KeyState: "Disabled", Enabled: false });
  });

  it("a replica cancelled while its primary waits: the primary keeps waiting", async () => {
    const { keyId } = family();
    await schedule("us-east-1", keyId, 7);
    await schedule("eu-west-1", keyId, 7);
    await schedule("ap-southeast-2", keyId, 7);
    await cancel("ap-southeast-2", keyId);
    h.advance(60 * DAY);
    expect(await replicaRegions(keyId)).toEqual(["ap-southeast-2"]);
    expect((await describeIn("us-east-1", keyId)).KeyState).toBe("PendingReplicaDeletion");
  });

  it("on a key not pending deletion: KMSInvalidStateException", async () => {
    const { keyId } = family();
    await expectKmsError(cancel("eu-west-1", keyId), "KMSInvalidStateException");
    await schedule("eu-west-1", keyId, 7);
    await cancel("eu-west-1", keyId);
    await expectKmsError(cancel("eu-west-1", keyId), "KMSInvalidStateException");
  });
});
