import { describe, it, expect } from "vitest";
import { checkRegions, partitionOf, REGION_MAX_LENGTH } from "../../src/regions.js";

const COMMERCIAL = "us-east-1";

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
    const check = checkRegions([region], primary, { strict: true });
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
    const check = checkRegions([region], primary, { strict: false });
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
    const check = checkRegions([exactly32, is33], COMMERCIAL, { strict: false });
    // THEN only the 33-character one is a problem, and for its length
    expect(check.problems).toEqual([{ region: is33, reason: "longer than 32 characters" }]);
    expect(check.regions).toEqual([exactly32]);
  });

  it("collapses duplicates, keeps the order given, and warns once per duplicate", () => {
    // GIVEN
    const requested = ["eu-west-1", "ap-southeast-2", "eu-west-1", "eu-west-1"];
    // WHEN
    const check = checkRegions(requested, COMMERCIAL, { strict: false });
    // THEN
    expect(check.regions).toEqual(["eu-west-1", "ap-southeast-2"]);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual(["eu-west-1 was given more than once; replicating it once."]);
  });

  it("tries an unknown but well-formed Region, with a warning", () => {
    // GIVEN a Region the SDK does not list (it may be newer than the SDK)
    // WHEN
    const check = checkRegions(["us-north-50"], COMMERCIAL, { strict: false });
    // THEN
    expect(check.regions).toEqual(["us-north-50"]);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toHaveLength(1);
    expect(check.warnings[0]).toContain("us-north-50 is not a Region this AWS SDK knows");
    expect(check.warnings[0]).toContain("--strict-regions");
  });

  it("refuses an unknown Region with strict", () => {
    // GIVEN / WHEN
    const check = checkRegions(["us-north-50", "eu-west-1"], COMMERCIAL, { strict: true });
    // THEN
    expect(check.regions).toEqual(["eu-west-1"]);
    expect(check.warnings).toEqual([]);
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]?.region).toBe("us-north-50");
    expect(check.problems[0]?.reason).toContain("(--strict-regions)");
  });

  it("reports every problem at once, each with its own reason, and keeps the valid Regions", () => {
    // GIVEN
    const requested = ["EU-WEST-1", "eu-west-1", "cn-north-1", "us-east-1", "eu_west_1", "ap-southeast-2"];
    // WHEN
    const check = checkRegions(requested, COMMERCIAL, { strict: false });
    // THEN
    expect(check.problems.map((p) => p.region)).toEqual([
      "EU-WEST-1",
      "cn-north-1",
      "us-east-1",
      "eu_west_1",
    ]);
    expect(new Set(check.problems.map((p) => p.reason)).size).toBe(3);
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
