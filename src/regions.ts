// Target Region rules, pure: the ReplicaRegion pattern and length, the partition (from the AWS
// SDK's own metadata, not a hand-kept list), not the primary's Region, no duplicates.
import { partition } from "./sdk-partition.js";

export const REGION_PATTERN = /^([a-z]+-){2,3}\d+$/;
export const REGION_MAX_LENGTH = 32;

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
  primaryRegion: string,
  options: { readonly strict: boolean },
): RegionCheck {
  const primaryPartition = partitionOf(primaryRegion).name;
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
    const problem = problemWith(region, primaryRegion, primaryPartition);
    if (problem !== undefined) {
      problems.push({ region, reason: problem });
      continue;
    }
    if (!partitionOf(region).known) {
      const message = `${region} is not a Region this AWS SDK knows; it may be newer than the SDK, or a typo.`;
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

function problemWith(region: string, primaryRegion: string, primaryPartition: string): string | undefined {
  if (region.length > REGION_MAX_LENGTH) {
    return `longer than ${REGION_MAX_LENGTH} characters`;
  }
  if (!REGION_PATTERN.test(region)) {
    return "not a Region ID (expected lower-case words and a number, like eu-west-1)";
  }
  if (region === primaryRegion) {
    return "the primary key's own Region (a replica must be in another Region)";
  }
  const targetPartition = partitionOf(region).name;
  if (targetPartition !== primaryPartition) {
    return `in partition ${targetPartition}, but the primary is in ${primaryPartition} (replicas stay in their primary's partition)`;
  }
  return undefined;
}
