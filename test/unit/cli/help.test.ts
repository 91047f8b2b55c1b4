// How --help reads (src/cli/help.ts): a command's own options first, then the options that name the
// key, then the other global options in one compact block; lines within the width; and
// `help globals` for every global option in full.
import { Command, Help } from "commander";
import { describe, expect, it } from "vitest";
import { isAccountOption } from "../../../src/cli/account-flags.js";
import { defineGlobals, KEY_OPTIONS } from "../../../src/cli/globals.js";
import { accountsHelp, configureHelp, globalsHelp, GLOBALS_HEADING } from "../../../src/cli/help.js";
import { COMMANDS } from "../../../src/commands/registry.js";
import { recordingProgram } from "../../support/command-line.js";

const COMPACT_HEADING = "Global options (every one in full: kms-replicate help globals):";
const width = (line: string): number => new Help().displayWidth(line);

/** The sections of a help text: its heading line → the lines under it. */
function sections(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    if (/^\S.*:$/.test(line)) {
      current = [];
      found.set(line, current);
    } else if (line.trim() === "") {
      current = undefined;
    } else {
      current?.push(line);
    }
  }
  return found;
}

/** The long flag of each option listed (`  -k, --key <key>  …`), not those its description names. */
const listedFlags = (lines: readonly string[]): string[] =>
  lines.flatMap((line) => {
    const flag = /^ {2}(?:-\w, )?(--[a-z][a-z-]*)/.exec(line)?.[1];
    return flag === undefined ? [] : [flag];
  });

/** The long flags named in some lines (`--key`, `--no-color`, …). */
const longFlags = (lines: readonly string[]): string[] =>
  lines.flatMap((line) => [...line.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));

/** The whole --help of `name` as a person sees it (commander's part and the command's own text after it). */
function fullHelp(program: Command, output: { out: string }, name: string): string {
  const command = program.commands.find((c) => c.name() === name);
  output.out = "";
  command?.outputHelp();
  return output.out;
}

describe("a command's --help", () => {
  const { program, output } = recordingProgram();
  // Hidden global options (--ca-bundle, --no-verify-ssl) are in `help globals` only; the accounts
  // options are shown by `help accounts` only.
  const globalLongs = program.options.flatMap((o) =>
    o.long === undefined || o.hidden || isAccountOption(o) ? [] : [o.long],
  );
  const keyLongs = program.options.filter((o) =>
    (KEY_OPTIONS as readonly string[]).includes(o.attributeName()),
  );

  it.each(COMMANDS.map((m) => m.name))(
    "%s: its own options first, then the key's, then the compact block",
    (name) => {
      // GIVEN
      const command = program.commands.find((c) => c.name() === name);
      if (command === undefined) throw new TypeError(`no ${name}`);
      // WHEN
      const text = command.helpInformation();
      const parts = sections(text);
      const headings = [...parts.keys()];
      // THEN the order
      const expected = [...(command.options.length > 0 ? ["Options:"] : []), "Key:", COMPACT_HEADING];
      expect(headings.filter((h) => expected.includes(h))).toEqual(expected);
      expect(headings).not.toContain(GLOBALS_HEADING);
      // its own options, each once, and nothing else (not even --help)
      expect(listedFlags(parts.get("Options:") ?? [])).toEqual(
        command.options.flatMap((o) => (o.long === undefined ? [] : [o.long])),
      );
      // the options that name the key, in full
      expect(listedFlags(parts.get("Key:") ?? [])).toEqual(keyLongs.map((o) => o.long));
      // every other global option, and --help, in the compact block, none of them in full
      const compact = longFlags(parts.get(COMPACT_HEADING) ?? []);
      expect(compact).toEqual([...globalLongs.filter((f) => !keyLongs.some((o) => o.long === f)), "--help"]);
      expect(text).not.toMatch(/--profile <name>/);
      expect(parts.get(COMPACT_HEADING)?.join(" ")).toMatch(/--profile NAME, --endpoint-url URL,/);
      expect(parts.get(COMPACT_HEADING)?.join(" ")).toMatch(/-o\/--output text\|json/);
    },
  );

  it.each(COMMANDS.map((m) => m.name))("%s: every line fits in 80 columns", (name) => {
    const text = program.commands.find((c) => c.name() === name)?.helpInformation() ?? "";
    expect(text.split("\n").filter((line) => width(line) > 80)).toEqual([]);
  });

  it.each(COMMANDS.map((m) => m.name))("%s: the whole --help fits in 50 lines of 80 columns", (name) => {
    const text = fullHelp(program, output, name);
    expect(text).toMatch(/^Usage: kms-replicate /);
    expect(text.trimEnd().split("\n").length).toBeLessThanOrEqual(50);
    expect(text.split("\n").filter((line) => width(line) > 80)).toEqual([]);
  });

  it("the program's whole --help fits in 80 columns", () => {
    output.out = "";
    program.outputHelp();
    expect(output.out).toMatch(/^Usage: kms-replicate \[options\] \[command\]/);
    expect(output.out.split("\n").filter((line) => width(line) > 80)).toEqual([]);
  });

  it("a long option name stands on its own line, its description under it in the same column", () => {
    // GIVEN replicate's longest option
    const lines =
      program.commands
        .find((c) => c.name() === "replicate")
        ?.helpInformation()
        .split("\n") ?? [];
    // WHEN
    const at = lines.findIndex((line) => line.includes("--bypass-policy-lockout-safety-check"));
    const next = lines[at + 1] ?? "";
    const regions = lines.find((line) => line.includes("--regions <regions>")) ?? "";
    // THEN
    expect(lines[at]?.trim()).toBe("--bypass-policy-lockout-safety-check");
    expect(next.trim()).toMatch(/^KMS skips its policy lockout check/);
    expect(next.search(/\S/)).toBe(regions.indexOf("target Regions"));
  });
});

