// Every call bounded in time, and honest about what happened: an endpoint that never answers,
// one that does the work and drops the answer, a skewed clock, and which credentials sign.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 100 });

function primaryArn(): string {
  return String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
}

/** Short timeouts so that a stalled endpoint costs seconds: 2 attempts of at most 1 + 1 s. */
const SHORT = ["--cli-connect-timeout", "1", "--cli-read-timeout", "1"];

const run = (args: readonly string[], env?: NodeJS.ProcessEnv) =>
  runCli([...args, "--endpoint-url", kms().url], env !== undefined ? { env } : {});

/** What any stderr must never hold: the SDK's own log lines. */
function expectNoRawSdkLog(stderr: string): void {
  expect(stderr).not.toMatch(/@smithy|@aws-sdk|WARN|Multiple credential sources/);
}

describe("an endpoint that accepts the request and never answers", () => {
  it("DescribeKey of the primary: exit 1 within the documented bound, a message naming Region, endpoint, timeout and flag, valid JSON", async () => {
    // GIVEN
    const arn = primaryArn();
    kms().configure({ faults: [{ operation: "DescribeKey", stall: true }] });
    const started = performance.now();
    // WHEN
    const result = await run([
      "--key",
      arn,
      "--regions",
      "eu-west-1",
      "--timeout",
      "15s",
      "-o",
      "json",
      ...SHORT,
    ]);
    // THEN 2 attempts × (1 + 1) s + 0.5 s, with room for a busy machine
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(1);
    expect(result.json?.exitCode).toBe(1);
    expect(result.json?.error?.name).toBe("ReadTimeout");
    expect(result.json?.error?.message).toBe(
      `DescribeKey in us-east-1 failed: ReadTimeout: KMS in us-east-1 (${kms().url}) did not answer within 1 s (--cli-read-timeout).`,
    );
    expect(
      kms()
        .calls()
        .map((c) => [c.operation, c.fault]),
    ).toEqual([
      ["DescribeKey", "stall"],
      ["DescribeKey", "stall"],
    ]);
    expectNoRawSdkLog(result.stderr);
  });

  it("the text output says the endpoint did not answer, and the flag to change", async () => {
    // GIVEN
    const arn = primaryArn();
    kms().configure({ faults: [{ operation: "DescribeKey", stall: true }] });
    // WHEN
    const result = await run(["status", "--key", arn, ...SHORT]);
    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `KMS in us-east-1 (${kms().url}) did not answer within 1 s (--cli-read-timeout)`,
    );
    expect(result.stderr).toContain("raise --cli-read-timeout");
    expectNoRawSdkLog(result.stderr);
  });

  it("ReplicateKey: the Region fails with the primary's Region named, nothing was created", async () => {
    // GIVEN
    const arn = primaryArn();
    kms().configure({ faults: [{ operation: "ReplicateKey", stall: true }] });
    // WHEN
    const result = await run(["--key", arn, "--regions", "eu-west-1", "-o", "json", ...SHORT]);
    // THEN
    expect(result.code).toBe(1);
    const region = result.json?.regions[0];
    expect(region).toMatchObject({ region: "eu-west-1", status: "failed" });
    expect(region?.error?.name).toBe("ReadTimeout");
    expect(region?.error?.message).toBe(
      `KMS in us-east-1 (${kms().url}) did not answer within 1 s (--cli-read-timeout); the request may have been carried out.`,
    );
    expect(
      kms()
        .calls({ operation: "ReplicateKey" })
        .map((c) => c.fault),
    ).toEqual(["stall", "stall"]);
    expect(kms().keys("eu-west-1")).toEqual([]);
  });

  it("DescribeKey in the replica's Region: the run still ends, with valid JSON", async () => {
    // GIVEN
    const arn = primaryArn();
    kms().configure({ faults: [{ region: "eu-west-1", operation: "DescribeKey", stall: true }] });
    const started = performance.now();
    // WHEN
    const result = await run([
      "--key",
      arn,
      "--regions",
      "eu-west-1",
      "--timeout",
      "3s",
      "-o",
      "json",
      ...SHORT,
    ]);
    // THEN
    expect(performance.now() - started).toBeLessThan(25_000);
    expect([1, 3]).toContain(result.code);
    expect(result.json?.exitCode).toBe(result.code);
    expect(kms().keys("eu-west-1")).toHaveLength(1);
    expect(
      kms()
        .calls({ region: "eu-west-1" })
        .every((c) => c.fault === "stall"),
    ).toBe(true);
    expectNoRawSdkLog(result.stderr);
  });
});

