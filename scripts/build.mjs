// Builds the runnable files into dist/ with esbuild. Type-checking is `npm run typecheck` (tsc).
// Our own code is bundled; npm packages stay external and load from node_modules, and code
// splitting keeps every `await import()` a separate chunk, so `--help` never loads the AWS SDK.
import { build } from "esbuild";
import { rm } from "node:fs/promises";

await rm(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: {
    cli: "src/cli.ts",
    "kms-local": "test/support/kms-local/main.ts",
    demo: "scripts/demo.ts",
    bench: "bench/bench.ts",
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