describe("the program's --help", () => {
  it("the key's options in full, every other global option (--version and --help among them) in the block", () => {
    // GIVEN / WHEN
    const { program } = recordingProgram();
    const parts = sections(program.helpInformation());
    // THEN
    expect(parts.has("Options:")).toBe(false);
    expect(listedFlags(parts.get("Key:") ?? [])).toEqual([
      "--key",
      "--region",
      "--keys-from",
      "--all-primaries",
      "--select-tag",
    ]);
    const compact = parts.get(COMPACT_HEADING)?.join(" ") ?? "";
    expect(compact).toMatch(/^ +-V\/--version, --profile NAME/);
    expect(compact).toMatch(/-h\/--help$/);
    expect(parts.get("Commands:")?.map((line) => line.trim().split(/\s+/)[0])).toEqual(
      expect.arrayContaining(COMMANDS.map((m) => m.name)),
    );
  });
});

describe("the compact block", () => {
  /** A program with the real global options and help, one command with an option, at `helpWidth`. */
  function programAt(helpWidth: number): Command {
    const program = new Command("kms-replicate").exitOverride();
    defineGlobals(program.optionsGroup(GLOBALS_HEADING));
    configureHelp(program);
    program.command("inspect").option("--depth <n>", "how deep");
    for (const c of [program, ...program.commands]) {
      c.configureOutput({ getOutHelpWidth: () => helpWidth, writeOut: () => undefined });
    }
    return program;
  }

  it.each([50, 60, 100])("wraps at the help width (%i columns), a term never split", (helpWidth) => {
    // GIVEN / WHEN
    const text = programAt(helpWidth).commands[0]?.helpInformation() ?? "";
    const block = sections(text).get(COMPACT_HEADING) ?? [];
    // THEN
    expect(block.length).toBeGreaterThan(0);
    for (const line of block) expect(width(line)).toBeLessThanOrEqual(helpWidth);
    expect(block.join(" ")).toMatch(/--cli-connect-timeout SECONDS,/);
    expect(block.join(" ")).toMatch(/--quota OPERATION=N,/);
  });

  it("is shorter at 100 columns than at 50", () => {
    const lines = (w: number): number =>
      (sections(programAt(w).commands[0]?.helpInformation() ?? "").get(COMPACT_HEADING) ?? []).length;
    expect(lines(100)).toBeLessThan(lines(50));
  });
});

describe("globalsHelp (`kms-replicate help globals`)", () => {
  it("lists every global option with its description", () => {
    // GIVEN / WHEN
    const { program } = recordingProgram();
    const text = globalsHelp(program);
    // THEN
    expect(text.split("\n")[0]).toBe("Global options: every command takes them, before or after its name.");
    for (const option of program.options.filter((o) => !isAccountOption(o))) {
      const line = text.split("\n").find((l) => l.trimStart().startsWith(option.flags));
      expect(line, option.flags).toBeDefined();
      expect(line).toContain(option.description.slice(0, 20));
    }
    expect(text).not.toContain("--accounts-from");
    expect(text).toContain("kms-replicate help accounts");
  });
});

describe("accountsHelp (`kms-replicate help accounts`)", () => {
  it("lists every accounts option with its description, within 80 columns", () => {
    // GIVEN / WHEN
    const { program } = recordingProgram();
    const text = accountsHelp(program);
    const accountOptions = program.options.filter(isAccountOption);
    // THEN
    expect(accountOptions.map((o) => o.long)).toEqual([
      "--accounts-from",
      "--accounts",
      "--role-name",
      "--external-id",
      "--role-session-name",
      "--select-account-tag",
      "--not-accounts",
      "--max-failed-accounts",
      "--max-accounts-in-flight",
      "--shard",
      "--shard-count",
    ]);
    for (const option of accountOptions) {
      const line = text.split("\n").find((l) => l.trimStart().startsWith(option.flags));
      expect(line, option.flags).toBeDefined();
      expect(line).toContain(option.description.slice(0, 20));
    }
    expect(text.split("\n").filter((line) => width(line) > 80)).toEqual([]);
    // and the program's --help names them nowhere but in the pointer to this page
    expect(program.helpInformation()).not.toContain("--accounts-from");
    expect(program.helpInformation()).toContain("'help accounts'");
  });
});
