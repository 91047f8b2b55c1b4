import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { InvalidArgumentError } from "commander";
import { afterAll, beforeAll, describe, it, expect } from "vitest";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import {
  checkEndpointEnvironment,
  checkPolicyText,
  collectTag,
  DEFAULT_TIMEOUT_MS,
  loadPolicy,
  parseDuration,
  POLICY_MAX_LENGTH,
  splitRegionArgs,
  toReplicateOptions,
  toSyncOptions,
  type RawReplicateFlags,
  type RawSyncFlags,
  type Tag,
  collectQuota,
} from "../../../src/core/options.js";
import { inputsAt } from "../../support/inputs.js";

const execFileAsync = promisify(execFile);
const KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";

/** Runs `fn` and returns the usage error (exit 2) it throws. */
async function usageErrorOf(fn: () => unknown): Promise<ReplicateError> {
  try {
    await fn();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error;
    throw error;
  }
  throw new Error("expected a usage error");
}

/** A JSON policy of exactly `length` characters. */
function policyOfLength(length: number): string {
  const shell = '{"Version":"2012-10-17","Pad":""}';
  const text = shell.replace('""', `"${"x".repeat(length - shell.length)}"`);
  expect(text).toHaveLength(length);
  return text;
}

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

describe("loadPolicy and checkPolicyText", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kms-replicate-options-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads file:// relative to the working directory and names the file as the source", async () => {
    // GIVEN a policy file in a temporary working directory
    const text = '{"Version":"2012-10-17","Statement":[]}';
    await writeFile(join(dir, "policy.json"), text);
    // WHEN
    const policy = await loadPolicy("file://policy.json", inputsAt(dir));
    // THEN
    expect(policy).toEqual({ text, source: "policy.json" });
  });

  it("keeps inline JSON as it is", async () => {
    // GIVEN / WHEN
    const policy = await loadPolicy('{"Version":"2012-10-17"}', inputsAt(dir));
    // THEN
    expect(policy).toEqual({ text: '{"Version":"2012-10-17"}', source: "inline" });
  });

  it("says which file it cannot read, and why", async () => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => loadPolicy("file://missing.json", inputsAt(dir)));
    // THEN
    expect(error.message).toContain("missing.json");
    expect(error.message).toContain("ENOENT");
  });

  it("accepts 32768 characters and refuses 32769", async () => {
    // GIVEN
    const max = policyOfLength(POLICY_MAX_LENGTH);
    const over = policyOfLength(POLICY_MAX_LENGTH + 1);
    // WHEN / THEN
    expect(() => checkPolicyText(max, "inline")).not.toThrow();
    const error = await usageErrorOf(() => checkPolicyText(over, "inline"));
    expect(error.message).toContain("32769 characters");
  });

  it("refuses an empty policy", async () => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => checkPolicyText("", "inline"));
    // THEN
    expect(error.message).toContain("is 0 characters");
  });

  it("names a character outside U+0020–U+00FF, such as a typographic quote", async () => {
    // GIVEN a policy pasted from a word processor, in a file
    await writeFile(join(dir, "quotes.json"), '{"Sid": \u201cAllowAll\u201d}');
    // WHEN
    const error = await usageErrorOf(() => loadPolicy("file://quotes.json", inputsAt(dir)));
    // THEN
    expect(error.message).toContain("U+201C");
    expect(error.message).toContain("quotes.json");
    expect(error.hint).toMatch(/typographic quotes/);
  });

  it("accepts tab, LF, CR and Latin-1 characters", () => {
    // GIVEN
    const text = '{\t"Description": "caf\u00e9 \u00ff"\r\n}';
    // WHEN / THEN
    expect(() => checkPolicyText(text, "inline")).not.toThrow();
  });

  it.each([
    { text: "42", kind: "a number" },
    { text: "[]", kind: "an array" },
    { text: '[{"Version":"2012-10-17"}]', kind: "an array" },
    { text: "null", kind: "null" },
    { text: '"policy"', kind: "a string" },
    { text: "true", kind: "a boolean" },
  ])("refuses JSON that is not an object: $text", async ({ text, kind }) => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => checkPolicyText(text, "inline"));
    // THEN
    expect(error.message).toBe(
      `--policy is ${kind}; a key policy is a JSON object ({"Version": …, "Statement": […]}).`,
    );
  });

  it("refuses a directory", async () => {
    // GIVEN
    const path = join(dir, `policy-${Math.random().toString(36).slice(2)}.d`);
    await mkdir(path);
    // WHEN
    const error = await usageErrorOf(() => loadPolicy(`file://${path}`, inputsAt(dir)));
    // THEN
    expect(error.message).toBe(`--policy file ${path} is a directory.`);
  });

  it("reads a FIFO once its writer has written (as file://<(jq …) gives it)", async () => {
    // GIVEN a FIFO whose writer comes later
    const path = join(dir, `policy-${Math.random().toString(36).slice(2)}.fifo`);
    await execFileAsync("mkfifo", [path]);
    const writer = execFileAsync("sh", ["-c", `sleep 0.2; printf '{"Version":"2012-10-17"}' > ${path}`]);
    // WHEN
    const policy = await loadPolicy(`file://${path}`, inputsAt(dir));
    await writer;
    // THEN
    expect(policy).toEqual({ text: '{"Version":"2012-10-17"}', source: path });
  });

  it("gives up on a FIFO with no writer at the deadline, naming it", async () => {
    // GIVEN
    const path = join(dir, `policy-${Math.random().toString(36).slice(2)}.fifo`);
    await execFileAsync("mkfifo", [path]);
    // WHEN
    const error = await usageErrorOf(() =>
      loadPolicy(
        `file://${path}`,
        inputsAt(dir, { deadline: performance.now() + 200, deadlineName: "--timeout 200ms" }),
      ),
    );
    // THEN
    expect(error.message).toBe(
      `--policy file ${path}: no writer came within --timeout 200ms; nothing was read.`,
    );
  });

  it("stops reading a device such as /dev/zero one byte past 32768", async () => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => loadPolicy("file:///dev/zero", inputsAt(dir)));
    // THEN
    expect(error.message).toBe(
      "--policy file /dev/zero is more than 32768 bytes (32 KiB), KMS's limit for a key policy; reading stopped there.",
    );
  });

  it("refuses a file over 32768 bytes as too long", async () => {
    // GIVEN a 1 MB file
    await writeFile(join(dir, "huge.json"), `{"Pad":"${"x".repeat(1_000_000)}"}`);
    // WHEN
    const error = await usageErrorOf(() => loadPolicy("file://huge.json", inputsAt(dir)));
    // THEN
    expect(error.message).toBe(
      "--policy file huge.json is more than 32768 bytes (32 KiB), KMS's limit for a key policy; reading stopped there.",
    );
  });

  it("reads a file of exactly 32768 bytes", async () => {
    // GIVEN
    await writeFile(join(dir, "max.json"), policyOfLength(POLICY_MAX_LENGTH));
    // WHEN / THEN
    await expect(loadPolicy("file://max.json", inputsAt(dir))).resolves.toMatchObject({ source: "max.json" });
  });

  it("reads a file through a symbolic link", async () => {
    // GIVEN
    await writeFile(join(dir, "target.json"), "{}");
    await symlink(join(dir, "target.json"), join(dir, "link.json"));
    // WHEN / THEN
    await expect(loadPolicy("file://link.json", inputsAt(dir))).resolves.toEqual({
      text: "{}",
      source: "link.json",
    });
  });

  it("refuses invalid JSON and says so", async () => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => checkPolicyText('{"Version": ', "inline"));
    // THEN
    expect(error.message).toMatch(/^--policy is not valid JSON: /);
  });
});

