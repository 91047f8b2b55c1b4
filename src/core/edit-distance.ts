// How far apart two strings are, for "did you mean": the Damerau-Levenshtein distance, pure.

/**
 * The Damerau-Levenshtein distance: the fewest insertions, deletions, substitutions and swaps of
 * two neighbouring characters that turn `a` into `b` (the unrestricted form: a swapped pair may be
 * edited again, so "ca" → "abc" is 2, where the optimal-string-alignment variant says 3). Counted
 * in Unicode characters (code points). Lowrance and Wagner's algorithm: O(|a|·|b|) time and space.
 */
export function damerauLevenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  const width = t.length + 2;
  // d[(i + 1) * width + (j + 1)]: the distance of s's first i characters to t's first j; row and
  // column 0 hold `far`, a value no path through them can win with.
  const far = s.length + t.length;
  const d = new Array<number>((s.length + 2) * width).fill(0);
  const at = (i: number, j: number): number => d[(i + 1) * width + (j + 1)] ?? far;
  const set = (i: number, j: number, value: number): void => {
    d[(i + 1) * width + (j + 1)] = value;
  };
  set(-1, -1, far);
  for (let i = 0; i <= s.length; i += 1) {
    set(i, -1, far);
    set(i, 0, i);
  }
  for (let j = 0; j <= t.length; j += 1) {
    set(-1, j, far);
    set(0, j, j);
  }
  /** The last row (1-based) of `s` where each character was seen. */
  const lastRow = new Map<string, number>();
  for (let i = 1; i <= s.length; i += 1) {
    const sc = s[i - 1] ?? "";
    let lastColumn = 0;
    for (let j = 1; j <= t.length; j += 1) {
      const tc = t[j - 1] ?? "";
      const k = lastRow.get(tc) ?? 0;
      const l = lastColumn;
      const cost = sc === tc ? 0 : 1;
      if (cost === 0) lastColumn = j;
      set(
        i,
        j,
        Math.min(
          at(i - 1, j - 1) + cost, // substitute (or keep)
          at(i, j - 1) + 1, // insert
          at(i - 1, j) + 1, // delete
          at(k - 1, l - 1) + (i - k - 1) + 1 + (j - l - 1), // swap, with what lies between
        ),
      );
    }
    lastRow.set(sc, i);
  }
  return at(s.length, t.length);
}
