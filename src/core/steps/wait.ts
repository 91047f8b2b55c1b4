// The wait step: follow one replica in its own Region with DescribeKey until it leaves a transient
// state (or, with --no-wait / --dry-run, take one look), and settle the unit on what was seen.
import { attemptsOf, failedBeforeAbort } from "../call-error.js";
import { classify } from "../classify.js";
import { describeError, isAbort, type ErrorReport } from "../errors.js";
import { isRetryable } from "../retryable.js";
import { isUsableState } from "../events.js";
import { FailedPolls, pollUntil } from "./poll.js";
import { elapsedSince, type Progress, type Step, type StepContext, type Unit } from "./work.js";
import { type Change, type WorkResult } from "../events.js";

/** States a replica passes through on its own; anything else is where it will stay. */
export const TRANSIENT: ReadonlySet<string> = new Set(["Creating", "Updating"]);

export { untilDeadline } from "./poll.js";

export const NOT_FOUND_GRACE_MS = 60_000;

export type WaitSettings = StepContext;

/** The replica being followed. */
export interface Follow {
  readonly keyId: string;
  readonly region: string;
  readonly arn: string;
  /** This run requested it: then a NotFound past the grace period is ReplicaNotVisible, not a wrong --key. */
  readonly requested: boolean;
  /** What was applied to it so far: a usable replica with changes is `done`, without `unchanged`. */
  readonly changes: readonly Change[];
  /** The state we already know (ReplicateKey's answer); undefined: describe at once. */
  readonly knownState?: string;
  /** When the replica was requested or found (performance.now()), for the NotFound grace. */
  readonly since: number;
}

export function followOf(unit: Unit, progress: Progress): Follow {
  return {
    keyId: unit.primary.keyId,
    region: unit.region,
    arn: progress.arn,
    requested: progress.requested,
    changes: progress.changes,
    knownState: progress.keyState,
    since: progress.since,
  };
}

/**
 * The wait step: waits (or, with --no-wait / --dry-run, takes one look) and settles the unit on
 * what it saw. A replica seen Creating and not waited for stays `done`/`unchanged` with its state
 * `Creating` and a note; one that could not be read is `failed`, with why.
 */
export const waitStep: Step = async (unit, progress, ctx) => {
  if (!progress.requested)
    ctx.emit({ type: "phase", keyId: unit.primary.keyId, region: unit.region, phase: "checking" });
  const follow = followOf(unit, progress);
  if (ctx.wait && !ctx.dryRun) return followReplica(follow, ctx);
  const base = resultBase(follow, ctx);
  let state = follow.knownState;
  if (state === undefined) {
    const look = await lookOnce(follow, ctx);
    if ("interrupted" in look) return { ...base, outcome: "interrupted", note: INTERRUPTED_NOTE };
    if ("error" in look) return { ...base, outcome: "failed", error: look.error };
    state = look.state;
  }
  if (state !== "Creating") return settleState(follow, state, elapsedSince(ctx));
  const flag = ctx.dryRun ? "--dry-run" : "--no-wait";
  return {
    ...base,
    outcome: follow.changes.length > 0 ? "done" : "unchanged",
    keyState: state,
    note: follow.requested
      ? NOT_WAITED_NOTE
      : `Was there already, still Creating; not waited for (${flag}). 'kms-replicate wait' waits until it is usable.`,
  };
};

export const NOT_WAITED_NOTE =
  "Requested; not waited for (--no-wait). 'kms-replicate wait' waits until it is usable.";

function resultBase(
  follow: Follow,
  ctx: Pick<StepContext, "startedAt">,
): {
  keyId: string;
  region: string;
  arn: string;
  changes: readonly Change[];
  elapsedMs: number;
} {
  return {
    keyId: follow.keyId,
    region: follow.region,
    arn: follow.arn,
    changes: follow.changes,
    elapsedMs: elapsedSince(ctx),
  };
}

/** A usable replica without its key material: the run's closing lines give the command that imports it. */
export const IMPORT_NOTE =
  "Created without key material: import the same key material as the primary's into this replica before using it (kms-replicate import-material).";

/** The run's closing lines give the command that picks it up (the same command again). */
export const INTERRUPTED_NOTE = "The replica exists in AWS and finishes on its own; do not delete it.";

/**
 * Polls until the replica settles, the deadline passes, or the user interrupts. Never throws.
 * The deadline is a wall-clock bound (poll.ts): a poll whose retries and backoff outlast it is
 * cut there (a `timeout`).
 */