describe("toReplicateOptions", () => {
  const base: RawReplicateFlags = {
    key: KEY_ARN,
    regions: ["eu-west-1,ap-southeast-2"],
    output: "text",
    color: true,
    wait: true,
  };

  it("fills the defaults", async () => {
    // GIVEN / WHEN
    const options = await toReplicateOptions(base, inputsAt("/"));
    // THEN
    expect(options).toMatchObject({
      key: { kind: "key-arn", region: "us-east-1" },
      regions: ["eu-west-1", "ap-southeast-2"],
      unknownRegions: "typos",
      tags: [],
      bypassPolicyLockoutSafetyCheck: false,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      wait: true,
      dryRun: false,
      concurrency: 5,
      rate: undefined,
      quotas: {},
      quiet: false,
      debug: false,
      copy: { tags: false, description: false, policy: false, aliases: false },
    });
    expect(options.policy).toBeUndefined();
    expect(options.description).toBeUndefined();
  });

  it.each([
    { flags: { strictRegions: true }, rule: "refuse" },
    { flags: { allowUnknownRegions: true }, rule: "allow" },
    { flags: {}, rule: "typos" },
  ])("the Region rule of $flags is $rule", async ({ flags, rule }) => {
    expect((await toReplicateOptions({ ...base, ...flags }, inputsAt("/"))).unknownRegions).toBe(rule);
  });

  it("refuses --strict-regions with --allow-unknown-regions (exit 2)", async () => {
    await expect(
      toReplicateOptions({ ...base, strictRegions: true, allowUnknownRegions: true }, inputsAt("/")),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /--strict-regions and --allow-unknown-regions exclude each other/,
      ) as unknown,
    });
  });

  it("--copy-all turns on the four property copies, not the enabled state", async () => {
    // GIVEN / WHEN
    const options = await toReplicateOptions({ ...base, copyAll: true }, inputsAt("/"));
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
    const options = await toReplicateOptions({ ...base, copyEnabled: true }, inputsAt("/"));
    expect(options.copy).toEqual({
      tags: false,
      description: false,
      policy: false,
      aliases: false,
      enabled: true,
    });
  });

  it.each([
    { name: "no --key", flags: { key: undefined }, message: /--key is required/ },
    { name: "no Region", flags: { regions: [" , "] }, message: /--regions names no Region/ },
    { name: "no --regions", flags: { regions: undefined }, message: /--regions names no Region/ },
    {
      name: "a description over 8192 characters",
      flags: { description: "d".repeat(8193) },
      message: /8193 characters; at most 8192/,
    },
    {
      name: "--bypass-policy-lockout-safety-check alone",
      flags: { bypassPolicyLockoutSafetyCheck: true },
      message: /only applies together with --policy or --copy-policy/,
    },
    {
      name: "a non-http endpoint",
      flags: { endpointUrl: "ftp://localhost" },
      message: /not an http\(s\) URL/,
    },
    {
      name: "an unparsable endpoint",
      flags: { endpointUrl: "localhost:4566" },
      message: /not an http\(s\) URL/,
    },
    ...[
      "http://127.0.0.1:99999",
      "http://127.0.0.1:0",
      "https://user:secret@kms.example:65536/path",
      "http://[::1]:70000",
    ].map((endpointUrl) => ({
      name: `the port of ${endpointUrl}`,
      flags: { endpointUrl },
      // the port, never the URL (it may carry a password)
      message: /^--endpoint-url: the port \d+ is out of range; a port is 1 to 65535\.$/,
    })),
  ])("refuses $name", async ({ flags, message }) => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => toReplicateOptions({ ...base, ...flags }, inputsAt("/")));
    // THEN
    expect(error.message).toMatch(message);
  });

  it.each([
    { name: "--policy", flags: { policy: '{"Version":"2012-10-17"}' } },
    { name: "--copy-policy", flags: { copyPolicy: true } },
    { name: "--copy-all", flags: { copyAll: true } },
  ])("accepts --bypass-policy-lockout-safety-check with $name", async ({ flags }) => {
    // GIVEN / WHEN
    const options = await toReplicateOptions(
      { ...base, ...flags, bypassPolicyLockoutSafetyCheck: true },
      inputsAt("/"),
    );
    // THEN
    expect(options.bypassPolicyLockoutSafetyCheck).toBe(true);
  });

  it("accepts a description of exactly 8192 characters", async () => {
    // GIVEN / WHEN
    const options = await toReplicateOptions({ ...base, description: "d".repeat(8192) }, inputsAt("/"));
    // THEN
    expect(options.description).toHaveLength(8192);
  });

  it("treats an empty --region and --profile as not given", async () => {
    // GIVEN / WHEN
    const options = await toReplicateOptions({ ...base, region: " ", profile: "" }, inputsAt("/"));
    // THEN
    expect(options.region).toBeUndefined();
    expect(options.profile).toBeUndefined();
  });
});

