// The global options (src/cli/globals.ts): defined once on the program, read wherever they are
// typed, and turned once into typed values (how to reach AWS, how to report, which keys) or a
// usage error that names the flag.
import { describe, expect, it } from "vitest";
import {
  fleetRequested,
  GLOBAL_NAMES,
  KEY_OPTIONS,
  parseGlobals,
  toConnectionOptions,
  toSelectionOptions,
  type RawGlobalFlags,
} from "../../../src/cli/globals.js";
import { DEFAULT_TIMEOUTS } from "../../../src/aws/backoff.js";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import { commandLine, recordingProgram } from "../../support/command-line.js";

const KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";

const flags = (more: Partial<RawGlobalFlags>): RawGlobalFlags => ({ output: "text", color: true, ...more });

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error("expected a usage error");
}

/** The raw global values of a command line, as the real program parses them. */
async function globalsOf(args: readonly string[]): Promise<RawGlobalFlags> {
  const line = await commandLine(args);
  if (line.raw === undefined) throw new TypeError(`refused: ${line.err}`);
  return line.raw.globals;
}

describe("the program's global options → typed values", () => {
  it("fills the defaults", async () => {
    // GIVEN / WHEN
    const globals = parseGlobals(await globalsOf(["status", "--key", KEY_ARN]), false);
    // THEN
    expect(globals.connection).toEqual({
      profile: undefined,
      endpointUrl: undefined,
      connectTimeoutMs: DEFAULT_TIMEOUTS.connectMs,
      readTimeoutMs: DEFAULT_TIMEOUTS.readMs,
      output: "text",
      quiet: false,
      debug: false,
      color: true,
      quotas: {},
      unknownRegions: "typos",
    });
    expect(globals.fleet).toBe(false);
    expect(globals.one).toEqual({
      key: expect.objectContaining({ kind: "key-arn", region: "us-east-1" }) as unknown,
      region: undefined,
    });
    expect(globals.reach).toEqual({
      profile: undefined,
      endpointUrl: undefined,
      connectTimeoutMs: undefined,
      readTimeoutMs: undefined,
    });
  });

  it("reads every one, before or after the command's name", async () => {
    // GIVEN
    const args = [
      "--profile",
      " prod ",
      "--endpoint-url",
      "http://127.0.0.1:4566",
      "--cli-connect-timeout",
      "2.5",
      "--cli-read-timeout",
      "40",
      "-o",
      "json",
      "-q",
      "--debug",
      "--no-color",
      "--quota",
      "ReplicateKey=10",
      "--quota",
      "CreateKey=2",
      "--strict-regions",
      "--key",
      "alias/payments",
      "--region",
      "eu-west-1",
    ];
    // WHEN
    const before = parseGlobals(await globalsOf([...args, "wait"]), false);
    const after = parseGlobals(await globalsOf(["wait", ...args]), false);
    // THEN
    expect(before.connection).toEqual({
      profile: "prod",
      endpointUrl: "http://127.0.0.1:4566",
      connectTimeoutMs: 2500,
      readTimeoutMs: 40_000,
      output: "json",
      quiet: true,
      debug: true,
      color: false,
      quotas: { ReplicateKey: 10, CreateKey: 2 },
      unknownRegions: "refuse",
    });
    expect(before.one).toMatchObject({
      key: { kind: "alias", value: "alias/payments" },
      region: "eu-west-1",
    });
    expect(before.reach).toEqual({
      profile: "prod",
      endpointUrl: "http://127.0.0.1:4566",
      connectTimeoutMs: 2500,
      readTimeoutMs: 40_000,
    });
    expect(after).toEqual(before);
  });

  it.each([
    { flags: { strictRegions: true }, rule: "refuse" },
    { flags: { allowUnknownRegions: true }, rule: "allow" },
    { flags: {}, rule: "typos" },
  ])("the Region rule of $flags is $rule", ({ flags: more, rule }) => {
    expect(toConnectionOptions(flags(more)).unknownRegions).toBe(rule);
  });

  it("refuses --strict-regions with --allow-unknown-regions (exit 2)", () => {
    expect(
      usageMessage(() => toConnectionOptions(flags({ strictRegions: true, allowUnknownRegions: true }))),
    ).toMatch(/--strict-regions and --allow-unknown-regions exclude each other/);
  });

  it.each([
    {
      name: "a non-http endpoint",
      more: { endpointUrl: "ftp://localhost" },
      message: /not an http\(s\) URL/,
    },
    {
      name: "the port of an endpoint, never the URL",
      more: { endpointUrl: "https://user:secret@kms.example:65536/path" },
      message: /^--endpoint-url: the port 65536 is out of range; a port is 1 to 65535\.$/,
    },
  ])("refuses $name (exit 2)", ({ more, message }) => {
    expect(usageMessage(() => toConnectionOptions(flags(more)))).toMatch(message);
  });

  it("treats an empty --region and --profile as not given", () => {
    // GIVEN / WHEN
    const globals = parseGlobals(flags({ key: [KEY_ARN], region: [" "], profile: "" }), false);
    // THEN
    expect(globals.one?.region).toBeUndefined();
    expect(globals.connection.profile).toBeUndefined();
    expect(globals.reach.profile).toBeUndefined();
  });

  it.each([
    { args: ["status", "--key", "k", "--cli-connect-timeout", "0"], message: /0 would mean no timeout/ },
    {
      args: ["status", "--key", "k", "--quota", "Encrypt=100"],
      message: /not an operation with a KMS request quota/,
    },
    {
      args: ["status", "--key", "k", "-o", "yaml"],
      message: /argument 'yaml' is invalid. Allowed choices are text, json/,
    },
    { args: ["status", "--key", "k", "--select-tag", "aws:x=1"], message: /reserved for AWS/ },
  ])("refuses a value its parser refuses, before any command runs: $args", async ({ args, message }) => {
    // GIVEN / WHEN
    const line = await commandLine(args);
    // THEN
    expect(line.module).toBeUndefined();
    expect(line.error?.code).toBe("commander.invalidArgument");
    expect(line.err).toMatch(message);
  });

  it("names every global value (and nothing else) in GLOBAL_NAMES, the key's first", () => {
    // GIVEN the real program WHEN its own options are listed
    const { program } = recordingProgram();
    const names = program.options.map((o) => o.attributeName()).filter((n) => n !== "version");
    // THEN
    expect(new Set(names)).toEqual(GLOBAL_NAMES);
    expect(names.slice(0, KEY_OPTIONS.length)).toEqual([...KEY_OPTIONS]);
  });
});

