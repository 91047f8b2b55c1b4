// The person's view of a run over one key: the reporter's lines as events come (its plan line from
// the command module), then the command's closing view (replicate's render: its summary and hints),
// written to the same stream as the runner writes them.
import { PassThrough } from "node:stream";
import { Chalk } from "chalk";
import { afterEach, beforeEach, describe, it, expect, vi } from "vitest";
import type { RegionResult, ReplicaEvent } from "../../../src/core/events.js";
import { COPY_NOTHING } from "../../../src/core/options.js";
import type { ReplicateOptions } from "../../../src/commands/replicate/flags.js";
import { work } from "../../../src/commands/replicate/run.js";
import { createHumanReporter, type HumanReporter } from "../../../src/report/live.js";
import type { ResumeOptions } from "../../../src/report/resume.js";
import type { OutputMode } from "../../../src/report/mode.js";
import { forPeople } from "../../../src/report/terminal-text.js";
import { KEY_ID, PRIMARY, arnIn } from "../../support/fixtures.js";

const PLAIN_MODE: OutputMode = {
  spinner: false,
  color: false,
  json: false,
  quiet: false,
  debug: false,
  table: { aligned: false, columns: 80, color: false },
  heartbeatMs: 0,
};

/** `replicate --regions … --timeout 20m`, as its flags.ts makes it. */
const OPTIONS: ReplicateOptions = {
  regions: ["eu-west-1", "eu-central-1"],
  bypassPolicyLockoutSafetyCheck: false,
  tags: [],
  timeoutMs: 1_200_000,
  wait: true,
  dryRun: false,
  concurrency: 5,
  copy: COPY_NOTHING,
};

interface Recorded {
  readonly reporter: HumanReporter;
  readonly lines: () => string[];
  /** The end of the run, as the runner ends it: the reporter stopped, then replicate's closing view. */
  readonly finish: (results: readonly RegionResult[], elapsedMs: number, resume?: ResumeOptions) => void;
}

async function reporter(
  mode: Partial<OutputMode> = {},
  options: { now?: () => number } = {},
): Promise<Recorded> {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const chalk = new Chalk({ level: 0 });
  const full = { ...PLAIN_MODE, ...mode };
  const human = await createHumanReporter({
    mode: full,
    stream,
    chalk,
    dryRun: false,
    now: options.now ?? (() => 0),
    // replicate's own plan line (it has one: `?? ""` never shows).
    planLine: (event, c, dryRun) => work.render.planLine?.(event, c, dryRun) ?? "",
  });
  const finish = (
    results: readonly RegionResult[],
    elapsedMs: number,
    resume: ResumeOptions = { timeoutMs: 1_200_000 },
  ): void => {
    human.stop();
    const result = { primary: PRIMARY, results };
    const run = {
      key: { given: PRIMARY.arn, primary: PRIMARY, rank: 0 },
      result,
      exitCode: work.render.exitCode(result, undefined),
    };
    const ctx = { mode: full, paint: chalk, resume, elapsedMs, dryRun: false };
    stream.write(forPeople(work.render.finish(run, OPTIONS, ctx).stderr, full.color));
  };
  return { reporter: human, lines: () => text.split("\n").filter((line) => line !== ""), finish };
}

const failedCall = (attempt: number, region = "us-east-1"): ReplicaEvent => ({
  type: "call",
  operation: "DescribeKey",
  region,
  attempt,
  durationMs: 3,
  errorName: "ECONNREFUSED",
  willRetry: true,
});

