// The commander parsers every command shares (src/commands/flags.ts): durations, tags, quotas,
// Region lists. Each refuses with InvalidArgumentError, which commander reports as a usage error.
import { InvalidArgumentError } from "commander";
import { describe, it, expect } from "vitest";
import {
  collectQuota,
  collectTag,
  parseDuration,
  parsePositiveInt,
  parsePositiveNumber,
  parseTimeoutSeconds,
  splitRegionArgs,
  toImportOptions,
} from "../../../src/commands/flags.js";
import { isReplicateError } from "../../../src/core/errors.js";
import type { Tag } from "../../../src/core/options.js";

describe("parseDuration", () => {
  it.each([
    { input: "90s", ms: 90_000 },
    { input: "2m", ms: 120_000 },
    { input: "1h", ms: 3_600_000 },
    { input: "1500ms", ms: 1500 },
    { input: "45", ms: 45_000 },
    { input: "1.5m", ms: 90_000 },
    { input: " 20m ", ms: 1_200_000 },
  ])("reads $input as $ms ms", ({ input, ms }) => {
    // GIVEN / WHEN / THEN
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(["", "abc", "-5s", "5d", "1 m", "m", "1e3", "0", "0s", "0ms"])("refuses '%s'", (input) => {
    // GIVEN / WHEN / THEN
    expect(() => parseDuration(input)).toThrow(InvalidArgumentError);
  });

  it("refuses a duration that rounds to 0 ms (it promises 'more than zero')", () => {
    // GIVEN a positive amount below half a millisecond
    // WHEN / THEN
    expect(() => parseDuration("0.4ms")).toThrow(InvalidArgumentError);
  });
});

describe("collectTag", () => {
  it("reads Key=Value and Key= (an empty value), and splits at the first '='", () => {
    // GIVEN / WHEN
    const tags = collectTag("team=payments", collectTag("empty=", collectTag("expr=a=b")));
    // THEN
    expect(tags).toEqual([
      { TagKey: "expr", TagValue: "a=b" },
      { TagKey: "empty", TagValue: "" },
      { TagKey: "team", TagValue: "payments" },
    ]);
  });

  it.each([
    { input: "team", previous: [], message: /is not Key=Value/ },
    { input: "=payments", previous: [], message: /is not Key=Value/ },
    { input: "team=other", previous: [{ TagKey: "team", TagValue: "x" }], message: /given twice/ },
    { input: `${"k".repeat(129)}=v`, previous: [], message: /at most 128/ },
    { input: `k=${"v".repeat(257)}`, previous: [], message: /values at most 256/ },
  ])("refuses '$input'", ({ input, previous, message }) => {
    // GIVEN / WHEN / THEN
    expect(() => collectTag(input, previous)).toThrow(InvalidArgumentError);
    expect(() => collectTag(input, previous)).toThrow(message);
  });

  it("refuses a key that is only spaces (a tag key has at least 1 character)", () => {
    // GIVEN / WHEN / THEN
    expect(() => collectTag(" =payments")).toThrow(InvalidArgumentError);
  });

  it("accepts a 128-character key and a 256-character value", () => {
    // GIVEN
    const key = "k".repeat(128);
    const value = "v".repeat(256);
    // WHEN / THEN
    expect(collectTag(`${key}=${value}`)).toEqual([{ TagKey: key, TagValue: value }]);
  });
});

describe("collectTag: what KMS documents", () => {
  const fifty = (): Tag[] => Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "" }));

  it.each([
    { input: "aws:team=x", message: /keys that start with 'aws:' are reserved/ },
    { input: "AWS:team=x", message: /keys that start with 'aws:' are reserved/ },
    { input: "Key=aws:cloudformation:stack,Value=x", message: /reserved/ },
    { input: `${"\u{20000}".repeat(129)}=v`, message: /keys are at most 128 .*this key has 129/ },
    { input: `k=${"\u00e9".repeat(257)}`, message: /values at most 256 .*this value 257/ },
    { input: "team=pay#ments", message: /'#' is not allowed in a tag value/ },
    { input: "te\tam=x", message: /is not allowed in a tag key/ },
  ])("refuses '$input'", ({ input, message }) => {
    // GIVEN / WHEN / THEN
    expect(() => collectTag(input)).toThrow(InvalidArgumentError);
    expect(() => collectTag(input)).toThrow(message);
  });

  it("counts lengths in Unicode characters, not UTF-16 units", () => {
    // GIVEN a key of 128 CJK letters outside the BMP (256 UTF-16 units) and a value of 256 (512 units)
    const key = "\u{20000}".repeat(128);
    const value = "\u{2000B}".repeat(256);
    expect(key).toHaveLength(256);
    // WHEN / THEN KMS counts characters, so both fit
    expect(collectTag(`${key}=${value}`)).toEqual([{ TagKey: key, TagValue: value }]);
  });

  it("accepts 50 tags and refuses the 51st", () => {
    // GIVEN / WHEN / THEN
    expect(collectTag("k49=", fifty().slice(0, 49))).toHaveLength(50);
    expect(() => collectTag("one-more=x", fifty())).toThrow(/more than 50 tags; KMS allows at most 50/);
  });

  it("accepts the characters KMS allows: letters of any script, digits, spaces and _ . : / = + - @", () => {
    // GIVEN / WHEN / THEN
    expect(collectTag("Équipe 1_.:/+-@=pay ments=ü 2")).toEqual([
      { TagKey: "Équipe 1_.:/+-@", TagValue: "pay ments=ü 2" },
    ]);
  });
});

