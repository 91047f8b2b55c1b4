import { PassThrough } from "node:stream";
import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import type { ReplicaEvent } from "../../../src/events.js";
import { createHumanReporter, type HumanReporter } from "../../../src/report/live.js";
import type { OutputMode } from "../../../src/terminal.js";
import { KEY_ID, PRIMARY } from "../../support/fixtures.js";

const PLAIN_MODE: OutputMode = { spinner: false, color: false, json: false, quiet: false, debug: false };

async function reporter(
  mode: Partial<OutputMode> = {},
): Promise<{ reporter: HumanReporter; lines: () => string[] }> {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const human = await createHumanReporter({
    mode: { ...PLAIN_MODE, ...mode },
    stream,
    chalk: new Chalk({ level: 0 }),
    dryRun: false,
    now: () => 0,
  });
  return { reporter: human, lines: () => text.split("\n").filter((line) => line !== "") };
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
    const { reporter: r, lines } = await reporter();
    // WHEN
    r.event({ type: "plan", primary: PRIMARY, regions: ["eu-west-1"] });
    r.event({ type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "creating", keyState: "Creating" });
    const result = { region: "eu-west-1", status: "created" as const, keyState: "Enabled", elapsedMs: 2_500 };
    r.event({ type: "settled", keyId: KEY_ID, result });
    r.finish([result], 2_500, false);
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
    const { reporter: r, lines } = await reporter({ quiet: true });
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
    r.finish([ok, bad], 1_000, false);
    // THEN
    expect(lines()[0]).toMatch(/^✖ sa-east-1 +failed/);
    expect(lines().join("\n")).not.toMatch(/eu-west-1|failed twice|Replicating|1 created/);
    expect(lines().at(-1)).toBe("✖ stopped");
  });
});
