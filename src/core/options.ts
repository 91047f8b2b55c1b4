// The values the options of every command are made of (tags, policies, what is copied, how to reach
// AWS), their limits, and the checks of values that come from a file or the environment. The flags
// themselves are read at the edge: src/cli/globals.ts and each command's flags.ts.
import type { QuotaOverrides } from "../aws/quotas.js";
import { usageError } from "./errors.js";
import { readInput, type InputContext } from "./input.js";
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
  /** --ca-bundle PATH: CA certificates (PEM) a TLS endpoint may be signed by, besides Node's roots. */
  readonly caBundle?: string;
  /** false: --no-verify-ssl (certificates are not checked; a warning on every run). Default true. */
  readonly verifySsl?: boolean;
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

export const DEFAULT_TIMEOUT_MS = 20 * 60_000;
export const POLICY_MAX_LENGTH = 32_768;
export const DESCRIPTION_MAX_LENGTH = 8_192;

/** KMS: at most 50 tags per key; keys 1–128 and values 0–256 Unicode characters. */
export const TAGS_MAX = 50;
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;

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

/** KMS counts a description's characters (code points), not UTF-16 units: at most 8192. */
export function checkDescription(description: string | undefined): void {
  const length = description === undefined ? 0 : [...description].length;
  if (length > DESCRIPTION_MAX_LENGTH) {
    throw usageError(`--description is ${length} characters; at most ${DESCRIPTION_MAX_LENGTH}.`);
  }
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

/** --endpoint-url: an http(s) URL with a port in range (the URL itself never echoed with its password). */
export function checkEndpoint(value: string | undefined): string | undefined {
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

// ---- imported key material (--key-material and its companions) ----

export interface ImportOptions {
  /** Where the material is read from (fileb://PATH, or - for stdin); never the material. */
  readonly keyMaterial: string;
  readonly wrapping: { readonly algorithm?: WrappingAlgorithm; readonly keySpec?: WrappingKeySpec };
  readonly validTo?: Date;
  readonly noExpiry: boolean;
}
