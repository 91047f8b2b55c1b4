// Lines for people fitted to a terminal's width: broken at spaces, measured as the terminal shows
// them (colour markers take no column). Only on a terminal: a pipe or a file gets every line whole.
import { forPeople } from "./terminal-text.js";

/** How many columns a piece of marked text takes on the terminal (its colour markers none). */
const shownWidth = (text: string): number => [...forPeople(text, false)].length;

/**
 * On a terminal `columns` wide, each line from the `from`th (after the first by default) broken at
 * spaces to fit, its continuation indented two more. Elsewhere the lines as they are.
 */
export function fitted(lines: readonly string[], columns: number | undefined, from = 1): string[] {
  if (columns === undefined) return [...lines];
  return lines.flatMap((line, i) => {
    if (i < from || shownWidth(line) <= columns) return [line];
    const indent = /^ */.exec(line)?.[0] ?? "";
    const out: string[] = [];
    let current = "";
    let used = 0;
    for (const word of line.slice(indent.length).split(" ")) {
      const width = shownWidth(word);
      if (current !== "" && used + 1 + width > columns) {
        out.push(current);
        current = `${indent}  ${word}`;
        used = indent.length + 2 + width;
      } else if (current === "") {
        current = `${indent}${word}`;
        used = indent.length + width;
      } else {
        current = `${current} ${word}`;
        used += 1 + width;
      }
    }
    out.push(current);
    return out;
  });
}
