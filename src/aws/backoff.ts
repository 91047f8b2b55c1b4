// Delay schedules, pure: how long to wait before the next DescribeKey poll, and how p-retry
// backs off a retryable failure. Tuned with `npm run bench` (see the README's Performance section).

export interface PollSchedule {
  /** Delay before the first poll after ReplicateKey returned. */
  readonly initialMs: number;
  /** Growth per poll. */
  readonly factor: number;
  /** The cap while the wait is young… */
  readonly minCapMs: number;
  /** …grows with the time already waited (cap = elapsed × capFraction), so the detection lag stays
   * a small fraction of the whole wait, and long waits (replicas have stayed Creating for ten
   * minutes) cost a few calls a minute instead of hundreds… */
  readonly capFraction: number;
  /** …but never beyond this. */
  readonly maxCapMs: number;
  /** Subtractive jitter: each delay is cut by up to this fraction, so it never exceeds the cap. */
  readonly jitter: number;
}

export const DEFAULT_POLL: PollSchedule = {
  initialMs: 300,
  factor: 1.4,
  minCapMs: 700,
  capFraction: 0.08,
  maxCapMs: 15_000,
  jitter: 0.2,
};

/** The cap on the next delay, after `elapsedMs` of waiting. */
export function pollCap(elapsedMs: number, schedule: PollSchedule = DEFAULT_POLL): number {
  return Math.min(schedule.maxCapMs, Math.max(schedule.minCapMs, elapsedMs * schedule.capFraction));
}

/**
 * Delay before poll number `attempt + 1` (attempt 0 is the first poll), `elapsedMs` after the
 * wait began. `random` is injectable so tests can pin the jitter.
 */
export function pollDelay(
  attempt: number,
  elapsedMs: number,
  schedule: PollSchedule = DEFAULT_POLL,
  random: () => number = Math.random,
): number {
  const exponential = schedule.initialMs * schedule.factor ** attempt;
  const capped = Math.min(exponential, pollCap(elapsedMs, schedule));
  return Math.round(capped * (1 - schedule.jitter * random()));
}

/** Settled replicas per Region whose times are kept (the newest): the window follows a drift. */
const CREATING_SAMPLES = 32;
/** A Region's looks are advised once this many of its replicas have settled. */
const CREATING_MIN_SAMPLES = 3;
/** The window starts at this quantile of the replicas' last Creating looks… */
const WINDOW_FROM_QUANTILE = 0.2;
/** …and ends at this quantile of their first settled looks. */
const WINDOW_TO_QUANTILE = 0.8;
/** The window is crossed in this many steps (each at least minStepMs, at most the schedule's cap). */
const WINDOW_STEPS = 4;

/** Where the replicas of one Region settled, and how to look for the next one there. */
export interface CreatingWindow {
  /** ms from ReplicateKey's answer: the first look (none before). */
  readonly fromMs: number;
  /** ms from ReplicateKey's answer: after this the schedule's own backoff (pollDelay) again. */
  readonly toMs: number;
  /** Between looks within the window. */
  readonly stepMs: number;
}

/**
 * What this run saw of how long its new replicas stayed Creating, per Region. Each replica that
 * settled gives a range: the last look that still saw Creating and the first that saw it settled,
 * in ms from ReplicateKey's answer. Once a Region has CREATING_MIN_SAMPLES of them, a new replica
 * there is looked at where the others settled: not before the window (one look at its start),
 * then every stepMs across it, then, still Creating, by the schedule's backoff as before. KMS
 * creates a fleet's replicas in one Region in much the same time, so a replica takes a few looks
 * instead of one every 0.7 s, and its settling is seen within one step (at least minStepMs) instead
 * of one capped interval. Where the times vary widely the steps grow (at most the schedule's cap),
 * and a replica faster than the others is seen at the window's start: later than the schedule would
 * have seen it, never unseen. Pure: the caller gives every time.
 */
export class CreatingTimes {
  private readonly regions = new Map<
    string,
    { lastCreating: number[]; settled: number[]; next: number; window?: CreatingWindow }
  >();
  constructor(
    private readonly options: { readonly minStepMs?: number; readonly schedule?: PollSchedule } = {},
  ) {}

  /**
   * One replica of `region` settled: last seen Creating at `lastCreatingMs` (0: only ReplicateKey's
   * answer said so), first seen settled at `settledMs`.
   */
  record(region: string, lastCreatingMs: number, settledMs: number): void {
    let times = this.regions.get(region);
    if (times === undefined) {
      times = { lastCreating: [], settled: [], next: 0 };
      this.regions.set(region, times);
    }
    times.lastCreating[times.next] = lastCreatingMs;
    times.settled[times.next] = Math.max(settledMs, lastCreatingMs);
    times.next = (times.next + 1) % CREATING_SAMPLES;
    times.window = undefined;
  }

