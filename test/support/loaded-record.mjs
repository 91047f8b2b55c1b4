// `node --import ./loaded-record.mjs …`: every module the process loads (ES modules, the bundle's
// chunks among them, and node: built-ins) is listed, one URL a line, in the file named by
// KMS_REPLICATE_LOADED_FILE. Used by test/e2e/startup.e2e.test.ts.
// eslint-disable-next-line n/no-unsupported-features/node-builtins -- tests only: Node 20.6+ has it, CI runs 20.20, 22 and 24
import { register } from "node:module";

register(new URL("./loaded-hooks.mjs", import.meta.url), {
  data: { file: process.env.KMS_REPLICATE_LOADED_FILE },
});
