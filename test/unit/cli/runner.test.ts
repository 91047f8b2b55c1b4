import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, it, expect, vi } from "vitest";
import { ReplicateError, usageError } from "../../../src/core/errors.js";
import type { PrimaryKey, RegionResult, RegionStatus } from "../../../src/core/events.js";
import { createRunSnapshot, exitCodeFor } from "../../../src/commands/shared/regions.js";
import { runReplicate } from "../../../src/commands/replicate/run.js";
import { runStatus } from "../../../src/commands/status/run.js";
import { usageDocument } from "../../../src/cli/usage.js";
import { runEndingError, type Io } from "../../../src/cli/runner.js";
import type { RawReplicateFlags } from "../../../src/core/options.js";
import type { RunJson } from "../../../src/report/json.js";
import type { StatusJson } from "../../../src/commands/status/render.js";
import type { LastWords } from "../../../src/cli/signals.js";
import { Stop } from "../../../src/core/stop.js";
import { isolatedAwsEnv } from "../../support/aws-env.js";
import { KEY_ID, PRIMARY_ARN } from "../../support/fixtures.js";
import { startKmsLocal, type KmsLocal } from "../../support/local-kms/server.js";

function result(region: string, status: RegionStatus): RegionResult {
  return status === "failed"
    ? { region, status, elapsedMs: 0, error: { name: "AccessDeniedException", message: "denied" } }
    : { region, status, elapsedMs: 0 };
}

function awsFailure(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });
}

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

describe("exitCodeFor", () => {
  it.each<{ statuses: RegionStatus[]; code: number }>([
    { statuses: [], code: 0 },
    { statuses: ["created", "exists", "planned"], code: 0 },
    { statuses: ["created", "timeout"], code: 3 },
    { statuses: ["timeout", "failed", "created"], code: 1 },
    { statuses: ["failed"], code: 1 },
    { statuses: ["failed", "timeout", "interrupted"], code: 130 },
    { statuses: ["created", "interrupted"], code: 130 },
  ])("$statuses → $code", ({ statuses, code }) => {
    // GIVEN
    const results = statuses.map((status, i) => result(`region-${i}`, status));
    // WHEN / THEN
    expect(exitCodeFor(results)).toBe(code);
  });

  it("an interrupted run exits with the stop signal's code", () => {
    const results = [result("a", "created"), result("b", "interrupted")];
    expect(exitCodeFor(results, 143)).toBe(143);
    expect(exitCodeFor([result("a", "failed")], 129)).toBe(1);
  });
});

describe("runEndingError", () => {
  const live = new AbortController().signal;

  it("after Ctrl-C reports Interrupted with 130, whatever the error", () => {
    // GIVEN / WHEN
    const { failure, exitCode } = runEndingError(usageError("x"), AbortSignal.abort(), "k");
    // THEN
    expect(exitCode).toBe(130);
    expect(failure.name).toBe("Interrupted");
    expect(failure.message).toContain("nothing was changed");
  });

  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("after %s exits %i and names the signal", (name, code) => {
    const { failure, exitCode } = runEndingError(usageError("x"), AbortSignal.abort(new Stop(name)), "k");
    expect(exitCode).toBe(code);
    expect(failure.message).toContain(`Stopped by ${name}`);
  });

  it("keeps our own error's code, exit code, hint and invalid Regions", () => {
    // GIVEN
    const error = new ReplicateError("2 target Regions are not valid", {
      fault: "user",
      exitCode: 2,
      code: "InvalidRegion",
      hint: "fix them",
      invalidRegions: [{ region: "EU-WEST-1", reason: "not a Region ID" }],
    });
    // WHEN
    const { failure, exitCode } = runEndingError(error, live, "k");
    // THEN
    expect(exitCode).toBe(2);
    expect(failure).toEqual({
      name: "InvalidRegion",
      message: "2 target Regions are not valid",
      hint: "fix them",
      invalidRegions: [{ region: "EU-WEST-1", reason: "not a Region ID" }],
    });
  });

  it("calls anything unknown a bug, exit 1", () => {
    // GIVEN
    const error = new TypeError("Cannot read properties of undefined");
    // WHEN
    const { failure, exitCode } = runEndingError(error, live, "k");
    // THEN
    expect(exitCode).toBe(1);
    expect(failure.name).toBe("TypeError");
    expect(failure.message).toContain("Cannot read properties of undefined");
    expect(failure.hint).toContain("bug in kms-replicate");
  });

  it("does not call a known AWS error a bug (e.g. AccessDenied from --copy-tags' ListResourceTags)", () => {
    // GIVEN a KMS error that reached the top without being wrapped
    const error = awsFailure("AccessDeniedException");
    // WHEN
    const { failure, exitCode } = runEndingError(error, live, "k");
    // THEN it keeps its name and advice, and exits 1
    expect(exitCode).toBe(1);
    expect(failure.name).toBe("AccessDeniedException");
    expect(failure.message).not.toContain("unexpectedly");
    expect(failure.hint ?? "").not.toContain("bug in kms-replicate");
  });
});