  /** The window for `region`'s next replicas, or undefined: too few settled yet to say. */
  window(region: string): CreatingWindow | undefined {
    const times = this.regions.get(region);
    if (times === undefined || times.settled.length < CREATING_MIN_SAMPLES) return undefined;
    if (times.window !== undefined) return times.window;
    const fromMs = quantile(times.lastCreating, WINDOW_FROM_QUANTILE);
    const toMs = Math.max(fromMs, quantile(times.settled, WINDOW_TO_QUANTILE));
    const minStepMs = this.options.minStepMs ?? 100;
    const cap = pollCap(fromMs, this.options.schedule);
    const stepMs = Math.round(
      Math.min(Math.max(minStepMs, cap), Math.max(minStepMs, (toMs - fromMs) / WINDOW_STEPS)),
    );
    times.window = { fromMs, toMs, stepMs };
    return times.window;
  }

  /**
   * When to look next at a replica of `region` (ms from ReplicateKey's answer), `elapsedMs` in,
   * its last look at `lastLookMs` (0: none yet); undefined: the schedule's own backoff.
   */
  nextLookAt(region: string, elapsedMs: number, lastLookMs: number): number | undefined {
    const window = this.window(region);
    // Settled by the schedule's first look anyway: nothing to gain from looking sooner.
    const first = (this.options.schedule ?? DEFAULT_POLL).initialMs;
    if (window === undefined || window.toMs <= first || elapsedMs > window.toMs) return undefined;
    // Not looked at near the window's start yet: then. (A timer can fire a little early: a look
    // just before the start counts as the look at the start.)
    if (lastLookMs < window.fromMs - window.stepMs / 2) return Math.max(window.fromMs, elapsedMs);
    return Math.max(lastLookMs + window.stepMs, elapsedMs + window.stepMs / 4);
  }
}

/** The value below which a `q` part of `values` lie (nearest rank). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/**
 * Our retry layer for retryable failures (throttling, 5xx, network): p-retry's options.
 * p-retry waits min(maxTimeout, minTimeout × factor^n × random(1..2)).
 */
export interface RetryPolicy {
  readonly retries: number;
  /**
   * Of those, how many may follow a timeout (connect or read): an endpoint that does not answer
   * is given one more chance, not six, so that a stalled run ends in minutes, not a quarter-hour.
   */
  readonly timeoutRetries?: number;
  readonly minTimeout: number;
  readonly factor: number;
  readonly maxTimeout: number;
  readonly randomize: boolean;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 6,
  timeoutRetries: 1,
  minTimeout: 250,
  factor: 2,
  maxTimeout: 5_000,
  randomize: true,
};

/**
 * The longest pause p-retry can make before the next attempt, after `attemptsMade` attempts: the
 * pause a write may not begin when it could end after the run's deadline.
 */
export function longestRetryPause(policy: RetryPolicy, attemptsMade: number): number {
  const base = policy.minTimeout * policy.factor ** Math.max(0, attemptsMade - 1);
  return Math.min(policy.maxTimeout, Math.round(base * (policy.randomize ? 2 : 1)));
}

/** The longest the retry layer can sleep in total, for the README and tests. */
export function worstCaseRetrySleep(policy: RetryPolicy = DEFAULT_RETRY): number {
  let total = 0;
  for (let n = 0; n < policy.retries; n += 1) {
    const base = policy.minTimeout * policy.factor ** n * (policy.randomize ? 2 : 1);
    total += Math.min(policy.maxTimeout, base);
  }
  return total;
}

/**
 * Per-attempt timeouts, as the AWS CLI's --cli-connect-timeout and --cli-read-timeout (seconds
 * there, ms here). The AWS CLI waits 60 s for each and 0 means "never time out"; we promise that
 * every call ends, so 0 is refused, and the defaults are shorter: KMS answers its management
 * calls in well under a second.
 */
export interface Timeouts {
  /** Until the TCP connection is established. */
  readonly connectMs: number;
  /** Once connected, for KMS to answer (the socket idle; the whole attempt is cut at connect + read). */
  readonly readMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, readMs: 30_000 };

/**
 * The longest one call can take, retries included:
 * - `stalled`: the endpoint accepts connections (or not) and never answers: every attempt times
 *   out, so 1 + timeoutRetries attempts, each cut at connect + read, and the sleeps between them;
 * - `any`: whatever fails, every attempt is cut at connect + read, at most 1 + retries attempts.
 */
export function worstCaseCall(
  policy: RetryPolicy = DEFAULT_RETRY,
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
): { readonly stalledMs: number; readonly anyMs: number } {
  const attempt = timeouts.connectMs + timeouts.readMs;
  const stalledRetries = Math.min(policy.retries, policy.timeoutRetries ?? 1);
  return {
    stalledMs: (stalledRetries + 1) * attempt + worstCaseRetrySleep({ ...policy, retries: stalledRetries }),
    anyMs: (policy.retries + 1) * attempt + worstCaseRetrySleep(policy),
  };
}
