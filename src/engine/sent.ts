// Whether a write that ended without KMS's answer may still have been carried out: the one place
// that reads it off an error, for every result that says "unknown: may have been applied".
import { classify, isAbort, KmsCallError } from "../errors.js";

/**
 * The request of `operation` behind `error` may have reached KMS and been carried out, although no
 * answer says so: a signal or a deadline cut it after it was sent, or its connection was lost or
 * timed out once it was sent. False when KMS answered (an error answer means nothing was done),
 * when nothing was sent (a refused connection, a call still waiting for its quota), or when the
 * error is another call's (GetParametersForImport failed: ImportKeyMaterial never left).
 */
export function mayHaveBeenApplied(error: unknown, operation: string): boolean {
  if (!(error instanceof KmsCallError) || error.call.operation !== operation) return false;
  if (isAbort(error)) {
    // The adapter (src/kms.ts) counts an attempt once its quota slot is taken, just before the
    // request is handed to the SDK; it does not yet say whether the request left the process.
    // Until it does, an attempt that began counts as sent: "unknown" rather than "not applied".
    return error.call.attempts > 0;
  }
  const name = classify(error);
  return name === "ConnectionClosed" || name === "ReadTimeout" || name === "TimeoutError";
}
