// scripts/notices.mjs: from esbuild metafiles to the package's third-party notices, on a made-up
// node_modules in a temporary folder. The real bundle's notices are checked against the real
// metafile in test/e2e/notices.e2e.test.ts.
import type { Metafile } from "esbuild";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  bundledPackages,
  licenceFiles,
  licenceId,
  renderNotices,
  repositoryUrl,
  thirdPartyNotices,
  withLicenceTexts,
} from "../../scripts/notices.mjs";

const root = mkdtempSync(join(tmpdir(), "kms-replicate-notices-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, content: string | object): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
}

const SDK_REPO = { type: "git", url: "git+https://github.com/example/sdk.git" };
const APACHE = "Apache License\nVersion 2.0, January 2004\n";
write("node_modules/mit-pkg/package.json", { name: "mit-pkg", version: "1.2.3", license: "MIT" });
write("node_modules/mit-pkg/license", "MIT License\r\n\r\nCopyright (c) Someone\r\n\r\n");
write("node_modules/mit-pkg/index.js", "");
// an ESM marker package.json without a name below the package's own
write("node_modules/mit-pkg/dist/esm/package.json", { type: "module" });
write("node_modules/mit-pkg/dist/esm/index.js", "");
write("node_modules/@sdk/client/package.json", {
  name: "@sdk/client",
  version: "3.0.0",
  license: "Apache-2.0",
  repository: SDK_REPO,
});
write("node_modules/@sdk/client/LICENSE", APACHE);
write("node_modules/@sdk/client/NOTICE.txt", "SDK for Example\nCopyright Example, Inc.\n");
write("node_modules/@sdk/client/dist/index.js", "");
// published without a licence file, from the same repository
write("node_modules/@sdk/internal/package.json", {
  name: "@sdk/internal",
  version: "3.0.1",
  license: "Apache-2.0",
  repository: { type: "git", url: "https://github.com/example/sdk.git", directory: "packages/internal" },
});
write("node_modules/@sdk/internal/index.js", "");
// two versions: one nested under mit-pkg
write("node_modules/mit-pkg/node_modules/dep/package.json", {
  name: "dep",
  version: "1.0.0",
  licenses: [{ type: "MIT" }],
});
write("node_modules/mit-pkg/node_modules/dep/LICENSE.md", "dep 1 licence\n");
write("node_modules/mit-pkg/node_modules/dep/index.js", "");
write("node_modules/dep/package.json", { name: "dep", version: "2.0.0", license: "ISC" });
write("node_modules/dep/LICENSE", "dep 2 licence\n");
write("node_modules/dep/index.js", "");
// parsed by esbuild, but nothing of it is in the output (tree-shaken)
write("node_modules/shaken/package.json", { name: "shaken", version: "1.0.0", license: "MIT" });
write("node_modules/shaken/index.js", "");
// no licence file and no sibling to take one from
write("node_modules/orphan/package.json", { name: "orphan", version: "0.1.0", license: "BSD-3-Clause" });
write("node_modules/orphan/index.js", "");

/** A metafile with one output holding these inputs (bytes in the output per input). */
function metafile(inputs: Record<string, number>): Metafile {
  return {
    inputs: Object.fromEntries(Object.keys(inputs).map((path) => [path, { bytes: 1, imports: [] }])),
    outputs: {
      "dist/cli.js": {
        bytes: 1,
        imports: [],
        exports: [],
        inputs: Object.fromEntries(
          Object.entries(inputs).map(([path, bytesInOutput]) => [path, { bytesInOutput }]),
        ),
      },
    },
  };
}

const BUNDLE = metafile({
  "src/cli/main.ts": 100,
  "node_modules/mit-pkg/dist/esm/index.js": 10,
  "node_modules/mit-pkg/index.js": 10,
  "node_modules/@sdk/client/dist/index.js": 10,
  "node_modules/@sdk/internal/index.js": 10,
  "node_modules/mit-pkg/node_modules/dep/index.js": 10,
  "node_modules/dep/index.js": 10,
  "node_modules/shaken/index.js": 0,
});

describe("bundledPackages", () => {
  it("lists each package that gave bytes to an output once, by its nearest named package.json", () => {
    // GIVEN two metafiles (two builds) with overlapping inputs
    const second = metafile({ "node_modules/dep/index.js": 5 });
    // WHEN
    const packages = bundledPackages([BUNDLE, second], root);
    // THEN
    expect(packages.map((p) => [p.name, p.version, p.licence])).toEqual([
      ["@sdk/client", "3.0.0", "Apache-2.0"],
      ["@sdk/internal", "3.0.1", "Apache-2.0"],
      ["dep", "1.0.0", "MIT"],
      ["dep", "2.0.0", "ISC"],
      ["mit-pkg", "1.2.3", "MIT"],
    ]);
    expect(packages.find((p) => p.name === "mit-pkg")?.dir).toBe(join(root, "node_modules/mit-pkg"));
  });

  it("fails on a file under node_modules that belongs to no named package", () => {
    write("node_modules/.cache/x.js", "");
    expect(() => bundledPackages([metafile({ "node_modules/.cache/x.js": 1 })], root)).toThrow(
      /no package\.json with a name above/,
    );
  });
});

describe("licenceFiles", () => {
  it("reads LICENSE, licence, COPYING and NOTICE files in any case, NOTICE last, CRLF as LF", () => {
    write("files/COPYING", "gpl\n");
    write("files/NOTICE", "notice\n");
    write("files/license.txt", "licence\r\n");
    write("files/LICENSE-MIT", "mit\n");
    write("files/licensed.js", "not a licence file\n");
    write("files/README.md", "readme\n");
    write("files/EMPTY-LICENSE", "");
    write("files/LICENSE-EMPTY", "  \n");
    mkdirSync(join(root, "files/licenses"), { recursive: true });
    expect(licenceFiles(join(root, "files"))).toEqual([
      { name: "COPYING", text: "gpl" },
      { name: "LICENSE-MIT", text: "mit" },
      { name: "license.txt", text: "licence" },
      { name: "NOTICE", text: "notice" },
    ]);
  });
});

describe("licenceId and repositoryUrl", () => {
  it.each([
    [{ license: "MIT" }, "MIT"],
    [{ license: "(MIT OR Apache-2.0)" }, "(MIT OR Apache-2.0)"],
    [{ license: { type: "BSD-2-Clause" } }, "BSD-2-Clause"],
    [{ licenses: [{ type: "MIT" }, { type: "GPL-2.0" }] }, "MIT OR GPL-2.0"],
    [{}, "(none declared)"],
  ])("licenceId(%j) is %s", (manifest, expected) => {
    expect(licenceId(manifest)).toBe(expected);
  });

  it.each([
    ["git+https://github.com/aws/aws-sdk-js-v3.git", "https://github.com/aws/aws-sdk-js-v3"],
    [
      { type: "git", url: "https://github.com/aws/aws-sdk-js-v3.git" },
      "https://github.com/aws/aws-sdk-js-v3",
    ],
    ["git://github.com/tj/commander.js.git", "https://github.com/tj/commander.js"],
    ["git@github.com:owner/repo.git", "https://github.com/owner/repo"],
    ["github:owner/repo", "https://github.com/owner/repo"],
    ["owner/repo", "https://github.com/owner/repo"],
    [undefined, undefined],
    [{ type: "git" }, undefined],
  ])("repositoryUrl(%j) is %s", (repository, expected) => {
    expect(repositoryUrl(repository)).toBe(expected);
  });
});

describe("thirdPartyNotices", () => {
  const { packages, text } = thirdPartyNotices({ name: "kms-replicate", version: "9.9.9" }, [BUNDLE], root);
  const rule = "-".repeat(80);
  /** The text numbered N: from below its heading to the next heading or the end. */
  const section = (n: number): string =>
    (text.split(`\n[${n}] `)[1]?.split(`${rule}\n\n`)[1]?.split(`\n\n${rule}\n`)[0] ?? "").trimEnd();
  const numberOf = (name: string, version: string): number =>
    Number(new RegExp(`^${name} +${version.replace(/\./g, "\\.")} .*\\[(\\d+)\\]$`, "m").exec(text)?.[1]);

  it("lists every package with its version, licence and the number of its text", () => {
    expect(text).toMatch(/^Third-party notices for kms-replicate 9\.9\.9\n/);
    expect(text).toContain("bundles code from the 5 packages below");
    expect(text).toMatch(/^@sdk\/client {4}3\.0\.0 {2}Apache-2\.0 {2}\[1\]$/m);
    expect(text).toMatch(/^mit-pkg {8}1\.2\.3 {2}MIT {9}\[4\]$/m);
    expect(text).not.toContain("shaken");
    expect(packages).toHaveLength(5);
  });

  it("holds each package's licence text, and an Apache-2.0 package's NOTICE after its LICENSE", () => {
    expect(section(numberOf("mit-pkg", "1.2.3"))).toBe("license:\n\nMIT License\n\nCopyright (c) Someone");
    expect(section(numberOf("dep", "1.0.0"))).toBe("LICENSE.md:\n\ndep 1 licence");
    expect(section(numberOf("dep", "2.0.0"))).toBe("LICENSE:\n\ndep 2 licence");
    expect(section(numberOf("@sdk/client", "3.0.0"))).toBe(
      `LICENSE:\n\n${APACHE.trimEnd()}\n\nNOTICE.txt:\n\nSDK for Example\nCopyright Example, Inc.`,
    );
  });

  it("gives a package without a licence file the files of a package of the same repository, and says so", () => {
    expect(numberOf("@sdk/internal", "3.0.1")).toBe(numberOf("@sdk/client", "3.0.0"));
    expect(text).toContain(
      "    @sdk/internal 3.0.1\n      (it ships none: those of @sdk/client 3.0.0, from the same repository,\n      https://github.com/example/sdk)",
    );
    expect(packages.find((p) => p.name === "@sdk/internal")?.borrowedFrom).toBe("@sdk/client 3.0.0");
  });

  it("writes a text shared by several packages once", () => {
    write("node_modules/twin/package.json", { name: "twin", version: "1.0.0", license: "MIT" });
    write("node_modules/twin/license", "MIT License\n\nCopyright (c) Someone\n");
    write("node_modules/twin/index.js", "");
    const both = thirdPartyNotices(
      { name: "p", version: "1" },
      [metafile({ "node_modules/mit-pkg/index.js": 1, "node_modules/twin/index.js": 1 })],
      root,
    ).text;
    expect(both.match(/Copyright \(c\) Someone/g)).toHaveLength(1);
    expect(both).toContain("[1] the licence and notice files of:\n    mit-pkg 1.2.3\n    twin 1.0.0\n");
  });

  it("fails when a bundled package has no licence text and no package to take one from", () => {
    expect(() =>
      thirdPartyNotices(
        { name: "p", version: "1" },
        [metafile({ "node_modules/orphan/index.js": 1, "node_modules/dep/index.js": 1 })],
        root,
      ),
    ).toThrow(/ship no licence file.*orphan 0\.1\.0 \(BSD-3-Clause/);
  });

  it("gives a package whose repository ships its licence only at the top the file copied into the kept folder", () => {
    // GIVEN a package without a licence file, alone of its repository, and its repository's
    // LICENSE in the kept folder (scripts/licences/OWNER/REPOSITORY/)
    write("node_modules/@kept/pkg/package.json", {
      name: "@kept/pkg",
      version: "2.0.0",
      license: "MIT-0",
      repository: { type: "git", url: "git+https://github.com/kept-owner/kept-repo.git" },
    });
    write("node_modules/@kept/pkg/index.js", "");
    write("kept/kept-owner/kept-repo/LICENSE", "MIT No Attribution\n");
    const [pkg] = bundledPackages([metafile({ "node_modules/@kept/pkg/index.js": 1 })], root);
    // WHEN
    const packages = withLicenceTexts(pkg === undefined ? [] : [pkg], join(root, "kept"));
    // THEN
    expect(packages[0]?.files).toEqual([{ name: "LICENSE", text: "MIT No Attribution" }]);
    expect(packages[0]?.keptFor).toBe("https://github.com/kept-owner/kept-repo");
    expect(renderNotices({ name: "p", version: "1" }, packages)).toContain(
      "    @kept/pkg 2.0.0\n      (it ships none: those of its repository, copied into scripts/licences/,\n      https://github.com/kept-owner/kept-repo)",
    );
    // and without the kept file, the build still fails
    expect(() => withLicenceTexts(pkg === undefined ? [] : [pkg], join(root, "none"))).toThrow(
      /@kept\/pkg 2\.0\.0/,
    );
  });
});
