// Builds the product into dist/ and the development tools into build/, with esbuild.
// Type-checking is `npm run typecheck` (tsc).
//
// dist/ is exactly what the npm package ships besides bin/, the schema and the README (package.json
// `files`): the CLI and its chunks, every dependency bundled in (no runtime dependencies), no
// source maps, and THIRD-PARTY-NOTICES.txt, the licences of the bundled packages, made from
// esbuild's metafile of this build (scripts/notices.mjs). build/ (ignored by git, never packed)
// holds the local KMS endpoint, the demo, the benchmark and the writer of docs/commands/
// (`npm run docs`), with source maps, and dist-metafile.json (dist's metafile, for the tests).
//
// Start-up (bench/README.md, test/e2e/startup.e2e.test.ts): everything is bundled, and code
// splitting keeps every `await import()` a chunk of its own. dist/cli.js (src/cli/entry.ts)
// answers `--version` alone, prints the help and completion texts rendered below
// (writeStartupTexts), and otherwise imports the program's chunk (src/cli/main.ts): commander,
// the global options and every command's flags and help; a command's work, the runner, the AWS SDK
// and ora load only when a command runs. The SDK's partition table and retry predicates are
// imported by path (src/aws/sdk-partition.ts, sdk-retry.ts): through the SDK's barrel files they
// would bring ~350 SDK modules into the Region checks.
import { build } from "esbuild";
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NOTICES_FILE, thirdPartyNotices } from "./notices.mjs";

// The JSON Schema of --output json, from the types (scripts/schema.mjs), in a child process while
// esbuild works: about 1 s on its own (mostly loading TypeScript), so the build waits little for it.
// It rewrites schema/kms-replicate.schema.json when the types changed, except with `CI` set.
const schema = new Promise((resolve, reject) => {
  execFile(
    process.execPath,
    [fileURLToPath(new URL("schema.mjs", import.meta.url))],
    (error, _stdout, stderr) => {
      process.stderr.write(stderr);
      if (error) reject(new Error("the JSON Schema could not be generated (see above)"));
      else resolve();
    },
  );
});

const readJson = async (path) => JSON.parse(await readFile(new URL(path, import.meta.url), "utf8"));
const versionOf = async (path) => (await readJson(path)).version;

/** The project's folder: esbuild's working directory, so that the metafiles' paths are relative to it. */
const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * commander requires node:child_process when it loads, for subcommands that are executable files,
 * which kms-replicate has none of: it costs about a tenth of a bare `node -e 0` (sockets, dgram,
 * the child process internals) on every start-up that loads the program. Its `spawn`, the one
 * function commander uses, loads it when first called instead.
 */
const lazyChildProcess = {
  name: "lazy-child-process",
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /node_modules[\\/]commander[\\/]lib[\\/]command\.js$/.test(args.importer)
        ? { path: "child_process (loaded by its first spawn)", namespace: "lazy-child-process" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "lazy-child-process" }, () => ({
      contents:
        'let loaded;\nmodule.exports = { spawn: (...args) => (loaded ??= require("node:child_process")).spawn(...args) };\n',
      loader: "js",
    }));
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  plugins: [lazyChildProcess],
  // `--version` prints these without reading package.json or loading the SDK (src/cli/version.ts).
  define: {
    __KMS_REPLICATE_VERSION__: JSON.stringify(await versionOf("../package.json")),
    __AWS_SDK_KMS_VERSION__: JSON.stringify(
      await versionOf("../node_modules/@aws-sdk/client-kms/package.json"),
    ),
  },
  // Bundled CommonJS dependencies (the AWS SDK) call require() for Node's built-ins.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
};

/** Written beside dist/cli.js, which imports it (src/cli/entry.ts). */
const STARTUP_TEXTS = "startup-texts.js";

/**
 * dist/startup-texts.js: what `--help`, `help …`, `<command> --help` and `completion <shell>` print,
 * rendered by the program itself (dist's main chunk run as the bin would run it, stdout a pipe:
 * 80 columns, the most help takes), so that the entry prints them without loading the program.
 * Each command line must exit 0 with nothing on stderr; test/e2e/startup.e2e.test.ts compares every
 * text with the program's. The commands are the folders of src/commands/ with an index.ts.
 */
async function writeStartupTexts(metafile) {
  const main = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === "src/cli/main.ts")?.[0];
  if (main === undefined) throw new Error("the build has no chunk for src/cli/main.ts");
  const commands = Object.keys(metafile.inputs).flatMap(
    (input) => /^src\/commands\/([a-z-]+)\/index\.ts$/.exec(input)?.[1] ?? [],
  );
  const render = (args) =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [join(root, main), ...args], { env: renderEnv }, (error, stdout, stderr) => {
        if (error || stderr !== "") reject(new Error(`kms-replicate ${args.join(" ")}: ${stderr || error}`));
        else resolve(stdout);
      });
    });
  /** One rendering for each text, and the command lines that print the same text. */
  const texts = [
    [["--help"], ["-h"], ["help"]],
    [["help", "globals"]],
    ...["bash", "zsh", "fish"].map((shell) => [["completion", shell]]),
    ...commands.map((name) => [
      [name, "--help"],
      [name, "-h"],
      ["help", name],
    ]),
  ];
  // A module for each text (text-status-help.js), and the index of command lines (a few hundred
  // bytes) that the entry reads first: a hit loads one text, a miss nothing more.
  const index = {};
  await Promise.all(
    texts.map(async (lines) => {
      const file = `text-${lines[0].join("-").replace(/-+/g, "-").replace(/^-/, "")}.js`;
      const text = await render(lines[0]);
      await writeFile(
        new URL(`../dist/${file}`, import.meta.url),
        `export default ${JSON.stringify(text)};\n`,
      );
      for (const args of lines) index[JSON.stringify(args)] = `./${file}`;
    }),
  );
  await writeFile(
    new URL(`../dist/${STARTUP_TEXTS}`, import.meta.url),
    `// Rendered by scripts/build.mjs.\nexport default ${JSON.stringify(index, null, 1)};\n`,
  );
}

/** The rendering's environment: no colour settings, no terminal width (help takes 80 columns). */
const renderEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(NO_COLOR|FORCE_COLOR|COLUMNS|CI)$/.test(name)),
);

for (const dir of ["../dist", "../build"]) {
  await rm(new URL(dir, import.meta.url), { recursive: true, force: true });
}

const cli = await build({
  ...common,
  metafile: true,
  entryPoints: { cli: "src/cli/entry.ts" },
  outdir: "dist",
  splitting: true,
});
await writeStartupTexts(cli.metafile);
/** The metafiles of the builds into dist/: what the package's notices are made from. */
const distMetafiles = [cli.metafile];

await build({
  ...common,
  sourcemap: "linked",
  entryPoints: {
    "kms-local": "test/support/local-kms/main.ts",
    demo: "scripts/demo.ts",
    bench: "bench/bench.ts",
    docs: "scripts/docs.ts",
  },
  outdir: "build",
  splitting: true,
});

const { text } = thirdPartyNotices(await readJson("../package.json"), distMetafiles, root);
await writeFile(new URL(`../dist/${NOTICES_FILE}`, import.meta.url), text);
const merged = {
  inputs: Object.assign({}, ...distMetafiles.map((m) => m.inputs)),
  outputs: Object.assign({}, ...distMetafiles.map((m) => m.outputs)),
};
await writeFile(
  new URL("../build/dist-metafile.json", import.meta.url),
  `${JSON.stringify(merged, null, 2)}\n`,
);

await schema;
