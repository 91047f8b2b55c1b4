// The README's install figures as test/e2e/package.e2e.test.ts reads them, and the bench's form.
import { describe, expect, it } from "vitest";
import { formatBytes, readmeInstallFigures } from "./package.js";

const readme = (install: string): string =>
  `# tool\n\nintro: about 9.9 MB installed (a 1 kB download)\n\n## Install\n\n${install}\n\n## Next\n\nabout 7.7 MB installed (a 5 kB download)\n`;

describe("readmeInstallFigures", () => {
  it("reads the figures of the Install section only, across a line break, in npm's units", () => {
    expect(
      readmeInstallFigures(readme("one package of about 2.2 MB\ninstalled (a 440 kB download), as")),
    ).toEqual({
      installedBytes: 2_200_000,
      tarballBytes: 440_000,
    });
  });

  it("is undefined when the section states no figures in that form", () => {
    expect(readmeInstallFigures(readme("one package of about 1.8 MB."))).toBeUndefined();
    expect(readmeInstallFigures("# tool\n\nabout 2.2 MB installed (a 440 kB download)\n")).toBeUndefined();
  });
});

describe("formatBytes", () => {
  it.each([
    [2_210_019, "2.2 MB"],
    [1_000_000, "1.0 MB"],
    [444_181, "440 kB"],
    [995_000, "1.0 MB"],
    [994_999, "990 kB"],
    [86_512, "87 kB"],
    [1_234, "1.2 kB"],
  ])("%d bytes: %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
