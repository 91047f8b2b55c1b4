// Which failures are worth another attempt: the AWS adapter's retry layer (src/aws/call.ts) and the
// steps that poll (wait, import, promote) read the same rule. It is the SDK's own, read through its
// predicates (src/aws/sdk-retry.ts, bundled on its own: see scripts/build.mjs), behind our own
// exceptions.
import {
  isClockSkewCorrectedError,
  isServerError,
  isThrottlingError,
  isTransientError,
} from "../aws/sdk-retry.js";
import { errorFacts, sdkErrorOf } from "./call-error.js";
import { classify } from "./classify.js";
import { isAbort, isReplicateError } from "./errors.js";

/** The shape the SDK's predicates read. */
type SdkErrorLike = Parameters<typeof isTransientError>[0];

/**
 * Worth another attempt by our retry layer, as the SDK's own standard retry strategy decides it
 * (@smithy/core/retry: throttling, transient errors — timeouts, resets, 500/502/503/504, a clock
 * skew the SDK corrected —, other 5xx), behind our own rule: LimitExceededException, which the
 * SDK counts as throttling, is a *resource* quota in KMS (keys per Region…): never retried; nor
 * is a Region KMS does not serve (ENOTFOUND of kms.REGION.amazonaws.com: it has no endpoint).
 * Our own errors (ReplicateError: credentials, a profile, a missing field) are never retried.
 */
export function isRetryable(thrown: unknown): boolean {
  const error = sdkErrorOf(thrown);
  if (typeof error !== "object" || error === null || isAbort(error) || isReplicateError(error)) return false;
  const name = classify(error);
  // A resource quota, and a Region KMS does not serve (its host does not exist): never transient.
  if (name === "LimitExceededException" || name === "RegionNotServed") return false;
  // A certificate not trusted, a proxy that wants credentials: the next attempt fails alike.
  if (name === "UntrustedCertificate" || name === "ProxyAuthenticationRequired") return false;
  const e = error as SdkErrorLike;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
}

/**
 * A signature rejected because the clock is off: the SDK has corrected its clock offset from the
 * answer's Date header (`$metadata.clockSkewCorrected`), or KMS said "Signature expired".
 * Retried once: the next attempt is signed with the corrected time.
 */
export function isClockSkew(thrown: unknown): boolean {
  const error = sdkErrorOf(thrown);
  if (typeof error !== "object" || error === null) return false;
  const facts = errorFacts(error);
  return (
    isClockSkewCorrectedError(error as SdkErrorLike) === true ||
    (facts.name === "InvalidSignatureException" && facts.message.includes("Signature expired"))
  );
}

/** A timeout of ours (connect or read): retried at most `RetryPolicy.timeoutRetries` times. */
export function isTimeout(error: unknown): boolean {
  const name = classify(error);
  return name === "ConnectTimeout" || name === "ReadTimeout" || name === "TimeoutError";
}
