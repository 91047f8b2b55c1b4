// One call through the adapter, over a mocked client: which failures are retried and how often,
// the quota slots each attempt takes, and the run's deadline for writes.
import {
  DescribeKeyCommand,
  ListResourceTagsCommand,
  ReplicateKeyCommand,
  TagResourceCommand,
  UpdatePrimaryRegionCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeEach, describe, it, expect, vi } from "vitest";
import type { RetryPolicy } from "../../../src/aws/backoff.js";
import { attemptsOf, errorFacts } from "../../../src/core/call-error.js";
import { isNotSent, neverSent, NotSentError } from "../../../src/core/errors.js";
import { createKms } from "../../../src/aws/client.js";
import { createQuotaBook } from "../../../src/aws/quota-book.js";
import { PRIMARY_ARN } from "../../support/fixtures.js";
import { calls, client, kmsMock, METADATA, setup, TINY } from "../../support/mock-kms-client.js";

function awsFailure(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });
}

beforeEach(() => {
  kmsMock.reset();
});
afterAll(() => {
  kmsMock.restore();
});

describe("createKms retries", () => {
  it("retries a ThrottlingException, then succeeds", async () => {
    // GIVEN
    kmsMock
      .on(DescribeKeyCommand)
      .rejectsOnce(awsFailure("ThrottlingException"))
      .resolves({ KeyMetadata: METADATA });
    const { kms, events } = setup();
    // WHEN
    const metadata = await kms.describeKey("eu-west-1", PRIMARY_ARN);
    // THEN
    expect(metadata).toEqual(METADATA);
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(2);
    expect(calls(events)).toEqual([
      {
        operation: "DescribeKey",
        region: "eu-west-1",
        attempt: 1,
        errorName: "ThrottlingException",
        willRetry: true,
      },
      { operation: "DescribeKey", region: "eu-west-1", attempt: 2, errorName: undefined, willRetry: false },
    ]);
  });

  it("retries a network reset and names it a closed connection", async () => {
    // GIVEN
    kmsMock
      .on(DescribeKeyCommand)
      .rejectsOnce(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))
      .resolves({ KeyMetadata: METADATA });
    const { kms, events } = setup();
    // WHEN
    await kms.describeKey("eu-west-1", PRIMARY_ARN);
    // THEN
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(2);
    expect(calls(events)[0]).toMatchObject({ errorName: "ConnectionClosed", willRetry: true });
  });

  it("gives up after the configured retries, and says how many attempts it took", async () => {
    // GIVEN
    kmsMock.on(ReplicateKeyCommand).rejects(awsFailure("ThrottlingException"));
    const { kms, events } = setup();
    // WHEN
    const error = await kms
      .replicateKey("us-east-1", { KeyId: PRIMARY_ARN, ReplicaRegion: "eu-west-1" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // THEN
    expect(error).toMatchObject({ name: "ThrottlingException" });
    expect(kmsMock.commandCalls(ReplicateKeyCommand)).toHaveLength(3);
    expect(attemptsOf(error)).toBe(3);
    expect(calls(events).map((c) => (c as { willRetry: boolean }).willRetry)).toEqual([true, true, false]);
  });

  it.each(["LimitExceededException", "AccessDeniedException", "AlreadyExistsException"])(
    "does not retry %s: exactly one call",
    async (name) => {
      // GIVEN
      kmsMock.on(ReplicateKeyCommand).rejects(awsFailure(name));
      const { kms, events } = setup();
      // WHEN
      const error = await kms
        .replicateKey("us-east-1", { KeyId: PRIMARY_ARN, ReplicaRegion: "eu-west-1" })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // THEN
      expect(error).toMatchObject({ name });
      expect(kmsMock.commandCalls(ReplicateKeyCommand)).toHaveLength(1);
      expect(attemptsOf(error)).toBe(1);
      expect(calls(events)).toEqual([
        {
          operation: "ReplicateKey",
          region: "us-east-1",
          target: "eu-west-1",
          attempt: 1,
          errorName: name,
          willRetry: false,
        },
      ]);
    },
  );

  it("makes no call when the signal is already aborted", async () => {
    // GIVEN
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: METADATA });
    const { kms } = setup();
    // WHEN
    const outcome = kms.describeKey("eu-west-1", PRIMARY_ARN, AbortSignal.abort());
    // THEN
    await expect(outcome).rejects.toMatchObject({ name: "AbortError" });
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });
});

