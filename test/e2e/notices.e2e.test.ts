// dist/THIRD-PARTY-NOTICES.txt against what the build really bundled: esbuild's metafiles of the
// dist builds (merged by scripts/build.mjs into build/dist-metafile.json). The packages are worked
// out here on their own, from the paths (the folder after the last node_modules/), not with the
// build's code. `npm test` builds first. The packed tarball's copy: test/e2e/package.e2e.test.ts.
import type { Metafile } from "esbuild";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NOTICES = readFileSync(join(ROOT, "dist/THIRD-PARTY-NOTICES.txt"), "utf8");
const METAFILE = JSON.parse(readFileSync(join(ROOT, "build/dist-metafile.json"), "utf8")) as Metafile;
const RULE = "-".repeat(80);

interface Bundled {
  name: string;
  version: string;
  dir: string;
}

/** Every package folder that gave bytes to a file of dist/, by its path. */
function bundled(): Bundled[] {
  const dirs = new Set<string>();
  for (const output of Object.values(METAFILE.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (bytesInOutput > 0 && match?.[1] !== undefined) dirs.add(match[1]);
    }
  }
  return [...dirs].map((dir) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as Bundled;
    return { name: manifest.name, version: manifest.version, dir: join(ROOT, dir) };
  });
}

/** The packages the notices list: name, version, licence, number of the text. */
function listed(): { name: string; version: string; licence: string; text: number }[] {
  const index = NOTICES.split(`\n\n${RULE}\n`)[0]?.split("\n\n").at(-1) ?? "";
  return index.split("\n").map((line) => {
    const [name = "", version = "", licence = "", text = ""] = line.split(/ {2,}/);
    return { name, version, licence, text: Number(text.replace(/[[\]]/g, "")) };
  });
}

/** The body of text N: below its heading, up to the next heading. */
function text(n: number): string {
  const body = NOTICES.split(`\n[${n}] `)[1]?.split(`${RULE}\n\n`)[1] ?? "";
  return body.split(`\n\n${RULE}\n`)[0] ?? "";
}

describe("dist/THIRD-PARTY-NOTICES.txt", () => {
  const packages = bundled();

  it("comes from the metafile of this dist/: every file of dist/ is one of its outputs", () => {
    const outputs = Object.keys(METAFILE.outputs).map((path) => path.replace(/^dist\//, ""));
    // The help and completion texts (scripts/build.mjs): strings the program rendered, no code.
    const files = readdirSync(join(ROOT, "dist")).filter(
      (file) => file !== "THIRD-PARTY-NOTICES.txt" && !/^(startup-texts|text-[a-z-]+)\.js$/.test(file),
    );
    expect(files.sort()).toEqual(outputs.sort());
  });

  it("lists exactly the packages of the bundle, each with its version and a licence", () => {
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(["@aws-sdk/client-kms", "@smithy/core", "commander", "chalk", "ora", "p-retry"]),
    );
    const entries = listed();
    expect(entries.map((e) => `${e.name} ${e.version}`).sort()).toEqual(
      packages.map((p) => `${p.name} ${p.version}`).sort(),
    );
    for (const entry of entries) expect(entry.licence).toMatch(/^(MIT|MIT-0|ISC|Apache-2\.0|BSD-\d-Clause)$/);
    expect(NOTICES).toContain(`bundles code from the ${packages.length} packages below`);
  });

  it("lists no development dependency: not bundled, not listed", () => {
    const names = listed().map((e) => e.name);
    for (const dev of ["esbuild", "vitest", "typescript", "aws-sdk-client-mock", "ajv", "node-forge"]) {
      expect(existsSync(join(ROOT, "node_modules", dev))).toBe(true);
      expect(names).not.toContain(dev);
    }
  });

  it("gives every package a licence text: the licence and notice files it ships, word for word", () => {
    for (const entry of listed()) {
      const body = text(entry.text);
      expect(body.trim(), `${entry.name}'s text [${entry.text}]`).not.toBe("");
      expect(body, entry.name).toMatch(/licen[cs]e|copyright|permission/i);
      const pkg = packages.find((p) => p.name === entry.name && p.version === entry.version);
      const files = readdirSync(pkg?.dir ?? "").filter(
        (file) =>
          /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(file) &&
          statSync(join(pkg?.dir ?? "", file)).isFile(),
      );
      for (const file of files) {
        const own = readFileSync(join(pkg?.dir ?? "", file), "utf8")
          .replace(/\r\n/g, "\n")
          .trimEnd();
        expect(body, `${entry.name}/${file}`).toContain(`${file}:\n\n${own}`);
      }
      // a package that ships no licence file says whose files it was given
      if (files.length === 0) {
        expect(NOTICES).toMatch(
          new RegExp(`^ {4}${entry.name} ${entry.version}\\n {6}\\(it ships none: those of `, "m"),
        );
      }
    }
  });
});
