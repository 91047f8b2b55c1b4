import { CommanderError, type Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import type { RawCommonFlags } from "../../../src/core/options.js";
import { buildProgram, jsonRequested, suggestCommand } from "../../../src/cli/program.js";

interface Parsed {
  readonly command?: string;
  readonly flags?: RawCommonFlags & Record<string, unknown>;
  readonly error?: CommanderError;
  readonly out: string;
  readonly err: string;
}

/** Parses `args` as a user would type them; records which command ran with which flags, and the output. */
async function parse(args: readonly string[]): Promise<Parsed> {
  let command: string | undefined;
  let flags: (RawCommonFlags & Record<string, unknown>) | undefined;
  const record = (name: string) => (f: RawCommonFlags) => {
    command = name;
    flags = f as RawCommonFlags & Record<string, unknown>;
    return Promise.resolve(0);
  };
  const program = buildProgram({
    replicate: record("replicate"),
    wait: record("wait"),
    status: record("status"),
    promote: record("promote"),
    sync: record("sync"),
    importMaterial: record("import-material"),
    rotateMaterial: record("rotate-material"),
  });
  let out = "";
  let err = "";
  for (const c of [program, ...program.commands] as Command[]) {
    c.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  }
  try {
    await program.parseAsync([...args], { from: "user" });
    return { command, flags, out, err };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { command, flags, error, out, err };
  }
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
      expect(run.flags).toMatchObject(EXPECTED_GLOBAL);
    }
    expect(before.flags).toEqual(after.flags);
  });

  it("the default command takes them anywhere too", async () => {
    const run = await parse(["--regions", "eu-west-1", ...GLOBAL]);
    expect(run.command).toBe("replicate");
    expect(run.flags).toMatchObject({ ...EXPECTED_GLOBAL, regions: ["eu-west-1"] });
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
    expect(explicit.flags).toEqual(implicit.flags);
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

  it("replicate without --regions is a usage error", async () => {
    const run = await parse(["--key", "k"]);
    expect(run.command).toBeUndefined();
    expect(run.err).toMatch(/required option '-r, --regions <regions>'/);
  });

  it("`help status` prints the status help with the global options", async () => {
    const run = await parse(["help", "status"]);
    expect(run.error?.code).toBe("commander.help");
    expect(run.error?.exitCode).toBe(0);
    expect(run.out).toMatch(/^Usage: kms-replicate status \[options\]/);
    expect(run.out).toMatch(/Global Options:[\s\S]*--endpoint-url/);
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
    expect(run.out).toMatch(/replicate \[options\]\s+\(the default command\)/);
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
    const p = buildProgram({
      replicate: () => Promise.resolve(0),
      wait: () => Promise.resolve(0),
      status: () => Promise.resolve(0),
      promote: () => Promise.resolve(0),
      sync: () => Promise.resolve(0),
      importMaterial: () => Promise.resolve(0),
      rotateMaterial: () => Promise.resolve(0),
    });
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
