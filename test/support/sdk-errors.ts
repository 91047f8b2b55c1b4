// Errors shaped as the AWS SDK and Node throw them, for the tests of the error model
// (src/core/errors.ts, advice.ts, classify.ts, retryable.ts).
import type { ErrorContext } from "../../src/core/advice.js";

/** An error shaped like the SDK's ServiceException. */
export function awsFailure(name: string, status = 400, requestId = "req-0001"): Error {
  return Object.assign(new Error(`${name} from the fake`), {
    name,
    $metadata: { httpStatusCode: status, requestId },
  });
}

/** A Node network error (no HTTP status, a code). */
export function networkFailure(code: string): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

/** A ReplicateKey call into eu-west-1, sent to the primary's Region (us-east-1). */
export const REPLICATE: ErrorContext = {
  operation: "ReplicateKey",
  region: "eu-west-1",
  primaryRegion: "us-east-1",
  keyId: "mrk-1234abcd12ab34cd56ef1234567890ab",
};
