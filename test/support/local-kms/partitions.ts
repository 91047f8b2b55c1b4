// The endpoint's own table of AWS partitions and the Regions in each, written here on purpose: it
// must not come from the AWS SDK (whose `partition()` the product uses) nor from src/, so that a
// partition bug in the product cannot be mirrored by the endpoint it is tested against.

/** Every Region the endpoint knows, by partition (as listed in the AWS documentation, 2026). */
export const PARTITIONS: Readonly<Record<string, readonly string[]>> = {
  aws: [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
  ],
  "aws-cn": ["cn-north-1", "cn-northwest-1"],
  "aws-us-gov": ["us-gov-west-1", "us-gov-east-1"],
  "aws-iso": ["us-iso-east-1", "us-iso-west-1"],
  "aws-iso-b": ["us-isob-east-1", "us-isob-west-1"],
  "aws-iso-e": ["eu-isoe-west-1"],
  "aws-iso-f": ["us-isof-south-1", "us-isof-east-1"],
  "aws-eusc": ["eusc-de-east-1"],
};

const BY_REGION = new Map(
  Object.entries(PARTITIONS).flatMap(([name, regions]) => regions.map((r) => [r, name] as const)),
);

/**
 * Region name prefixes of the partitions other than `aws`, for Regions not (yet) in the table.
 * Longest first: `us-isob-` must win over `us-iso-`.
 */
const PREFIXES: readonly (readonly [string, string])[] = [
  ["us-isob-", "aws-iso-b"],
  ["us-isof-", "aws-iso-f"],
  ["us-iso-", "aws-iso"],
  ["us-gov-", "aws-us-gov"],
  ["eu-isoe-", "aws-iso-e"],
  ["eusc-", "aws-eusc"],
  ["cn-", "aws-cn"],
];

/** Whether the Region is in the table (not merely named like one). */
export function isKnownRegion(region: string): boolean {
  return BY_REGION.has(region);
}

/**
 * The partition of a Region: `extra` first (a test's invented Regions), then the table, then the
 * naming prefixes above; any other Region is taken to be in `aws`, the commercial partition.
 */
export function partitionOf(region: string, extra: Readonly<Record<string, string>> = {}): string {
  const named = extra[region] ?? BY_REGION.get(region);
  if (named !== undefined) return named;
  return PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}
