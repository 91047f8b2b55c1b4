// The JSON Schema of every --output json document, generated from its TypeScript type
// (KmsReplicateDocument, src/cli/document.ts) by ts-json-schema-generator, into
// schema/kms-replicate.schema.json, which is committed.
//
//   node scripts/schema.mjs           write the schema if it changed (the build runs this);
//                                     with `CI` set, only say that it is stale
//   node scripts/schema.mjs --write   write it, also with `CI` set (npm run schema)
//   node scripts/schema.mjs --check   exit 1 if the file is stale; write nothing
//
// Like a test snapshot: on a developer's machine the build rewrites the file from the types (and
// says so: commit it with them); when `CI` is set the build never writes, so that
// test/unit/schema.test.ts, which compares the file with what the types give, fails in CI when a
// type changed and the schema was not regenerated and committed.
//
// Speed: the generator's own program (createGenerator) would parse every file the document's types
// import, and through src/core/family.ts and src/core/steps/work.ts that is the AWS SDK's ~700 declaration files
// (2.6 s to generate). Ours holds only the files the document's types live in, with `noResolve`
// (imports of other files are left unresolved), ES5's lib (the utility types: Readonly, Record,
// Omit, Exclude) and no @types: about 0.6-0.8 s to generate, after 0.5 s to load TypeScript.
// A document type that refers to a file not in SOURCES is refused: the generator fails on it, or
// it would be `{}` in the schema ("anything goes"), which generateSchema() refuses too.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { SchemaGenerator, createFormatter, createParser, DEFAULT_CONFIG, ts } from "ts-json-schema-generator";

const root = new URL("../", import.meta.url);
const SCHEMA_FILE = fileURLToPath(new URL("schema/kms-replicate.schema.json", root));
const TYPE = "KmsReplicateDocument";

/** The files the document's types are declared in: the type's file first. */
const SOURCES = [
  "src/cli/document.ts",
  "src/report/json.ts",
  "src/commands/status/render.ts",
  "src/commands/promote/json.ts",
  "src/commands/rotate-material/render.ts",
  "src/core/errors.ts",
  "src/core/events.ts",
  "src/core/options.ts",
  "src/core/family.ts",
  "src/core/diff.ts",
  "src/core/operation.ts",
  "src/commands/sync/render.ts",
  "src/commands/shared/region-render.ts",
  "src/commands/shared/deletion-json.ts",
  "src/report/fleet.ts",
  "src/report/outcomes.ts",
  "src/report/org.ts",
  "src/core/steps/work.ts",
  "src/core/steps/rotate-result.ts",
].map((path) => fileURLToPath(new URL(path, root)));

const ANNOTATIONS = new Set(["description", "markdownDescription", "title"]);

/** The paths of subschemas that constrain nothing: an `unknown`, `any` or unresolved type in the document. */
function unconstrained(schema, path = [], found = []) {
  const check = (sub, at) => {
    if (typeof sub !== "object" || sub === null) return;
    if (Object.keys(sub).every((key) => ANNOTATIONS.has(key))) found.push(at.join("/"));
    unconstrained(sub, at, found);
  };
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" || key === "definitions") {
      for (const [name, sub] of Object.entries(value)) check(sub, [...path, key, name]);
    } else if (key === "items" || key === "additionalProperties") {
      check(value, [...path, key]);
    } else if (key === "anyOf" || key === "oneOf" || key === "allOf") {
      value.forEach((sub, i) => check(sub, [...path, key, String(i)]));
    }
  }
  return found;
}

/** The schema as text (sorted keys are the generator's; two-space JSON and a final newline). */
export function generateSchema() {
  const config = {
    ...DEFAULT_CONFIG,
    type: TYPE,
    expose: "export",
    topRef: true,
    jsDoc: "extended",
    additionalProperties: false,
    strictTuples: true,
    skipTypeCheck: true,
  };
  const program = ts.createProgram(SOURCES, {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es5.d.ts"], // the utility types; nothing in the document needs a newer lib
    types: [],
    noResolve: true,
  });
  const generator = new SchemaGenerator(
    program,
    createParser(program, config),
    createFormatter(config),
    config,
  );
  let schema;
  try {
    schema = generator.createSchema(TYPE);
  } catch (error) {
    // The generator's errors carry the whole syntax tree: say where, in one line.
    const where = error?.diagnostic?.file?.fileName;
    const cause = error?.cause?.message;
    throw new Error(
      `schema: ${error?.message ?? error}${where ? ` in ${where}` : ""}${cause ? ` (${cause})` : ""}; is a type the document uses declared outside SOURCES?`,
      { cause: undefined },
    );
  }
  const loose = unconstrained(schema);
  if (loose.length > 0) {
    throw new Error(
      `schema: these parts accept anything (an unknown, any, or a type from a file not in SOURCES): ${loose.join(", ")}`,
    );
  }
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** CI as src/cli/terminal.ts reads it: set, not empty, not "false". */
const inCi = (env = process.env) => env.CI !== undefined && env.CI !== "" && env.CI !== "false";

const STALE = `schema/kms-replicate.schema.json is not what the types in src/ give: run \`npm run schema\` (or \`npm run build\`) and commit it.`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let text;
  try {
    text = generateSchema();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  const current = await readFile(SCHEMA_FILE, "utf8").catch(() => undefined);
  const write = process.argv.includes("--write") || (!process.argv.includes("--check") && !inCi());
  if (current === text) {
    // up to date
  } else if (write) {
    await mkdir(new URL("schema/", root), { recursive: true });
    await writeFile(SCHEMA_FILE, text);
    console.error("schema/kms-replicate.schema.json regenerated from the types: commit it with them.");
  } else {
    console.error(`${STALE}${process.argv.includes("--check") ? "" : " (not rewritten: CI is set)"}`);
    if (process.argv.includes("--check")) process.exitCode = 1;
  }
}
