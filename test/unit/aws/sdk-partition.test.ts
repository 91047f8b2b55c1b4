// src/aws/sdk-partition.ts: the SDK's partition rule over the SDK's own table, without the SDK's
// endpoint code. It must answer exactly as the SDK's partition() does.
import { partition as sdkPartition } from "@aws-sdk/core/client";
import { describe, expect, it } from "vitest";
import { partition, sdkRegionIds } from "../../../src/aws/sdk-partition.js";

describe("partition", () => {
  const regions = [
    ...sdkRegionIds(),
    "us-north-50",
    "eu-wset-1",
    "cn-west-9",
    "us-gov-north-7",
    "us-iso-west-3",
    "eusc-de-east-2",
    "xx-yy-1",
    "not_a_region",
    "",
  ];

  it.each(regions)("answers %j as the SDK's partition() does", (region) => {
    // GIVEN a Region the SDK lists, one that only matches a partition's pattern, or neither
    // WHEN both resolve it  THEN the same partition and the same Region entry
    expect(partition(region)).toEqual(sdkPartition(region));
  });

  it("lists every partition's Regions", () => {
    expect(sdkRegionIds()).toEqual(expect.arrayContaining(["us-east-1", "cn-north-1", "us-gov-west-1"]));
  });
});
