// The third-party notices of the package (dist/THIRD-PARTY-NOTICES.txt), made by the build from
// what esbuild put into dist/: every input file of its metafile that gave bytes to an output file
// belongs to a package (the nearest package.json with a name under node_modules), and each such
// package is listed with its version, its licence as its package.json declares it, and the text of
// the licence and notice files it ships (LICENSE, LICENCE, COPYING, NOTICE, any case, any
// extension). So a dependency that is not bundled is not listed, and one that is cannot be missed.
//
// A package that ships no licence file (some AWS SDK packages are published without one) takes the
// files of a bundled package from the same repository with the same licence, and says so; if there
// is none, the build fails: a bundled package whose licence text we cannot ship must be looked at.
// Identical texts are written once, for all the packages that ship them (the AWS SDK's packages
// share a handful of Apache-2.0 texts).
//
// A repository whose packages all ship none (AWS Powertools for Lambda: its LICENSE is at the top
// of the repository only) has its licence file copied into scripts/licences/OWNER/REPOSITORY/, and
// its packages take that, and say so.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const NOTICES_FILE = "THIRD-PARTY-NOTICES.txt";

const KEPT_LICENCES = fileURLToPath(new URL("licences/", import.meta.url));
const LICENCE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i;
const RULE = "-".repeat(80);

/**
 * The packages whose code is in the bundle: each input of an output file with bytesInOutput > 0.
 * Input paths are relative to `cwd` (esbuild's working directory). Sorted by name, then version.
 */
export function bundledPackages(metafiles, cwd) {
  const byDir = new Map();
  for (const metafile of metafiles) {
    for (const output of Object.values(metafile.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        if (bytesInOutput === 0) continue;
        const file = resolve(cwd, input);
        if (!file.split(sep).includes("node_modules")) continue; // the project's own code
        const pkg = packageOf(file);
        if (!byDir.has(pkg.dir)) byDir.set(pkg.dir, pkg);
      }
    }
  }
  return [...byDir.values()].sort((a, b) => byCodePoint(a.name, b.name) || byCodePoint(a.version, b.version));
}

