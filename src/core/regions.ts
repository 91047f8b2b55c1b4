// Region rules, pure: the ReplicaRegion pattern and length, the partition (from the AWS SDK's own
// metadata, not a hand-kept list), not the primary's Region, no duplicates; a Region the SDK does
// not list (refused when it is a typo of one it does, see UnknownRegionRule), and the known Region
// a typo probably meant.
import { damerauLevenshtein } from "./edit-distance.js";
import { usageError } from "./errors.js";
import { REGION_MAX_LENGTH, REGION_PATTERN } from "./keys.js";
import { partition, sdkRegionIds } from "../aws/sdk-partition.js";

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

/**
 * How a well-formed Region that the SDK does not list is treated (the same for every Region the
 * command line names: targets, --to, --region, the Region of a key ARN, AWS_REGION):
 * - `typos` (the default): refused when it is within two edits of a Region the SDK lists (a typo,
 *   exit 2, with "did you mean"); tried, with a warning, when it is farther from every one;
 * - `allow` (--allow-unknown-regions): tried, with a warning, however near (a Region newer than
 *   the bundled SDK, such as eu-central-3 next to eu-central-1 and eu-central-2);
 * - `refuse` (--strict-regions): refused, however far.
 */
export type UnknownRegionRule = "typos" | "allow" | "refuse";

/** A Region the SDK does not list, and within this many edits of one it does, is taken for a typo. */
export const TYPO_DISTANCE = 2;

export function checkRegions(
  requested: readonly string[],
  primary: PrimaryPlace,
  options: { readonly unknown: UnknownRegionRule },
): RegionCheck {
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
    const problem = problemWith(region, primary);
    if (problem !== undefined) {
      problems.push({ region, reason: problem });
      continue;
    }
    const verdict = unknownRegionVerdict(region, options.unknown);
    if (verdict.reason !== undefined) {
      problems.push({ region, reason: verdict.reason });
      continue;
    }
    if (verdict.warning !== undefined) warnings.push(verdict.warning);
    regions.push(region);
  }
  for (const region of duplicates) warnings.push(`${region} was given more than once; replicating it once.`);
  return { regions, problems, warnings };
}

/**
 * What the rule says of one well-formed Region: nothing (the SDK lists it), a `reason` to refuse
 * it (without the Region's name: the caller puts it in front), or a `warning` (a whole sentence).
 */
export interface RegionVerdict {
  readonly reason?: string;
  readonly warning?: string;
}

export function unknownRegionVerdict(region: string, rule: UnknownRegionRule): RegionVerdict {
  if (partitionOf(region).known) return {};
  const near = nearKnownRegions(region);
  const guess = didYouMean(near.regions);
  const unknown = "not a Region this AWS SDK knows";
  if (rule === "refuse") {
    return { reason: `${unknown}${guess} (--strict-regions refuses every Region the SDK does not know)` };
  }
  if (near.regions.length > 0 && rule === "typos") {
    return {
      reason: `${unknown}${guess} (${near.distance === 1 ? "one edit" : "two edits"} away; for a Region newer than this SDK, add --allow-unknown-regions)`,
    };
  }
  const tried =
    rule === "allow"
      ? "Trying it (--allow-unknown-regions)."
      : "Trying it anyway (--strict-regions refuses Regions the SDK does not know).";
  return {
    warning: `${region} is ${unknown}; it may be newer than the SDK${near.regions.length > 0 ? `, or a typo${guess}` : "."} ${tried}`,
  };
}

/**
 * A Region that names where a key is (--region, the Region of a key ARN, AWS_REGION or the
 * profile's, --all-primaries' --region), checked by the same rule as the targets: a refused
 * Region is a usage error (exit 2) naming `where`; a warning is passed to `warn`.
 */
export function checkPlaceRegion(
  region: string,
  where: string,
  rule: UnknownRegionRule,
  warn: (message: string) => void,
): void {
  const verdict = unknownRegionVerdict(region, rule);
  if (verdict.reason !== undefined) throw usageError(`${where}: ${region} is ${verdict.reason}`);
  if (verdict.warning !== undefined) warn(verdict.warning);
}

function problemWith(region: string, primary: PrimaryPlace): string | undefined {
  if (region.length > REGION_MAX_LENGTH) {
    return `longer than ${REGION_MAX_LENGTH} characters`;
  }
  if (!REGION_PATTERN.test(region)) {
    const lower = region.toLowerCase();
    const guess = REGION_PATTERN.test(lower)
      ? didYouMean(partitionOf(lower).known ? [lower] : nearKnownRegions(lower).regions)
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

/** Every Region ID the SDK lists, in every partition (well-formed ones: not `aws-global`). Built once. */
let known: readonly string[] | undefined;
function knownRegions(): readonly string[] {
  known ??= [...new Set(sdkRegionIds())].filter((id) => REGION_PATTERN.test(id)).sort();
  return known;
}

/**
 * The Regions the SDK lists (in any partition: a typo is a typo wherever it points) nearest to
 * `region`, when within `within` edits (Damerau-Levenshtein: insert, delete, substitute, or swap
 * two neighbours), sorted; and how many edits away they are. Compared with each of the SDK's
 * ~50 Regions in turn: well under a millisecond.
 */
export function nearKnownRegions(
  region: string,
  within: number = TYPO_DISTANCE,
): { readonly regions: string[]; readonly distance: number } {
  let best = within;
  let regions: string[] = [];
  for (const candidate of knownRegions()) {
    if (candidate === region || Math.abs(candidate.length - region.length) > best) continue;
    const distance = damerauLevenshtein(region, candidate);
    if (distance > best) continue;
    if (distance < best || regions.length === 0) {
      best = distance;
      regions = [candidate];
    } else {
      regions.push(candidate);
    }
  }
  return { regions, distance: regions.length > 0 ? best : 0 };
}
