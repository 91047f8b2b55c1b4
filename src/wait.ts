// Follow one replica in its own Region with DescribeKey until it leaves a transient state.
import { DEFAULT_POLL, pollDelay, type PollSchedule } from "./backoff.js";
import { classify, describeError, isAbort, isRetryable, type ErrorReport } from "./errors.js";
import type { Emit, RegionResult } from "./events.js";
import type { KmsPort } from "./kms.js";
import { sleep } from "./pace.js";

/** States a replica passes through on its own; anything else is where it will stay. */
const TRANSIENT = new Set(["Creating", "Updating"]);

export const NOT_FOUND_GRACE_MS = 60_000;

export interface WaitSettings {
  readonly kms: KmsPort;
  readonly emit: Emit;
  readonly signal: AbortSignal;
  /** performance.now() at the start of the run: every elapsedMs counts from here. */
  readonly startedAt: number;
  /** performance.now() after which we stop polling. */
  readonly deadline: number;
  readonly schedule?: PollSchedule;
  /** How long NotFoundException counts as "not visible yet" after a replica was requested. */
  readonly notFoundGraceMs?: number;
  readonly random?: () => number;
}

export interface Follow {
  readonly region: string;
  readonly arn: string;
  /** What the Region ends as when the replica becomes usable. */
  readonly status: "created" | "exists";
  /** The state we already know (ReplicateKey's answer); undefined: describe at once. */
  readonly knownState?: string;
  /** When the replica was requested or found (performance.now()), for the NotFound grace. */
  readonly since: number;
}

export const IMPORT_NOTE =
  "Created without key material: import the same key material as the primary's into this replica " +
  "(aws kms get-parameters-for-import + import-key-material in its Region) before using it.";

/** However slow a DescribeKey answer was, the next poll waits at least this part of its interval. */
const MIN_PAUSE_FRACTION = 0.25;

export const INTERRUPTED_NOTE =
  "The replica exists in AWS and finishes on its own; re-run kms-replicate (or 'kms-replicate wait') to see it usable.";

/** Polls until the replica settles, the deadline passes, or the user interrupts. Never throws. */
export async function followReplica(follow: Follow, settings: WaitSettings): Promise<RegionResult> {
  const { kms, emit, signal, startedAt, deadline } = settings;
  const schedule = settings.schedule ?? DEFAULT_POLL;
  const grace = settings.notFoundGraceMs ?? NOT_FOUND_GRACE_MS;
  const base = { region: follow.region, replicaArn: follow.arn };
  const elapsed = (): number => Math.round(performance.now() - startedAt);
  let state = follow.knownState;
  let polls = 0;
  const waitStarted = performance.now();
  let lastPollAt = waitStarted;
  const interrupted = (): RegionResult => ({
    ...base,
    status: "interrupted",
    keyState: state,
    elapsedMs: elapsed(),
    note: INTERRUPTED_NOTE,
  });

  for (;;) {
    if (state !== undefined && !TRANSIENT.has(state)) {
      return settleState(follow, state, elapsed());
    }
    if (signal.aborted) return interrupted();
    const now = performance.now();
    if (polls > 0 || state !== undefined) {
      if (now >= deadline) {
        return {
          ...base,
          status: "timeout",
          keyState: state,
          elapsedMs: elapsed(),
          note: "Still Creating when the timeout ran out. It may still finish: re-run kms-replicate (or 'kms-replicate wait') to pick it up; do not delete it.",
        };
      }
      // The schedule spaces the polls' starts, so a distant Region (slow round trips) is not polled
      // more slowly, nor its replica seen usable later; a slow answer still leaves a short pause.
      const interval = pollDelay(polls, now - waitStarted, schedule, settings.random);
      const pause = Math.max(interval - (now - lastPollAt), interval * MIN_PAUSE_FRACTION);
      const delay = Math.min(pause, deadline - now);
      try {
        await sleep(delay, signal);
      } catch {
        return interrupted();
      }
    }
    polls += 1;
    lastPollAt = performance.now();
    try {
      const metadata = await kms.describeKey(follow.region, follow.arn, signal);
      state = metadata.KeyState ?? "Unknown";
      emit({ type: "phase", region: follow.region, phase: "creating", keyState: state });
    } catch (error) {
      if (isAbort(error) || signal.aborted) {
        return interrupted();
      }
      const name = classify(error);
      const young = performance.now() - follow.since < grace;
      // Eventual consistency: a replica just created may not be visible yet, or not describable.
      if ((name === "NotFoundException" && young) || name === "KMSInvalidStateException") continue;
      // Throttling or a 5xx that outlasted the call's own retries says nothing about the replica:
      // keep polling at the slower pace of the schedule until the deadline.
      if (isRetryable(error)) continue;
      return {
        ...base,
        status: "failed",
        keyState: state,
        elapsedMs: elapsed(),
        error: describeError(error, { operation: "DescribeKey", region: follow.region, keyId: follow.arn }),
      };
    }
  }
}

/** A replica's final state → the Region's result. */
export function settleState(
  follow: Pick<Follow, "region" | "arn" | "status">,
  state: string,
  elapsedMs: number,
): RegionResult {
  const base = { region: follow.region, replicaArn: follow.arn, keyState: state, elapsedMs };
  if (state === "Enabled") return { ...base, status: follow.status };
  if (state === "PendingImport") return { ...base, status: follow.status, note: IMPORT_NOTE };
  return { ...base, status: "failed", error: stateError(follow.region, state) };
}

function stateError(region: string, state: string): ErrorReport {
  const message = `The replica in ${region} is ${state}.`;
  switch (state) {
    case "PendingDeletion":
      return {
        name: "ReplicaPendingDeletion",
        message,
        hint: `Cancel the deletion (aws kms cancel-key-deletion --region ${region}) and enable it, or wait until it is deleted and re-run to create a new replica there.`,
      };
    case "PendingReplicaDeletion":
      return {
        name: "ReplicaPendingDeletion",
        message,
        hint: "It is being deleted with its primary's deletion: cancel the primary's deletion, or wait until it is deleted.",
      };
    case "Disabled":
      return {
        name: "ReplicaDisabled",
        message,
        hint: `Enable it (aws kms enable-key --region ${region}) if it should be usable.`,
      };
    default:
      return {
        name: "UnexpectedKeyState",
        message,
        hint: "Check the replica in the KMS console or with 'kms-replicate status'.",
      };
  }
}
