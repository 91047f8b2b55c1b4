// Node's crypto, loaded when it is first used. The flags' parsers import the modules that use it
// (core/wrap.ts, core/material.ts), so a static import would load it on every start-up, `--help`
// and `--version` included: about a sixth of a bare `node -e 0` (bench/README.md, Start-up).
import { createRequire } from "node:module";
import type * as Crypto from "node:crypto";

const load = createRequire(import.meta.url);

export function nodeCrypto(): typeof Crypto {
  return load("node:crypto") as typeof Crypto;
}
