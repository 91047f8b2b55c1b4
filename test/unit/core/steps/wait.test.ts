import { DescribeKeyCommand, KMSClient, type KeyMetadata, type KeyState } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, it, expect, vi } from "vitest";
import { CreatingTimes, type PollSchedule } from "../../../../src/aws/backoff.js";
import type { ReplicaEvent } from "../../../../src/core/events.js";
import { createKms } from "../../../../src/aws/client.js";
import type { KmsPort } from "../../../../src/aws/kms.js";
import {
  followReplica,
  IMPORT_NOTE,
  settleState,
  type Follow,
  type WaitSettings,
} from "../../../../src/core/steps/wait.js";
import { awsFailure, fakeKms, TINY_POLL, waitSettings } from "../../../support/fake-kms.js";
import { KEY_ID } from "../../../support/fixtures.js";

const REPLICA_ARN = `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`;

/** DescribeKey answers, in turn: a KeyState, or an error to throw. The last one repeats. */
function scripted(...answers: (KeyState | Error)[]): ReturnType<typeof vi.fn<KmsPort["describeKey"]>> {
  let n = 0;
  return vi.fn<KmsPort["describeKey"]>(() => {
    const answer = answers[Math.min(n, answers.length - 1)];
    n += 1;
    if (answer instanceof Error) return Promise.reject(answer);
    const metadata: KeyMetadata = { KeyId: KEY_ID, Arn: REPLICA_ARN, KeyState: answer };
    return Promise.resolve(metadata);
  });
}

function settings(
  describeKey: KmsPort["describeKey"],
  overrides: Partial<WaitSettings> = {},
): { settings: WaitSettings; events: ReplicaEvent[] } {
  const { settings: base, events } = waitSettings(fakeKms({ describeKey }));
  return { events, settings: { ...base, ...overrides } };
}

function follow(overrides: Partial<Follow> = {}): Follow {
  return {
    keyId: KEY_ID,
    region: "eu-west-1",
    arn: REPLICA_ARN,
    requested: true,
    changes: [{ op: "replicate" }],
    knownState: "Creating",
    since: performance.now(),
    ...overrides,
  };
}

