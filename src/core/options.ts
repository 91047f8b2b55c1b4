// Unknown input (flags, file://, the environment) → typed options, once. After this, trust the types.
import { InvalidArgumentError } from "commander";
import { DEFAULT_TIMEOUTS } from "../aws/backoff.js";
import { usageError } from "./errors.js";
import { readInput, type InputContext } from "./input.js";
import { parseKeyRef, type KeyRef } from "./keys.js";
import { isQuotaName, KMS_QUOTAS, type QuotaName, type QuotaOverrides } from "../aws/quotas.js";
import { redactUrl } from "./redact.js";
import type { UnknownRegionRule } from "./regions.js";
import type { WrappingAlgorithm, WrappingKeySpec } from "./wrap.js";

export type OutputFormat = "text" | "json";

/** A KMS tag, spelt as KMS spells it. */
export interface Tag {
  /** The tag key. */
  readonly TagKey: string;
  /** May be empty. */
  readonly TagValue: string;
}

/** Which of the primary's properties the replicas get (--copy-*). */
export interface CopyFlags {
  readonly tags: boolean;
  readonly description: boolean;
  readonly policy: boolean;
  readonly aliases: boolean;
  /** --copy-enabled: the primary's enabled state (EnableKey / DisableKey); not part of --copy-all. */
  readonly enabled: boolean;
}

export const COPY_NOTHING: CopyFlags = {
  tags: false,
  description: false,
  policy: false,
  aliases: false,
  enabled: false,
};

/** Any of them. */
export function copiesAnything(copy: CopyFlags): boolean {
  return copy.tags || copy.description || copy.policy || copy.aliases || copy.enabled;
}

export interface Policy {
  readonly text: string;
  /** `inline`, or the file it was read from. */
  readonly source: string;
}

/** How to reach AWS and how to report: what every run shares, one key or a fleet. */
export interface ConnectionOptions {
  readonly profile?: string;
  readonly endpointUrl?: string;
  /** --cli-connect-timeout, in ms. */
  readonly connectTimeoutMs: number;
  /** --cli-read-timeout, in ms. */
  readonly readTimeoutMs: number;
  readonly output: OutputFormat;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly color: boolean;
  /** --quota Operation=N: the account's own request quotas, where they were raised. */
  readonly quotas: QuotaOverrides;
  /** A Region the SDK does not list: --strict-regions, --allow-unknown-regions, or neither (src/core/regions.ts). */
  readonly unknownRegions: UnknownRegionRule;
}

/** What every command shares: where the key is, how to reach AWS, how to report. */
export interface CommonOptions extends ConnectionOptions {
  readonly key: KeyRef;
  readonly region?: string;
}

/** What `replicate` does, whatever the key (one, or each of a fleet). */
export interface ReplicateChoices {
  readonly regions: readonly string[];
  readonly description?: string;
  readonly policy?: Policy;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  readonly tags: readonly Tag[];
  readonly timeoutMs: number;
  readonly wait: boolean;
  readonly dryRun: boolean;
  /** ReplicateKey calls in flight at once per primary Region (--concurrency; default: the quota per second, at least 5). */
  readonly concurrency: number;
  /** ReplicateKey requests per second at most (--rate; undefined: the quota's). */
  readonly rate?: number;
  readonly copy: CopyFlags;
}

export interface ReplicateOptions extends CommonOptions, ReplicateChoices {}

export const DEFAULT_TIMEOUT_MS = 20 * 60_000;
export const POLICY_MAX_LENGTH = 32_768;
export const DESCRIPTION_MAX_LENGTH = 8_192;

// ---- commander argument parsers (they throw InvalidArgumentError, which commander reports) ----

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `2m`, `1h`, `1500ms`, or a bare number of seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const amount = match?.[1];
  if (match === null || amount === undefined) {
    throw new InvalidArgumentError(`'${value}' is not a duration; use for example 90s, 2m or 1h.`);
  }
  const ms = Math.round(Number(amount) * (UNITS[match[2] ?? "s"] ?? 1000));
  if (ms <= 0) throw new InvalidArgumentError("the duration must be at least 1 ms.");
  return ms;
}