describe("createKms calls", () => {
  it("takes the quota slots of every attempt, retries included: ReplicateKey here, 2 CreateKey there", async () => {
    // GIVEN one throttled attempt, then success, and a quota book that records what is asked of it
    kmsMock
      .on(ReplicateKeyCommand)
      .rejectsOnce(awsFailure("ThrottlingException"))
      .resolves({ ReplicaKeyMetadata: { KeyId: METADATA.KeyId, KeyState: "Creating" } });
    const asked: unknown[] = [];
    const options: unknown[] = [];
    let released = 0;
    const quotas = {
      rateOf: () => 5,
      waiting: () => 0,
      whenWaitingBelow: () => Promise.resolve(),
      acquire: (costs: unknown, _signal: unknown, given: unknown) => {
        asked.push(costs);
        options.push(given);
        return Promise.resolve(() => {
          released += 1;
        });
      },
    };
    const kms = createKms({ clientFor: () => client, quotas, retry: TINY });
    // WHEN
    await kms.replicateKey("us-east-1", { KeyId: PRIMARY_ARN, ReplicaRegion: "eu-west-1" });
    // THEN both attempts took both costs
    const cost = [
      { name: "ReplicateKey", region: "us-east-1", units: 1 },
      { name: "CreateKey", region: "eu-west-1", units: 2 },
    ];
    expect(asked).toEqual([cost, cost]);
    // …counted from the grant: a client the adapter does not watch cannot say when a request left
    expect(options).toEqual([
      { inFlight: { name: "ReplicateKey", region: "us-east-1" } },
      { inFlight: { name: "ReplicateKey", region: "us-east-1" } },
    ]);
    // …and each attempt, the failed one too, gave its in-flight slot back when it ended
    expect(released).toBe(2);
  });

  it("runs onSent for every ReplicateKey attempt, retries included (a client it does not watch: before it)", async () => {
    // GIVEN two throttled attempts, then success
    kmsMock
      .on(ReplicateKeyCommand)
      .rejectsOnce(awsFailure("ThrottlingException"))
      .rejectsOnce(awsFailure("ThrottlingException"))
      .resolves({ ReplicaKeyMetadata: { KeyId: METADATA.KeyId, KeyState: "Creating" } });
    const { kms } = setup();
    const order: string[] = [];
    const beforeAttempt = vi.fn(() => {
      order.push(`slot ${kmsMock.commandCalls(ReplicateKeyCommand).length}`);
    });
    // WHEN
    await kms.replicateKey(
      "us-east-1",
      { KeyId: PRIMARY_ARN, ReplicaRegion: "eu-west-1" },
      undefined,
      beforeAttempt,
    );
    // THEN one slot was taken before each of the three attempts
    expect(order).toEqual(["slot 0", "slot 1", "slot 2"]);
    expect(kmsMock.commandCalls(ReplicateKeyCommand)).toHaveLength(3);
  });
});

