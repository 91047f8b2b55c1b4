// Text measured in terminal cells, not UTF-16 units: a CJK letter or an emoji takes two cells, a
// combining accent none. For tables that line up and fit the terminal.
import stringWidth from "string-width";

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** How many terminal cells `text` takes (ANSI colour codes take none). */
export function cellWidth(text: string): number {
  return stringWidth(text);
}

/** Control characters (tab, newline, ESC, …) as spaces: a value can neither break a row nor drive the terminal. */
export function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, " ");
}

/** `text` in at most `width` cells: cut at a whole character and ended with `…` when it does not fit. */
export function truncateCells(text: string, width: number): string {
  if (cellWidth(text) <= width) return text;
  if (width <= 0) return "";
  let kept = "";
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = cellWidth(segment);
    if (used + w > width - 1) break;
    kept += segment;
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
