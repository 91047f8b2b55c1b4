// What a start-up loads: `--version`, help, `completion` and usage errors load no AWS SDK code and
// nothing else they do not use. The built bin runs with module hooks that record every module it
// loads (test/support/loaded-record.mjs); esbuild's metafile of dist/ (build/dist-metafile.json)
// says which packages' code each loaded chunk holds. `npm test` builds first.
//
// The help and completion texts the build rendered (dist/startup-texts.js, scripts/build.mjs) are
// printed by the entry alone; the program's chunk (src/cli/main.ts) renders them when the terminal
// is narrower than help: both are checked, and the texts against the program's.
import type { Metafile } from "esbuild";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { startKmsLocal, type KmsLocal } from "../support/local-kms/server.js";
import { hasScript, runOnTerminal } from "./pty.js";
import { BIN } from "./run-cli.js";

const ROOT_DIST = fileURLToPath(new URL("../../dist/", import.meta.url));

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RECORD = pathToFileURL(join(ROOT, "test/support/loaded-record.mjs")).href;
const METAFILE = JSON.parse(readFileSync(join(ROOT, "build/dist-metafile.json"), "utf8")) as Metafile;
/** dist's chunk of src/cli/main.ts: the program, run as the entry runs it. */
const MAIN = join(
  ROOT_DIST,
  (Object.entries(METAFILE.outputs).find(([, o]) => o.entryPoint === "src/cli/main.ts")?.[0] ?? "").replace(
    /^dist\//,
    "",
  ),
);

/** The command lines dist/startup-texts.js holds (JSON of their arguments). */
const RENDERED_LINES: string[][] = Object.keys(
  JSON.parse(
    readFileSync(join(ROOT_DIST, "startup-texts.js"), "utf8")
      .replace(/^\/\/.*\n/, "")
      .replace(/^export default /, "")
      .replace(/;\s*$/, ""),
  ) as Record<string, string>,
).map((line) => JSON.parse(line) as string[]);

const ARN = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";

/**
 * The SDK's files a command line may load before any work: the partition table (data: the Region
 * checks and the completion scripts list the SDK's Regions) and, once a command's work is loaded
 * (a usage error found by its own flags), the SDK's retry predicates (src/aws/sdk-retry.ts).
 */
const PARTITION_TABLE = "@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js";
const RETRY_PREDICATES = /^@smithy\/core\/dist-es\/submodules\/retry\/service-error-classification\//;

let work = "";
let kms: KmsLocal;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "kms-replicate-startup-"));
  kms = await startKmsLocal();
});

