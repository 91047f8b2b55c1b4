import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import { forPeople, literal, noPaint, paint, piecesOf, tsvField } from "../../../src/report/terminal-text.js";
import { RAW } from "../../support/hostile-text.js";

/** paint's colour markers (shown as nothing without colour). */
const MARKS = /\uE000[0-9a-f]+c\d+\uE001/g;

/** What forPeople shows, read back: `\\` a backslash, `\xHH` / `\uHHHH` a character, any other `\` itself. */
function readBack(shown: string): string {
  return shown.replace(/\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_, escape: string) =>
    escape === "\\" ? "\\" : String.fromCodePoint(parseInt(escape.slice(1), 16)),
  );
}

describe("forPeople", () => {
  it.each([
    { what: "ESC (a colour sequence)", text: "a\u001b[31mb", shown: "a\\x1b[31mb" },
    { what: "BEL", text: "a\u0007b", shown: "a\\x07b" },
    { what: "CR", text: "a\rb", shown: "a\\x0db" },
    { what: "NUL", text: "a\u0000b", shown: "a\\x00b" },
    { what: "TAB", text: "a\tb", shown: "a\\x09b" },
    { what: "DEL", text: "a\u007fb", shown: "a\\x7fb" },
    { what: "C1 CSI", text: "a\u009b2Jb", shown: "a\\x9b2Jb" },
    { what: "C1 NEL", text: "a\u0085b", shown: "a\\x85b" },
    { what: "RLO", text: "a\u202eb", shown: "a\\u202eb" },
    { what: "LRE … PDF", text: "\u202aa\u202c", shown: "\\u202aa\\u202c" },
    { what: "isolates", text: "\u2066a\u2067b\u2068c\u2069", shown: "\\u2066a\\u2067b\\u2068c\\u2069" },
    { what: "LRM, RLM, ALM", text: "\u200e\u200f\u061c", shown: "\\u200e\\u200f\\u061c" },
    { what: "line and paragraph separators", text: "a\u2028b\u2029c", shown: "a\\u2028b\\u2029c" },
  ])("shows $what as an escape", ({ text, shown }) => {
    expect(forPeople(text, false)).toBe(shown);
    expect(forPeople(text, true)).toBe(shown);
  });

  it("keeps ordinary text, wide and combined characters, and the renderers' own line breaks", () => {
    const text = "✔ eu-west-1  鍵の説明 café 👩‍💻 'it'\\''s'\nnext line";
    expect(forPeople(text, false)).toBe(text);
  });

  it.each([
    { text: "C:\\Users\\me", shown: "C:\\Users\\me" },
    { text: "a\\xb", shown: "a\\xb" },
    { text: "a\\x1b", shown: "a\\\\x1b" },
    { text: "a\\u{202e}", shown: "a\\u{202e}" },
    { text: "C:\\users", shown: "C:\\users" },
    { text: "a\\u202e", shown: "a\\\\u202e" },
    { text: "a\\\\b", shown: "a\\\\\\b" },
    { text: "a\\\u001b", shown: "a\\\\\\x1b" },
    { text: "\\", shown: "\\" },
  ])("doubles a backslash only where it would read as an escape: $text", ({ text, shown }) => {
    expect(forPeople(text, false)).toBe(shown);
  });

  it("reads back one way only: every string of these characters, up to 4 long, shows differently", () => {
    // GIVEN an alphabet of everything that could make two texts look alike
    const alphabet = ["\\", "x", "u", "1", "b", "\u001b", "\n", "\u202e", "\u009b", "2"];
    let texts = [""];
    const seen = new Map<string, string>();
    for (let length = 1; length <= 4; length += 1) {
      texts = texts.flatMap((t) => alphabet.map((c) => t + c));
      for (const text of texts) {
        // WHEN shown as a data value (its line break escaped too)
        const shown = forPeople(literal(text), false);
        // THEN nothing raw, and it reads back as the text itself
        expect(shown).not.toMatch(RAW);
        expect(shown).not.toContain("\n");
        expect(readBack(shown)).toBe(text);
        expect(seen.get(shown) ?? text).toBe(text);
        seen.set(shown, text);
      }
    }
    expect(seen.size).toBe(10 + 100 + 1000 + 10000);
  });

  it("reads back one way only, and as piecesOf says: 20,000 random strings up to 12 long", () => {
    // GIVEN strings drawn (with a fixed seed) from escapes' own letters, hex digits, controls, colour
    const alphabet = [
      "\\",
      "x",
      "u",
      "0",
      "1",
      "b",
      "e",
      "f",
      "g",
      "\u001b",
      "\n",
      "\u202e",
      "é",
      paint.red("a"),
    ];
    let seed = 20;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i += 1) {
      const text = Array.from({ length: 1 + next(12) }, () => alphabet[next(alphabet.length)] ?? "").join("");
      // WHEN
      const shown = forPeople(literal(text), false);
      // THEN
      expect(shown).not.toMatch(RAW);
      expect(readBack(shown)).toBe(text.replace(MARKS, ""));
      expect(
        piecesOf(literal(text), true)
          .map((p) => p.shown)
          .join(""),
      ).toBe(forPeople(literal(text), true));
    }
  });

  it("shows what piecesOf (by which tables measure and cut) says, colour markers and all", () => {
    // GIVEN every string of these pieces up to 3 long, a colour marker and a value's line break among them
    const alphabet = [
      "\\",
      "x",
      "\u001b",
      "é",
      "e\u0301",
      "鍵",
      paint.red("1"),
      paint.dim("u"),
      literal("\n"),
      "\n",
    ];
    let texts = [""];
    for (let length = 1; length <= 3; length += 1) {
      texts = texts.flatMap((t) => alphabet.map((c) => t + c));
      for (const text of texts) {
        for (const colour of [false, true]) {
          // WHEN / THEN
          expect(
            piecesOf(text, colour)
              .map((p) => p.shown)
              .join(""),
          ).toBe(forPeople(text, colour));
        }
      }
    }
  });
});