describe("toSyncOptions", () => {
  const base: RawSyncFlags = { key: KEY_ARN, output: "text", color: true };
  const ALL = { tags: true, description: true, policy: true, aliases: true, enabled: false };

  it("without any --copy-*: the primary's tags, description, policy and aliases (--copy-all), every replica", async () => {
    // GIVEN / WHEN
    const options = await toSyncOptions(base, inputsAt("/"));
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

  it("explicit values override the default --copy-all; they do not narrow it", async () => {
    const options = await toSyncOptions({ ...base, tag: [{ TagKey: "env", TagValue: "dr" }] }, inputsAt("/"));
    expect(options.copy).toEqual(ALL);
    expect(options.tags).toEqual([{ TagKey: "env", TagValue: "dr" }]);
  });

  it.each<[Partial<RawSyncFlags>, object]>([
    [{ copyTags: true }, { tags: true, description: false, policy: false, aliases: false, enabled: false }],
    [
      { copyEnabled: true },
      { tags: false, description: false, policy: false, aliases: false, enabled: true },
    ],
    [
      { copyAll: true, copyEnabled: true },
      { ...ALL, enabled: true },
    ],
  ])("--copy-* flags name exactly what is copied: %j", async (flags, copy) => {
    expect((await toSyncOptions({ ...base, ...flags }, inputsAt("/"))).copy).toEqual(copy);
  });

  it.each<[string, Partial<RawSyncFlags>, RegExp]>([
    [
      "--prune-tags with nothing to keep",
      { copyDescription: true, pruneTags: true },
      /^--prune-tags removes every tag not in the desired state, but this run has no tags to keep: --copy-description names what is copied \(--copy-all is the default only when no --copy-… option is given\), and no --tag was given\.$/,
    ],
    [
      "--prune-tags with --copy-enabled alone (it names what is copied: no tags)",
      { copyEnabled: true, pruneTags: true },
      /^--prune-tags .*: --copy-enabled names what is copied \(--copy-all is the default only when no --copy-… option is given\)/,
    ],
    [
      "--prune-aliases without --copy-aliases",
      { copyTags: true, copyEnabled: true, pruneAliases: true },
      /^--prune-aliases deletes the aliases the primary does not have, but this run does not copy the primary's aliases: --copy-tags and --copy-enabled name what is copied/,
    ],
    [
      "--force-aliases without --copy-aliases",
      { copyTags: true, forceAliases: true },
      /^--force-aliases moves the primary's aliases onto the replicas, but this run does not copy the primary's aliases: --copy-tags names/,
    ],
    [
      "--bypass… without a policy",
      { copyTags: true, bypassPolicyLockoutSafetyCheck: true },
      /only applies together/,
    ],
    ["a description over 8192 characters", { description: "d".repeat(8193) }, /at most 8192/],
  ])("refuses %s (exit 2)", async (_name, flags, message) => {
    await expect(toSyncOptions({ ...base, ...flags }, inputsAt("/"))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(message) as unknown,
    });
  });

  it.each(["http://127.0.0.1:1", "http://127.0.0.1:65535", "https://kms.example", "http://[::1]:4566/x"])(
    "accepts the endpoint %s",
    async (endpointUrl) => {
      expect((await toSyncOptions({ ...base, endpointUrl }, inputsAt("/"))).endpointUrl).toBe(endpointUrl);
    },
  );

  it("counts a description in characters, as KMS does: 8192 four-byte characters are accepted, 8193 are not", async () => {
    const description = "\u{20000}".repeat(8192); // 16384 UTF-16 units
    expect((await toSyncOptions({ ...base, description }, inputsAt("/"))).description).toBe(description);
    await expect(
      toSyncOptions({ ...base, description: `${description}x` }, inputsAt("/")),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: "--description is 8193 characters; at most 8192.",
    });
  });

  it("--prune-tags with only --tag keeps exactly those tags", async () => {
    const options = await toSyncOptions(
      { ...base, copyDescription: true, pruneTags: true, tag: [{ TagKey: "env", TagValue: "dr" }] },
      inputsAt("/"),
    );
    expect(options).toMatchObject({ pruneTags: true, copy: { tags: false } });
  });
});

