import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import type { RegionResult, WorkResult } from "../../../src/core/events.js";
import { fleetKeyLines, hasNote, isBadKey, neverStarted } from "../../../src/report/fleet-lines.js";
import type { FleetKey } from "../../../src/report/fleet-key.js";
import type { PromoteReport } from "../../../src/commands/promote/json.js";
import { KEY_ID, PRIMARY, keyView } from "../../support/fixtures.js";
import {
  failedKey,
  promote,
  promoteKey,
  regionKey,
  replicate,
  selected,
  status,
  statusKey,
  sync,
  syncKey,
  wait,
} from "../../support/fleet-views.js";

const plain = new Chalk({ level: 0 });

const DENIED = {
  name: "AccessDeniedException",
  message: "User is not authorized to perform kms:ReplicateKey",
  hint: "Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
};

/** A replicate key as the fleet's renderers get it (replicate's own view of its results). */
function runReport(results: RegionResult[], exitCode: ExitCode = EXIT.ok, keyId = KEY_ID): FleetKey {
  return regionKey({ ...PRIMARY, keyId }, results, exitCode);
}

const created = (region: string, extra: Partial<RegionResult> = {}): RegionResult =>
  ({ region, status: "created", keyState: "Enabled", elapsedMs: 1_000, ...extra }) as RegionResult;
const failed = (region: string): RegionResult => ({
  region,
  status: "failed",
  elapsedMs: 1_000,
  error: DENIED,
});

const REPLICATE = replicate.render.fleet;

