import { describe, it, expect } from "vitest";
import {
  ADVICE,
  EXIT,
  awsError,
  classify,
  describeError,
  isAbort,
  isReplicateError,
  isRetryable,
  usageError,
  type ErrorContext,
} from "../../src/errors.js";

/** An error shaped like the SDK's ServiceException. */
function awsFailure(name: string, status = 400, requestId = "req-0001"): Error {
  return Object.assign(new Error(`${name} from the fake`), {
    name,
    $metadata: { httpStatusCode: status, requestId },
  });
}

/** A Node network error (no HTTP status, a code). */
function networkFailure(code: string): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

const REPLICATE: ErrorContext = {
  operation: "ReplicateKey",
  region: "eu-west-1",
  primaryRegion: "us-east-1",
  keyId: "mrk-1234abcd12ab34cd56ef1234567890ab",
};

describe("classify and isRetryable", () => {
  it.each([
    { what: "ThrottlingException", error: awsFailure("ThrottlingException"), name: "ThrottlingException" },
    {
      what: "KMSInternalException",
      error: awsFailure("KMSInternalException", 500),
      name: "KMSInternalException",
    },
    {
      what: "DependencyTimeoutException",
      error: awsFailure("DependencyTimeoutException", 503),
      name: "DependencyTimeoutException",
    },
    {
      what: "KeyUnavailableException",
      error: awsFailure("KeyUnavailableException", 500),
      name: "KeyUnavailableException",
    },
    {
      what: "a 503 with an unknown name",
      error: awsFailure("ServiceUnavailable", 503),
      name: "KMSInternalException",
    },
    { what: "ECONNRESET", error: networkFailure("ECONNRESET"), name: "NetworkError" },
    { what: "ETIMEDOUT", error: networkFailure("ETIMEDOUT"), name: "NetworkError" },
    { what: "the SDK's TimeoutError", error: awsFailure("TimeoutError", 0), name: "TimeoutError" },
    {
      what: "a network error wrapped as a cause",
      error: new Error("request failed", { cause: networkFailure("ECONNRESET") }),
      name: "NetworkError",
    },
  ])("retries $what", ({ error, name }) => {
    // GIVEN / WHEN / THEN
    expect(classify(error)).toBe(name);
    expect(isRetryable(error)).toBe(true);
  });

  it.each([
    "LimitExceededException",
    "AccessDeniedException",
    "ValidationException",
    "AlreadyExistsException",
    "UnsupportedOperationException",
    "MalformedPolicyDocumentException",
    "NotFoundException",
    "KMSInvalidStateException",
    "DisabledException",
    "UnrecognizedClientException",
  ])("does not retry %s", (name) => {
    // GIVEN
    const error = awsFailure(name);
    // WHEN / THEN
    expect(classify(error)).toBe(name);
    expect(isRetryable(error)).toBe(false);
  });

  it.each([
    { what: "an unknown 4xx", error: awsFailure("BrandNewException", 400) },
    { what: "a plain Error", error: new Error("no idea") },
    { what: "a string", error: "thrown string" },
  ])("does not know (nor retry) $what", ({ error }) => {
    // GIVEN / WHEN / THEN
    expect(classify(error)).toBeUndefined();
    expect(isRetryable(error)).toBe(false);
  });

  it.each([undefined, null])("copes with %s thrown (it maps any thrown value)", (error) => {
    // GIVEN a rejection with no value at all
    // WHEN / THEN
    expect(classify(error)).toBeUndefined();
    expect(isRetryable(error)).toBe(false);
    expect(describeError(error, REPLICATE)).toEqual({ name: "Error", message: String(error) });
  });

  it("reads a credentials provider failure as CredentialsProviderError", () => {
    // GIVEN
    const error = Object.assign(new Error("Could not load credentials"), { name: "ProviderError" });
    // WHEN / THEN
    expect(classify(error)).toBe("CredentialsProviderError");
    expect(isRetryable(error)).toBe(false);
  });
});

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
    // THEN
    expect(report.name).toBe("ECONNREFUSED");
    expect(report.hint).toContain("eu-west-1");
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

describe("ADVICE", () => {
  it.each(Object.keys(ADVICE))("%s has a non-empty hint", (name) => {
    // GIVEN
    const advice = ADVICE[name as keyof typeof ADVICE];
    // WHEN
    const hint = advice.hint(REPLICATE);
    // THEN
    expect(hint.trim().length).toBeGreaterThan(10);
    expect(hint).not.toContain("undefined");
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