describe("followReplica", () => {
  it("follows Creating → Enabled and reports the Region created", async () => {
    // GIVEN ReplicateKey answered Creating; DescribeKey says Creating once more, then Enabled
    const describeKey = scripted("Creating", "Enabled");
    const { settings: s, events } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN
    expect(result).toMatchObject({
      region: "eu-west-1",
      outcome: "done",
      keyState: "Enabled",
      arn: REPLICA_ARN,
    });
    expect(result.note).toBeUndefined();
    expect(describeKey).toHaveBeenCalledTimes(2);
    expect(describeKey).toHaveBeenCalledWith("eu-west-1", REPLICA_ARN, expect.any(AbortSignal));
    expect(events).toEqual([
      { type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "creating", keyState: "Creating" },
      { type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "creating", keyState: "Enabled" },
    ]);
  });

  it("reports an existing replica as exists, describing it at once when its state is unknown", async () => {
    // GIVEN
    const describeKey = scripted("Enabled");
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow({ requested: false, changes: [], knownState: undefined }), s);
    // THEN
    expect(result).toMatchObject({ outcome: "unchanged", keyState: "Enabled" });
    expect(describeKey).toHaveBeenCalledTimes(1);
  });

  it("does not poll at all when the known state is already final", async () => {
    // GIVEN
    const describeKey = scripted("Creating");
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow({ knownState: "Enabled" }), s);
    // THEN
    expect(result.outcome).toBe("done");
    expect(describeKey).not.toHaveBeenCalled();
  });

  it("follows Creating → PendingImport, with a note about importing the key material", async () => {
    // GIVEN
    const { settings: s } = settings(scripted("Creating", "PendingImport"));
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN
    expect(result).toMatchObject({ outcome: "done", keyState: "PendingImport" });
    expect(result.note).toBe(IMPORT_NOTE);
    expect(result.note).toContain("kms-replicate import-material");
  });

  it("tolerates NotFoundException within the grace period, then sees Enabled", async () => {
    // GIVEN a replica not visible in its Region yet
    const describeKey = scripted(awsFailure("NotFoundException"), awsFailure("NotFoundException"), "Enabled");
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN
    expect(result).toMatchObject({ outcome: "done", keyState: "Enabled" });
    expect(describeKey).toHaveBeenCalledTimes(3);
  });

  it("fails on NotFoundException beyond the grace period, saying the requested replica never became visible", async () => {
    // GIVEN a replica requested 61 s ago that still cannot be found
    const describeKey = scripted(awsFailure("NotFoundException"), "Enabled");
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow({ since: performance.now() - 61_000 }), s);
    // THEN not the NotFoundException advice about --key: the key is fine, the replica is not visible
    if (result.outcome !== "failed") throw new Error(`expected failed, got ${result.outcome}`);
    expect(result.error.name).toBe("ReplicaNotVisible");
    expect(result.error.message).toMatch(
      /^ReplicateKey was accepted, but the replica was not visible in eu-west-1 after 6\d s/,
    );
    expect(result.error.hint).toMatch(/kms-replicate wait/);
    expect(result.error.hint).not.toMatch(/--key/);
    expect(describeKey).toHaveBeenCalledTimes(1);
  });

  it("keeps the NotFoundException advice for a replica this run did not request", async () => {
    // GIVEN a replica the primary lists, found 61 s ago, not found in its Region
    const describeKey = scripted(awsFailure("NotFoundException"));
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(
      follow({ requested: false, changes: [], since: performance.now() - 61_000 }),
      s,
    );
    // THEN
    expect(result.outcome === "failed" && result.error.name).toBe("NotFoundException");
  });

  it("honours a shorter notFoundGraceMs", async () => {
    // GIVEN
    const describeKey = scripted(awsFailure("NotFoundException"), "Enabled");
    const { settings: s } = settings(describeKey, { notFoundGraceMs: 0 });
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN
    expect(result.outcome).toBe("failed");
  });

  it("keeps polling through KMSInvalidStateException", async () => {
    // GIVEN
    const describeKey = scripted(
      awsFailure("KMSInvalidStateException"),
      awsFailure("KMSInvalidStateException"),
      "Enabled",
    );
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow({ since: performance.now() - 600_000 }), s);
    // THEN
    expect(result).toMatchObject({ outcome: "done", keyState: "Enabled" });
    expect(describeKey).toHaveBeenCalledTimes(3);
  });

  it("fails only that Region on AccessDeniedException, keeping the last known state", async () => {
    // GIVEN
    const describeKey = scripted("Creating", awsFailure("AccessDeniedException"));
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN
    if (result.outcome !== "failed") throw new Error(`expected failed, got ${result.outcome}`);
    expect(result.keyState).toBe("Creating");
    expect(result.error.name).toBe("AccessDeniedException");
    expect(result.error.hint).toContain("kms:DescribeKey in eu-west-1");
    expect(describeKey).toHaveBeenCalledTimes(2);
  });

  it("times out on a replica that never leaves Creating, saying it may still finish (the closing lines give the command that picks it up)", async () => {
    // GIVEN a 40 ms deadline
    const describeKey = scripted("Creating");
    const { settings: s } = settings(describeKey, { deadline: performance.now() + 40 });
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN
    expect(result).toMatchObject({ outcome: "timeout", keyState: "Creating", arn: REPLICA_ARN });
    expect(result.note).toMatch(/may still finish/);
    // No command without the run's values: the renderer prints the one to paste.
    expect(result.note).not.toMatch(/kms-replicate/);
    expect(describeKey.mock.calls.length).toBeGreaterThan(1);
  });

  it("begun after the deadline: one look, so what is there is reported as it is", async () => {
    // GIVEN a deadline already passed, and a replica that is Enabled
    const describeKey = scripted("Enabled");
    const { settings: s } = settings(describeKey, { deadline: performance.now() - 1 });
    // WHEN a wait begins that knows nothing of its state yet
    const result = await followReplica(follow({ knownState: undefined, requested: false, changes: [] }), s);
    // THEN one DescribeKey, and the replica as it is
    expect(result).toMatchObject({ outcome: "unchanged", keyState: "Enabled" });
    expect(describeKey).toHaveBeenCalledTimes(1);
  });

  it("begun after the deadline, still Creating: one look, then timeout with the state seen", async () => {
    const describeKey = scripted("Creating");
    const { settings: s } = settings(describeKey, { deadline: performance.now() - 1 });
    const result = await followReplica(follow(), s);
    expect(result).toMatchObject({ outcome: "timeout", keyState: "Creating" });
    expect(describeKey).toHaveBeenCalledTimes(1);
  });

  it("spaces the starts of the polls by the schedule, so slow answers do not slow the polling", async () => {
    // GIVEN polls 300 ms apart, and a DescribeKey that takes 200 ms to answer
    const starts: number[] = [];
    let n = 0;
    const describeKey = vi.fn<KmsPort["describeKey"]>(async () => {
      starts.push(performance.now());
      n += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { KeyId: KEY_ID, Arn: REPLICA_ARN, KeyState: n < 4 ? "Creating" : "Enabled" };
    });
    const steady: PollSchedule = { ...TINY_POLL, initialMs: 300, minCapMs: 300, maxCapMs: 300 };
    const { settings: s } = settings(describeKey, { schedule: steady });
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN 300 ms from start to start (not 300 ms of sleep after each 200 ms answer)
    expect(result.outcome).toBe("done");
    expect(starts).toHaveLength(4);
    for (let i = 1; i < starts.length; i += 1) {
      const gap = (starts[i] ?? 0) - (starts[i - 1] ?? 0);
      expect(gap).toBeGreaterThanOrEqual(295);
      expect(gap).toBeLessThan(450);
    }
  });

  it("still pauses after an answer slower than the interval", async () => {
    // GIVEN polls 200 ms apart, and a DescribeKey that takes 300 ms to answer
    const ends: number[] = [];
    const starts: number[] = [];
    let n = 0;
    const describeKey = vi.fn<KmsPort["describeKey"]>(async () => {
      starts.push(performance.now());
      n += 1;
      await new Promise((resolve) => setTimeout(resolve, 300));
      ends.push(performance.now());
      return { KeyId: KEY_ID, Arn: REPLICA_ARN, KeyState: n < 3 ? "Creating" : "Enabled" };
    });
    const steady: PollSchedule = { ...TINY_POLL, initialMs: 200, minCapMs: 200, maxCapMs: 200 };
    const { settings: s } = settings(describeKey, { schedule: steady });
    // WHEN
    await followReplica(follow(), s);
    // THEN at least a quarter of the interval between an answer and the next poll
    expect(starts).toHaveLength(3);
    for (let i = 1; i < starts.length; i += 1) {
      expect((starts[i] ?? 0) - (ends[i - 1] ?? 0)).toBeGreaterThanOrEqual(45);
    }
  });

  it("stops at once when interrupted while sleeping, with the last known state", async () => {
    // GIVEN a long poll delay, and Ctrl-C 20 ms in
    const controller = new AbortController();
    const describeKey = scripted("Creating");
    const slow: PollSchedule = { ...TINY_POLL, initialMs: 60_000, minCapMs: 60_000, maxCapMs: 60_000 };
    const { settings: s } = settings(describeKey, { signal: controller.signal, schedule: slow });
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN
    expect(result).toMatchObject({ outcome: "interrupted", keyState: "Creating" });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(describeKey).not.toHaveBeenCalled();
  });

  it("reports interrupted when DescribeKey is aborted, with the last known state", async () => {
    // GIVEN
    const controller = new AbortController();
    let n = 0;
    const describeKey = vi.fn<KmsPort["describeKey"]>(() => {
      n += 1;
      if (n === 1) return Promise.resolve({ KeyId: KEY_ID, KeyState: "Creating" });
      controller.abort();
      return Promise.reject(controller.signal.reason as Error);
    });
    const { settings: s } = settings(describeKey, { signal: controller.signal });
    // WHEN
    const result = await followReplica(follow({ knownState: undefined }), s);
    // THEN
    expect(result).toMatchObject({ outcome: "interrupted", keyState: "Creating" });
  });
});

