// The wait step: follow one replica in its own Region with DescribeKey until it leaves a transient
// state (or, with --no-wait / --dry-run, take one look), and settle the unit on what was seen.
import { DEFAULT_POLL, pollDelay } from "../backoff.js";
import {
  attemptsOf,
  classify,
  describeError,
  errorFacts,
  failedBeforeAbort,
  isAbort,
  isRetryable,
  type ErrorReport,
} from "../errors.js";
import { isUsableState } from "../events.js";
import { sleep } from "../pace.js";
import {
  elapsedSince,
  type Change,
  type Progress,
  type Step,
  type StepContext,
  type Unit,
  type WorkResult,
} from "./work.js";

/** States a replica passes through on its own; anything else is where it will stay. */
const TRANSIENT = new Set(["Creating", "Updating"]);

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

export const IMPORT_NOTE =
  "Created without key material: import the same key material as the primary's into this replica " +
  "(aws kms get-parameters-for-import + import-key-material in its Region) before using it.";

/** However slow a DescribeKey answer was, the next poll waits at least this part of its interval. */
const MIN_PAUSE_FRACTION = 0.25;

export const INTERRUPTED_NOTE =
  "The replica exists in AWS and finishes on its own; re-run kms-replicate (or 'kms-replicate wait') to see it usable.";

/**
 * Polls until the replica settles, the deadline passes, or the user interrupts. Never throws.
 * The deadline is a wall-clock bound: every poll and every pause gets a signal that also fires at
 * the deadline, so a poll whose retries and backoff outlast it is cut there (a `timeout`).
 */
export async function followReplica(follow: Follow, settings: WaitSettings): Promise<WorkResult> {
  // This wait's own signal: Ctrl-C or the deadline. Derived (AbortSignal.any adds no listener to
  // the run's signal), so many Regions waiting at once do not pile listeners on the run's signal.
  const cut = untilDeadline(settings.signal, settings.deadline);
  try {
    return await pollUntilSettled(follow, settings, cut.signal);
  } finally {
    cut.dispose();
  }
}

