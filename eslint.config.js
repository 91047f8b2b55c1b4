// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import n from "eslint-plugin-n";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

export default tseslint.config(
  { ignores: ["dist/", "build/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            "eslint.config.js",
            "bin/*",
            "scripts/*.mjs",
            "bench/*.mjs",
            "test/support/*.mjs",
          ],
        },
        tsconfigRootDir: dirname(fileURLToPath(import.meta.url)),
      },
    },
    plugins: { n },
    settings: { n: { version: ">=20.0.0" } },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "n/no-unsupported-features/node-builtins": "error",
      "n/no-unsupported-features/es-syntax": "error",
    },
  },
  {
    // The core never prints: only the renderers in src/report/, the runner (the JSON document) and
    // the entry point (the process's streams), and merge (its document) write to a stream or the console.
    files: ["src/**/*.ts"],
    ignores: [
      "src/report/**",
      "src/cli/runner.ts",
      "src/cli/main.ts",
      "src/cli/entry.ts",
      "src/cli/merge.ts",
    ],
    rules: {
      "no-console": "error",
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name='write']",
          message: "The core never writes to a stream: emit an event, or render in src/report/.",
        },
      ],
    },
  },
  {
    files: ["eslint.config.js", "bin/*", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: "readonly", URL: "readonly", console: "readonly" } },
  },
);