describe("an answer lost after the work was done", () => {
  it("is a closed connection, not a timeout; the retry finds the replica and it counts as created", async () => {
    // GIVEN the first ReplicateKey creates the replica, then the connection drops
    const arn = primaryArn();
    kms().configure({ faults: [{ operation: "ReplicateKey", processThenDrop: { count: 1 } }] });
    // WHEN
    const result = await run(["--key", arn, "--regions", "eu-west-1", "-o", "json", "--debug"]);
    // THEN
    expect(result.code).toBe(0);
    expect(result.json?.regions[0]).toMatchObject({ status: "created", keyState: "Enabled" });
    expect(kms().keys("eu-west-1")).toHaveLength(1);
    expect(
      kms()
        .calls({ operation: "ReplicateKey" })
        .map((c) => c.fault ?? c.errorType),
    ).toEqual(["processThenDrop", "AlreadyExistsException"]);
    expect(result.stderr).toMatch(/ReplicateKey\(us-east-1.*ConnectionClosed/);
    expect(result.stderr).not.toMatch(/timeout/i);
  });
});

describe("a clock off by 10 minutes", () => {
  it("is corrected by the SDK and each first call retried once: every Region is created", async () => {
    // GIVEN
    const arn = primaryArn();
    kms().configure({ clockSkewMs: 10 * 60_000 });
    // WHEN
    const result = await run(["--key", arn, "--regions", "eu-west-1,eu-central-1", "-o", "json"]);
    // THEN
    expect(result.code).toBe(0);
    expect(result.json?.regions.map((r) => r.status)).toEqual(["created", "created"]);
    for (const region of ["us-east-1", "eu-west-1", "eu-central-1"]) {
      expect(kms().calls({ region })[0]?.errorType).toBe("InvalidSignatureException");
    }
  });
});

describe("--cli-connect-timeout and --cli-read-timeout", () => {
  it.each([
    { flag: "--cli-read-timeout", value: "0", message: /0 would mean no timeout/ },
    { flag: "--cli-connect-timeout", value: "soon", message: /'soon' is not a number of seconds/ },
  ])("$flag $value is a usage error", async ({ flag, value, message }) => {
    // GIVEN / WHEN
    const result = await run(["--key", primaryArn(), "--regions", "eu-west-1", flag, value]);
    // THEN
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(kms().callCount()).toBe(0);
  });
});

describe("credentials, exactly as the AWS CLI resolves them", () => {
  const dir = mkdtempSync(join(tmpdir(), "kms-replicate-bounds-"));
  writeFileSync(
    join(dir, "config"),
    `[profile ci]
aws_access_key_id = AKIDPROFILE
aws_secret_access_key = profile-secret

[profile regiononly]
region = us-east-1

[profile failing]
credential_process = /bin/sh -c "echo 'sso token refresh failed' >&2; exit 3"
`,
  );
  writeFileSync(join(dir, "credentials"), "");
  const files = {
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
  };
  const envKeys = { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "env-secret" };
  const noEnvKeys = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };

  it.each([
    {
      rule: "keys in the environment win over AWS_PROFILE",
      flags: [],
      env: { ...envKeys, AWS_PROFILE: "ci" },
      key: "AKIDENV",
    },
    {
      rule: "--profile wins over keys in the environment",
      flags: ["--profile", "ci"],
      env: envKeys,
      key: "AKIDPROFILE",
    },
    { rule: "AWS_PROFILE alone", flags: [], env: { ...noEnvKeys, AWS_PROFILE: "ci" }, key: "AKIDPROFILE" },
  ])("$rule (the endpoint records who signed)", async ({ flags, env, key }) => {
    // GIVEN
    const arn = primaryArn();
    // WHEN
    const result = await run(["--key", arn, "--regions", "eu-west-1", "--dry-run", "--debug", ...flags], {
      ...files,
      ...env,
    });
    // THEN
    expect(result.code).toBe(0);
    expect(kms().callCount()).toBeGreaterThan(0);
    expect(
      new Set(
        kms()
          .calls()
          .map((c) => c.accessKeyId),
      ),
    ).toEqual(new Set([key]));
    expectNoRawSdkLog(result.stderr);
  });

  it.each([
    { how: "--profile", flags: ["--profile", "nope"], env: {} },
    { how: "AWS_PROFILE", flags: [], env: { AWS_PROFILE: "nope" } },
  ])("a profile that does not exist ($how) is a usage error naming it, exit 2", async ({ flags, env }) => {
    // GIVEN / WHEN
    const result = await run(["--key", primaryArn(), "--regions", "eu-west-1", "-o", "json", ...flags], {
      ...files,
      ...noEnvKeys,
      ...env,
    });
    // THEN
    expect(result.code).toBe(2);
    expect(result.json?.error?.message).toMatch(/^The config profile \(nope\) could not be found/);
    expect(kms().callCount()).toBe(0);
  });

  it("the SDK's own warnings are shown with --debug only, never raw", async () => {
    // GIVEN --profile names a profile without credentials while keys are in the environment: the
    // SDK's chain warns "Multiple credential sources detected" (and, with no instance metadata
    // here, finds nothing)
    const args = ["--key", primaryArn(), "--regions", "eu-west-1", "--profile", "regiononly"];
    const env = { ...files, ...envKeys };
    // WHEN
    const plain = await run(args, env);
    const debug = await run([...args, "--debug"], env);
    // THEN
    expect(plain.code).toBe(1);
    expectNoRawSdkLog(plain.stderr);
    expect(debug.stderr).toMatch(
      /^sdk warn: @aws-sdk\/credential-provider-node .*Multiple credential sources detected/m,
    );
    expect(debug.stderr.match(/Multiple credential sources/g)).toHaveLength(1);
  });

  it("a failing credential_process: its own reason, exit 1, no call made", async () => {
    // GIVEN / WHEN
    const result = await run(
      ["--key", primaryArn(), "--regions", "eu-west-1", "-o", "json", "--profile", "failing"],
      { ...files, ...noEnvKeys },
    );
    // THEN
    expect(result.code).toBe(1);
    expect(result.json?.error?.name).toBe("CredentialsProviderError");
    // The process's own output, not its command line (which may carry a secret), as the AWS CLI shows it.
    expect(result.json?.error?.message).toMatch(
      /^Could not load AWS credentials from profile failing \(--profile\): credential_process failed \/ .*sso token refresh failed/,
    );
    expect(result.stdout + result.stderr).not.toContain("/bin/sh");
    expect(kms().callCount()).toBe(0);
  });
});
