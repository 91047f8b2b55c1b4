import { describe, it, expect } from "vitest";
import {
  EXIT,
  awsError,
  credentialsError,
  describeError,
  isAbort,
  isReplicateError,
  usageError,
} from "../../../src/core/errors.js";
import { awsFailure, networkFailure, REPLICATE } from "../../support/sdk-errors.js";

describe("isAbort", () => {
  it("is true for an AbortSignal's reason and false for a failure", () => {
    // GIVEN
    const reason: unknown = AbortSignal.abort().reason;
    // WHEN / THEN
    expect(isAbort(reason)).toBe(true);
    expect(isAbort(awsFailure("ThrottlingException"))).toBe(false);
  });
});

describe("describeError", () => {
  it("shows an unknown error's HTTP status and request id, with no hint", () => {
    // GIVEN
    const error = awsFailure("BrandNewException", 418, "3f2a-request");
    // WHEN
    const report = describeError(error, REPLICATE);
    // THEN
    expect(report).toEqual({
      name: "BrandNewException",
      message: "BrandNewException from the fake (HTTP 418, request id 3f2a-request)",
    });
  });

  it("names kms:ReplicateKey and kms:CreateKey when ReplicateKey is denied", () => {
    // GIVEN / WHEN
    const report = describeError(awsFailure("AccessDeniedException"), REPLICATE);
    // THEN
    expect(report.name).toBe("AccessDeniedException");
    expect(report.hint).toContain("kms:ReplicateKey");
    expect(report.hint).toContain("kms:CreateKey");
    expect(report.hint).toContain("us-east-1");
    expect(report.hint).toContain("eu-west-1");
  });

  it("names the operation's own permission for other calls", () => {
    // GIVEN / WHEN
    const report = describeError(awsFailure("AccessDeniedException"), {
      operation: "DescribeKey",
      region: "eu-west-1",
    });
    // THEN
    expect(report.hint).toContain("kms:DescribeKey in eu-west-1");
    expect(report.hint).not.toContain("kms:ReplicateKey");
  });

  it("says a malformed policy may name a principal created moments ago", () => {
    // GIVEN / WHEN
    const report = describeError(awsFailure("MalformedPolicyDocumentException"), REPLICATE);
    // THEN
    expect(report.hint).toMatch(/principal created moments ago/);
  });

  it("names a network error by its code", () => {
    // GIVEN / WHEN
    const report = describeError(networkFailure("ECONNREFUSED"), REPLICATE);
    // THEN: ReplicateKey is sent to the primary's Region
    expect(report.name).toBe("ECONNREFUSED");
    expect(report.hint).toContain("us-east-1");
    expect(report.hint).not.toContain("eu-west-1");
  });

  it("passes our own errors through", () => {
    // GIVEN
    const error = usageError("bad input", "fix it");
    // WHEN / THEN
    expect(describeError(error, REPLICATE)).toEqual({
      name: "UsageError",
      message: "bad input",
      hint: "fix it",
    });
  });
});

describe("usageError and awsError", () => {
  it("a usage error is the user's fault and exits 2", () => {
    // GIVEN / WHEN
    const error = usageError("nope");
    // THEN
    expect(isReplicateError(error)).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.fault).toBe("user");
    expect(error.code).toBe("UsageError");
  });

  it("an AWS failure keeps its name, hint and cause", () => {
    // GIVEN
    const cause = awsFailure("AccessDeniedException");
    // WHEN
    const error = awsError(cause, { operation: "DescribeKey", region: "us-east-1" });
    // THEN
    expect(error.exitCode).toBe(EXIT.failed);
    expect(error.fault).toBe("aws");
    expect(error.code).toBe("AccessDeniedException");
    expect(error.message).toBe(
      "DescribeKey in us-east-1 failed: AccessDeniedException: AccessDeniedException from the fake",
    );
    expect(error.hint).toContain("kms:DescribeKey");
    expect(error.cause).toBe(cause);
  });

  it("is not fooled by a look-alike object", () => {
    // GIVEN / WHEN / THEN
    expect(isReplicateError({ name: "UsageError", exitCode: 2 })).toBe(false);
    expect(isReplicateError(new Error("x"))).toBe(false);
  });
});

describe("credential failures", () => {
  it("pass on the provider's own reason and where we looked", () => {
    // GIVEN
    const cause = Object.assign(new Error("Profile ci credential_process returned expired credentials."), {
      name: "CredentialsProviderError",
    });
    // WHEN
    const error = credentialsError("profile ci (--profile)", cause);
    // THEN
    expect(error.message).toBe(
      "Could not load AWS credentials from profile ci (--profile): Profile ci credential_process returned expired credentials.",
    );
    expect(error.code).toBe("CredentialsProviderError");
    expect(error.exitCode).toBe(EXIT.failed);
  });

  it("keep their exit code through awsError: a missing profile stays a usage error", () => {
    // GIVEN
    const missing = usageError(
      "The config profile (nope) could not be found in /x/config or /x/credentials.",
    );
    const failed = credentialsError("AWS_PROFILE", new Error("boom"));
    // WHEN / THEN
    expect(awsError(missing, { operation: "DescribeKey", region: "us-east-1" })).toBe(missing);
    expect(awsError(missing, { operation: "DescribeKey", region: "us-east-1" }).exitCode).toBe(EXIT.usage);
    expect(awsError(failed, { operation: "DescribeKey", region: "us-east-1" })).toBe(failed);
  });
});
