// Before anything changes: find the primary's Region, check every target Region, describe the
// primary, and split the targets into "create" and "already there". Read-only.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { EXIT, ReplicateError, awsError, classify, usageError } from "./errors.js";
import type { PrimaryKey } from "./events.js";
import type { KmsPort } from "./kms.js";
import { regionOfKeyRef, type KeyRef } from "./keys.js";
import { checkRegions, partitionOf, REGION_PATTERN, type RegionProblem } from "./regions.js";

export interface Plan {
  readonly primary: PrimaryKey;
  /** Regions that need a ReplicateKey call. */
  readonly create: readonly string[];
  /** Asked-for Regions that already hold a replica. */
  readonly existing: readonly { readonly region: string; readonly arn: string }[];
}

export interface RegionSources {
  readonly flag?: string;
  /** AWS_REGION / AWS_DEFAULT_REGION / the profile's region, looked up only when needed. */
  readonly fromEnvironment: () => Promise<string | undefined>;
}

/** The primary's Region: from the ARN, else --region, else the environment or the profile. */
export async function resolvePrimaryRegion(key: KeyRef, sources: RegionSources): Promise<string> {
  const fromArn = regionOfKeyRef(key);
  if (fromArn !== undefined) {
    if (sources.flag !== undefined && sources.flag !== fromArn) {
      throw usageError(
        `--region ${sources.flag} contradicts the key ARN, which is in ${fromArn}.`,
        "Drop --region.",
      );
    }
    return fromArn;
  }
  const region = sources.flag ?? (await sources.fromEnvironment());
  if (region === undefined) {
    throw usageError(
      `No Region for ${key.value}: give the key as an ARN, or set --region, AWS_REGION or a profile's region.`,
    );
  }
  if (!REGION_PATTERN.test(region)) throw usageError(`The primary's Region '${region}' is not a Region ID.`);
  return region;
}

/** Every invalid Region at once, each with its reason: exit 2. */
export function invalidRegionsError(problems: readonly RegionProblem[]): ReplicateError {
  const lines = problems.map((p) => `  ${p.region}: ${p.reason}`).join("\n");
  return new ReplicateError(
    `${problems.length === 1 ? "1 target Region is" : `${problems.length} target Regions are`} not valid; nothing was created:\n${lines}`,
    { fault: "user", exitCode: EXIT.usage, code: "InvalidRegion", invalidRegions: problems },
  );
}

/**
 * Pure checks of the targets against the primary's Region, before any call. Warnings (duplicates,
 * Regions the SDK does not know) are passed to `warn` first, so they are shown even when another
 * Region is invalid; then every invalid Region is thrown at once.
 */
export function checkTargets(
  regions: readonly string[],
  primaryRegion: string,
  strict: boolean,
  warn: (message: string) => void,
): readonly string[] {
  const check = checkRegions(regions, primaryRegion, { strict });
  for (const message of check.warnings) warn(message);
  if (check.problems.length > 0) throw invalidRegionsError(check.problems);
  return check.regions;
}

/** DescribeKey the primary: it must exist, be a multi-Region primary, and be Enabled. */
export async function describePrimary(
  kms: KmsPort,
  key: KeyRef,
  region: string,
  signal?: AbortSignal,
): Promise<PrimaryKey> {
  let metadata: KeyMetadata;
  try {
    metadata = await kms.describeKey(region, key.value, signal);
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const name = classify(error);
    // A wrong key is the user's input: exit 2, like any other validation error.
    const exit = name === "NotFoundException" || name === "InvalidArnException" ? EXIT.usage : EXIT.failed;
    throw awsError(error, { operation: "DescribeKey", region, keyId: key.value }, exit);
  }
  return toPrimary(metadata, key, region);
}

export function toPrimary(metadata: KeyMetadata, key: KeyRef, region: string): PrimaryKey {
  const keyId = metadata.KeyId ?? key.value;
  const config = metadata.MultiRegionConfiguration;
  if (metadata.MultiRegion !== true || config === undefined) {
    throw usageError(
      `${keyId} in ${region} is a single-Region key; only multi-Region keys (mrk-…) can be replicated.`,
      "Create a multi-Region key (aws kms create-key --multi-region) and re-encrypt, or choose another key.",
    );
  }
  if (config.MultiRegionKeyType !== "PRIMARY") {
    const primary = config.PrimaryKey;
    throw usageError(
      `${keyId} in ${region} is a replica, not the primary key.`,
      primary?.Arn !== undefined
        ? `Replicate from the primary: --key ${primary.Arn}`
        : "Name the primary key with --key.",
    );
  }
  if (metadata.KeyState !== "Enabled" && metadata.KeyState !== "PendingImport") {
    throw usageError(
      `The primary key ${keyId} in ${region} is ${metadata.KeyState ?? "in an unknown state"}; it must be Enabled to be replicated.`,
      metadata.KeyState === "PendingDeletion"
        ? "Cancel its deletion (aws kms cancel-key-deletion), enable it, and re-run."
        : "Enable it (aws kms enable-key) and re-run.",
    );
  }
  return {
    keyId,
    arn: metadata.Arn ?? key.value,
    region,
    partition: partitionOf(region).name,
    keySpec: metadata.KeySpec,
    keyUsage: metadata.KeyUsage,
    origin: metadata.Origin,
    description: metadata.Description,
    replicas: (config.ReplicaKeys ?? []).flatMap((replica) =>
      replica.Region !== undefined && replica.Arn !== undefined
        ? [{ region: replica.Region, arn: replica.Arn }]
        : [],
    ),
  };
}

/** Split valid targets into new Regions and Regions that already hold a replica. */
export function splitTargets(primary: PrimaryKey, regions: readonly string[]): Plan {
  const existingByRegion = new Map(primary.replicas.map((r) => [r.region, r.arn]));
  const create: string[] = [];
  const existing: { region: string; arn: string }[] = [];
  for (const region of regions) {
    const arn = existingByRegion.get(region);
    if (arn === undefined) create.push(region);
    else existing.push({ region, arn });
  }
  return { primary, create, existing };
}
