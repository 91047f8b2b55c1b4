// The command contract (src/commands/contract.ts) kept by every command of the registry: a unique
// name, a short summary, its own options defined (none shadowing a global one), and a work whose
// parse, preparation and rendering have every part the runner uses. A new command that leaves out
// a part fails here (and must add its minimal command line to MINIMAL below to compile).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chalk } from "chalk";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { detectOutputMode } from "../../../src/cli/terminal.js";
import type { CommandName, FinishContext, KeyRun } from "../../../src/commands/contract.js";
import { COMMANDS } from "../../../src/commands/registry.js";
import { EXIT } from "../../../src/core/errors.js";
import type { SelectedKey } from "../../../src/core/selection.js";
import { KEY_OUTCOMES } from "../../../src/report/outcomes.js";
import { commandLine, parseContextOf, recordingProgram } from "../../support/command-line.js";
import { PRIMARY } from "../../support/fixtures.js";
import { schemaErrors } from "../../support/schema.js";

/** The shortest command line each command accepts (after its name): its required flags. */
const MINIMAL: Record<CommandName, readonly string[]> = {
  replicate: ["--regions", "eu-west-1"],
  wait: [],
  "import-material": ["--key-material", "fileb://material.bin"],
  "rotate-material": ["--key-material", "fileb://material.bin"],
  status: [],
  promote: ["--to", "eu-west-1"],
  sync: [],
  retire: ["--regions", "ap-south-1"],
  "delete-family": [],
  "cancel-deletion": [],
};

const KEY = ["--key", PRIMARY.arn];
const plain = new Chalk({ level: 0 });

const MODE = detectOutputMode({
  stderrIsTTY: false,
  stderrColumns: undefined,
  env: {},
  json: false,
  quiet: false,
  debug: false,
  colorFlag: false,
  chalkLevel: 0,
  stdoutIsTTY: false,
  stdoutColumns: undefined,
  chalkStdoutLevel: 0,
});

const FINISH: FinishContext = {
  mode: MODE,
  paint: plain,
  resume: { timeoutMs: 20 * 60_000, argv: [] },
  elapsedMs: 1234,
  dryRun: false,
};

const SELECTED: SelectedKey = { given: "alias/payments", primary: PRIMARY, rank: 0 };

/** The command's typed options from its minimal command line, through the real program. */
async function minimalOptions(name: CommandName, more: readonly string[] = []): Promise<unknown> {
  const line = await commandLine([name, ...KEY, ...MINIMAL[name], ...more]);
  if (line.module === undefined || line.raw === undefined) throw new TypeError(`refused: ${line.err}`);
  return (await line.module.load()).parse(line.raw.own, parseContextOf(line.raw));
}

const names = COMMANDS.map((m) => m.name);

describe("the registry", () => {
  it("names each command once, and has one default command: replicate", () => {
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(Object.keys(MINIMAL).sort());
    expect(COMMANDS.filter((m) => m.isDefault === true).map((m) => m.name)).toEqual(["replicate"]);
  });

  it("each summary fits the list of commands on an 80-column line", () => {
    // GIVEN the program's --help
    const { program } = recordingProgram();
    const lines = program.helpInformation().split("\n");
    for (const module of COMMANDS) {
      // THEN a few words, on one line of the list, within 80 columns
      expect(module.summary.length, module.name).toBeLessThanOrEqual(52);
      expect(module.summary).not.toMatch(/\.$/);
      const line = lines.find((l) => l.trimStart().startsWith(`${module.name} `)) ?? "";
      expect(line, module.name).toContain(module.summary);
      expect(line.length, module.name).toBeLessThanOrEqual(80);
    }
  });

  it("each description is a sentence of its own, longer than its summary", () => {
    for (const module of COMMANDS) {
      expect(module.description, module.name).toMatch(/^\S.*\.$/s);
      expect(module.description.length, module.name).toBeGreaterThan(module.summary.length);
    }
  });
});

