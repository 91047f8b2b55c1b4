// The one vocabulary of statuses: every status a command reports has one meaning (STATUSES), and
// docs/statuses.md is that table, word for word.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OUTCOMES, REGION_STATUSES, STATUSES, type Status } from "../../../src/core/events.js";
import type { RotateRegionStatus } from "../../../src/core/steps/rotate-result.js";
import { PROMOTE_OUTCOMES } from "../../../src/commands/promote/json.js";
import { KEY_OUTCOMES } from "../../../src/report/outcomes.js";

const DOC = new URL("../../../docs/statuses.md", import.meta.url);

/** The table as docs/statuses.md must hold it, from the code: its cells, row by row. */
function expectedTable(): string[][] {
  return Object.entries(STATUSES).map(([status, s]) => [
    `\`${status}\``,
    s.meaning,
    s.commands.join(", "),
    s.exitCode,
  ]);
}

/** A Markdown table row's cells (Prettier pads them). */
const cells = (row: string): string[] =>
  row
    .split("|")
    .slice(1, -1)
    .map((cell) => cell.trim());

/** Every rotate-material status of a key (the compiler checks this list is whole). */
const ROTATE: Record<RotateRegionStatus, true> = {
  imported: true,
  unknown: true,
  unchanged: true,
  failed: true,
  interrupted: true,
  "not-attempted": true,
};

describe("STATUSES", () => {
  it("defines every status a command reports: per Region, per unit, promote's, rotate-material's, a fleet key's", () => {
    // GIVEN every list of statuses the commands report
    const reported: string[] = [
      ...REGION_STATUSES,
      ...OUTCOMES,
      ...PROMOTE_OUTCOMES,
      ...Object.keys(ROTATE),
      ...KEY_OUTCOMES,
    ];
    // THEN each has its one meaning, and nothing is defined that no command reports
    expect(new Set(reported)).toEqual(new Set(Object.keys(STATUSES)));
  });

  it("gives each status its own meaning (no two words for one thing)", () => {
    const meanings = Object.values(STATUSES).map((s) => s.meaning);
    expect(new Set(meanings).size).toBe(meanings.length);
  });

  it.each(Object.keys(STATUSES) as Status[])(
    "%s is produced by a command and leads to an exit code",
    (status) => {
      expect(STATUSES[status].commands.length).toBeGreaterThan(0);
      expect(STATUSES[status].exitCode).not.toBe("");
    },
  );
});

describe("docs/statuses.md", () => {
  it("holds the table of STATUSES, row for row (update the doc from the failure's expected rows)", () => {
    // GIVEN the doc's table rows
    const rows = readFileSync(DOC, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map(cells);
    // THEN they are the code's table, in its order
    expect(rows).toEqual(expectedTable());
  });
});
