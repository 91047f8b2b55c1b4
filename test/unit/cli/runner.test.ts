// The one runner (src/cli/runner.ts), run in process on command lines the real program read: the
// JSON document on stdout (also when the run ends before any call), the exit code, and what a
// second signal writes, over the local endpoint.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, it, expect, vi } from "vitest";
import type { Io } from "../../../src/cli/io.js";
import { runCommand } from "../../../src/cli/runner.js";
import type { LastWords } from "../../../src/cli/signals.js";
import type { StatusJson } from "../../../src/commands/status/render.js";
import type { RunJson } from "../../../src/report/json.js";
import { Stop } from "../../../src/core/stop.js";
import { isolatedAwsEnv } from "../../support/aws-env.js";
import { commandLine } from "../../support/command-line.js";
import { PRIMARY_ARN } from "../../support/fixtures.js";
import { startKmsLocal, type KmsLocal } from "../../support/local-kms/server.js";

/** An Io whose stdout and stderr record what is written. */
function recordingIo(): { io: Io; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = {
    stdout: {
      write(text: string) {
        stdout.push(text);
        return true;
      },
    },
    stderr: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        stderr.push(chunk.toString());
        callback();
      },
    }),
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
    startedAt: performance.now(),
  };
  return { io, stdout, stderr };
}

/** `args` (after `kms-replicate`) as the program reads them, run by the runner with `io`. */
async function run(args: readonly string[], io: Io): Promise<number> {
  const line = await commandLine(args);
  if (line.module === undefined || line.raw === undefined) throw new TypeError(`refused: ${line.err}`);
  return runCommand(line.module, line.raw, io);
}