describe("the run's deadline for writes", () => {
  const rejection = (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it("refuses a write after the deadline before it queues: NotSentError, nothing sent", async () => {
    // GIVEN a deadline that has passed
    kmsMock.on(UpdatePrimaryRegionCommand).resolves({});
    const kms = createKms({ clientFor: () => client, retry: TINY, deadline: performance.now() - 1 });
    // WHEN
    const error = await rejection(kms.updatePrimaryRegion("us-east-1", PRIMARY_ARN, "eu-west-1"));
    // THEN it is a NotSentError for that call, never sent
    expect(isNotSent(error)).toBe(true);
    expect(neverSent(error)).toBe(true);
    expect(error).toMatchObject({
      name: "NotSent",
      exitCode: 3,
      message: "--timeout ran out before UpdatePrimaryRegion could be sent to us-east-1; it was not sent.",
    });
    expect(kmsMock.commandCalls(UpdatePrimaryRegionCommand)).toHaveLength(0);
  });

  it("still sends reads after the deadline (each within its own bound)", async () => {
    // GIVEN a deadline that has passed
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: METADATA });
    kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [] });
    const kms = createKms({ clientFor: () => client, retry: TINY, deadline: performance.now() - 1 });
    // WHEN / THEN
    await expect(kms.describeKey("us-east-1", PRIMARY_ARN)).resolves.toEqual(METADATA);
    await expect(kms.listResourceTags("us-east-1", PRIMARY_ARN)).resolves.toEqual([]);
  });

  it.each([
    [
      "ReplicateKey",
      (kms: ReturnType<typeof createKms>) =>
        kms.replicateKey("us-east-1", { KeyId: PRIMARY_ARN, ReplicaRegion: "eu-west-1" }),
    ],
    [
      "TagResource",
      (kms: ReturnType<typeof createKms>) =>
        kms.tagResource("eu-west-1", PRIMARY_ARN, [{ TagKey: "a", TagValue: "b" }]),
    ],
    ["PutKeyPolicy", (kms: ReturnType<typeof createKms>) => kms.putKeyPolicy("eu-west-1", PRIMARY_ARN, "{}")],
    [
      "CreateAlias",
      (kms: ReturnType<typeof createKms>) => kms.createAlias("eu-west-1", "alias/a", PRIMARY_ARN),
    ],
    [
      "GetParametersForImport",
      (kms: ReturnType<typeof createKms>) =>
        kms.getParametersForImport("eu-west-1", PRIMARY_ARN, {
          algorithm: "RSAES_OAEP_SHA_256",
          keySpec: "RSA_2048",
        }),
    ],
    [
      "RotateKeyOnDemand",
      (kms: ReturnType<typeof createKms>) => kms.rotateKeyOnDemand("us-east-1", PRIMARY_ARN),
    ],
    ["EnableKey", (kms: ReturnType<typeof createKms>) => kms.enableKey("eu-west-1", PRIMARY_ARN)],
    [
      "ScheduleKeyDeletion",
      (kms: ReturnType<typeof createKms>) => kms.scheduleKeyDeletion("eu-west-1", PRIMARY_ARN, 7),
    ],
    [
      "CancelKeyDeletion",
      (kms: ReturnType<typeof createKms>) => kms.cancelKeyDeletion("eu-west-1", PRIMARY_ARN),
    ],
  ])("refuses %s after the deadline", async (operation, call) => {
    // GIVEN a deadline that has passed, and a client that would answer anything
    kmsMock.onAnyCommand().resolves({});
    const kms = createKms({ clientFor: () => client, retry: TINY, deadline: performance.now() - 1 });
    // WHEN
    const error = await rejection(call(kms));
    // THEN
    expect(error).toBeInstanceOf(NotSentError);
    expect((error as NotSentError).call.operation).toBe(operation);
    expect(kmsMock.calls()).toHaveLength(0);
  });

  it("drops a write waiting in the quota book when the deadline passes, and sends it never", async () => {
    // GIVEN one UpdatePrimaryRegion every 2 s, the first call sent, and a deadline 300 ms away
    kmsMock.on(UpdatePrimaryRegionCommand).resolves({});
    const quotas = createQuotaBook({ overrides: { UpdatePrimaryRegion: 0.5 } });
    const started = performance.now();
    const kms = createKms({ clientFor: () => client, retry: TINY, quotas, deadline: started + 300 });
    await kms.updatePrimaryRegion("us-east-1", PRIMARY_ARN, "eu-west-1");
    // WHEN a second one waits for its slot (about 2 s away)
    const error = await rejection(kms.updatePrimaryRegion("us-east-1", PRIMARY_ARN, "eu-west-1"));
    // THEN it is dropped at the deadline, not sent when its slot came
    const waited = performance.now() - started;
    expect(isNotSent(error)).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1_800);
    expect(kmsMock.commandCalls(UpdatePrimaryRegionCommand)).toHaveLength(1);
    expect(quotas.waiting()).toBe(0);
  });

  it("does not sleep a retry's backoff that could cross the deadline: NotSentError after the attempt sent", async () => {
    // GIVEN a throttled attempt, a backoff of at least 5 s, and a deadline 2 s away
    kmsMock.on(TagResourceCommand).rejectsOnce(awsFailure("ThrottlingException")).resolves({});
    const slow: RetryPolicy = {
      retries: 3,
      minTimeout: 5_000,
      factor: 2,
      maxTimeout: 10_000,
      randomize: false,
    };
    const started = performance.now();
    const kms = createKms({ clientFor: () => client, retry: slow, deadline: started + 2_000 });
    // WHEN
    const error = await rejection(
      kms.tagResource("eu-west-1", PRIMARY_ARN, [{ TagKey: "a", TagValue: "b" }]),
    );
    // THEN at once, not after the pause: a NotSentError that says one attempt was sent, and how it ended
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(NotSentError);
    const refused = error as NotSentError;
    expect(refused.call.sentBefore).toBe(1);
    expect(errorFacts(refused.call.lastError).name).toBe("ThrottlingException");
    expect(neverSent(error)).toBe(false);
    expect(kmsMock.commandCalls(TagResourceCommand)).toHaveLength(1);
  });

  it("still retries a write whose backoff ends well before the deadline", async () => {
    // GIVEN a throttled attempt, 1 ms of backoff, and a deadline a minute away
    kmsMock.on(TagResourceCommand).rejectsOnce(awsFailure("ThrottlingException")).resolves({});
    const kms = createKms({ clientFor: () => client, retry: TINY, deadline: performance.now() + 60_000 });
    // WHEN / THEN
    await kms.tagResource("eu-west-1", PRIMARY_ARN, [{ TagKey: "a", TagValue: "b" }]);
    expect(kmsMock.commandCalls(TagResourceCommand)).toHaveLength(2);
  });
});
