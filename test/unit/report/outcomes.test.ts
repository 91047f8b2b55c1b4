// How a key of a fleet ended (its exit code, and notStarted among the keys with exit code 3), and
// the run's exit code from its keys'; a command's view of a key says whether nothing of it began.
import { describe, expect, it } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import type { RegionResult } from "../../../src/core/events.js";
import type { PromoteOutcome, PromoteReport } from "../../../src/commands/promote/json.js";
import { work as promote } from "../../../src/commands/promote/run.js";
import { work as replicate } from "../../../src/commands/replicate/run.js";
import { work as wait } from "../../../src/commands/wait/run.js";
import {
  fleetExitCode,
  keyOutcome,
  keyOutcomeOf,
  KEY_OUTCOMES,
  type KeyOutcome,
} from "../../../src/report/outcomes.js";
import { keyRun } from "../../support/fleet-documents.js";
import { PRIMARY, arnIn } from "../../support/fixtures.js";

describe("fleetExitCode: the worst outcome of any key", () => {
  it.each([
    { codes: [0, 0], expected: 0 },
    { codes: [0, 4], expected: 4 },
    { codes: [4, 3, 0], expected: 3 },
    { codes: [3, 2], expected: 1 },
    { codes: [0, 1, 3], expected: 1 },
    { codes: [1, 130], expected: 130 },
    { codes: [], expected: 0 },
  ] as { codes: ExitCode[]; expected: ExitCode }[])("$codes → $expected", ({ codes, expected }) => {
    // GIVEN / WHEN / THEN
    expect(fleetExitCode(codes)).toBe(expected);
  });

  it("says which signal stopped the run", () => {
    // GIVEN / WHEN / THEN
    expect(fleetExitCode([EXIT.ok, EXIT.interrupted], EXIT.terminated)).toBe(143);
    expect(fleetExitCode([EXIT.hangup, EXIT.failed], EXIT.hangup)).toBe(129);
  });
});

describe("keyOutcomeOf: a key's outcome from its exit code", () => {
  it.each([
    [EXIT.ok, "ok"],
    [EXIT.failed, "failed"],
    // A key refused by a check (2 on its own) is a failure among the others.
    [EXIT.usage, "failed"],
    [EXIT.timeout, "timeout"],
    [EXIT.drift, "drift"],
    [EXIT.interrupted, "interrupted"],
    [EXIT.terminated, "interrupted"],
    [EXIT.hangup, "interrupted"],
  ] as [ExitCode, KeyOutcome][])("%s → %s", (code, outcome) => {
    expect(keyOutcomeOf(code)).toBe(outcome);
  });

  it("names every outcome a key can have, notStarted among them", () => {
    expect(KEY_OUTCOMES).toEqual(["ok", "failed", "timeout", "notStarted", "drift", "interrupted"]);
  });
});

describe("keyOutcome: notStarted among the keys with exit code 3", () => {
  it("is notStarted when the key never started (NotStarted) or nothing of it was begun", () => {
    // GIVEN / WHEN / THEN
    const late = { name: "NotStarted", message: "--timeout ran out before this key's turn" };
    expect(keyOutcome(EXIT.timeout, late, false)).toBe("notStarted");
    expect(keyOutcome(EXIT.timeout, null, true)).toBe("notStarted");
    expect(keyOutcome(EXIT.timeout, undefined, false)).toBe("timeout");
    expect(keyOutcome(EXIT.timeout, { name: "TimeoutError" }, false)).toBe("timeout");
  });

  it("only for exit code 3: any other key keeps its exit code's outcome", () => {
    // GIVEN / WHEN / THEN
    const late = { name: "NotStarted", message: "late" };
    expect(keyOutcome(EXIT.ok, null, true)).toBe("ok");
    expect(keyOutcome(EXIT.failed, late, true)).toBe("failed");
    expect(keyOutcome(EXIT.interrupted, late, true)).toBe("interrupted");
  });
});

describe("a command's view of a key says what began", () => {
  const result = (region: string, status: "created" | "timeout" | "notStarted"): RegionResult => ({
    region,
    status,
    keyState: status === "notStarted" ? undefined : "Creating",
    replicaArn: status === "notStarted" ? undefined : arnIn(region),
    elapsedMs: 1,
  });
  const outcomeOf = (exitCode: ExitCode, results: readonly RegionResult[]): KeyOutcome =>
    replicate.render.view(keyRun("k", exitCode, { primary: PRIMARY, results }), undefined).outcome;

  it("replicate: a key whose every Region is notStarted is notStarted; one with a Region begun is timeout", () => {
    // GIVEN / WHEN / THEN
    expect(
      outcomeOf(EXIT.timeout, [result("eu-west-1", "notStarted"), result("sa-east-1", "notStarted")]),
    ).toBe("notStarted");
    expect(outcomeOf(EXIT.timeout, [result("eu-west-1", "notStarted"), result("sa-east-1", "timeout")])).toBe(
      "timeout",
    );
    expect(outcomeOf(EXIT.ok, [{ ...result("eu-west-1", "created"), keyState: "Enabled" }])).toBe("ok");
    // No Region at all is not "nothing begun": the key's exit code says it.
    expect(outcomeOf(EXIT.timeout, [])).toBe("timeout");
  });

  it("wait: a key never started (its failure NotStarted, no result) is notStarted", () => {
    // GIVEN
    const late = keyRun<never>("k", EXIT.timeout, undefined, {
      name: "NotStarted",
      message: "--timeout ran out before this key's turn",
    });
    // WHEN / THEN
    expect(wait.render.view(late, undefined).outcome).toBe("notStarted");
  });

  it("promote: a promotion not sent is notStarted; one sent and not settled is timeout", () => {
    // GIVEN
    const report = (outcome: PromoteOutcome): PromoteReport => ({
      outcome,
      keyId: PRIMARY.keyId,
      to: "eu-west-1",
      oldPrimary: {
        region: "us-east-1",
        arn: PRIMARY.arn,
        role: "PRIMARY",
        keyState: "Enabled",
        primaryRegion: "us-east-1",
      },
      keys: [],
      accepted: outcome === "timeout",
      calls: outcome === "timeout" ? 1 : 0,
    });
    const outcome = (o: PromoteOutcome): KeyOutcome =>
      promote.render.view(keyRun("k", EXIT.timeout, report(o)), undefined).outcome;
    // WHEN / THEN
    expect(outcome("notStarted")).toBe("notStarted");
    expect(outcome("timeout")).toBe("timeout");
  });
});
