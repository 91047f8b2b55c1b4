import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import type { WorkResult } from "../../../../src/core/events.js";
import { EXIT } from "../../../../src/core/errors.js";
import type { Operation } from "../../../../src/core/operation.js";
import { changeSummary, operationLine } from "../../../../src/report/change-text.js";
import {
  syncExitCode,
  syncJson,
  syncPlanLine,
  syncSummaryLine,
} from "../../../../src/commands/sync/render.js";
import { schemaErrors } from "../../../support/schema.js";
import { PRIMARY, arnIn } from "../../../support/fixtures.js";
import { DONE, FAILED } from "../../../support/work-results.js";

const plain = new Chalk({ level: 0 });

const POLICY_A = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "A", Action: "kms:*" }] });
const POLICY_B = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Sid: "A", Action: "kms:Decrypt" },
    { Sid: "B", Action: "kms:*" },
    { Sid: "C", Action: "kms:*" },
  ],
});

describe("operationLine: the plan as a diff", () => {
  it.each<[Operation, string]>([
    [{ op: "tag", key: "cost", value: "42" }, "+ tag cost=42"],
    [{ op: "tag", key: "team", value: "payments", from: "old" }, "~ tag team=old → team=payments"],
    [{ op: "untag", key: "scratch", value: "1" }, "- tag scratch=1"],
    [{ op: "description", from: "a", to: "b" }, '~ description "a" → "b"'],
    [{ op: "description", from: "", to: 'say "hi"' }, '~ description "" → "say \\"hi\\""'],
    [{ op: "policy", from: POLICY_A, to: POLICY_B, source: "primary" }, "~ policy (3 statements differ)"],
    [
      { op: "policy", from: POLICY_A, to: POLICY_B, source: "inline" },
      "~ policy (3 statements differ, from --policy)",
    ],
    [
      { op: "policy", from: "{}", to: '{"Id":"x"}', source: "policy.json" },
      "~ policy (Id differs, from policy.json)",
    ],
    [{ op: "policy", from: "not json", to: "{}", source: "primary" }, "~ policy (replaced)"],
    [{ op: "alias", name: "alias/payments" }, "+ alias alias/payments"],
    [
      { op: "realias", name: "alias/payments", from: "mrk-other" },
      "~ alias alias/payments (moved from mrk-other)",
    ],
    [{ op: "unalias", name: "alias/old" }, "- alias alias/old"],
    [{ op: "enable" }, "~ state Disabled → Enabled"],
    [{ op: "disable" }, "~ state Enabled → Disabled"],
  ])("%j → %s", (op, line) => {
    expect(operationLine(op)).toBe(line);
  });
});

describe("changeSummary: `exists, 2 tags added`", () => {
  it("counts what was done, in a few words", () => {
    expect(
      changeSummary([
        { op: "tag", key: "a", value: "1" },
        { op: "tag", key: "b", value: "2" },
        { op: "tag", key: "c", value: "3", from: "0" },
        { op: "description", from: "", to: "x" },
        { op: "alias", name: "alias/x" },
      ]),
    ).toBe("2 tags added, 1 tag changed, description updated, 1 alias created");
  });
});

// A Region's line as it settles (the diff, why it failed, what was not applied): test/unit/report/work-lines.test.ts.
describe("syncPlanLine and syncSummaryLine", () => {
  it("the plan line and the summary", () => {
    expect(syncPlanLine(PRIMARY, ["eu-west-1"], true, plain)).toBe(
      `Dry run: would sync ${PRIMARY.keyId} (primary in us-east-1, SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT, AWS_KMS) to 1 replica: eu-west-1`,
    );
    expect(syncSummaryLine([DONE, FAILED, { ...DONE, outcome: "unchanged" }], 3400, false, plain)).toBe(
      "1 done, 1 unchanged, 1 failed in 3.4s.",
    );
  });
});

describe("syncJson", () => {
  it("every Region with its operations applied and pending, a summary by outcome, valid by the schema", () => {
    // GIVEN / WHEN
    const doc = syncJson({
      exitCode: EXIT.failed,
      dryRun: false,
      primary: PRIMARY,
      results: [DONE, FAILED],
      warnings: [],
      elapsedMs: 3400.4,
    });
    // THEN
    expect(doc).toMatchObject({ version: 1, command: "sync", ok: false, exitCode: 1, elapsedMs: 3400 });
    expect(doc.summary).toEqual({
      done: 1,
      unchanged: 0,
      planned: 0,
      failed: 1,
      timeout: 0,
      notStarted: 0,
      interrupted: 0,
    });
    expect(doc.regions[0]).toEqual({
      region: "eu-west-1",
      status: "done",
      keyState: "Enabled",
      replicaArn: arnIn("eu-west-1"),
      elapsedMs: 1200,
      operations: [{ op: "tag", key: "cost", value: "42" }],
      pending: [],
      note: null,
      error: null,
    });
    expect(doc.regions[1]).toMatchObject({ status: "failed", pending: [{ op: "tag" }], error: FAILED.error });
    expect(schemaErrors(doc)).toEqual([]);
  });

  it("refuses a status the engine does not have", () => {
    const doc = syncJson({
      exitCode: 0,
      dryRun: false,
      primary: PRIMARY,
      results: [DONE],
      warnings: [],
      elapsedMs: 1,
    });
    expect(schemaErrors({ ...doc, regions: [{ ...doc.regions[0], status: "created" }] })).not.toEqual([]);
  });
});

describe("syncExitCode", () => {
  const r = (outcome: WorkResult["outcome"]): WorkResult =>
    outcome === "failed"
      ? { keyId: "k", region: "r", changes: [], elapsedMs: 0, outcome, error: { name: "E", message: "m" } }
      : { keyId: "k", region: "r", changes: [], elapsedMs: 0, outcome };
  it.each<[WorkResult["outcome"][], number]>([
    [["done", "unchanged"], EXIT.ok],
    [["planned", "unchanged"], EXIT.ok],
    [[], EXIT.ok],
    [["done", "failed"], EXIT.failed],
    [["timeout", "done"], EXIT.timeout],
    [["failed", "timeout"], EXIT.failed],
    [["failed", "interrupted"], EXIT.interrupted],
  ])("%j → %i", (outcomes, code) => {
    expect(syncExitCode(outcomes.map(r))).toBe(code);
  });
  it("an interrupted run exits with its signal's code", () => {
    expect(syncExitCode([r("interrupted")], EXIT.terminated)).toBe(EXIT.terminated);
  });
});
