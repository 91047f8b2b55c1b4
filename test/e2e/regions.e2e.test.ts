// Every Region the command line names is checked before any call: a Region the AWS SDK does not
// list and that is within two edits of one it lists is a typo (exit 2, "did you mean"), unless
// --allow-unknown-regions; the local endpoint answers a Region outside its table as an endpoint
// that does not serve it, and the CLI says what to do. Runs the built bin against the endpoint.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { fleetOf, runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 50 });
const dir = mkdtempSync(join(tmpdir(), "kms-replicate-regions-"));
let arn: string;
let keyId: string;
beforeEach(() => {
  const primary = kms().createKey("us-east-1", { MultiRegion: true });
  arn = String(primary.Arn);
  keyId = String(primary.KeyId);
  kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
});

const TYPO_IN_LIST =
  /eu-wset-1: not a Region this AWS SDK knows: did you mean eu-west-1\? \(one edit away; for a Region newer than this SDK, add --allow-unknown-regions\)/;

describe("a typo of a known Region is refused before any call (exit 2)", () => {
  it.each([
    {
      where: "replicate --regions",
      args: () => ["--key", arn, "--regions", "eu-central-1,eu-wset-1"],
      message: TYPO_IN_LIST,
    },
    {
      where: "wait --regions",
      args: () => ["wait", "--key", arn, "--regions", "eu-wset-1"],
      message: TYPO_IN_LIST,
    },
    {
      where: "sync --regions",
      args: () => ["sync", "--key", arn, "--regions", "eu-wset-1"],
      message: TYPO_IN_LIST,
    },
    {
      where: "import-material --regions",
      args: () => ["import-material", "--key", arn, "--regions", "eu-wset-1", "--key-material", "-"],
      message: TYPO_IN_LIST,
    },
    {
      where: "promote --to",
      args: () => ["promote", "--key", arn, "--to", "eu-wset-1"],
      message: /^✖ --to eu-wset-1 is not a Region this AWS SDK knows: did you mean eu-west-1\?/m,
    },
    {
      where: "--region",
      args: () => ["status", "--key", keyId, "--region", "eu-wset-1"],
      message: /--region: eu-wset-1 is not a Region this AWS SDK knows: did you mean eu-west-1\?/,
    },
    {
      where: "a key ARN's Region",
      args: () => ["status", "--key", arn.replace("us-east-1", "us-esat-1")],
      message: /the ARN's Region: us-esat-1 is not a Region this AWS SDK knows: did you mean us-east-1\?/,
    },
    {
      where: "--all-primaries --region",
      args: () => ["--all-primaries", "--region", "eu-wset-1", "--regions", "eu-central-1"],
      message: /--region: eu-wset-1 is not a Region this AWS SDK knows: did you mean eu-west-1\?/,
    },
  ])("$where", async ({ args, message }) => {
    const run = await runCli([...args(), "--endpoint-url", kms().url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(kms().calls()).toEqual([]);
  });

  it("AWS_REGION, for a key named without an ARN", async () => {
    const run = await runCli(["status", "--key", keyId, "--endpoint-url", kms().url], {
      env: { AWS_REGION: "eu-wset-1" },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /The primary's Region \(AWS_REGION, AWS_DEFAULT_REGION or the profile's\): eu-wset-1 is not a Region this AWS SDK knows: did you mean eu-west-1\?/,
    );
    expect(kms().calls()).toEqual([]);
  });

  it("an ARN in --keys-from, named by its line; the JSON document says it too", async () => {
    const list = join(dir, "keys.txt");
    writeFileSync(list, `${arn}\n${arn.replace("us-east-1", "us-wset-2")}\n`);
    const run = await runCli([
      "--keys-from",
      list,
      "--regions",
      "eu-central-1",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(2);
    expect(fleetOf(run)?.error?.message).toMatch(
      /--keys-from line 2 \(.*\): us-wset-2 is not a Region this AWS SDK knows: did you mean us-west-2\?/,
    );
    expect(kms().calls()).toEqual([]);
  });

  it("two edits away, and several Regions meant", async () => {
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-centrl-3",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(2);
    expect(run.json?.error?.invalidRegions).toEqual([
      {
        region: "eu-centrl-3",
        reason:
          "not a Region this AWS SDK knows: did you mean eu-central-1 or eu-central-2? (two edits away; for a Region newer than this SDK, add --allow-unknown-regions)",
      },
    ]);
    expect(kms().calls()).toEqual([]);
  });
});

describe("--allow-unknown-regions and --strict-regions", () => {
  it("--allow-unknown-regions goes on; the endpoint refuses the Region and the CLI says to check its ID", async () => {
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-wset-1",
      "--allow-unknown-regions",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    // the Region was tried: ReplicateKey went to the primary's Region, which refused it
    expect(run.stderr).toMatch(
      /eu-wset-1 is not a Region this AWS SDK knows; .*did you mean eu-west-1\? Trying it \(--allow-unknown-regions\)/,
    );
    expect(kms().calls({ operation: "ReplicateKey" })).toHaveLength(1);
    expect(run.code).toBe(1);
    const region = run.json?.regions[0];
    expect(region?.status).toBe("failed");
    expect(region?.error?.name).toBe("UnsupportedOperationException");
    expect(region?.error?.hint).toMatch(/KMS is not offered in every Region \(check the Region ID\)/);
    expect(kms().keys("eu-wset-1")).toEqual([]);
  });

  it("a call signed for a Region the endpoint does not serve: InvalidSignatureException, and what to do", async () => {
    const run = await runCli([
      "status",
      "--key",
      keyId,
      "--region",
      "eu-wset-1",
      "--allow-unknown-regions",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /InvalidSignatureException: Credential should be scoped to a valid region, not 'eu-wset-1'\./,
    );
    expect(run.stderr).toContain(
      `KMS does not serve eu-wset-1 at ${kms().url}: it is not a Region, or not one KMS is offered in, and nothing was done there. Check the Region ID`,
    );
    expect(kms().calls()).toEqual([
      expect.objectContaining({
        region: "eu-wset-1",
        operation: "DescribeKey",
        errorType: "InvalidSignatureException",
      }),
    ]);
  });

  it("a Region far from every known one is tried with a warning, and refused with --strict-regions", async () => {
    kms().configure({ regionPartitions: { "us-north-50": "aws" } });
    const tried = await runCli(["--key", arn, "--regions", "us-north-50", "--endpoint-url", kms().url]);
    expect(tried.stderr).toMatch(
      /us-north-50 is not a Region this AWS SDK knows; it may be newer than the SDK\. Trying it anyway/,
    );
    expect(tried.code).toBe(0);
    expect(kms().keys("us-north-50")).toHaveLength(1);
    kms().reset();
    const strict = await runCli([
      "--key",
      arn,
      "--regions",
      "us-north-50",
      "--strict-regions",
      "--endpoint-url",
      kms().url,
    ]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(
      /us-north-50: not a Region this AWS SDK knows \(--strict-regions refuses every Region the SDK does not know\)/,
    );
    expect(kms().calls()).toEqual([]);
  });

  it("refuses the two together (exit 2, no call)", async () => {
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-2",
      "--strict-regions",
      "--allow-unknown-regions",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--strict-regions and --allow-unknown-regions exclude each other/);
    expect(kms().calls()).toEqual([]);
  });
});
