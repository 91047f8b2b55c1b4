// src/cli/query.ts: --query compiled once (a bad expression is a usage error), applied to a
// document, its result written as JSON with renderJson's escaping.
import { describe, expect, it } from "vitest";
import { renderJson, type KmsReplicateDocument } from "../../../src/cli/document.js";
import { jsonRequested, buildProgram, queryInArgv } from "../../../src/cli/program.js";
import { compileQuery, queryFlag, writeDocument, type JsonQuery } from "../../../src/cli/query.js";
import { functionNames, withLegacyLiterals } from "../../../src/cli/query-text.js";
import { COMMANDS } from "../../../src/commands/registry.js";
import { EXIT, isReplicateError } from "../../../src/core/errors.js";

/** A made-up version-2 document: what a query sees is plain JSON, whatever the command. */
const DOC = {
  version: 2,
  command: "replicate",
  ok: false,
  exitCode: 1,
  keys: [
    {
      key: "alias/a",
      ok: true,
      regions: [
        { region: "eu-west-1", status: "created" },
        { region: "sa-east-1", status: "exists" },
      ],
    },
    { key: "alias/b", ok: false, regions: [] },
  ],
  totals: { keys: { ok: 1, failed: 1, total: 2 } },
  description: "pay\u202emant",
  error: null,
  unset: undefined,
} as unknown as KmsReplicateDocument;

async function query(expression: string): Promise<JsonQuery> {
  const compiled = await compileQuery(expression);
  if (compiled.query === undefined) throw new TypeError(`${expression}: ${compiled.error?.message}`);
  return compiled.query;
}

async function usageMessage(expression: string): Promise<string> {
  const { error } = await compileQuery(expression);
  expect(isReplicateError(error)).toBe(true);
  expect(error?.exitCode).toBe(EXIT.usage);
  return error?.message ?? "";
}