describe("checkEndpointEnvironment", () => {
  it.each([
    { env: {}, error: undefined },
    { env: { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:4566" }, error: undefined },
    {
      env: { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:99999" },
      error: /^AWS_ENDPOINT_URL_KMS: the port 99999 is out of range/,
    },
    {
      env: { AWS_ENDPOINT_URL: "https://u:secret@h:70000" },
      error: /^AWS_ENDPOINT_URL: the port 70000 is out of range; a port is 1 to 65535\.$/,
    },
    { env: { AWS_ENDPOINT_URL: "localhost:4566" }, error: /^AWS_ENDPOINT_URL is not an http\(s\) URL\.$/ },
    // the KMS one is the one the SDK uses
    {
      env: { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:4566", AWS_ENDPOINT_URL: "nonsense" },
      error: undefined,
    },
    { env: { AWS_ENDPOINT_URL_KMS: "", AWS_ENDPOINT_URL: "nonsense" }, error: /^AWS_ENDPOINT_URL is not/ },
    // the SDK ignores them then
    {
      env: { AWS_ENDPOINT_URL_KMS: "nonsense", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
      error: undefined,
    },
  ])("$env", ({ env, error }) => {
    if (error === undefined) expect(() => checkEndpointEnvironment(env)).not.toThrow();
    else expect(() => checkEndpointEnvironment(env)).toThrow(error);
  });
});
