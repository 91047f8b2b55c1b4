// Unknown input (flags, file://, the environment) → typed options, once. After this, trust the types.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { DEFAULT_TIMEOUTS } from "./backoff.js";
import { usageError } from "./errors.js";
import type { CopyFlags } from "./copy.js";
import { parseKeyRef, type KeyRef } from "./keys.js";

export type OutputFormat = "text" | "json";

export interface Tag {
  readonly TagKey: string;
  readonly TagValue: string;
}

export interface Policy {
  readonly text: string;
  /** `inline`, or the file it was read from. */
  readonly source: string;
}

/** What every command shares: where the key is, how to reach AWS, how to report. */
export interface CommonOptions {
  readonly key: KeyRef;
  readonly region?: string;
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
}

export interface ReplicateOptions extends CommonOptions {
  readonly regions: readonly string[];
  readonly strictRegions: boolean;
  readonly description?: string;
  readonly policy?: Policy;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  readonly tags: readonly Tag[];
  readonly timeoutMs: number;
  readonly wait: boolean;
  readonly dryRun: boolean;
  readonly concurrency: number;
  /** ReplicateKey requests per second at most. */
  readonly rate: number;
  readonly copy: CopyFlags;
}

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

/** `Key=Value`, `Key=` for an empty value; collected into a list by commander. */
export function collectTag(value: string, previous: Tag[] = []): Tag[] {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`'${value}' is not Key=Value (use Key= for an empty value).`);
  const tag = { TagKey: value.slice(0, at).trim(), TagValue: value.slice(at + 1) };
  if (tag.TagKey === "") throw new InvalidArgumentError(`'${value}' has an empty tag key.`);
  if (previous.some((t) => t.TagKey === tag.TagKey)) {
    throw new InvalidArgumentError(`tag key '${tag.TagKey}' is given twice; each key may appear once.`);
  }
  if (tag.TagKey.length > 128 || tag.TagValue.length > 256) {
    throw new InvalidArgumentError(
      `tag '${tag.TagKey}': keys are at most 128 characters, values at most 256.`,
    );
  }
  return [...previous, tag];
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

export async function loadPolicy(value: string, cwd: string): Promise<Policy> {
  let text = value;
  let source = "inline";
  if (value.startsWith("file://")) {
    const path = value.slice("file://".length);
    source = path;
    try {
      text = await readFile(resolve(cwd, path), "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw usageError(`--policy: cannot read ${path} (${reason}).`);
    }
  }
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
  try {
    JSON.parse(text);
  } catch (error) {
    throw usageError(
      `${where} is not valid JSON: ${(error as Error).message}`,
      "Pass inline JSON or file://path.",
    );
  }
}

/** Raw commander values every command has (strings as typed, or what our parsers made of them). */
export interface RawCommonFlags {
  key?: string;
  region?: string;
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
}

/** `wait`: the replicas to wait for (all, or these Regions), and for how long. */
export interface RawWaitFlags extends RawCommonFlags {
  regions?: string[];
  timeout?: number;
}

export interface WaitOptions extends CommonOptions {
  /** Empty: every replica of the key. */
  readonly regions: readonly string[];
  readonly timeoutMs: number;
}

/** The main command. */
export interface RawReplicateFlags extends RawWaitFlags {
  strictRegions?: boolean;
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
  copyAll?: boolean;
}

export function toCommonOptions(flags: RawCommonFlags): CommonOptions {
  if (flags.key === undefined) {
    throw usageError(
      "--key is required: the multi-Region primary key (key ID, key ARN, alias/NAME or alias ARN).",
    );
  }
  return {
    key: parseKeyRef(flags.key),
    region: emptyToUndefined(flags.region),
    profile: emptyToUndefined(flags.profile),
    endpointUrl: checkEndpoint(flags.endpointUrl),
    connectTimeoutMs: flags.cliConnectTimeout ?? DEFAULT_TIMEOUTS.connectMs,
    readTimeoutMs: flags.cliReadTimeout ?? DEFAULT_TIMEOUTS.readMs,
    output: flags.output,
    quiet: flags.quiet ?? false,
    debug: flags.debug ?? false,
    color: flags.color,
  };
}

export async function toReplicateOptions(flags: RawReplicateFlags, cwd: string): Promise<ReplicateOptions> {
  const regions = splitRegionArgs(flags.regions ?? []);
  if (regions.length === 0) {
    throw usageError("--regions names no Region.", "Example: --regions eu-west-1,ap-southeast-2");
  }
  if (flags.description !== undefined && flags.description.length > DESCRIPTION_MAX_LENGTH) {
    throw usageError(
      `--description is ${flags.description.length} characters; at most ${DESCRIPTION_MAX_LENGTH}.`,
    );
  }
  const copyPolicy = flags.copyAll === true || flags.copyPolicy === true;
  if (flags.bypassPolicyLockoutSafetyCheck === true && flags.policy === undefined && !copyPolicy) {
    throw usageError(
      "--bypass-policy-lockout-safety-check only applies together with --policy or --copy-policy.",
    );
  }
  return {
    ...toCommonOptions(flags),
    regions,
    strictRegions: flags.strictRegions ?? false,
    description: flags.description,
    policy: flags.policy === undefined ? undefined : await loadPolicy(flags.policy, cwd),
    bypassPolicyLockoutSafetyCheck: flags.bypassPolicyLockoutSafetyCheck ?? false,
    tags: flags.tag ?? [],
    timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
    wait: flags.wait,
    dryRun: flags.dryRun ?? false,
    concurrency: flags.concurrency ?? 5,
    rate: flags.rate ?? 5,
    copy: {
      tags: flags.copyAll === true || flags.copyTags === true,
      description: flags.copyAll === true || flags.copyDescription === true,
      policy: flags.copyAll === true || flags.copyPolicy === true,
      aliases: flags.copyAll === true || flags.copyAliases === true,
    },
  };
}

export function toWaitOptions(flags: RawWaitFlags): WaitOptions {
  return {
    ...toCommonOptions(flags),
    regions: splitRegionArgs(flags.regions ?? []),
    timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
  };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function checkEndpoint(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const protocol = URL.canParse(value) ? new URL(value).protocol : undefined;
  if (protocol !== "http:" && protocol !== "https:")
    throw usageError(`--endpoint-url ${value} is not an http(s) URL.`);
  return value;
}
