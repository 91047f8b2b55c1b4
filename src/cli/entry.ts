// The bin's entry (dist/cli.js): `kms-replicate --version` alone is answered here, from the
// versions the build wrote in (src/cli/version.ts), before commander and the program load; so are
// the help and completion texts that depend on nothing but the program (`--help`, `help status`,
// `completion bash`, …): the build rendered them with the program itself (scripts/build.mjs,
// dist/startup-texts.js). Any other command line loads the program (src/cli/main.ts).
import { versionLine } from "./version.js";

/** The modules of the texts the build rendered, by command line (JSON of the arguments). */
type StartupTexts = Readonly<Record<string, string>>;

/** Written by scripts/build.mjs beside dist/cli.js, after bundling: there is no source file. */
const STARTUP_TEXTS = "./startup-texts.js";

const args = process.argv.slice(2);

/** The rendered text of this command line, if the build rendered it for this terminal. */
async function rendered(): Promise<string | undefined> {
  // Every rendered command line has one or two words; help is rendered 80 columns wide (the most
  // it takes, src/cli/help.ts HELP_WIDTH): a narrower terminal gets it from the program.
  if (args.length === 0 || args.length > 2) return undefined;
  if (process.stdout.isTTY && process.stdout.columns < 80) return undefined;
  const texts = ((await import(STARTUP_TEXTS)) as { default: StartupTexts }).default;
  const file = Object.hasOwn(texts, JSON.stringify(args)) ? texts[JSON.stringify(args)] : undefined;
  return file === undefined ? undefined : ((await import(file)) as { default: string }).default;
}

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // A reader that has gone away (`--version | head -0`) is not our error.
  process.stdout.on("error", () => undefined);
  process.stdout.write(`${versionLine()}\n`);
} else {
  const text = await rendered();
  if (text !== undefined) {
    // As src/cli/main.ts: a reader that has gone away is not our error; any other failure loses
    // the text: one line on stderr, exit 1 (EXIT.failed, src/core/errors.ts).
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return;
      process.stderr.write(`kms-replicate: cannot write to stdout (${error.message}); its output is lost.\n`);
      process.exitCode = 1;
    });
    process.stdout.write(text);
  } else {
    await import("./main.js");
  }
}
