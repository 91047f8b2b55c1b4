import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import type { Drift } from "../../../../src/core/diff.js";
import { isUsableKey } from "../../../../src/core/family.js";
import type { ErrorReport } from "../../../../src/core/errors.js";
import { JSON_VERSION } from "../../../../src/report/json.js";
import { cellWidth } from "../../../../src/report/cells.js";
import { forPeople } from "../../../../src/report/terminal-text.js";
import { statusExitCode, statusJson } from "../../../../src/commands/status/render.js";
import {
  statusNotes,
  statusOutput,
  statusSummary,
  statusTable,
  statusTsv,
  type FamilyRow,
} from "../../../../src/commands/status/table.js";
import type { OutputMode } from "../../../../src/report/mode.js";
import { keyView } from "../../../support/fixtures.js";

const plain = new Chalk({ level: 0 });

const UNRECOGNIZED: ErrorReport = {
  name: "UnrecognizedClientException",
  message: "The security token included in the request is invalid.",
  hint: "KMS in ap-southeast-2 does not recognise the credentials.",
};

const TAG_DRIFT: Drift = {
  field: "tags",
  detail: "tags: missing env=prod",
  primary: { team: "payments", env: "prod" },
  replica: { team: "payments" },
};
const ALIAS_DRIFT: Drift = {
  field: "aliases",
  detail: "aliases: missing alias/payments",
  primary: ["alias/payments"],
  replica: [],
};

const PRIMARY_ROW: FamilyRow = { view: keyView("us-east-1", "PRIMARY"), drift: [] };
/** A replica scheduled for deletion: counted apart, neither usable nor drifting. */
const PENDING_ROW: FamilyRow = {
  view: keyView("ap-south-1", "REPLICA", {
    keyState: "PendingDeletion",
    enabled: false,
    deletionDate: "2031-01-08T00:00:00.000Z",
  }),
  drift: [],
};
const DRIFTING_ROW: FamilyRow = {
  view: keyView("eu-west-1", "REPLICA", { tags: { team: "payments" }, aliases: [] }),
  drift: [TAG_DRIFT, ALIAS_DRIFT],
};
const FAILED_ROW: FamilyRow = {
  view: keyView("ap-southeast-2", "REPLICA", {
    keyState: null,
    enabled: null,
    description: null,
    tags: {},
    aliases: [],
    policy: null,
    error: UNRECOGNIZED,
  }),
  drift: [],
};
const ROWS: readonly FamilyRow[] = [PRIMARY_ROW, FAILED_ROW, DRIFTING_ROW];

/** The table's lines with trailing padding removed. */
const linesOf = (table: string): string[] => table.split("\n").map((line) => line.trimEnd());

