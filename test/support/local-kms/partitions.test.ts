// The endpoint's own partition table, and every place the endpoint decides a partition.
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  ReplicateKeyCommand,
} from "@aws-sdk/client-kms";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACCOUNT, expectKmsError, useHarness } from "./harness.js";
import { PARTITIONS, isKnownRegion, partitionOf } from "./partitions.js";

describe("the partition table", () => {
  it.each([
    ["us-east-1", "aws"],
    ["eu-west-1", "aws"],
    ["mx-central-1", "aws"],
    ["cn-north-1", "aws-cn"],
    ["cn-northwest-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
    ["us-gov-east-1", "aws-us-gov"],
    ["us-iso-east-1", "aws-iso"],
    ["us-isob-east-1", "aws-iso-b"],
    ["eu-isoe-west-1", "aws-iso-e"],
    ["us-isof-south-1", "aws-iso-f"],
    ["eusc-de-east-1", "aws-eusc"],
  ])("puts the known Region %s in %s", (region, partition) => {
    expect(isKnownRegion(region)).toBe(true);
    expect(partitionOf(region)).toBe(partition);
  });

  it.each([
    ["cn-southwest-9", "aws-cn"],
    ["us-gov-central-9", "aws-us-gov"],
    ["us-isob-west-9", "aws-iso-b"],
    ["us-iso-north-9", "aws-iso"],
    ["us-isof-north-9", "aws-iso-f"],
    ["xy-new-1", "aws"],
    ["us-north-50", "aws"],
  ])("puts the unknown Region %s in %s by its name", (region, partition) => {
    expect(isKnownRegion(region)).toBe(false);
    expect(partitionOf(region)).toBe(partition);
  });

  it("lets extra entries come first, and lists each Region once", () => {
    expect(partitionOf("us-north-50", { "us-north-50": "aws-us-gov" })).toBe("aws-us-gov");
    expect(partitionOf("us-east-1", { "us-north-50": "aws-us-gov" })).toBe("aws");
    const all = Object.values(PARTITIONS).flat();
    expect(new Set(all).size).toBe(all.length);
  });

  // The twin's contract: never the code it tests, nor the SDK's partition data. One package from
  // outside: node-forge, which encodes the TLS certificates (tls.ts), as node:crypto cannot.
  it("is written in the endpoint: no file of it imports src/, the AWS SDK or Smithy", () => {
    const folder = new URL("./", import.meta.url);
    const sources = readdirSync(folder).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(sources).toContain("partitions.ts");
    for (const file of sources.filter((f) => f !== "harness.ts")) {
      const text = readFileSync(new URL(file, folder), "utf8");
      const imports = [...text.matchAll(/from "([^"]+)"/g)].map((m) => m[1] ?? "");
      for (const path of imports) {
        if (file === "tls.ts" && path === "node-forge") continue;
        expect(path, `${file} imports ${path}`).toMatch(/^(node:|\.\/)/);
      }
    }
  });
});

describe("partitions in answers", () => {
  const h = useHarness();

  it("makes ARNs and default policies of the Region's partition", async () => {
    const china = await h.kms("cn-north-1").send(new CreateKeyCommand({ MultiRegion: true }));
    expect(china.KeyMetadata?.Arn).toMatch(new RegExp(`^arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/mrk-`));
    const policy = await h
      .kms("cn-north-1")
      .send(new GetKeyPolicyCommand({ KeyId: china.KeyMetadata?.KeyId }));
    expect(policy.Policy).toContain(`arn:aws-cn:iam::${ACCOUNT}:root`);

    const replica = await h
      .kms("cn-north-1")
      .send(new ReplicateKeyCommand({ KeyId: china.KeyMetadata?.Arn, ReplicaRegion: "cn-northwest-1" }));
    expect(replica.ReplicaKeyMetadata?.Arn).toMatch(/^arn:aws-cn:kms:cn-northwest-1:/);
    expect(replica.ReplicaPolicy).toContain("arn:aws-cn:iam::");

    const iso = h.primary("us-isob-east-1");
    expect(iso.arn).toMatch(/^arn:aws-iso-b:kms:us-isob-east-1:/);
  });

  it("refuses ReplicateKey into another partition with ValidationException (both ways)", async () => {
    const china = h.primary("cn-north-1");
    await expectKmsError(
      h.kms("cn-north-1").send(new ReplicateKeyCommand({ KeyId: china.arn, ReplicaRegion: "eu-west-1" })),
      "ValidationException",
    );
    const gov = h.primary("us-gov-west-1");
    await expectKmsError(
      h.kms("us-gov-west-1").send(new ReplicateKeyCommand({ KeyId: gov.arn, ReplicaRegion: "us-east-1" })),
      "ValidationException",
    );
    expect(h.server.keys("eu-west-1")).toEqual([]);
    expect(h.server.keys("us-east-1")).toEqual([]);
  });

  it("regionPartitions places an invented Region: the twin disagrees with the SDK's 'unknown = aws'", async () => {
    h.server.configure({ regionPartitions: { "us-north-50": "aws-us-gov" } });
    const { arn } = h.primary("us-east-1");
    await expectKmsError(
      h.kms("us-east-1").send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: "us-north-50" })),
      "ValidationException",
    );
    expect(h.primary("us-north-50").arn).toMatch(/^arn:aws-us-gov:kms:us-north-50:/);
  });

  it("answers a request signed for a Region outside its table as an endpoint that does not serve it", async () => {
    // GIVEN a primary in us-east-1
    const { arn } = h.primary("us-east-1");
    // WHEN a call is signed for a Region the table does not list
    const answer = await expectKmsError(
      h.kms("eu-wset-1").send(new DescribeKeyCommand({ KeyId: arn })),
      "InvalidSignatureException",
    );
    // THEN KMS's answer to a credential scoped to another Region, recorded in the call log
    expect(answer.message).toBe("Credential should be scoped to a valid region, not 'eu-wset-1'.");
    expect(h.server.calls({ region: "eu-wset-1" })).toEqual([
      expect.objectContaining({
        operation: "DescribeKey",
        status: 400,
        errorType: "InvalidSignatureException",
      }),
    ]);
    // AND a Region of the table next to it is served
    await expect(h.describe("us-east-1", arn)).resolves.toMatchObject({ Arn: arn });
  });

  it("refuses ReplicateKey into a Region outside its table (UnsupportedOperationException), creating nothing", async () => {
    const { arn } = h.primary("us-east-1");
    const answer = await expectKmsError(
      h.kms("us-east-1").send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: "eu-wset-1" })),
      "UnsupportedOperationException",
    );
    expect(answer.message).toBe("eu-wset-1 is not a Region in which KMS is offered.");
    expect(h.server.keys("eu-wset-1")).toEqual([]);
  });

  it("serves an invented Region once regionPartitions places it", async () => {
    h.server.configure({ regionPartitions: { "us-north-50": "aws" } });
    const { arn } = h.primary("us-east-1");
    const replica = await h
      .kms("us-east-1")
      .send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: "us-north-50" }));
    expect(replica.ReplicaKeyMetadata?.Arn).toMatch(/^arn:aws:kms:us-north-50:/);
    const replicaArn = replica.ReplicaKeyMetadata?.Arn ?? "";
    await expect(h.describe("us-north-50", replicaArn)).resolves.toMatchObject({ Arn: replicaArn });
  });

  it("finds no key by an ARN whose partition is not its Region's", async () => {
    const { arn } = h.primary("us-east-1");
    await expectKmsError(
      h.kms("us-east-1").send(new DescribeKeyCommand({ KeyId: arn.replace("arn:aws:", "arn:aws-cn:") })),
      "NotFoundException",
    );
    await expect(h.describe("us-east-1", arn)).resolves.toMatchObject({ Arn: arn });
  });
});