describe.each(COMMANDS.map((m) => [m.name, m] as const))("%s", (name, module) => {
  it("define adds its own options, each described, none shadowing a global option, and its help text", () => {
    // GIVEN a bare command, and the program's global options
    const command = new Command(name);
    const globals = recordingProgram().program.options;
    const taken = new Set(globals.flatMap((o) => [o.long, o.short]).filter((f) => f !== undefined));
    let after = "";
    command.configureOutput({ writeOut: (s) => (after += s) });
    // WHEN
    module.define(command);
    // THEN
    for (const option of command.options) {
      expect(option.description, option.flags).not.toBe("");
      expect(taken.has(option.long ?? ""), option.flags).toBe(false);
      if (option.short !== undefined) expect(taken.has(option.short), option.flags).toBe(false);
    }
    // status has no option of its own (the key and the global ones are all it takes)
    if (name === "status") expect(command.options).toEqual([]);
    else expect(command.options.length).toBeGreaterThan(0);
    command.outputHelp();
    expect(after).toMatch(/Exit codes:/);
  });

  it("load gives a work with parse, dryRun, prepare, its advice and every part of its rendering", async () => {
    // GIVEN / WHEN
    const work = await module.load();
    const { render } = work;
    // THEN
    for (const part of ["parse", "dryRun", "prepare"] as const) expect(typeof work[part]).toBe("function");
    // its own advice: what a re-run of it does, in words for a hint ("re-run: …", "run it again")
    expect(work.advice.rerun).toMatch(/^(re-)?run\b/);
    for (const part of ["exitCode", "document", "totals", "view", "finish"] as const) {
      expect(typeof render[part]).toBe("function");
    }
    // `Replicating 200 keys`; a command with --dry-run says `Dry run: would replicate 200 keys`
    expect(render.fleet.verb.run).toMatch(/^[A-Z][a-z]+ing( [a-z]+)?$/);
    const command = recordingProgram().program.commands.find((c) => c.name() === name);
    if (command?.options.some((o) => o.long === "--dry-run") === true) {
      expect(render.fleet.verb.dry).toMatch(/^Dry run: would [a-z]+$/);
    } else {
      expect(render.fleet.verb.dry).toBe(render.fleet.verb.run);
    }
    expect(["replicate", "promote", "rate"]).toContain(render.fleet.estimate);
    if (render.fleet.regionStatuses !== undefined)
      expect(render.fleet.regionStatuses.length).toBeGreaterThan(0);
  });

  it("parses its minimal command line once into options; --dry-run, where it has one, is a dry run", async () => {
    // GIVEN / WHEN
    const work = await module.load();
    const options = await minimalOptions(name);
    // THEN
    expect(work.dryRun(options)).toBe(false);
    const command = recordingProgram().program.commands.find((c) => c.name() === name);
    if (command?.options.some((o) => o.long === "--dry-run") === true) {
      expect(work.dryRun(await minimalOptions(name, ["--dry-run"]))).toBe(true);
    }
  });

  it("documents a run that ended before its key: its own name, exit 2, the error, valid by the schema", async () => {
    const work = await module.load();
    const doc = work.render.document({
      exitCode: EXIT.usage,
      failure: { name: "UsageError", message: "bad" },
      dryRun: false,
      warnings: [],
      elapsedMs: 5,
    }) as { command: string; exitCode: number; error: unknown };
    expect(doc).toMatchObject({ command: name, exitCode: 2, error: { name: "UsageError", message: "bad" } });
    expect(schemaErrors(JSON.parse(JSON.stringify(doc)))).toEqual([]);
  });

  it("shows a key of a fleet that failed before its result: failed, with its error, and counts it", async () => {
    // GIVEN
    const work = await module.load();
    const run: KeyRun<unknown> = {
      key: SELECTED,
      failure: { name: "AccessDeniedException", message: "denied" },
      exitCode: EXIT.failed,
    };
    const options = await minimalOptions(name);
    // WHEN
    const view = work.render.view(run, options);
    const document: unknown = work.render.document({
      ...run,
      options,
      dryRun: false,
      warnings: [],
      elapsedMs: 0,
    });
    // THEN
    expect(view).toMatchObject({
      keyId: PRIMARY.keyId,
      primaryRegion: PRIMARY.region,
      outcome: "failed",
      error: { name: "AccessDeniedException", message: "denied" },
    });
    expect(KEY_OUTCOMES).toContain(view.outcome);
    expect(typeof work.render.totals([document])).toBe("object");
  });

  it("prepares a run that follows a replica given as --key to its primary (every command does)", async () => {
    // GIVEN the command's options (its key material, if it takes one, in a file of the working directory)
    const cwd = await mkdtemp(join(tmpdir(), "kms-replicate-contract-"));
    await writeFile(join(cwd, "material.bin"), Buffer.alloc(32, 7));
    const line = await commandLine([name, ...KEY, ...MINIMAL[name]]);
    if (line.raw === undefined) throw new TypeError(`refused: ${line.err}`);
    const work = await module.load();
    const parseContext = parseContextOf(line.raw, cwd);
    const options: unknown = await work.parse(line.raw.own, parseContext);
    // WHEN
    const plan = await work.prepare(options, {
      place: { region: PRIMARY.region, partition: "aws" },
      fleet: false,
      connection: parseContext.connection,
      reach: parseContext.reach,
      warn: () => undefined,
      inputs: (timeoutMs) => parseContext.inputs(timeoutMs),
    });
    plan.dispose?.();
    await rm(cwd, { recursive: true, force: true });
    // THEN
    expect(plan.accept.followReplica).toBe(true);
    expect(typeof plan.runKey).toBe("function");
  });

  it("finishes a run over one key that has no result without throwing, in strings", async () => {
    const work = await module.load();
    const output = work.render.finish(undefined, await minimalOptions(name), FINISH);
    expect(typeof output.stdout).toBe("string");
    expect(typeof output.stderr).toBe("string");
  });
});