describe("statusTable", () => {
  it("shows a header, then each key with its notes under it", () => {
    // GIVEN ROWS
    // WHEN
    const lines = linesOf(statusTable(ROWS, plain));
    // THEN
    expect(lines).toHaveLength(1 + 1 + 3 + 3);
    expect(lines[0]?.split(/\s+/)).toEqual(["REGION", "ROLE", "STATE", "DESCRIPTION", "TAGS", "ALIASES"]);
    expect(lines[1]).toMatch(
      /^us-east-1\s+PRIMARY\s+Enabled\s+Payments key\s+team=payments,env=prod\s+alias\/payments$/,
    );
    expect(lines[2]).toMatch(/^ap-southeast-2\s+REPLICA\s+\?\s+-\s+/);
    expect(lines[3]).toBe(`    ✖ UnrecognizedClientException: ${UNRECOGNIZED.message}`);
    expect(lines[4]).toBe(`      → ${UNRECOGNIZED.hint}`);
    expect(lines[5]).toMatch(/^eu-west-1\s+REPLICA\s+Enabled\s+Payments key\s+team=payments\s+-$/);
    expect(lines[6]).toBe("    drift: tags: missing env=prod");
    expect(lines[7]).toBe("    drift: aliases: missing alias/payments");
  });

  it("lines the columns up under the header", () => {
    // GIVEN
    const rows = [PRIMARY_ROW, DRIFTING_ROW];
    // WHEN
    const [header = "", ...keys] = linesOf(statusTable(rows, plain)).filter((l) => !l.startsWith(" "));
    // THEN every column starts where its header starts
    for (const column of ["ROLE", "STATE", "DESCRIPTION", "TAGS", "ALIASES"]) {
      const at = header.indexOf(column);
      for (const line of keys) expect(line[at - 1]).toBe(" ");
      for (const line of keys) expect(line[at]).not.toBe(" ");
    }
  });

  it("shows - for a key without tags, aliases or description", () => {
    // GIVEN
    const bare: FamilyRow = {
      view: keyView("eu-west-1", "REPLICA", { description: null, tags: {}, aliases: [] }),
      drift: [],
    };
    // WHEN
    const [, line] = linesOf(statusTable([bare], plain));
    // THEN
    expect(line).toMatch(/^eu-west-1\s+REPLICA\s+Enabled\s+-\s+-\s+-$/);
  });

  it("fits the terminal's width: the widest free-text column is cut with …, Region and state never", () => {
    // GIVEN a long description
    const row: FamilyRow = {
      view: keyView("ap-southeast-2", "REPLICA", {
        keyState: "PendingReplicaDeletion",
        description: "Payments key for the EU disaster-recovery site",
      }),
      drift: [],
    };
    // WHEN it is shown on 200 columns, then on 100
    const [, wide] = linesOf(statusTable([row], plain, 200));
    const [header = "", narrow = ""] = linesOf(statusTable([row], plain, 100));
    // THEN
    expect(wide).toContain("Payments key for the EU disaster-recovery site");
    expect(cellWidth(narrow)).toBeLessThanOrEqual(100);
    expect(cellWidth(header)).toBeLessThanOrEqual(100);
    expect(narrow).toBe(
      "ap-southeast-2  REPLICA  PendingReplicaDeletion  Payments key fo…  team=payments,en…  alias/payments",
    );
    expect(narrow).not.toContain("disaster-recovery");
  });

  it("on a terminal too narrow for them, keeps Region and state whole and every free column at 5 cells", () => {
    // GIVEN / WHEN
    const [, line = ""] = linesOf(statusTable([DRIFTING_ROW], plain, 10));
    // THEN
    expect(line).toBe("eu-west-1  REPLICA  Enabled  Paym…  team…  -");
  });

  it("lines up columns in terminal cells with CJK, emoji and combining accents", () => {
    // GIVEN descriptions of 8 cells each, in 4, 4 and 8 characters, and 9 code points
    const rows = ["鍵の説明", "🔑🔑🔑🔑", "cafe\u0301 key"].map((description, i): FamilyRow => ({
      view: keyView(["eu-west-1", "eu-central-1", "sa-east-1"][i] ?? "", "REPLICA", { description }),
      drift: [],
    }));
    // WHEN
    const [header = "", ...keys] = linesOf(statusTable(rows, plain));
    // THEN the TAGS column starts in the same terminal cell on every line
    const cellOf = (line: string, text: string): number => cellWidth(line.slice(0, line.indexOf(text)));
    const at = cellOf(header, "TAGS");
    for (const line of keys) expect(cellOf(line, "team=")).toBe(at);
  });

  it("cuts a wide character whole, never half of it", () => {
    // GIVEN a CJK description that must lose cells
    const row: FamilyRow = {
      view: keyView("eu-west-1", "REPLICA", { description: "多地域キーの説明文です。とても長い" }),
      drift: [],
    };
    // WHEN
    const [header = "", line = ""] = linesOf(statusTable([row], plain, 70));
    // THEN
    expect(cellWidth(line)).toBeLessThanOrEqual(70);
    expect(line).toContain("…");
    const cellOf = (text: string, of: string): number => cellWidth(text.slice(0, text.indexOf(of)));
    expect(cellOf(line, "team=")).toBe(cellOf(header, "TAGS"));
  });

  it("shows a control character in a value escaped, on the key's own line, the columns aligned", () => {
    // GIVEN a description with a tab, a newline and an escape sequence
    const row: FamilyRow = {
      view: keyView("eu-west-1", "REPLICA", { description: "a\tb\nc\u001b[31md", tags: { team: "x" } }),
      drift: [],
    };
    // WHEN the table is shown (as it is written: through forPeople)
    const [header = "", line = "", ...more] = linesOf(forPeople(statusTable([row], plain), false));
    // THEN
    expect(more).toEqual([]);
    expect(line).toContain("a\\x09b\\x0ac\\x1b[31md");
    expect(line.indexOf("team=x")).toBe(header.indexOf("TAGS"));
  });

  it("adds no colour at level 0, and colours the state at level 1", () => {
    // GIVEN ROWS
    // WHEN
    const uncoloured = statusTable(ROWS, plain);
    const coloured = statusTable(ROWS, new Chalk({ level: 1 }));
    // THEN
    expect(uncoloured).not.toContain("\u001b[");
    expect(coloured).toContain("\u001b[32mEnabled");
  });
});