/**
 * --cli-connect-timeout / --cli-read-timeout: seconds, as in the AWS CLI, into ms. The AWS CLI
 * takes 0 for "never time out"; we promise that every call ends, so 0 is refused.
 */
export function parseTimeoutSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`'${value}' is not a number of seconds.`);
  }
  if (n === 0) {
    throw new InvalidArgumentError(
      "0 would mean no timeout (as in the AWS CLI); kms-replicate bounds every call: give seconds above 0.",
    );
  }
  if (n > 3600) throw new InvalidArgumentError(`'${value}' is more than 3600 seconds.`);
  return Math.max(1, Math.round(n * 1000));
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`'${value}' is not a whole number of at least 1.`);
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a number above 0.`);
  return n;
}

/**
 * --quota Operation=N (repeatable): a request quota the account has raised, in requests per second,
 * for the operations of KMS's quota table (src/aws/quotas.ts).
 */
export function collectQuota(value: string, previous: QuotaOverrides = {}): QuotaOverrides {
  const match = /^\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(value);
  const [name, rate] = [match?.[1], match?.[2]];
  if (name === undefined || rate === undefined) {
    throw new InvalidArgumentError(`'${value}' is not Operation=N (for example ReplicateKey=10).`);
  }
  if (!isQuotaName(name)) {
    const known = Object.keys(KMS_QUOTAS).find((k) => k.toLowerCase() === name.toLowerCase());
    throw new InvalidArgumentError(
      known !== undefined
        ? `'${name}' is not a KMS operation; did you mean ${known}?`
        : `'${name}' is not an operation with a KMS request quota (${Object.keys(KMS_QUOTAS).join(", ")}).`,
    );
  }
  const n = Number(rate);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${rate}' is not a number above 0.`);
  if (Object.hasOwn(previous, name)) throw new InvalidArgumentError(`--quota ${name} is given twice.`);
  return { ...previous, [name satisfies QuotaName]: n };
}

/** KMS: at most 50 tags per key; keys 1–128 and values 0–256 Unicode characters. */
export const TAGS_MAX = 50;
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;
/** What KMS documents for tag keys and values: Unicode letters, digits, white space, and _ . : / = + - @ */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** The field names of the AWS CLI shorthand, e.g. `Key=team,Value=payments`. */
const SHORTHAND_FIELD = /^(Key|Value|TagKey|TagValue)=/;

/**
 * One `--tag`, collected into a list by commander. Two forms:
 * - `Key=Value` (`Key=` for an empty value), split at the first `=`;
 * - the AWS CLI shorthand `Key=team,Value=payments` or `TagKey=team,TagValue=payments`, either
 *   order, exactly these two fields: anything that starts with `Key=`, `Value=`, `TagKey=` or
 *   `TagValue=` is read as the shorthand (so `Key=a` alone is refused, never a tag named "Key").
 * A comma is never part of a tag (KMS does not allow it), so a comma outside the shorthand, or a
 * third field, is refused instead of guessed at. Then what KMS documents: the `aws:` prefix is
 * reserved, lengths in Unicode characters (code points), KMS's character set, at most 50 tags.
 */
export function collectTag(value: string, previous: Tag[] = []): Tag[] {
  const tag = SHORTHAND_FIELD.test(value) ? parseTagShorthand(value) : parseTagPair(value);
  if (tag.TagKey === "") throw new InvalidArgumentError(`'${value}' has an empty tag key.`);
  if (previous.some((t) => t.TagKey === tag.TagKey)) {
    throw new InvalidArgumentError(`tag key '${tag.TagKey}' is given twice; each key may appear once.`);
  }
  checkTag(tag);
  if (previous.length >= TAGS_MAX) {
    throw new InvalidArgumentError(`more than ${TAGS_MAX} tags; KMS allows at most ${TAGS_MAX} per key.`);
  }
  return [...previous, tag];
}