describe("parseGlobals: one key or a fleet", () => {
  it("a command that works on one key refuses a selection of keys, naming it", () => {
    expect(usageMessage(() => parseGlobals(flags({ key: ["a", "b"] }), false))).toBe(
      "--key is given more than once: this command works on one key.",
    );
    expect(
      usageMessage(() => parseGlobals(flags({ allPrimaries: true, region: ["us-east-1"] }), false)),
    ).toBe("--all-primaries: this command works on one key.");
    expect(usageMessage(() => parseGlobals(flags({ keysFrom: "keys.txt" }), false))).toBe(
      "--keys-from: this command works on one key.",
    );
  });

  it("a fleet has its selection and no one key", () => {
    // GIVEN / WHEN
    const globals = parseGlobals(flags({ key: ["mrk-1", "mrk-2"], region: ["us-east-1"] }), true);
    // THEN
    expect(globals.fleet).toBe(true);
    expect(globals.one).toBeUndefined();
    expect(globals.selection.keys.map((k) => k.value)).toEqual(["mrk-1", "mrk-2"]);
    expect(globals.selection.regions).toEqual(["us-east-1"]);
  });

  it("one --key with --select-tag is one key, not a fleet", () => {
    const globals = parseGlobals(
      flags({ key: "mrk-1", selectTag: [{ TagKey: "dr", TagValue: "true" }] }),
      true,
    );
    expect(globals.fleet).toBe(false);
    expect(globals.one?.key.value).toBe("mrk-1");
    expect(globals.selection.selectTags).toEqual([{ TagKey: "dr", TagValue: "true" }]);
  });
});

