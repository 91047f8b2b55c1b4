// The AWS SDK's own partition metadata (which Regions belong to aws, aws-cn, aws-us-gov, …).
// Its own module so the build can tree-shake it out of the SDK's barrel file: validating Regions
// must not load the whole SDK (see scripts/build.mjs).
import type { PartitionsInfo } from "@aws-sdk/core/client";
// The same data, which the SDK does not export from a public entry point: imported by path.
// @ts-expect-error -- the SDK's ES build has no declaration file beside it; typed in sdkRegionIds
import { partitionsInfo } from "../../node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js";
export { partition } from "@aws-sdk/core/client";

/** Every Region ID the SDK lists, in every partition (for shell completion). */
export function sdkRegionIds(): string[] {
  return (partitionsInfo as PartitionsInfo).partitions.flatMap((p) => Object.keys(p.regions));
}