/** The rules KMS documents for one tag. */
function checkTag(tag: Tag): void {
  const what = `tag '${tag.TagKey}'`;
  if (tag.TagKey.toLowerCase().startsWith("aws:")) {
    throw new InvalidArgumentError(`${what}: keys that start with 'aws:' are reserved for AWS.`);
  }
  const keyLength = [...tag.TagKey].length;
  const valueLength = [...tag.TagValue].length;
  if (keyLength > TAG_KEY_MAX || valueLength > TAG_VALUE_MAX) {
    throw new InvalidArgumentError(
      `${what}: keys are at most ${TAG_KEY_MAX} characters, values at most ${TAG_VALUE_MAX} (this key has ${keyLength}, this value ${valueLength}).`,
    );
  }
  for (const [part, text] of [
    ["key", tag.TagKey],
    ["value", tag.TagValue],
  ] as const) {
    if (!TAG_CHARACTERS.test(text)) {
      const bad = [...text].find((ch) => !TAG_CHARACTERS.test(ch)) ?? "";
      throw new InvalidArgumentError(
        `${what}: '${bad}' is not allowed in a tag ${part}; KMS allows letters, digits, spaces and _ . : / = + - @.`,
      );
    }
  }
}

function parseTagPair(value: string): Tag {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`'${value}' is not Key=Value (use Key= for an empty value).`);
  if (value.includes(",")) {
    throw new InvalidArgumentError(
      `'${value}': a tag cannot contain ','. Give one tag per --tag (Key=Value), or the shorthand Key=K,Value=V.`,
    );
  }
  return { TagKey: value.slice(0, at).trim(), TagValue: value.slice(at + 1) };
}

function parseTagShorthand(value: string): Tag {
  const fields = new Map<string, string>();
  // Spaces after a comma are the user's layout (a tag cannot contain a comma), as in the AWS CLI.
  for (const part of value.split(",").map((field) => field.trimStart())) {
    const at = part.indexOf("=");
    const name = at < 0 ? part : part.slice(0, at);
    if (at < 0 || !SHORTHAND_FIELD.test(part) || fields.has(name)) {
      throw new InvalidArgumentError(
        `'${value}' is ambiguous: the shorthand is exactly Key=K,Value=V (or TagKey=K,TagValue=V), and a tag cannot contain ','.`,
      );
    }
    fields.set(name, part.slice(at + 1));
  }
  const family = fields.has("TagKey") || fields.has("TagValue") ? "Tag" : "";
  const key = fields.get(`${family}Key`);
  const tagValue = fields.get(`${family}Value`);
  if (fields.size !== 2 || key === undefined || tagValue === undefined) {
    throw new InvalidArgumentError(
      `'${value}' is not a whole tag: the shorthand is exactly Key=K,Value=V (or TagKey=K,TagValue=V; Value= for an empty value).`,
    );
  }
  return { TagKey: key.trim(), TagValue: tagValue };
}