describe("createHumanReporter (no terminal)", () => {
  it("prints the plan, a line per settled Region and the summary", async () => {
    // GIVEN
    const { reporter: r, lines, finish } = await reporter();
    // WHEN
    r.event({ type: "plan", primary: PRIMARY, regions: ["eu-west-1"] });
    r.event({ type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "creating", keyState: "Creating" });
    const result = { region: "eu-west-1", status: "created" as const, keyState: "Enabled", elapsedMs: 2_500 };
    r.event({ type: "settled", keyId: KEY_ID, result });
    finish([result], 2_500);
    // THEN no progress frames, only settled facts
    expect(lines()).toEqual([
      `Replicating ${PRIMARY.keyId} from us-east-1 (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT, AWS_KMS) into 1 Region: eu-west-1`,
      "✔ eu-west-1      created     Enabled         2.5s",
      "1 created in 2.5s.",
    ]);
  });

  it("announces a call that keeps failing once per operation and Region, not at every attempt", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter();
    // WHEN
    for (const attempt of [1, 2, 3, 4]) r.event(failedCall(attempt));
    for (const attempt of [1, 2]) r.event(failedCall(attempt)); // the next call fails the same way
    for (const attempt of [1, 2]) r.event(failedCall(attempt, "eu-west-1"));
    // THEN
    expect(lines()).toEqual([
      "⚠ DescribeKey in us-east-1 failed twice (ECONNREFUSED); retrying with backoff. --debug shows every attempt.",
      "⚠ DescribeKey in eu-west-1 failed twice (ECONNREFUSED); retrying with backoff. --debug shows every attempt.",
    ]);
  });

  it("with --debug, prints every call instead of the notice", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter({ debug: true });
    // WHEN
    for (const attempt of [1, 2]) r.event(failedCall(attempt));
    // THEN
    expect(lines()).toEqual([
      "[debug] KMS.DescribeKey(us-east-1) attempt 1 [3ms] -> ECONNREFUSED, retrying",
      "[debug] KMS.DescribeKey(us-east-1) attempt 2 [3ms] -> ECONNREFUSED, retrying",
    ]);
  });

  it("with --quiet, prints only failures and run-ending errors", async () => {
    // GIVEN
    const { reporter: r, lines, finish } = await reporter({ quiet: true });
    // WHEN
    r.event({ type: "plan", primary: PRIMARY, regions: ["eu-west-1", "sa-east-1"] });
    for (const attempt of [1, 2]) r.event(failedCall(attempt));
    r.event({ type: "warning", message: "eu-west-1 was given more than once" });
    const ok = { region: "eu-west-1", status: "created" as const, keyState: "Enabled", elapsedMs: 1_000 };
    const bad = {
      region: "sa-east-1",
      status: "failed" as const,
      elapsedMs: 1_000,
      error: { name: "AccessDeniedException", message: "not allowed", hint: "grant kms:CreateKey" },
    };
    r.event({ type: "settled", keyId: KEY_ID, result: ok });
    r.event({ type: "settled", keyId: KEY_ID, result: bad });
    r.error({ name: "UsageError", message: "stopped" });
    finish([ok, bad], 1_000);
    // THEN
    expect(lines()[0]).toMatch(/^✖ sa-east-1 +failed/);
    expect(lines().join("\n")).not.toMatch(/eu-west-1|failed twice|Replicating|1 created/);
    expect(lines().at(-1)).toBe("✖ stopped");
  });
});

