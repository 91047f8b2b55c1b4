// What the commands' options share: commander's argument parsers (durations, seconds, tags,
// quotas, lists; each throws InvalidArgumentError, which commander reports as a usage error), and
// the options several commands define the same way (--timeout and its one default, --regions, the
// properties a replica gets, the imported key material).
import { InvalidArgumentError, Option, type Command } from "commander";
import { isQuotaName, KMS_QUOTAS, type QuotaName, type QuotaOverrides } from "../aws/quotas.js";
import { usageError } from "../core/errors.js";
import { parseMaterialSource, parseValidTo } from "../core/material.js";
import {
  DEFAULT_TIMEOUT_MS,
  TAGS_MAX,
  TAG_KEY_MAX,
  TAG_VALUE_MAX,
  type ImportOptions,
  type Tag,
} from "../core/options.js";
import {
  parseWrappingAlgorithm,
  parseWrappingKeySpec,
  type WrappingAlgorithm,
  type WrappingKeySpec,
} from "../core/wrap.js";

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

// ---- options several commands define the same way ----

/** --timeout, with its one default (20 minutes: DEFAULT_TIMEOUT_MS). */
export function timeoutOption(what: string): Option {
  return new Option("--timeout <duration>", what).argParser(parseDuration).default(DEFAULT_TIMEOUT_MS, "20m");
}

/** --regions of a command that works on existing replicas: all of them when not given. */
export function replicaRegionsOption(command: Command): Command {
  return command.option(
    "-r, --regions <regions>",
    "only these Regions, comma-separated (default: all)",
    collect,
  );
}

/** --dry-run, as every command that changes keys has it. */
export function dryRunOption(command: Command, what: string): Command {
  return command.option("--dry-run", what);
}

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

/** --key-material and the options that shape the imports (replicate, import-material, rotate-material). */
export function importOptions(command: Command, what: string): Command {
  return command
    .option("--key-material <source>", `${what}: fileb://PATH or - (stdin)`, parseMaterialSource)
    .option(
      "--wrapping-algorithm <alg>",
      "an RSAES_OAEP_* or RSA_AES_KEY_WRAP_* algorithm",
      parseWrappingAlgorithm,
    )
    .option("--wrapping-key-spec <spec>", "RSA_2048, RSA_3072 or RSA_4096 (default)", parseWrappingKeySpec)
    .option("--valid-to <date>", "material expiry, ISO 8601 (default: the primary's)", parseValidTo)
    .option("--no-expiry", "the material never expires");
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

/** KMS's deletion window, in days: 7 to 30 (ScheduleKeyDeletion's default, 30, when not given). */
export const PENDING_DAYS = { min: 7, max: 30, default: 30 } as const;

/** --pending-days: a whole number of days from 7 to 30. */
export function parsePendingDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < PENDING_DAYS.min || n > PENDING_DAYS.max) {
    throw new InvalidArgumentError(
      `'${value}' is not a whole number of days from ${PENDING_DAYS.min} to ${PENDING_DAYS.max} (KMS's deletion window).`,
    );
  }
  return n;
}