describe("paint", () => {
  const chalk = new Chalk({ level: 1 });

  it("colours as chalk does, nested styles and line breaks included, once written with colour", () => {
    // GIVEN the same text painted by paint and by chalk
    const ours = paint.red(`a ${paint.dim("→")} ${paint.green("b")} c\nd ${paint.bold(paint.yellow("e"))}`);
    const theirs = chalk.red(`a ${chalk.dim("→")} ${chalk.green("b")} c\nd ${chalk.bold(chalk.yellow("e"))}`);
    // WHEN / THEN
    expect(forPeople(ours, true)).toBe(theirs);
    expect(forPeople(paint.cyan(""), true)).toBe("");
  });

  it("leaves no colour and no marker without colour", () => {
    expect(forPeople(paint.red(`a ${paint.dim("b")}`), false)).toBe("a b");
    expect(forPeople(noPaint.red("a"), true)).toBe("a");
  });

  it("escapes a colour sequence in the painted text itself: only its own markers become colour", () => {
    expect(forPeople(paint.red("a\u001b[8mhidden"), true)).toBe("\u001b[31ma\\x1b[8mhidden\u001b[39m");
  });

  it("cannot be forged: a marker written without the number drawn at start-up stays inert", () => {
    // GIVEN text shaped like a marker, with a number that is not this process's
    const forged = `\uE000${"0".repeat(32)}c8\uE001secret`;
    // WHEN / THEN no SGR comes out of it
    expect(forPeople(forged, true)).not.toContain("\u001b");
    expect(forPeople(forged, true)).toContain("secret");
  });
});

describe("literal", () => {
  it("shows a value's own line breaks as \\x0a; the renderers' stay line breaks", () => {
    expect(forPeople(`first: ${literal("a\nb")}\nsecond`, false)).toBe("first: a\\x0ab\nsecond");
  });
});

describe("tsvField", () => {
  it("can break neither a row nor a column, and reads back as the value", () => {
    const value = "a\tb\nc\r\u001b[31m\u009b\u202e\\x";
    const field = tsvField(value);
    expect(field).not.toMatch(/[\t\n]/);
    expect(field).not.toMatch(RAW);
    expect(readBack(field)).toBe(value);
  });
});
