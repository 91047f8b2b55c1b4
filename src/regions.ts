// Target Region rules, pure: the ReplicaRegion pattern and length, the partition (from the AWS
// SDK's own metadata, not a hand-kept list), not the primary's Region, no duplicates; and, for a
// Region that looks like a typo, the known Region it probably meant.
import { REGION_MAX_LENGTH, REGION_PATTERN } from "./keys.js";
import { partition } from "./sdk-partition.js";

export { REGION_MAX_LENGTH, REGION_PATTERN };

export interface PartitionInfo {
  /** aws, aws-cn, aws-us-gov, aws-iso, … */
  readonly name: string;
  /** The SDK lists this Region by name (not only matched by a partition's pattern or defaulted to aws). */
  readonly known: boolean;
}

export function partitionOf(region: string): PartitionInfo {
  // partition() returns the partition's outputs, plus the Region's own entry (a description)
  // when the Region is in the SDK's list; an unknown Region falls back to `aws`.
  const info = partition(region) as { name: string; description?: string };
  return { name: info.name, known: typeof info.description === "string" };
}

/**
 * The partition of a Region when the SDK can tell: a Region it lists, or one that matches another
 * partition's own pattern (cn-…, us-gov-…, us-iso-…). An unknown Region the SDK answers `aws`
 * for may just as well be a new Region of any partition (aws is the SDK's fallback): undefined.
 */
export function certainPartitionOf(region: string): string | undefined {
  const info = partitionOf(region);
  return info.known || info.name !== "aws" ? info.name : undefined;
}

/**
 * Where the primary is: its Region, and its partition as its own ARN names it; undefined when
 * neither an ARN nor the SDK can tell yet (a key ID in a Region the SDK does not know): then
 * the targets' partition is checked once DescribeKey has returned the ARN (plan.ts splitTargets).
 */
export interface PrimaryPlace {
  readonly region: string;
  readonly partition: string | undefined;
}

export interface RegionProblem {
  readonly region: string;
  readonly reason: string;
}

export interface RegionCheck {
  /** Valid, trimmed, de-duplicated, in the order given. */
  readonly regions: readonly string[];
  readonly problems: readonly RegionProblem[];
  readonly warnings: readonly string[];
}

export function checkRegions(
  requested: readonly string[],
  primary: PrimaryPlace,
  options: { readonly strict: boolean },
): RegionCheck {
  const guessPartition = primary.partition ?? partitionOf(primary.region).name;
  const seen = new Set<string>();
  const regions: string[] = [];
  const problems: RegionProblem[] = [];
  const warnings: string[] = [];
  const duplicates = new Set<string>();

  for (const region of requested) {
    if (seen.has(region)) {
      duplicates.add(region);
      continue;
    }
    seen.add(region);
    const problem = problemWith(region, primary, guessPartition);
    if (problem !== undefined) {
      problems.push({ region, reason: problem });
      continue;
    }
    if (!partitionOf(region).known) {
      const guess = didYouMean(nearKnownRegions(region, guessPartition));
      const message = `${region} is not a Region this AWS SDK knows; it may be newer than the SDK, or a typo${guess === "" ? "." : guess}`;
      if (options.strict) {
        problems.push({ region, reason: `${message} (--strict-regions)` });
        continue;
      }
      warnings.push(`${message} Trying it anyway (use --strict-regions to refuse unknown Regions).`);
    }
    regions.push(region);
  }
  for (const region of duplicates) warnings.push(`${region} was given more than once; replicating it once.`);
  return { regions, problems, warnings };
}

function problemWith(region: string, primary: PrimaryPlace, guessPartition: string): string | undefined {
  if (region.length > REGION_MAX_LENGTH) {
    return `longer than ${REGION_MAX_LENGTH} characters`;
  }
  if (!REGION_PATTERN.test(region)) {
    const lower = region.toLowerCase();
    const guess = REGION_PATTERN.test(lower)
      ? didYouMean(partitionOf(lower).known ? [lower] : nearKnownRegions(lower, guessPartition))
      : "";
    return `not a Region ID (expected lower-case words and a number, like eu-west-1)${guess}`;
  }
  if (region === primary.region) {
    return "the primary key's own Region (a replica must be in another Region)";
  }
  return primary.partition === undefined ? undefined : partitionProblem(region, primary.partition);
}

/** Only a partition the SDK is sure of: a Region it does not know is a warning, never this error. */
export function partitionProblem(region: string, primaryPartition: string): string | undefined {
  const targetPartition = certainPartitionOf(region);
  if (targetPartition !== undefined && targetPartition !== primaryPartition) {
    return `in partition ${targetPartition}, but the primary is in ${primaryPartition} (replicas stay in their primary's partition)`;
  }
  return undefined;
}

function didYouMean(candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  const listed =
    candidates.length === 1
      ? candidates[0]
      : `${candidates.slice(0, -1).join(", ")} or ${candidates[candidates.length - 1]}`;
  return `: did you mean ${listed}?`;
}

const REGION_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-";

/**
 * The Regions of `partitionName` the SDK knows that are one edit away from `region`
 * (Damerau-Levenshtein distance 1: insert, delete, substitute, or swap two neighbours), sorted.
 * The SDK exposes no list of its Regions, only a lookup, so we look up every string one edit away
 * (about 800 for a typical Region ID, under a few milliseconds, and only for an unknown Region).
 */
export function nearKnownRegions(region: string, partitionName: string): string[] {
  const found = new Set<string>();
  const consider = (candidate: string): void => {
    if (candidate === region || found.has(candidate) || !REGION_PATTERN.test(candidate)) return;
    const info = partitionOf(candidate);
    if (info.known && info.name === partitionName) found.add(candidate);
  };
  for (let i = 0; i <= region.length; i += 1) {
    const before = region.slice(0, i);
    for (const ch of REGION_ALPHABET) {
      consider(before + ch + region.slice(i)); // insert
      if (i < region.length) consider(before + ch + region.slice(i + 1)); // substitute
    }
    if (i < region.length) consider(before + region.slice(i + 1)); // delete
    if (i + 1 < region.length)
      consider(before + region.charAt(i + 1) + region.charAt(i) + region.slice(i + 2)); // swap
  }
  return [...found].sort();
}
