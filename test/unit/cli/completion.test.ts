// The completion scripts are generated from the commander program: every command, every flag and
// every choice of the program given appears, for each shell, and nothing is hard-coded.
import { Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { completionScript, describeProgram, knownRegionIds, SHELLS } from "../../../src/cli/completion.js";
import { REGION_PATTERN } from "../../../src/core/regions.js";
import { recordingProgram } from "../../support/command-line.js";

const REGIONS = ["eu-west-1", "us-east-1"];

/** A small program shaped like kms-replicate's: root options, two commands, a positional with choices. */
function program(): Command {
  const root = new Command("kms-replicate")
    .version("1.2.3", "-V, --version")
    .option("-k, --key <key>", "the key")
    .option("-r, --regions <regions>", "target Regions")
    .option("--home-region <region>", "one Region")
    .addOption(new Option("-o, --output <format>", "text or json").choices(["text", "json"]))
    .option("--no-wait", "do not wait")
    .option("--quoted", 'it\'s "quoted" and back\\slashed');
  root.addCommand(
    new Command("inspect")
      .description("Inspect things")
      .option("--depth <n>", "how deep")
      .option("--deep", "deep"),
  );
  root.addCommand(
    new Command("completion")
      .description("Print a completion script")
      .addArgument(root.createArgument("<shell>", "the shell").choices(["bash", "zsh", "fish"])),
  );
  return root;
}

describe("describeProgram", () => {
  it("reads the commands, their options and what each option's value completes to", () => {
    const spec = describeProgram(program(), REGIONS);
    // commander's implicit `help [command]` completes the other commands' names
    expect(spec.commands.map((c) => [c.name, c.positionals])).toEqual([
      ["inspect", []],
      ["completion", ["bash", "zsh", "fish"]],
      ["help", ["inspect", "completion"]],
    ]);
    const values = Object.fromEntries(
      spec.root.options.map((o): [string, string] => [o.long ?? "", o.values.kind]),
    );
    expect(values).toEqual({
      "--version": "none",
      "--key": "any",
      "--regions": "regions",
      "--home-region": "region",
      "--output": "choices",
      "--no-wait": "none",
      "--quoted": "none",
      "--help": "none",
    });
    // a command's own options, then the program's, which work after the command too
    expect(spec.commands[0]?.options.map((o) => o.long)).toEqual([
      "--depth",
      "--deep",
      "--help",
      "--version",
      "--key",
      "--regions",
      "--home-region",
      "--output",
      "--no-wait",
      "--quoted",
    ]);
  });
});

describe.each(SHELLS)("completionScript(%s)", (shell) => {
  const script = completionScript(program(), shell, REGIONS);

  it("names every command and every flag of the program, short and long", () => {
    for (const name of ["inspect", "completion"]) expect(script).toContain(name);
    for (const flag of [
      "key",
      "regions",
      "home-region",
      "output",
      "no-wait",
      "quoted",
      "version",
      "help",
      "depth",
      "deep",
    ]) {
      expect(script).toMatch(new RegExp(`(--|-l )${flag}\\b`));
    }
    for (const short of ["k", "r", "o", "V", "h"]) expect(script).toMatch(new RegExp(`(-|-s )${short}\\b`));
  });

  it("completes choices, the positional's choices and the given Regions", () => {
    expect(script).toMatch(/text['"]? ['"]?json/);
    expect(script).toMatch(/bash['"]? ['"]?zsh['"]? ['"]?fish/);
    expect(script).toContain("eu-west-1 us-east-1");
  });

  it("follows a change of the program: a new option appears", () => {
    const changed = program().option("--brand-new <region>", "new");
    expect(script).not.toContain("brand-new");
    expect(completionScript(changed, shell, REGIONS)).toContain("brand-new");
  });
});

describe("quoting", () => {
  it("escapes single quotes for zsh and fish descriptions", () => {
    expect(completionScript(program(), "zsh", REGIONS)).toContain(
      `'--quoted:it'\\''s "quoted" and back\\slashed'`,
    );
    expect(completionScript(program(), "fish", REGIONS)).toContain(
      `-d 'it\\'s "quoted" and back\\\\slashed'`,
    );
  });
});

describe("knownRegionIds", () => {
  it("lists the SDK's Region IDs of every partition, sorted, without pseudo-Regions", () => {
    const ids = knownRegionIds();
    expect(ids).toContain("eu-west-1");
    expect(ids).toContain("cn-north-1");
    expect(ids).toContain("us-gov-west-1");
    expect(ids).not.toContain("aws-global");
    expect(ids.every((id) => REGION_PATTERN.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("the real program's `completion` command", () => {
  it("writes the script for the shell through commander's output, with the default command's flags at the root", async () => {
    const { program: real, output } = recordingProgram();
    await real.parseAsync(["completion", "bash"], { from: "user" });
    const { out } = output;
    expect(out).toBe(completionScript(real, "bash"));
    // no command typed: replicate's flags (the default command) and the global ones
    const rootWords = /\n {4}\*\) words='([^']*)'/.exec(out)?.[1]?.split(" ") ?? [];
    expect(rootWords).toEqual(
      expect.arrayContaining(["--regions", "--copy-all", "--key", "--output", "status"]),
    );
  });
});
