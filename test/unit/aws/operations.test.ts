// Each operation of the port as the SDK command it sends, over a mocked client: its input, its
// Region, its quota costs, and what it makes of KMS's answer.
import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  ReplicateKeyCommand,
  UpdatePrimaryRegionCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeEach, describe, it, expect, vi } from "vitest";
import { createKms } from "../../../src/aws/client.js";
import type { ReplicaEvent } from "../../../src/core/events.js";
import { PRIMARY_ARN } from "../../support/fixtures.js";
import { client, kmsMock, METADATA, setup, TINY } from "../../support/mock-kms-client.js";

beforeEach(() => {
  kmsMock.reset();
});
afterAll(() => {
  kmsMock.restore();
});

describe("createKms operations", () => {
  it("sends ReplicateKey to the primary's Region with the input unchanged", async () => {
    // GIVEN
    kmsMock
      .on(ReplicateKeyCommand)
      .resolves({ ReplicaKeyMetadata: { KeyId: METADATA.KeyId, KeyState: "Creating" } });
    const { kms, clientFor } = setup();
    const input = { KeyId: PRIMARY_ARN, ReplicaRegion: "ap-southeast-2", Description: "DR copy" };
    // WHEN
    const output = await kms.replicateKey("us-east-1", input);
    // THEN
    expect(output.ReplicaKeyMetadata?.KeyState).toBe("Creating");
    expect(clientFor).toHaveBeenCalledWith("us-east-1");
    expect(kmsMock.commandCalls(ReplicateKeyCommand)[0]?.args[0].input).toEqual(input);
  });

  it("sends ScheduleKeyDeletion with the window, and returns the state and date KMS answers", async () => {
    // GIVEN
    const date = new Date("2031-01-08T00:00:00Z");
    kmsMock
      .on(ScheduleKeyDeletionCommand)
      .resolves({ KeyState: "PendingDeletion", DeletionDate: date, PendingWindowInDays: 7 });
    const { kms, clientFor } = setup();
    // WHEN
    const answer = await kms.scheduleKeyDeletion("eu-west-1", PRIMARY_ARN, 7);
    // THEN
    expect(answer).toEqual({ keyState: "PendingDeletion", deletionDate: date, pendingWindowInDays: 7 });
    expect(clientFor).toHaveBeenCalledWith("eu-west-1");
    expect(kmsMock.commandCalls(ScheduleKeyDeletionCommand)[0]?.args[0].input).toEqual({
      KeyId: PRIMARY_ARN,
      PendingWindowInDays: 7,
    });
  });

  it("a primary with replicas: PendingReplicaDeletion, no date", async () => {
    // GIVEN
    kmsMock
      .on(ScheduleKeyDeletionCommand)
      .resolves({ KeyState: "PendingReplicaDeletion", PendingWindowInDays: 30 });
    const { kms } = setup();
    // WHEN
    const answer = await kms.scheduleKeyDeletion("us-east-1", PRIMARY_ARN, 30);
    // THEN
    expect(answer).toEqual({ keyState: "PendingReplicaDeletion", pendingWindowInDays: 30 });
  });

  it("sends CancelKeyDeletion to the key's Region", async () => {
    // GIVEN
    kmsMock.on(CancelKeyDeletionCommand).resolves({ KeyId: PRIMARY_ARN });
    const { kms, clientFor } = setup();
    // WHEN
    await kms.cancelKeyDeletion("ap-south-1", PRIMARY_ARN);
    // THEN
    expect(clientFor).toHaveBeenCalledWith("ap-south-1");
    expect(kmsMock.commandCalls(CancelKeyDeletionCommand)[0]?.args[0].input).toEqual({ KeyId: PRIMARY_ARN });
  });

  it("treats a DescribeKey answer without KeyMetadata as NotFoundException", async () => {
    // GIVEN
    kmsMock.on(DescribeKeyCommand).resolves({});
    const { kms } = setup();
    // WHEN / THEN
    await expect(kms.describeKey("eu-west-1", PRIMARY_ARN)).rejects.toMatchObject({
      name: "NotFoundException",
    });
  });

  it("reads every page of tags", async () => {
    // GIVEN
    kmsMock
      .on(ListResourceTagsCommand)
      .resolvesOnce({ Tags: [{ TagKey: "a", TagValue: "1" }], Truncated: true, NextMarker: "m1" })
      .resolvesOnce({ Tags: [{ TagKey: "b", TagValue: "2" }], Truncated: false });
    const { kms } = setup();
    // WHEN
    const tags = await kms.listResourceTags("us-east-1", PRIMARY_ARN);
    // THEN
    expect(tags).toEqual([
      { TagKey: "a", TagValue: "1" },
      { TagKey: "b", TagValue: "2" },
    ]);
    expect(kmsMock.commandCalls(ListResourceTagsCommand)[1]?.args[0].input).toEqual({
      KeyId: PRIMARY_ARN,
      Marker: "m1",
    });
  });
});

describe("updatePrimaryRegion", () => {
  it("sends KeyId and PrimaryRegion to the primary's Region, charging the quota in both Regions", async () => {
    kmsMock.reset();
    kmsMock.on(UpdatePrimaryRegionCommand).resolves({});
    const release = vi.fn();
    const acquire = vi.fn(() => Promise.resolve(release));
    const events: ReplicaEvent[] = [];
    const clientFor = vi.fn((_region: string) => client);
    const kms = createKms({
      clientFor,
      retry: TINY,
      emit: (event) => events.push(event),
      quotas: { acquire, rateOf: () => 5, waiting: () => 0, whenWaitingBelow: () => Promise.resolve() },
    });
    await kms.updatePrimaryRegion("us-east-1", PRIMARY_ARN, "eu-west-1");
    expect(clientFor).toHaveBeenCalledWith("us-east-1");
    expect(kmsMock.commandCalls(UpdatePrimaryRegionCommand)[0]?.args[0].input).toEqual({
      KeyId: PRIMARY_ARN,
      PrimaryRegion: "eu-west-1",
    });
    expect(acquire).toHaveBeenCalledWith(
      [
        { name: "UpdatePrimaryRegion", region: "us-east-1", units: 1 },
        { name: "UpdatePrimaryRegion", region: "eu-west-1", units: 1 },
      ],
      undefined,
      { inFlight: { name: "UpdatePrimaryRegion", region: "us-east-1" } },
    );
    expect(release).toHaveBeenCalledTimes(1);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "call",
        operation: "UpdatePrimaryRegion",
        region: "us-east-1",
        target: "eu-west-1",
      }),
    );
  });
});