describe("fleetKeyLines", () => {
  it("counts a settled key's Regions", () => {
    // GIVEN
    const report = runReport([
      created("eu-west-1"),
      created("ap-southeast-2"),
      { ...created("sa-east-1"), status: "exists" },
    ]);
    // WHEN / THEN
    expect(fleetKeyLines(REPLICATE, report, plain)).toEqual([`✔ ${KEY_ID} (us-east-1) 2 created, 1 exists`]);
    expect(isBadKey(report)).toBe(false);
    expect(hasNote(report)).toBe(false);
  });

  it("gives each failed Region its error and hint, and the timed-out ones their state", () => {
    // GIVEN
    const report = runReport(
      [
        created("ap-southeast-2"),
        failed("eu-west-1"),
        {
          region: "eu-central-1",
          status: "timeout",
          keyState: "Creating",
          elapsedMs: 1_000,
          note: "It may still finish.",
        },
      ],
      EXIT.failed,
    );
    // WHEN / THEN
    expect(fleetKeyLines(REPLICATE, report, plain)).toEqual([
      `✖ ${KEY_ID} (us-east-1) eu-west-1 failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
      "  → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
      `⏱ ${KEY_ID} (us-east-1) eu-central-1 timeout (Creating)`,
      "  → eu-central-1: It may still finish.",
    ]);
    expect(isBadKey(report)).toBe(true);
  });

  it("counts a key a signal stopped first, then its failures (which make it a key to show)", () => {
    // GIVEN
    const report = runReport(
      [
        created("ap-southeast-2"),
        failed("eu-west-1"),
        { region: "sa-east-1", status: "interrupted", elapsedMs: 1 },
      ],
      EXIT.interrupted,
    );
    // WHEN / THEN
    expect(fleetKeyLines(REPLICATE, report, plain)).toEqual([
      `■ ${KEY_ID} (us-east-1) 1 created, 1 failed, 1 interrupted`,
      `✖ ${KEY_ID} (us-east-1) eu-west-1 failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
      "  → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
    ]);
    expect(isBadKey(report)).toBe(true);
  });

  it("shows a key's own error when it failed before its Regions", () => {
    // GIVEN
    const report = failedKey(
      PRIMARY,
      { name: "NotFoundException", message: "No such key.", hint: "Check the key ARN." },
      EXIT.failed,
      wait,
    );
    // WHEN / THEN
    expect(fleetKeyLines(wait.render.fleet, report, plain)).toEqual([
      `✖ ${KEY_ID} (us-east-1) failed: NotFoundException: No such key.`,
      "  → Check the key ARN.",
    ]);
  });

  it("groups the same note of several Regions, and marks a dry run's key as planned", () => {
    // GIVEN
    const note = "Not waited for: run kms-replicate wait.";
    const report = runReport([
      { region: "eu-west-1", status: "planned", elapsedMs: 0, note },
      { region: "ap-southeast-2", status: "planned", elapsedMs: 0, note },
    ]);
    // WHEN / THEN
    expect(fleetKeyLines(REPLICATE, report, plain)).toEqual([
      `○ ${KEY_ID} (us-east-1) planned eu-west-1, ap-southeast-2`,
      `  → eu-west-1, ap-southeast-2: ${note}`,
    ]);
    expect(hasNote(report)).toBe(true);
  });

  it("counts sync's outcomes", () => {
    // GIVEN
    const results: WorkResult[] = [
      { keyId: KEY_ID, region: "eu-west-1", outcome: "done", changes: [], elapsedMs: 1 },
      { keyId: KEY_ID, region: "ap-southeast-2", outcome: "unchanged", changes: [], elapsedMs: 1 },
    ];
    const report = syncKey(PRIMARY, results);
    // WHEN / THEN
    expect(fleetKeyLines(sync.render.fleet, report, plain)).toEqual([
      `✔ ${KEY_ID} (us-east-1) 1 done, 1 unchanged`,
    ]);
  });

  it.each<{ outcome: PromoteReport["outcome"]; exitCode: ExitCode; lines: string[] }>([
    {
      outcome: "promoted",
      exitCode: EXIT.ok,
      lines: [`✔ ${KEY_ID} (us-east-1) promoted: the primary is now in eu-west-1 (settled in 12s)`],
    },
    {
      outcome: "unchanged",
      exitCode: EXIT.ok,
      lines: [`✔ ${KEY_ID} (us-east-1) unchanged: eu-west-1 is the primary already`],
    },
    {
      outcome: "failed",
      exitCode: EXIT.failed,
      lines: [
        `✖ ${KEY_ID} (us-east-1) failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
        "  → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
        "  → Nothing was changed.",
      ],
    },
  ])("promote: $outcome", ({ outcome, exitCode, lines }) => {
    // GIVEN
    const member = {
      region: "us-east-1",
      arn: PRIMARY.arn,
      role: "PRIMARY" as const,
      keyState: "Enabled",
      primaryRegion: "us-east-1",
    };
    const report: PromoteReport = {
      outcome,
      keyId: KEY_ID,
      to: "eu-west-1",
      oldPrimary: member,
      keys: [member],
      accepted: outcome === "promoted",
      calls: 1,
      settleMs: outcome === "promoted" ? 12_300 : undefined,
      note: outcome === "failed" ? "Nothing was changed." : undefined,
      error: outcome === "failed" ? DENIED : undefined,
    };
    const fleet = promoteKey(PRIMARY, report, exitCode);
    // WHEN / THEN
    expect(fleetKeyLines(promote.render.fleet, fleet, plain)).toEqual(lines);
  });

  it("status: counts the family's keys (the table says which)", () => {
    // GIVEN
    const rows = [
      { view: keyView("us-east-1", "PRIMARY"), drift: [] },
      { view: keyView("eu-west-1", "REPLICA", { keyState: "Disabled", enabled: false }), drift: [] },
    ];
    const report = statusKey(PRIMARY, rows, EXIT.failed);
    // WHEN / THEN
    expect(fleetKeyLines(status.render.fleet, report, plain)).toEqual([
      `✖ ${KEY_ID} (us-east-1) 2 keys: 1 usable, 1 not usable`,
    ]);
  });

  it("status: a key pending deletion is counted apart, neither usable nor a failure", () => {
    // GIVEN
    const rows = [
      { view: keyView("us-east-1", "PRIMARY"), drift: [] },
      { view: keyView("eu-west-1", "REPLICA", { keyState: "PendingDeletion", enabled: false }), drift: [] },
    ];
    const report = statusKey(PRIMARY, rows, EXIT.ok);
    // WHEN / THEN
    expect(fleetKeyLines(status.render.fleet, report, plain).join("\n")).toMatch(
      /2 keys: 1 usable, 1 pending deletion$/,
    );
  });
});

describe("fleetKeyLines: a dry run's plan", () => {
  it("shows sync's planned operations as the run over one key does, once for Regions that share them", () => {
    // GIVEN a key whose two replicas would both get a description, and one of them a tag
    const description = { op: "description", from: "", to: "new" } as const;
    const tag = { op: "tag", key: "env", value: "prod" } as const;
    const planned = (region: string, changes: WorkResult["changes"]): WorkResult => ({
      keyId: KEY_ID,
      region,
      outcome: "planned",
      changes,
      elapsedMs: 1,
    });
    const same = syncKey(PRIMARY, [
      planned("eu-west-1", [description]),
      planned("ap-southeast-2", [description]),
    ]);
    const apart = syncKey(PRIMARY, [
      planned("eu-west-1", [description, tag]),
      planned("ap-southeast-2", [description]),
      { keyId: KEY_ID, region: "sa-east-1", outcome: "unchanged", changes: [], elapsedMs: 1 },
    ]);
    // WHEN / THEN
    expect(fleetKeyLines(sync.render.fleet, same, plain)).toEqual([
      `○ ${KEY_ID} (us-east-1) planned eu-west-1, ap-southeast-2`,
      '    ~ description "" → "new"',
    ]);
    expect(fleetKeyLines(sync.render.fleet, apart, plain)).toEqual([
      `✔ ${KEY_ID} (us-east-1) unchanged sa-east-1; planned eu-west-1, ap-southeast-2`,
      "    eu-west-1:",
      '      ~ description "" → "new"',
      "      + tag env=prod",
      "    ap-southeast-2:",
      '      ~ description "" → "new"',
    ]);
  });

  it("shows what replicate's new replicas would get, and what would change on those there", () => {
    // GIVEN a dry run (replicate's view takes its options): one replica to create, one there to tag
    const applied = {
      tags: [{ TagKey: "env", TagValue: "prod" }],
      description: null,
      policySource: "primary",
      aliases: [],
    };
    const results: RegionResult[] = [
      { region: "eu-west-1", status: "planned", elapsedMs: 0, applied },
      {
        region: "sa-east-1",
        status: "exists",
        keyState: "Enabled",
        elapsedMs: 0,
        converged: [{ op: "tag", key: "env", value: "prod" }],
      },
    ];
    const run = { key: selected(), result: { primary: PRIMARY, results }, exitCode: EXIT.ok };
    const dry = replicate.render.view(run, { dryRun: true } as Parameters<typeof replicate.render.view>[1]);
    const real = replicate.render.view(run, { dryRun: false } as Parameters<typeof replicate.render.view>[1]);
    // WHEN / THEN
    expect(fleetKeyLines(REPLICATE, dry, plain)).toEqual([
      `✔ ${KEY_ID} (us-east-1) exists sa-east-1; planned eu-west-1`,
      "    eu-west-1:",
      "      would get: tags env=prod; description none; policy from primary; aliases none",
      "    sa-east-1:",
      "      + tag env=prod",
    ]);
    // Not a dry run: what was done is counted (the JSON document has the rest).
    expect(fleetKeyLines(REPLICATE, real, plain)).toHaveLength(1);
  });
});

describe("fleetKeyLines on a terminal", () => {
  const TERMINAL = { terminal: true, columns: 80 } as const;

  it("fits 80 columns: the key ID (no ARN, no primary Region), the result, an error on its own line", () => {
    // GIVEN the longest lines each command's keys make
    const failedAndLate = runReport(
      [
        failed("ap-southeast-2"),
        { region: "ap-southeast-2", status: "timeout", keyState: "PendingImport", elapsedMs: 1 },
      ],
      EXIT.failed,
    );
    const member = {
      region: "us-east-1",
      arn: PRIMARY.arn,
      role: "PRIMARY" as const,
      keyState: "Enabled",
      primaryRegion: "us-east-1",
    };
    const report = (outcome: PromoteReport["outcome"]): PromoteReport => ({
      outcome,
      keyId: KEY_ID,
      to: "ap-southeast-2",
      oldPrimary: member,
      keys: [member],
      accepted: true,
      calls: 1,
      settleMs: 72_300,
    });
    const many = runReport(
      (["created", "exists", "creating", "failed", "timeout"] as const).map((status, i) =>
        status === "failed" ? failed(`xx-test-${i}`) : created(`xx-test-${i}`, { status }),
      ),
      EXIT.interrupted,
    );
    // WHEN
    const lines = [
      ...fleetKeyLines(REPLICATE, failedAndLate, plain, TERMINAL),
      ...fleetKeyLines(REPLICATE, many, plain, { ...TERMINAL, notes: false }),
      ...(["promoted", "unchanged", "planned", "timeout", "notStarted"] as const).flatMap((outcome) =>
        fleetKeyLines(promote.render.fleet, promoteKey(PRIMARY, report(outcome), EXIT.ok), plain, TERMINAL),
      ),
    ];
    // THEN
    expect(lines.slice(0, 5)).toEqual([
      `✖ ${KEY_ID}  ap-southeast-2 failed`,
      "    AccessDeniedException: User is not authorized to perform kms:ReplicateKey",
      "    → Grant kms:ReplicateKey on the primary and kms:CreateKey in eu-west-1.",
      `⏱ ${KEY_ID}  ap-southeast-2 timeout (PendingImport)`,
      `■ ${KEY_ID}  3 done, 1 failed, 1 timeout`,
    ]);
    expect(lines).toContain(`✔ ${KEY_ID}  promoted to ap-southeast-2 (1m12s)`);
    expect(lines.filter((l) => l.includes(KEY_ID) && [...l].length > 80)).toEqual([]);
    expect(lines.join("\n")).not.toContain(PRIMARY.arn);
    // Elsewhere (a log, a pipe): the primary Region after the key ID, the error on the key's line.
    expect(fleetKeyLines(REPLICATE, failedAndLate, plain)[0]).toBe(
      `✖ ${KEY_ID} (us-east-1) ap-southeast-2 failed: AccessDeniedException: User is not authorized to perform kms:ReplicateKey`,
    );
  });

  it("names a dry run's planned Regions only when they fit", () => {
    // GIVEN
    const regions = ["ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "eu-central-1"];
    const key = runReport(regions.map((region) => ({ region, status: "planned", elapsedMs: 0 })));
    // WHEN / THEN
    expect(fleetKeyLines(REPLICATE, key, plain, TERMINAL)).toEqual([`○ ${KEY_ID}  4 planned`]);
    expect(fleetKeyLines(REPLICATE, key, plain, { terminal: true, columns: 120 })[0]).toBe(
      `○ ${KEY_ID}  planned ${regions.join(", ")}`,
    );
  });
});

describe("neverStarted", () => {
  it("is a key a signal stopped before it had a result; not one it stopped at work", () => {
    // GIVEN
    const stop = { name: "Interrupted", message: "Stopped by SIGINT before this key was started." };
    const before = failedKey(PRIMARY, stop, EXIT.interrupted);
    const atWork = runReport(
      [{ region: "eu-west-1", status: "interrupted", elapsedMs: 1 }],
      EXIT.interrupted,
    );
    // WHEN / THEN
    expect(neverStarted(before)).toBe(true);
    expect(neverStarted(atWork)).toBe(false);
    expect(neverStarted(failedKey(PRIMARY, DENIED))).toBe(false);
  });
});
