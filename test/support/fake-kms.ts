// Test doubles for the one interface src/ uses to reach AWS.
import type { KmsPort } from "../../src/kms.js";

/** An error shaped like the SDK's ServiceException: a name and HTTP metadata. */
export function awsFailure(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });
}

/**
 * A KmsPort with the given operations; any other call rejects, so a test sees unexpected calls.
 * Like the real port, replicateKey runs the caller's `beforeAttempt` (pacing) before the attempt.
 */
export function fakeKms(parts: Partial<KmsPort>): KmsPort {
  const unexpected = (): Promise<never> => Promise.reject(new Error("unexpected call"));
  const { replicateKey } = parts;
  return {
    describeKey: parts.describeKey ?? unexpected,
    replicateKey:
      replicateKey === undefined
        ? unexpected
        : async (region, input, signal, beforeAttempt) => {
            await beforeAttempt?.();
            return replicateKey(region, input, signal, beforeAttempt);
          },
    listResourceTags: parts.listResourceTags ?? unexpected,
    getKeyPolicy: parts.getKeyPolicy ?? unexpected,
    listAliases: parts.listAliases ?? unexpected,
    createAlias: parts.createAlias ?? unexpected,
  };
}