describe("collectTag: the AWS CLI shorthand", () => {
  it.each([
    { input: "Key=team,Value=payments", tag: { TagKey: "team", TagValue: "payments" } },
    { input: "TagKey=team,TagValue=payments", tag: { TagKey: "team", TagValue: "payments" } },
    { input: "Value=payments,Key=team", tag: { TagKey: "team", TagValue: "payments" } },
    { input: "Key=team,Value=", tag: { TagKey: "team", TagValue: "" } },
    { input: "Key=expr,Value=a=b", tag: { TagKey: "expr", TagValue: "a=b" } },
    { input: "Key=Key,Value=x", tag: { TagKey: "Key", TagValue: "x" } },
    { input: "Key=team, Value=payments", tag: { TagKey: "team", TagValue: "payments" } },
  ])("reads '$input'", ({ input, tag }) => {
    // GIVEN / WHEN / THEN
    expect(collectTag(input)).toEqual([tag]);
  });

  it.each([
    { input: "Key=a,Value=b,Extra=c", message: /is ambiguous/ },
    { input: "Key=a,Value=b,Value=c", message: /is ambiguous/ },
    { input: "Key=a,b", message: /is ambiguous/ },
    { input: "Key=a", message: /is not a whole tag/ },
    { input: "Value=b", message: /is not a whole tag/ },
    { input: "Key=a,TagValue=b", message: /is not a whole tag/ },
    { input: "Key=a,Key=b", message: /is ambiguous/ },
    { input: "Key=,Value=b", message: /has an empty tag key/ },
    { input: "a=b,c=d", message: /a tag cannot contain ','/ },
    { input: "team=a,b", message: /a tag cannot contain ','/ },
  ])("refuses '$input' instead of storing a strange key", ({ input, message }) => {
    // GIVEN / WHEN / THEN
    expect(() => collectTag(input)).toThrow(InvalidArgumentError);
    expect(() => collectTag(input)).toThrow(message);
  });

  it("treats a shorthand tag and a Key=Value tag with the same key as given twice", () => {
    // GIVEN / WHEN / THEN
    expect(() => collectTag("Key=team,Value=b", collectTag("team=a"))).toThrow(/given twice/);
  });
});

describe("collectQuota", () => {
  it("reads Operation=N, repeatable, fractions too", () => {
    // GIVEN / WHEN
    const quotas = collectQuota("CreateKey=2.5", collectQuota("ReplicateKey=10"));
    // THEN
    expect(quotas).toEqual({ ReplicateKey: 10, CreateKey: 2.5 });
  });

  it.each([
    { value: "ReplicateKey", reason: /not Operation=N/ },
    { value: "replicatekey=10", reason: /did you mean ReplicateKey\?/ },
    { value: "Encrypt=100", reason: /not an operation with a KMS request quota/ },
    { value: "ReplicateKey=0", reason: /not a number above 0/ },
    { value: "ReplicateKey=fast", reason: /not a number above 0/ },
  ])("refuses $value", ({ value, reason }) => {
    // GIVEN / WHEN / THEN
    expect(() => collectQuota(value)).toThrow(InvalidArgumentError);
    expect(() => collectQuota(value)).toThrow(reason);
  });

  it("refuses the same operation twice", () => {
    // GIVEN / WHEN / THEN
    expect(() => collectQuota("ReplicateKey=3", { ReplicateKey: 10 })).toThrow(/given twice/);
  });
});

