// The real SDK client against the local KMS endpoint over HTTP: timeouts that fire, aborts that
// interrupt, clock skew corrected and retried once, and no SDK log line on the console.
import { spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { RetryPolicy } from "../../../src/aws/backoff.js";
import { describeError } from "../../../src/core/errors.js";
import type { ReplicaEvent } from "../../../src/core/events.js";
import { attemptsOf } from "../../../src/core/call-error.js";
import { createKms } from "../../../src/aws/client.js";
import { startKmsLocal, type KmsLocal } from "../../support/local-kms/server.js";

/** Retries as the default policy counts them (6, one after a timeout), 1 ms apart. */
const FAST: RetryPolicy = {
  retries: 6,
  timeoutRetries: 1,
  minTimeout: 1,
  factor: 1,
  maxTimeout: 1,
  randomize: false,
};
const SHORT = { connectMs: 1_000, readMs: 400 };

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
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDTRANSPORT");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "transport-secret");
  vi.stubEnv("AWS_PROFILE", "");
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function setup(policy: RetryPolicy = FAST, timeouts = SHORT) {
  const events: ReplicaEvent[] = [];
  const kms = createKms({ endpointUrl: local.url, retry: policy, timeouts, emit: (e) => events.push(e) });
  return { kms, events };
}

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("every attempt ends", () => {
  it("a stalled answer is cut at the read timeout, retried once, and reported as ReadTimeout", async () => {
    // GIVEN an endpoint that accepts every DescribeKey and never answers
    local.configure({ faults: [{ operation: "DescribeKey", stall: true }] });
    const warn = vi.spyOn(console, "warn");
    const error = vi.spyOn(console, "error");
    const { kms, events } = setup();
    const started = performance.now();
    // WHEN
    const failure = await rejection(kms.describeKey("us-east-1", arn));
    // THEN two attempts of about 0.4 s each, not seven, and not forever
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(700);
    expect(elapsed).toBeLessThan(5_000);
    expect(local.calls({ operation: "DescribeKey" }).map((c) => c.fault)).toEqual(["stall", "stall"]);
    expect(attemptsOf(failure)).toBe(2);
    expect(events.flatMap((e) => (e.type === "call" ? [[e.errorName, e.willRetry]] : []))).toEqual([
      ["ReadTimeout", true],
      ["ReadTimeout", false],
    ]);
    const report = describeError(failure, { operation: "DescribeKey", region: "us-east-1" });
    expect(report.message).toBe(
      `KMS in us-east-1 (${local.url}) did not answer within 0.4 s (--cli-read-timeout).`,
    );
    // and the SDK printed nothing of its own
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it("a connection closed after the work was done is ConnectionClosed, and retried", async () => {
    // GIVEN the first ReplicateKey creates the replica, then loses its answer
    local.configure({ faults: [{ operation: "ReplicateKey", processThenDrop: { count: 1 } }] });
    const { kms, events } = setup();
    // WHEN
    const failure = await rejection(
      kms.replicateKey("us-east-1", { KeyId: arn, ReplicaRegion: "eu-west-1" }),
    );
    // THEN the retry meets the replica the lost request created
    expect(events.flatMap((e) => (e.type === "call" ? [e.errorName] : []))).toEqual([
      "ConnectionClosed",
      "AlreadyExistsException",
    ]);
    expect((failure as Error).name).toBe("AlreadyExistsException");
    expect(local.keys("eu-west-1")).toHaveLength(1);
  });

  it("a timeout sleeping between retries or in flight is cut by the caller's signal", async () => {
    // GIVEN a stalled endpoint and generous timeouts
    local.configure({ faults: [{ operation: "DescribeKey", stall: true }] });
    const { kms } = setup(FAST, { connectMs: 10_000, readMs: 30_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    // WHEN
    const failure = await rejection(kms.describeKey("us-east-1", arn, controller.signal));
    // THEN the attempt in flight ended at the abort, and nothing was retried
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((failure as Error).name).toBe("AbortError");
    expect(local.callCount(undefined, "DescribeKey")).toBe(1);
  });

  it("an abort during p-retry's sleep ends the call at once", async () => {
    // GIVEN throttling and a 20 s sleep before the retry
    local.configure({ faults: [{ operation: "DescribeKey", throttle: { count: 5 } }] });
    const { kms } = setup({
      retries: 6,
      minTimeout: 20_000,
      factor: 1,
      maxTimeout: 20_000,
      randomize: false,
    });
    const started = performance.now();
    // WHEN aborted by a deadline (AbortSignal.timeout, as a wall-clock --timeout would)
    const failure = await rejection(kms.describeKey("us-east-1", arn, AbortSignal.timeout(300)));
    // THEN
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((failure as Error).name).toBe("AbortError");
    expect(describeError(failure, { operation: "DescribeKey", region: "us-east-1" }).name).not.toMatch(
      /Timeout/,
    );
    expect(local.callCount(undefined, "DescribeKey")).toBe(1);
  });
});

/**
 * A port on 127.0.0.1 where connecting hangs: a process that listens (backlog 1) and then blocks,
 * so that it never accepts; once its backlog is full, the kernel leaves new connects unanswered.
 */
async function unansweredPort(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const s = require("node:net").createServer();
       s.listen(0, "127.0.0.1", 1, () => {
         process.stdout.write(String(s.address().port) + "\\n");
         setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000), 50);
       });`,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout.once("data", (d: Buffer) => resolve(Number(String(d)))),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Fill the backlog: these connect (the kernel accepts them for the process), later ones hang.
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i += 1) {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    fillers.push(socket);
    await new Promise((resolve) => socket.once("connect", resolve));
  }
  return {
    port,
    stop: () => {
      for (const socket of fillers) socket.destroy();
      child.kill();
    },
  };
}

describe("the connect timeout", () => {
  it("fires when the TCP connection is never established, and names --cli-connect-timeout", async () => {
    // GIVEN
    const target = await unansweredPort();
    try {
      const events: ReplicaEvent[] = [];
      const kms = createKms({
        endpointUrl: `http://127.0.0.1:${target.port}`,
        retry: FAST,
        timeouts: { connectMs: 300, readMs: 5_000 },
        emit: (e) => events.push(e),
      });
      const started = performance.now();
      // WHEN
      const failure = await rejection(kms.describeKey("us-east-1", arn));
      // THEN two attempts of 0.3 s
      expect(performance.now() - started).toBeLessThan(4_000);
      expect(events.flatMap((e) => (e.type === "call" ? [e.errorName] : []))).toEqual([
        "ConnectTimeout",
        "ConnectTimeout",
      ]);
      const report = describeError(failure, { operation: "DescribeKey", region: "us-east-1" });
      expect(report.message).toBe(
        `Could not connect to KMS in us-east-1 (http://127.0.0.1:${target.port}) within 0.3 s (--cli-connect-timeout).`,
      );
    } finally {
      target.stop();
    }
  });
});

