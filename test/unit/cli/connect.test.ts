// How a run reaches what it works on (src/cli/connect.ts): the files and pipes it reads within its
// deadline, the deadline itself, the Region of a key named without one, and the AWS adapter,
// checked before it is loaded and bounded by the run's deadline (against the local endpoint).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { connect, deadlineOf, inputsOf, keyRegionOf } from "../../../src/cli/connect.js";
import type { Io } from "../../../src/cli/io.js";
import { toConnectionOptions } from "../../../src/cli/globals.js";
import { isReplicateError, NotSentError } from "../../../src/core/errors.js";
import type { ReplicaEvent } from "../../../src/core/events.js";
import { parseKeyRef } from "../../../src/core/keys.js";
import { DEFAULT_TIMEOUT_MS, type ConnectionOptions } from "../../../src/core/options.js";
import { isolatedAwsEnv } from "../../support/aws-env.js";
import { PRIMARY_ARN } from "../../support/fixtures.js";
import { startKmsLocal, type KmsLocal } from "../../support/local-kms/server.js";

const io = (more: Partial<Io> = {}): Io => ({
  stdout: { write: () => true },
  stderr: process.stderr,
  env: {},
  cwd: join(tmpdir(), "dir"),
  signal: new AbortController().signal,
  startedAt: 1000,
  ...more,
});

const CONNECTION: ConnectionOptions = toConnectionOptions({ output: "text", color: false });

async function usageMessage(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error("expected a usage error");
}

describe("inputsOf", () => {
  it("reads from the working directory, with the run's signal, until --timeout after the start", () => {
    // GIVEN
    const signal = new AbortController().signal;
    // WHEN
    const inputs = inputsOf(io({ signal }), 90_000);
    // THEN
    expect(inputs).toEqual({
      cwd: join(tmpdir(), "dir"),
      signal,
      deadline: 91_000,
      deadlineName: "--timeout 90s",
    });
  });

  it("a command without --timeout (status) waits as long as the default, and says so without the flag", () => {
    const inputs = inputsOf(io(), undefined);
    expect(inputs.deadline).toBe(1000 + DEFAULT_TIMEOUT_MS);
    expect(inputs.deadlineName).toBe("20m");
  });
});

describe("deadlineOf", () => {
  it("counts --timeout from the start of the process; no --timeout: none", () => {
    expect(deadlineOf({ startedAt: 250 }, 3000)).toBe(3250);
    expect(deadlineOf({ startedAt: 250 }, undefined)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("keyRegionOf", () => {
  const region = (
    key: string,
    more: { region?: string; env?: NodeJS.ProcessEnv; connection?: ConnectionOptions } = {},
    warnings: string[] = [],
  ): Promise<string> =>
    keyRegionOf(
      { key: parseKeyRef(key), ...(more.region !== undefined ? { region: more.region } : {}) },
      more.connection ?? CONNECTION,
      io({ env: more.env ?? {} }),
      (message) => warnings.push(message),
    );

  it("an ARN's Region first; --region, then the environment, for a key without one", async () => {
    expect(await region(PRIMARY_ARN, { env: { AWS_REGION: "eu-west-1" } })).toBe("us-east-1");
    expect(await region("alias/payments", { region: "ap-south-1", env: { AWS_REGION: "eu-west-1" } })).toBe(
      "ap-south-1",
    );
    expect(await region("alias/payments", { env: { AWS_REGION: "eu-west-1" } })).toBe("eu-west-1");
    expect(await region("mrk-1", { env: { AWS_DEFAULT_REGION: "sa-east-1" } })).toBe("sa-east-1");
  });

  it.each([
    {
      name: "a --region that contradicts the ARN",
      key: PRIMARY_ARN,
      more: { region: "eu-west-1" },
      message: /^--region eu-west-1 contradicts the key ARN, which is in us-east-1\.$/,
    },
    {
      name: "a typo of a known Region",
      key: "alias/payments",
      more: { region: "eu-wset-1" },
      message: /eu-wset-1/,
    },
    {
      name: "what is not a Region ID",
      key: "alias/payments",
      more: { env: { AWS_REGION: "EU-WEST-1" } },
      message: /^The primary's Region 'EU-WEST-1' is not a Region ID\.$/,
    },
  ])("refuses $name (exit 2)", async ({ key, more, message }) => {
    expect(await usageMessage(() => region(key, more))).toMatch(message);
  });

  it("tries a Region far from every known one with a warning; --strict-regions refuses it", async () => {
    // GIVEN
    const warnings: string[] = [];
    // WHEN
    const tried = await region("alias/payments", { region: "xx-north-9" }, warnings);
    // THEN
    expect(tried).toBe("xx-north-9");
    expect(warnings.join("\n")).toContain("xx-north-9");
    const strict = toConnectionOptions({ output: "text", color: false, strictRegions: true });
    expect(
      await usageMessage(() => region("alias/payments", { region: "xx-north-9", connection: strict })),
    ).toMatch(/xx-north-9/);
  });
});

describe("connect", () => {
  let kms: KmsLocal;
  beforeAll(async () => {
    kms = await startKmsLocal();
  });
  afterAll(async () => {
    await kms.stop();
  });
  beforeEach(() => {
    kms.reset();
    const env = isolatedAwsEnv(mkdtempSync(join(tmpdir(), "kms-replicate-connect-")));
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value ?? "");
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("refuses an endpoint from the environment that is not a URL, before any call", async () => {
    // GIVEN
    vi.stubEnv("AWS_ENDPOINT_URL_KMS", "localhost:4566");
    // WHEN / THEN
    expect(await usageMessage(() => connect(CONNECTION, () => undefined, { deadline: Infinity }))).toBe(
      "AWS_ENDPOINT_URL_KMS is not an http(s) URL.",
    );
  });

  it("an adapter that reaches the endpoint given (the environment's is not used then)", async () => {
    // GIVEN a key on the local endpoint, and a broken endpoint in the environment
    vi.stubEnv("AWS_ENDPOINT_URL_KMS", "localhost:4566");
    const arn = String(kms.createKey("us-east-1", { MultiRegion: true }).Arn);
    const options = { ...CONNECTION, endpointUrl: kms.url };
    const events: ReplicaEvent[] = [];
    // WHEN
    const port = await connect(options, (e) => events.push(e), { deadline: Infinity });
    const metadata = await port.describeKey("us-east-1", arn);
    // THEN
    expect(metadata.Arn).toBe(arn);
    expect(kms.callCount("us-east-1", "DescribeKey")).toBe(1);
    // AND each call is told to the run's event sink
    expect(events).toContainEqual(
      expect.objectContaining({ type: "call", operation: "DescribeKey", region: "us-east-1" }),
    );
  });

  it("sends no write after the run's deadline", async () => {
    // GIVEN a deadline already past
    const arn = String(kms.createKey("us-east-1", { MultiRegion: true }).Arn);
    const port = await connect({ ...CONNECTION, endpointUrl: kms.url }, () => undefined, {
      deadline: performance.now() - 1,
    });
    // WHEN a write is asked for
    const error: unknown = await port
      .tagResource("us-east-1", arn, [{ TagKey: "team", TagValue: "payments" }])
      .catch((e: unknown) => e);
    // THEN it is refused before it is sent
    expect(error).toBeInstanceOf(NotSentError);
    expect(kms.callCount("us-east-1", "TagResource")).toBe(0);
  });
});
