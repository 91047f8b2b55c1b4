import { describe, it, expect } from "vitest";
import { cellWidth, fitCells, fitColumns, truncateCells } from "../../../src/report/cells.js";
import { literal, paint } from "../../../src/report/terminal-text.js";

describe("cellWidth", () => {
  it.each([
    { text: "eu-west-1", cells: 9 },
    { text: "鍵の説明", cells: 8 },
    { text: "🔑", cells: 2 },
    { text: "👩‍💻", cells: 2 },
    { text: "👍🏽", cells: 2 },
    { text: "cafe\u0301", cells: 4 },
    // colour takes no cells; a control character takes those of its escape
    { text: paint.green("Enabled"), cells: 7 },
    { text: "a\u001b[31mb", cells: 10 },
    { text: "a\u202eb", cells: 8 },
    { text: literal("a\nb"), cells: 6 },
    { text: "C:\\x", cells: 4 },
    { text: "C:\\x1b", cells: 7 },
  ])("$text → $cells cells", ({ text, cells }) => {
    expect(cellWidth(text)).toBe(cells);
  });
});

describe("truncateCells", () => {
  it.each([
    { text: "Payments key", width: 12, cut: "Payments key" },
    { text: "Payments key", width: 8, cut: "Payment…" },
    { text: "鍵の説明", width: 8, cut: "鍵の説明" },
    // a wide character that would straddle the edge is left out whole
    { text: "鍵の説明", width: 6, cut: "鍵の…" },
    { text: "鍵の説明", width: 5, cut: "鍵の…" },
    { text: "👩‍💻👩‍💻👩‍💻", width: 5, cut: "👩‍💻👩‍💻…" },
    { text: "cafe\u0301 noir", width: 5, cut: "cafe\u0301…" },
    { text: "abc", width: 0, cut: "" },
    // never inside an escape: `ab\x1b` is 7 cells, and `ab…` what fits in 6
    { text: "ab\u001bc", width: 6, cut: "ab…" },
    { text: "ab\u001bcd", width: 7, cut: "ab\u001b…" },
    { text: literal("ab\ncd"), width: 7, cut: `${literal("ab\n")}…` },
  ])("$text in $width cells → $cut", ({ text, width, cut }) => {
    expect(truncateCells(text, width)).toBe(cut);
    expect(cellWidth(truncateCells(text, width))).toBeLessThanOrEqual(width);
  });
});

describe("fitCells", () => {
  it("pads to exactly the width in cells, also after cutting a wide character", () => {
    expect(fitCells("鍵", 4)).toBe("鍵  ");
    expect(fitCells("鍵の説明", 6)).toBe("鍵の… ");
    expect(cellWidth(fitCells("鍵の説明", 6))).toBe(6);
  });
});

describe("fitColumns", () => {
  const options = { gap: 2, minimum: 5 };

  it("keeps the natural widths when they fit", () => {
    expect(fitColumns([10, 20, 30], 70, new Set([1, 2]), options)).toEqual([10, 20, 30]);
  });

  it("shrinks the widest shrinkable column first", () => {
    expect(fitColumns([10, 20, 30], 60, new Set([1, 2]), options)).toEqual([10, 20, 26]);
    expect(fitColumns([10, 20, 30], 50, new Set([1, 2]), options)).toEqual([10, 18, 18]);
  });

  it("never shrinks the other columns, nor a shrinkable one below the minimum", () => {
    expect(fitColumns([40, 20, 30], 20, new Set([1, 2]), options)).toEqual([40, 5, 5]);
  });
});
