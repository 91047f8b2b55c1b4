// The version-2 envelope of a fleet run: every command's entries (its version-1 document without
// the envelope) and totals, made by the command's own render as the fleet runner makes them.
import { describe, expect, it } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import type { RegionResult } from "../../../src/core/events.js";
import type { FleetRunJson } from "../../../src/commands/shared/region-render.js";
import type { FleetPromoteJson, PromoteReport } from "../../../src/commands/promote/json.js";
import { work as promote } from "../../../src/commands/promote/run.js";
import { work as replicate } from "../../../src/commands/replicate/run.js";
import { work as sync } from "../../../src/commands/sync/run.js";
import { entryOf, fleetDocument, FLEET_JSON_VERSION } from "../../../src/report/fleet.js";
import { fleetParts, keyRun } from "../../support/fleet-documents.js";
import { PRIMARY, arnIn } from "../../support/fixtures.js";

const result = (region: string, status: "created" | "exists" | "timeout"): RegionResult => ({
  region,
  status,
  keyState: status === "timeout" ? "Creating" : "Enabled",
  replicaArn: arnIn(region),
  elapsedMs: 1000,
});

/** One key's settled replicate run. */
const replicated = (given: string, exitCode: ExitCode, results: readonly RegionResult[]) =>
  keyRun(given, exitCode, { primary: PRIMARY, results });

describe("entryOf", () => {
  it("keeps what the version-1 document says of the key, without the run's envelope, `key` first", () => {
    // GIVEN replicate's version-1 document of one key, with the run's envelope
    const document = replicate.render.document({
      key: keyRun("alias/payments", EXIT.ok, undefined).key,
      result: { primary: PRIMARY, results: [result("eu-west-1", "created")] },
      exitCode: EXIT.ok,
      failure: null,
      options: undefined,
      dryRun: false,
      warnings: ["per-run, not per-key"],
      elapsedMs: 1234,
    });
    // WHEN
    const entry = entryOf("alias/payments", document);
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
    const parts = fleetParts(replicate, undefined, [
      replicated("k1", EXIT.ok, [result("eu-west-1", "created"), result("ap-southeast-2", "exists")]),
      replicated("k2", EXIT.timeout, [result("eu-west-1", "timeout"), result("ap-southeast-2", "created")]),
    ]);
    // WHEN
    const doc = fleetDocument({
      command: "replicate",
      exitCode: EXIT.timeout,
      dryRun: false,
      selection,
      stats,
      ...parts,
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
    expect(doc.keys.map((k) => k.key)).toEqual(["k1", "k2"]);
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
      ...fleetParts(sync, undefined, []),
      error: { name: "UsageError", message: "--keys-from x: cannot read it (ENOENT)." },
      warnings: [],
      elapsedMs: 3,
    });
    // THEN
    expect(doc).toMatchObject({ version: 2, command: "sync", ok: false, selection: null, keys: [] });
    expect(doc.totals).toMatchObject({ keys: { total: 0 } });
  });

  it("promote: the target Region, and the keys by promote outcome", () => {
    // GIVEN
    const report = (outcome: "promoted" | "unchanged"): PromoteReport => ({
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
    });
    const options = { to: "us-west-2", timeoutMs: 1_200_000, dryRun: false };
    const parts = fleetParts(promote, options, [
      keyRun(PRIMARY.arn, EXIT.ok, report("promoted")),
      keyRun(PRIMARY.arn, EXIT.ok, report("unchanged")),
      keyRun(PRIMARY.arn, EXIT.ok, report("promoted")),
    ]);
    // WHEN
    const doc = fleetDocument({
      command: "promote",
      exitCode: EXIT.ok,
      dryRun: false,
      ...parts,
      error: null,
      warnings: [],
      elapsedMs: 0,
    }) as FleetPromoteJson;
    // THEN the command's own field after the selection, its totals after the keys'
    expect(Object.keys(doc)).toEqual([
      "version",
      "command",
      "ok",
      "exitCode",
      "dryRun",
      "selection",
      "to",
      "keys",
      "totals",
      "error",
      "warnings",
      "elapsedMs",
    ]);
    expect(doc).toMatchObject({
      version: FLEET_JSON_VERSION,
      command: "promote",
      to: "us-west-2",
      totals: { keys: { ok: 3, total: 3 }, outcomes: { promoted: 2, unchanged: 1, failed: 0 } },
    });
  });
});
