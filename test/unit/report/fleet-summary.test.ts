import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import type { RegionResult } from "../../../src/core/events.js";
import {
  fleetSummaryLines,
  fleetWaitCommand,
  outcomesOf,
  tallyOf,
} from "../../../src/report/fleet-summary.js";
import type { FleetKey } from "../../../src/report/fleet-key.js";
import { KEY_ID, PRIMARY, keyView } from "../../support/fixtures.js";
import { promote, promoteKey, regionKey, replicate, status, statusKey } from "../../support/fleet-views.js";

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

const DENIED = {
  name: "AccessDeniedException",
  message: "User is not authorized to perform kms:ReplicateKey",
  hint: "Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
};

/** A replicate key as the fleet's renderers get it (replicate's own view of its results). */
function runReport(results: RegionResult[], exitCode: ExitCode = EXIT.ok, keyId = KEY_ID): FleetKey {
  return regionKey({ ...PRIMARY, keyId }, results, exitCode);
}

const created = (region: string): RegionResult => ({
  region,
  status: "created",
  keyState: "Enabled",
  elapsedMs: 1_000,
});
const failed = (region: string): RegionResult => ({
  region,
  status: "failed",
  elapsedMs: 1_000,
  error: DENIED,
});

const REPLICATE = replicate.render.fleet;

describe("fleetSummaryLines", () => {
  it("counts each target Region, lists the first 20 failed keys, and ends with the keys and the time", () => {
    // GIVEN 30 keys, 25 of them failed in eu-west-1
    const reports = Array.from({ length: 30 }, (_, i) => {
      const keyId = `mrk-${String(i).padStart(32, "0")}`;
      return i < 25
        ? runReport([created("ap-southeast-2"), failed("eu-west-1")], EXIT.failed, keyId)
        : runReport([created("ap-southeast-2"), created("eu-west-1")], EXIT.ok, keyId);
    });
    // WHEN
    const lines = fleetSummaryLines(REPLICATE, tallyOf(reports), 270_000, false, plain);
    // THEN
    expect(lines.slice(0, 3)).toEqual([
      "ap-southeast-2 30 created",
      "eu-west-1      5 created, 25 failed",
      "25 keys failed:",
    ]);
    expect(lines[3]).toBe(
      `  ✖ mrk-${"0".repeat(32)} (us-east-1) eu-west-1 failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
    );
    expect(lines[4]).toBe("    → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.");
    expect(lines.filter((l) => l.startsWith("  ✖"))).toHaveLength(20);
    expect(lines.slice(-2)).toEqual([
      "  … 5 more (every key is in the JSON document: --output json)",
      "30 keys in 4m30s: 5 ok, 25 failed.",
    ]);
  });

  it("says a dry run changed nothing", () => {
    // GIVEN
    const reports = [runReport([{ region: "eu-west-1", status: "planned", elapsedMs: 0 }])];
    // WHEN / THEN
    expect(fleetSummaryLines(REPLICATE, tallyOf(reports), 2_000, true, plain)).toEqual([
      "eu-west-1      1 planned",
      "1 key in 2s: 1 ok. Dry run: nothing was changed.",
    ]);
  });

  it("promote: keys by promote outcome; status: one line", () => {
    // GIVEN
    const member = {
      region: "us-east-1",
      arn: PRIMARY.arn,
      role: "PRIMARY" as const,
      keyState: "Enabled",
      primaryRegion: "us-east-1",
    };
    const report = promoteKey(
      PRIMARY,
      {
        outcome: "promoted",
        keyId: KEY_ID,
        to: "eu-west-1",
        oldPrimary: member,
        keys: [member],
        accepted: true,
        calls: 1,
      },
      EXIT.ok,
    );
    const drifting = statusKey(
      PRIMARY,
      [
        { view: keyView("us-east-1", "PRIMARY"), drift: [] },
        {
          view: keyView("eu-west-1", "REPLICA"),
          drift: [{ field: "tags", detail: "tags: missing env=prod", primary: { env: "prod" }, replica: {} }],
        },
      ],
      EXIT.drift,
    );
    // WHEN / THEN
    expect(fleetSummaryLines(promote.render.fleet, tallyOf([report, report]), 61_000, false, plain)).toEqual([
      "2 keys in 1m01s: 2 promoted.",
      expect.stringMatching(/^Each promoted key's other keys now follow its new primary/) as unknown,
    ]);
    expect(fleetSummaryLines(status.render.fleet, tallyOf([drifting]), 3_000, false, plain)).toEqual([
      "1 key family read in 3s: 1 drift.",
    ]);
    expect(
      outcomesOf(status.render.fleet, tallyOf([drifting])).find((o) => o.outcome === "drift")?.count,
    ).toBe(1);
  });

  it("colours only through the chalk it is given", () => {
    // GIVEN
    const reports = [runReport([failed("eu-west-1")], EXIT.failed)];
    // WHEN
    const text = fleetSummaryLines(REPLICATE, tallyOf(reports), 1_000, false, coloured).join("\n");
    // THEN
    expect(text).toContain("\u001B[31m");
    expect(fleetSummaryLines(REPLICATE, tallyOf(reports), 1_000, false, plain).join("\n")).not.toContain(
      "\u001B[",
    );
  });
});

describe("fleetWaitCommand", () => {
  const resume = { timeoutMs: 1_800_000, profile: "prod admin" };
  const selection = {
    keys: [],
    allPrimaries: true,
    regions: ["us-east-1", "us-west-2"],
    selectTags: [{ TagKey: "dr", TagValue: "true" }],
  };
  const late = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      arn: `arn:aws:kms:us-east-1:111122223333:key/mrk-${String(i).padStart(32, "0")}`,
      regions: i % 2 === 0 ? ["eu-west-1"] : ["eu-west-1", "sa-east-1"],
    }));

  it("names a few keys one by one, with every Region that timed out, shell-quoted", () => {
    // GIVEN / WHEN
    const command = fleetWaitCommand(late(2), selection, resume);
    // THEN
    expect(command).toBe(
      `kms-replicate wait --key ${late(2)[0]?.arn} --key ${late(2)[1]?.arn} --regions eu-west-1,sa-east-1 --profile 'prod admin' --timeout 30m`,
    );
  });

  it("gives many keys as the run's own selection", () => {
    // GIVEN / WHEN / THEN
    expect(fleetWaitCommand(late(11), selection, resume)).toBe(
      "kms-replicate wait --all-primaries --region us-east-1 --region us-west-2 --select-tag dr=true --regions eu-west-1,sa-east-1 --profile 'prod admin' --timeout 30m",
    );
    expect(
      fleetWaitCommand(
        late(11),
        { ...selection, allPrimaries: false, keysFrom: "dr.txt", regions: [] },
        resume,
      ),
    ).toMatch(/^kms-replicate wait --keys-from dr\.txt --select-tag dr=true --regions/);
  });

  it("cannot give again a key list read from stdin", () => {
    // GIVEN / WHEN / THEN
    expect(fleetWaitCommand(late(11), { ...selection, allPrimaries: false, keysFrom: "-" }, resume)).toBe(
      undefined,
    );
  });
});
