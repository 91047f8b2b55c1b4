import { describe, it, expect } from "vitest";
import { isThrottlingError } from "@smithy/core/retry";
import {
  ADVICE,
  adviseAs,
  EXIT,
  awsError,
  classify,
  credentialsError,
  describeError,
  isAbort,
  isClockSkew,
  isReplicateError,
  isRetryable,
  isTimeout,
  KmsCallError,
  usageError,
  type ErrorContext,
} from "../../../src/core/errors.js";

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

describe("LimitExceededException's advice depends on the call", () => {
  it.each([
    {
      operation: "TagResource",
      hint: /more than 50 tags, KMS's limit per key, which cannot be raised.*--prune-tags/,
    },
    { operation: "CreateAlias", hint: /aliases.*Service Quotas: Aliases per KMS key/ },
    { operation: "ReplicateKey", hint: /resource quota is exhausted in eu-west-1.*quota increase/ },
  ])("$operation", ({ operation, hint }) => {
    const report = describeError(awsFailure("LimitExceededException"), { ...REPLICATE, operation });
    expect(report.hint).toMatch(hint);
    if (operation === "TagResource") expect(report.hint).not.toMatch(/quota increase/);
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

describe("the SDK's predicates, behind our own rules", () => {
  it("never retries LimitExceededException, which the SDK counts as throttling", () => {
    // GIVEN
    const error = awsFailure("LimitExceededException");
    // WHEN / THEN
    expect(isThrottlingError(error as Parameters<typeof isThrottlingError>[0])).toBe(true);
    expect(isRetryable(error)).toBe(false);
  });

  it("retries what only the SDK's predicates know: HTTP 429, a $retryable trait", () => {
    // GIVEN / WHEN / THEN
    expect(isRetryable(awsFailure("SomethingNew", 429))).toBe(true);
    expect(isRetryable(Object.assign(awsFailure("SomethingNew"), { $retryable: {} }))).toBe(true);
  });

  it("reads a clock skew the SDK corrected, and KMS's 'Signature expired', as a clock skew", () => {
    // GIVEN
    const corrected = awsFailure("InvalidSignatureException");
    (corrected as unknown as { $metadata: Record<string, unknown> }).$metadata.clockSkewCorrected = true;
    const expired = Object.assign(awsFailure("InvalidSignatureException"), {
      message:
        "Signature expired: 20261123T110000Z is now earlier than 20261123T111000Z (20261123T111500Z - 5 min.)",
    });
    const wrongSecret = awsFailure("InvalidSignatureException");
    // WHEN / THEN
    expect([isClockSkew(corrected), isRetryable(corrected)]).toEqual([true, true]);
    expect([isClockSkew(expired), isRetryable(expired)]).toEqual([true, true]);
    expect([isClockSkew(wrongSecret), isRetryable(wrongSecret)]).toEqual([false, false]);
  });

  it("never retries our own errors, nor an abort", () => {
    // GIVEN / WHEN / THEN
    expect(isRetryable(usageError("The config profile (x) could not be found"))).toBe(false);
    expect(isRetryable(AbortSignal.abort().reason)).toBe(false);
  });

  it("knows which errors are timeouts", () => {
    // GIVEN / WHEN / THEN: a caller's deadline (AbortSignal.timeout) is not a transport timeout
    expect(isTimeout(new DOMException("The operation timed out.", "TimeoutError"))).toBe(false);
    expect(isTimeout(awsFailure("TimeoutError", 0))).toBe(true);
    expect(isTimeout(networkFailure("ECONNRESET"))).toBe(false);
    expect(isTimeout(awsFailure("ThrottlingException"))).toBe(false);
  });
});

describe("messages name the Region, the endpoint, the timeout and the flag", () => {
  const transport = {
    region: "us-east-1",
    endpoint: "http://127.0.0.1:4566",
    connectTimeoutMs: 10_000,
    readTimeoutMs: 30_000,
  };
  /** An error as the SDK throws it, with the facts src/aws/kms.ts notes on it. */
  const sent = (error: Error): Error =>
    new KmsCallError(error, { operation: "ReplicateKey", region: transport.region, attempts: 1, transport });

  it("the throttling hint names the Region that throttled: ReplicateKey's is the primary's", () => {
    // GIVEN / WHEN
    const replicate = describeError(awsFailure("ThrottlingException"), REPLICATE);
    const describe = describeError(awsFailure("ThrottlingException"), {
      operation: "DescribeKey",
      region: "eu-west-1",
    });
    // THEN
    expect(replicate.hint).toMatch(/throttled ReplicateKey requests in us-east-1\./);
    expect(replicate.hint).not.toContain("eu-west-1");
    expect(describe.hint).toMatch(/throttled DescribeKey requests in eu-west-1\./);
  });

  it("a read timeout says which timeout fired, where, and the flag", () => {
    // GIVEN
    const error = sent(
      Object.assign(
        new Error("@smithy/node-http-handler - the request socket timed out after 30000 ms of inactivity"),
        {
          name: "TimeoutError",
        },
      ),
    );
    // WHEN
    const report = describeError(error, REPLICATE);
    // THEN
    expect(report.name).toBe("ReadTimeout");
    expect(report.message).toBe(
      "KMS in us-east-1 (http://127.0.0.1:4566) did not answer within 30 s (--cli-read-timeout); the request may have been carried out.",
    );
    expect(report.hint).toContain("--cli-read-timeout");
  });

  it("a read-only call that timed out does not say it may have been carried out", () => {
    // GIVEN
    const error = sent(
      Object.assign(new Error("requestTimeout"), { name: "TimeoutError", code: "ETIMEDOUT" }),
    );
    // WHEN
    const report = describeError(error, { operation: "DescribeKey", region: "us-east-1" });
    // THEN
    expect(report.message).toBe(
      "KMS in us-east-1 (http://127.0.0.1:4566) did not answer within 30 s (--cli-read-timeout).",
    );
  });

  it("a connect timeout names --cli-connect-timeout", () => {
    // GIVEN
    const error = sent(
      Object.assign(
        new Error(
          "@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 10000 ms.",
        ),
        { name: "TimeoutError" },
      ),
    );
    // WHEN
    const report = describeError(error, { operation: "DescribeKey", region: "us-east-1" });
    // THEN
    expect(report.name).toBe("ConnectTimeout");
    expect(report.message).toBe(
      "Could not connect to KMS in us-east-1 (http://127.0.0.1:4566) within 10 s (--cli-connect-timeout).",
    );
  });

  it("a dropped connection is not called a timeout", () => {
    // GIVEN: the SDK renames a reset TimeoutError; its code says what happened
    const error = sent(
      Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" }),
    );
    // WHEN
    const report = describeError(error, REPLICATE);
    // THEN
    expect(report.name).toBe("ConnectionClosed");
    expect(report.message).toBe(
      "The connection to KMS in us-east-1 (http://127.0.0.1:4566) was closed before KMS answered; the request may have been carried out.",
    );
    expect(`${report.message} ${report.hint}`).not.toMatch(/time/i);
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

describe("each command gets its own advice", () => {
  const COMMANDS = [
    "replicate",
    "wait",
    "status",
    "sync",
    "promote",
    "import-material",
    "rotate-material",
  ] as const;
  const ctx = (command?: (typeof COMMANDS)[number]): ErrorContext => ({
    operation: "ImportKeyMaterial",
    region: "eu-west-1",
    ...(command !== undefined ? { command } : {}),
  });
  const hintOf = (error: unknown, context: ErrorContext): string => describeError(error, context).hint ?? "";

  it.each(COMMANDS)("%s: a re-run's promise and the flags named are the command's own", (command) => {
    for (const error of [
      awsFailure("ThrottlingException"),
      awsFailure("KMSInternalException", 500),
      awsFailure("DependencyTimeoutException", 503),
      networkFailure("ECONNREFUSED"),
      networkFailure("ECONNRESET"),
    ]) {
      const hint = hintOf(error, ctx(command));
      if (command === "replicate") {
        expect(hint).toContain("existing replicas count as done");
      } else {
        expect(hint).not.toContain("replicas count as done");
        expect(hint).not.toContain("--rate");
        expect(hint).not.toContain("--concurrency");
        expect(hint).not.toContain("a replica the lost request created");
      }
    }
  });

  it("rotate-material's re-run continues the rotation", () => {
    expect(hintOf(awsFailure("KMSInternalException", 500), ctx("rotate-material"))).toBe(
      "KMS had an internal error. Wait a moment, then re-run the same command: it reads where the rotation stands (ListKeyRotations) and continues from there.",
    );
  });

  it("ValidationException names the flags behind the operation's parameters, not replicate's", () => {
    const validation = awsFailure("ValidationException");
    expect(hintOf(validation, ctx("rotate-material"))).toBe(
      "KMS rejected a parameter of ImportKeyMaterial. Check --valid-to (in the future, at most 365 days away) or --no-expiry, --wrapping-algorithm and --wrapping-key-spec.",
    );
    expect(hintOf(validation, REPLICATE)).toBe(
      "KMS rejected a parameter of ReplicateKey. Check --regions, --tag, --description and --policy.",
    );
    expect(hintOf(validation, { operation: "TagResource", region: "eu-west-1", command: "sync" })).toBe(
      "KMS rejected a parameter of TagResource. Check --tag.",
    );
    expect(hintOf(validation, { operation: "ListKeyRotations", region: "us-east-1" })).toBe(
      "KMS rejected a parameter of ListKeyRotations.",
    );
  });

  it("adviseAs: an error described inside the command's work gets its advice; an explicit command wins", async () => {
    const throttled = awsFailure("ThrottlingException");
    const inside = await adviseAs("sync", async () => {
      await Promise.resolve();
      return [hintOf(throttled, ctx()), hintOf(throttled, ctx("replicate"))];
    });
    expect(inside[0]).toContain("replicas already in line are left alone");
    expect(inside[1]).toContain("existing replicas count as done");
    // Outside any command: replicate's, as before.
    expect(hintOf(throttled, ctx())).toContain("existing replicas count as done");
  });

  it("IncorrectKeyMaterialException under rotate-material speaks of the material pending rotation", () => {
    const report = describeError(awsFailure("IncorrectKeyMaterialException"), ctx("rotate-material"));
    expect(report.message).toBe(
      "This is not the key material KMS expected in eu-west-1 (the new material pending rotation); nothing was imported there.",
    );
    expect(report.hint).toContain("undo that import");
  });

  it("AlreadyExistsException from CreateAlias is about the alias, not a replica", () => {
    const hint = hintOf(awsFailure("AlreadyExistsException"), {
      operation: "CreateAlias",
      region: "eu-west-1",
      command: "sync",
    });
    expect(hint).toBe(
      "The alias exists already in eu-west-1; 'kms-replicate status' shows which key it names.",
    );
  });
});
