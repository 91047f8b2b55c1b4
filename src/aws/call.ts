// One call through the AWS adapter: its quota slots, the deadline's gate, its attempts and our retry
// layer, a `call` event per attempt, and the error it ends with (src/aws/client.ts makes the clients).
//
// Retry decision. The SDK's standard strategy would retry LimitExceededException (a resource quota
// in KMS, not throttling), and stacking it under p-retry multiplies attempts (3 × N) and hides them
// from --debug. So each client makes exactly one attempt (maxAttempts: 1) and p-retry is the only
// retry layer: it retries what src/core/retryable.ts counts as retryable (throttling, 5xx, network resets
// and timeouts), with capped exponential backoff and jitter, a bounded number of times, and every
// attempt is reported as a `call` event.
//
// Time bound. Every attempt ends: the TCP connection within --cli-connect-timeout, the answer
// within --cli-read-timeout of socket silence, and the whole attempt is cut at connect + read (the
// clients' HTTP handler, src/aws/client.ts).
// @smithy/node-http-handler only *warns* when requestTimeout passes unless throwOnRequestTimeout
// is set, so it is set. A timeout is retried `timeoutRetries` times (once), a clock skew the SDK
// corrected once; see worstCaseCall() in backoff.ts for the bound the README prints.
//
// Quotas. Every attempt takes its slots in the process's QuotaBook (src/aws/quota-book.ts) before it is
// sent: KMS's request quotas per (operation, Region), shared by every key and command.
//
// Deadline. A run's --timeout is a deadline for writes (every call but Describe*, List* and
// GetKeyPolicy): after it, no write leaves the process, whichever command or step asks. A write is
// refused before it queues for its quota slots, dropped from the queue when the deadline passes
// while it waits, not retried when the retry's backoff could cross the deadline, and refused at
// the last moment, when the HTTP agent hands it a socket (src/aws/sent.ts), if it waited that long for
// credentials, signing or a socket. The refusal is a NotSentError (never retried); callers report
// the work it stopped as not started. A write already sent is never cut: its answer tells what
// happened. Reads go on after the deadline (each within its own bound), so a run can still report
// what it knows.
//
// Sent. A call counts as sent once an attempt's request has left the process (src/aws/sent.ts): a
// failed call says whether any attempt's request did, and whether one got no answer (it may have
// been carried out). A Ctrl-C that catches a call still queued, signing or waiting for a socket
// therefore reports "not sent", not "may have been carried out".
import type { KMSClient } from "@aws-sdk/client-kms";
import pRetry from "p-retry";
import { longestRetryPause, type RetryPolicy, type Timeouts } from "./backoff.js";
import { errorFacts, isReadOperation, KmsCallError, type TransportFacts } from "../core/call-error.js";
import { classify } from "../core/classify.js";
import { isAbort, isNotSent, isReplicateError, NotSentError } from "../core/errors.js";
import type { Emit } from "../core/events.js";
import { redactUrl } from "../core/redact.js";
import { isClockSkew, isRetryable, isTimeout } from "../core/retryable.js";
import { costOf, isQuotaName, type InFlightKey, type QuotaBook, type QuotaCost } from "./quotas.js";
import type { RequestWatch, WatchedRequest } from "./sent.js";

/** One attempt of a call, from the moment it is given to the SDK. */
export interface Attempt extends WatchedRequest {
  /** Its request has left the process. */
  left: boolean;
  /** The hook refused it at the deadline, before a byte was written. */
  refused: boolean;
  /** Its invocation ID, once the SDK gave it one. */
  id?: string;
}

/** What every call of one adapter shares (src/aws/client.ts makes it). */
export interface CallContext {
  readonly policy: RetryPolicy;
  readonly timeouts: Timeouts;
  readonly emit: Emit;
  readonly quotas: QuotaBook;
  /** performance.now() after which no write is sent (Infinity: none). */
  readonly deadline: number;
  readonly clientFor: (region: string) => KMSClient;
  /**
   * The clients' requests are watched (src/aws/sent.ts). Not for a test's mock client: every
   * attempt made then counts as sent, and as maybe carried out.
   */
  readonly watching: boolean;
  readonly watch: RequestWatch;
  /** The attempt each command sent is, for the middleware that learns its invocation ID. */
  readonly attemptOf: WeakMap<object, Attempt>;
  /** Where a failed request went (`http://127.0.0.1:4566`), or where a call to `region` goes. */
  readonly endpointOf: (error: unknown, region: string) => string;
}

/** Sends one attempt's command on the Region's client; `track` marks the command as this attempt's. */
export type Send<T> = (client: KMSClient, track: <C extends object>(command: C) => C) => Promise<T>;

