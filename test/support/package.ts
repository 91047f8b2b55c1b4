// The npm package as a user gets it, and its size: `npm pack`, then an install of the tarball into
// an empty prefix with npm offline (no registry, no repository, no node_modules around). Used by
// test/e2e/package.e2e.test.ts and by `npm run bench -- --only package`, so that the README's
// install figures and the test that checks them come from the same measurement.
// dist/ must be built already: `npm pack` runs with --ignore-scripts (its prepack would rebuild
// dist/ under the other e2e tests running beside it).
import { execFile } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PackResult {
  readonly filename: string;
  /** The tarball's size in bytes: what a user downloads. */
  readonly size: number;
  /** The sum of the sizes of the files in it, as npm reports it. */
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string; readonly size: number }[];
}

export interface PackageFigures {
  readonly tarballBytes: number;
  readonly unpackedBytes: number;
  /** The installed package's folder (lib/node_modules/NAME): the sum of its files' sizes. */
  readonly installedBytes: number;
  readonly files: number;
}

export interface Installed {
  readonly packed: PackResult;
  readonly tarball: string;
  /** The global prefix it was installed into: bin/ and lib/node_modules/. */
  readonly prefix: string;
  /** The environment npm ran in (offline, its own cache), for running what was installed. */
  readonly npmEnv: NodeJS.ProcessEnv;
  readonly figures: PackageFigures;
}

/** The sum of the sizes of the files under `path` (symbolic links count as links, not followed). */
export function treeBytes(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), 0);
}

/** Packs the project at `root` into `work` and installs the tarball with `npm install -g` into work/prefix. */
export async function packAndInstall(root: string, work: string): Promise<Installed> {
  const npmEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
    npm_config_offline: "true",
    npm_config_cache: join(work, "npm-cache"),
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_yes: "true",
  };
  const npm = (args: readonly string[], cwd: string): Promise<{ stdout: string }> =>
    run("npm", [...args], { cwd, env: npmEnv, timeout: 60_000 });
  const { stdout } = await npm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], root);
  const results = JSON.parse(stdout) as PackResult[];
  const packed = results[0];
  if (results.length !== 1 || packed === undefined)
    throw new Error(`npm pack made ${results.length} tarballs`);
  const tarball = join(work, packed.filename);
  const prefix = join(work, "prefix");
  const empty = join(work, "install-from");
  mkdirSync(empty, { recursive: true });
  await npm(["install", "--global", "--prefix", prefix, tarball], empty);
  const name = packed.filename.replace(/-\d+\.\d+\.\d+.*\.tgz$/, "");
  return {
    packed,
    tarball,
    prefix,
    npmEnv,
    figures: {
      tarballBytes: packed.size,
      unpackedBytes: packed.unpackedSize,
      installedBytes: treeBytes(join(prefix, "lib/node_modules", name)),
      files: packed.files.length,
    },
  };
}

/** The figures the README's Install section states: "… about 2.2 MB installed (a 440 kB download)". */
export interface ReadmeFigures {
  readonly installedBytes: number;
  readonly tarballBytes: number;
}

const UNIT: Record<string, number> = { kB: 1000, MB: 1000 * 1000 };

export function readmeInstallFigures(readme: string): ReadmeFigures | undefined {
  const install = readme.split("\n## Install\n")[1]?.split("\n## ")[0] ?? "";
  const match = /about ([\d.]+) (kB|MB) installed \(a ([\d.]+) (kB|MB) download\)/.exec(
    install.replace(/\s+/g, " "),
  );
  if (match === null) return undefined;
  const [, installed = "", installedUnit = "", tarball = "", tarballUnit = ""] = match;
  return {
    installedBytes: Number(installed) * (UNIT[installedUnit] ?? NaN),
    tarballBytes: Number(tarball) * (UNIT[tarballUnit] ?? NaN),
  };
}

/** Bytes in the README's style, in npm's units (1 kB = 1000 bytes), to two significant digits: 2.2 MB, 440 kB. */
export function formatBytes(bytes: number): string {
  const kB = Number((bytes / 1e3).toPrecision(2));
  return kB < 1000 ? `${kB} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
