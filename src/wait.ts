// Follow one replica in its own Region with DescribeKey until it leaves a transient state.
import { DEFAULT_POLL, pollDelay, type PollSchedule } from "./backoff.js";
import { classify, describeError, errorFacts, isAbort, isRetryable, type ErrorReport } from "./errors.js";
import { isUsableState, type Emit, type RegionResult } from "./events.js";
import { attemptsOf, failuresBeforeAbort, type KmsPort } from "./kms.js";
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
  /**
   * What the Region ends as when the replica is seen usable: `created` for a replica this run
   * requested (then a NotFound past the grace period is ReplicaNotVisible, not a wrong --key).
   */
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

/**
 * Polls until the replica settles, the deadline passes, or the user interrupts. Never throws.
 * The deadline is a wall-clock bound: every poll and every pause gets a signal that also fires at
 * the deadline, so a poll whose retries and backoff outlast it is cut there (a `timeout`).
 */
export async function followReplica(follow: Follow, settings: WaitSettings): Promise<RegionResult> {
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
): Promise<RegionResult> {
  const { kms, emit, signal, startedAt, deadline } = settings;
  const schedule = settings.schedule ?? DEFAULT_POLL;
  const grace = settings.notFoundGraceMs ?? NOT_FOUND_GRACE_MS;
  const base = { region: follow.region, replicaArn: follow.arn };
  const elapsed = (): number => Math.round(performance.now() - startedAt);
  let state = follow.knownState;
  let polls = 0;
  const failures = new FailedPolls();
  const waitStarted = performance.now();
  let lastPollAt = waitStarted;
  const interrupted = (): RegionResult => ({
    ...base,
    status: "interrupted",
    keyState: state,
    elapsedMs: elapsed(),
    note: INTERRUPTED_NOTE,
  });
  const timedOut = (): RegionResult => ({
    ...base,
    status: "timeout",
    keyState: state,
    elapsedMs: elapsed(),
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
      emit({ type: "phase", region: follow.region, phase: "creating", keyState: state });
    } catch (error) {
      if (signal.aborted) return interrupted();
      if (bounded.aborted) {
        // The deadline cut this poll: keep what its failed attempts said, for the note.
        const before = failuresBeforeAbort(error);
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
        ...base,
        status: "failed",
        keyState: state,
        elapsedMs: elapsed(),
        error:
          name === "NotFoundException" && follow.status === "created"
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
  follow: Pick<Follow, "region" | "arn" | "status">,
  settings: Pick<WaitSettings, "kms" | "signal">,
): Promise<{ readonly state: string } | { readonly error: ErrorReport } | { readonly interrupted: true }> {
  try {
    const metadata = await settings.kms.describeKey(follow.region, follow.arn, settings.signal);
    return { state: metadata.KeyState ?? "Unknown" };
  } catch (error) {
    if (settings.signal.aborted || isAbort(error)) return { interrupted: true };
    const report =
      classify(error) === "NotFoundException" && follow.status === "created"
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

/** A replica's final state → the Region's result. */
export function settleState(
  follow: Pick<Follow, "region" | "arn" | "status">,
  state: string,
  elapsedMs: number,
): RegionResult {
  const base = { region: follow.region, replicaArn: follow.arn, keyState: state, elapsedMs };
  if (isUsableState(state)) {
    return state === "PendingImport"
      ? { ...base, status: follow.status, note: IMPORT_NOTE }
      : { ...base, status: follow.status };
  }
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
