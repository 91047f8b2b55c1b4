// A command line as the real program reads it (src/cli/program.ts over the registry), for unit
// tests: which command it runs, with which raw values, and what commander printed. Nothing runs.
import { CommanderError, type Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";
import type { RawArgs } from "../../src/cli/session.js";
import { toConnectionOptions } from "../../src/cli/globals.js";
import type { CommandModule, ParseContext } from "../../src/commands/contract.js";
import { COMMANDS } from "../../src/commands/registry.js";
import { reachOf } from "../../src/report/rerun.js";
import { inputsAt } from "./inputs.js";

export interface CommandLine {
  /** The command commander ran (undefined: it refused the line, or only printed help). */
  readonly module?: CommandModule;
  readonly raw?: RawArgs;
  readonly error?: CommanderError;
  readonly out: string;
  readonly err: string;
  readonly program: Command;
}

/** The real program, its runs recorded instead of run, its output kept. */
export function recordingProgram(commands: readonly CommandModule[] = COMMANDS): {
  program: Command;
  runs: { module: CommandModule; raw: RawArgs }[];
  output: { out: string; err: string };
} {
  const runs: { module: CommandModule; raw: RawArgs }[] = [];
  const output = { out: "", err: "" };
  const program = buildProgram(commands, (module, raw) => {
    runs.push({ module, raw });
    return Promise.resolve(0);
  });
  for (const c of [program, ...program.commands]) {
    c.configureOutput({
      writeOut: (s) => (output.out += s),
      writeErr: (s) => (output.err += s),
      getOutHelpWidth: () => 80,
      getErrHelpWidth: () => 80,
    });
  }
  return { program, runs, output };
}

/** Parses `args` (what follows `kms-replicate`) as a user would type them. */
export async function commandLine(args: readonly string[]): Promise<CommandLine> {
  const { program, runs, output } = recordingProgram();
  const previous = process.exitCode;
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { ...runs[0], error, out: output.out, err: output.err, program };
  } finally {
    process.exitCode = previous; // the program's action sets it
  }
  return { ...runs[0], out: output.out, err: output.err, program };
}

/** The ParseContext of a run with these global values, its files read from `cwd`. */
export function parseContextOf(raw: RawArgs, cwd = "/"): ParseContext {
  return {
    inputs: (timeoutMs) =>
      inputsAt(cwd, timeoutMs === undefined ? {} : { deadline: performance.now() + timeoutMs }),
    connection: toConnectionOptions(raw.globals),
    reach: reachOf(raw.globals),
  };
}

/** `args` read by the program, then the command's own flags parsed by its work: its typed options. */
export async function optionsOf(args: readonly string[], cwd = "/"): Promise<unknown> {
  const line = await commandLine(args);
  if (line.module === undefined || line.raw === undefined) {
    throw new TypeError(`commander refused ${args.join(" ")}: ${line.err}`);
  }
  const work = await line.module.load();
  return work.parse(line.raw.own, parseContextOf(line.raw, cwd));
}
