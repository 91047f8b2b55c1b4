// The bin's entry (dist/cli.js): `kms-replicate --version` alone is answered here, from the
// versions the build wrote in (src/cli/version.ts), before commander and the program load; any
// other command line loads the program (src/cli/main.ts). The same line as commander's --version.
import { versionLine } from "./version.js";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // A reader that has gone away (`--version | head -0`) is not our error.
  process.stdout.on("error", () => undefined);
  process.stdout.write(`${versionLine()}\n`);
} else {
  await import("./main.js");
}
