import { describe, it, expect } from "vitest";
import type { ExitCode } from "../../../src/core/errors.js";
import type { Applied, PrimaryKey, RegionResult } from "../../../src/core/events.js";
import { renderJson } from "../../../src/cli/document.js";
import { JSON_VERSION, regionJson, runJson } from "../../../src/report/json.js";
import { PRIMARY as FIXTURE, arnIn } from "../../support/fixtures.js";

/** A primary whose origin DescribeKey did not give: the JSON says null. */
const PRIMARY: PrimaryKey = { ...FIXTURE, origin: undefined };
const APPLIED: Applied = {
  tags: [{ TagKey: "team", TagValue: "payments" }],
  description: null,
  policySource: "default",
  aliases: ["alias/payments"],
};

describe("regionJson", () => {
  it.each<{ result: RegionResult; json: object }>([
    {
      result: {
        region: "eu-west-1",
        status: "created",
        keyState: "Enabled",
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 4200,
      },
      json: {
        region: "eu-west-1",
        status: "created",
        keyState: "Enabled",
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 4200,
        error: null,
        note: null,
        applied: null,
        converged: [],
        keyMaterial: null,
      },
    },
    {
      result: {
        region: "eu-west-1",
        status: "exists",
        keyState: "PendingImport",
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 10,
        note: "import",
      },
      json: {
        region: "eu-west-1",
        status: "exists",
        keyState: "PendingImport",
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 10,
        error: null,
        note: "import",
        applied: null,
        converged: [],
        keyMaterial: null,
      },
    },
    {
      result: { region: "eu-west-1", status: "planned", replicaArn: arnIn("eu-west-1"), elapsedMs: 0 },
      json: {
        region: "eu-west-1",
        status: "planned",
        keyState: null,
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 0,
        error: null,
        note: null,
        applied: null,
        converged: [],
        keyMaterial: null,
      },
    },
    {
      result: {
        region: "eu-west-1",
        status: "failed",
        elapsedMs: 12,
        error: { name: "AccessDeniedException", message: "denied", hint: "grant it" },
      },
      json: {
        region: "eu-west-1",
        status: "failed",
        keyState: null,
        replicaArn: null,
        elapsedMs: 12,
        error: { name: "AccessDeniedException", message: "denied", hint: "grant it" },
        note: null,
        applied: null,
        converged: [],
        keyMaterial: null,
      },
    },
    {
      result: {
        region: "eu-west-1",
        status: "timeout",
        keyState: "Creating",
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 60_000,
        note: "re-run",
      },
      json: {
        region: "eu-west-1",
        status: "timeout",
        keyState: "Creating",
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 60_000,
        error: null,
        note: "re-run",
        applied: null,
        converged: [],
        keyMaterial: null,
      },
    },
    {
      result: { region: "eu-west-1", status: "interrupted", elapsedMs: 5, note: "nothing was created" },
      json: {
        region: "eu-west-1",
        status: "interrupted",
        keyState: null,
        replicaArn: null,
        elapsedMs: 5,
        error: null,
        note: "nothing was created",
        applied: null,
        converged: [],
        keyMaterial: null,
      },
    },
    {
      result: {
        region: "eu-west-1",
        status: "planned",
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 0,
        applied: APPLIED,
      },
      json: {
        region: "eu-west-1",
        status: "planned",
        keyState: null,
        replicaArn: arnIn("eu-west-1"),
        elapsedMs: 0,
        error: null,
        note: null,
        applied: APPLIED,
        converged: [],
        keyMaterial: null,
      },
    },
  ])("$result.status: every field present, absent ones as null", ({ result, json }) => {
    // GIVEN / WHEN / THEN
    expect(regionJson(result)).toStrictEqual(json);
  });
});

describe("runJson", () => {
  it("describes a run with mixed outcomes: version, ok, exit code, primary, Regions and counts", () => {
    // GIVEN
    const results: RegionResult[] = [
      { region: "eu-west-1", status: "created", keyState: "Enabled", elapsedMs: 1 },
      { region: "eu-west-2", status: "created", keyState: "Enabled", elapsedMs: 1 },
      { region: "eu-west-3", status: "exists", keyState: "Enabled", elapsedMs: 1 },
      { region: "ap-southeast-2", status: "failed", elapsedMs: 1, error: { name: "X", message: "y" } },
      { region: "us-west-2", status: "timeout", keyState: "Creating", elapsedMs: 1 },
    ];
    // WHEN
    const doc = runJson({
      command: "replicate",
      exitCode: 1,
      dryRun: false,
      primary: PRIMARY,
      results,
      warnings: ["w"],
      elapsedMs: 1234.6,
    });
    // THEN
    expect(doc).toStrictEqual({
      version: 1,
      command: "replicate",
      ok: false,
      exitCode: 1,
      dryRun: false,
      primary: {
        keyId: PRIMARY.keyId,
        arn: PRIMARY.arn,
        region: "us-east-1",
        partition: "aws",
        keySpec: "SYMMETRIC_DEFAULT",
        keyUsage: "ENCRYPT_DECRYPT",
        origin: null,
      },
      regions: results.map(regionJson),
      summary: {
        created: 2,
        imported: 0,
        ready: 0,
        exists: 1,
        creating: 0,
        planned: 0,
        failed: 1,
        timeout: 1,
        notStarted: 0,
        interrupted: 0,
      },
      error: null,
      warnings: ["w"],
      elapsedMs: 1235,
    });
    expect(JSON_VERSION).toBe(1);
  });

  it.each<{ exitCode: ExitCode; ok: boolean }>([
    { exitCode: 0, ok: true },
    { exitCode: 1, ok: false },
    { exitCode: 2, ok: false },
    { exitCode: 3, ok: false },
    { exitCode: 130, ok: false },
  ])("ok is $ok for exit code $exitCode", ({ exitCode, ok }) => {
    // GIVEN / WHEN
    const doc = runJson({
      command: "replicate",
      exitCode,
      dryRun: false,
      results: [],
      warnings: [],
      elapsedMs: 0,
    });
    // THEN
    expect(doc.ok).toBe(ok);
    expect(doc.exitCode).toBe(exitCode);
  });

  it("a run that stopped early has no primary, no Regions, and the error", () => {
    // GIVEN
    const error = {
      name: "InvalidRegion",
      message: "1 target Region is not valid",
      invalidRegions: [{ region: "x", reason: "y" }],
    };
    // WHEN
    const doc = runJson({
      command: "replicate",
      exitCode: 2,
      dryRun: true,
      results: [],
      error,
      warnings: [],
      elapsedMs: 3,
    });
    // THEN
    expect(doc.primary).toBeNull();
    expect(doc.regions).toEqual([]);
    expect(doc.dryRun).toBe(true);
    expect(doc.error).toEqual(error);
    expect(Object.values(doc.summary).every((n) => n === 0)).toBe(true);
  });

  it("renders one JSON document ending in a newline that parses back to the same value", () => {
    // GIVEN
    const doc = runJson({
      command: "wait",
      exitCode: 0,
      dryRun: false,
      primary: PRIMARY,
      results: [],
      warnings: [],
      elapsedMs: 0,
    });
    // WHEN
    const text = renderJson(doc);
    // THEN
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual(doc);
  });
});
