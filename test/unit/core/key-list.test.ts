import { describe, expect, it } from "vitest";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import { BAD_LINES_SHOWN, decodeKeyList, keyLineProblem, parseKeyList } from "../../../src/core/key-list.js";
import { forPeople } from "../../../src/report/terminal-text.js";

const keyId = (n: number): string => `mrk-${String(n).padStart(32, "0")}`;
const arnOf = (region: string, id: string): string => `arn:aws:kms:${region}:111122223333:key/${id}`;
const UUID = "1234abcd-12ab-34cd-56ef-1234567890ab";

function usageErrorOf(fn: () => unknown): ReplicateError {
  try {
    fn();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error;
    throw error;
  }
  throw new Error("expected a usage error");
}

describe("parseKeyList", () => {
  it("reads one key per line, skipping blank lines and # comments; CRLF line ends too", () => {
    // GIVEN
    const text = [
      "# DR keys",
      keyId(1),
      "",
      `  ${arnOf("eu-west-1", keyId(2))}  # the Dublin one`,
      "alias/payments",
      UUID,
      "arn:aws-cn:kms:cn-north-1:111122223333:alias/team/orders_v2",
    ].join("\r\n");
    // WHEN
    const entries = parseKeyList(text, "keys.txt");
    // THEN
    expect(entries.map((e) => [e.line, e.text, e.ref.kind])).toEqual([
      [2, keyId(1), "key-id"],
      [4, arnOf("eu-west-1", keyId(2)), "key-arn"],
      [5, "alias/payments", "alias"],
      [6, UUID, "key-id"],
      [7, "arn:aws-cn:kms:cn-north-1:111122223333:alias/team/orders_v2", "alias-arn"],
    ]);
  });

  it("names every bad line at once, with its number (exit 2)", () => {
    // GIVEN
    const text = ["arn:aws:kms:nowhere", keyId(1), "alias/", "payments", "mrk-1"].join("\n");
    // WHEN
    const error = usageErrorOf(() => parseKeyList(text, "keys.txt"));
    // THEN
    expect(error.message).toMatch(/^--keys-from keys\.txt: 4 lines are not a key ID, key ARN/);
    expect(error.message).toContain("nothing was changed");
    expect(error.message.split("\n").slice(1)).toEqual([
      "  line 1: 'arn:aws:kms:nowhere' is not a KMS key or alias ARN.",
      "  line 3: 'alias/': an alias needs a name after 'alias/'.",
      "  line 4: 'payments': a key ID is mrk- and 32 hex digits, or a UUID; an alias is alias/NAME; an ARN starts with arn:.",
      expect.stringMatching(/^ {2}line 5: 'mrk-1': a key ID is mrk- and 32 hex digits/),
    ]);
  });

  it(`lists the first ${BAD_LINES_SHOWN} bad lines and counts the rest`, () => {
    // GIVEN a CSV export instead of a key list: 100 lines, none a key
    const text = Array.from({ length: 100 }, (_, i) => `key-${i},us-east-1,enabled`).join("\n");
    // WHEN
    const error = usageErrorOf(() => parseKeyList(text, "export.csv"));
    // THEN
    const lines = error.message.split("\n");
    expect(lines[0]).toMatch(/100 lines are not/);
    expect(lines.slice(1, -1)).toHaveLength(BAD_LINES_SHOWN);
    expect(lines[BAD_LINES_SHOWN]).toMatch(/^ {2}line 20: 'key-19,us-east-1,enabled'/);
    expect(lines.at(-1)).toBe(`  … and ${100 - BAD_LINES_SHOWN} more`);
  });

  it("gives an empty list for a file of comments", () => {
    expect(parseKeyList("# nothing\n\n", "-")).toEqual([]);
  });
});

