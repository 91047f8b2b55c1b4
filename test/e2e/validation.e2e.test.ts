// Bad input: exit 2, a message naming the culprit, and nothing created (no ReplicateKey call).
import { beforeEach, describe, expect, it } from "vitest";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 50 });
let arn: string;
beforeEach(() => {
  arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
});

describe("invalid Regions", () => {
  it.each([
    ["a bad pattern", "EU_WEST_1", /EU_WEST_1: not a Region ID/],
    ["another partition", "cn-north-1", /cn-north-1: in partition aws-cn, but the primary is in aws/],
    ["GovCloud from a commercial primary", "us-gov-west-1", /us-gov-west-1: in partition aws-us-gov/],
    ["the primary's own Region", "us-east-1", /us-east-1: the primary key's own Region/],
    ["more than 32 characters", "eu-west-1234567890123456789012345678", /longer than 32 characters/],
  ])("refuses %s with exit 2 and no call at all", async (_, region, message) => {
    const run = await runCli(["--key", arn, "--regions", `eu-west-1,${region}`, "--endpoint-url", kms().url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/nothing was created/);
    expect(kms().calls()).toEqual([]);
  });

  it("names every invalid Region at once, in stderr and in the JSON", async () => {
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "Bad,cn-north-1",
      "--regions",
      "us-east-1",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({ ok: false, exitCode: 2, regions: [] });
    expect(run.json?.error?.invalidRegions?.map((p) => p.region)).toEqual(["Bad", "cn-north-1", "us-east-1"]);
    expect(run.stderr).toMatch(/3 target Regions are not valid/);
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(0);
  });
});

describe("invalid flags", () => {
  it.each([
    ["a tag without '='", ["--tag", "team"], /not Key=Value/],
    ["a tag key given twice", ["--tag", "a=1", "--tag", "a=2"], /given twice/],
    ["a policy with a typographic quote", ["--policy", '{"Version": \u201C2012\u201D}'], /contains U\+201C/],
    ["a policy that is not JSON", ["--policy", "{not json"], /not valid JSON/],
    [
      "a policy file that does not exist",
      ["--policy", "file://no-such-policy.json"],
      /--policy file no-such-policy\.json: cannot read it \(ENOENT\)/,
    ],
    ["a bad --timeout", ["--timeout", "soon"], /not a duration/],
    ["an unknown flag", ["--bogus"], /unknown option '--bogus'/],
  ])("refuses %s with exit 2 and no call", async (_, flags, message) => {
    const run = await runCli(["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(kms().calls()).toEqual([]);
  });

  it("refuses a missing --regions and a missing --key", async () => {
    const noRegions = await runCli(["--key", arn, "--endpoint-url", kms().url]);
    expect(noRegions.code).toBe(2);
    expect(noRegions.stderr).toMatch(/--regions/);
    const noKey = await runCli(["--regions", "eu-west-1", "--endpoint-url", kms().url]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--key/);
    expect(kms().calls()).toEqual([]);
  });

  it("needs a Region for a key ID given without an ARN", async () => {
    const run = await runCli([
      "--key",
      "mrk-1234abcd12ab34cd56ef1234567890ab",
      "--regions",
      "eu-west-1",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/No Region for mrk-1234abcd12ab34cd56ef1234567890ab/);
  });
});

describe("keys that cannot be replicated", () => {
  it("a key that does not exist: exit 2, no ReplicateKey", async () => {
    const run = await runCli([
      "--key",
      "mrk-00000000000000000000000000000000",
      "--region",
      "us-east-1",
      "--regions",
      "eu-west-1",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/NotFoundException/);
    expect(run.stderr).toMatch(/Check --key/);
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(0);
  });

  it("a single-Region key: exit 2", async () => {
    const single = String(kms().createKey("us-east-1", {}).Arn);
    const run = await runCli(["--key", single, "--regions", "eu-west-1", "--endpoint-url", kms().url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/single-Region key/);
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(0);
  });

  it("a replica given as --key is followed to its primary, with a note, as every command does", async () => {
    await runCli(["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url]);
    const replica = arn.replace("us-east-1", "eu-west-1");
    const run = await runCli(["--key", replica, "--regions", "eu-central-1", "--endpoint-url", kms().url]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `${replica} is a replica of the family; working from its primary in us-east-1.`,
    );
    expect(kms().keys("eu-central-1")).toHaveLength(1);
    expect(
      kms()
        .calls({ operation: "ReplicateKey" })
        .map((c) => c.region),
    ).toEqual(["us-east-1", "us-east-1"]);
  });

  it("a disabled primary: exit 2 with how to enable it", async () => {
    kms().invoke("us-east-1", "DisableKey", { KeyId: arn });
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(2);
    expect(run.json?.error?.message).toMatch(/is Disabled; it must be Enabled/);
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(0);
  });
});