describe("followReplica: learning where a Region's replicas settle", () => {
  it("looks first where its Region's replicas settled, then a step later", async () => {
    // GIVEN three replicas of eu-west-1 that were last seen Creating at 100 ms and settled by 2 s:
    // a window from 100 ms to 2 s, in steps of 200 ms (minStepMs)
    const creatingTimes = new CreatingTimes({ minStepMs: 200, schedule: TINY_POLL });
    for (let i = 0; i < 3; i += 1) creatingTimes.record("eu-west-1", 100, 2_000);
    expect(creatingTimes.window("eu-west-1")).toEqual({ fromMs: 100, toMs: 2_000, stepMs: 200 });
    const since = performance.now();
    const lookedAt: number[] = [];
    const answers = scripted("Creating", "Enabled");
    const describeKey = vi.fn<KmsPort["describeKey"]>((...args) => {
      lookedAt.push(performance.now() - since);
      return answers(...args);
    });
    const { settings: s } = settings(describeKey, { creatingTimes });
    // WHEN a new replica there is followed (its own schedule would look every 1 ms)
    const result = await followReplica(follow({ since }), s);
    // THEN its first look waited for the window, the second for a step. (Node counts a timer from
    // the event loop's time, which a busy loop has not updated for some ms: a timer can fire that
    // much early by performance.now(), hence the slack; the look is then still the window's first.)
    expect(result).toMatchObject({ outcome: "done", keyState: "Enabled" });
    expect(lookedAt).toHaveLength(2);
    expect(lookedAt[0]).toBeGreaterThanOrEqual(80);
    expect((lookedAt[1] ?? 0) - (lookedAt[0] ?? 0)).toBeGreaterThanOrEqual(150);
  });

  it("teaches the Region only what replicas this run requested show", async () => {
    // GIVEN
    const requested = new CreatingTimes({ schedule: TINY_POLL });
    const found = new CreatingTimes({ schedule: TINY_POLL });
    // WHEN three replicas this run requested settle, and three it found Creating (`wait`)
    for (let i = 0; i < 3; i += 1) {
      const a = settings(scripted("Creating", "Enabled"), { creatingTimes: requested });
      await followReplica(follow({ since: performance.now() }), a.settings);
      const b = settings(scripted("Creating", "Enabled"), { creatingTimes: found });
      await followReplica(follow({ requested: false, changes: [], since: performance.now() }), b.settings);
    }
    // THEN only the first know where replicas settle (how long a found one was Creating is unknown)
    expect(requested.window("eu-west-1")).toBeDefined();
    expect(found.window("eu-west-1")).toBeUndefined();
  });
});