export async function followReplica(follow: Follow, settings: WaitSettings): Promise<WorkResult> {
  const { kms, emit, signal } = settings;
  const grace = settings.notFoundGraceMs ?? NOT_FOUND_GRACE_MS;
  const base = (): ReturnType<typeof resultBase> => resultBase(follow, settings);
  const elapsed = (): number => elapsedSince(settings);
  let state = follow.knownState;
  const failures = new FailedPolls();
  const interrupted = (): WorkResult => ({
    ...base(),
    outcome: "interrupted",
    keyState: state,
    note: INTERRUPTED_NOTE,
  });
  const timedOut = (): WorkResult => ({
    ...base(),
    outcome: "timeout",
    keyState: state,
    note: timeoutNote(state, failures),
  });
  if (state !== undefined && !TRANSIENT.has(state)) return settleState(follow, state, elapsed());
  /** Seen not yet usable: once it is, it was waited for (`ready`, not `exists`). */
  let waited = state !== undefined;
  // A replica this run just requested: its Region's others tell where it will settle (CreatingTimes),
  // in ms from ReplicateKey's answer (follow.since); and it tells the ones after it.
  const learned = follow.requested && state === "Creating" ? settings.creatingTimes : undefined;
  let lastLookMs = 0;
  let lastCreatingMs = 0;

  return pollUntil<WorkResult>(settings, {
    pauseFirst: state !== undefined,
    interrupted,
    timedOut,
    ...(learned === undefined
      ? {}
      : {
          nextLookAt: (now: number) => {
            const at = learned.nextLookAt(follow.region, now - follow.since, lastLookMs);
            return at === undefined ? undefined : follow.since + at;
          },
        }),
    async look(bounded) {
      const lookStarted = performance.now();
      lastLookMs = lookStarted - follow.since;
      try {
        const metadata = await kms.describeKey(follow.region, follow.arn, bounded);
        state = metadata.KeyState ?? "Unknown";
        failures.sawState();
        if (state === "Creating") lastCreatingMs = lastLookMs;
        else if (!TRANSIENT.has(state)) learned?.record(follow.region, lastCreatingMs, lastLookMs);
        emit({
          type: "phase",
          keyId: follow.keyId,
          region: follow.region,
          phase: "creating",
          keyState: state,
        });
        if (TRANSIENT.has(state)) {
          waited = true;
          return undefined;
        }
        return settleState(follow, state, elapsed(), waited);
      } catch (error) {
        if (signal.aborted) return interrupted();
        if (bounded.aborted) {
          // The deadline cut this poll: keep what its failed attempts said, for the note.
          const before = failedBeforeAbort(error);
          if (before !== undefined) failures.add(before.last, before.count);
          else failures.unanswered(performance.now() - lookStarted);
          return timedOut();
        }
        if (isAbort(error)) return interrupted();
        failures.add(error, attemptsOf(error));
        const name = classify(error);
        const young = performance.now() - follow.since < grace;
        // Eventual consistency: a replica just created may not be visible yet, or not describable.
        if ((name === "NotFoundException" && young) || name === "KMSInvalidStateException") return undefined;
        // Throttling or a 5xx that outlasted the call's own retries says nothing about the replica:
        // keep polling at the slower pace of the schedule until the deadline.
        if (isRetryable(error)) return undefined;
        return {
          ...base(),
          outcome: "failed",
          keyState: state,
          error:
            name === "NotFoundException" && follow.requested
              ? notVisibleError(follow.region, performance.now() - follow.since)
              : describeError(error, { operation: "DescribeKey", region: follow.region, keyId: follow.arn }),
        };
      }
    },
  });
}

/**
 * One DescribeKey, for --no-wait and --dry-run: the state it reads, or why it could not read one.
 * Never throws. Its retries are the call's own (bounded by the retry policy); there is no wait.
 */