describe("clock skew", () => {
  it("the SDK corrects its offset with maxAttempts 1, and the call is retried once", async () => {
    // GIVEN an endpoint whose clock is 10 minutes ahead of ours
    local.configure({ clockSkewMs: 10 * 60_000 });
    const { kms, events } = setup();
    // WHEN
    const metadata = await kms.describeKey("us-east-1", arn);
    // THEN
    expect(metadata.Arn).toBe(arn);
    expect(local.calls({ operation: "DescribeKey" }).map((c) => c.errorType ?? c.status)).toEqual([
      "InvalidSignatureException",
      200,
    ]);
    expect(events.flatMap((e) => (e.type === "call" ? [[e.errorName, e.willRetry]] : []))).toEqual([
      ["InvalidSignatureException", true],
      [undefined, false],
    ]);
  });

  it("is retried once only", async () => {
    // GIVEN the endpoint's clock jumps further ahead after every answer
    local.configure({ clockSkewMs: 10 * 60_000 });
    const { kms } = setup();
    const call = kms.describeKey("us-east-1", arn);
    // the first failure corrects the SDK's offset; moving the clock again defeats the correction
    const moved = setInterval(() => {
      if (local.callCount() >= 1)
        local.configure({ clockSkewMs: 30 * 60_000 + local.callCount() * 20 * 60_000 });
    }, 1);
    // WHEN
    const failure = await rejection(call);
    clearInterval(moved);
    // THEN at most two attempts
    expect((failure as Error).name).toBe("InvalidSignatureException");
    expect(local.callCount(undefined, "DescribeKey")).toBe(2);
  });
});

describe("the SDK's log", () => {
  it("goes into sdk-log events, never to the console", async () => {
    // GIVEN
    const warn = vi.spyOn(console, "warn");
    const { kms, events } = setup();
    local.configure({ faults: [{ operation: "DescribeKey", accessDenied: true }] });
    // WHEN a call fails (the SDK's logger middleware logs an error record)
    await rejection(kms.describeKey("us-east-1", arn));
    // THEN its object records are dropped (our call events say it), nothing reaches the console
    expect(events.filter((e) => e.type === "sdk-log")).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });
});