describe("settleState", () => {
  const who: Follow = {
    keyId: KEY_ID,
    region: "eu-west-1",
    arn: REPLICA_ARN,
    requested: false,
    changes: [],
    since: 0,
  };

  it.each([
    { state: "Enabled", outcome: "unchanged" },
    { state: "PendingImport", outcome: "unchanged" },
  ])("$state is usable: $outcome", ({ state, outcome }) => {
    // GIVEN / WHEN
    const result = settleState(who, state, 1234);
    // THEN
    expect(result).toMatchObject({ outcome, keyState: state, elapsedMs: 1234, arn: REPLICA_ARN });
  });

  it.each([
    {
      state: "PendingDeletion",
      name: "ReplicaPendingDeletion",
      hint: /kms-replicate cancel-deletion --key .* --regions eu-west-1/,
    },
    {
      state: "PendingReplicaDeletion",
      name: "ReplicaPendingDeletion",
      hint: /scheduled for deletion with its family/,
    },
    { state: "Disabled", name: "ReplicaDisabled", hint: /enable-key --region eu-west-1/ },
    { state: "Unavailable", name: "UnexpectedKeyState", hint: /status/ },
  ])("$state fails the Region as $name", ({ state, name, hint }) => {
    // GIVEN / WHEN
    const result = settleState(who, state, 0);
    // THEN
    if (result.outcome !== "failed") throw new Error(`expected failed, got ${result.outcome}`);
    expect(result.keyState).toBe(state);
    expect(result.error.name).toBe(name);
    expect(result.error.message).toBe(`The replica in eu-west-1 is ${state}.`);
    expect(result.error.hint).toMatch(hint);
  });
});

describe("followReplica under throttling", () => {
  it("keeps polling when DescribeKey stays throttled beyond its own retries, then reports Enabled", async () => {
    // GIVEN two polls whose retries were exhausted by throttling and a 503, then Enabled
    const describeKey = scripted(
      awsFailure("ThrottlingException"),
      awsFailure("ServiceUnavailable", 503),
      "Enabled",
    );
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN the Region is not failed: the replica was fine all along
    expect(result.outcome).toBe("done");
    expect(result.keyState).toBe("Enabled");
    expect(describeKey).toHaveBeenCalledTimes(3);
  });

  it("does not keep polling on a non-retryable error", async () => {
    // GIVEN AccessDenied in the replica's Region
    const describeKey = scripted(awsFailure("AccessDeniedException"), "Enabled");
    const { settings: s } = settings(describeKey);
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN that Region fails at once
    expect(result.outcome).toBe("failed");
    expect(describeKey).toHaveBeenCalledTimes(1);
  });
});

