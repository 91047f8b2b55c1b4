import { describe, it, expect } from "vitest";
import {
  checkRegions,
  nearKnownRegions,
  partitionOf,
  unknownRegionVerdict,
  REGION_MAX_LENGTH,
  type PrimaryPlace,
} from "../../../src/core/regions.js";

const COMMERCIAL = "us-east-1";
/** The primary's place as a known Region's ARN would name it. */
const at = (region: string): PrimaryPlace => ({ region, partition: partitionOf(region).name });

describe("checkRegions", () => {
  it.each([
    { region: "eu-west-1", primary: COMMERCIAL },
    { region: "ap-southeast-2", primary: COMMERCIAL },
    { region: "us-east-2", primary: COMMERCIAL },
    { region: "cn-northwest-1", primary: "cn-north-1" },
    { region: "us-gov-east-1", primary: "us-gov-west-1" },
  ])("accepts $region from a primary in $primary", ({ region, primary }) => {
    // GIVEN a well-formed Region the SDK knows, in the primary's partition
    // WHEN
    const check = checkRegions([region], at(primary), { unknown: "refuse" });
    // THEN
    expect(check).toEqual({ regions: [region], problems: [], warnings: [] });
  });

  it.each([
    { region: "EU-WEST-1", primary: COMMERCIAL, reason: /not a Region ID/ },
    { region: "eu_west_1", primary: COMMERCIAL, reason: /not a Region ID/ },
    { region: "euwest1", primary: COMMERCIAL, reason: /not a Region ID/ },
    { region: "eu-west", primary: COMMERCIAL, reason: /not a Region ID/ },
    { region: "eu-west-1 ", primary: COMMERCIAL, reason: /not a Region ID/ },
    { region: "", primary: COMMERCIAL, reason: /not a Region ID/ },
    { region: "a-b-c-d-1", primary: COMMERCIAL, reason: /not a Region ID/ },
    { region: `${"a".repeat(30)}-b-1`, primary: COMMERCIAL, reason: /longer than 32 characters/ },
    { region: "cn-north-1", primary: COMMERCIAL, reason: /partition aws-cn, but the primary is in aws\b/ },
    {
      region: "us-gov-west-1",
      primary: COMMERCIAL,
      reason: /partition aws-us-gov, but the primary is in aws\b/,
    },
    { region: "eu-west-1", primary: "cn-north-1", reason: /partition aws, but the primary is in aws-cn/ },
    { region: "us-east-1", primary: COMMERCIAL, reason: /primary key's own Region/ },
  ])("rejects '$region' from a primary in $primary", ({ region, primary, reason }) => {
    // GIVEN / WHEN
    const check = checkRegions([region], at(primary), { unknown: "typos" });
    // THEN
    expect(check.regions).toEqual([]);
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]?.region).toBe(region);
    expect(check.problems[0]?.reason).toMatch(reason);
  });

  it("accepts a Region of exactly 32 characters and refuses 33 for its length", () => {
    // GIVEN two Regions that match the pattern, 32 and 33 characters long
    const exactly32 = `${"a".repeat(REGION_MAX_LENGTH - "-bb-1".length)}-bb-1`;
    const is33 = `${"a".repeat(REGION_MAX_LENGTH + 1 - "-bb-1".length)}-bb-1`;
    expect(exactly32).toHaveLength(32);
    expect(is33).toHaveLength(33);
    // WHEN
    const check = checkRegions([exactly32, is33], at(COMMERCIAL), { unknown: "typos" });
    // THEN only the 33-character one is a problem, and for its length
    expect(check.problems).toEqual([{ region: is33, reason: "longer than 32 characters" }]);
    expect(check.regions).toEqual([exactly32]);
  });

  it("collapses duplicates, keeps the order given, and warns once per duplicate", () => {
    // GIVEN
    const requested = ["eu-west-1", "ap-southeast-2", "eu-west-1", "eu-west-1"];
    // WHEN
    const check = checkRegions(requested, at(COMMERCIAL), { unknown: "typos" });
    // THEN
    expect(check.regions).toEqual(["eu-west-1", "ap-southeast-2"]);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual(["eu-west-1 was given more than once; replicating it once."]);
  });

  it("tries an unknown but well-formed Region, with a warning", () => {
    // GIVEN a Region the SDK does not list (it may be newer than the SDK)
    // WHEN
    const check = checkRegions(["us-north-50"], at(COMMERCIAL), { unknown: "typos" });
    // THEN
    expect(check.regions).toEqual(["us-north-50"]);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toHaveLength(1);
    expect(check.warnings[0]).toContain("us-north-50 is not a Region this AWS SDK knows");
    expect(check.warnings[0]).toContain("--strict-regions");
  });

  it("refuses an unknown Region with strict", () => {
    // GIVEN / WHEN
    const check = checkRegions(["us-north-50", "eu-west-1"], at(COMMERCIAL), { unknown: "refuse" });
    // THEN
    expect(check.regions).toEqual(["eu-west-1"]);
    expect(check.warnings).toEqual([]);
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]?.region).toBe("us-north-50");
    expect(check.problems[0]?.reason).toContain("(--strict-regions refuses every Region");
  });

  it("reports every problem at once, each with its own reason, and keeps the valid Regions", () => {
    // GIVEN
    const requested = ["EU-WEST-1", "eu-west-1", "cn-north-1", "us-east-1", "eu_west_1", "ap-southeast-2"];
    // WHEN
    const check = checkRegions(requested, at(COMMERCIAL), { unknown: "typos" });
    // THEN
    expect(check.problems.map((p) => p.region)).toEqual([
      "EU-WEST-1",
      "cn-north-1",
      "us-east-1",
      "eu_west_1",
    ]);
    // (EU-WEST-1 and eu_west_1 are both not Region IDs, but only the first gets a "did you mean")
    expect(new Set(check.problems.map((p) => p.reason)).size).toBe(4);
    expect(check.regions).toEqual(["eu-west-1", "ap-southeast-2"]);
  });
});