describe("--query: the expression's result as JSON", () => {
  it.each([
    // the cases users write with the AWS CLI, results as jmespath.py gives them
    ["keys[?ok==`false`].key", '[\n  "alias/b"\n]\n'],
    ["keys[?ok].key", '[\n  "alias/a"\n]\n'],
    ["length(keys)", "2\n"],
    ["totals.keys.total", "2\n"],
    ["keys[0].key", '"alias/a"\n'],
    ["keys[0].ok", "true\n"],
    ["missing[].x", "null\n"],
    ["error.message", "null\n"],
    ["keys[-1:].key", '[\n  "alias/b"\n]\n'],
    ["keys[].key | [0]", '"alias/a"\n'],
    ["totals.keys", '{\n  "ok": 1,\n  "failed": 1,\n  "total": 2\n}\n'],
  ])("%s → %j", async (expression, written) => {
    expect(writeDocument(DOC, await query(expression))).toEqual({ stdout: written });
  });

  it("a multiselect hash over a flattened projection", async () => {
    const { stdout } = writeDocument(DOC, await query("keys[].regions[].{r:region,s:status}"));
    expect(JSON.parse(stdout)).toEqual([
      { r: "eu-west-1", s: "created" },
      { r: "sa-east-1", s: "exists" },
    ]);
  });

  it("the query sees the document as written: a field JSON leaves out is not there", async () => {
    expect(writeDocument(DOC, await query("keys(@)")).stdout).not.toContain("unset");
  });

  it("escapes what a terminal would act on, as renderJson does, in the result too", async () => {
    const { stdout } = writeDocument(DOC, await query("description"));
    expect(stdout).toBe('"pay\\u202emant"\n');
    expect(JSON.parse(stdout)).toBe("pay\u202emant");
  });

  it("no query: the document as renderJson writes it", () => {
    expect(writeDocument(DOC, undefined).stdout).toBe(renderJson(DOC));
  });

  it("an expression that fails on this document: null, and why for stderr", async () => {
    const written = writeDocument(DOC, await query("length(version)"));
    expect(written.stdout).toBe("null\n");
    expect(written.stderr).toMatch(
      /^kms-replicate: --query could not be applied to the document \(.*length\(\)/,
    );
  });
});

describe("--query: a bad expression is a usage error, with the library's message and the column", () => {
  it.each([
    ["keys[?ok==`false`.key", /parse error at column 21, found unexpected end of expression/],
    ["][", /parse error at column 0, found unexpected token "\]"/],
    ["a.", /parse error at column 2/],
    ["foo-bar", /unknown token .* at column 3/],
    ["'abc", /unknown token "'abc" at column 0/],
    ["", /parse error at column 0/],
    // not in the JMESPath specification, nor in the AWS CLI
    ["let $a = keys in $a", /unknown token "\$" at column 4/],
    ["totals.keys + `1`", /unknown token "\+" at column 12/],
  ])("%j", async (expression, message) => {
    const text = await usageMessage(expression);
    expect(text).toMatch(/^Bad value for --query: /);
    expect(text).toMatch(message);
  });

  it("an unknown function, before any document (the library would only find it when evaluated)", async () => {
    expect(await usageMessage("lenght(keys)")).toMatch(/unknown function lenght\(\)/);
    expect(await usageMessage("keys[].items(@)")).toMatch(/items\(\)/);
  });

  it("every function of the specification is known", async () => {
    const calls = [
      "abs(`-1`)",
      "avg(`[1]`)",
      "ceil(`1.5`)",
      "contains('ab', 'a')",
      "ends_with('ab', 'b')",
      "floor(`1.5`)",
      "join(',', `[]`)",
      "keys(@)",
      "length(@)",
      "map(&a, `[]`)",
      "max(`[1]`)",
      "max_by(`[]`, &a)",
      "merge(@)",
      "min(`[1]`)",
      "min_by(`[]`, &a)",
      "not_null(@)",
      "reverse(`[]`)",
      "sort(`[]`)",
      "sort_by(`[]`, &a)",
      "starts_with('ab', 'a')",
      "sum(`[]`)",
      "to_array(@)",
      "to_number('1')",
      "to_string(@)",
      "type(@)",
      "values(@)",
    ];
    for (const expression of calls)
      expect((await compileQuery(expression)).error, expression).toBeUndefined();
  });

  it("-o text with --query is refused; no --query is no query", async () => {
    const { error } = await queryFlag({ query: "keys", output: "text" });
    expect(error?.message).toMatch(/--output text asks for no JSON document/);
    expect(await queryFlag({ output: "text" })).toEqual({});
    expect((await queryFlag({ query: "keys", output: "json" })).query?.expression).toBe("keys");
  });
});

describe("functionNames", () => {
  it.each([
    ["length(keys)", ["length"]],
    ["sort_by(keys, &key)[].key | join(',', @)", ["sort_by", "join"]],
    ["length (keys)", ["length"]],
    // not in raw strings, quoted identifiers or JSON literals, escapes included
    ["keys[?key=='f(x)'].key", []],
    ['"f(x)"', []],
    ['`"f(x)"`', []],
    ["'it\\'s f(x)' | g(@)", ["g"]],
    ["keys[0].key", []],
  ])("%j → %j", (expression, names) => {
    expect(functionNames(expression)).toEqual(names);
  });
});

describe("the command line: --query implies -o json", () => {
  const program = () => buildProgram(COMMANDS, () => Promise.resolve(0));
  const argv = (...args: string[]) => ["node", "kms-replicate", ...args];

  it("commander sets -o json when --query is given without -o; an explicit -o stays", async () => {
    const seen: string[] = [];
    const recording = () =>
      buildProgram(COMMANDS, (_module, raw) => {
        seen.push(`${raw.globals.output} ${raw.globals.query ?? "-"}`);
        return Promise.resolve(0);
      });
    await recording().parseAsync(argv("status", "--key", "k", "--query", "keys"));
    await recording().parseAsync(argv("--query", "keys", "-o", "text", "status", "--key", "k"));
    await recording().parseAsync(argv("status", "--key", "k"));
    expect(seen).toEqual(["json keys", "text keys", "text -"]);
  });

  it.each([
    [["status", "--bogus", "--query", "keys"], true, "keys"],
    [["status", "--bogus", "--query=a.b"], true, "a.b"],
    [["status", "--bogus", "--query", "keys", "-o", "text"], false, "keys"],
    [["status", "--bogus", "--", "--query", "keys"], false, undefined],
    [["status", "--bogus"], false, undefined],
  ])("a usage error first: %j → JSON %s, query %j", (args, json, expression) => {
    expect(jsonRequested(program(), argv(...args))).toBe(json);
    expect(queryInArgv(argv(...args))).toBe(expression);
  });
});

describe("the AWS CLI's string literals in backticks (jmespath.py reads a literal that is not JSON as a string)", () => {
  const KEYS = {
    keys: [
      { role: "PRIMARY", region: "us-east-1" },
      { role: "REPLICA", region: "eu-west-1" },
    ],
  } as unknown as KmsReplicateDocument;

  // each result as jmespath.py 1.1.0 gives it
  it.each([
    ["keys[?role==`REPLICA`].region", ["eu-west-1"]],
    ["keys[?role==` REPLICA`].region", ["eu-west-1"]],
    ['keys[?role==`"REPLICA"`].region', ["eu-west-1"]],
    ["`foo bar`", "foo bar"],
    ["`tru`", "tru"],
    ["`true`", true],
    ["`{bad`", "{bad"],
    ["` `", ""],
    ["`it's`", "it's"],
    ["`a\\`b`", "a`b"],
    ["`tab\\tbed`", "tab\tbed"],
  ])("%s → %j", async (expression, value) => {
    expect(JSON.parse(writeDocument(KEYS, await query(expression)).stdout)).toEqual(value);
  });

  it("keeps the length where it can, so that an error's column points into what was typed", async () => {
    expect(withLegacyLiterals("keys[?role==`REPLICA`].region")).toBe("keys[?role=='REPLICA'].region");
    expect(withLegacyLiterals("a[?b==`  c`]")).toBe("a[?b==  'c']");
    expect(withLegacyLiterals('a[?b==`1`] | `[1]` | `"x"`')).toBe('a[?b==`1`] | `[1]` | `"x"`');
    const message = await usageMessage("keys[?role==`REPLICA`].[");
    expect(message).toMatch(/parse error at column 24, .* in expression: keys\[\?role==`REPLICA`\]\.\[$/);
  });

  it("a literal that is neither JSON nor a JSON string stays an error", async () => {
    expect(await usageMessage('keys[?role==`say "hi"`]')).toMatch(/unknown token/);
  });
});
