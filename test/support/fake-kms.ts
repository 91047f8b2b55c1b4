// Test doubles for the one interface src/ uses to reach AWS, and the settings to run them with.
import type { PollSchedule } from "../../src/aws/backoff.js";
import type { ReplicaEvent } from "../../src/core/events.js";
import type { KmsPort } from "../../src/aws/kms.js";
import type { WaitSettings } from "../../src/core/steps/wait.js";

/** 1 ms between polls: fast, and still a real sleep. */
export const TINY_POLL: PollSchedule = {
  initialMs: 1,
  factor: 1,
  minCapMs: 1,
  capFraction: 0,
  maxCapMs: 1,
  jitter: 0,
};

/** Settings to wait with: a tiny poll schedule, a 5 s deadline, no jitter; `events` collects what is emitted. */
export function waitSettings(kms: KmsPort): { settings: WaitSettings; events: ReplicaEvent[] } {
  const events: ReplicaEvent[] = [];
  const now = performance.now();
  return {
    events,
    settings: {
      kms,
      emit: (event) => events.push(event),
      signal: new AbortController().signal,
      startedAt: now,
      deadline: now + 5_000,
      wait: true,
      dryRun: false,
      schedule: TINY_POLL,
      random: () => 0,
    },
  };
}

/** An error shaped like the SDK's ServiceException: a name and HTTP metadata. */
export function awsFailure(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });
}

/**
 * A KmsPort with the given operations; any other call rejects, so a test sees unexpected calls.
 * Like the real port, replicateKey runs the caller's `beforeAttempt` before the attempt.
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
            beforeAttempt?.();
            return replicateKey(region, input, signal, beforeAttempt);
          },
    listKeys: parts.listKeys ?? unexpected,
    listResourceTags: parts.listResourceTags ?? unexpected,
    getKeyPolicy: parts.getKeyPolicy ?? unexpected,
    listAliases: parts.listAliases ?? unexpected,
    getParametersForImport: parts.getParametersForImport ?? unexpected,
    importKeyMaterial: parts.importKeyMaterial ?? unexpected,
    rotateKeyOnDemand: parts.rotateKeyOnDemand ?? unexpected,
    listKeyRotations: parts.listKeyRotations ?? unexpected,
    createAlias: parts.createAlias ?? unexpected,
    deleteAlias: parts.deleteAlias ?? unexpected,
    tagResource: parts.tagResource ?? unexpected,
    untagResource: parts.untagResource ?? unexpected,
    updateKeyDescription: parts.updateKeyDescription ?? unexpected,
    putKeyPolicy: parts.putKeyPolicy ?? unexpected,
    updateAlias: parts.updateAlias ?? unexpected,
    enableKey: parts.enableKey ?? unexpected,
    disableKey: parts.disableKey ?? unexpected,
    scheduleKeyDeletion: parts.scheduleKeyDeletion ?? unexpected,
    cancelKeyDeletion: parts.cancelKeyDeletion ?? unexpected,
    updatePrimaryRegion: parts.updatePrimaryRegion ?? unexpected,
  };
}
