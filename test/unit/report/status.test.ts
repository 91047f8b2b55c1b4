import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import type { Drift } from "../../../src/diff.js";
import { isUsableKey } from "../../../src/family.js";
import type { ErrorReport } from "../../../src/errors.js";
import { JSON_VERSION } from "../../../src/report/json.js";
import { statusJson, statusSummary, statusTable, type FamilyRow } from "../../../src/report/status.js";
import { keyView } from "../../support/fixtures.js";

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
    expect(lines[0]?.split(/\s+/)).toEqual([
      "REGION",
      "ROLE",
      "STATE",
      "ENABLED",
      "DESCRIPTION",
      "TAGS",
      "ALIASES",
    ]);
    expect(lines[1]).toMatch(
      /^us-east-1\s+PRIMARY\s+Enabled\s+true\s+Payments key\s+team=payments,env=prod\s+alias\/payments$/,
    );
    expect(lines[2]).toMatch(/^ap-southeast-2\s+REPLICA\s+\?\s+\?\s+/);
    expect(lines[3]).toBe(`    ✖ UnrecognizedClientException: ${UNRECOGNIZED.message}`);
    expect(lines[4]).toBe(`      → ${UNRECOGNIZED.hint}`);
    expect(lines[5]).toMatch(/^eu-west-1\s+REPLICA\s+Enabled\s+true\s+Payments key\s+team=payments\s+-$/);
    expect(lines[6]).toBe("    drift: tags: missing env=prod");
    expect(lines[7]).toBe("    drift: aliases: missing alias/payments");
  });

  it("lines the columns up under the header", () => {
    // GIVEN
    const rows = [PRIMARY_ROW, DRIFTING_ROW];
    // WHEN
    const [header = "", ...keys] = linesOf(statusTable(rows, plain)).filter((l) => !l.startsWith(" "));
    // THEN every column starts where its header starts
    for (const column of ["ROLE", "STATE", "ENABLED", "DESCRIPTION", "TAGS", "ALIASES"]) {
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
    expect(line).toMatch(/^eu-west-1\s+REPLICA\s+Enabled\s+true\s+-\s+-\s+-$/);
  });

  it("shortens a long description with …", () => {
    // GIVEN
    const row: FamilyRow = {
      view: keyView("eu-west-1", "REPLICA", {
        description: "Payments key for the EU disaster-recovery site",
      }),
      drift: [],
    };
    // WHEN
    const table = statusTable([row], plain);
    // THEN
    expect(table).toContain("Payments key for the EU… ");
    expect(table).not.toContain("disaster-recovery");
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
