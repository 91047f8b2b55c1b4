// Replicas that match their primary: read the primary's tags, description, policy and aliases,
// and merge them under what the user gave explicitly (explicit flags win; tags merge by key).
import { awsError, usageError } from "./errors.js";
import type { KmsPort } from "./kms.js";
import type { PrimaryKey } from "./events.js";
import { TAGS_MAX, type Policy, type Tag } from "./options.js";

export interface CopyFlags {
  readonly tags: boolean;
  readonly description: boolean;
  readonly policy: boolean;
  readonly aliases: boolean;
}

export const COPY_NOTHING: CopyFlags = { tags: false, description: false, policy: false, aliases: false };

/** What the primary has, for the parts the user asked to copy (undefined: not asked). */
export interface PrimaryProperties {
  readonly tags?: readonly Tag[];
  readonly description?: string;
  readonly policy?: string;
  readonly aliases?: readonly string[];
}

export async function readPrimaryProperties(
  kms: KmsPort,
  primary: PrimaryKey,
  copy: CopyFlags,
  signal?: AbortSignal,
): Promise<PrimaryProperties> {
  const { region, arn } = primary;
  // A failure here ends the run before anything is created; the error names the call and permission.
  const read = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
    call().catch((error: unknown) => {
      throw signal?.aborted === true ? error : awsError(error, { operation, region, keyId: arn });
    });
  const [tags, policy, aliases] = await Promise.all([
    copy.tags ? read("ListResourceTags", () => kms.listResourceTags(region, arn, signal)) : undefined,
    copy.policy ? read("GetKeyPolicy", () => kms.getKeyPolicy(region, arn, signal)) : undefined,
    copy.aliases ? read("ListAliases", () => kms.listAliases(region, primary.keyId, signal)) : undefined,
  ]);
  return {
    tags: tags?.map((t) => ({ TagKey: t.TagKey ?? "", TagValue: t.TagValue ?? "" })),
    description: copy.description ? (primary.description ?? "") : undefined,
    policy,
    aliases: aliases?.flatMap((a) => (a.AliasName !== undefined ? [a.AliasName] : [])),
  };
}

/** Explicit values as the user gave them. */
export interface ExplicitProperties {
  readonly description?: string;
  readonly policy?: Policy;
  readonly tags: readonly Tag[];
}

/** What each new replica gets, and where each part came from. */
export interface ResolvedProperties {
  readonly description?: string;
  readonly policy?: Policy;
  readonly tags: readonly Tag[];
  readonly aliases: readonly string[];
}

export function mergeProperties(explicit: ExplicitProperties, copied: PrimaryProperties): ResolvedProperties {
  const tags = new Map<string, string>();
  for (const t of copied.tags ?? []) tags.set(t.TagKey, t.TagValue);
  for (const t of explicit.tags) tags.set(t.TagKey, t.TagValue);
  if (tags.size > TAGS_MAX) {
    throw usageError(
      `The replicas would get ${tags.size} tags (the primary's and --tag together); KMS allows at most ${TAGS_MAX} per key.`,
      "Drop --copy-tags, or give fewer --tag.",
    );
  }
  const copiedDescription = copied.description === "" ? undefined : copied.description;
  return {
    description: explicit.description ?? copiedDescription,
    policy:
      explicit.policy ??
      (copied.policy !== undefined ? { text: copied.policy, source: "primary" } : undefined),
    tags: [...tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    aliases: copied.aliases ?? [],
  };
}

/**
 * A copied policy that names the primary's Region or ARN may mean something else in the replica's
 * Region. We never rewrite a policy; we say so once, and the user reviews it.
 */
export function policyMentionsPrimary(policy: string, primary: PrimaryKey): boolean {
  return (
    policy.includes(primary.arn) ||
    policy.includes(`"${primary.region}"`) ||
    policy.includes(`:${primary.region}:`)
  );
}