describe("--region given where --regions was meant", () => {
  /** The usage error of a command line the program read, as the runner parses its global values. */
  async function refusalOf(args: readonly string[]): Promise<ReplicateError> {
    const line = await commandLine(args);
    if (line.raw === undefined || line.module === undefined) throw new TypeError(`refused: ${line.err}`);
    const { raw, module } = line;
    try {
      parseGlobals(raw.globals, module.fleet, raw.ownOptions);
    } catch (error) {
      if (isReplicateError(error) && error.exitCode === 2) return error;
      throw error;
    }
    throw new Error("expected a usage error");
  }

  it("a command that takes --regions: did you mean --regions, with the Regions given", async () => {
    const error = await refusalOf(["--key", "alias/x", "--region", "eu-west-1", "--region", "eu-central-1"]);
    expect(error.message).toMatch(/^--region is given 2 times; a key is in one Region/);
    expect(error.hint).toBe(
      "Did you mean --regions eu-west-1,eu-central-1? (--regions: where to work; --region: where the key is.)",
    );
  });

  it("a command without --regions: no such suggestion", async () => {
    const error = await refusalOf([
      "promote",
      "--key",
      "alias/x",
      "--region",
      "a-1",
      "--region",
      "b-1",
      "--to",
      "c",
    ]);
    expect(error.message).toMatch(/^--region is given 2 times/);
    expect(error.hint).toBeUndefined();
  });
});

describe("fleetRequested: a fleet is what the command line asks for", () => {
  it.each([
    { name: "one --key", more: { key: ["mrk-1"] }, fleet: false },
    { name: "one --key with --select-tag", more: { key: ["mrk-1"], selectTag: [] }, fleet: false },
    { name: "--key twice", more: { key: ["mrk-1", "mrk-2"] }, fleet: true },
    { name: "--keys-from", more: { keysFrom: "keys.txt" }, fleet: true },
    { name: "--all-primaries", more: { allPrimaries: true }, fleet: true },
  ])("$name: $fleet", ({ more, fleet }) => {
    // GIVEN / WHEN / THEN
    expect(fleetRequested(flags(more))).toBe(fleet);
  });
});

describe("toSelectionOptions", () => {
  it("parses every --key and keeps the Regions given", () => {
    // GIVEN / WHEN
    const selection = toSelectionOptions(
      flags({
        allPrimaries: true,
        region: ["us-east-1", " us-west-2 "],
        selectTag: [{ TagKey: "dr", TagValue: "true" }],
      }),
    );
    // THEN
    expect(selection).toMatchObject({
      keys: [],
      allPrimaries: true,
      regions: ["us-east-1", "us-west-2"],
      selectTags: [{ TagKey: "dr", TagValue: "true" }],
    });
  });

  it.each([
    {
      name: "--all-primaries with --key",
      more: { allPrimaries: true, key: ["mrk-1"] },
      message: /does not combine with --key or --keys-from/,
    },
    {
      name: "several --region without --all-primaries",
      more: { key: ["a", "b"], region: ["us-east-1", "eu-west-1"] },
      message: /--region is given 2 times; several Regions are for --all-primaries/,
    },
    {
      name: "several --region for one key",
      more: { key: ["a"], region: ["us-east-1", "eu-west-1"] },
      message: /--region is given 2 times; a key is in one Region/,
    },
    { name: "no key at all", more: {}, message: /--key is required/ },
    {
      name: "a bad Region for --all-primaries",
      more: { allPrimaries: true, region: ["US-EAST-1"] },
      message: /not a Region ID/,
    },
    {
      name: "a bad --key",
      more: { key: ["mrk-1", "arn:aws:kms:bad"] },
      message: /is not a KMS key or alias ARN/,
    },
  ])("refuses $name (exit 2)", ({ more, message }) => {
    // GIVEN / WHEN / THEN
    expect(usageMessage(() => toSelectionOptions(flags(more)))).toMatch(message);
  });
});