describe("keyLineProblem", () => {
  it.each([
    keyId(7),
    "mrk-1234ABCD12ab34cd56ef1234567890ab",
    UUID,
    "alias/payments",
    "alias/aws/ebs",
    "alias/a/b_c-d",
    `alias/${"a".repeat(250)}`,
    arnOf("us-east-1", keyId(1)),
    arnOf("us-gov-west-1", UUID).replace("arn:aws:", "arn:aws-us-gov:"),
    "arn:aws:kms:eu-west-1:111122223333:alias/payments",
  ])("accepts %s", (line) => {
    expect(keyLineProblem(line)).toBeUndefined();
  });

  it.each([
    [
      "a word",
      "payments",
      /^'payments': a key ID is mrk- and 32 hex digits, or a UUID; an alias is alias\/NAME/,
    ],
    ["a short mrk- ID", "mrk-1234", /'mrk-1234': a key ID is mrk-/],
    ["a UUID with a letter past f", "1234abcd-12ab-34cd-56ef-1234567890ag", /: a key ID is mrk-/],
    ["two keys on one line", `${keyId(1)} ${keyId(2)}`, /: a key ID is mrk-/],
    ["a CSV line", `${keyId(1)},us-east-1`, /: a key ID is mrk-/],
    ["an alias with a space", "alias/my key", /an alias name has only letters, digits/],
    ["an alias with a dot", "alias/a.b", /an alias name has only letters, digits/],
    ["an alias over 256 characters", `alias/${"a".repeat(251)}`, /at most 256 characters/],
    ["an ARN of another service", "arn:aws:s3:::bucket", /is not a KMS key or alias ARN/],
    ["an ARN with a bad Region", arnOf("US-EAST-1", keyId(1)), /: the Region in the ARN, 'US-EAST-1'/],
    ["an ARN with a bad key ID", arnOf("us-east-1", "mrk-1"), /: the key ID in the ARN is not/],
    [
      "an alias ARN with a bad name",
      "arn:aws:kms:us-east-1:111122223333:alias/a b",
      /an alias name has only/,
    ],
    [
      "a line over 2048 characters",
      `alias/${"a".repeat(2100)}`,
      /is 2106 characters; a key reference is at most 2048/,
    ],
  ])("refuses %s", (_, line, message) => {
    expect(keyLineProblem(line)).toMatch(message);
  });

  it("shows a line's non-ASCII characters escaped (its controls are the terminal boundary's), and a long one cut", () => {
    expect(
      keyLineProblem("\u001b[31mred\u0007\u202e\u0430")?.startsWith(
        "'\u001b[31mred\u0007\\u{202e}\\u{430}': a key ID",
      ),
    ).toBe(true);
    // as a person sees it
    expect(forPeople(keyLineProblem("\u001b[31mred\u0007\u202e") ?? "", false)).toMatch(
      /^'\\x1b\[31mred\\x07\\u\{202e\}': a key ID/,
    );
    const shown = /^'([^']*)'/.exec(keyLineProblem("x".repeat(500)) ?? "")?.[1] ?? "";
    expect(shown).toHaveLength(80);
    expect(shown.endsWith("…")).toBe(true);
  });
});

describe("decodeKeyList", () => {
  const source = "keys.txt";

  it("reads UTF-8, and skips a UTF-8 byte-order mark", () => {
    expect(decodeKeyList(Buffer.from(`${keyId(1)}\n`), source)).toBe(`${keyId(1)}\n`);
    expect(decodeKeyList(Buffer.from(`\ufeff${keyId(1)}\n# café`), source)).toBe(`${keyId(1)}\n# café`);
  });

  it.each([
    [
      "UTF-16LE with its byte-order mark",
      Buffer.from(`\ufeff${keyId(1)}\r\n`, "utf16le"),
      /is UTF-16 text \(byte-order mark FF FE\)/,
    ],
    [
      "UTF-16BE with its byte-order mark",
      Buffer.from(`\ufeff${keyId(1)}\r\n`, "utf16le").swap16(),
      /is UTF-16 text \(byte-order mark FE FF\)/,
    ],
    [
      "UTF-16LE without one",
      Buffer.from(`${keyId(1)}\r\n${keyId(2)}\r\n`, "utf16le"),
      /is UTF-16 text without a byte-order mark/,
    ],
    [
      "UTF-16BE without one",
      Buffer.from(`${keyId(1)}\r\n`, "utf16le").swap16(),
      /is UTF-16 text without a byte-order mark/,
    ],
  ])("names %s and says how to convert it", (_, bytes, message) => {
    const error = usageErrorOf(() => decodeKeyList(bytes, source));
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/a key list is UTF-8 text/);
    expect(error.hint).toMatch(
      /^Convert it to UTF-8 first: iconv -f UTF-16(LE|BE)? -t UTF-8 keys\.txt > keys-utf8\.txt/,
    );
  });

  it("says how to convert a list that came on stdin", () => {
    const error = usageErrorOf(() => decodeKeyList(Buffer.from(`\ufeff${keyId(1)}`, "utf16le"), "-"));
    expect(error.hint).toBe(
      "Convert it to UTF-8 first: … | iconv -f UTF-16 -t UTF-8 | kms-replicate … --keys-from - (PowerShell: Out-File -Encoding utf8).",
    );
  });

  it("names binary input by its NUL byte and the line it is on", () => {
    const bytes = Buffer.concat([
      Buffer.from(`${keyId(1)}\n${keyId(2)}\n`),
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]),
    ]);
    const error = usageErrorOf(() => decodeKeyList(bytes, source));
    expect(error.message).toBe(
      "--keys-from keys.txt is binary, not text: line 3 has a NUL byte; a key list is UTF-8 text, one key per line.",
    );
  });

  it("names bytes that are not UTF-8 and the line they are on", () => {
    const bytes = Buffer.concat([Buffer.from(`${keyId(1)}\n# caf`), Buffer.from([0xe9]), Buffer.from("\n")]);
    const error = usageErrorOf(() => decodeKeyList(bytes, source));
    expect(error.message).toMatch(
      /^--keys-from keys\.txt is binary or not UTF-8 text: line 2 has bytes that are not UTF-8/,
    );
    expect(error.hint).toBe(
      "If it is text in another encoding, convert it to UTF-8 first: iconv -f LATIN1 -t UTF-8 keys.txt > keys-utf8.txt.",
    );
  });
});
