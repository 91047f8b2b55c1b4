import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import type { RegionResult } from "../../../src/core/events.js";
import { planLine, regionLine, seconds, summaryLine } from "../../../src/report/lines.js";
import { PRIMARY, arnIn } from "../../support/fixtures.js";

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

describe("regionLine", () => {
  it("lines up symbol, Region, status, state and seconds", () => {
    // GIVEN
    const result: RegionResult = {
      region: "eu-west-1",
      status: "created",
      keyState: "Enabled",
      elapsedMs: 4_200,
    };
    // WHEN / THEN
    expect(regionLine(result, plain)).toBe("✔ eu-west-1      created     Enabled         4.2s");
  });

  it("ends with the replica's ARN when it is known", () => {
    // GIVEN
    const result: RegionResult = {
      region: "eu-west-1",
      status: "created",
      keyState: "Enabled",
      replicaArn: arnIn("eu-west-1"),
      elapsedMs: 4_200,
    };
    // WHEN / THEN
    expect(regionLine(result, plain)).toBe(
      `✔ eu-west-1      created     Enabled         4.2s  ${arnIn("eu-west-1")}`,
    );
  });

  it.each<{ result: RegionResult; parts: string[] }>([
    {
      result: { region: "eu-west-1", status: "exists", keyState: "Enabled", elapsedMs: 300 },
      parts: ["✔", "exists", "Enabled", "0.3s"],
    },
    {
      result: { region: "eu-west-1", status: "planned", elapsedMs: 0 },
      parts: ["○", "planned", " - ", "0.0s"],
    },
    {
      result: {
        region: "eu-west-1",
        status: "timeout",
        keyState: "Creating",
        elapsedMs: 1_200_000,
        note: "It may still finish.",
      },
      parts: ["⏱", "timeout", "Creating", "1200.0s", "\n    → It may still finish."],
    },
    {
      result: {
        region: "eu-west-1",
        status: "interrupted",
        elapsedMs: 1_500,
        note: "Nothing was created here.",
      },
      parts: ["■", "interrupted", "1.5s", "\n    → Nothing was created here."],
    },
    {
      result: {
        region: "eu-west-1",
        status: "created",
        keyState: "PendingImport",
        elapsedMs: 2_000,
        note: "Import the key material.",
      },
      parts: ["✔", "created", "PendingImport", "2.0s", "\n    → Import the key material."],
    },
  ])("shows $result.status with its state, seconds and note", ({ result, parts }) => {
    // GIVEN / WHEN
    const line = regionLine(result, plain);
    // THEN
    expect(line.startsWith(`${parts[0]} eu-west-1 `)).toBe(true);
    for (const part of parts) expect(line).toContain(part);
  });

  it("shows a failure's error name, message and hint on their own lines", () => {
    // GIVEN
    const result: RegionResult = {
      region: "ap-southeast-2",
      status: "failed",
      elapsedMs: 800,
      error: { name: "AccessDeniedException", message: "not allowed", hint: "Grant kms:ReplicateKey." },
    };
    // WHEN
    const lines = regionLine(result, plain).split("\n");
    // THEN
    expect(lines).toEqual([
      "✖ ap-southeast-2 failed      -               0.8s",
      "    AccessDeniedException: not allowed",
      "    → Grant kms:ReplicateKey.",
    ]);
  });

  it("widens the Region column for long Region names", () => {
    // GIVEN
    const result: RegionResult = {
      region: "ap-southeast-2",
      status: "created",
      keyState: "Enabled",
      elapsedMs: 0,
    };
    // WHEN / THEN
    expect(regionLine(result, plain, 20)).toContain("ap-southeast-2       created");
  });

  it("has no escape codes with colours off, and has them with colours on", () => {
    // GIVEN
    const result: RegionResult = {
      region: "eu-west-1",
      status: "failed",
      elapsedMs: 0,
      error: { name: "X", message: "y" },
    };
    // WHEN / THEN
    expect(regionLine(result, plain)).not.toContain("\u001b[");
    expect(regionLine(result, coloured)).toContain("\u001b[31m");
  });
});

describe("summaryLine", () => {
  it("counts each status in a fixed order, skipping those with none", () => {
    // GIVEN
    const results: RegionResult[] = [
      { region: "a-b-1", status: "failed", elapsedMs: 0, error: { name: "X", message: "y" } },
      { region: "a-b-2", status: "created", elapsedMs: 0 },
      { region: "a-b-3", status: "exists", elapsedMs: 0 },
      { region: "a-b-4", status: "created", elapsedMs: 0 },
      { region: "a-b-5", status: "timeout", elapsedMs: 0 },
    ];
    // WHEN / THEN
    expect(summaryLine(results, 12_345, false, plain)).toBe(
      "2 created, 1 exists, 1 failed, 1 timeout in 12.3s.",
    );
  });

  it("says a dry run changed nothing", () => {
    // GIVEN
    const results: RegionResult[] = [{ region: "a-b-1", status: "planned", elapsedMs: 0 }];
    // WHEN / THEN
    expect(summaryLine(results, 100, true, plain)).toBe("1 planned in 0.1s. Dry run: nothing was changed.");
  });
});

describe("planLine", () => {
  it.each([
    { dryRun: false, start: "Replicating " },
    { dryRun: true, start: "Dry run: would replicate " },
  ])("names the key, its Region, its facts and the targets (dry run: $dryRun)", ({ dryRun, start }) => {
    // GIVEN / WHEN
    const line = planLine(PRIMARY, ["eu-west-1", "ap-southeast-2"], dryRun, plain);
    // THEN
    expect(line).toBe(
      `${start}${PRIMARY.keyId} from us-east-1 (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT, AWS_KMS) into 2 Regions: eu-west-1, ap-southeast-2`,
    );
  });

  it("says that `wait` waits for existing replicas instead of replicating", () => {
    // GIVEN / WHEN
    const line = planLine(PRIMARY, ["eu-west-1"], false, plain, "wait");
    // THEN
    expect(line).toBe(
      `Waiting for the replicas of ${PRIMARY.keyId} (primary in us-east-1, SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT, AWS_KMS) in 1 Region: eu-west-1`,
    );
  });
});

describe("seconds", () => {
  it.each([
    { ms: 0, text: "0.0s" },
    { ms: 49, text: "0.0s" },
    { ms: 50, text: "0.1s" },
    { ms: 61_000, text: "61.0s" },
  ])("$ms ms → $text", ({ ms, text }) => {
    // GIVEN / WHEN / THEN
    expect(seconds(ms)).toBe(text);
  });
});
