// `replicate`'s own flags, as the program reads them and parseReplicate turns them into typed
// options (the global ones, --key and how to reach AWS, are test/unit/cli/globals.test.ts's).
import { describe, it, expect } from "vitest";
import type { ReplicateOptions } from "../../../../src/commands/replicate/flags.js";
import { isReplicateError, type ReplicateError } from "../../../../src/core/errors.js";
import { DEFAULT_TIMEOUT_MS } from "../../../../src/core/options.js";
import { optionsOf } from "../../../support/command-line.js";

const KEY = ["--key", "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"];
const BASE = [...KEY, "--regions", "eu-west-1,ap-southeast-2"];

const replicateOptions = async (...more: string[]): Promise<ReplicateOptions> =>
  (await optionsOf([...BASE, ...more])) as ReplicateOptions;

/** The usage error (exit 2) that parsing `args` ends with. */
async function refusal(args: readonly string[]): Promise<ReplicateError> {
  try {
    await optionsOf(args);
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error;
    throw error;
  }
  throw new Error("expected a usage error");
}

describe("parseReplicate", () => {
  it("fills the defaults", async () => {
    // GIVEN / WHEN
    const options = await replicateOptions();
    // THEN
    expect(options).toEqual({
      regions: ["eu-west-1", "ap-southeast-2"],
      description: undefined,
      policy: undefined,
      tags: [],
      bypassPolicyLockoutSafetyCheck: false,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      wait: true,
      dryRun: false,
      concurrency: 5,
      rate: undefined,
      copy: { tags: false, description: false, policy: false, aliases: false, enabled: false },
    });
  });

  it("reads every flag it has", async () => {
    // GIVEN / WHEN
    const options = await replicateOptions(
      "--regions",
      "us-west-2",
      "--description",
      "payments",
      "--policy",
      '{"Version":"2012-10-17"}',
      "--tag",
      "team=payments",
      "--timeout",
      "90s",
      "--no-wait",
      "--dry-run",
      "--concurrency",
      "7",
      "--rate",
      "2.5",
    );
    // THEN
    expect(options).toMatchObject({
      regions: ["eu-west-1", "ap-southeast-2", "us-west-2"],
      description: "payments",
      policy: { text: '{"Version":"2012-10-17"}', source: "inline" },
      tags: [{ TagKey: "team", TagValue: "payments" }],
      timeoutMs: 90_000,
      wait: false,
      dryRun: true,
      concurrency: 7,
      rate: 2.5,
    });
  });

  it("keeps one second's worth of the ReplicateKey quota in flight (--quota, --rate), at least 5", async () => {
    expect((await replicateOptions("--quota", "ReplicateKey=12")).concurrency).toBe(12);
    expect((await replicateOptions("--rate", "8.5")).concurrency).toBe(9);
    expect((await replicateOptions("--rate", "1")).concurrency).toBe(5);
  });

  it("--copy-all turns on the four property copies, not the enabled state", async () => {
    // GIVEN / WHEN
    const options = await replicateOptions("--copy-all");
    // THEN
    expect(options.copy).toEqual({
      tags: true,
      description: true,
      policy: true,
      aliases: true,
      enabled: false,
    });
  });

  it("--copy-enabled alone copies the enabled state", async () => {
    const options = await replicateOptions("--copy-enabled");
    expect(options.copy).toEqual({
      tags: false,
      description: false,
      policy: false,
      aliases: false,
      enabled: true,
    });
  });

  it.each([
    {
      name: "no --regions",
      args: KEY,
      message: /^required option '-r, --regions <regions>' not specified$/,
    },
    { name: "no Region", args: [...KEY, "--regions", " , "], message: /--regions names no Region/ },
    {
      name: "a description over 8192 characters",
      args: [...BASE, "--description", "d".repeat(8193)],
      message: /8193 characters; at most 8192/,
    },
    {
      name: "--bypass-policy-lockout-safety-check alone",
      args: [...BASE, "--bypass-policy-lockout-safety-check"],
      message: /only applies together with --policy or --copy-policy/,
    },
    {
      name: "--key-material with --no-wait",
      args: [...BASE, "--key-material", "-", "--no-wait"],
      message: /--key-material and --no-wait exclude each other/,
    },
  ])("refuses $name", async ({ args, message }) => {
    // GIVEN / WHEN
    const error = await refusal(args);
    // THEN
    expect(error.message).toMatch(message);
  });

  it.each([
    { name: "--policy", flags: ["--policy", '{"Version":"2012-10-17"}'] },
    { name: "--copy-policy", flags: ["--copy-policy"] },
    { name: "--copy-all", flags: ["--copy-all"] },
  ])("accepts --bypass-policy-lockout-safety-check with $name", async ({ flags }) => {
    // GIVEN / WHEN
    const options = await replicateOptions(...flags, "--bypass-policy-lockout-safety-check");
    // THEN
    expect(options.bypassPolicyLockoutSafetyCheck).toBe(true);
  });

  it("accepts a description of exactly 8192 characters", async () => {
    // GIVEN / WHEN
    const options = await replicateOptions("--description", "d".repeat(8192));
    // THEN
    expect(options.description).toHaveLength(8192);
  });

  it("--key-material: what is imported into each replica that waits for it", async () => {
    const options = await replicateOptions("--key-material", "fileb://m.bin", "--no-expiry");
    expect(options.importing).toEqual({
      keyMaterial: "fileb://m.bin",
      wrapping: { algorithm: undefined, keySpec: undefined },
      validTo: undefined,
      noExpiry: true,
    });
  });
});
