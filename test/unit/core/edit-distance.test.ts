import { describe, expect, it } from "vitest";
import { damerauLevenshtein } from "../../../src/core/edit-distance.js";

describe("damerauLevenshtein", () => {
  it.each([
    { a: "", b: "", distance: 0 },
    { a: "eu-west-1", b: "eu-west-1", distance: 0 },
    { a: "", b: "abc", distance: 3 },
    { a: "abc", b: "", distance: 3 },
    { a: "eu-wset-1", b: "eu-west-1", distance: 1 }, // two neighbours swapped
    { a: "eu-weest-1", b: "eu-west-1", distance: 1 }, // one inserted
    { a: "eu-wst-1", b: "eu-west-1", distance: 1 }, // one deleted
    { a: "eu-wesr-1", b: "eu-west-1", distance: 1 }, // one substituted
    { a: "eu-wset-2", b: "eu-west-1", distance: 2 }, // swapped, and substituted
    { a: "ue-wset-1", b: "eu-west-1", distance: 2 }, // two swaps
    { a: "eu-west-1", b: "us-west-2", distance: 3 }, // e→u, u→s (not neighbours swapped), 1→2
    { a: "us-north-50", b: "us-east-1", distance: 6 },
    { a: "kitten", b: "sitting", distance: 3 },
    // the unrestricted distance: a swapped pair edited again ("ca" → "ac" → "abc"); the
    // optimal-string-alignment variant would say 3
    { a: "ca", b: "abc", distance: 2 },
    { a: "abc", b: "ca", distance: 2 },
    // counted in characters, not UTF-16 units
    { a: "a\u{20000}b", b: "ab", distance: 1 },
    { a: "\u{20000}\u{20001}", b: "\u{20001}\u{20000}", distance: 1 },
  ])("'$a' → '$b' is $distance", ({ a, b, distance }) => {
    expect(damerauLevenshtein(a, b)).toBe(distance);
  });

  it("is symmetric, and zero only for equal strings", () => {
    const words = ["eu-west-1", "eu-wset-1", "eu-west-2", "ap-south-1", "ap-southeast-1", "ca", "abc", ""];
    for (const a of words) {
      for (const b of words) {
        expect(damerauLevenshtein(a, b)).toBe(damerauLevenshtein(b, a));
        expect(damerauLevenshtein(a, b) === 0).toBe(a === b);
      }
    }
  });

  it("never exceeds the longer length, nor falls below the difference of lengths", () => {
    const words = ["eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "x", ""];
    for (const a of words) {
      for (const b of words) {
        const d = damerauLevenshtein(a, b);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }
    }
  });
});