describe("createHumanReporter: heartbeat (no spinner)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("says which Regions are still awaited every interval, and stops when they settle", async () => {
    // GIVEN a reporter with a heartbeat every 30 s, on a fake clock
    const { reporter: r, lines } = await reporter({ heartbeatMs: 30_000 }, { now: () => Date.now() });
    r.event({ type: "plan", primary: PRIMARY, regions: ["eu-west-1", "ap-southeast-2"] });
    r.event({ type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "creating", keyState: "Creating" });
    r.event({
      type: "phase",
      keyId: KEY_ID,
      region: "ap-southeast-2",
      phase: "creating",
      keyState: "Creating",
    });
    // WHEN 29 s pass, then 1 s more, then 4 minutes
    vi.advanceTimersByTime(29_999);
    const before = lines().filter((l) => l.startsWith("waiting:"));
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(240_000);
    // THEN nothing before 30 s, then a line every 30 s
    expect(before).toEqual([]);
    const beats = lines().filter((l) => l.startsWith("waiting:"));
    expect(beats).toHaveLength(9);
    expect(beats[0]).toBe("waiting: eu-west-1 Creating 30s, ap-southeast-2 Creating 30s");
    expect(beats.at(-1)).toBe("waiting: eu-west-1 Creating 4m30s, ap-southeast-2 Creating 4m30s");
    // WHEN one Region settles: only the other one is named
    const west = { region: "eu-west-1", status: "created" as const, keyState: "Enabled", elapsedMs: 270_000 };
    r.event({ type: "settled", keyId: KEY_ID, result: west });
    vi.advanceTimersByTime(30_000);
    expect(lines().at(-1)).toBe("waiting: ap-southeast-2 Creating 5m00s");
    // WHEN the last one settles: no more lines, and no timer is left behind
    r.event({ type: "settled", keyId: KEY_ID, result: { ...west, region: "ap-southeast-2" } });
    const count = lines().length;
    vi.advanceTimersByTime(300_000);
    expect(lines()).toHaveLength(count);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears its timer when the run ends with Regions still in progress", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter({ heartbeatMs: 1_000 }, { now: () => Date.now() });
    r.event({ type: "plan", primary: PRIMARY, regions: ["eu-west-1"] });
    r.event({ type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "requesting" });
    // WHEN
    r.error({ name: "UsageError", message: "stopped" });
    vi.advanceTimersByTime(10_000);
    // THEN
    expect(lines().filter((l) => l.startsWith("waiting:"))).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("prints nothing with heartbeatMs 0", async () => {
    // GIVEN
    const { reporter: r, lines } = await reporter({ heartbeatMs: 0 }, { now: () => Date.now() });
    r.event({ type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "creating" });
    // WHEN
    vi.advanceTimersByTime(600_000);
    // THEN
    expect(lines()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("createHumanReporter: timeout", () => {
  const timedOut = {
    region: "eu-central-1",
    status: "timeout" as const,
    keyState: "Creating",
    replicaArn: arnIn("eu-central-1"),
    elapsedMs: 2_000,
  };

  it("prints the replica's ARN and the `kms-replicate wait` that continues, also with --quiet", async () => {
    for (const quiet of [false, true]) {
      // GIVEN
      const { reporter: r, lines, finish } = await reporter({ quiet });
      const done = {
        region: "eu-west-1",
        status: "created" as const,
        keyState: "Enabled",
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 1_000,
      };
      // WHEN
      r.event({ type: "plan", primary: PRIMARY, regions: ["eu-west-1", "eu-central-1"] });
      r.event({ type: "settled", keyId: KEY_ID, result: done });
      r.event({ type: "settled", keyId: KEY_ID, result: timedOut });
      finish([done, timedOut], 2_000, { endpointUrl: "http://127.0.0.1:4566", timeoutMs: 1_200_000 });
      // THEN
      expect(lines().find((l) => l.startsWith("⏱ eu-central-1"))).toMatch(
        / arn:aws:kms:eu-central-1:111122223333:key\/mrk-/,
      );
      expect(lines().slice(-2)).toEqual([
        "To keep waiting for it:",
        `  kms-replicate wait --key ${PRIMARY.arn} --regions eu-central-1 --endpoint-url http://127.0.0.1:4566 --timeout 20m`,
      ]);
      if (!quiet) expect(lines().find((l) => l.startsWith("✔ eu-west-1"))).toContain(arnIn("eu-west-1"));
    }
  });

  it("prints no command when nothing timed out", async () => {
    // GIVEN
    const { reporter: r, lines, finish } = await reporter();
    const done = { region: "eu-west-1", status: "created" as const, keyState: "Enabled", elapsedMs: 1_000 };
    // WHEN
    r.event({ type: "plan", primary: PRIMARY, regions: ["eu-west-1"] });
    finish([done], 1_000, { timeoutMs: 1_200_000 });
    // THEN
    expect(lines().join("\n")).not.toContain("kms-replicate wait");
  });
});
