import { describe, expect, it } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import type { RegionResult } from "../../../src/core/events.js";
import {
  entryOf,
  fleetDocument,
  fleetExitCode,
  keyOutcome,
  keyOutcomeOf,
  type FleetKeyJson,
  type FleetRunJson,
} from "../../../src/report/fleet.js";
import { runJson } from "../../../src/report/json.js";
import { promoteJson } from "../../../src/commands/promote/render.js";
import { PRIMARY, arnIn } from "../../support/fixtures.js";

const result = (region: string, status: "created" | "exists" | "timeout"): RegionResult => ({
  region,
  status,
  keyState: status === "timeout" ? "Creating" : "Enabled",
  replicaArn: arnIn(region),
  elapsedMs: 1000,
});

/** One key's entry, as the fleet runner makes it: the version-1 document without the envelope. */
function runEntry(given: string, exitCode: ExitCode, results: readonly RegionResult[]): FleetKeyJson {
  const doc = runJson({
    command: "replicate",
    exitCode,
    dryRun: false,
    primary: PRIMARY,
    results,
    warnings: ["per-run, not per-key"],
    elapsedMs: 1234,
  });
  return entryOf(given, doc);
}

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
  });

  it("counts a key refused by a check (2 on its own) as failed", () => {
    // GIVEN / WHEN / THEN
    expect(keyOutcomeOf(EXIT.usage)).toBe("failed");
    expect(keyOutcomeOf(EXIT.hangup)).toBe("interrupted");
  });
});

describe("keyOutcome: notStarted among the keys with exit code 3", () => {
  const notStarted = (region: string): RegionResult => ({ region, status: "notStarted", elapsedMs: 1 });

  it("a key whose every Region is notStarted is notStarted; one with a Region begun is timeout", () => {
    // GIVEN / WHEN / THEN
    expect(keyOutcome(runEntry("a", EXIT.timeout, [notStarted("eu-west-1"), notStarted("sa-east-1")]))).toBe(
      "notStarted",
    );
    expect(
      keyOutcome(runEntry("b", EXIT.timeout, [notStarted("eu-west-1"), result("sa-east-1", "timeout")])),
    ).toBe("timeout");
    expect(keyOutcome(runEntry("c", EXIT.ok, [result("eu-west-1", "created")]))).toBe("ok");
  });

  it("a key never started (error NotStarted) and a promotion not sent are notStarted", () => {
    const late = entryOf(
      "k",
      runJson({
        command: "replicate",
        exitCode: EXIT.timeout,
        dryRun: false,
        primary: PRIMARY,
        results: [],
        error: { name: "NotStarted", message: "--timeout ran out before this key's turn" },
        warnings: [],
        elapsedMs: 1,
      }),
    );
    expect(keyOutcome(late)).toBe("notStarted");
    const promotion = (outcome: "notStarted" | "timeout"): FleetKeyJson =>
      entryOf(
        "k",
        promoteJson({
          exitCode: EXIT.timeout,
          dryRun: false,
          to: "eu-west-1",
          report: {
            outcome,
            keyId: "mrk-1",
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
          },
          error: null,
          warnings: [],
          elapsedMs: 1,
        }),
      );
    expect(keyOutcome(promotion("notStarted"))).toBe("notStarted");
    expect(keyOutcome(promotion("timeout"))).toBe("timeout");
  });
});

describe("entryOf", () => {
  it("keeps what the version-1 document says of the key, without the run's envelope, `key` first", () => {
    // GIVEN / WHEN
    const entry = runEntry("alias/payments", EXIT.ok, [result("eu-west-1", "created")]);
    // THEN
    expect(Object.keys(entry)).toEqual(["key", "ok", "exitCode", "primary", "regions", "summary", "error"]);
    expect(entry).toMatchObject({ key: "alias/payments", ok: true, primary: { keyId: PRIMARY.keyId } });
  });
});

