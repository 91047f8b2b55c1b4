// A password in --endpoint-url (or AWS_ENDPOINT_URL) is never shown: not in the command to keep
// waiting, not in an error, not with --debug, not in the JSON. The local endpoint accepts the URL
// (KMS calls are signed; the user information is not used). Nor the secret access key or the
// session token.
import { describe, expect, it } from "vitest";
import { runCli, useLocalKms, type CliRun } from "./run-cli.js";

const kms = useLocalKms({});
const PASSWORD = "s3cret";
/** The endpoint's URL with a user name and PASSWORD in it, and as it must be shown. */
const withPassword = (): string => kms().url.replace("http://", `http://user:${PASSWORD}@`);
const shown = (): string => kms().url.replace("http://", "http://***@");
/** Short timeouts so that a stalled endpoint costs seconds. */
const SHORT = ["--cli-connect-timeout", "1", "--cli-read-timeout", "1"];

function primary(): string {
  return String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
}

/**
 * Runs `args` as they are, with --debug, and with -o json: PASSWORD in none of the six streams.
 * The secret access key and a session token carry PASSWORD too.
 */
async function runAll(args: readonly string[], more: NodeJS.ProcessEnv = {}): Promise<CliRun[]> {
  const env = {
    AWS_SECRET_ACCESS_KEY: `key-${PASSWORD}`,
    AWS_SESSION_TOKEN: `token-${PASSWORD}`,
    ...more,
  };
  const runs = [
    await runCli(args, { env }),
    await runCli([...args, "--debug"], { env }),
    await runCli([...args, "-o", "json"], { env }),
  ];
  for (const run of runs) {
    expect(run.stdout).not.toContain(PASSWORD);
    expect(run.stderr).not.toContain(PASSWORD);
  }
  return runs;
}

describe("--endpoint-url http://user:PASSWORD@host", () => {
  it("a run that succeeds", async () => {
    // GIVEN / WHEN
    const runs = await runAll([
      "--key",
      primary(),
      "--regions",
      "eu-west-1",
      "--endpoint-url",
      withPassword(),
    ]);
    // THEN the endpoint took the calls
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(runs[1]?.stderr).toContain("[debug] KMS.DescribeKey(us-east-1) attempt 1");
    expect(kms().callCount("us-east-1", "ReplicateKey")).toBe(1);
  });

  it("a run that times out: the command to keep waiting names the endpoint without the password", async () => {
    // GIVEN a Region whose replica never leaves Creating
    kms().configure({ creatingDelayByRegion: { "ap-south-1": null } });
    // WHEN
    const args = [
      "--key",
      primary(),
      "--regions",
      "ap-south-1",
      "--timeout",
      "1s",
      "--endpoint-url",
      withPassword(),
    ];
    const runs = await runAll(args);
    // THEN
    expect(runs.map((r) => r.code)).toEqual([3, 3, 3]);
    for (const run of runs)
      expect(run.stderr).toContain(`--endpoint-url 'http://***@127.0.0.1:${kms().port}'`);
    expect(shown()).toBe(`http://***@127.0.0.1:${kms().port}`);
  });

  it("a fleet that times out: its command to keep waiting too", async () => {
    // GIVEN
    kms().configure({ creatingDelayByRegion: { "ap-south-1": null } });
    const [a, b] = [primary(), primary()];
    // WHEN
    const args = [
      "--key",
      a,
      "--key",
      b,
      "--regions",
      "ap-south-1",
      "--timeout",
      "1s",
      "--endpoint-url",
      withPassword(),
    ];
    const runs = await runAll(args);
    // THEN
    expect(runs.map((r) => r.code)).toEqual([3, 3, 3]);
    expect(runs[0]?.stderr).toContain(`--endpoint-url '${shown()}'`);
  });

  it("a failure and a stalled endpoint: the messages name it without the password", async () => {
    // GIVEN ReplicateKey denied; then DescribeKey never answered
    kms().configure({ faults: [{ operation: "ReplicateKey", accessDenied: true }] });
    const denied = await runAll([
      "--key",
      primary(),
      "--regions",
      "eu-west-1",
      "--endpoint-url",
      withPassword(),
    ]);
    kms().configure({ faults: [{ operation: "DescribeKey", stall: true }] });
    const stalled = await runAll(["status", "--key", primary(), ...SHORT, "--endpoint-url", withPassword()]);
    // THEN
    expect(denied.map((r) => r.code)).toEqual([1, 1, 1]);
    expect(denied[0]?.stderr).toContain("AccessDeniedException");
    expect(stalled.map((r) => r.code)).toEqual([1, 1, 1]);
    expect(stalled[0]?.stderr).toContain(`KMS in us-east-1 (${kms().url}) did not answer within 1 s`);
  });

  it("a bad URL and a mistyped option: the usage errors hide it", async () => {
    // GIVEN / WHEN
    const key = primary();
    const runs = [
      ...(await runAll(["status", "--key", key, "--endpoint-url", `ftp://user:${PASSWORD}@127.0.0.1:21`])),
      ...(await runAll(["status", "--key", key, `--endpoint-urll=${withPassword()}`])),
    ];
    // THEN
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(runs[0]?.stderr).toContain("--endpoint-url ftp://***@127.0.0.1:21 is not an http(s) URL.");
    expect(runs[3]?.stderr).toContain(`unknown option '--endpoint-urll=${shown()}'`);
    expect(kms().calls()).toEqual([]);
  });
});

describe("AWS_ENDPOINT_URL=http://user:PASSWORD@host", () => {
  it("is used, and not shown when the endpoint stalls", async () => {
    // GIVEN the endpoint from the environment (the SDK reads it), stalling DescribeKey
    const key = primary();
    kms().configure({ faults: [{ operation: "DescribeKey", stall: true }] });
    // WHEN
    const runs = await runAll(["status", "--key", key, ...SHORT], { AWS_ENDPOINT_URL: withPassword() });
    // THEN
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1]);
    expect(kms().callCount("us-east-1", "DescribeKey")).toBeGreaterThan(0);
    expect(runs[0]?.stderr).toContain(`KMS in us-east-1 (${kms().url}) did not answer`);
  });
});