export async function lookOnce(
  follow: Pick<Follow, "region" | "arn" | "requested">,
  settings: Pick<WaitSettings, "kms" | "signal">,
): Promise<{ readonly state: string } | { readonly error: ErrorReport } | { readonly interrupted: true }> {
  try {
    const metadata = await settings.kms.describeKey(follow.region, follow.arn, settings.signal);
    return { state: metadata.KeyState ?? "Unknown" };
  } catch (error) {
    if (settings.signal.aborted || isAbort(error)) return { interrupted: true };
    const report =
      classify(error) === "NotFoundException" && follow.requested
        ? notVisibleError(follow.region)
        : describeError(error, { operation: "DescribeKey", region: follow.region, keyId: follow.arn });
    return {
      error: {
        ...report,
        message: `The replica in ${follow.region} could not be read (DescribeKey${attemptsOf(error) > 1 ? `, ${attemptsOf(error)} attempts` : ""}): ${report.message}`,
      },
    };
  }
}

/** A replica we requested that its Region does not know (yet): not the user's --key. */
function notVisibleError(region: string, afterMs?: number): ErrorReport {
  const after = afterMs === undefined ? "yet" : `after ${Math.round(afterMs / 1000)} s`;
  return {
    name: "ReplicaNotVisible",
    message: `ReplicateKey was accepted, but the replica was not visible in ${region} ${after} (NotFoundException from DescribeKey there).`,
    hint: `KMS may still be making it visible: run 'kms-replicate wait' (or 'status') in a few minutes. If it never appears, look for CreateKey in ${region} in CloudTrail.`,
  };
}

/** The run's closing lines give the command that picks it up: `wait`, or the same command again. */
const RERUN = "do not delete it.";

/** What a wait that ran out saw: the last state, and what the calls since then answered. */
function timeoutNote(state: string | undefined, failures: FailedPolls): string {
  const failed = failures.describe();
  if (state === undefined) {
    return failed === undefined
      ? `The timeout ran out before DescribeKey answered, so the replica's state was never read. It may exist and finish on its own; ${RERUN}`
      : `DescribeKey never answered with the replica's state: ${failed}. It may exist and finish on its own; ${RERUN}`;
  }
  const silence = failures.silence();
  const then =
    (failed === undefined ? "" : ` Since then, DescribeKey failed: ${failed}.`) +
    (silence === undefined
      ? ""
      : ` ${silence.charAt(0).toUpperCase()}${silence.slice(1)} (the endpoint did not answer).`);
  return `Still ${state} when the timeout ran out.${then} It may still finish on its own; ${RERUN}`;
}

/**
 * A replica's final state → the unit's result: usable is `done` (something applied) or `unchanged`;
 * `waited`: it was seen not yet usable before.
 */
export function settleState(follow: Follow, state: string, elapsedMs: number, waited = false): WorkResult {
  const base = {
    keyId: follow.keyId,
    region: follow.region,
    arn: follow.arn,
    changes: follow.changes,
    keyState: state,
    elapsedMs,
    ...(waited ? { waited } : {}),
  };
  if (isUsableState(state)) {
    const outcome = follow.changes.length > 0 ? "done" : "unchanged";
    return state === "PendingImport" ? { ...base, outcome, note: IMPORT_NOTE } : { ...base, outcome };
  }
  return { ...base, outcome: "failed", error: stateError(follow.region, state, follow.arn) };
}

/** Why a replica in `state` cannot be used, and what to do; `arn`: the key, for the command to run. */
export function stateError(region: string, state: string, arn?: string): ErrorReport {
  const message = `The replica in ${region} is ${state}.`;
  const cancel = `kms-replicate cancel-deletion --key ${arn ?? "KEY"} --regions ${region}`;
  switch (state) {
    case "PendingDeletion":
      return {
        name: "ReplicaPendingDeletion",
        message,
        hint: `It is scheduled for deletion, and KMS refuses a new replica in ${region} until it is gone. Cancel the deletion (${cancel}: it enables the key again), or wait until it is deleted and re-run to create a new replica there.`,
      };
    case "PendingReplicaDeletion":
      return {
        name: "ReplicaPendingDeletion",
        message,
        hint: `It is scheduled for deletion with its family. Cancel it (${cancel.replace(` --regions ${region}`, "")}), or wait until it is deleted.`,
      };
    case "Disabled":
      return {
        name: "ReplicaDisabled",
        message,
        hint: `Enable it (aws kms enable-key --region ${region}) if it should be usable.`,
      };
    case "Updating":
      return {
        name: "ReplicaUpdating",
        message,
        hint: "Its family is changing its primary Region (UpdatePrimaryRegion): re-run when its keys are Enabled again.",
      };
    default:
      return {
        name: "UnexpectedKeyState",
        message,
        hint: "Check the replica in the KMS console or with 'kms-replicate status'.",
      };
  }
}
