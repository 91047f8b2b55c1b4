import { describe, it, expect } from "vitest";
import { costOf, KMS_QUOTAS } from "../../../src/aws/quotas.js";

describe("costOf", () => {
  it("charges ReplicateKey in the primary's Region and 2 CreateKey in the replica's", () => {
    // GIVEN / WHEN / THEN
    expect(costOf("ReplicateKey", "us-east-1", "eu-west-1")).toEqual([
      { name: "ReplicateKey", region: "us-east-1", units: 1 },
      { name: "CreateKey", region: "eu-west-1", units: 2 },
    ]);
  });

  it("charges UpdatePrimaryRegion in both Regions", () => {
    // GIVEN / WHEN / THEN
    expect(costOf("UpdatePrimaryRegion", "us-east-1", "eu-west-1")).toEqual([
      { name: "UpdatePrimaryRegion", region: "us-east-1", units: 1 },
      { name: "UpdatePrimaryRegion", region: "eu-west-1", units: 1 },
    ]);
  });

  it.each(["DescribeKey", "TagResource", "GetParametersForImport", "CreateAlias"])(
    "charges %s once in its own Region",
    (operation) => {
      // GIVEN / WHEN / THEN
      expect(costOf(operation, "eu-west-1")).toEqual([{ name: operation, region: "eu-west-1", units: 1 }]);
    },
  );

  it("charges nothing for an operation without a documented quota", () => {
    // GIVEN / WHEN / THEN
    expect(costOf("Encrypt", "eu-west-1")).toEqual([]);
  });

  it("has KMS's documented defaults", () => {
    // GIVEN / WHEN / THEN (shared/kms-lifecycle.md, "Request quotas")
    expect(KMS_QUOTAS).toMatchObject({
      ReplicateKey: 5,
      CreateKey: 5,
      UpdatePrimaryRegion: 5,
      DescribeKey: 2000,
      GetParametersForImport: 1,
      ImportKeyMaterial: 15,
      TagResource: 10,
      UntagResource: 5,
      PutKeyPolicy: 15,
      ListKeys: 500,
    });
  });
});
