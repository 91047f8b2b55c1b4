// argv → run: the entry point. It parses with the program from src/cli/program.ts; the AWS SDK, ora and
// the run itself load lazily, so `--help` and `--version` stay close to bare-node start-up time.
// It owns the process: its streams, its stop signals, its exit code.
import { CommanderError } from "commander";
import { EXIT } from "../core/errors.js";
import { buildProgram, fleetInArgv, jsonRequested, queryInArgv } from "./program.js";
import { COMMANDS } from "../commands/registry.js";
import { redactSecrets } from "../core/redact.js";
import { forPeople } from "../report/terminal-text.js";
import { createSignalHub, type LastWords } from "./signals.js";
import { STOP_SIGNALS, type StopSignalName } from "../core/stop.js";

// The moment the process reached here, on performance.now()'s clock (src/commands/contract.ts
// KeyContext.startedAt), read when a command runs: performance.now() itself would load perf_hooks
// on every start-up, --help's included (bench/README.md, Start-up).
const startedUptime = process.uptime();
const startedAt = (): number => performance.now() - (process.uptime() - startedUptime) * 1000;

// stderr is for people: if it cannot be written (`2>/dev/full`, a closed terminal), their output
// is dropped and the run goes on to write its JSON and exit with its own code.
process.stderr.on("error", () => undefined);
// stdout carries the data. A reader that goes away (`--help | head -1`, `-o json | head -c 80`)
// is not our error: the rest is dropped and the run ends with its own exit code. Any other failure
// (`>/dev/full`) loses the data: one line on stderr, and the run exits 1 if it would have exited 0.
let stdoutFailed = false;
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED" || stdoutFailed) return;
  stdoutFailed = true;
  process.stderr.write(
    forPeople(`kms-replicate: cannot write to stdout (${error.message}); its output is lost.\n`, false),
  );
});
process.on("exit", () => {
  if (stdoutFailed && !process.exitCode) process.exitCode = EXIT.failed;
});

async function main(argv: string[]): Promise<void> {
  const hub = createSignalHub({
    end(ending) {
      let pending = 1;
      const done = (): void => {
        pending -= 1;
        if (pending === 0) process.exit(ending.exitCode);
      };
      if (ending.stderr !== undefined) {
        pending += 1;
        process.stderr.write(ending.stderr, done);
      }
      if (ending.stdout !== undefined) {
        pending += 1;
        process.stdout.write(ending.stdout, done);
      }
      // Exit once what is queued on stdout has been written (the run's own document, if any); if
      // stdout never drains (a reader that stopped reading), a third signal exits at once.
      process.stdout.write("", done);
    },
    exitNow: (code) => process.exit(code),
  });
  for (const name of Object.keys(STOP_SIGNALS) as StopSignalName[]) {
    process.on(name, () => hub.receive(name));
  }
  const io = () => ({
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: hub.signal,
    lastWords: (words: LastWords | undefined) => hub.setLastWords(words),
    startedAt: startedAt(),
    argv: argv.slice(2),
  });
  // Each command's work is loaded only when it runs (src/commands/<name>/index.ts `load`).
  const program = buildProgram(
    COMMANDS,
    async (module, raw) => (await import("./runner.js")).runCommand(module, raw, io()),
    async (sources, globals) => (await import("./merge.js")).runMerge(sources, globals, io()),
  );
  let commandName: string = "replicate";
  program.hook("preSubcommand", (_program, subcommand) => {
    commandName = subcommand.name();
  });
  if (argv.length <= 2) {
    // No arguments at all: what the tool does, on stderr, and the usage exit code.
    program.outputHelp({ error: true });
    process.exitCode = EXIT.usage;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const shown = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code);
    if (shown && error.exitCode === 0) {
      process.exitCode = EXIT.ok;
      return;
    }
    process.exitCode = EXIT.usage;
    // commander has told the person on stderr; a script that asked for JSON gets its document too.
    if (!shown && jsonRequested(program, argv)) {
      const { usageText } = await import("./usage.js");
      const module = COMMANDS.find((m) => m.name === commandName);
      const other = commandName === "completion" || commandName === "merge" ? commandName : "help";
      const written = await usageText(module, other, redactSecrets(error.message.replace(/^error: /, "")), {
        fleet: fleetInArgv(argv),
        query: queryInArgv(argv),
      });
      process.stdout.write(written.stdout);
      if (written.stderr !== undefined) process.stderr.write(forPeople(written.stderr, false));
    }
  }
}

await main(process.argv);
