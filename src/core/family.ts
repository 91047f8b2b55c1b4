// The one model of a key family: the primary and every replica, each read in its own Region, in
// parallel, each field (state, enabled, description, tags, aliases, policy) known or not on its own.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { awsError, describeError, EXIT, usageError, type ErrorReport } from "./errors.js";
import { classify } from "./classify.js";
import { isUsableNow } from "./events.js";
import type { KmsPort } from "../aws/kms.js";
import type { KeyRef } from "./keys.js";

/** The fields read with their own call after DescribeKey; each can fail on its own. */
export const READ_FIELDS = ["tags", "aliases", "policy"] as const;
export type ReadField = (typeof READ_FIELDS)[number];

/** One key of the family as read in its own Region. */
export interface KeyView {
  /** The Region the key is in (and was read in). */
  readonly region: string;
  /** PRIMARY (the multi-Region primary key) or REPLICA. */
  readonly role: "PRIMARY" | "REPLICA";
  /** The key's ARN in its Region. */
  readonly arn: string;
  /** KMS's raw KeyState (Enabled, Creating, PendingDeletion, …); null: the key could not be read. */
  readonly keyState: string | null;
  /** null: the key could not be read. */
  readonly enabled: boolean | null;
  /** ISO 8601: when KMS deletes the key (PendingDeletion); absent when it is not scheduled for deletion. */
  readonly deletionDate?: string;
  /** null: none, or the key could not be read. */
  readonly description: string | null;
  /** Tag key → value; null: not known (the key or this field could not be read), not empty. */
  readonly tags: Readonly<Record<string, string>> | null;
  /** Alias names (alias/NAME) in the key's Region; null: not known. */
  readonly aliases: readonly string[] | null;
  /** The key policy document as KMS returned it (a JSON string); null: not known. */
  readonly policy: string | null;
  /** Set when the key could not be read in its Region (DescribeKey): nothing about it is known. */
  readonly error: ErrorReport | null;
  /** Per field: why it could not be read (null: read, or the key as a whole failed). */
  readonly fieldErrors: Readonly<Record<ReadField, ErrorReport | null>>;
}

export const NO_FIELD_ERRORS: KeyView["fieldErrors"] = { tags: null, aliases: null, policy: null };

/** The fields of a readable key that could not be read. */
export function unreadFields(view: KeyView): ReadField[] {
  return READ_FIELDS.filter((field) => view.fieldErrors[field] !== null);
}

/** Scheduled for deletion (PendingDeletion, PendingReplicaDeletion): `status` counts it apart, neither usable nor drifting. */
export function isPendingDeletionKey(view: KeyView): boolean {
  return view.keyState === "PendingDeletion" || view.keyState === "PendingReplicaDeletion";
}

/** Read, and usable now (events.ts isUsableNow: Enabled; not PendingImport, not pending deletion). */
export function isUsableKey(view: KeyView): boolean {
  return view.error === null && isUsableNow(view.keyState);
}

export interface Family {
  readonly primary: KeyView;
  readonly replicas: readonly KeyView[];
}

/**
 * The primary of the family of `key`, which may name the primary or any replica: its metadata as
 * read in its own Region (the Region a replica's MultiRegionConfiguration names).
 */
export async function findPrimary(
  kms: KmsPort,
  key: KeyRef,
  region: string,
  signal?: AbortSignal,
): Promise<{ readonly metadata: KeyMetadata; readonly region: string }> {
  const metadata = await describe(kms, region, key.value, signal);
  const config = metadata.MultiRegionConfiguration;
  if (metadata.MultiRegion !== true || config === undefined) {
    throw usageError(
      `${metadata.KeyId ?? key.value} in ${region} is a single-Region key; it has no replicas.`,
    );
  }
  if (config.MultiRegionKeyType !== "REPLICA") return { metadata, region };
  // Named a replica: its primary is the reference for the whole family.
  const primary = config.PrimaryKey;
  if (primary?.Arn === undefined || primary.Region === undefined) {
    throw usageError(`${metadata.Arn ?? key.value} is a replica whose primary KMS does not name.`);
  }
  // While a family is Updating, KMS may show the new primary as a REPLICA naming itself.
  if (primary.Region === region) return { metadata, region };
  return { metadata: await describe(kms, primary.Region, primary.Arn, signal), region: primary.Region };
}

