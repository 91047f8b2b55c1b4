// The one model of what a replica should look like: built from the explicit flags (--tag,
// --description, --policy) and the primary's values for each --copy-* flag, with one merge rule
// (explicit values win; tags merge by key). `replicate` gives it to new replicas; `status`
// compares every replica with the primary's whole desired state (src/core/diff.ts).
import { awsError, EXIT, ReplicateError, usageError } from "./errors.js";
import type { PrimaryKey } from "./events.js";
import type { KeyView } from "./family.js";
import type { KmsPort } from "../aws/kms.js";
import { TAGS_MAX, type CopyFlags, type Policy, type Tag } from "./options.js";

/**
 * What a replica should have; a field left undefined is not managed (whatever the replica has is
 * fine). `tags`: these keys with these values (other keys are extra; see the diff's prune option).
 */
export interface Desired {
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly policy?: Policy;
  readonly aliases?: readonly string[];
  readonly enabled?: boolean;
}

/** What the primary has, for the parts the user asked to copy (undefined: not asked). */
export interface PrimaryProperties {
  readonly tags?: readonly Tag[];
  readonly description?: string;
  readonly policy?: string;
  readonly aliases?: readonly string[];
  /** --copy-enabled: the primary is not Disabled (so PendingImport counts as enabled). */
  readonly enabled?: boolean;
}

/**
 * What the primary has, from the primary as readFamily/readKey saw it (`sync`), for the parts the
 * user asked to copy. A part that could not be read ends the run: the desired state is not known.
 */
export function primaryPropertiesOf(view: KeyView, copy: CopyFlags): PrimaryProperties {
  const field = <T>(wanted: boolean, name: "tags" | "aliases" | "policy", value: T | null): T | undefined => {
    if (!wanted) return undefined;
    const error = view.fieldErrors[name];
    if (value !== null && error === null) return value;
    const operation = { tags: "ListResourceTags", aliases: "ListAliases", policy: "GetKeyPolicy" }[name];
    throw new ReplicateError(
      `${operation} in ${view.region} failed: ${error?.name ?? "Error"}: ${error?.message ?? `the primary's ${name} could not be read`}`,
      { fault: "aws", exitCode: EXIT.failed, code: error?.name ?? "Error", hint: error?.hint },
    );
  };
  const tags = field(copy.tags, "tags", view.tags);
  return {
    tags:
      tags === undefined
        ? undefined
        : Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    description: copy.description ? (view.description ?? "") : undefined,
    policy: field(copy.policy, "policy", view.policy),
    aliases: field(copy.aliases, "aliases", view.aliases),
    enabled: copy.enabled ? view.keyState !== "Disabled" : undefined,
  };
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
    // `replicate` replicates only a primary that is Enabled (or PendingImport): enabled.
    enabled: copy.enabled ? true : undefined,
  };
}

/** Explicit values as the user gave them. */
export interface ExplicitProperties {
  readonly description?: string;
  readonly policy?: Policy;
  readonly tags: readonly Tag[];
}

/** The one merge rule: explicit values win over copied ones; tags merge by key, at most 50. */
export function desiredOf(explicit: ExplicitProperties, copied: PrimaryProperties): Desired {
  const tags = new Map<string, string>();
  for (const t of copied.tags ?? []) tags.set(t.TagKey, t.TagValue);
  for (const t of explicit.tags) tags.set(t.TagKey, t.TagValue);
  if (tags.size > TAGS_MAX) {
    throw usageError(
      `The replicas would get ${tags.size} tags (the primary's and --tag together); KMS allows at most ${TAGS_MAX} per key.`,
      "Drop --copy-tags, or give fewer --tag.",
    );
  }
  // A copied empty description is managed too: an existing replica may have another one.
  const copiedDescription = copied.description;
  const policy =
    explicit.policy ?? (copied.policy !== undefined ? { text: copied.policy, source: "primary" } : undefined);
  return {
    ...(copied.tags !== undefined || explicit.tags.length > 0 ? { tags: Object.fromEntries(tags) } : {}),
    ...(explicit.description !== undefined || copiedDescription !== undefined
      ? { description: explicit.description ?? copiedDescription }
      : {}),
    ...(policy !== undefined ? { policy } : {}),
    ...(copied.aliases !== undefined ? { aliases: copied.aliases } : {}),
    ...(copied.enabled !== undefined ? { enabled: copied.enabled } : {}),
  };
}

/** The primary's whole state as the desired state of every replica (what `status` compares with). */
export function desiredFromPrimary(primary: KeyView): Desired {
  return {
    ...(primary.tags !== null ? { tags: primary.tags } : {}),
    description: primary.description ?? "",
    ...(primary.policy !== null ? { policy: { text: primary.policy, source: "primary" } } : {}),
    ...(primary.aliases !== null ? { aliases: primary.aliases } : {}),
  };
}

/** The desired tags as KMS's Tag list, in the order given. */
export function tagList(desired: Desired): Tag[] {
  return Object.entries(desired.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

/**
 * The warning for a copied policy (not one given with --policy) that names the primary's Region or
 * ARN, for replicate and sync alike; undefined: nothing to say.
 */
export function copiedPolicyWarning(
  explicit: Policy | undefined,
  copied: PrimaryProperties,
  primary: PrimaryKey,
): string | undefined {
  if (
    explicit !== undefined ||
    copied.policy === undefined ||
    !policyMentionsPrimary(copied.policy, primary)
  ) {
    return undefined;
  }
  return `The primary's key policy names its Region (${primary.region}) or ARN; it is copied to the replicas unchanged. Review it for each replica's Region.`;
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
