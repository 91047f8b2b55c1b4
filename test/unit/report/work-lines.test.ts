// A line per unit of work as it settles (sync's Regions): its outcome, what was applied (or, in a
// dry run, the plan) as a diff, why it failed and what was not applied.
import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import type { Change, WorkResult } from "../../../src/core/events.js";
import { forPeople } from "../../../src/report/terminal-text.js";
import { operationsOf, workLine } from "../../../src/report/work-lines.js";
import { PRIMARY, arnIn } from "../../support/fixtures.js";
import { DONE, FAILED } from "../../support/work-results.js";

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

describe("operationsOf: the diff's operations among a unit's changes", () => {
  it("leaves out ReplicateKey and an import, keeps the rest in order", () => {
    // GIVEN
    const changes: Change[] = [
      { op: "replicate" },
      { op: "tag", key: "a", value: "1" },
      { op: "import", keyMaterialId: "b".repeat(64) },
      { op: "alias", name: "alias/x" },
    ];
    // WHEN / THEN
    expect(operationsOf(changes)).toEqual([
      { op: "tag", key: "a", value: "1" },
      { op: "alias", name: "alias/x" },
    ]);
    expect(operationsOf(undefined)).toEqual([]);
  });
});

describe("workLine", () => {
  it("a done Region: its line, then what was applied", () => {
    expect(workLine(DONE, plain, 14).split("\n")).toEqual([
      `✔ eu-west-1      done        Enabled         1.2s  ${arnIn("eu-west-1")}`,
      "    + tag cost=42",
    ]);
  });

  it("a failed Region: what was applied, why it failed, and what was not applied", () => {
    expect(workLine(FAILED, plain, 14).split("\n")).toEqual([
      `✖ ap-southeast-2 failed      Enabled         0.9s  ${arnIn("ap-southeast-2")}`,
      '    ~ description "a" → "b"',
      "    AccessDeniedException: denied",
      "    → Grant kms:TagResource in ap-southeast-2.",
      "    not applied:",
      "      + tag cost=42",
    ]);
  });

  it("a dry run's plan as the diff; no state, no ARN: a dash and nothing; a wider Region column", () => {
    // GIVEN a replica that would get a tag, not read yet, with a note
    const planned: WorkResult = {
      keyId: PRIMARY.keyId,
      region: "eu-west-1",
      changes: [{ op: "replicate" }, { op: "untag", key: "old", value: "1" }],
      elapsedMs: 0,
      outcome: "planned",
      note: "Creating: synced once it is Enabled.",
    };
    // WHEN
    const lines = workLine(planned, plain, 20).split("\n");
    // THEN
    expect(lines).toEqual([
      `○ ${"eu-west-1".padEnd(20)} planned     -               0.0s`,
      "    - tag old=1",
      "    → Creating: synced once it is Enabled.",
    ]);
  });

  it("a failure without a hint has no hint line; the error's text is escaped as written", () => {
    // GIVEN
    const failed: WorkResult = {
      ...FAILED,
      pending: [],
      error: { name: "Bad\u001b[2J", message: "line\nbreak" },
    };
    // WHEN
    const lines = forPeople(workLine(failed, plain, 14), false).split("\n");
    // THEN
    expect(lines.slice(1)).toEqual(['    ~ description "a" → "b"', "    Bad\\x1b[2J: line\\x0abreak"]);
  });

  it("colours the head by outcome, the time dim, what was not applied dim", () => {
    // GIVEN / WHEN
    const line = workLine(FAILED, coloured, 14);
    // THEN
    expect(line.split("\n")[0]).toContain(coloured.red("✖ ap-southeast-2 failed     "));
    expect(line).toContain(coloured.dim("0.9s"));
    expect(line).toContain(coloured.dim("+ tag cost=42"));
    expect(workLine(DONE, coloured, 14)).toContain(coloured.green("✔ eu-west-1      done       "));
  });
});
