// Text measured in terminal cells, not UTF-16 units: a CJK letter or an emoji takes two cells, a
// combining accent none, a control character the cells of its escape. For tables that line up and
// fit the terminal. Measured as forPeople (terminal-text.ts) will show the text.
import stringWidth from "string-width";
import { forPeople, piecesOf } from "./terminal-text.js";

/** How many terminal cells `text` takes once shown (colour markers take none, `\x1b` four). */
export function cellWidth(text: string): number {
  return stringWidth(forPeople(text, false));
}

/**
 * `text` in at most `width` cells as shown: cut at a whole character (never inside an escape or a
 * marker) and ended with `…` when it does not fit.
 */
export function truncateCells(text: string, width: number): string {
  if (cellWidth(text) <= width) return text;
  if (width <= 0) return "";
  let kept = "";
  let used = 0;
  for (const { source, shown } of piecesOf(text)) {
    const w = stringWidth(shown);
    if (used + w > width - 1) break;
    kept += source;
    used += w;
  }
  return `${kept}…`;
}

/** `text` cut to `width` cells, then padded with spaces to exactly `width` cells. */
export function fitCells(text: string, width: number): string {
  const cut = truncateCells(text, width);
  return cut + " ".repeat(Math.max(0, width - cellWidth(cut)));
}

/**
 * Column widths for a table at most `columns` cells wide: every column as wide as its widest cell,
 * then the widest of the `shrinkable` columns gives up a cell at a time (never below `minimum`)
 * until the table fits. The others (Region, state) never shrink: a table too narrow for them
 * stays wider than the terminal rather than breaking them.
 */
export function fitColumns(
  natural: readonly number[],
  columns: number,
  shrinkable: ReadonlySet<number>,
  options: { gap: number; minimum: number },
): number[] {
  const widths = [...natural];
  const total = (): number => widths.reduce((sum, w) => sum + w, 0) + options.gap * (widths.length - 1);
  let excess = total() - columns;
  while (excess > 0) {
    let widest = -1;
    for (const i of shrinkable) {
      const w = widths[i] ?? 0;
      if (w > options.minimum && (widest === -1 || w > (widths[widest] ?? 0))) widest = i;
    }
    if (widest === -1) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess -= 1;
  }
  return widths;
}
