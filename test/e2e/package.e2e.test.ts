// The npm package as a user gets it: `npm pack`, then install the tarball into an empty prefix
// with npm offline (no registry, no repository, no node_modules around) and run what was
// installed. `npm test` has built dist/ already, so `npm pack` runs with --ignore-scripts: its
// prepack would rebuild dist/ under the other e2e tests running beside this one.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { startKmsLocal, type KmsLocal } from "../support/local-kms/server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
const run = promisify(execFile);

/** What the package may hold: the runnable files, README, LICENSE and package.json. */
const EXPECTED_FILES = [
  "LICENSE",
  "README.md",
  "package.json",
  "bin/kms-replicate.js",
  ...readdirSync(join(ROOT, "dist")).map((file) => `dist/${file}`),
].sort();

/** The installed package and the CLI together must stay far below the 24 MB of the old install. */
const MAX_INSTALLED_BYTES = 3 * 1024 * 1024;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

let work = "";
let npmEnv: NodeJS.ProcessEnv = {};
let packed: PackResult;
let tarball = "";
let prefix = "";
let kms: KmsLocal;

/** npm, never reaching the network: offline, its own empty cache, no audit, no update check. */
function npm(args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run("npm", [...args], { cwd, env: npmEnv, timeout: 60_000 });
}

function dirSize(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + dirSize(join(path, name)), 0);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command the way a shell would find it: this Node.js first on PATH, cwd an empty folder. */
function runInstalled(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...npmEnv, ...isolatedAwsEnv(join(work, "home"), npmEnv), NO_COLOR: "1" };
  delete env.CI;
  delete env.NODE_PATH;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "kms-replicate-package-"));
  mkdirSync(join(work, "home"));
  mkdirSync(join(work, "empty"));
  npmEnv = {
    ...process.env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
    npm_config_offline: "true",
    npm_config_cache: join(work, "npm-cache"),
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_yes: "true",
  };
  const { stdout } = await npm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], ROOT);
  const results = JSON.parse(stdout) as PackResult[];
  expect(results).toHaveLength(1);
  packed = results[0];
  tarball = join(work, packed.filename);
  prefix = join(work, "prefix");
  await npm(["install", "--global", "--prefix", prefix, tarball], join(work, "empty"));
  kms = await startKmsLocal();
}, 90_000);

afterAll(async () => {
  await kms?.stop();
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("packs exactly the runtime files: bin, the CLI bundle and its chunks, README, LICENSE, package.json", () => {
    expect(packed.filename).toBe(`${PKG.name}-${PKG.version}.tgz`);
    expect(packed.files.map((f) => f.path).sort()).toEqual(EXPECTED_FILES);
    expect(EXPECTED_FILES).toContain("dist/cli.js");
    expect(EXPECTED_FILES).toContain("dist/sdk-partition.js");
    // no source maps, no development tools
    for (const file of EXPECTED_FILES) expect(file).not.toMatch(/\.map$|kms-local|demo|bench|\.ts$/);
  });

  it("is small: under 1 MB packed, 2.5 MB unpacked", () => {
    expect(packed.size).toBeLessThan(1024 * 1024);
    expect(packed.unpackedSize).toBeLessThan(2.5 * 1024 * 1024);
  });

  it("declares no runtime dependency, a license, and a bin with an extension", () => {
    const manifest = JSON.parse(
      readFileSync(join(prefix, "lib/node_modules", PKG.name, "package.json"), "utf8"),
    ) as {
      dependencies?: Record<string, string>;
      bin: Record<string, string>;
      license: string;
      engines: { node: string };
    };
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bin).toEqual({ "kms-replicate": "bin/kms-replicate.js" });
    expect(manifest.license).toBe("MIT");
    expect(manifest.engines.node).toBe(">=20");
  });
});

describe("the installed tarball (npm install -g, offline, empty prefix)", () => {
  it("installs one package and nothing else, in under 3 MB", () => {
    // no node_modules inside the package, and nothing beside it in the global folder
    expect(readdirSync(join(prefix, "lib/node_modules"))).toEqual([PKG.name]);
    expect(existsSync(join(prefix, "lib/node_modules", PKG.name, "node_modules"))).toBe(false);
    expect(dirSize(prefix)).toBeLessThan(MAX_INSTALLED_BYTES);
  });

  it("puts kms-replicate on the PATH: --help and --version", async () => {
    const bin = join(prefix, "bin", "kms-replicate");
    const help = await runInstalled(bin, ["--help"], join(work, "empty"));
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kms-replicate /);
    expect(help.stdout).toContain("--regions");
    const version = await runInstalled(bin, ["--version"], join(work, "empty"));
    expect(version.code).toBe(0);
    expect(version.stdout).toContain(PKG.version);
    expect(version.stderr).toBe("");
  });

  it("replicates a key against the local endpoint, loading nothing from node_modules", async () => {
    const arn = String(kms.createKey("us-east-1", { MultiRegion: true }).Arn);
    const bin = join(prefix, "bin", "kms-replicate");
    const result = await runInstalled(
      bin,
      ["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms.url, "--output", "json"],
      join(work, "empty"),
    );
    expect(result.stderr).not.toMatch(/^\(node:\d+\) /m);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, exitCode: 0 });
    expect(kms.keys("eu-west-1").map((k) => [k.role, k.state])).toEqual([["REPLICA", "Enabled"]]);
  });

  it("runs with npx --package ./tarball too", async () => {
    const result = await runInstalled(
      "npx",
      ["--yes", "--package", tarball, "kms-replicate", "--help"],
      join(work, "empty"),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: kms-replicate /);
  });
});