describe("splitRegionArgs", () => {
  it.each([
    { input: ["eu-west-1,ap-southeast-2"], regions: ["eu-west-1", "ap-southeast-2"] },
    { input: ["eu-west-1", "ap-southeast-2"], regions: ["eu-west-1", "ap-southeast-2"] },
    {
      input: [" eu-west-1 , ap-southeast-2,", "us-east-2"],
      regions: ["eu-west-1", "ap-southeast-2", "us-east-2"],
    },
    { input: [",,", ""], regions: [] },
    { input: ["eu-west-1,eu-west-1"], regions: ["eu-west-1", "eu-west-1"] },
  ])("splits $input into $regions", ({ input, regions }) => {
    // GIVEN / WHEN / THEN
    expect(splitRegionArgs(input)).toEqual(regions);
  });
});

describe("parseTimeoutSeconds (--cli-connect-timeout, --cli-read-timeout)", () => {
  it.each([
    { input: "10", ms: 10_000 },
    { input: "0.5", ms: 500 },
    { input: "3600", ms: 3_600_000 },
    { input: "0.0001", ms: 1 },
  ])("reads $input seconds as $ms ms", ({ input, ms }) => {
    expect(parseTimeoutSeconds(input)).toBe(ms);
  });

  it.each([
    { input: "", message: /is not a number of seconds/ },
    { input: "ten", message: /is not a number of seconds/ },
    { input: "-1", message: /is not a number of seconds/ },
    { input: "0", message: /0 would mean no timeout .*give seconds above 0/ },
    { input: "3601", message: /more than 3600 seconds/ },
  ])("refuses '$input'", ({ input, message }) => {
    expect(() => parseTimeoutSeconds(input)).toThrow(InvalidArgumentError);
    expect(() => parseTimeoutSeconds(input)).toThrow(message);
  });
});

describe("parsePositiveInt and parsePositiveNumber", () => {
  it("reads a whole number of at least 1, and a number above 0", () => {
    expect(parsePositiveInt("5")).toBe(5);
    expect(parsePositiveNumber("2.5")).toBe(2.5);
  });

  it.each(["0", "-1", "1.5", "x", ""])("--concurrency refuses '%s'", (input) => {
    expect(() => parsePositiveInt(input)).toThrow(InvalidArgumentError);
  });

  it.each(["0", "-1", "x", "Infinity"])("--rate refuses '%s'", (input) => {
    expect(() => parsePositiveNumber(input)).toThrow(InvalidArgumentError);
  });
});

describe("toImportOptions", () => {
  const usage = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      if (isReplicateError(error) && error.exitCode === 2) return error.message;
      throw error;
    }
    throw new Error("expected a usage error");
  };

  it("nothing to import without --key-material", () => {
    expect(toImportOptions({})).toBeUndefined();
  });

  it("the material's source and the options that shape the imports", () => {
    const validTo = new Date("2030-01-01T00:00:00Z");
    expect(toImportOptions({ keyMaterial: "fileb://m.bin", wrappingKeySpec: "RSA_3072", validTo })).toEqual({
      keyMaterial: "fileb://m.bin",
      wrapping: { algorithm: undefined, keySpec: "RSA_3072" },
      validTo,
      noExpiry: false,
    });
    expect(toImportOptions({ keyMaterial: "-", expiry: false })?.noExpiry).toBe(true);
  });

  it.each([
    [{ wrappingAlgorithm: "RSAES_OAEP_SHA_256" as const }, /^--wrapping-algorithm only applies together/],
    [{ expiry: false, validTo: new Date(0) }, /^--valid-to, --no-expiry only applies together/],
  ])("refuses an import flag without --key-material: %j", (flags, message) => {
    expect(usage(() => toImportOptions(flags))).toMatch(message);
  });

  it("refuses --valid-to with --no-expiry", () => {
    expect(usage(() => toImportOptions({ keyMaterial: "-", validTo: new Date(0), expiry: false }))).toBe(
      "--valid-to and --no-expiry exclude each other.",
    );
  });
});
