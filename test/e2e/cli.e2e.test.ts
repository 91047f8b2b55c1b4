// The command line as a user types it, and every way a run can end: global options anywhere, the
// commands, help, --version, stop signals with their exit codes, and streams that cannot be written.
import type { ChildProcess } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, useLocalKms, type CliRun } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 50 });
const primaryArn = (region = "us-east-1"): string =>
  String(kms().createKey(region, { MultiRegion: true }).Arn);
const keyIdOf = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1);
const versionOf = (path: string): string =>
  (JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as { version: string }).version;

/** Valid JSON on stdout, whose exitCode is the process's. */
function documentOf(run: CliRun): NonNullable<CliRun["json"]> {
  expect(run.json, `stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`).toBeDefined();
  const doc = run.json as NonNullable<CliRun["json"]>;
  expect(doc.exitCode).toBe(run.code);
  return doc;
}

describe("global options before or after the command", () => {
  it("--output json before `wait` writes the JSON document (it was dropped)", async () => {
    const arn = primaryArn();
    await runCli(["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url]);
    const run = await runCli(["--output", "json", "--endpoint-url", kms().url, "wait", "--key", arn]);
    expect(run.code).toBe(0);
    expect(documentOf(run)).toMatchObject({ command: "wait", ok: true });
    expect(run.json?.regions.map((r) => [r.region, r.status])).toEqual([["eu-west-1", "exists"]]);
  });

  it("--profile before `status` is used: its Region finds a bare key ID", async () => {
    // GIVEN a profile whose Region is the primary's, in an AWS config file of its own
    const arn = primaryArn("ap-northeast-1");
    const home = mkdtempSync(join(tmpdir(), "kms-replicate-profile-"));
    writeFileSync(
      join(home, "config"),
      "[profile e2e]\nregion = ap-northeast-1\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
    );
    const env = { AWS_CONFIG_FILE: join(home, "config"), AWS_SHARED_CREDENTIALS_FILE: join(home, "none") };
    const args = ["status", "--key", keyIdOf(arn), "--endpoint-url", kms().url, "-o", "json"];
    // WHEN the profile is named before the command, and after it
    const before = await runCli(["--profile", "e2e", ...args], { env });
    const after = await runCli([...args, "--profile", "e2e"], { env });
    // THEN both read the key in the profile's Region
    for (const run of [before, after]) {
      expect(run.code, run.stderr).toBe(0);
      expect(documentOf(run).keys?.map((k) => [k.region, k.role])).toEqual([["ap-northeast-1", "PRIMARY"]]);
    }
    expect(kms().callCount("ap-northeast-1", "DescribeKey")).toBeGreaterThanOrEqual(2);
  });

  it("--region and --key before `status` behave as after it", async () => {
    const arn = primaryArn();
    const run = await runCli([
      "--region",
      "us-east-1",
      "--key",
      keyIdOf(arn),
      "-o",
      "json",
      "status",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(documentOf(run).keys?.[0]).toMatchObject({ region: "us-east-1", role: "PRIMARY" });
  });

  it("an option that does not apply to the command is an error naming it (exit 2)", async () => {
    const arn = primaryArn();
    const run = await runCli(["status", "--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown option '--regions'/);
    const misplaced = await runCli(["--timeout", "5m", "wait", "--key", arn, "--endpoint-url", kms().url]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/'wait' comes after options that are not global/);
    expect(kms().calls()).toEqual([]);
  });
});

describe("commands, help and version", () => {
  it("`replicate` is an explicit command, and still the default", async () => {
    const arn = primaryArn();
    const explicit = await runCli([
      "replicate",
      "--key",
      arn,
      "--regions",
      "eu-west-1",
      "--endpoint-url",
      kms().url,
    ]);
    const implicit = await runCli(["--key", arn, "--regions", "eu-west-2", "--endpoint-url", kms().url]);
    expect([explicit.code, implicit.code]).toEqual([0, 0]);
    expect(kms().keys("eu-west-1")).toHaveLength(1);
    expect(kms().keys("eu-west-2")).toHaveLength(1);
  });

  it("`help status` prints the status help on stdout, exit 0", async () => {
    const run = await runCli(["help", "status"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: kms-replicate status \[options\]/);
    expect(run.stdout).toMatch(/Global options[\s\S]*--profile/);
  });

  it("a mistyped command gets 'did you mean', exit 2, and nothing runs", async () => {
    const run = await runCli([
      "statsu",
      "--key",
      "alias/x",
      "--region",
      "us-east-1",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'statsu'/);
    expect(run.stderr).toMatch(/Did you mean status\?/);
    expect(kms().calls()).toEqual([]);
  });

  it("no arguments at all: the help on stderr, exit 2", async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^Usage: kms-replicate \[options\] \[command\]/);
    expect(run.stderr).toMatch(/Exit codes:[\s\S]*143/);
  });

  it("--version names the tool, Node.js and the AWS SDK on one line", async () => {
    const run = await runCli(["--version"]);
    expect(run.code).toBe(0);
    const tool = versionOf("../../package.json");
    const sdk = versionOf("../../node_modules/@aws-sdk/client-kms/package.json");
    expect(run.stdout).toBe(`kms-replicate ${tool} (node ${process.version}, @aws-sdk/client-kms ${sdk})\n`);
  });
});

describe("usage errors with --output json", () => {
  it("a missing --key writes the JSON error document, exit 2", async () => {
    const run = await runCli(["--regions", "eu-west-1", "--endpoint-url", kms().url, "--output", "json"]);
    expect(run.code).toBe(2);
    expect(documentOf(run)).toMatchObject({ command: "replicate", ok: false, error: { name: "UsageError" } });
    expect(run.json?.error?.message).toMatch(/--key is required/);
  });

  it.each([
    [
      "an unknown option",
      ["--key", "k", "--regions", "eu-west-1", "--bogus"],
      "replicate",
      /unknown option '--bogus'/,
    ],
    ["a missing --regions", ["--key", "k"], "replicate", /--regions/],
    ["a bad --timeout for wait", ["wait", "--key", "k", "--timeout", "soon"], "wait", /not a duration/],
    [
      "an option status does not take",
      ["status", "--key", "k", "--tag", "a=b"],
      "status",
      /unknown option '--tag'/,
    ],
  ])("%s writes the JSON error document of its command, exit 2", async (_, args, command, message) => {
    const run = await runCli(["-o", "json", ...args]);
    expect(run.code).toBe(2);
    expect(documentOf(run)).toMatchObject({ command, ok: false, error: { name: "UsageError" } });
    expect(run.json?.error?.message).toMatch(message);
    expect(run.stderr).toMatch(message);
  });
});

describe("stop signals", () => {
  /** Sends `signals` once eu-central-1 is done and eu-west-1 (stuck in Creating) is being polled. */
  function sendWhenWaiting(signals: readonly NodeJS.Signals[], sent: NodeJS.Signals[]) {
    return (child: ChildProcess): void => {
      const timer = setInterval(() => {
        if (
          sent.length === 0 &&
          kms().keys("eu-central-1")[0]?.state === "Enabled" &&
          kms().callCount("eu-west-1", "DescribeKey") > 1
        ) {
          clearInterval(timer);
          for (const signal of signals) {
            child.kill(signal);
            sent.push(signal);
          }
        }
      }, 50);
      child.once("exit", () => clearInterval(timer));
    };
  }

  it.each([
    { signal: "SIGINT", code: 130 },
    { signal: "SIGTERM", code: 143 },
    { signal: "SIGHUP", code: 129 },
  ] as const)(
    "$signal during the wait exits $code with the JSON of every Region",
    async ({ signal, code }) => {
      // GIVEN a Region whose replica never leaves Creating
      const arn = primaryArn();
      kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
      const sent: NodeJS.Signals[] = [];
      // WHEN the signal comes while it is being polled
      const run = await runCli(
        ["--key", arn, "--regions", "eu-west-1,eu-central-1", "--endpoint-url", kms().url, "-o", "json"],
        { onSpawn: sendWhenWaiting([signal], sent) },
      );
      // THEN
      expect(sent).toEqual([signal]);
      expect(run.code).toBe(code);
      const doc = documentOf(run);
      expect(doc.regions.map((r) => [r.region, r.status, r.keyState])).toEqual([
        ["eu-west-1", "interrupted", "Creating"],
        ["eu-central-1", "created", "Enabled"],
      ]);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
  );

  it("a second SIGINT right after the first still leaves valid JSON and exit 130", async () => {
    const arn = primaryArn();
    kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
    const sent: NodeJS.Signals[] = [];
    const run = await runCli(
      ["--key", arn, "--regions", "eu-west-1,eu-central-1", "--endpoint-url", kms().url, "-o", "json"],
      { onSpawn: sendWhenWaiting(["SIGINT", "SIGINT"], sent) },
    );
    expect(sent).toEqual(["SIGINT", "SIGINT"]);
    expect(run.code).toBe(130);
    const doc = documentOf(run);
    expect(doc.regions.map((r) => [r.region, r.status])).toEqual([
      ["eu-west-1", "interrupted"],
      ["eu-central-1", "created"],
    ]);
  });

  it("a second SIGINT while the first cannot cut the run short writes the JSON at once, exit 130", async () => {
    // GIVEN credentials from a credential_process that takes 10 s (the abort does not cut it), and
    // that says when it has started
    const arn = primaryArn();
    const home = mkdtempSync(join(tmpdir(), "kms-replicate-slow-credentials-"));
    const started = join(home, "started");
    const script = join(home, "credentials.sh");
    writeFileSync(
      script,
      `#!/bin/sh\ntouch '${started}'\nsleep 10\necho '{"Version":1,"AccessKeyId":"AKIDSLOW","SecretAccessKey":"slow-secret"}'\n`,
    );
    chmodSync(script, 0o755);
    writeFileSync(join(home, "config"), `[profile slow]\ncredential_process = ${script}\n`);
    const env = { AWS_CONFIG_FILE: join(home, "config"), AWS_SHARED_CREDENTIALS_FILE: join(home, "none") };
    let firstAt = 0;
    let exitedAt = 0;
    // WHEN a first SIGINT comes while the credentials load, and a second one 300 ms later
    const run = await runCli(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1",
        "--profile",
        "slow",
        "--endpoint-url",
        kms().url,
        "-o",
        "json",
      ],
      {
        env,
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (!existsSync(started)) return;
            clearInterval(timer);
            firstAt = performance.now();
            child.kill("SIGINT");
            setTimeout(() => child.kill("SIGINT"), 300);
          }, 50);
          child.once("exit", () => {
            clearInterval(timer);
            exitedAt = performance.now();
          });
        },
      },
    );
    // THEN it ends long before the credentials would have come, with the JSON of what it knew
    expect(firstAt).toBeGreaterThan(0);
    expect(exitedAt - firstAt).toBeLessThan(5_000);
    expect(run.code).toBe(130);
    expect(documentOf(run)).toMatchObject({ ok: false, regions: [], error: { name: "Interrupted" } });
    // (the words of the second signal: the run itself was still waiting for its credentials)
    expect(run.json?.error?.message).toMatch(/Stopped by a second SIGINT before any Region was worked on/);
    expect(run.stderr).toMatch(/✖ Stopped by a second SIGINT/);
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(0);
  });

  it("a signal during `status` exits with its code and the status JSON", async () => {
    const arn = primaryArn();
    kms().configure({ faults: [{ operation: "DescribeKey", latencyMs: 3_000 }] });
    const run = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"], {
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (kms().callCount("us-east-1", "DescribeKey") > 0) {
            clearInterval(timer);
            child.kill("SIGTERM");
          }
        }, 50);
        child.once("exit", () => clearInterval(timer));
      },
    });
    expect(run.code).toBe(143);
    expect(documentOf(run)).toMatchObject({ command: "status", ok: false, error: { name: "Interrupted" } });
    expect(run.json?.error?.message).toMatch(/SIGTERM/);
  });
});