describe("partitionOf", () => {
  it.each([
    { region: "eu-west-1", name: "aws", known: true },
    { region: "cn-north-1", name: "aws-cn", known: true },
    { region: "us-gov-west-1", name: "aws-us-gov", known: true },
    { region: "us-north-50", name: "aws", known: false },
  ])("$region is in $name (known: $known)", ({ region, name, known }) => {
    // GIVEN / WHEN / THEN
    expect(partitionOf(region)).toEqual({ name, known });
  });
});

describe("Region typos", () => {
  it.each([
    { region: "EU-WEST-1", reason: /not a Region ID .*: did you mean eu-west-1\?$/ },
    { region: "Eu-West-1", reason: /: did you mean eu-west-1\?$/ },
    { region: "EU-WSET-1", reason: /: did you mean eu-west-1\?$/ },
    {
      region: "EU_WEST_1",
      reason: /not a Region ID \(expected lower-case words and a number, like eu-west-1\)$/,
    },
  ])("'$region' stays an error, with the lower-case Region it means", ({ region, reason }) => {
    // GIVEN / WHEN
    const check = checkRegions([region], at(COMMERCIAL), { unknown: "typos" });
    // THEN
    expect(check.regions).toEqual([]);
    expect(check.problems).toEqual([{ region, reason: expect.stringMatching(reason) as string }]);
  });

  it.each([
    { region: "eu-wset-1", meant: "eu-west-1", edits: "one edit" }, // two neighbours swapped
    { region: "eu-weest-1", meant: "eu-west-1", edits: "one edit" }, // one inserted
    { region: "eu-wst-1", meant: "eu-west-1", edits: "one edit" }, // one deleted
    { region: "eu-wesr-1", meant: "eu-west-1", edits: "one edit" }, // one substituted
    { region: "ap-southeast-22", meant: "ap-southeast-2", edits: "one edit" },
    { region: "eu-wset-11", meant: "eu-west-1", edits: "two edits" }, // swapped, and one inserted
    { region: "eu-centrl-3", meant: "eu-central-1, eu-central-2", edits: "two edits" }, // one deleted, one substituted
    { region: "ue-west-2", meant: "eu-west-2, us-west-2", edits: "one edit" },
  ])("refuses '$region', $edits from $meant, with 'did you mean'", ({ region, meant, edits }) => {
    // GIVEN a pattern-valid Region the SDK does not know, within two edits of known ones
    // WHEN
    const check = checkRegions([region], at(COMMERCIAL), { unknown: "typos" });
    // THEN it is refused, naming the Regions meant and --allow-unknown-regions
    expect(check.regions).toEqual([]);
    expect(check.problems).toHaveLength(1);
    const reason = check.problems[0]?.reason ?? "";
    expect(reason).toContain(`did you mean ${meant.replace(", ", " or ")}?`);
    expect(reason).toContain(
      `(${edits} away; for a Region newer than this SDK, add --allow-unknown-regions)`,
    );
  });

  it("tries the same Region with --allow-unknown-regions, with the guess in the warning", () => {
    // GIVEN / WHEN
    const check = checkRegions(["eu-wset-1"], at(COMMERCIAL), { unknown: "allow" });
    // THEN
    expect(check.regions).toEqual(["eu-wset-1"]);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual([
      "eu-wset-1 is not a Region this AWS SDK knows; it may be newer than the SDK, or a typo: did you mean eu-west-1? Trying it (--allow-unknown-regions).",
    ]);
  });

  it("refuses the typo with --strict-regions, still with the guess", () => {
    // GIVEN / WHEN
    const check = checkRegions(["eu-wset-1"], at(COMMERCIAL), { unknown: "refuse" });
    // THEN
    expect(check.regions).toEqual([]);
    expect(check.problems[0]?.reason).toMatch(/did you mean eu-west-1\?.*\(--strict-regions/);
  });

  it("tries a Region three edits or more from every known one, with a warning and no guess", () => {
    // GIVEN / WHEN
    expect(nearKnownRegions("us-north-50")).toEqual({ regions: [], distance: 0 });
    const check = checkRegions(["us-north-50"], at(COMMERCIAL), { unknown: "typos" });
    // THEN
    expect(check.regions).toEqual(["us-north-50"]);
    expect(check.warnings[0]).not.toContain("did you mean");
  });

  it("finds typos of Regions of every partition, at the smallest distance only", () => {
    // GIVEN / WHEN / THEN
    expect(nearKnownRegions("cn-nrth-1")).toEqual({ regions: ["cn-north-1"], distance: 1 });
    expect(nearKnownRegions("us-gov-wset-1")).toEqual({ regions: ["us-gov-west-1"], distance: 1 });
    // eu-west-1, -2 and -3 are one substitution away; us-west-1 (two) is not listed
    expect(nearKnownRegions("eu-west-9")).toEqual({
      regions: ["eu-west-1", "eu-west-2", "eu-west-3"],
      distance: 1,
    });
    expect(nearKnownRegions("eu-wset-9", 1)).toEqual({ regions: [], distance: 0 });
  });

  it("refuses a typo whichever partition the primary is in (a typo is a typo)", () => {
    // GIVEN a primary in aws-cn and a typo of a commercial Region
    const check = checkRegions(["eu-wset-1"], at("cn-north-1"), { unknown: "typos" });
    // THEN
    expect(check.problems[0]?.reason).toContain("did you mean eu-west-1?");
  });

  it("finds the guesses fast enough to run on every unknown Region", () => {
    // GIVEN / WHEN 200 lookups of a 14-character Region
    const started = performance.now();
    for (let i = 0; i < 200; i += 1) nearKnownRegions("ap-southeast-9");
    // THEN well under the start-up budget each (generous bound for a shared CPU)
    expect((performance.now() - started) / 200).toBeLessThan(5);
  });
});

describe("unknownRegionVerdict", () => {
  it.each([
    { region: "eu-west-1", rule: "typos", reason: undefined, warning: undefined },
    { region: "eu-west-1", rule: "refuse", reason: undefined, warning: undefined },
    { region: "eu-wset-1", rule: "typos", reason: /did you mean eu-west-1/, warning: undefined },
    {
      region: "eu-wset-1",
      rule: "allow",
      reason: undefined,
      warning: /Trying it \(--allow-unknown-regions\)/,
    },
    { region: "eu-wset-1", rule: "refuse", reason: /--strict-regions/, warning: undefined },
    { region: "us-north-50", rule: "typos", reason: undefined, warning: /Trying it anyway/ },
    {
      region: "us-north-50",
      rule: "allow",
      reason: undefined,
      warning: /Trying it \(--allow-unknown-regions\)/,
    },
    { region: "us-north-50", rule: "refuse", reason: /--strict-regions/, warning: undefined },
  ] as const)("$region under '$rule'", ({ region, rule, reason, warning }) => {
    const verdict = unknownRegionVerdict(region, rule);
    if (reason === undefined) expect(verdict.reason).toBeUndefined();
    else expect(verdict.reason).toMatch(reason);
    if (warning === undefined) expect(verdict.warning).toBeUndefined();
    else expect(verdict.warning).toMatch(warning);
  });
});

describe("the primary's partition is an input (from its ARN), not guessed from its Region", () => {
  it("checks targets against the partition the primary's ARN names", () => {
    // GIVEN a primary in a Region the SDK does not know, whose ARN says aws-cn
    const primary: PrimaryPlace = { region: "cn-new-1", partition: "aws-cn" };
    // WHEN
    const check = checkRegions(["cn-north-1", "eu-west-1"], primary, { unknown: "typos" });
    // THEN cn-north-1 is fine, eu-west-1 (aws) is not
    expect(check.regions).toEqual(["cn-north-1"]);
    expect(check.problems).toEqual([
      {
        region: "eu-west-1",
        reason: expect.stringMatching(/partition aws, but the primary is in aws-cn/) as string,
      },
    ]);
  });

  it("never makes a target the SDK does not know a partition error: a warning", () => {
    // GIVEN a primary in aws-cn, and a target the SDK does not know (it would default it to aws)
    const primary: PrimaryPlace = { region: "cn-north-1", partition: "aws-cn" };
    // WHEN
    const check = checkRegions(["xy-new-1"], primary, { unknown: "typos" });
    // THEN it is tried, with the unknown-Region warning, and no partition error
    expect(check.problems).toEqual([]);
    expect(check.regions).toEqual(["xy-new-1"]);
    expect(check.warnings[0]).toContain("xy-new-1 is not a Region this AWS SDK knows");
  });

  it("checks no partition while the primary's is unknown (a key ID in a Region the SDK does not know)", () => {
    // GIVEN / WHEN
    const check = checkRegions(
      ["cn-north-1", "eu-west-1"],
      { region: "xy-new-1", partition: undefined },
      { unknown: "typos" },
    );
    // THEN both are tried; splitTargets checks them once DescribeKey names the partition
    expect(check.problems).toEqual([]);
    expect(check.regions).toEqual(["cn-north-1", "eu-west-1"]);
  });

  it("still refuses an unknown target that another partition's own pattern claims", () => {
    // GIVEN a commercial primary and a GovCloud-looking Region the SDK does not list yet
    // WHEN
    const check = checkRegions(["us-gov-north-9"], at(COMMERCIAL), { unknown: "typos" });
    // THEN
    expect(check.problems[0]?.reason).toMatch(/partition aws-us-gov, but the primary is in aws\b/);
  });
});