describe("replicate before any network call", () => {
  beforeEach(() => {
    vi.stubEnv("CI", "true"); // no spinner, whatever runs the tests
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const REGIONS = [
    "--regions",
    "EU-WEST-1,eu-west-1",
    "--regions",
    "cn-north-1",
    "--regions",
    "us-east-1,eu_west_1",
  ];
  const ARGS = ["--key", PRIMARY_ARN, ...REGIONS, "-o", "json", "--no-color"];

  it("writes one JSON document listing every invalid Region, and exits 2", async () => {
    // GIVEN
    const { io, stdout, stderr } = recordingIo();
    // WHEN
    const exitCode = await run(ARGS, io);
    // THEN
    expect(exitCode).toBe(2);
    expect(stdout).toHaveLength(1);
    const doc = JSON.parse(stdout.join("")) as RunJson;
    expect(doc).toMatchObject({
      version: 1,
      command: "replicate",
      ok: false,
      exitCode: 2,
      dryRun: false,
      primary: null,
      regions: [],
      summary: { created: 0, exists: 0, planned: 0, failed: 0, timeout: 0, interrupted: 0 },
    });
    expect(doc.error?.name).toBe("InvalidRegion");
    expect(doc.error?.invalidRegions?.map((p) => p.region)).toEqual([
      "EU-WEST-1",
      "cn-north-1",
      "us-east-1",
      "eu_west_1",
    ]);
    for (const problem of doc.error?.invalidRegions ?? []) expect(problem.reason).not.toBe("");
    // The person reads the same failure on stderr.
    expect(stderr.join("")).toContain("4 target Regions are not valid");
  });

  it("writes the JSON document for a missing --key too", async () => {
    // GIVEN
    const { io, stdout } = recordingIo();
    // WHEN
    const exitCode = await run([...REGIONS, "-o", "json", "--no-color"], io);
    // THEN
    expect(exitCode).toBe(2);
    const doc = JSON.parse(stdout.join("")) as RunJson;
    expect(doc).toMatchObject({ ok: false, exitCode: 2, error: { name: "UsageError" } });
    expect(doc.error?.message).toContain("--key is required");
  });

  it("writes the JSON document for flags its own parse refuses (no --regions)", async () => {
    const { io, stdout } = recordingIo();
    const exitCode = await run(["--key", PRIMARY_ARN, "-o", "json"], io);
    expect(exitCode).toBe(2);
    const doc = JSON.parse(stdout.join("")) as RunJson;
    expect(doc).toMatchObject({ command: "replicate", exitCode: 2, error: { name: "UsageError" } });
    expect(doc.error?.message).toMatch(/required option '-r, --regions <regions>'/);
  });

  it("leaves stdout empty with text output", async () => {
    // GIVEN
    const { io, stdout, stderr } = recordingIo();
    // WHEN
    const exitCode = await run(
      ARGS.filter((a) => a !== "-o" && a !== "json"),
      io,
    );
    // THEN
    expect(exitCode).toBe(2);
    expect(stdout).toEqual([]);
    expect(stderr.join("")).toContain("EU-WEST-1");
  });

  it("a command over one key refuses a fleet: exit 2, its version-1 document", async () => {
    const { io, stdout } = recordingIo();
    const exitCode = await run(
      ["rotate-material", "--key", "a", "--key", "b", "--key-material", "-", "-o", "json"],
      io,
    );
    expect(exitCode).toBe(2);
    const doc = JSON.parse(stdout.join("")) as { version: number; error: { message: string } };
    expect(doc.version).toBe(1);
    expect(doc.error.message).toBe("--key is given more than once: this command works on one key.");
  });
});

describe("a second signal during a run (against the local endpoint, in process)", () => {
  let kms: KmsLocal;
  beforeAll(async () => {
    kms = await startKmsLocal();
  });
  afterAll(async () => {
    await kms.stop();
  });
  beforeEach(() => {
    kms.reset();
    const env = isolatedAwsEnv(mkdtempSync(join(tmpdir(), "kms-replicate-main-")));
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.stubEnv("CI", "true");
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("a replica given as --key: the run works from its primary, and says so", async () => {
    // GIVEN a primary in us-east-1 with a replica in eu-west-1
    const arn = String(kms.createKey("us-east-1", { MultiRegion: true }).Arn);
    kms.invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
    const replicaArn = arn.replace("us-east-1", "eu-west-1");
    const { io, stdout, stderr } = recordingIo();
    // WHEN replicate is given the replica
    const exitCode = await run(
      [
        "--key",
        replicaArn,
        "--regions",
        "eu-central-1",
        "--endpoint-url",
        kms.url,
        "-o",
        "json",
        "--no-color",
      ],
      io,
    );
    // THEN
    expect(exitCode).toBe(0);
    expect(stderr.join("")).toContain(
      `${replicaArn} is a replica of the family; working from its primary in us-east-1.`,
    );
    const doc = JSON.parse(stdout.join("")) as RunJson;
    expect(doc.primary?.arn).toBe(arn);
    expect(doc.regions.map((r) => [r.region, r.status])).toEqual([["eu-central-1", "created"]]);
  });

  it("renders the JSON of what is known: settled Regions as they are, the others interrupted", async () => {
    // GIVEN a run whose eu-west-1 replica never leaves Creating, and that records its last words
    kms.configure({ creatingDelayMs: 0, creatingDelayByRegion: { "eu-west-1": null } });
    const arn = String(kms.createKey("us-east-1", { MultiRegion: true }).Arn);
    const controller = new AbortController();
    let words: LastWords | undefined;
    const { io, stdout } = recordingIo();
    const running = run(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1,eu-central-1",
        "--endpoint-url",
        kms.url,
        "-o",
        "json",
        "--no-color",
      ],
      { ...io, signal: controller.signal, lastWords: (w) => (words = w) },
    );
    await vi.waitFor(
      () => {
        expect(kms.keys("eu-central-1")[0]?.state).toBe("Enabled");
        expect(kms.callCount("eu-west-1", "DescribeKey")).toBeGreaterThan(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    // WHEN a second SIGTERM asks for the last words while the run still waits
    const ending = words?.(new Stop("SIGTERM"));
    // THEN
    expect(ending?.exitCode).toBe(143);
    expect(ending?.stderr).toMatch(/Stopped by a second SIGTERM: 1 of 2 Regions had not settled/);
    const doc = JSON.parse(ending?.stdout ?? "") as RunJson;
    expect(doc).toMatchObject({ command: "replicate", ok: false, exitCode: 143, error: null });
    expect(doc.primary?.arn).toBe(arn);
    expect(doc.regions.map((r) => [r.region, r.status, r.keyState])).toEqual([
      ["eu-west-1", "interrupted", "Creating"],
      ["eu-central-1", "created", "Enabled"],
    ]);
    expect(stdout).toEqual([]); // the run itself has not written anything yet
    // AND once the run ends (the first signal), a second one has only its exit code left
    controller.abort(new Stop("SIGTERM"));
    expect(await running).toBe(143);
    expect(words?.(new Stop("SIGINT"))).toEqual({ exitCode: 143 });
    expect((JSON.parse(stdout.join("")) as RunJson).exitCode).toBe(143);
  });

  it("status: the second signal's JSON says the run was stopped, with the signal's code", async () => {
    // GIVEN a status run stuck in a slow DescribeKey
    kms.configure({ faults: [{ operation: "DescribeKey", latencyMs: 1_500 }] });
    const arn = String(kms.createKey("us-east-1", { MultiRegion: true }).Arn);
    const controller = new AbortController();
    let words: LastWords | undefined;
    const { io } = recordingIo();
    const running = run(["status", "--key", arn, "--endpoint-url", kms.url, "-o", "json", "--no-color"], {
      ...io,
      signal: controller.signal,
      lastWords: (w) => (words = w),
    });
    await vi.waitFor(() => expect(kms.callCount("us-east-1", "DescribeKey")).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 20,
    });
    // WHEN
    const ending = words?.(new Stop("SIGHUP"));
    // THEN
    expect(ending?.exitCode).toBe(129);
    expect(JSON.parse(ending?.stdout ?? "") as StatusJson).toMatchObject({
      command: "status",
      exitCode: 129,
      keys: [],
      error: { name: "Interrupted", message: expect.stringMatching(/a second SIGHUP/) as unknown },
    });
    controller.abort(new Stop("SIGHUP"));
    expect(await running).toBe(129);
  });
});
