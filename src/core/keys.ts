// The primary key as the user named it: key ID, key ARN, alias name or alias ARN.
// We check only what KMS documents (1–2048 characters; an ARN must parse) and let DescribeKey
// decide whether a key ID exists: a stricter format of our own would reject keys KMS accepts.
import { usageError } from "./errors.js";

export type KeyRef =
  | { readonly kind: "key-id"; readonly value: string }
  | { readonly kind: "alias"; readonly value: string }
  | {
      readonly kind: "key-arn" | "alias-arn";
      readonly value: string;
      readonly partition: string;
      readonly region: string;
      readonly account: string;
    };

const ARN = /^arn:([a-z][a-z0-9-]*):kms:([^:]*):([^:]*):(key|alias)\/(.+)$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * A Region ID as KMS's ReplicaRegion documents it. Kept here, not in regions.ts, because this
 * module is loaded at start-up (it parses --key) and must not load the SDK's partition data.
 */
export const REGION_PATTERN = /^([a-z]+-){2,3}\d+$/;
export const REGION_MAX_LENGTH = 32;

export function parseKeyRef(input: string): KeyRef {
  const value = input.trim();
  if (value.length < 1 || value.length > 2048) {
    throw usageError(`--key must be 1 to 2048 characters (got ${value.length}).`);
  }
  if (value.startsWith("arn:")) {
    const match = ARN.exec(value);
    if (match === null) {
      throw usageError(
        `--key ${value} is not a KMS key or alias ARN.`,
        "Expected arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID or …:alias/NAME.",
      );
    }
    const [, partition = "", region = "", account = "", type, rest = ""] = match;
    if (region === "" || account === "" || rest.includes(":")) {
      throw usageError(`--key ${value} is missing its Region or account, or has a stray ':'.`);
    }
    if (region.length > REGION_MAX_LENGTH || !REGION_PATTERN.test(region)) {
      const lower = region.toLowerCase();
      throw usageError(
        `--key ${value}: the Region in the ARN, '${region}', is not a Region ID (lower-case words and a number, like us-east-1).`,
        REGION_PATTERN.test(lower) ? `Did you mean ${lower}?` : undefined,
      );
    }
    if (!ACCOUNT_ID.test(account)) {
      throw usageError(
        `--key ${value}: the account in the ARN, '${account}', is not a 12-digit AWS account ID.`,
      );
    }
    return { kind: type === "key" ? "key-arn" : "alias-arn", value, partition, region, account };
  }
  if (value.startsWith("alias/")) {
    if (value.length === "alias/".length)
      throw usageError("--key alias/ needs an alias name after 'alias/'.");
    return { kind: "alias", value };
  }
  return { kind: "key-id", value };
}

/** The Region the ARN names, if any: it beats --region and the environment. */
export function regionOfKeyRef(ref: KeyRef): string | undefined {
  return ref.kind === "key-arn" || ref.kind === "alias-arn" ? ref.region : undefined;
}