describe("statusTsv (stdout not a terminal)", () => {
  it("is a header line and one tab-separated line per key: no padding, colour, cutting or notes", () => {
    // GIVEN ROWS and a long description
    const long: FamilyRow = {
      view: keyView("sa-east-1", "REPLICA", {
        description: "Payments key for the EU disaster-recovery site",
      }),
      drift: [],
    };
    // WHEN
    const lines = statusTsv([...ROWS, long]).split("\n");
    // THEN
    expect(lines).toEqual([
      "REGION\tROLE\tSTATE\tDESCRIPTION\tTAGS\tALIASES",
      "us-east-1\tPRIMARY\tEnabled\tPayments key\tteam=payments,env=prod\talias/payments",
      "ap-southeast-2\tREPLICA\t?\t-\t-\t-",
      "eu-west-1\tREPLICA\tEnabled\tPayments key\tteam=payments\t-",
      "sa-east-1\tREPLICA\tEnabled\tPayments key for the EU disaster-recovery site\tteam=payments,env=prod\talias/payments",
    ]);
    for (const line of lines) expect(line.split("\t")).toHaveLength(6);
  });

  it("keeps a value with a tab or a newline on its own line, in its own column, escaped", () => {
    // GIVEN
    const row: FamilyRow = {
      view: keyView("eu-west-1", "REPLICA", { description: "a\tb\nc\r\u009b\\x1b" }),
      drift: [],
    };
    // WHEN
    const lines = statusTsv([row]).split("\n");
    // THEN a backslash that would read as an escape is doubled: the field reads back one way only
    expect(lines).toHaveLength(2);
    expect(lines[1]?.split("\t")[3]).toBe("a\\x09b\\x0ac\\x0d\\x9b\\\\x1b");
  });
});

describe("statusNotes (beside a TSV table, on stderr)", () => {
  it("leads each note with its key's Region", () => {
    // GIVEN ROWS / WHEN / THEN
    expect(statusNotes(ROWS, false, plain)).toEqual([
      `ap-southeast-2: ✖ UnrecognizedClientException: ${UNRECOGNIZED.message}`,
      `ap-southeast-2: → ${UNRECOGNIZED.hint}`,
      "eu-west-1: drift: tags: missing env=prod",
      "eu-west-1: drift: aliases: missing alias/payments",
    ]);
  });

  it("with --quiet, keeps only what could not be read", () => {
    // GIVEN ROWS / WHEN
    const notes = statusNotes(ROWS, true, plain);
    // THEN
    expect(notes).toHaveLength(2);
    expect(notes.join("\n")).not.toContain("drift");
  });
});

describe("statusOutput", () => {
  const mode = (
    over: Partial<Pick<OutputMode, "json" | "quiet">> & { aligned: boolean },
  ): Pick<OutputMode, "json" | "quiet" | "table"> => ({
    json: over.json ?? false,
    quiet: over.quiet ?? false,
    table: { aligned: over.aligned, columns: 200, color: false },
  });
  const chalks = { stdout: plain, stderr: plain };
  const summary = "3 keys, 1 not usable, 1 replica drift from the primary.\n";

  it("on a terminal: the aligned table with its notes on stdout, the summary on stderr", () => {
    const out = statusOutput(ROWS, 1, mode({ aligned: true }), chalks);
    expect(out.stdout).toBe(`${statusTable(ROWS, plain, 200)}\n`);
    expect(out.stderr).toBe(summary);
  });

  it("to a pipe: TSV on stdout; the notes and the summary on stderr", () => {
    const out = statusOutput(ROWS, 1, mode({ aligned: false }), chalks);
    expect(out.stdout).toBe(`${statusTsv(ROWS)}\n`);
    expect(out.stderr).toBe(`${statusNotes(ROWS, false, plain).join("\n")}\n${summary}`);
  });

  it("with --quiet: still the table (it is the data asked for), no summary", () => {
    expect(statusOutput(ROWS, 1, mode({ aligned: true, quiet: true }), chalks)).toEqual({
      stdout: `${statusTable(ROWS, plain, 200)}\n`,
      stderr: "",
    });
    const piped = statusOutput(ROWS, 1, mode({ aligned: false, quiet: true }), chalks);
    expect(piped.stdout).toBe(`${statusTsv(ROWS)}\n`);
    expect(piped.stderr).not.toMatch(/drift|3 keys/);
    expect(piped.stderr).toContain("UnrecognizedClientException");
  });

  it("with --output json: no table (stdout holds the JSON document), the summary on stderr", () => {
    expect(statusOutput(ROWS, 1, mode({ aligned: false, json: true }), chalks)).toEqual({
      stdout: "",
      stderr: summary,
    });
  });
});