describe("runReplicate before any network call", () => {
  beforeEach(() => {
    vi.stubEnv("CI", "true"); // no spinner, whatever runs the tests
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const flags: RawReplicateFlags = {
    key: PRIMARY_ARN,
    regions: ["EU-WEST-1,eu-west-1", "cn-north-1", "us-east-1,eu_west_1"],
    output: "json",
    color: false,
    wait: true,
  };

  it("writes one JSON document listing every invalid Region, and exits 2", async () => {
    // GIVEN
    const { io, stdout, stderr } = recordingIo();
    // WHEN
    const exitCode = await runReplicate(flags, io);
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
    const exitCode = await runReplicate({ ...flags, key: undefined }, io);
    // THEN
    expect(exitCode).toBe(2);
    const doc = JSON.parse(stdout.join("")) as RunJson;
    expect(doc).toMatchObject({ ok: false, exitCode: 2, error: { name: "UsageError" } });
    expect(doc.error?.message).toContain("--key is required");
  });

  it("leaves stdout empty with text output", async () => {
    // GIVEN
    const { io, stdout, stderr } = recordingIo();
    // WHEN
    const exitCode = await runReplicate({ ...flags, output: "text" }, io);
    // THEN
    expect(exitCode).toBe(2);
    expect(stdout).toEqual([]);
    expect(stderr.join("")).toContain("EU-WEST-1");
  });
});

const PRIMARY: PrimaryKey = {
  keyId: "mrk-1",
  arn: "arn:aws:kms:us-east-1:111122223333:key/mrk-1",
  region: "us-east-1",
  partition: "aws",
  replicas: [{ region: "eu-central-1", arn: "arn:aws:kms:eu-central-1:111122223333:key/mrk-1" }],
};

describe("createRunSnapshot", () => {
  it("knows nothing before the plan", () => {
    const snapshot = createRunSnapshot();
    expect(snapshot.planned).toBe(false);
    expect(snapshot.results(10)).toEqual([]);
  });

  it("lists every planned Region in plan order: settled results as they are, the others interrupted", () => {
    // GIVEN a run that settled one Region and is at different phases in the others
    const snapshot = createRunSnapshot();
    const regions = ["eu-west-1", "eu-central-1", "ap-south-1", "sa-east-1", "us-west-2"];
    snapshot.record({ type: "plan", primary: PRIMARY, regions });
    snapshot.record({ type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "requesting" });
    snapshot.record({ type: "phase", keyId: KEY_ID, region: "eu-central-1", phase: "checking" });
    snapshot.record({
      type: "phase",
      keyId: KEY_ID,
      region: "ap-south-1",
      phase: "creating",
      keyState: "Creating",
    });
    snapshot.record({ type: "phase", keyId: KEY_ID, region: "ap-south-1", phase: "creating" });
    const settled: RegionResult = {
      region: "us-west-2",
      status: "created",
      keyState: "Enabled",
      elapsedMs: 5,
    };
    snapshot.record({ type: "settled", keyId: KEY_ID, result: settled });
    snapshot.record({ type: "warning", message: "ignored" });
    // WHEN
    const results = snapshot.results(1234.4);
    // THEN
    expect(snapshot.planned).toBe(true);
    expect(snapshot.primary).toBe(PRIMARY);
    expect(results.map((r) => [r.region, r.status, r.keyState, r.elapsedMs])).toEqual([
      ["eu-west-1", "interrupted", undefined, 1234],
      ["eu-central-1", "interrupted", undefined, 1234],
      ["ap-south-1", "interrupted", "Creating", 1234],
      ["sa-east-1", "interrupted", undefined, 1234],
      ["us-west-2", "created", "Enabled", 5],
    ]);
    expect(results[0]?.note).toMatch(/in flight; the replica may exist/);
    expect(results[1]?.replicaArn).toBe(PRIMARY.replicas[0]?.arn);
    expect(results[1]?.note).toMatch(/exists in AWS/);
    expect(results[2]?.note).toMatch(/it exists in AWS/);
    expect(results[3]?.note).toMatch(/ReplicateKey was not sent/);
  });

  it("keeps the primary set before any plan (a run that failed after DescribeKey)", () => {
    const snapshot = createRunSnapshot();
    snapshot.setPrimary(PRIMARY);
    expect(snapshot.primary).toBe(PRIMARY);
    expect(snapshot.planned).toBe(false);
  });
});

describe("usageDocument", () => {
  it("has the shape of the command's own document, exit 2 and the message", () => {
    const run = JSON.parse(usageDocument("wait", "unknown option '--bogus'")) as RunJson;
    expect(run).toMatchObject({
      version: 1,
      command: "wait",
      ok: false,
      exitCode: 2,
      regions: [],
      error: { name: "UsageError", message: "unknown option '--bogus'" },
    });
    const status = JSON.parse(usageDocument("status", "x")) as StatusJson;
    expect(status).toMatchObject({ command: "status", exitCode: 2, keys: [], error: { name: "UsageError" } });
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

  it("renders the JSON of what is known: settled Regions as they are, the others interrupted", async () => {
    // GIVEN a run whose eu-west-1 replica never leaves Creating, and that records its last words
    kms.configure({ creatingDelayMs: 0, creatingDelayByRegion: { "eu-west-1": null } });
    const arn = String(kms.createKey("us-east-1", { MultiRegion: true }).Arn);
    const controller = new AbortController();
    let words: LastWords | undefined;
    const { io, stdout } = recordingIo();
    const running = runReplicate(
      {
        key: arn,
        regions: ["eu-west-1,eu-central-1"],
        endpointUrl: kms.url,
        output: "json",
        color: false,
        wait: true,
      },
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
    const running = runStatus(
      { key: arn, endpointUrl: kms.url, output: "json", color: false },
      { ...io, signal: controller.signal, lastWords: (w) => (words = w) },
    );
    await vi.waitFor(() => expect(kms.callCount("us-east-1", "DescribeKey")).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 20,
    });
    // WHEN
    const ending = words?.(new Stop("SIGHUP"));
    // THEN
    expect(ending?.exitCode).toBe(129);
    expect(JSON.parse(ending?.stdout ?? "")).toMatchObject({
      command: "status",
      exitCode: 129,
      keys: [],
      error: { name: "Interrupted", message: expect.stringMatching(/a second SIGHUP/) as unknown },
    });
    controller.abort(new Stop("SIGHUP"));
    expect(await running).toBe(129);
  });
});
