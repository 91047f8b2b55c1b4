// Lines fitted to a terminal: broken at spaces, measured as shown (colour takes no column).
import { describe, expect, it } from "vitest";
import { fitted } from "../../../src/report/fit.js";
import { resultHead } from "../../../src/report/lines.js";
import { forPeople, noPaint, paint } from "../../../src/report/terminal-text.js";

const ARN = "arn:aws:kms:ap-southeast-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
const shown = (text: string): string => forPeople(text, false);

describe("fitted", () => {
  it("leaves every line whole outside a terminal", () => {
    const lines = ["head", `    → ${"word ".repeat(40)}`];
    expect(fitted(lines, undefined)).toEqual(lines);
  });

  it("breaks a detail line at spaces to the width, its continuation indented two more; the first line stays", () => {
    // GIVEN a head longer than 30 and a coloured note of 12 words
    const head = "x".repeat(40);
    const note = `    ${paint.dim("→")} one two three four five six seven eight nine ten eleven twelve`;
    // WHEN fitted to 30 columns
    const out = fitted([head, note], 30).map(shown);
    // THEN
    expect(out[0]).toBe(head);
    expect(out.slice(1)).toEqual([
      "    → one two three four five",
      "      six seven eight nine ten",
      "      eleven twelve",
    ]);
    for (const line of out.slice(1)) expect(line.length).toBeLessThanOrEqual(30);
  });
});

describe("resultHead", () => {
  const line = {
    status: "created" as const,
    region: "ap-southeast-2",
    keyState: "Enabled",
    elapsedMs: 4200,
    arn: ARN,
  };

  it("outside a terminal: the full ARN last", () => {
    expect(resultHead(line, noPaint, 14)).toBe(`✔ ap-southeast-2 created     Enabled         4.2s  ${ARN}`);
  });

  it("on a terminal 80 wide: within 80, no ARN; on 120, the key ID", () => {
    const narrow = resultHead(line, noPaint, 14, 80);
    expect(narrow).toBe("✔ ap-southeast-2 created     Enabled         4.2s");
    expect([...narrow].length).toBeLessThanOrEqual(80);
    const wide = resultHead(line, noPaint, 14, 120);
    expect(wide).toBe(
      "✔ ap-southeast-2 created     Enabled         4.2s  mrk-1234abcd12ab34cd56ef1234567890ab",
    );
    expect([...wide].length).toBeLessThanOrEqual(120);
  });
});
