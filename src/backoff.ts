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
