// What KMS checks of a request's members before it looks at any key: required members, tags,
// policies, descriptions, Region IDs, key and alias references (the API reference's constraints).
import { fault } from "./errors.js";

type Body = Record<string, unknown>;

/** KMS's own pattern for a Region ID, kept apart from src/core/regions.ts: the fake must not share the
 * code it tests. */
export const REGION_PATTERN = /^([a-z]+-){2,3}\d+$/;
const POLICY_CHARACTERS = /^[\t\n\r\u0020-\u00FF]*$/;

export function str(body: Body, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" ? value : undefined;
}

export function required(body: Body, name: string): string {
  const value = str(body, name);
  if (value === undefined || value === "") {
    throw fault.validation(
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** Length in Unicode characters (code points), as KMS counts them, not UTF-16 units. */
export const chars = (text: string): number => [...text].length;

/**
 * The tag limits of KMS: key 1–128 characters, value 0–256, at most 50 tags on a key ("each
 * resource can have up to 50 user-created tags"), whether they come in one request (CreateKey,
 * ReplicateKey, TagResource) or are added to those the key has (TagResource).
 */
export const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;
export const MAX_TAGS = 50;

export function tagsOf(body: Body): Map<string, string> {
  const tags = new Map<string, string>();
  const list = body.Tags;
  if (list === undefined) return tags;
  if (!Array.isArray(list)) throw fault.tag("Tags must be a list.");
  for (const item of list as { TagKey?: unknown; TagValue?: unknown }[]) {
    if (typeof item.TagKey !== "string" || item.TagKey === "" || typeof item.TagValue !== "string") {
      throw fault.tag("Each tag needs a TagKey and a TagValue.");
    }
    if (chars(item.TagKey) > MAX_TAG_KEY) throw fault.tag(`Tag key ${item.TagKey} is longer than 128.`);
    if (chars(item.TagValue) > MAX_TAG_VALUE)
      throw fault.tag(`The value of tag ${item.TagKey} is longer than 256.`);
    if (tags.has(item.TagKey)) throw fault.tag(`Duplicate tag key ${item.TagKey}.`);
    if (item.TagKey.startsWith("aws:")) throw fault.tag("Tag keys may not start with aws:.");
    tags.set(item.TagKey, item.TagValue);
  }
  if (tags.size > MAX_TAGS) throw fault.limitExceeded();
  return tags;
}

/** Length (1–32768, a ValidationException like every member constraint), characters, a JSON object. */
export function checkPolicy(policy: string): void {
  if (policy.length < 1 || policy.length > 32_768) {
    throw fault.validation(
      "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 32768",
    );
  }
  if (!POLICY_CHARACTERS.test(policy)) {
    throw fault.malformedPolicy("The policy contains characters that are not allowed.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw fault.malformedPolicy(
      "The new key policy will not allow you to update the key policy in the future.",
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw fault.malformedPolicy("The key policy must be a JSON object.");
  }
}

export function checkDescription(description: string | undefined): void {
  if (description !== undefined && chars(description) > 8192) {
    throw fault.validation(
      "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192",
    );
  }
}

/** A Region ID as KMS checks it: 1–32 characters matching REGION_PATTERN. */
export function checkRegion(region: string, member: string): void {
  if (region.length > 32 || !REGION_PATTERN.test(region)) {
    throw fault.validation(
      `1 validation error detected: Value '${region}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$`,
    );
  }
}

/** KeyId as ReplicateKey and UpdatePrimaryRegion take it: a key ID or key ARN, never an alias. */
export function keyIdOrArn(body: Body, member = "KeyId"): string {
  const keyId = required(body, member);
  if (keyId.length > 2048) throw fault.validation(`${member} must be at most 2048 characters.`);
  if (keyId.startsWith("alias/") || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(keyId)) {
    throw fault.notFound(`Key '${keyId}'`);
  }
  return keyId;
}

/** An alias name as CreateAlias/UpdateAlias/DeleteAlias take it. */
export function aliasName(body: Body): string {
  const name = required(body, "AliasName");
  if (name.length > 256 || !/^alias\/[a-zA-Z0-9/_-]+$/.test(name)) {
    throw fault.validation(
      `1 validation error detected: Value '${name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$`,
    );
  }
  if (name.startsWith("alias/aws/")) {
    throw fault.validation(
      `Alias name ${name} must not begin with alias/aws/: that prefix is reserved for AWS managed keys.`,
    );
  }
  return name;
}
