import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, it, expect, vi } from "vitest";
import { ReplicateError, usageError } from "../../src/errors.js";
import type { RegionResult, RegionStatus } from "../../src/events.js";
import { exitCodeFor, runEndingError, runReplicate, type Io } from "../../src/main.js";
import type { RawReplicateFlags } from "../../src/options.js";
import type { RunJson } from "../../src/report/json.js";
import { PRIMARY_ARN } from "../support/fixtures.js";

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
