import type { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { fleetInArgv, jsonRequested, suggestCommand } from "../../../src/cli/program.js";
import { replicate } from "../../../src/commands/replicate/index.js";
import { isReplicateError } from "../../../src/core/errors.js";
import {
  commandLine,
  parseContextOf,
  recordingProgram,
  type CommandLine,
} from "../../support/command-line.js";

/** Parses `args` as a user would type them; records which command ran with which raw values, and the output. */
async function parse(args: readonly string[]): Promise<CommandLine & { command?: string }> {
  const line = await commandLine(args);
  return { ...line, command: line.module?.name };
}

afterEach(() => {
  process.exitCode = undefined; // the actions set it
});

const GLOBAL = [
  "--key",
  "alias/x",
  "--region",
  "us-east-1",
  "--profile",
  "prod",
  "-o",
  "json",
  "-q",
  "--no-color",
];
const EXPECTED_GLOBAL = {
  // Repeatable: a fleet when --key is given more than once, several Regions for --all-primaries.
  key: ["alias/x"],
  region: ["us-east-1"],
  profile: "prod",
  output: "json",
  quiet: true,
  color: false,
};

describe("global options", () => {
  it.each([
    ["status", []],
    ["wait", ["--timeout", "2m"]],
    ["replicate", ["--regions", "eu-west-1"]],
  ])("%s: the same flags whether they come before or after the command", async (command, own) => {
    // WHEN
    const before = await parse([...GLOBAL, command, ...own]);
    const after = await parse([command, ...own, ...GLOBAL]);
    const mixed = await parse(["--profile", "prod", command, ...own, "--key", "alias/x", ...GLOBAL.slice(2)]);
    // THEN
    for (const run of [before, after, mixed]) {
      expect(run.error).toBeUndefined();
      expect(run.command).toBe(command);
      expect(run.raw?.globals).toMatchObject(EXPECTED_GLOBAL);
    }
    expect(before.raw).toEqual(after.raw);
  });

  it("the default command takes them anywhere too", async () => {
    const run = await parse(["--regions", "eu-west-1", ...GLOBAL]);
    expect(run.command).toBe("replicate");
    expect(run.raw?.globals).toMatchObject(EXPECTED_GLOBAL);
    expect(run.raw?.own).toMatchObject({ regions: ["eu-west-1"] });
  });

  it.each([
    ["status", ["status", "--key", "k", "--regions", "eu-west-1"], "--regions"],
    ["status", ["status", "--key", "k", "--timeout", "5m"], "--timeout"],
    ["wait", ["wait", "--key", "k", "--tag", "a=b"], "--tag"],
    ["wait", ["--key", "k", "wait", "--dry-run"], "--dry-run"],
  ])("an option %s does not take is an error naming it", async (_, args, option) => {
    const run = await parse(args);
    expect(run.command).toBeUndefined();
    expect(run.error?.code).toBe("commander.unknownOption");
    expect(run.err).toContain(`unknown option '${option}'`);
  });
});

describe("commands", () => {
  it("`replicate` is explicit or the default, with the same flags", async () => {
    const explicit = await parse(["replicate", "--key", "k", "--regions", "eu-west-1"]);
    const implicit = await parse(["--key", "k", "--regions", "eu-west-1"]);
    expect([explicit.command, implicit.command]).toEqual(["replicate", "replicate"]);
    expect(explicit.raw).toEqual(implicit.raw);
  });

  it.each([
    [["statsu", "--key", "k"], /unknown command 'statsu'\n\(Did you mean status\?\)/],
    [["wiat", "--key", "k"], /unknown command 'wiat'\n\(Did you mean wait\?\)/],
    [["replicate", "statsu"], /unexpected argument 'statsu' for 'replicate'\n\(Did you mean status\?\)/],
    [["--regions", "eu-west-1", "banana"], /unknown command 'banana'\n/],
    [["--timeout", "5m", "wait", "--key", "k"], /'wait' comes after options that are not global/],
  ])("%j is refused: %s", async (args, message) => {
    const run = await parse(args);
    expect(run.command).toBeUndefined();
    expect(run.error?.exitCode).toBe(2);
    expect(run.err).toMatch(message);
  });

  it("replicate without --regions is a usage error (its own flags refuse it, before any call)", async () => {
    // GIVEN the program runs replicate: --regions is checked where replicate's flags are parsed
    const run = await parse(["--key", "k"]);
    expect(run.command).toBe("replicate");
    // WHEN its flags are parsed THEN the same message as commander's for a required option, exit 2
    const work = await replicate.load();
    const error: unknown = await work
      .parse(run.raw?.own ?? {}, parseContextOf({ globals: { output: "text", color: true }, own: {} }))
      .catch((e: unknown) => e);
    expect(isReplicateError(error) && error.exitCode).toBe(2);
    expect((error as Error).message).toMatch(/required option '-r, --regions <regions>'/);
  });

  it("`help status` prints the status help with the global options", async () => {
    const run = await parse(["help", "status"]);
    expect(run.error?.code).toBe("commander.help");
    expect(run.error?.exitCode).toBe(0);
    expect(run.out).toMatch(/^Usage: kms-replicate status \[options\]/);
    // the key's options in full, the other global ones in one compact block
    expect(run.out).toMatch(/\nKey:\n {2}-k, --key <key> /);
    expect(run.out).toMatch(
      /Global options \(every one in full: kms-replicate help globals\):[\s\S]*--endpoint-url URL/,
    );
    expect(run.out).toMatch(/Exit codes:/);
  });

  it("`help statsu` gets the suggestion too, exit 2", async () => {
    const run = await parse(["help", "statsu"]);
    expect(run.error?.exitCode).toBe(2);
    expect(run.err).toMatch(/unknown command 'statsu'\n\(Did you mean status\?\)/);
  });

  it("`help` alone prints the program's help, exit 0", async () => {
    const run = await parse(["help"]);
    expect(run.error?.exitCode).toBe(0);
    expect(run.out).toMatch(/^Usage: kms-replicate \[options\] \[command\]/);
    expect(run.out).toMatch(/\n {2}replicate \[options\]\s+\(default\) /);
  });

  it("--version prints the tool, Node.js and SDK versions on one line", async () => {
    const run = await parse(["--version"]);
    expect(run.error?.code).toBe("commander.version");
    expect(run.out).toMatch(/^kms-replicate \S+ \(node v\d+\.\d+\.\d+, @aws-sdk\/client-kms \S+\)\n$/);
  });
});

describe("suggestCommand", () => {
  it.each([
    ["statsu", "status"],
    ["stauts", "status"],
    ["STATUS", "status"],
    ["wiat", "wait"],
    ["replciate", "replicate"],
    ["replicat", "replicate"],
    ["banana", undefined],
    ["st", undefined],
    ["wa", undefined],
  ])("%s → %s", (typed, expected) => {
    expect(suggestCommand(typed, ["replicate", "wait", "status"])).toBe(expected);
  });
});

describe("jsonRequested", () => {
  const program = (output?: string): Command => {
    const p = recordingProgram().program;
    if (output !== undefined) p.setOptionValueWithSource("output", output, "cli");
    return p;
  };
  it.each([
    [["--output", "json"], true],
    [["-o", "json"], true],
    [["--output=json"], true],
    [["-ojson"], true],
    [["--output", "text"], false],
    [[], false],
    [["--", "-o", "json"], false],
  ])("argv %j → %s when commander had not parsed --output yet", (args, expected) => {
    expect(jsonRequested(program(), ["node", "kms-replicate", ...args])).toBe(expected);
  });

  it("trusts what commander parsed", () => {
    expect(jsonRequested(program("text"), ["node", "kms-replicate", "--description", "-o json"])).toBe(false);
    expect(jsonRequested(program("json"), ["node", "kms-replicate"])).toBe(true);
  });
});

describe("the program is built from the registry", () => {
  it("has every command of the registry, in its order, then help, completion and merge", async () => {
    const { COMMANDS } = await import("../../../src/commands/registry.js");
    const { program } = recordingProgram();
    expect(program.commands.map((c) => c.name())).toEqual([
      ...COMMANDS.map((m) => m.name),
      "help",
      "completion",
      "merge",
    ]);
  });

  it("runs the module of the command typed, with the global values and its own apart", async () => {
    const run = await parse(["sync", "--key", "k", "--dry-run", "--profile", "p"]);
    expect(run.command).toBe("sync");
    expect(run.raw?.globals).toMatchObject({ key: ["k"], profile: "p" });
    expect(run.raw?.globals).not.toHaveProperty("dryRun");
    expect(run.raw?.own).toMatchObject({ dryRun: true });
    expect(run.raw?.own).not.toHaveProperty("profile");
  });

  it("`help globals` lists every global option in full, exit 0", async () => {
    const run = await parse(["help", "globals"]);
    expect(run.error).toBeUndefined();
    expect(run.out).toMatch(/^Global options: every command takes them, before or after its name\./);
    for (const flag of [
      "--key <key>",
      "--profile <name>",
      "--cli-read-timeout <seconds>",
      "--quota <Operation=N>",
    ]) {
      expect(run.out).toContain(flag);
    }
  });

  it("`help accounts` lists the accounts and shard options in full, exit 0", async () => {
    const run = await parse(["help", "accounts"]);
    expect(run.error).toBeUndefined();
    for (const flag of [
      "--accounts-from <file|->",
      "--role-name <name>",
      "--shard <I/N>",
      "--shard-count <n>",
    ]) {
      expect(run.out).toContain(flag);
    }
  });

  it("`help help` says what help does, exit 0", async () => {
    const run = await parse(["help", "help"]);
    expect(run.error?.exitCode).toBe(0);
    expect(run.out).toMatch(/^Usage: kms-replicate help \[options\] \[command\]/);
  });
});

describe("fleetInArgv", () => {
  it.each([
    [["--key", "a"], false],
    [["--key", "a", "-k", "b"], true],
    [["--key=a", "--key=b"], true],
    [["--all-primaries"], true],
    [["--keys-from", "keys.txt"], true],
    [["--keys-from=-"], true],
    [["--key", "a", "--", "--all-primaries"], false],
  ])("argv %j → %s", (args, expected) => {
    expect(fleetInArgv(["node", "kms-replicate", ...args])).toBe(expected);
  });
});
