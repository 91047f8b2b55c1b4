// `sync`'s own flags, as the program reads them and parseSync turns them into typed options.
import { describe, it, expect } from "vitest";
import type { SyncOptions } from "../../../../src/commands/sync/flags.js";
import { DEFAULT_TIMEOUT_MS } from "../../../../src/core/options.js";
import { optionsOf } from "../../../support/command-line.js";

const KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
const ALL = { tags: true, description: true, policy: true, aliases: true, enabled: false };

const syncOptions = async (...more: string[]): Promise<SyncOptions> =>
  (await optionsOf(["sync", "--key", KEY_ARN, ...more])) as SyncOptions;

describe("parseSync", () => {
  it("without any --copy-*: the primary's tags, description, policy and aliases (--copy-all), every replica", async () => {
    // GIVEN / WHEN
    const options = await syncOptions();
    // THEN
    expect(options).toMatchObject({
      regions: [],
      copy: ALL,
      tags: [],
      pruneTags: false,
      pruneAliases: false,
      forceAliases: false,
      dryRun: false,
      bypassPolicyLockoutSafetyCheck: false,
      timeoutMs: DEFAULT_TIMEOUT_MS,
    });
  });

  it("reads the Regions, --timeout and --dry-run", async () => {
    const options = await syncOptions("--regions", "eu-west-1, ap-south-1", "--timeout", "2m", "--dry-run");
    expect(options).toMatchObject({
      regions: ["eu-west-1", "ap-south-1"],
      timeoutMs: 120_000,
      dryRun: true,
    });
  });

  it("explicit values override the default --copy-all; they do not narrow it", async () => {
    const options = await syncOptions("--tag", "env=dr");
    expect(options.copy).toEqual(ALL);
    expect(options.tags).toEqual([{ TagKey: "env", TagValue: "dr" }]);
  });

  it.each<[string[], object]>([
    [["--copy-tags"], { tags: true, description: false, policy: false, aliases: false, enabled: false }],
    [["--copy-enabled"], { tags: false, description: false, policy: false, aliases: false, enabled: true }],
    [["--copy-all", "--copy-enabled"], { ...ALL, enabled: true }],
  ])("--copy-* flags name exactly what is copied: %j", async (flags, copy) => {
    expect((await syncOptions(...flags)).copy).toEqual(copy);
  });

  it.each<[string, string[], RegExp]>([
    [
      "--prune-tags with nothing to keep",
      ["--copy-description", "--prune-tags"],
      /^--prune-tags removes every tag not in the desired state, but this run has no tags to keep: --copy-description names what is copied \(--copy-all is the default only when no --copy-… option is given\), and no --tag was given\.$/,
    ],
    [
      "--prune-tags with --copy-enabled alone (it names what is copied: no tags)",
      ["--copy-enabled", "--prune-tags"],
      /^--prune-tags .*: --copy-enabled names what is copied \(--copy-all is the default only when no --copy-… option is given\)/,
    ],
    [
      "--prune-aliases without --copy-aliases",
      ["--copy-tags", "--copy-enabled", "--prune-aliases"],
      /^--prune-aliases deletes the aliases the primary does not have, but this run does not copy the primary's aliases: --copy-tags and --copy-enabled name what is copied/,
    ],
    [
      "--force-aliases without --copy-aliases",
      ["--copy-tags", "--force-aliases"],
      /^--force-aliases moves the primary's aliases onto the replicas, but this run does not copy the primary's aliases: --copy-tags names/,
    ],
    [
      "--bypass… without a policy",
      ["--copy-tags", "--bypass-policy-lockout-safety-check"],
      /only applies together/,
    ],
    ["a description over 8192 characters", ["--description", "d".repeat(8193)], /at most 8192/],
  ])("refuses %s (exit 2)", async (_name, flags, message) => {
    await expect(syncOptions(...flags)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(message) as unknown,
    });
  });

  it("counts a description in characters, as KMS does: 8192 four-byte characters are accepted, 8193 are not", async () => {
    const description = "\u{20000}".repeat(8192); // 16384 UTF-16 units
    expect((await syncOptions("--description", description)).description).toBe(description);
    await expect(syncOptions("--description", `${description}x`)).rejects.toMatchObject({
      exitCode: 2,
      message: "--description is 8193 characters; at most 8192.",
    });
  });

  it("--prune-tags with only --tag keeps exactly those tags", async () => {
    const options = await syncOptions("--copy-description", "--prune-tags", "--tag", "env=dr");
    expect(options).toMatchObject({ pruneTags: true, copy: { tags: false } });
  });
});