/** The family of `key`, which may name the primary or any replica. */
export async function readFamily(
  kms: KmsPort,
  key: KeyRef,
  region: string,
  signal?: AbortSignal,
): Promise<Family> {
  const { metadata, region: primaryRegion } = await findPrimary(kms, key, region, signal);
  const replicas = metadata.MultiRegionConfiguration?.ReplicaKeys ?? [];
  const [primaryView, ...replicaViews] = await Promise.all([
    readKey(kms, primaryRegion, "PRIMARY", metadata.Arn ?? key.value, metadata, signal),
    ...replicas.map((r) => readKey(kms, r.Region ?? "", "REPLICA", r.Arn ?? "", undefined, signal)),
  ]);
  return { primary: primaryView, replicas: replicaViews.sort((a, b) => a.region.localeCompare(b.region)) };
}

async function describe(
  kms: KmsPort,
  region: string,
  keyId: string,
  signal?: AbortSignal,
): Promise<KeyMetadata> {
  try {
    return await kms.describeKey(region, keyId, signal);
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const name = classify(error);
    const exit = name === "NotFoundException" || name === "InvalidArnException" ? EXIT.usage : EXIT.failed;
    throw awsError(error, { operation: "DescribeKey", region, keyId }, exit);
  }
}

/**
 * One key in its Region. DescribeKey failing makes the whole view unknown (`error`); each other
 * field is read on its own, and a field that cannot be read is unknown for that field only.
 */
export async function readKey(
  kms: KmsPort,
  region: string,
  role: KeyView["role"],
  arn: string,
  known: KeyMetadata | undefined,
  signal?: AbortSignal,
): Promise<KeyView> {
  // This key's own signal (AbortSignal.any adds no listener to the run's signal): a family of many
  // keys, three reads each, does not pile abort listeners on one signal.
  const own = signal === undefined ? undefined : AbortSignal.any([signal]);
  let metadata: KeyMetadata;
  try {
    metadata = known ?? (await kms.describeKey(region, arn, own));
  } catch (error) {
    if (signal?.aborted === true) throw error;
    return {
      region,
      role,
      arn,
      keyState: null,
      enabled: null,
      description: null,
      tags: null,
      aliases: null,
      policy: null,
      error: describeError(error, { operation: "DescribeKey", region, keyId: arn }),
      fieldErrors: NO_FIELD_ERRORS,
    };
  }
  const [tags, aliases, policy] = await Promise.allSettled([
    kms.listResourceTags(region, arn, own),
    kms.listAliases(region, metadata.KeyId ?? arn, own),
    kms.getKeyPolicy(region, arn, own),
  ]);
  if (signal?.aborted === true) throw signal.reason;
  const failure = (result: PromiseSettledResult<unknown>, operation: string): ErrorReport | null =>
    result.status === "rejected" ? describeError(result.reason, { operation, region, keyId: arn }) : null;
  return {
    region,
    role,
    arn,
    keyState: metadata.KeyState ?? null,
    enabled: metadata.Enabled ?? null,
    ...(metadata.DeletionDate !== undefined ? { deletionDate: metadata.DeletionDate.toISOString() } : {}),
    description: metadata.Description ?? null,
    tags:
      tags.status === "fulfilled"
        ? Object.fromEntries(tags.value.map((t) => [t.TagKey ?? "", t.TagValue ?? ""]))
        : null,
    aliases:
      aliases.status === "fulfilled"
        ? aliases.value.flatMap((a) => (a.AliasName !== undefined ? [a.AliasName] : [])).sort()
        : null,
    policy: policy.status === "fulfilled" ? policy.value : null,
    error: null,
    fieldErrors: {
      tags: failure(tags, "ListResourceTags"),
      aliases: failure(aliases, "ListAliases"),
      policy: failure(policy, "GetKeyPolicy"),
    },
  };
}