describe("a key pending deletion", () => {
  it("shows its date in the table, and does not make status fail", () => {
    expect(statusTsv([PRIMARY_ROW, PENDING_ROW])).toContain(
      "ap-south-1\tREPLICA\tPendingDeletion (deleted 2031-01-08)",
    );
    expect(statusExitCode([PRIMARY_ROW, PENDING_ROW])).toBe(0);
  });
});

describe("statusSummary", () => {
  it.each<{ rows: readonly FamilyRow[]; unusable: number; summary: string }>([
    { rows: [PRIMARY_ROW], unusable: 0, summary: "1 key, all usable, no drift." },
    { rows: [PRIMARY_ROW, PRIMARY_ROW], unusable: 0, summary: "2 keys, all usable, no drift." },
    {
      rows: [PRIMARY_ROW, DRIFTING_ROW],
      unusable: 0,
      summary: "2 keys, all usable, 1 replica drift from the primary.",
    },
    {
      rows: [PRIMARY_ROW, DRIFTING_ROW, DRIFTING_ROW],
      unusable: 0,
      summary: "3 keys, all usable, 2 replicas drift from the primary.",
    },
    { rows: [PRIMARY_ROW, FAILED_ROW], unusable: 1, summary: "2 keys, 1 not usable, no drift." },
    {
      rows: [PRIMARY_ROW, PENDING_ROW],
      unusable: 0,
      summary: "2 keys, all usable, 1 pending deletion, no drift.",
    },
    {
      rows: ROWS,
      unusable: 1,
      summary: "3 keys, 1 not usable, 1 replica drift from the primary.",
    },
  ])("$summary", ({ rows, unusable, summary }) => {
    // GIVEN rows
    // WHEN / THEN
    expect(statusSummary(rows, unusable, plain)).toBe(summary);
  });
});

describe("statusJson", () => {
  it("spells out every key with usable and drift, and flags the drift", () => {
    // GIVEN ROWS
    // WHEN
    const json = statusJson(ROWS, isUsableKey, 1, null);
    // THEN
    expect(json).toEqual({
      version: JSON_VERSION,
      command: "status",
      ok: false,
      exitCode: 1,
      drift: true,
      error: null,
      keys: [
        { ...PRIMARY_ROW.view, usable: true, drift: [] },
        { ...FAILED_ROW.view, usable: false, drift: [] },
        { ...DRIFTING_ROW.view, usable: true, drift: [TAG_DRIFT, ALIAS_DRIFT] },
      ],
    });
    expect(json.version).toBe(1);
  });

  it("is ok without drift when the exit code is 0", () => {
    // GIVEN
    const rows = [PRIMARY_ROW, { view: keyView("eu-west-1", "REPLICA"), drift: [] }];
    // WHEN
    const json = statusJson(rows, isUsableKey, 0, null);
    // THEN
    expect(json.ok).toBe(true);
    expect(json.exitCode).toBe(0);
    expect(json.drift).toBe(false);
    expect(json.keys.map((k) => [k.region, k.usable, k.drift])).toEqual([
      ["us-east-1", true, []],
      ["eu-west-1", true, []],
    ]);
  });

  it("carries the error that ended the run, with no keys", () => {
    // GIVEN
    const error: ErrorReport = { name: "UsageError", message: "single-Region key" };
    // WHEN
    const json = statusJson([], isUsableKey, 2, error);
    // THEN
    expect(json).toEqual({
      version: 1,
      command: "status",
      ok: false,
      exitCode: 2,
      drift: false,
      error,
      keys: [],
    });
  });

  it("is a plain JSON document", () => {
    // GIVEN
    const json = statusJson(ROWS, isUsableKey, 4, null);
    // WHEN
    const parsed: unknown = JSON.parse(JSON.stringify(json));
    // THEN
    expect(parsed).toEqual(json);
  });
});
