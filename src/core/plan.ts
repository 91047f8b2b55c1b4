// Before anything changes: find the primary's Region, check every target Region, describe the
// primary, and split the targets into "create" and "already there". Read-only.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { EXIT, ReplicateError, awsError, usageError } from "./errors.js";
import { classify } from "./classify.js";
import type { PrimaryKey } from "./events.js";
import type { KmsPort } from "../aws/kms.js";
import { regionOfKeyRef, type KeyRef } from "./keys.js";
import {
  certainPartitionOf,
  checkPlaceRegion,
  checkRegions,
  partitionOf,
  partitionProblem,
  REGION_PATTERN,
  type PrimaryPlace,
  type RegionProblem,
  type UnknownRegionRule,
} from "./regions.js";

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
  /** A Region the SDK does not list (src/core/regions.ts). */
  readonly unknownRegions: UnknownRegionRule;
  readonly warn: (message: string) => void;
}

/**
 * The primary's Region: from the ARN, else --region, else the environment or the profile; each
 * checked as a Region (a typo of a known one is refused, exit 2) before any call.
 */
export async function resolvePrimaryRegion(key: KeyRef, sources: RegionSources): Promise<string> {
  const fromArn = regionOfKeyRef(key);
  if (fromArn !== undefined) {
    checkArnPartition(key);
    checkPlaceRegion(fromArn, `--key ${key.value}: the ARN's Region`, sources.unknownRegions, sources.warn);
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
  if (!REGION_PATTERN.test(region)) {
    const lower = region.toLowerCase();
    throw usageError(
      `The primary's Region '${region}' is not a Region ID.`,
      REGION_PATTERN.test(lower) ? `Did you mean ${lower}?` : undefined,
    );
  }
  const where =
    sources.flag !== undefined
      ? "--region"
      : "The primary's Region (AWS_REGION, AWS_DEFAULT_REGION or the profile's)";
  checkPlaceRegion(region, where, sources.unknownRegions, sources.warn);
  return region;
}

/**
 * An ARN's partition must be its Region's: `arn:aws-cn:kms:us-east-1:…` names no key anywhere.
 * Checked when the SDK is sure of the Region's partition (a Region it lists, or another
 * partition's own pattern); a Region it does not know may be newer than the SDK: KMS decides.
 */
export function checkArnPartition(key: KeyRef): void {
  if (key.kind !== "key-arn" && key.kind !== "alias-arn") return;
  const regionPartition = certainPartitionOf(key.region);
  if (regionPartition !== undefined && regionPartition !== key.partition) {
    throw usageError(
      `--key ${key.value}: the ARN's partition '${key.partition}' does not match its Region ${key.region}, which is in partition ${regionPartition}.`,
      `A key in ${key.region} has an ARN that starts with arn:${regionPartition}:kms:${key.region}:.`,
    );
  }
}

/**
 * The primary's partition before DescribeKey: the key ARN's own, else the SDK's for its Region
 * when the SDK is sure of it; else unknown until DescribeKey returns the ARN.
 */
export function primaryPlaceOf(key: KeyRef, region: string): PrimaryPlace {
  const partition =
    key.kind === "key-arn" || key.kind === "alias-arn" ? key.partition : certainPartitionOf(region);
  return { region, partition };
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
  primary: PrimaryPlace,
  unknown: UnknownRegionRule,
  warn: (message: string) => void,
): readonly string[] {
  const check = checkRegions(regions, primary, { unknown });
  for (const message of check.warnings) warn(message);
  if (check.problems.length > 0) throw invalidRegionsError(check.problems);
  return check.regions;
}

/** How a command accepts the key it was given (describePrimary). */
export interface DescribeOptions {
  /** Replicating needs the primary's own account; `wait` only reads, from any account allowed to. */
  readonly sameAccount: boolean;
  /** `--key` may name a replica: its primary is described instead (`sync`). */
  readonly followReplica?: boolean;
  /** false: any key state will do (`sync` copies from a disabled primary too). Default true. */
  readonly requireEnabled?: boolean;
}

/** DescribeKey the primary: it must exist, be a multi-Region primary, and be Enabled. */
export async function describePrimary(
  kms: KmsPort,
  key: KeyRef,
  region: string,
  signal?: AbortSignal,
  options: DescribeOptions = { sameAccount: true },
): Promise<PrimaryKey> {
  const failed = (error: unknown): unknown => {
    if (signal?.aborted === true) return error;
    const name = classify(error);
    // A wrong key is the user's input: exit 2, like any other validation error.
    const exit = name === "NotFoundException" || name === "InvalidArnException" ? EXIT.usage : EXIT.failed;
    const failure = awsError(error, { operation: "DescribeKey", region, keyId: key.value }, exit);
    if (name !== "NotFoundException" || !looksLikeAliasName(key)) return failure;
    return new ReplicateError(failure.message, {
      ...failure.options,
      hint: `Aliases are written alias/${key.value}: --key alias/${key.value}. ${failure.hint ?? ""}`.trim(),
    });
  };
  // Credentials that cannot be resolved fail here, reported as DescribeKey would report them
  // (resolving them a second time would double a slow failure, such as instance metadata's).
  let caller: string | undefined;
  try {
    caller = options.sameAccount ? await kms.callerAccount?.() : undefined;
  } catch (error) {
    throw failed(error);
  }
  if (key.kind === "key-arn" || key.kind === "alias-arn") checkSameAccount(key.account, caller, key.value);
  let metadata: KeyMetadata;
  try {
    metadata = await kms.describeKey(region, key.value, signal);
  } catch (error) {
    throw failed(error);
  }
  if (metadata.AWSAccountId !== undefined) checkSameAccount(metadata.AWSAccountId, caller, key.value);
  const named = metadata.MultiRegionConfiguration?.PrimaryKey;
  if (
    options.followReplica === true &&
    metadata.MultiRegionConfiguration?.MultiRegionKeyType === "REPLICA" &&
    named?.Arn !== undefined &&
    named.Region !== undefined
  ) {
    try {
      metadata = await kms.describeKey(named.Region, named.Arn, signal);
    } catch (error) {
      throw failed(error);
    }
    return toPrimary(metadata, key, named.Region, options);
  }
  return toPrimary(metadata, key, region, options);
}

const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** `--key orders`: not a key ID (UUID or mrk-…), so probably an alias without its `alias/`. */
export function looksLikeAliasName(key: KeyRef): boolean {
  return key.kind === "key-id" && !KEY_ID.test(key.value);
}

/**
 * ReplicateKey is not a cross-account operation: only the primary's own account can replicate
 * it. Refused before any change when the caller's account is known and differs.
 */
export function checkSameAccount(
  keyAccount: string,
  callerAccount: string | undefined,
  keyName: string,
): void {
  if (callerAccount === undefined || callerAccount === keyAccount) return;
  throw new ReplicateError(
    `${keyName} is in account ${keyAccount}, but your credentials are for account ${callerAccount}; ReplicateKey is not a cross-account operation, so only account ${keyAccount} can replicate this key. Nothing was created.`,
    {
      fault: "user",
      exitCode: EXIT.usage,
      code: "CrossAccountKey",
      hint: `Run with credentials of account ${keyAccount} (--profile, or that account's role).`,
    },
  );
}

export function toPrimary(
  metadata: KeyMetadata,
  key: KeyRef,
  region: string,
  options: { readonly requireEnabled?: boolean } = {},
): PrimaryKey {
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
  if (
    options.requireEnabled !== false &&
    metadata.KeyState !== "Enabled" &&
    metadata.KeyState !== "PendingImport"
  ) {
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
    partition:
      partitionOfArn(metadata.Arn) ?? primaryPlaceOf(key, region).partition ?? partitionOf(region).name,
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

/** `arn:PARTITION:…` → PARTITION: the primary's partition as DescribeKey names it. */
function partitionOfArn(arn: string | undefined): string | undefined {
  const match = /^arn:([^:]+):/.exec(arn ?? "");
  return match?.[1];
}

/** Split valid targets into new Regions and Regions that already hold a replica. */
export function splitTargets(primary: PrimaryKey, regions: readonly string[]): Plan {
  // The targets were checked before DescribeKey; the partition only if it was known then.
  const problems = regions.flatMap((region) => {
    const reason = partitionProblem(region, primary.partition);
    return reason === undefined ? [] : [{ region, reason }];
  });
  if (problems.length > 0) throw invalidRegionsError(problems);
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