afterAll(async () => {
  await kms?.stop();
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

interface Loaded {
  readonly code: number | null;
  /** The files of dist/ it loaded. */
  readonly chunks: readonly string[];
  /** node_modules paths (after the last node_modules/) whose code is in those files. */
  readonly packageFiles: readonly string[];
  readonly builtins: readonly string[];
}

let runs = 0;
/** Runs the bin with the recording; a child process, so the local endpoint in this process answers it. */
async function loads(args: readonly string[], entry: string = BIN): Promise<Loaded> {
  runs += 1;
  const file = join(work, `loaded-${runs}`);
  const child = spawn(process.execPath, ["--import", RECORD, entry, ...args], {
    env: { ...isolatedAwsEnv(join(work, "home")), NO_COLOR: "1", KMS_REPLICATE_LOADED_FILE: file },
    stdio: "ignore",
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const urls = readFileSync(file, "utf8").trim().split("\n");
  const chunks = urls.flatMap((url) => /\/(dist\/[^/]+\.js)$/.exec(url)?.[1] ?? []);
  const packageFiles = chunks.flatMap((chunk) => {
    // The rendered texts: strings the build wrote after bundling (scripts/build.mjs), no code.
    if (/^dist\/(startup-texts|text-[a-z-]+)\.js$/.test(chunk)) return [];
    const output = METAFILE.outputs[chunk];
    if (output === undefined) throw new Error(`${chunk} is not in build/dist-metafile.json: rebuild`);
    return Object.entries(output.inputs).flatMap(([input, { bytesInOutput }]) =>
      bytesInOutput > 0 && input.includes("node_modules/") ? [input.replace(/^.*node_modules\//, "")] : [],
    );
  });
  const builtins = urls.filter((url) => url.startsWith("node:"));
  return { code, chunks, packageFiles, builtins };
}

const sdkFiles = (loaded: Loaded): string[] =>
  loaded.packageFiles.filter((f) => /^@(aws-sdk|smithy)\//.test(f));
const packagesOf = (loaded: Loaded): string[] =>
  [...new Set(loaded.packageFiles.map((f) => /^(@[^/]+\/)?[^/]+/.exec(f)?.[0] ?? f))].sort();

describe("start-up: what each command line loads", () => {
  it("--version and -V: the entry and the versions only, no package at all", async () => {
    for (const flag of ["--version", "-V"]) {
      const loaded = await loads([flag]);
      expect(loaded.code).toBe(0);
      expect(loaded.packageFiles, flag).toEqual([]);
      expect(loaded.chunks.length, flag).toBeLessThanOrEqual(3);
    }
  });

  it.each(RENDERED_LINES)("%j: the entry prints the rendered text, no package at all", async (...args) => {
    const loaded = await loads(args);
    expect(loaded.code).toBe(0);
    expect(loaded.packageFiles).toEqual([]);
    expect(loaded.chunks.length).toBeLessThanOrEqual(5);
  });

  it.each(RENDERED_LINES)(
    "%j from the program (a narrow terminal): commander and the SDK's partition table, no SDK code, no node:crypto",
    async (...args) => {
      const loaded = await loads(args, MAIN);
      expect(loaded.code).toBe(0);
      expect(packagesOf(loaded)).toEqual(["@aws-sdk/core", "commander"]);
      expect(sdkFiles(loaded)).toEqual([PARTITION_TABLE]);
      expect(loaded.builtins).not.toContain("node:crypto");
    },
  );

  it.each([
    ["a Region typo", ["--key", ARN, "--regions", "eu-wset-1"]],
    ["a missing --key", ["--regions", "eu-west-1"]],
    ["an unknown option", ["--regions", "eu-west-1", "--bogus"]],
    ["a missing command argument", ["completion"]],
    ["a Region typo in --region", ["status", "--key", "alias/payments", "--region", "eu-wset-1"]],
    ["--output json and a missing --key", ["--regions", "eu-west-1", "--output", "json"]],
  ])("a usage error (%s): exit 2, no SDK client, credentials or HTTP code, no ora", async (_name, args) => {
    const loaded = await loads(args);
    expect(loaded.code).toBe(2);
    const unexpected = sdkFiles(loaded).filter((f) => f !== PARTITION_TABLE && !RETRY_PREDICATES.test(f));
    expect(unexpected).toEqual([]);
    expect(packagesOf(loaded)).not.toContain("ora");
    expect(packagesOf(loaded)).not.toContain("p-retry");
  });

  it("a run that calls KMS does load the SDK (the recording sees it)", async () => {
    const arn = String(kms.createKey("us-east-1", { MultiRegion: true }).Arn);
    const loaded = await loads(["status", "--key", arn, "--endpoint-url", kms.url]);
    expect(loaded.code).toBe(0);
    expect(packagesOf(loaded)).toEqual(expect.arrayContaining(["@aws-sdk/client-kms", "@smithy/core"]));
    expect(sdkFiles(loaded).length).toBeGreaterThan(100);
  });
});

describe("start-up: the texts the build rendered", () => {
  it("cover the help of the program, of every command and of the global options, and each shell's completion", () => {
    expect(RENDERED_LINES).toEqual(
      expect.arrayContaining([
        ["--help"],
        ["-h"],
        ["help"],
        ["help", "globals"],
        ["completion", "bash"],
        ["completion", "zsh"],
        ["completion", "fish"],
        ["status", "--help"],
        ["help", "status"],
        ["replicate", "-h"],
      ]),
    );
    expect(RENDERED_LINES.length).toBe(7 + 3 * 10);
  });

  it.each(RENDERED_LINES)("%j: the bin prints what the program prints, exit 0", async (...args) => {
    const [rendered, program] = await Promise.all([output(BIN, args), output(MAIN, args)]);
    expect(program.code).toBe(0);
    expect(program.stderr).toBe("");
    expect(program.stdout).toMatch(/\S/);
    expect(rendered).toEqual(program);
  });

  it.skipIf(!hasScript)(
    "on a terminal: 80 columns or more, the rendered text (help is never wider); fewer, the program renders it",
    async () => {
      const rendered = (await output(BIN, ["--help"])).stdout;
      for (const columns of [80, 200]) {
        const wide = await runOnTerminal(["--help"], columns, { NO_COLOR: undefined });
        expect(wide.code).toBe(0);
        expect(wide.screen, `${columns} columns`).toBe(rendered);
      }
      const narrow = await runOnTerminal(["--help"], 60);
      expect(narrow.code).toBe(0);
      expect(narrow.screen).not.toBe(rendered);
      // The description, wrapped at 60 columns by commander (the examples are written as they are).
      const description = narrow.screen.split("\n\n")[1] ?? "";
      expect(description).toMatch(/^Replicate an AWS KMS/);
      expect(Math.max(...description.split("\n").map((line) => line.length))).toBeLessThanOrEqual(60);
    },
  );

  it("a command line the build did not render goes to the program (help of an unknown command: exit 2)", async () => {
    const result = await output(BIN, ["help", "statsu"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("(Did you mean status?)");
  });
});

async function output(entry: string, args: readonly string[]) {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...isolatedAwsEnv(join(work, "home")) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  return { code, stdout, stderr };
}