/** `--regions a,b --regions c` → [a, b, c], trimmed; empty items (a trailing comma) are dropped. */
export function splitRegionArgs(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

// ---- checks that need more than one flag, or a file ----

/** Only tab, LF, CR and U+0020–U+00FF, as ReplicateKey requires. */
const POLICY_CHARACTERS = /^[\t\n\r\u0020-\u00FF]*$/;

export async function loadPolicy(value: string, ctx: InputContext): Promise<Policy> {
  if (!value.startsWith("file://")) {
    checkPolicyText(value, "inline");
    return { text: value, source: "inline" };
  }
  const source = value.slice("file://".length);
  const { bytes } = await readInput(
    {
      label: `--policy file ${source}`,
      path: source,
      maxBytes: POLICY_MAX_LENGTH,
      cap: "KMS's limit for a key policy",
    },
    ctx,
  );
  const text = bytes.toString("utf8");
  checkPolicyText(text, source);
  return { text, source };
}

export function checkPolicyText(text: string, source: string): void {
  const where = source === "inline" ? "--policy" : `--policy file ${source}`;
  if (text.length < 1 || text.length > POLICY_MAX_LENGTH) {
    throw usageError(
      `${where} is ${text.length} characters; a key policy must be 1 to ${POLICY_MAX_LENGTH}.`,
    );
  }
  if (!POLICY_CHARACTERS.test(text)) {
    const bad = [...text].find((ch) => !POLICY_CHARACTERS.test(ch)) ?? "";
    const code = bad.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0") ?? "????";
    throw usageError(
      `${where} contains U+${code}; KMS accepts only tab, LF, CR and U+0020–U+00FF in a key policy.`,
      "Replace typographic quotes and other non-Latin-1 characters.",
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(
      `${where} is not valid JSON: ${(error as Error).message}`,
      "Pass inline JSON or file://path.",
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`;
    throw usageError(
      `${where} is ${kind}; a key policy is a JSON object ({"Version": …, "Statement": […]}).`,
    );
  }
}

/** Raw commander values every command has (strings as typed, or what our parsers made of them). */
export interface RawCommonFlags {
  /** --key, repeatable (a fleet when given more than once). */
  key?: string | readonly string[];
  /** --region, repeatable for --all-primaries. */
  region?: string | readonly string[];
  /** --keys-from FILE or - (stdin). */
  keysFrom?: string;
  allPrimaries?: boolean;
  /** --select-tag Key=Value, repeatable. */
  selectTag?: Tag[];
  profile?: string;
  endpointUrl?: string;
  /** ms, from parseTimeoutSeconds. */
  cliConnectTimeout?: number;
  /** ms, from parseTimeoutSeconds. */
  cliReadTimeout?: number;
  output: OutputFormat;
  quiet?: boolean;
  debug?: boolean;
  color: boolean;
  quota?: QuotaOverrides;
  strictRegions?: boolean;
  allowUnknownRegions?: boolean;
}

/** `wait`: the replicas to wait for (all, or these Regions), and for how long. */
export interface RawWaitFlags extends RawCommonFlags {
  regions?: string[];
  timeout?: number;
}

/** What `wait` does, whatever the key. */
export interface WaitChoices {
  /** Empty: every replica of the key. */
  readonly regions: readonly string[];
  readonly timeoutMs: number;
}

export interface WaitOptions extends CommonOptions, WaitChoices {}

/** The main command. */
export interface RawReplicateFlags extends RawWaitFlags {
  description?: string;
  policy?: string;
  bypassPolicyLockoutSafetyCheck?: boolean;
  tag?: Tag[];
  timeout?: number;
  wait: boolean;
  dryRun?: boolean;
  concurrency?: number;
  rate?: number;
  copyTags?: boolean;
  copyDescription?: boolean;
  copyPolicy?: boolean;
  copyAliases?: boolean;
  copyEnabled?: boolean;
  copyAll?: boolean;
}

/** The first of a flag given once or repeated (one key's run has one --key and one --region). */
const firstOf = (value: string | readonly string[] | undefined): string | undefined =>
  typeof value === "string" ? value : value?.[0];

export function toCommonOptions(flags: RawCommonFlags): CommonOptions {
  const many = typeof flags.key === "object" && flags.key.length > 1;
  if (many || flags.keysFrom !== undefined || flags.allPrimaries === true) {
    // The fleet commands (replicate, wait, status, sync, promote) never come here with a selection.
    throw usageError(
      `${many ? "--key is given more than once" : flags.allPrimaries === true ? "--all-primaries" : "--keys-from"}: this command works on one key.`,
      "Give one --key.",
    );
  }
  const key = firstOf(flags.key);
  if (key === undefined) {
    throw usageError(
      "--key is required: the multi-Region primary key (key ID, key ARN, alias/NAME or alias ARN); or --keys-from FILE, or --all-primaries.",
    );
  }
  const regions = typeof flags.region === "string" ? [flags.region] : (flags.region ?? []);
  if (regions.length > 1) {
    throw usageError(
      `--region is given ${regions.length} times; a key is in one Region (several Regions are for --all-primaries).`,
    );
  }
  return {
    ...toConnectionOptions(flags),
    key: parseKeyRef(key),
    region: emptyToUndefined(firstOf(flags.region)),
  };
}

export function toConnectionOptions(flags: RawCommonFlags): ConnectionOptions {
  return {
    profile: emptyToUndefined(flags.profile),
    endpointUrl: checkEndpoint(flags.endpointUrl),
    connectTimeoutMs: flags.cliConnectTimeout ?? DEFAULT_TIMEOUTS.connectMs,
    readTimeoutMs: flags.cliReadTimeout ?? DEFAULT_TIMEOUTS.readMs,
    output: flags.output,
    quiet: flags.quiet ?? false,
    debug: flags.debug ?? false,
    color: flags.color,
    quotas: flags.quota ?? {},
    unknownRegions: unknownRegionRule(flags),
  };
}

/** --strict-regions and --allow-unknown-regions ask for opposite things: both is a usage error. */
function unknownRegionRule(flags: RawCommonFlags): UnknownRegionRule {
  if (flags.strictRegions === true && flags.allowUnknownRegions === true) {
    throw usageError(
      "--strict-regions and --allow-unknown-regions exclude each other: the first refuses every Region this AWS SDK does not know, the second tries each one.",
      "Keep --allow-unknown-regions for a Region newer than the SDK; drop it to have typos refused.",
    );
  }
  if (flags.strictRegions === true) return "refuse";
  return flags.allowUnknownRegions === true ? "allow" : "typos";
}

/** KMS counts a description's characters (code points), not UTF-16 units: at most 8192. */
function checkDescription(description: string | undefined): void {
  const length = description === undefined ? 0 : [...description].length;
  if (length > DESCRIPTION_MAX_LENGTH) {
    throw usageError(`--description is ${length} characters; at most ${DESCRIPTION_MAX_LENGTH}.`);
  }
}

export async function toReplicateOptions(
  flags: RawReplicateFlags,
  inputs: InputContext,
): Promise<ReplicateOptions> {
  const choices = await toReplicateChoices(flags, inputs);
  return { ...toCommonOptions(flags), ...choices };
}

export async function toReplicateChoices(
  flags: RawReplicateFlags,
  inputs: InputContext,
): Promise<ReplicateChoices> {
  const regions = splitRegionArgs(flags.regions ?? []);
  if (regions.length === 0) {
    throw usageError("--regions names no Region.", "Example: --regions eu-west-1,ap-southeast-2");
  }
  checkDescription(flags.description);
  const copyPolicy = flags.copyAll === true || flags.copyPolicy === true;
  if (flags.bypassPolicyLockoutSafetyCheck === true && flags.policy === undefined && !copyPolicy) {
    throw usageError(
      "--bypass-policy-lockout-safety-check only applies together with --policy or --copy-policy.",
    );
  }
  const rate = flags.rate ?? flags.quota?.ReplicateKey ?? 5;
  return {
    regions,
    description: flags.description,
    policy: flags.policy === undefined ? undefined : await loadPolicy(flags.policy, inputs),
    bypassPolicyLockoutSafetyCheck: flags.bypassPolicyLockoutSafetyCheck ?? false,
    tags: flags.tag ?? [],
    timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
    wait: flags.wait,
    dryRun: flags.dryRun ?? false,
    // One second's worth of the quota in flight keeps it busy up to a second of round trip.
    concurrency: flags.concurrency ?? Math.max(5, Math.ceil(rate)),
    rate: flags.rate,
    copy: {
      tags: flags.copyAll === true || flags.copyTags === true,
      description: flags.copyAll === true || flags.copyDescription === true,
      policy: flags.copyAll === true || flags.copyPolicy === true,
      aliases: flags.copyAll === true || flags.copyAliases === true,
      enabled: flags.copyEnabled === true,
    },
  };
}

export function toWaitOptions(flags: RawWaitFlags): WaitOptions {
  return { ...toCommonOptions(flags), ...toWaitChoices(flags) };
}

export function toWaitChoices(flags: RawWaitFlags): WaitChoices {
  return {
    regions: splitRegionArgs(flags.regions ?? []),
    timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
  };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** The port of a URL as written (`:99999`), before URL parsing refuses it without saying why. */
const URL_PORT = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)(?:[/?#]|$)/i;

/** A port out of range, named by itself (the URL may carry a user and password). */
function checkPort(value: string, name: string): void {
  const port = URL_PORT.exec(value)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) {
    throw usageError(`${name}: the port ${port} is out of range; a port is 1 to 65535.`);
  }
}

const isHttpUrl = (value: string): boolean =>
  URL.canParse(value) && ["http:", "https:"].includes(new URL(value).protocol);

function checkEndpoint(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  checkPort(value, "--endpoint-url");
  if (!isHttpUrl(value)) throw usageError(`--endpoint-url ${redactUrl(value)} is not an http(s) URL.`);
  return value;
}

/**
 * Without --endpoint-url, the SDK sends every call to AWS_ENDPOINT_URL_KMS, else AWS_ENDPOINT_URL
 * (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true): checked as --endpoint-url is, before any
 * call, instead of the SDK's "TypeError: Invalid URL" on the first one. The value is not echoed.
 */
export function checkEndpointEnvironment(env: NodeJS.ProcessEnv): void {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true") return;
  const name = (["AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL"] as const).find((n) => (env[n] ?? "") !== "");
  const value = name === undefined ? undefined : env[name];
  if (name === undefined || value === undefined) return;
  checkPort(value, name);
  if (!isHttpUrl(value)) {
    throw usageError(`${name} is not an http(s) URL.`, `Set it like http://127.0.0.1:4566, or unset it.`);
  }
}

/** `promote`: the Region whose replica becomes the primary, and how long to wait. */
export interface RawPromoteFlags extends RawCommonFlags {
  to?: string;
  timeout?: number;
  dryRun?: boolean;
}

/** What `promote` does, whatever the key. */
export interface PromoteChoices {
  /** The Region whose replica becomes the primary (trimmed; checked in promotion.ts). */
  readonly to: string;
  readonly timeoutMs: number;
  readonly dryRun: boolean;
}

export interface PromoteOptions extends CommonOptions, PromoteChoices {}

export function toPromoteOptions(flags: RawPromoteFlags): PromoteOptions {
  const choices = toPromoteChoices(flags);
  return { ...toCommonOptions(flags), ...choices };
}

export function toPromoteChoices(flags: RawPromoteFlags): PromoteChoices {
  const to = flags.to?.trim() ?? "";
  if (to === "") {
    throw usageError(
      "--to is required: the Region whose replica becomes the primary.",
      "Example: --to eu-west-1",
    );
  }
  return {
    to,
    timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
    dryRun: flags.dryRun ?? false,
  };
}

// ---- sync ----

/** `sync`: the replicas to bring in line (all, or these Regions) and what they should have. */
export interface RawSyncFlags extends RawWaitFlags {
  description?: string;
  policy?: string;
  bypassPolicyLockoutSafetyCheck?: boolean;
  tag?: Tag[];
  copyTags?: boolean;
  copyDescription?: boolean;
  copyPolicy?: boolean;
  copyAliases?: boolean;
  copyEnabled?: boolean;
  copyAll?: boolean;
  pruneTags?: boolean;
  pruneAliases?: boolean;
  forceAliases?: boolean;
  dryRun?: boolean;
}

/** What `sync` does, whatever the key. */
export interface SyncChoices {
  /** Empty: every replica of the key. */
  readonly regions: readonly string[];
  readonly description?: string;
  readonly policy?: Policy;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  readonly tags: readonly Tag[];
  /** Without any --copy-* flag: --copy-all (the enabled state only with --copy-enabled). */
  readonly copy: CopyFlags;
  readonly pruneTags: boolean;
  readonly pruneAliases: boolean;
  readonly forceAliases: boolean;
  readonly dryRun: boolean;
  /** How long to wait for replicas that are Creating (or Updating) before syncing them. */
  readonly timeoutMs: number;
}

export interface SyncOptions extends CommonOptions, SyncChoices {}

export async function toSyncOptions(flags: RawSyncFlags, inputs: InputContext): Promise<SyncOptions> {
  const choices = await toSyncChoices(flags, inputs);
  return { ...toCommonOptions(flags), ...choices };
}

/**
 * Why the primary's tags or aliases are not copied: the --copy-… options given name what is
 * copied, and the default --copy-all applies only when none is given.
 */
function whatIsCopied(flags: RawSyncFlags): string {
  const named = (
    [
      ["--copy-tags", flags.copyTags],
      ["--copy-description", flags.copyDescription],
      ["--copy-policy", flags.copyPolicy],
      ["--copy-aliases", flags.copyAliases],
      ["--copy-enabled", flags.copyEnabled],
    ] as const
  ).flatMap(([flag, given]) => (given === true ? [flag] : []));
  return `${named.join(" and ")} ${named.length === 1 ? "names" : "name"} what is copied (--copy-all is the default only when no --copy-… option is given)`;
}

export async function toSyncChoices(flags: RawSyncFlags, inputs: InputContext): Promise<SyncChoices> {
  checkDescription(flags.description);
  const named =
    flags.copyAll === true ||
    flags.copyTags === true ||
    flags.copyDescription === true ||
    flags.copyPolicy === true ||
    flags.copyAliases === true;
  // No --copy-* flag at all: the primary's tags, description, policy and aliases (--copy-all).
  const all = flags.copyAll === true || (!named && flags.copyEnabled !== true);
  const copy: CopyFlags = {
    tags: all || flags.copyTags === true,
    description: all || flags.copyDescription === true,
    policy: all || flags.copyPolicy === true,
    aliases: all || flags.copyAliases === true,
    enabled: flags.copyEnabled === true,
  };
  if (flags.bypassPolicyLockoutSafetyCheck === true && flags.policy === undefined && !copy.policy) {
    throw usageError(
      "--bypass-policy-lockout-safety-check only applies together with --policy or --copy-policy.",
    );
  }
  if (flags.pruneTags === true && !copy.tags && (flags.tag ?? []).length === 0) {
    throw usageError(
      `--prune-tags removes every tag not in the desired state, but this run has no tags to keep: ${whatIsCopied(flags)}, and no --tag was given.`,
      "Add --copy-tags (or --copy-all) to keep the primary's tags, or --tag for the tags to keep.",
    );
  }
  if (flags.pruneAliases === true && !copy.aliases) {
    throw usageError(
      `--prune-aliases deletes the aliases the primary does not have, but this run does not copy the primary's aliases: ${whatIsCopied(flags)}.`,
      "Add --copy-aliases (or --copy-all).",
    );
  }
  if (flags.forceAliases === true && !copy.aliases) {
    throw usageError(
      `--force-aliases moves the primary's aliases onto the replicas, but this run does not copy the primary's aliases: ${whatIsCopied(flags)}.`,
      "Add --copy-aliases (or --copy-all).",
    );
  }
  return {
    regions: splitRegionArgs(flags.regions ?? []),
    description: flags.description,
    policy: flags.policy === undefined ? undefined : await loadPolicy(flags.policy, inputs),
    bypassPolicyLockoutSafetyCheck: flags.bypassPolicyLockoutSafetyCheck ?? false,
    tags: flags.tag ?? [],
    copy,
    pruneTags: flags.pruneTags ?? false,
    pruneAliases: flags.pruneAliases ?? false,
    forceAliases: flags.forceAliases ?? false,
    dryRun: flags.dryRun ?? false,
    timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
  };
}

// ---- imported key material (--key-material and its companions) ----

/** Raw commander values of the import flags (replicate, import-material, rotate-material). */
export interface RawImportFlags {
  /** fileb://PATH or -, from parseMaterialSource. */
  keyMaterial?: string;
  wrappingAlgorithm?: WrappingAlgorithm;
  wrappingKeySpec?: WrappingKeySpec;
  /** From parseValidTo. */
  validTo?: Date;
  /** false: --no-expiry. */
  expiry?: boolean;
}

export interface ImportOptions {
  /** Where the material is read from (fileb://PATH, or - for stdin); never the material. */
  readonly keyMaterial: string;
  readonly wrapping: { readonly algorithm?: WrappingAlgorithm; readonly keySpec?: WrappingKeySpec };
  readonly validTo?: Date;
  readonly noExpiry: boolean;
}

/** The import flags; undefined when --key-material is not given (and then none of the others may be). */
export function toImportOptions(flags: RawImportFlags): ImportOptions | undefined {
  if (flags.keyMaterial === undefined) {
    const given = [
      flags.wrappingAlgorithm !== undefined ? "--wrapping-algorithm" : undefined,
      flags.wrappingKeySpec !== undefined ? "--wrapping-key-spec" : undefined,
      flags.validTo !== undefined ? "--valid-to" : undefined,
      flags.expiry === false ? "--no-expiry" : undefined,
    ].filter((name) => name !== undefined);
    if (given.length > 0) throw usageError(`${given.join(", ")} only applies together with --key-material.`);
    return undefined;
  }
  if (flags.validTo !== undefined && flags.expiry === false) {
    throw usageError("--valid-to and --no-expiry exclude each other.");
  }
  return {
    keyMaterial: flags.keyMaterial,
    wrapping: { algorithm: flags.wrappingAlgorithm, keySpec: flags.wrappingKeySpec },
    validTo: flags.validTo,
    noExpiry: flags.expiry === false,
  };
}
