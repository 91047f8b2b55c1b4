// The committed JSON Schema (schema/kms-replicate.schema.json) is what the types give, and it is
// tight: it refuses what the tool never writes. Real output of every command is checked against it
// in test/e2e/schema.e2e.test.ts.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { EXIT, type ErrorReport } from "../../src/core/errors.js";
import type { RegionResult } from "../../src/core/events.js";
import { usageDocument } from "../../src/cli/usage.js";
import { COMMANDS } from "../../src/commands/registry.js";
import { runJson, usageJson } from "../../src/report/json.js";
import { statusJson } from "../../src/commands/status/render.js";
import { isUsableKey } from "../../src/core/family.js";
import { PRIMARY, arnIn, keyView } from "../support/fixtures.js";
import { recordingProgram } from "../support/command-line.js";
import { SCHEMA_PATH, schemaErrors } from "../support/schema.js";

const SCRIPT = fileURLToPath(new URL("../../scripts/schema.mjs", import.meta.url));

const DENIED: ErrorReport = {
  name: "AccessDeniedException",
  message: "not allowed",
  hint: "ask for kms:ReplicateKey",
};

const RESULTS: RegionResult[] = [
  {
    region: "eu-west-1",
    status: "created",
    keyState: "Enabled",
    replicaArn: arnIn("eu-west-1"),
    elapsedMs: 4210,
    applied: {
      tags: [{ TagKey: "team", TagValue: "payments" }],
      description: null,
      policySource: "default",
      aliases: [],
    },
  },
  { region: "ap-south-2", status: "failed", elapsedMs: 610, error: DENIED },
  {
    region: "eu-central-1",
    status: "timeout",
    keyState: "Creating",
    elapsedMs: 90_000,
    note: "may still finish",
  },
];