describe("streams that cannot be written", () => {
  let fd: number | undefined;
  afterEach(() => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  });

  it("stderr on /dev/full: the run completes and writes its JSON", async () => {
    fd = openSync("/dev/full", "w");
    const arn = primaryArn();
    const run = await runCli(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1,eu-central-1,ap-south-1",
        "--endpoint-url",
        kms().url,
        "-o",
        "json",
      ],
      { stderrFd: fd },
    );
    expect(run.code).toBe(0);
    expect(documentOf(run).summary).toMatchObject({ created: 3 });
    expect(kms().keys("ap-south-1")).toHaveLength(1);
  });

  it("stderr on /dev/full with --quiet --debug (debug lines still go to stderr): the JSON is still written", async () => {
    fd = openSync("/dev/full", "w");
    const arn = primaryArn();
    const run = await runCli(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1",
        "--endpoint-url",
        kms().url,
        "-o",
        "json",
        "--quiet",
        "--debug",
      ],
      { stderrFd: fd },
    );
    expect(run.code).toBe(0);
    expect(documentOf(run).summary).toMatchObject({ created: 1 });
  });

  it("stdout on /dev/full: exit 1, one line on stderr, no stack trace; the replicas are still made", async () => {
    fd = openSync("/dev/full", "w");
    const arn = primaryArn();
    const run = await runCli(
      ["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url, "-o", "json"],
      {
        stdoutFd: fd,
      },
    );
    expect(run.code).toBe(1);
    const lines = run.stderr.split("\n").filter((line) => /stdout/.test(line));
    expect(lines).toEqual([expect.stringMatching(/^kms-replicate: cannot write to stdout \(ENOSPC/)]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(kms().keys("eu-west-1")).toHaveLength(1);
  });
});
