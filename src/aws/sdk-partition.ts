// The AWS SDK's own partition metadata (which Regions belong to aws, aws-cn, aws-us-gov, …), and
// the SDK's rule for a Region's partition over it. Only the table comes from the SDK (data, about
// 8 kB, imported by path: the SDK does not export it from a public entry point); its partition()
// would bring the SDK's endpoint code with it, about 50 kB that every start-up would load
// (`--help` included: the Region checks sit on the command line's import path). The rule below is
// the SDK's partition() (@aws-sdk/core util-endpoints lib/aws/partition.js), with the SDK's
// default table; test/unit/aws/sdk-partition.test.ts holds it to the SDK's own answers.
import type { PartitionsInfo } from "@aws-sdk/core/client";
// @ts-expect-error -- the SDK's ES build has no declaration file beside it; typed just below
import { partitionsInfo as sdkPartitionsInfo } from "../../node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js";

const PARTITIONS = (sdkPartitionsInfo as PartitionsInfo).partitions;

/** What partition() answers: the partition's outputs, and the Region's own entry when listed. */
export interface SdkPartition {
  /** aws, aws-cn, aws-us-gov, … */
  readonly name: string;
  /** The Region's description, when the SDK lists the Region by name. */
  readonly description?: string;
}

/**
 * The partition of a Region as the SDK resolves it: the partition that lists it by name, else the
 * first whose pattern it matches, else `aws`.
 */
export function partition(region: string): SdkPartition {
  for (const p of PARTITIONS) {
    const listed = Object.entries(p.regions).find(([id]) => id === region)?.[1];
    if (listed !== undefined) return { ...p.outputs, ...listed };
  }
  const matched = PARTITIONS.find((p) => new RegExp(p.regionRegex).test(region));
  const fallback = matched ?? PARTITIONS.find((p) => p.id === "aws");
  return { ...(fallback?.outputs ?? { name: "aws" }) };
}

/** Every Region ID the SDK lists, in every partition (for shell completion). */
export function sdkRegionIds(): string[] {
  return PARTITIONS.flatMap((p) => Object.keys(p.regions));
}