/** `value` as JSON.parse gives it back: what a reader of stdout sees. */
const plain = (value: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

/** A run document as the tool writes it, as plain JSON. */
function runDocument(): Record<string, unknown> {
  const doc = runJson({
    command: "replicate",
    exitCode: EXIT.failed,
    dryRun: false,
    primary: PRIMARY,
    results: RESULTS,
    warnings: ["eu-west-1 is listed twice"],
    elapsedMs: 90_123.4,
  });
  return plain(doc);
}

function statusDocument(): Record<string, unknown> {
  const doc = statusJson(
    [
      { view: keyView("us-east-1", "PRIMARY"), drift: [] },
      {
        view: keyView("eu-west-1", "REPLICA", { description: "other" }),
        drift: [{ field: "description", detail: "description differs", primary: null, replica: "other" }],
      },
    ],
    isUsableKey,
    EXIT.drift,
    null,
  );
  return plain(doc);
}

const regionsOf = (doc: Record<string, unknown>) => doc.regions as Record<string, unknown>[];

describe("schema/kms-replicate.schema.json", () => {
  it("is what the types give (run `npm run schema` and commit it when this fails)", async () => {
    // GIVEN the committed file WHEN the generator runs on the types THEN it would write nothing
    const run = promisify(execFile)(process.execPath, [SCRIPT, "--check"]);
    await expect(run).resolves.toBeDefined();
  }, 30_000);

  it("every command of the program has a document (`command` is one of the schema's)", () => {
    const names = recordingProgram().program.commands.map((c) => c.name());
    expect([...names].sort()).toEqual([...SCHEMA_COMMANDS].sort());
  });
});

/** Every value of `command` the schema allows, in any of its documents. */
const SCHEMA_COMMANDS: readonly string[] = (() => {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as {
    definitions: Record<string, { properties?: Record<string, unknown>; enum?: string[]; const?: string }>;
  };
  const valuesOf = (spec: unknown): string[] => {
    const s = spec as { $ref?: string; enum?: string[]; const?: string };
    if (s.$ref !== undefined) return valuesOf(schema.definitions[s.$ref.replace("#/definitions/", "")]);
    return s.enum ?? (s.const !== undefined ? [s.const] : []);
  };
  const all = Object.values(schema.definitions).flatMap((d) =>
    d.properties?.command === undefined ? [] : valuesOf(d.properties.command),
  );
  return [...new Set(all)];
})();

describe("the schema accepts what the tool writes", () => {
  const stopped = runJson({
    command: "wait",
    exitCode: EXIT.usage,
    dryRun: false,
    results: [],
    error: {
      name: "InvalidRegions",
      message: "bad",
      invalidRegions: [{ region: "mars-1", reason: "unknown" }],
    },
    warnings: [],
    elapsedMs: 3,
  });
  it.each<[string, unknown]>([
    ["a run document with created, failed and timeout Regions", runDocument()],
    ["a status document with drift", statusDocument()],
    ["a run-ending error", plain(stopped)],
  ])("%s", (_name, doc) => {
    expect(schemaErrors(doc)).toEqual([]);
  });

  it.each([...COMMANDS.map((m) => m.name), "help", "completion"])(
    "a usage error under %s (one key, and a fleet)",
    async (name) => {
      const module = COMMANDS.find((m) => m.name === name);
      const other = name === "completion" ? "completion" : "help";
      for (const fleet of [false, true]) {
        const doc = JSON.parse(await usageDocument(module, other, "unknown option '--bogus'", fleet)) as {
          command: string;
          version: number;
        };
        expect(doc.command).toBe(name);
        expect(doc.version).toBe(fleet && module?.fleet === true ? 2 : 1);
        expect(schemaErrors(doc)).toEqual([]);
      }
    },
  );
});

describe("the schema refuses what the tool never writes", () => {
  it.each<[string, (doc: Record<string, unknown>) => void]>([
    ["an unknown top-level field", (doc) => (doc.extra = 1)],
    ["an unknown field in a Region", (doc) => (regionsOf(doc)[0].extra = 1)],
    ["an unknown status", (doc) => (regionsOf(doc)[0].status = "done")],
    ["a missing field", (doc) => delete doc.warnings],
    ["a null that the types do not allow", (doc) => (regionsOf(doc)[0].region = null)],
    ["a failed Region without its error", (doc) => (regionsOf(doc)[1].error = null)],
    ["an error on a Region that did not fail", (doc) => (regionsOf(doc)[0].error = DENIED)],
    ["an unknown field in an error", (doc) => (regionsOf(doc)[1].error = { ...DENIED, code: 400 })],
    ["an unknown field in the summary", (doc) => ((doc.summary as Record<string, unknown>).skipped = 0)],
    ["a fractional elapsedMs", (doc) => (doc.elapsedMs = 1.5)],
    ["an exit code the tool does not use", (doc) => (doc.exitCode = 5)],
    ["an unknown command", (doc) => (doc.command = "statsu")],
    ["another version", (doc) => (doc.version = 2)],
    ["the status document's fields in a run document", (doc) => (doc.keys = [])],
  ])("%s", (_name, spoil) => {
    // GIVEN a valid run document
    const doc = runDocument();
    expect(schemaErrors(doc)).toEqual([]);
    // WHEN it is spoilt THEN the schema refuses it
    spoil(doc);
    expect(schemaErrors(doc)).not.toEqual([]);
  });

  it.each<[string, (doc: Record<string, unknown>) => void]>([
    ["an unknown field in a key", (doc) => ((doc.keys as Record<string, unknown>[])[0].extra = 1)],
    [
      "an unknown drift field",
      (doc) =>
        (((doc.keys as Record<string, unknown>[])[1].drift as Record<string, unknown>[])[0].field =
          "keyState"),
    ],
    ["an unknown role", (doc) => ((doc.keys as Record<string, unknown>[])[0].role = "BACKUP")],
    [
      "a field error for a field that is not read on its own",
      (doc) =>
        (((doc.keys as Record<string, unknown>[])[0].fieldErrors as Record<string, unknown>).description =
          null),
    ],
    ["a run document's field", (doc) => (doc.regions = [])],
  ])("status: %s", (_name, spoil) => {
    const doc = statusDocument();
    expect(schemaErrors(doc)).toEqual([]);
    spoil(doc);
    expect(schemaErrors(doc)).not.toEqual([]);
  });

  it("a usage document under help with a Region, or with exit code 0", () => {
    const usage = JSON.parse(
      JSON.stringify(usageJson("help", { name: "UsageError", message: "no" })),
    ) as Record<string, unknown>;
    expect(schemaErrors(usage)).toEqual([]);
    expect(schemaErrors({ ...usage, regions: runDocument().regions })).not.toEqual([]);
    expect(schemaErrors({ ...usage, exitCode: 0, ok: true })).not.toEqual([]);
  });
});
