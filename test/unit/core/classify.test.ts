import { describe, it, expect } from "vitest";
import { classify } from "../../../src/core/classify.js";
import { describeError } from "../../../src/core/errors.js";
import { isRetryable } from "../../../src/core/retryable.js";
import { awsFailure, networkFailure, REPLICATE } from "../../support/sdk-errors.js";

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
    { what: "ECONNRESET", error: networkFailure("ECONNRESET"), name: "ConnectionClosed" },
    { what: "EPIPE", error: networkFailure("EPIPE"), name: "ConnectionClosed" },
    { what: "ECONNREFUSED", error: networkFailure("ECONNREFUSED"), name: "NetworkError" },
    { what: "ENOTFOUND", error: networkFailure("ENOTFOUND"), name: "NetworkError" },
    { what: "a read ETIMEDOUT", error: networkFailure("ETIMEDOUT"), name: "ReadTimeout" },
    {
      what: "a connect() ETIMEDOUT",
      error: Object.assign(networkFailure("ETIMEDOUT"), { syscall: "connect" }),
      name: "ConnectTimeout",
    },
    { what: "the SDK's TimeoutError", error: awsFailure("TimeoutError", 0), name: "ReadTimeout" },
    {
      what: "a reset the SDK renamed TimeoutError",
      error: Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" }),
      name: "ConnectionClosed",
    },
    {
      what: "a network error wrapped as a cause",
      error: new Error("request failed", { cause: networkFailure("ECONNRESET") }),
      name: "ConnectionClosed",
    },
    { what: "a 502", error: awsFailure("BadGateway", 502), name: "KMSInternalException" },
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
    {
      what: "a KMS host without a DNS name",
      error: Object.assign(new Error("getaddrinfo ENOTFOUND kms.eu-wset-1.amazonaws.com"), {
        code: "ENOTFOUND",
        hostname: "kms.eu-wset-1.amazonaws.com",
      }),
      name: "ENOTFOUND",
    },
    {
      what: "a China KMS host without a DNS name (read from the message)",
      error: Object.assign(new Error("getaddrinfo ENOTFOUND kms.cn-nrth-1.amazonaws.com.cn"), {
        code: "ENOTFOUND",
      }),
      name: "ENOTFOUND",
    },
    {
      what: "an endpoint refusing a credential scoped to a Region it does not serve",
      error: Object.assign(awsFailure("InvalidSignatureException"), {
        message: "Credential should be scoped to a valid region, not 'eu-wset-1'.",
      }),
      name: "InvalidSignatureException",
    },
  ])("names $what RegionNotServed, says to check the Region ID, and does not retry it", ({ error, name }) => {
    // GIVEN / WHEN
    const report = describeError(error, { operation: "DescribeKey", region: "eu-wset-1" });
    // THEN
    expect(classify(error)).toBe("RegionNotServed");
    expect(isRetryable(error)).toBe(false);
    expect(report.name).toBe(name);
    expect(report.hint).toMatch(/^KMS does not serve eu-wset-1: .*Check the Region ID/);
  });

  it("keeps ENOTFOUND of any other host a network error", () => {
    const error = Object.assign(new Error("getaddrinfo ENOTFOUND proxy.example"), {
      code: "ENOTFOUND",
      hostname: "proxy.example",
    });
    expect(classify(error)).toBe("NetworkError");
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
