// Builds the runnable files into dist/ with esbuild. Type-checking is `npm run typecheck` (tsc).
//
// Start-up budget: `--help` and `--version` near bare `node`, an invalid-Region run under 2×.
// So everything is bundled (fewer files to resolve and read), code splitting keeps every
// `await import()` a separate chunk (`--help` never loads the AWS SDK or ora), and the SDK's
// partition metadata is bundled on its own first, tree-shaken: imported through the SDK's barrel
// file inside a split build it would drag ~350 SDK modules into the Region check.
import { build } from "esbuild";
import { readFile, rm } from "node:fs/promises";

const versionOf = async (path) => JSON.parse(await readFile(new URL(path, import.meta.url), "utf8")).version;

const common = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  // `--version` prints these without reading package.json or loading the SDK (src/version.ts).
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

await rm(new URL("../dist", import.meta.url), { recursive: true, force: true });

// The SDK's retry predicates (src/sdk-retry.ts, used by src/errors.ts, which `--help` loads) the same way.
await build({
  ...common,
  entryPoints: { "sdk-partition": "src/sdk-partition.ts", "sdk-retry": "src/sdk-retry.ts" },
  outdir: "dist",
});

const partitionExternal = {
  name: "sdk-partition-external",
  setup(b) {
    b.onResolve({ filter: /sdk-(partition|retry)\.js$/ }, (args) => ({
      path: `./${args.path.replace(/^.*\//, "")}`,
      external: true,
    }));
  },
};

await build({
  ...common,
  entryPoints: {
    cli: "src/cli.ts",
    "kms-local": "test/support/local-kms/main.ts",
    demo: "scripts/demo.ts",
    bench: "bench/bench.ts",
  },
  outdir: "dist",
  splitting: true,
  plugins: [partitionExternal],
});