describe("fleetDocument", () => {
  const selection = {
    keys: [],
    keysFrom: "-",
    allPrimaries: false,
    regions: ["us-east-1"],
    selectTags: [{ TagKey: "dr", TagValue: "true" }],
  };
  const stats = { listed: 0, multiRegion: 0, candidates: 2, selected: 2 };

  it("is version 2, with an entry per key and totals per key, status and target Region", () => {
    // GIVEN
    const keys = [
      runEntry("k1", EXIT.ok, [result("eu-west-1", "created"), result("ap-southeast-2", "exists")]),
      runEntry("k2", EXIT.timeout, [result("eu-west-1", "timeout"), result("ap-southeast-2", "created")]),
    ];
    // WHEN
    const doc = fleetDocument({
      command: "replicate",
      exitCode: EXIT.timeout,
      dryRun: false,
      selection,
      stats,
      keys,
      error: null,
      warnings: [],
      elapsedMs: 5000.4,
    }) as FleetRunJson;
    // THEN
    expect(Object.keys(doc)).toEqual([
      "version",
      "command",
      "ok",
      "exitCode",
      "dryRun",
      "selection",
      "keys",
      "totals",
      "error",
      "warnings",
      "elapsedMs",
    ]);
    expect(doc).toMatchObject({ version: 2, command: "replicate", ok: false, exitCode: 3, elapsedMs: 5000 });
    expect(doc.selection).toEqual({ ...selection, ...stats });
    expect(doc.totals.keys).toEqual({
      ok: 1,
      failed: 0,
      timeout: 1,
      notStarted: 0,
      drift: 0,
      interrupted: 0,
      total: 2,
    });
    expect(doc.totals.regions).toMatchObject({ created: 2, exists: 1, timeout: 1, failed: 0 });
    expect(doc.totals.byRegion).toEqual({
      "eu-west-1": expect.objectContaining({ created: 1, timeout: 1, exists: 0 }) as unknown,
      "ap-southeast-2": expect.objectContaining({ created: 1, exists: 1 }) as unknown,
    });
  });

  it("a run refused before its selection has no selection and no keys", () => {
    // GIVEN / WHEN
    const doc = fleetDocument({
      command: "sync",
      exitCode: EXIT.usage,
      dryRun: false,
      keys: [],
      error: { name: "UsageError", message: "--keys-from x: cannot read it (ENOENT)." },
      warnings: [],
      elapsedMs: 3,
    });
    // THEN
    expect(doc).toMatchObject({ version: 2, command: "sync", ok: false, selection: null, keys: [] });
    expect(doc.totals.keys.total).toBe(0);
  });

  it("promote: the target Region, and the keys by promote outcome", () => {
    // GIVEN
    const entry = (outcome: "promoted" | "unchanged"): FleetKeyJson =>
      entryOf(
        PRIMARY.arn,
        promoteJson({
          exitCode: EXIT.ok,
          dryRun: false,
          to: "us-west-2",
          report: {
            outcome,
            keyId: PRIMARY.keyId,
            to: "us-west-2",
            oldPrimary: {
              region: "us-east-1",
              arn: PRIMARY.arn,
              role: "REPLICA",
              keyState: "Enabled",
              primaryRegion: "us-west-2",
            },
            keys: [],
            accepted: outcome === "promoted",
            calls: outcome === "promoted" ? 1 : 0,
          },
          error: null,
          warnings: [],
          elapsedMs: 0,
        }),
      );
    // WHEN
    const doc = fleetDocument({
      command: "promote",
      exitCode: EXIT.ok,
      dryRun: false,
      to: "us-west-2",
      keys: [entry("promoted"), entry("unchanged"), entry("promoted")],
      error: null,
      warnings: [],
      elapsedMs: 0,
    });
    // THEN
    expect(doc).toMatchObject({
      command: "promote",
      to: "us-west-2",
      totals: { outcomes: { promoted: 2, unchanged: 1, failed: 0 } },
    });
  });
});
