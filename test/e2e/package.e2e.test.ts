// The npm package as a user gets it: `npm pack`, then install the tarball into an empty prefix
// with npm offline (no registry, no repository, no node_modules around) and run what was
// installed (test/support/package.ts, which `npm run bench -- --only package` measures with too).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { startKmsLocal, type KmsLocal } from "../support/local-kms/server.js";
import {
  formatBytes,
  packAndInstall,
  readmeInstallFigures,
  treeBytes,
  type Installed,
} from "../support/package.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
const REPOSITORY = "https://github.com/kms-replicate/kms-replicate";

/** What the package may hold: the runnable files and their notices, the schema, README, LICENSE and package.json. */
const EXPECTED_FILES = [
  "LICENSE",
  "README.md",
  "package.json",
  "bin/kms-replicate.js",
  "schema/kms-replicate.schema.json",
  ...readdirSync(join(ROOT, "dist")).map((file) => `dist/${file}`),
].sort();

/** The installed package and the CLI together must stay far below the 24 MB of the old install. */
const MAX_INSTALLED_BYTES = 3 * 1024 * 1024;
/** How far the README's install figures may be from the measured ones (they are rounded). */
const README_TOLERANCE = 0.05;

let work = "";
let installed: Installed;
let kms: KmsLocal;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command the way a shell would find it: this Node.js first on PATH, cwd an empty folder. */
function runInstalled(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const { npmEnv } = installed;
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
  installed = await packAndInstall(ROOT, work);
  kms = await startKmsLocal();
}, 90_000);

afterAll(async () => {
  await kms?.stop();
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

/** A file of the installed package. */
const installedFile = (path: string): string => join(installed.prefix, "lib/node_modules", PKG.name, path);

describe("npm pack", () => {
  it("packs exactly the runtime files: bin, the CLI bundle and its chunks, the notices, the schema, README, LICENSE, package.json", () => {
    const { packed } = installed;
    expect(packed.filename).toBe(`${PKG.name}-${PKG.version}.tgz`);
    expect(packed.files.map((f) => f.path).sort()).toEqual(EXPECTED_FILES);
    expect(EXPECTED_FILES).toContain("dist/cli.js");
    expect(EXPECTED_FILES).toContain("dist/THIRD-PARTY-NOTICES.txt");
    // no source maps, no development tools
    for (const file of EXPECTED_FILES) expect(file).not.toMatch(/\.map$|kms-local|demo|bench|\.ts$/);
  });

  it("is small: under 1 MB packed, 3 MB unpacked", () => {
    expect(installed.packed.size).toBeLessThan(1024 * 1024);
    expect(installed.packed.unpackedSize).toBeLessThan(3 * 1024 * 1024);
  });

  it("declares no runtime dependency, a license, a bin with an extension, and where it comes from", () => {
    const manifest = JSON.parse(readFileSync(installedFile("package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      bin: Record<string, string>;
      license: string;
      engines: { node: string };
      repository: { type: string; url: string };
      homepage: string;
      bugs: { url: string };
    };
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bin).toEqual({ "kms-replicate": "bin/kms-replicate.js" });
    expect(manifest.license).toBe("MIT");
    expect(manifest.engines.node).toBe(">=20");
    expect(manifest.repository).toEqual({ type: "git", url: `git+${REPOSITORY}.git` });
    expect(manifest.homepage).toBe(`${REPOSITORY}#readme`);
    expect(manifest.bugs).toEqual({ url: `${REPOSITORY}/issues` });
  });

  it("holds the third-party notices of what it bundles, and the JSON Schema the README links to", () => {
    const notices = readFileSync(installedFile("dist/THIRD-PARTY-NOTICES.txt"), "utf8");
    expect(notices).toBe(readFileSync(join(ROOT, "dist/THIRD-PARTY-NOTICES.txt"), "utf8"));
    expect(notices).toMatch(new RegExp(`^Third-party notices for ${PKG.name} ${PKG.version}\n`));
    expect(notices).toMatch(/^@aws-sdk\/client-kms +\S+ +Apache-2\.0 +\[\d+\]$/m);
    expect(notices).toMatch(/^commander +\S+ +MIT +\[\d+\]$/m);
    const readme = readFileSync(installedFile("README.md"), "utf8");
    for (const [, link] of readme.matchAll(/\]\((schema\/[^)#]+)\)/g)) {
      expect(existsSync(installedFile(link ?? "")), link).toBe(true);
    }
    expect(readme).toContain("](schema/kms-replicate.schema.json)");
    expect(readme).toContain("`dist/THIRD-PARTY-NOTICES.txt`");
    const schema = JSON.parse(
      readFileSync(installedFile("schema/kms-replicate.schema.json"), "utf8"),
    ) as object;
    expect(schema).toMatchObject({ $schema: "http://json-schema.org/draft-07/schema#" });
  });

  it("is as big as the README says: its install figures are within 5 % of the measured ones", () => {
    const stated = readmeInstallFigures(readFileSync(join(ROOT, "README.md"), "utf8"));
    const { figures } = installed;
    const advice = `the README's Install section should read "about ${formatBytes(figures.installedBytes)} installed (a ${formatBytes(figures.tarballBytes)} download)" (npm run bench -- --only package)`;
    expect(stated, advice).toBeDefined();
    expect(Math.abs((stated?.installedBytes ?? 0) / figures.installedBytes - 1), advice).toBeLessThanOrEqual(
      README_TOLERANCE,
    );
    expect(Math.abs((stated?.tarballBytes ?? 0) / figures.tarballBytes - 1), advice).toBeLessThanOrEqual(
      README_TOLERANCE,
    );
  });
});

describe("the installed tarball (npm install -g, offline, empty prefix)", () => {
  it("installs one package and nothing else, in under 3 MB", () => {
    // no node_modules inside the package, and nothing beside it in the global folder
    const { prefix } = installed;
    expect(readdirSync(join(prefix, "lib/node_modules"))).toEqual([PKG.name]);
    expect(existsSync(installedFile("node_modules"))).toBe(false);
    expect(treeBytes(prefix)).toBeLessThan(MAX_INSTALLED_BYTES);
  });

  it("puts kms-replicate on the PATH: --help and --version", async () => {
    const bin = join(installed.prefix, "bin", "kms-replicate");
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
    const bin = join(installed.prefix, "bin", "kms-replicate");
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
      ["--yes", "--package", installed.tarball, "kms-replicate", "--help"],
      join(work, "empty"),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: kms-replicate /);
  });
});
