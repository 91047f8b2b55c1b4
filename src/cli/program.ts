// The command line: the global options and every command of the registry, built by one pure
// function (no side effects at import, so tests, the docs and the completion script can read it).
// src/cli/main.ts runs it.
//
// The global options (which keys, how to reach AWS, how to report) are defined once, on the
// program, and commander parses them wherever they are typed: before or after the command name.
// Each command defines only its own options (its flags.ts); its action hands both sets of raw
// values to the runner, which parses them once.
import { Command } from "commander";
import type { CommandModule } from "../commands/contract.js";
import { EXIT, EXIT_HELP } from "../core/errors.js";
import { redactSecrets } from "../core/redact.js";
import { forPeople } from "../report/terminal-text.js";
import { defineAccountFlags } from "./account-flags.js";
import { defineGlobals, type RawGlobalFlags } from "./globals.js";
import { accountsHelp, configureHelp, globalsHelp, GLOBALS_HEADING } from "./help.js";
import type { RawArgs } from "./session.js";
import { versionLine } from "./version.js";

const ROOT_HELP = `
Examples:
  kms-replicate --key alias/payments --region us-east-1 \\
      --regions eu-west-1,sa-east-1
  kms-replicate status --key alias/payments --region us-east-1
  kms-replicate --all-primaries --region us-east-1 --regions eu-west-1 --dry-run

${EXIT_HELP}

Run 'kms-replicate help <command>' for the options of a command.
`;

/** Runs a command with the raw values commander parsed; resolves to its exit code. */
export type RunModule = (module: CommandModule, raw: RawArgs) => Promise<number>;

/** Runs `merge` over its documents (src/cli/merge.ts); resolves to its exit code. */
export type RunMerge = (sources: readonly string[], globals: RawGlobalFlags) => Promise<number>;

