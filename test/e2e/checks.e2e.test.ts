// What KMS documents, checked locally before any change: exit 2, the reason on stderr, and no
// ReplicateKey call at the endpoint. Runs the built bin against the local endpoint.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 50 });
const dir = mkdtempSync(join(tmpdir(), "kms-replicate-checks-"));
let arn: string;
beforeEach(() => {
  arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
});

/** A run against the local endpoint with `--key arn --regions eu-west-1` and these flags. */
function replicate(flags: readonly string[], env?: NodeJS.ProcessEnv): ReturnType<typeof runCli> {
  return runCli(["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url, ...flags], { env });
}

function expectNothingCreated(): void {
  expect(kms().calls({ operation: "ReplicateKey" })).toEqual([]);
  expect(kms().keys("eu-west-1")).toEqual([]);
}

describe("tags", () => {
  const fiftyOne = Array.from({ length: 51 }, (_, i) => ["--tag", `k${i}=v`]).flat();

  it.each([
    ["a reserved aws: key", ["--tag", "aws:team=x"], /keys that start with 'aws:' are reserved/],
    ["51 tags", fiftyOne, /more than 50 tags; KMS allows at most 50/],
    ["a key of 129 characters", ["--tag", `${"\u{20000}".repeat(129)}=v`], /keys are at most 128/],
    ["an ambiguous shorthand", ["--tag", "Key=a,Value=b,Extra=c"], /is ambiguous/],
    ["a shorthand without its value", ["--tag", "Key=a"], /is not a whole tag/],
    ["two tags in one --tag", ["--tag", "a=b,c=d"], /a tag cannot contain ','/],
  ])("refuses %s with exit 2, before any call", async (_, flags, message) => {
    const run = await replicate(flags);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(kms().calls()).toEqual([]);
  });

  it("reads the AWS CLI shorthand, and lengths in Unicode characters", async () => {
    const key = "\u{20000}".repeat(128); // 128 characters, 256 UTF-16 units
    const run = await replicate([
      "--tag",
      "Key=team,Value=payments",
      "--tag",
      "TagKey=env,TagValue=prod",
      "--tag",
      `${key}=x`,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(0);
    expect(kms().keys("eu-west-1")[0]?.tags).toEqual({ team: "payments", env: "prod", [key]: "x" });
  });

  it("refuses the primary's tags and --tag together above 50 (--copy-tags), before ReplicateKey", async () => {
    const tags = Array.from({ length: 45 }, (_, i) => ({ TagKey: `p${i}`, TagValue: "v" }));
    arn = String(kms().createKey("us-east-1", { MultiRegion: true, Tags: tags }).Arn);
    const extra = Array.from({ length: 6 }, (_, i) => ["--tag", `x${i}=v`]).flat();
    const run = await replicate(["--copy-tags", ...extra]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/would get 51 tags .* KMS allows at most 50/);
    expectNothingCreated();
  });
});

describe("--policy", () => {
  it.each([
    ["a number", "42", /--policy is a number; a key policy is a JSON object/],
    ["an array", '[{"Version":"2012-10-17"}]', /--policy is an array/],
    ["null", "null", /--policy is null/],
  ])("refuses %s with exit 2", async (_, policy, message) => {
    const run = await replicate(["--policy", policy]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(kms().calls()).toEqual([]);
  });

  it("a FIFO with no writer: --timeout ends the wait, exit 2 naming it", async () => {
    const fifo = join(dir, "policy.fifo");
    execFileSync("mkfifo", [fifo]);
    const run = await replicate(["--policy", `file://${fifo}`, "--timeout", "1s"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `✖ --policy file ${fifo}: no writer came within --timeout 1s; nothing was read.`,
    );
    expect(kms().calls()).toEqual([]);
  });

  it.each([
    ["/dev/zero", "/dev/zero", /--policy file \/dev\/zero is more than 32768 bytes \(32 KiB\), KMS's limit/],
    ["a directory", join(dir, "policy.d"), /--policy file .*policy\.d is a directory\./],
  ])("refuses %s with exit 2", async (_, path, message) => {
    mkdirSync(join(dir, "policy.d"), { recursive: true });
    const run = await replicate(["--policy", `file://${path}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(kms().calls()).toEqual([]);
  });

  it("refuses a file over 32 KiB as too long", async () => {
    const big = join(dir, "big.json");
    writeFileSync(big, `{"Pad":"${"x".repeat(5_000_000)}"}`);
    const run = await replicate(["--policy", `file://${big}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is more than 32768 bytes/);
    expect(kms().calls()).toEqual([]);
  });
});

describe("key ARNs", () => {
  it.each([
    [
      "a partition that disagrees with the Region",
      () => arn.replace("arn:aws:", "arn:aws-cn:"),
      /the ARN's partition 'aws-cn' does not match its Region us-east-1, which is in partition aws\b/,
    ],
    [
      "a malformed Region",
      () => arn.replace("us-east-1", "US_EAST"),
      /the Region in the ARN, 'US_EAST', is not a Region ID/,
    ],
  ])("refuses %s with exit 2, naming the part", async (_, key, message) => {
    const run = await runCli(["--key", key(), "--regions", "eu-west-1", "--endpoint-url", kms().url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(kms().calls()).toEqual([]);
  });

  it("refuses a primary in another account than the caller's, before any call", async () => {
    const other = arn.replace(kms().account, "444455556666");
    const run = await runCli(
      ["--key", other, "--regions", "eu-west-1", "--endpoint-url", kms().url, "-o", "json"],
      {
        env: { AWS_ACCOUNT_ID: kms().account },
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /is in account 444455556666, but your credentials are for account 111122223333; ReplicateKey is not a cross-account operation/,
    );
    expect(run.json?.error?.name).toBe("CrossAccountKey");
    expect(kms().calls()).toEqual([]);
  });

  it("replicates a primary of the caller's own account when the credentials name it", async () => {
    const run = await replicate([], { AWS_ACCOUNT_ID: kms().account });
    expect(run.code).toBe(0);
    expect(kms().keys("eu-west-1")).toHaveLength(1);
  });
});

describe("the primary's partition", () => {
  it("a target the SDK does not know is a warning from an aws-cn primary, not a partition error", async () => {
    const china = String(kms().createKey("cn-north-1", { MultiRegion: true }).Arn);
    expect(china).toMatch(/^arn:aws-cn:kms:cn-north-1:/);
    const run = await runCli([
      "--key",
      china,
      "--regions",
      "xy-new-1",
      "--endpoint-url",
      kms().url,
      "--dry-run",
    ]);
    expect(run.stderr).toMatch(/xy-new-1 is not a Region this AWS SDK knows/);
    expect(run.stderr).not.toMatch(/partition/);
    expect(run.code).toBe(0);
    expect(kms().calls({ operation: "ReplicateKey" })).toEqual([]);
  });

  it("a known target of another partition than the primary's ARN is still refused", async () => {
    const china = String(kms().createKey("cn-north-1", { MultiRegion: true }).Arn);
    const run = await runCli(["--key", china, "--regions", "eu-west-1", "--endpoint-url", kms().url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/eu-west-1: in partition aws, but the primary is in aws-cn/);
    expect(kms().calls()).toEqual([]);
  });
});

describe("Region typos and bare names", () => {
  it("an upper-case Region stays an error, with 'did you mean'", async () => {
    const run = await runCli(["--key", arn, "--regions", "EU-WEST-1", "--endpoint-url", kms().url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/EU-WEST-1: not a Region ID .*: did you mean eu-west-1\?/);
    expect(kms().calls()).toEqual([]);
  });

  it("a Region one edit from a known one is refused with 'did you mean', also in a dry run (regions.e2e.test.ts: every place)", async () => {
    const dry = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-wset-1",
      "--endpoint-url",
      kms().url,
      "--dry-run",
    ]);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toMatch(/eu-wset-1: not a Region this AWS SDK knows: did you mean eu-west-1\?/);
    expect(kms().calls()).toEqual([]);
    expectNothingCreated();
  });

  it("a bare --key orders that is not found gets the hint that aliases are written alias/orders", async () => {
    const run = await runCli([
      "--key",
      "orders",
      "--region",
      "us-east-1",
      "--regions",
      "eu-west-1",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Aliases are written alias\/orders: --key alias\/orders/);
    expectNothingCreated();
  });
});

describe("--rate", () => {
  it("accepts a fractional rate and replicates", async () => {
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1,eu-central-1",
      "--rate",
      "2.5",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(0);
    expect(kms().calls({ operation: "ReplicateKey" })).toHaveLength(2);
  });
});
