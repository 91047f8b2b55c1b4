// The polling machinery every wait shares (a replica leaving Creating, a family settling after
// UpdatePrimaryRegion): the backoff schedule between looks, the --timeout deadline as a signal, and
// what the failed looks said since the last good one. What a look reads and what settles it is the
// caller's.
import { DEFAULT_POLL, pollDelay, type PollSchedule } from "../../aws/backoff.js";
import { classify } from "../classify.js";
import { errorFacts } from "../call-error.js";
import { sleep } from "../../aws/pace.js";

/** However slow an answer was, the next look waits at least this part of its interval. */
const MIN_PAUSE_FRACTION = 0.25;

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

export interface PollBounds {
  /** The run's signal (Ctrl-C). */
  readonly signal: AbortSignal;
  /** performance.now() after which polling stops (--timeout). */
  readonly deadline: number;
  readonly schedule?: PollSchedule;
  readonly random?: () => number;
}

export interface PollLoop<T> {
  /**
   * One look, with a signal that also fires at the deadline: a result settles the wait,
   * undefined looks again after the schedule's pause. It should not throw.
   */
  look(bounded: AbortSignal): Promise<T | undefined>;
  /** The result when Ctrl-C (the run's signal) stops the wait. */
  interrupted(): T;
  /** The result when the deadline passes. */
  timedOut(): T;
  /** Pause before the first look (its state is already known, e.g. from ReplicateKey's answer). */
  readonly pauseFirst?: boolean;
  /**
   * When to look next (a performance.now() time) instead of the schedule's backoff, given the time
   * now; undefined: the schedule's. (A replica wait that learned where its Region's replicas settle.)
   */
  nextLookAt?(now: number): number | undefined;
}

/**
 * Looks until a look settles, the deadline passes, or the user interrupts; never throws (if `look`
 * does not). The schedule (the replica wait's backoff, DEFAULT_POLL) spaces the looks' starts, so a
 * distant Region (slow round trips) is not looked at more slowly; a slow answer still leaves a short
 * pause. Every look and every pause gets a signal that also fires at the deadline; a wait that
 * begins after the deadline takes one look (see run).
 */
export async function pollUntil<T>(bounds: PollBounds, loop: PollLoop<T>): Promise<T> {
  const cut = untilDeadline(bounds.signal, bounds.deadline);
  try {
    return await run(bounds, loop, cut.signal);
  } finally {
    cut.dispose();
  }
}

async function run<T>(bounds: PollBounds, loop: PollLoop<T>, bounded: AbortSignal): Promise<T> {
  const { signal, deadline } = bounds;
  const schedule = bounds.schedule ?? DEFAULT_POLL;
  const expired = (): boolean => bounded.aborted || performance.now() >= deadline;
  const started = performance.now();
  if (started >= deadline && !signal.aborted) {
    // The deadline passed before this wait began (a unit reached it late): one look, bounded by
    // the call's own timeouts, so that what is there is reported as it is (a read after the
    // deadline; no write follows it), not "never read".
    return (await loop.look(signal)) ?? loop.timedOut();
  }
  let lastLookAt = started;
  let looks = 0;
  for (;;) {
    if (signal.aborted) return loop.interrupted();
    if (looks > 0 || loop.pauseFirst === true) {
      if (expired()) return loop.timedOut();
      const now = performance.now();
      const at = loop.nextLookAt?.(now);
      let pause: number;
      if (at !== undefined) {
        pause = Math.max(0, at - now);
      } else {
        const interval = pollDelay(looks, now - started, schedule, bounds.random);
        pause = Math.max(interval - (now - lastLookAt), interval * MIN_PAUSE_FRACTION);
      }
      try {
        await sleep(Math.min(pause, deadline - now), bounded);
      } catch {
        return signal.aborted ? loop.interrupted() : loop.timedOut();
      }
      if (expired()) return loop.timedOut();
    }
    looks += 1;
    lastLookAt = performance.now();
    const result = await loop.look(bounded);
    if (result !== undefined) return result;
  }
}

/** How long a look cut by the deadline must have waited to be called unanswered. */
const SILENT_AFTER_MS = 1_000;

/** Failed calls since the last good answer, for the note of a wait that ran out. */
export class FailedPolls {
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
  /**
   * The last look was still waiting for its answer when the deadline cut it. Under a second that
   * is an ordinary round trip that the deadline happened to meet, not an endpoint that is silent.
   */
  private silentMs: number | undefined;
  unanswered(ms: number): void {
    this.silentMs = ms >= SILENT_AFTER_MS ? ms : undefined;
  }
  /** `the last DescribeKey had not answered after 12.0 s`, or undefined. */
  silence(): string | undefined {
    return this.silentMs === undefined
      ? undefined
      : `the last DescribeKey had not answered after ${(this.silentMs / 1000).toFixed(1)} s`;
  }
  sawState(): void {
    this.silentMs = undefined;
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
