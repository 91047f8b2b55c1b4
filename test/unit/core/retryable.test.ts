import { describe, it, expect } from "vitest";
import { isThrottlingError } from "@smithy/core/retry";
import { usageError } from "../../../src/core/errors.js";
import { isClockSkew, isRetryable, isTimeout } from "../../../src/core/retryable.js";
import { awsFailure, networkFailure } from "../../support/sdk-errors.js";

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
