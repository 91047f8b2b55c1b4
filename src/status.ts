// Read a key family: the primary and every replica, each looked up in its own Region, in parallel.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { awsError, classify, describeError, EXIT, usageError } from "./errors.js";
import type { KeyView } from "./drift.js";
import type { KmsPort } from "./kms.js";
import type { KeyRef } from "./keys.js";

export interface Family {
  readonly primary: KeyView;
  readonly replicas: readonly KeyView[];
}

/** The family of `key`, which may name the primary or any replica. */
export async function readFamily(
  kms: KmsPort,
  key: KeyRef,
  region: string,
  signal?: AbortSignal,
): Promise<Family> {
  let metadata = await describe(kms, region, key.value, signal);
  let primaryRegion = region;
  const config = metadata.MultiRegionConfiguration;
  if (metadata.MultiRegion !== true || config === undefined) {
    throw usageError(
      `${metadata.KeyId ?? key.value} in ${region} is a single-Region key; it has no replicas.`,
    );
  }
  if (config.MultiRegionKeyType === "REPLICA") {
    // Named a replica: its primary is the reference for the whole family.
    const primary = config.PrimaryKey;
    if (primary?.Arn === undefined || primary.Region === undefined) {
      throw usageError(`${metadata.Arn ?? key.value} is a replica whose primary KMS does not name.`);
    }
    primaryRegion = primary.Region;
    metadata = await describe(kms, primaryRegion, primary.Arn, signal);
  }
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

/** One key in its Region; a failure to read it becomes part of the view, not an exception. */
async function readKey(
  kms: KmsPort,
  region: string,
  role: KeyView["role"],
  arn: string,
  known: KeyMetadata | undefined,
  signal?: AbortSignal,
): Promise<KeyView> {
  let operation = "DescribeKey";
  try {
    const metadata = known ?? (await kms.describeKey(region, arn, signal));
    operation = "ListResourceTags/ListAliases/GetKeyPolicy";
    const [tags, aliases, policy] = await Promise.all([
      kms.listResourceTags(region, arn, signal),
      kms.listAliases(region, metadata.KeyId ?? arn, signal),
      kms.getKeyPolicy(region, arn, signal),
    ]);
    return {
      region,
      role,
      arn,
      keyState: metadata.KeyState ?? null,
      enabled: metadata.Enabled ?? null,
      description: metadata.Description ?? null,
      tags: Object.fromEntries(tags.map((t) => [t.TagKey ?? "", t.TagValue ?? ""])),
      aliases: aliases.flatMap((a) => (a.AliasName !== undefined ? [a.AliasName] : [])).sort(),
      policy,
      error: null,
    };
  } catch (error) {
    if (signal?.aborted === true) throw error;
    return {
      region,
      role,
      arn,
      keyState: known?.KeyState ?? null,
      enabled: known?.Enabled ?? null,
      description: known?.Description ?? null,
      tags: {},
      aliases: [],
      policy: null,
      error: describeError(error, { operation, region, keyId: arn }),
    };
  }
}