export interface CallExtra {
  /** Runs when an attempt's request has left the process. */
  readonly onSent?: () => void;
  /** The Region the call acts on when it is sent elsewhere (ReplicateKey's ReplicaRegion). */
  readonly target?: string;
}

/** One call of `operation` in `region`, attempted and retried as the file's comment says. */
export type Call = <T>(
  operation: string,
  region: string,
  signal: AbortSignal | undefined,
  send: Send<T>,
  extra?: CallExtra,
) => Promise<T>;

export function createCall(context: CallContext): Call {
  return (operation, region, signal, send, extra = {}) =>
    new OneCall(context, operation, region, signal, send, extra).run();
}

/** One call's attempts: what they cost, what reached the wire, and whether to try again. */
class OneCall<T> {
  /** Attempts made (given to the SDK and not refused on their socket). */
  private attempt = 0;
  /** The attempts that failed on their own (an abort aside), and the last one's error. */
  private failed: { count: number; last: unknown } | undefined;
  private timeoutsSeen = 0;
  private skewsSeen = 0;
  /** The last failed attempt is to be retried (decided once per failure, see decide). */
  private retryLast = false;
  /** The deadline kept a retry from being made: the call ends as not sent (after `attempt` sent). */
  private cutByDeadline = false;
  private transport: TransportFacts | undefined;
  /** What reached the wire, over every attempt. */
  private readonly wire = { sent: false, unanswered: false };
  /** A write, and the run has a deadline: the deadline gates every attempt. */
  private readonly write: boolean;
  private readonly costs: readonly QuotaCost[];
  private readonly inFlight: InFlightKey | undefined;

  constructor(
    private readonly context: CallContext,
    private readonly operation: string,
    private readonly region: string,
    private readonly signal: AbortSignal | undefined,
    private readonly send: Send<T>,
    private readonly extra: CallExtra,
  ) {
    this.write = !isReadOperation(operation) && context.deadline < Number.POSITIVE_INFINITY;
    this.costs = costOf(operation, region, extra.target);
    this.inFlight = isQuotaName(operation) ? { name: operation, region } : undefined;
  }

  async run(): Promise<T> {
    const { policy } = this.context;
    try {
      return await pRetry(() => this.attemptOnce(), {
        retries: policy.retries,
        minTimeout: policy.minTimeout,
        factor: policy.factor,
        maxTimeout: policy.maxTimeout,
        randomize: policy.randomize,
        signal: this.signal,
        shouldRetry: ({ error }) => this.retryLast && !isNotSent(error),
      });
    } catch (error) {
      throw this.ended(error);
    }
  }

  /** One attempt: its quota slots, the deadline's gate, then the SDK. */
  private async attemptOnce(): Promise<T> {
    if (this.expired()) throw this.refusal();
    const release = await this.context.quotas.acquire(this.costs, this.signal, {
      ...(this.inFlight !== undefined ? { inFlight: this.inFlight } : {}),
      ...(this.write ? { deadline: { at: this.context.deadline, expired: () => this.refusal() } } : {}),
      // Its slots count from when its request leaves, if the adapter can tell (else from now).
      ...(this.context.watching ? { countFromSent: true } : {}),
    });
    const sent: Attempt = {
      left: false,
      refused: false,
      beforeWrite: () => {
        if (!this.expired()) return undefined;
        sent.refused = true;
        return this.refusal();
      },
      written: () => {
        release.sent?.();
        sent.left = true;
        this.wire.sent = true;
        this.extra.onSent?.();
      },
    };
    try {
      // Slots granted at the deadline itself: still too late.
      if (this.expired()) throw this.refusal();
      this.attempt += 1;
      // A client the adapter does not watch (a test's mock) cannot say when: now, then.
      if (!this.context.watching) this.extra.onSent?.();
      const value = await this.sendAttempt(sent);
      // Answered: it reached KMS by now, whether or not its last byte was seen to leave.
      release.sent?.();
      return value;
    } catch (error) {
      // An answer before its last byte was written (a server may answer early): it reached KMS.
      if (errorFacts(error).httpStatus !== undefined) release.sent?.();
      throw error;
    } finally {
      if (sent.id !== undefined) this.context.watch.forget(sent.id);
      release();
    }
  }

  private async sendAttempt(sent: Attempt): Promise<T> {
    const started = performance.now();
    const track = <C extends object>(command: C): C => {
      this.context.attemptOf.set(command, sent);
      return command;
    };
    try {
      const value = await this.send(this.context.clientFor(this.region), track);
      this.context.emit({
        ...this.what(),
        attempt: this.attempt,
        durationMs: performance.now() - started,
        willRetry: false,
      });
      return value;
    } catch (error) {
      if (sent.refused) {
        // Refused on its socket at the deadline: this attempt never left.
        this.attempt -= 1;
        throw this.refusal();
      }
      this.failedAttempt(error, sent, started);
      throw error;
    }
  }

