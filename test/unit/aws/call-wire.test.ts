// What reached the wire, with the real SDK client against the local KMS endpoint over HTTP: a
// failed call says whether its request left the process and got no answer, and after the run's
// deadline a write still waiting for a socket is refused on it and never reaches KMS.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { RetryPolicy } from "../../../src/aws/backoff.js";
import { KmsCallError } from "../../../src/core/call-error.js";
import { NotSentError, mayHaveBeenApplied, neverSent, describeError } from "../../../src/core/errors.js";
import { createKms } from "../../../src/aws/client.js";
import { createQuotaBook } from "../../../src/aws/quota-book.js";
import type { QuotaBook } from "../../../src/aws/quotas.js";
import { startKmsLocal, type KmsLocal } from "../../support/local-kms/server.js";

const FAST: RetryPolicy = {
  retries: 6,
  timeoutRetries: 1,
  minTimeout: 1,
  factor: 1,
  maxTimeout: 1,
  randomize: false,
};

let local: KmsLocal;
let arn: string;
beforeAll(async () => {
  local = await startKmsLocal();
});
afterAll(async () => {
  await local.stop();
});
beforeEach(() => {
  local.reset();
  arn = String(local.createKey("us-east-1", { MultiRegion: true }).Arn);
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDWIRE");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "wire-secret");
  vi.stubEnv("AWS_PROFILE", "");
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

const until = async (test: () => boolean): Promise<void> => {
  for (let i = 0; i < 1_000 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(test()).toBe(true);
};

describe("in flight means sent", () => {
  it("a Ctrl-C that catches a write still waiting for its quota slot: not sent, nothing changed", async () => {
    // GIVEN one TagResource every 2 s in the book, and the first one sent
    const kms = createKms({
      endpointUrl: local.url,
      retry: FAST,
      quotas: createQuotaBook({ overrides: { TagResource: 0.5 } }),
    });
    await kms.tagResource("us-east-1", arn, [{ TagKey: "a", TagValue: "1" }]);
    const controller = new AbortController();
    const second = rejection(
      kms.tagResource("us-east-1", arn, [{ TagKey: "b", TagValue: "2" }], controller.signal),
    );
    // WHEN Ctrl-C comes while it waits for its slot
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    const error = await second;
    // THEN it says its request never left: nothing can have changed
    expect(error).toBeInstanceOf(KmsCallError);
    expect((error as KmsCallError).call.wire).toEqual({ sent: false, unanswered: false });
    expect(neverSent(error)).toBe(true);
    expect(mayHaveBeenApplied(error)).toBe(false);
    expect(local.callCount("us-east-1", "TagResource")).toBe(1);
  });

  it("a Ctrl-C that catches a write sent and not answered: it may have been carried out", async () => {
    // GIVEN an endpoint that takes TagResource and never answers
    local.configure({ faults: [{ operation: "TagResource", stall: true }] });
    const kms = createKms({ endpointUrl: local.url, retry: FAST });
    const controller = new AbortController();
    const call = rejection(
      kms.tagResource("us-east-1", arn, [{ TagKey: "a", TagValue: "1" }], controller.signal),
    );
    // WHEN Ctrl-C comes once the endpoint has it
    await until(() => local.callCount("us-east-1", "TagResource") === 1);
    controller.abort();
    const error = await call;
    // THEN it was sent, and no answer came: it may have been carried out
    expect((error as KmsCallError).call.wire).toEqual({ sent: true, unanswered: true });
    expect(mayHaveBeenApplied(error)).toBe(true);
  });

  it("a write answered with an error was sent and answered: the message does not say it may have run", async () => {
    // GIVEN an endpoint that refuses TagResource
    local.configure({ faults: [{ operation: "TagResource", accessDenied: true }] });
    const kms = createKms({ endpointUrl: local.url, retry: FAST });
    // WHEN
    const error = await rejection(kms.tagResource("us-east-1", arn, [{ TagKey: "a", TagValue: "1" }]));
    // THEN
    expect((error as KmsCallError).call.wire).toEqual({ sent: true, unanswered: false });
    expect(mayHaveBeenApplied(error)).toBe(false);
  });

  it("a connection refused before anything was written says the request was not carried out", async () => {
    // GIVEN an endpoint that is not there (a port nothing listens on)
    const stopped = await startKmsLocal();
    const url = stopped.url;
    await stopped.stop();
    const kms = createKms({ endpointUrl: url, retry: { ...FAST, retries: 0 } });
    // WHEN
    const error = await rejection(kms.tagResource("us-east-1", arn, [{ TagKey: "a", TagValue: "1" }]));
    // THEN nothing left the process
    expect(neverSent(error)).toBe(true);
    expect(describeError(error, { operation: "TagResource", region: "us-east-1" }).name).toBe("ECONNREFUSED");
  });
});

describe("the deadline at the socket", () => {
  it("a write waiting in the HTTP agent's queue when the deadline passes is refused on its socket and never reaches KMS", async () => {
    // GIVEN an endpoint that holds every TagResource, and 50 of them (the client's sockets) in
    // flight, quotas out of the way; the deadline 1 s away, each attempt cut after 1.5 s of silence
    local.configure({ faults: [{ operation: "TagResource", stall: true }] });
    const started = performance.now();
    const kms = createKms({
      endpointUrl: local.url,
      retry: FAST,
      timeouts: { connectMs: 1_000, readMs: 1_500 },
      quotas: createQuotaBook({ overrides: { TagResource: 10_000 } }),
      deadline: started + 1_000,
    });
    const tag = (n: number): Promise<unknown> =>
      rejection(kms.tagResource("us-east-1", arn, [{ TagKey: `t${n}`, TagValue: "1" }]));
    const holding = Array.from({ length: 50 }, (_, n) => tag(n));
    await until(() => local.callCount("us-east-1", "TagResource") === 50);
    // WHEN a 51st is given to the agent: it waits for a socket until one of the 50 times out
    const queued = tag(50);
    const [last, ...first] = await Promise.all([queued, ...holding]);
    // THEN it was refused when it got its socket, after the deadline, and never sent
    expect(last).toBeInstanceOf(NotSentError);
    expect(neverSent(last)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    // …the 50 sent ones were not retried after the deadline: each says it was sent and not answered
    for (const error of first) {
      expect(error).toBeInstanceOf(NotSentError);
      expect((error as NotSentError).call).toMatchObject({ sentBefore: 1, unanswered: true });
    }
    // …and the endpoint received the 50, nothing more
    expect(local.callCount("us-east-1", "TagResource")).toBe(50);
  });
});

describe("a call's quota slots count from when its request left", () => {
  it("a request that waits for a socket tells the book when it leaves, not when its slot was taken", async () => {
    // GIVEN an endpoint that holds every TagResource, 50 of them (the client's sockets) in flight,
    // each cut after 1 s of silence, and a book that records each attempt's grant and sent()
    local.configure({ faults: [{ operation: "TagResource", stall: true }] });
    const book = createQuotaBook({ overrides: { TagResource: 10_000 } });
    const attempts: { granted: number; sent: number[]; countFromSent: boolean | undefined }[] = [];
    const quotas: QuotaBook = {
      ...book,
      acquire: async (costs, signal, options) => {
        const release = await book.acquire(costs, signal, options);
        const attempt = {
          granted: performance.now(),
          sent: [] as number[],
          countFromSent: options?.countFromSent,
        };
        attempts.push(attempt);
        const sent = (): void => {
          attempt.sent.push(performance.now());
          release.sent?.();
        };
        return Object.assign(() => release(), { sent });
      },
    };
    const kms = createKms({
      endpointUrl: local.url,
      retry: { ...FAST, retries: 0 },
      timeouts: { connectMs: 1_000, readMs: 1_000 },
      quotas,
    });
    const tag = (n: number): Promise<unknown> =>
      rejection(kms.tagResource("us-east-1", arn, [{ TagKey: `t${n}`, TagValue: "1" }]));
    const holding = Array.from({ length: 50 }, (_, n) => tag(n));
    await until(() => local.callCount("us-east-1", "TagResource") === 50);
    // WHEN a 51st gets its slot at once, and waits for a socket until one of the 50 is cut
    const queued = tag(50);
    await Promise.all([queued, ...holding]);
    // THEN every attempt asked to count from its request's leaving, and said so once, when it left
    expect(attempts).toHaveLength(51);
    expect(attempts.every((a) => a.countFromSent === true && a.sent.length === 1)).toBe(true);
    // …the 51st left when it had a socket, long after its slot was taken
    const last = attempts[50];
    expect((last?.sent[0] ?? 0) - (last?.granted ?? 0)).toBeGreaterThanOrEqual(500);
    expect(local.callCount("us-east-1", "TagResource")).toBe(51);
  });
});
