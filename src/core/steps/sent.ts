// Whether one particular write that ended without KMS's answer may still have been carried out,
// for every result that says "unknown: may have been applied". What reached the wire is the AWS
// adapter's record (src/aws/call.ts, src/aws/sent.ts), read by errors.ts's mayHaveBeenApplied.
import { KmsCallError } from "../call-error.js";
import { mayHaveBeenApplied, NotSentError } from "../errors.js";

/**
 * A request of `operation` behind `error` left the process and no answer came back for it (a
 * signal or a lost connection cut it): it may have been carried out. False when KMS answered (an
 * error answer means nothing was done), when nothing left, or when the error is another call's
 * (GetParametersForImport failed: ImportKeyMaterial never left).
 */
export function callMayHaveApplied(error: unknown, operation: string): boolean {
  const call = error instanceof KmsCallError || error instanceof NotSentError ? error.call : undefined;
  return call !== undefined && call.operation === operation && mayHaveBeenApplied(error);
}
