import { describe, it, expect } from "vitest";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import { parseKeyRef, regionOfKeyRef } from "../../../src/core/keys.js";

function usageMessage(input: string): string {
  try {
    parseKeyRef(input);
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error(`expected '${input}' to be refused`);
}

describe("parseKeyRef", () => {
  it.each([
    { input: "1234abcd-12ab-34cd-56ef-1234567890ab", kind: "key-id" },
    { input: "mrk-1234abcd12ab34cd56ef1234567890ab", kind: "key-id" },
    { input: "  mrk-1234abcd12ab34cd56ef1234567890ab  ", kind: "key-id" },
    { input: "not-a-format-we-know", kind: "key-id" },
    { input: "alias/payments", kind: "alias" },
    { input: "alias/aws/ebs", kind: "alias" },
  ])("reads '$input' as $kind", ({ input, kind }) => {
    // GIVEN / WHEN
    const ref = parseKeyRef(input);
    // THEN
    expect(ref).toEqual({ kind, value: input.trim() });
    expect(regionOfKeyRef(ref)).toBeUndefined();
  });

  it.each([
    {
      input: "arn:aws:kms:us-east-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
      kind: "key-arn",
      partition: "aws",
      region: "us-east-2",
    },
    {
      input: "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      kind: "key-arn",
      partition: "aws-cn",
      region: "cn-north-1",
    },
    {
      input: "arn:aws:kms:eu-west-1:111122223333:alias/payments",
      kind: "alias-arn",
      partition: "aws",
      region: "eu-west-1",
    },
  ])("reads $kind $input with its partition, Region and account", ({ input, kind, partition, region }) => {
    // GIVEN / WHEN
    const ref = parseKeyRef(input);
    // THEN
    expect(ref).toEqual({ kind, value: input, partition, region, account: "111122223333" });
    expect(regionOfKeyRef(ref)).toBe(region);
  });

  it.each([
    { input: "arn:aws:s3:::my-bucket", message: /is not a KMS key or alias ARN/ },
    { input: "arn:aws:kms:us-east-1:111122223333:grant/abc", message: /is not a KMS key or alias ARN/ },
    { input: "arn:aws:kms:us-east-1:111122223333:key/", message: /is not a KMS key or alias ARN/ },
    { input: "arn:aws:kms:us-east-1:111122223333:alias/", message: /is not a KMS key or alias ARN/ },
    { input: "arn:aws:kms::111122223333:key/mrk-1", message: /missing its Region or account/ },
    { input: "arn:aws:kms:us-east-1::key/mrk-1", message: /missing its Region or account/ },
    { input: "arn:aws:kms:us-east-1:111122223333:key/mrk-1:extra", message: /stray ':'/ },
    {
      input: "arn:aws:kms:US_EAST:111122223333:key/mrk-1",
      message: /the Region in the ARN, 'US_EAST', is not a Region ID/,
    },
    { input: "arn:aws:kms:useast1:111122223333:key/mrk-1", message: /the Region in the ARN, 'useast1'/ },
    {
      input: "arn:aws:kms:us-east-1:11112222333:key/mrk-1",
      message: /the account in the ARN, '11112222333', is not a 12-digit AWS account ID/,
    },
    { input: "arn:aws:kms:us-east-1:me:alias/orders", message: /the account in the ARN, 'me'/ },
    { input: "alias/", message: /needs an alias name/ },
    { input: "", message: /1 to 2048 characters \(got 0\)/ },
    { input: "   ", message: /1 to 2048 characters \(got 0\)/ },
  ])("refuses '$input' as a usage error", ({ input, message }) => {
    // GIVEN / WHEN / THEN
    expect(usageMessage(input)).toMatch(message);
  });

  it("hints the lower-case Region for an upper-case Region in an ARN", () => {
    // GIVEN / WHEN
    const error = (() => {
      try {
        parseKeyRef("arn:aws:kms:US-EAST-1:111122223333:key/mrk-1");
      } catch (e) {
        return e as ReplicateError;
      }
      throw new Error("expected a usage error");
    })();
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.hint).toBe("Did you mean us-east-1?");
  });

  it("accepts 2048 characters and refuses 2049", () => {
    // GIVEN
    const max = "k".repeat(2048);
    const over = "k".repeat(2049);
    // WHEN / THEN
    expect(parseKeyRef(max)).toEqual({ kind: "key-id", value: max });
    expect(usageMessage(over)).toContain("got 2049");
  });
});