/** Sorting that does not depend on the machine's locale, so that the file is the same everywhere. */
const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** The package a file under node_modules belongs to: the nearest package.json that has a name. */
export function packageOf(file) {
  for (let dir = dirname(file); dir.split(sep).includes("node_modules"); dir = dirname(dir)) {
    const manifest = readJson(join(dir, "package.json"));
    if (typeof manifest?.name === "string" && manifest.name !== "") {
      return {
        name: manifest.name,
        version: String(manifest.version ?? "(no version)"),
        licence: licenceId(manifest),
        repository: repositoryUrl(manifest.repository),
        dir,
      };
    }
  }
  throw new Error(`no package.json with a name above ${file}`);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** `license` (an SPDX expression), or the deprecated `licenses: [{type}]` / `license: {type}`. */
export function licenceId(manifest) {
  const { license, licenses } = manifest;
  if (typeof license === "string" && license !== "") return license;
  if (typeof license?.type === "string") return license.type;
  if (Array.isArray(licenses) && licenses.length > 0) return licenses.map((l) => l.type ?? l).join(" OR ");
  return "(none declared)";
}

/** A repository field as an https URL without `.git`, or undefined. */
export function repositoryUrl(repository) {
  const raw = typeof repository === "string" ? repository : repository?.url;
  if (typeof raw !== "string" || raw === "") return undefined;
  if (/^[\w.-]+\/[\w.-]+$/.test(raw)) return `https://github.com/${raw}`;
  return raw
    .replace(/^git\+/, "")
    .replace(/^github:/, "https://github.com/")
    .replace(/^(git|ssh):\/\/(git@)?/, "https://")
    .replace(/^git@([^:]+):/, "https://$1/")
    .replace(/\.git$/, "")
    .replace(/\/$/, "");
}

/** The licence and notice files in a package's folder: name and text, LICENSE before NOTICE. */
export function licenceFiles(dir) {
  return readdirSync(dir)
    .filter((name) => LICENCE_FILE.test(name) && statSync(join(dir, name)).isFile())
    .sort((a, b) => Number(/^notice/i.test(a)) - Number(/^notice/i.test(b)) || byCodePoint(a, b))
    .map((name) => ({ name, text: readFileSync(join(dir, name), "utf8").replace(/\r\n/g, "\n").trimEnd() }))
    .filter((file) => file.text !== "");
}

/**
 * Each package with its files, and `borrowedFrom` for one that ships none: the first bundled
 * package of the same repository and licence that ships some. Throws if a package has no text.
 */
export function withLicenceTexts(packages, kept = KEPT_LICENCES) {
  const own = packages.map((pkg) => ({ ...pkg, files: licenceFiles(pkg.dir) }));
  const missing = [];
  const result = own.map((pkg) => {
    if (pkg.files.length > 0) return pkg;
    const donor = own.find(
      (other) =>
        other.files.length > 0 &&
        other.repository !== undefined &&
        other.repository === pkg.repository &&
        other.licence === pkg.licence,
    );
    const copied = donor === undefined ? keptLicenceFiles(kept, pkg.repository) : [];
    if (donor === undefined && copied.length > 0) return { ...pkg, files: copied, keptFor: pkg.repository };
    if (donor === undefined) {
      missing.push(`${pkg.name} ${pkg.version} (${pkg.licence}, ${pkg.dir})`);
      return pkg;
    }
    return { ...pkg, files: donor.files, borrowedFrom: `${donor.name} ${donor.version}` };
  });
  if (missing.length > 0) {
    throw new Error(
      `these bundled packages ship no licence file, and no bundled package of the same repository and licence does: ${missing.join("; ")}`,
    );
  }
  return result;
}

/** The licence files copied from a GitHub repository into `kept` (OWNER/REPOSITORY/), if any. */
function keptLicenceFiles(kept, repository) {
  const path = /^https:\/\/github\.com\/([\w.-]+)\/([\w.-]+)$/.exec(repository ?? "");
  if (path === null) return [];
  const dir = join(kept, path[1], path[2]);
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? licenceFiles(dir) : [];
}

/** The notices file: the list of packages, then each distinct set of texts once. */
export function renderNotices(product, packages) {
  const groups = new Map();
  for (const pkg of packages) {
    const key = JSON.stringify(pkg.files);
    if (!groups.has(key)) groups.set(key, { number: groups.size + 1, files: pkg.files, packages: [] });
    groups.get(key).packages.push(pkg);
  }
  const textOf = new Map([...groups.values()].flatMap((g) => g.packages.map((p) => [p, g.number])));
  const width = (pick) => Math.max(...packages.map((p) => pick(p).length));
  const [nameWidth, versionWidth, licenceWidth] = [(p) => p.name, (p) => p.version, (p) => p.licence].map(
    width,
  );
  const lines = [
    `Third-party notices for ${product.name} ${product.version}`,
    "",
    `Its dist/ folder bundles code from the ${packages.length} packages below, and from no other: the list is`,
    "made by the build (scripts/notices.mjs) from what esbuild put into dist/. Each package is",
    "listed with its version, its licence as its package.json declares it, and the number of the",
    "text below that holds the licence and notice files it ships (LICENSE, NOTICE, ...); packages",
    "that ship the same files share one text.",
    "",
    ...packages.map((p) =>
      [
        p.name.padEnd(nameWidth),
        p.version.padEnd(versionWidth),
        p.licence.padEnd(licenceWidth),
        `[${textOf.get(p)}]`,
      ].join("  "),
    ),
  ];
  for (const group of groups.values()) {
    lines.push("", RULE, `[${group.number}] the licence and notice files of:`);
    for (const p of group.packages) {
      lines.push(`    ${p.name} ${p.version}`);
      if (p.borrowedFrom) {
        lines.push(
          `      (it ships none: those of ${p.borrowedFrom}, from the same repository,`,
          `      ${p.repository})`,
        );
      }
      if (p.keptFor) {
        lines.push(
          "      (it ships none: those of its repository, copied into scripts/licences/,",
          `      ${p.keptFor})`,
        );
      }
    }
    lines.push(RULE);
    for (const file of group.files) lines.push("", `${file.name}:`, "", file.text);
  }
  return `${lines.join("\n")}\n`;
}

/** The notices of the bundle described by these metafiles (input paths relative to `cwd`). */
export function thirdPartyNotices(product, metafiles, cwd) {
  const packages = withLicenceTexts(bundledPackages(metafiles, cwd));
  return { packages, text: renderNotices(product, packages) };
}