  /** Notes what a failed attempt tells (the wire, the transport), decides on a retry, and says so. */
  private failedAttempt(error: unknown, sent: Attempt, started: number): void {
    // An HTTP answer means the request reached KMS (a server may answer before the last
    // byte is written). Sent and no answer: a timeout, a dropped connection, an abort.
    const answered = errorFacts(error).httpStatus !== undefined;
    if (answered) this.wire.sent = true;
    else if (sent.left) this.wire.unanswered = true;
    if (!isAbort(error)) this.failed = { count: (this.failed?.count ?? 0) + 1, last: error };
    const { timeouts } = this.context;
    this.transport = {
      region: this.region,
      endpoint: redactUrl(this.context.endpointOf(error, this.region)),
      connectTimeoutMs: timeouts.connectMs,
      readTimeoutMs: timeouts.readMs,
    };
    this.retryLast = this.decide(error);
    this.context.emit({
      ...this.what(),
      attempt: this.attempt,
      durationMs: performance.now() - started,
      errorName: eventErrorName(error),
      willRetry: this.retryLast,
    });
  }

  /** The `call` event's own fields. */
  private what() {
    const { target } = this.extra;
    return {
      type: "call",
      operation: this.operation,
      region: this.region,
      ...(target !== undefined ? { target } : {}),
    } as const;
  }

  /**
   * The deadline's refusal, after the attempts made so far. A client the adapter does not watch (a
   * test's mock): every attempt made counts as sent, and as maybe carried out.
   */
  private refusal(lastError?: unknown): NotSentError {
    const { watching } = this.context;
    return new NotSentError({
      operation: this.operation,
      region: this.region,
      sentBefore: watching ? (this.wire.sent ? this.attempt : 0) : this.attempt,
      lastError: lastError ?? this.failed?.last,
      unanswered: watching ? this.wire.unanswered : this.attempt > 0,
    });
  }

  private expired(): boolean {
    return this.write && performance.now() >= this.context.deadline;
  }

  /** Another attempt? Once per failure, in order, so the counters are exact. */
  private decide(error: unknown): boolean {
    const retry = this.retryable(error);
    const { policy, deadline } = this.context;
    if (retry && this.write && performance.now() + longestRetryPause(policy, this.attempt) >= deadline) {
      // The retry's pause could end after the deadline: no write then, so no pause either.
      this.cutByDeadline = true;
      return false;
    }
    return retry;
  }

  private retryable(error: unknown): boolean {
    const { policy } = this.context;
    if (this.signal?.aborted === true || isAbort(error) || !isRetryable(error)) return false;
    if (this.attempt > policy.retries) return false;
    if (isClockSkew(error)) return (this.skewsSeen += 1) <= 1;
    if (isTimeout(error)) return (this.timeoutsSeen += 1) <= (policy.timeoutRetries ?? 1);
    return true;
  }

  /** What the call throws once no attempt is left. */
  private ended(error: unknown): unknown {
    const { signal } = this;
    // The deadline kept the next attempt from being sent: a NotSentError after `attempt` sent.
    if (this.cutByDeadline && !isReplicateError(error) && signal?.aborted !== true)
      return this.refusal(error);
    // Aborted (Ctrl-C, or a caller's deadline: AbortSignal.timeout's reason is named
    // TimeoutError): always an AbortError, never mistaken for a transport timeout.
    // Our own errors (credentials, a missing profile, a write refused at the deadline) are
    // already values with advice.
    if (isReplicateError(error)) return error;
    const cause =
      signal?.aborted === true && !isAbort(error)
        ? new DOMException("The call was aborted.", "AbortError")
        : error;
    return new KmsCallError(cause, {
      operation: this.operation,
      region: this.region,
      attempts: this.attempt,
      transport: this.transport,
      failedBefore: this.failed !== undefined && cause !== this.failed.last ? this.failed : undefined,
      ...(this.context.watching ? { wire: { ...this.wire } } : {}),
    });
  }
}

/** The `call` event's errorName: the network code, our transport names, else the error's own name. */
function eventErrorName(error: unknown): string {
  const name = classify(error);
  if (name === "NetworkError") return errorFacts(error).code ?? name;
  if (name === "ConnectionClosed" || name === "ConnectTimeout" || name === "ReadTimeout") return name;
  return errorFacts(error).name;
}