async function pollUntilSettled(
  follow: Follow,
  settings: WaitSettings,
  bounded: AbortSignal,
): Promise<WorkResult> {
  const { kms, emit, signal, deadline } = settings;
  const schedule = settings.schedule ?? DEFAULT_POLL;
  const grace = settings.notFoundGraceMs ?? NOT_FOUND_GRACE_MS;
  const base = (): ReturnType<typeof resultBase> => resultBase(follow, settings);
  const elapsed = (): number => elapsedSince(settings);
  let state = follow.knownState;
  let polls = 0;
  const failures = new FailedPolls();
  const waitStarted = performance.now();
  let lastPollAt = waitStarted;
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
  const expired = (): boolean => bounded.aborted || performance.now() >= deadline;

  for (;;) {
    if (state !== undefined && !TRANSIENT.has(state)) {
      return settleState(follow, state, elapsed());
    }
    if (signal.aborted) return interrupted();
    if (polls > 0 || state !== undefined) {
      if (expired()) return timedOut();
      // The schedule spaces the polls' starts, so a distant Region (slow round trips) is not polled
      // more slowly, nor its replica seen usable later; a slow answer still leaves a short pause.
      const now = performance.now();
      const interval = pollDelay(polls, now - waitStarted, schedule, settings.random);
      const pause = Math.max(interval - (now - lastPollAt), interval * MIN_PAUSE_FRACTION);
      try {
        await sleep(Math.min(pause, deadline - now), bounded);
      } catch {
        if (signal.aborted) return interrupted();
        return timedOut();
      }
      if (expired()) return timedOut();
    }
    polls += 1;
    lastPollAt = performance.now();
    try {
      const metadata = await kms.describeKey(follow.region, follow.arn, bounded);
      state = metadata.KeyState ?? "Unknown";
      failures.sawState();
      emit({ type: "phase", keyId: follow.keyId, region: follow.region, phase: "creating", keyState: state });
    } catch (error) {
      if (signal.aborted) return interrupted();
      if (bounded.aborted) {
        // The deadline cut this poll: keep what its failed attempts said, for the note.
        const before = failedBeforeAbort(error);
        if (before !== undefined) failures.add(before.last, before.count);
        return timedOut();
      }
      if (isAbort(error)) return interrupted();
      failures.add(error, attemptsOf(error));
      const name = classify(error);
      const young = performance.now() - follow.since < grace;
      // Eventual consistency: a replica just created may not be visible yet, or not describable.
      if ((name === "NotFoundException" && young) || name === "KMSInvalidStateException") continue;
      // Throttling or a 5xx that outlasted the call's own retries says nothing about the replica:
      // keep polling at the slower pace of the schedule until the deadline.
      if (isRetryable(error)) continue;
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
  }
}

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a later deadline needs no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A signal that fires on the run's signal (Ctrl-C) or at the deadline (performance.now() time);
 * `dispose()` stops its timer. Not AbortSignal.timeout(): AbortSignal.any() holds its sources
 * weakly and nothing else holds a timeout signal, so a garbage collection before the deadline
 * silently cancels it (seen on Node 20: a 10 s wait ran 16 s). Here the timer holds the controller.
 */
export function untilDeadline(
  signal: AbortSignal,
  deadline: number,
): { readonly signal: AbortSignal; dispose(): void } {
  const remaining = Math.max(0, Math.ceil(deadline - performance.now()));
  if (remaining > MAX_TIMER_MS) return { signal: AbortSignal.any([signal]), dispose: () => undefined };
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The --timeout deadline passed.", "TimeoutError")),
    remaining,
  );
  timer.unref();
  return { signal: AbortSignal.any([signal, controller.signal]), dispose: () => clearTimeout(timer) };
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

/** DescribeKey failures since the last state we read, for the note of a wait that ran out. */
class FailedPolls {
  private count = 0;
  private last: string | undefined;
  private mixed = false;
  add(error: unknown, calls: number): void {
    const facts = errorFacts(error);
    const name = classify(error) === "NetworkError" ? (facts.code ?? "NetworkError") : facts.name;
    const label = `${name}${facts.httpStatus !== undefined ? ` (HTTP ${facts.httpStatus})` : ""}`;
    this.mixed ||= this.last !== undefined && this.last !== label;
    this.count += calls;
    this.last = label;
  }
  sawState(): void {
    this.count = 0;
    this.last = undefined;
    this.mixed = false;
  }
  /** `KMSInternalException (HTTP 500) ×7`, `7 calls, the last ThrottlingException`, or undefined. */
  describe(): string | undefined {
    if (this.count === 0 || this.last === undefined) return undefined;
    if (this.count === 1) return this.last;
    return this.mixed ? `${this.count} calls, the last ${this.last}` : `${this.last} ×${this.count}`;
  }
}

const RERUN = "re-run kms-replicate (or 'kms-replicate wait') to pick it up; do not delete it.";

/** What a wait that ran out saw: the last state, and what the calls since then answered. */
function timeoutNote(state: string | undefined, failures: FailedPolls): string {
  const failed = failures.describe();
  if (state === undefined) {
    return failed === undefined
      ? `The timeout ran out before DescribeKey answered, so the replica's state was never read. It may exist and finish on its own: ${RERUN}`
      : `DescribeKey never answered with the replica's state: ${failed}. It may exist and finish on its own: ${RERUN}`;
  }
  const then = failed === undefined ? "" : ` Since then, DescribeKey failed: ${failed}.`;
  return `Still ${state} when the timeout ran out.${then} It may still finish: ${RERUN}`;
}

/** A replica's final state → the unit's result: usable is `done` (something applied) or `unchanged`. */
export function settleState(follow: Follow, state: string, elapsedMs: number): WorkResult {
  const base = {
    keyId: follow.keyId,
    region: follow.region,
    arn: follow.arn,
    changes: follow.changes,
    keyState: state,
    elapsedMs,
  };
  if (isUsableState(state)) {
    const outcome = follow.changes.length > 0 ? "done" : "unchanged";
    return state === "PendingImport" ? { ...base, outcome, note: IMPORT_NOTE } : { ...base, outcome };
  }
  return { ...base, outcome: "failed", error: stateError(follow.region, state) };
}

export function stateError(region: string, state: string): ErrorReport {
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