export function buildProgram(commands: readonly CommandModule[], run: RunModule, merge?: RunMerge): Command {
  const program = new Command("kms-replicate")
    .description(
      "Replicate an AWS KMS multi-Region primary key into many Regions in one command, and wait until every replica is usable.",
    )
    .version(versionLine(), "-V, --version", "the versions of kms-replicate, Node.js and the AWS SDK")
    .exitOverride()
    .addHelpText("after", ROOT_HELP);
  defineGlobals(program.optionsGroup(GLOBALS_HEADING));
  defineAccountFlags(program);
  configureHelp(program);

  for (const module of commands) {
    const command = program
      .command(module.name, module.isDefault === true ? { isDefault: true } : {})
      .summary(module.summary)
      .description(module.description);
    module.define(command);
    if (module.isDefault === true) {
      // The default command receives what its parent could not place, a mistyped command name
      // among it: refused below with a suggestion, never ignored.
      command.allowExcessArguments();
    }
    command.action(async (_flags, self: Command) => {
      if (module.isDefault === true) rejectStrayArgument(program, self);
      process.exitCode = await run(module, {
        globals: program.opts<RawGlobalFlags>(),
        own: self.opts(),
        ownOptions: self.options.flatMap((o) => (o.long === undefined ? [] : [o.long])),
      });
    });
  }

  // Our own `help [command]`, so that a mistyped name gets a suggestion as everywhere else.
  program
    .helpCommand(false)
    .command("help")
    .argument("[command]")
    .description(
      "help for a command; 'help globals': every global option; 'help accounts': organisations, shards",
    )
    .action((name: string | undefined, _flags, self: Command) => {
      if (name === undefined) program.help();
      if (name === "globals") {
        self.configureOutput().writeOut?.(globalsHelp(program));
        return;
      }
      if (name === "accounts") {
        self.configureOutput().writeOut?.(accountsHelp(program));
        return;
      }
      const found = program.commands.find((c) => c.name() === name);
      if (found !== undefined) found.help();
      const similar = suggestCommand(
        name ?? "",
        program.commands.map((c) => c.name()),
      );
      program.error(
        `error: unknown command '${name}'${similar === undefined ? "" : `\n(Did you mean ${similar}?)`}`,
        { code: "commander.unknownCommand", exitCode: EXIT.usage },
      );
    });

  // `kms-replicate completion bash|zsh|fish`, read from this very program (src/cli/completion.ts).
  program
    .command("completion")
    .description("a completion script for bash, zsh or fish")
    .addArgument(program.createArgument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"]))
    .action(async (shell: "bash" | "zsh" | "fish", _flags, command: Command) => {
      const { completionScript } = await import("./completion.js");
      command.configureOutput().writeOut?.(completionScript(program, shell));
    });

  // `kms-replicate merge FILE…`: the shards' documents of one run → one (src/cli/merge.ts).
  program
    .command("merge")
    .description("Merge the JSON documents of a run's shards into one")
    .argument("<documents...>", "the shards' documents: files, or - (stdin)")
    .action(async (sources: string[]) => {
      process.exitCode =
        merge === undefined ? EXIT.usage : await merge(sources, program.opts<RawGlobalFlags>());
    });

  // Usage errors quote what was typed (an option, a value from a script): for people, like every
  // other line, and with any URL's credentials hidden.
  for (const command of [program, ...program.commands]) {
    command.configureOutput({ outputError: (text, write) => write(forPeople(redactSecrets(text), false)) });
  }
  for (const command of [
    program,
    ...program.commands.filter((c) => commands.some((m) => m.name === c.name())),
  ]) {
    command.showHelpAfterError(
      `(run ${command === program ? "kms-replicate" : `kms-replicate ${command.name()}`} --help for usage)`,
    );
  }
  return program;
}

/**
 * An argument the default command cannot use: a mistyped command (`statsu`), a command typed after
 * options that are not global (`--timeout 5m wait`), or a stray word. Always an error, exit 2.
 */
function rejectStrayArgument(program: Command, command: Command): void {
  const stray = command.args[0];
  if (stray === undefined) return;
  const names = program.commands.map((c) => c.name());
  const explicit = program.args[0] === command.name();
  if (names.includes(stray)) {
    program.error(
      `error: '${stray}' comes after options that are not global; write the command first: kms-replicate ${stray} [options]`,
      { code: "commander.unknownCommand", exitCode: EXIT.usage },
    );
  }
  const similar = suggestCommand(stray, names);
  const suggestion = similar === undefined ? "" : `\n(Did you mean ${similar}?)`;
  (explicit ? command : program).error(
    explicit
      ? `error: unexpected argument '${stray}' for '${command.name()}'${suggestion}`
      : `error: unknown command '${stray}'${suggestion}`,
    { code: "commander.unknownCommand", exitCode: EXIT.usage },
  );
}

/** The command name one or two edits away from `typed` (a swap of two letters is one edit). */
export function suggestCommand(typed: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(typed.toLowerCase(), name);
    if (
      distance <= Math.min(2, Math.floor(name.length / 3)) &&
      (best === undefined || distance < best.distance)
    ) {
      best = { name, distance };
    }
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1);
      }
      const row = d[i];
      if (row !== undefined) row[j] = value;
    }
  }
  return at(a.length, b.length);
}

/**
 * Did the user ask for JSON (-o json, or --query without -o text)? What commander parsed, else (a
 * parse error came first) what argv says.
 */
export function jsonRequested(program: Command, argv: readonly string[]): boolean {
  if (program.getOptionValueSource("output") === "cli") return program.getOptionValue("output") === "json";
  const args = argv.slice(2);
  const end = args.indexOf("--");
  const words = end === -1 ? args : args.slice(0, end);
  const asks = (format: string): boolean =>
    words.some(
      (arg, i, all) =>
        arg === `--output=${format}` ||
        arg === `-o${format}` ||
        ((arg === "--output" || arg === "-o") && all[i + 1] === format),
    );
  return asks("json") || (queryInArgv(argv) !== undefined && !asks("text"));
}

/**
 * Does the command line select a fleet (JSON version 2)? For a usage error that came before
 * commander could parse it: --all-primaries, --keys-from, or --key given more than once.
 */
export function fleetInArgv(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf("--");
  const words = end === -1 ? args : args.slice(0, end);
  const keys = words.filter((w) => w === "--key" || w === "-k" || w.startsWith("--key=")).length;
  return (
    keys > 1 ||
    words.some((w) => w === "--all-primaries" || w === "--keys-from" || w.startsWith("--keys-from="))
  );
}

/** The last --query of a command line that commander could not parse (a usage error came first). */
export function queryInArgv(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  const end = args.indexOf("--");
  const words = end === -1 ? args : args.slice(0, end);
  let found: string | undefined;
  words.forEach((word, i) => {
    if (word === "--query" && i + 1 < words.length) found = words[i + 1];
    else if (word.startsWith("--query=")) found = word.slice("--query=".length);
  });
  return found;
}