describe("followReplica: the deadline is a wall-clock bound", () => {
  /** The real port over a mocked client, its retry layer backing off 1 s between attempts. */
  function slowRetryKms(): { kms: KmsPort; mock: ReturnType<typeof mockClient> } {
    const mock = mockClient(KMSClient);
    const client = new KMSClient({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: "s" },
    });
    mock.on(DescribeKeyCommand).rejects(awsFailure("KMSInternalException", 500));
    const kms = createKms({
      clientFor: () => client,
      retry: { retries: 6, minTimeout: 1_000, factor: 1, maxTimeout: 1_000, randomize: false },
    });
    return { kms, mock };
  }

  it("cuts a poll whose retries outlast the deadline, and says what the calls answered", async () => {
    // GIVEN every DescribeKey answers 500; the retries alone would take 6 s; a 300 ms deadline
    const { kms, mock } = slowRetryKms();
    const { settings: s } = waitSettings(kms);
    const started = performance.now();
    // WHEN
    const result = await followReplica(follow({ knownState: undefined }), { ...s, deadline: started + 300 });
    const took = performance.now() - started;
    mock.restore();
    // THEN a timeout (not interrupted, not failed) at the deadline, naming the error it got
    expect(result).toMatchObject({ outcome: "timeout", keyState: undefined });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1_000);
    expect(result.note).toMatch(
      /^DescribeKey never answered with the replica's state: KMSInternalException \(HTTP 500\)\. /,
    );
    expect(result.note).not.toMatch(/Still Creating/);
    expect(mock.commandCalls(DescribeKeyCommand)).toHaveLength(1);
  });

  it("a poll that never answers: the note says the endpoint did not answer, after the state last seen", async () => {
    // (a poll cut within a second of its start is an ordinary round trip: see the e2e stuck-in-Creating test)
    // GIVEN ReplicateKey said Creating; every DescribeKey hangs until its signal aborts
    const describeKey = vi.fn<KmsPort["describeKey"]>(
      (_region, _key, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
        }),
    );
    const { settings: s } = settings(describeKey, { deadline: performance.now() + 1_200 });
    // WHEN
    const result = await followReplica(follow(), s);
    // THEN
    expect(result).toMatchObject({ outcome: "timeout", keyState: "Creating" });
    expect(result.note).toMatch(
      /^Still Creating when the timeout ran out\. The last DescribeKey had not answered after 1\.\d s \(the endpoint did not answer\)\./,
    );
  });

  it("still fires after a garbage collection (AbortSignal.any holds its sources weakly)", async () => {
    // GIVEN a DescribeKey that answers only when its signal aborts, and a GC before the deadline
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const describeKey = vi.fn<KmsPort["describeKey"]>(
      (_region, _key, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
        }),
    );
    const { settings: s } = settings(describeKey, { deadline: performance.now() + 300 });
    setTimeout(gc, 50);
    setTimeout(gc, 150);
    // WHEN
    const result = await Promise.race([
      followReplica(follow({ knownState: undefined }), s),
      new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 3_000)),
    ]);
    // THEN
    expect(result).not.toBe("hung");
    expect(result).toMatchObject({ outcome: "timeout" });
    if (result === "hung") return;
    expect(result.note).toMatch(
      /^The timeout ran out before DescribeKey answered, so the replica's state was never read\./,
    );
  });

  it("a wait that never read a state says what DescribeKey answered, not 'Still Creating'", async () => {
    // GIVEN every poll's retries end in 500
    const describeKey = scripted(awsFailure("KMSInternalException", 500));
    const { settings: s } = settings(describeKey, { deadline: performance.now() + 40 });
    // WHEN
    const result = await followReplica(follow({ knownState: undefined }), s);
    // THEN
    expect(result.outcome).toBe("timeout");
    expect(result.note).toMatch(
      /^DescribeKey never answered with the replica's state: KMSInternalException \(HTTP 500\) ×\d+\. It may exist/,
    );
  });

  it("a wait that read Creating, then only errors, says both", async () => {
    // GIVEN
    const describeKey = scripted("Creating", awsFailure("ThrottlingException"));
    const { settings: s } = settings(describeKey, { deadline: performance.now() + 40 });
    // WHEN
    const result = await followReplica(follow({ knownState: undefined }), s);
    // THEN
    expect(result).toMatchObject({ outcome: "timeout", keyState: "Creating" });
    expect(result.note).toMatch(
      /^Still Creating when the timeout ran out\. Since then, DescribeKey failed: ThrottlingException \(HTTP 400\)( ×\d+)?\. It may still finish/,
    );
  });

  it("adds no abort listener to the run's signal, however many Regions wait at once", async () => {
    // GIVEN 20 Regions polling at the same time on one run signal
    const run = new AbortController();
    let most = 0;
    const describeKey = scripted("Creating", "Creating", "Enabled");
    const counting = vi.fn<KmsPort["describeKey"]>(async (...args) => {
      most = Math.max(most, getEventListeners(run.signal, "abort").length);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return describeKey(...args);
    });
    const { settings: s } = settings(counting, { signal: run.signal });
    // WHEN
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => followReplica(follow({ region: `eu-west-${i + 1}` }), s)),
    );
    // THEN each wait listens on its own signal, not the run's; Ctrl-C still reaches it (tests above)
    expect(results.every((r) => r.outcome === "done")).toBe(true);
    expect(most).toBe(0);
    expect(counting.mock.calls.every(([, , signal]) => signal !== run.signal)).toBe(true);
  });
});
