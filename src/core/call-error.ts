// A failed KMS call as the core sees it: what the AWS adapter (src/aws/call.ts) throws when a call
// fails (KmsCallError: the SDK's or the transport's error, with how the call went), the facts read
// off any thrown value (errorFacts), and which calls only read (isReadOperation).
import { redactSecrets } from "./redact.js";

/**
 * Calls that only read (Describe*, List*, GetKeyPolicy): everything else changes something in KMS
 * or starts a change (GetParametersForImport begins an import), and is a write for the deadline.
 */
export function isReadOperation(operation: string): boolean {
  return /^(Describe|List)/.test(operation) || operation === "GetKeyPolicy";
}

/** How a call was sent, noted on its error by the adapter (src/aws/call.ts), so that messages can name them. */
export interface TransportFacts {
  /** Where the call was sent (ReplicateKey: the primary's Region). */
  readonly region: string;
  /** The endpoint URL, or KMS's public endpoint for that Region. */
  readonly endpoint: string;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
}

/**
 * What the AWS adapter (src/aws/call.ts) throws when a call fails: the SDK's or the transport's error as
 * `cause`, with how the call went. Every predicate (errorFacts, classify, isRetryable…) reads through
 * it to the cause.
 */
export class KmsCallError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly call: {
      readonly operation: string;
      readonly region: string;
      /** Attempts made, the failed last one included. */
      readonly attempts: number;
      readonly transport?: TransportFacts;
      /** A call its signal cut (a deadline): the attempts that had failed on their own, and the last one's error. */
      readonly failedBefore?: { readonly count: number; readonly last: unknown };
      /**
       * What reached the wire (see src/aws/sent.ts): `sent`, an attempt's request left the process;
       * `unanswered`, one left and no answer came back for it (it may have been carried out).
       * Undefined: not known (a client the adapter does not watch, e.g. a test's mock).
       */
      readonly wire?: { readonly sent: boolean; readonly unanswered: boolean };
    },
  ) {
    const facts = errorFacts(cause);
    super(facts.message, { cause });
    // The AWS name, so that a log or a test matcher sees what KMS answered.
    this.name = facts.name;
  }
}

/** The SDK's error behind an adapter error (or the value itself). */
export function sdkErrorOf(error: unknown): unknown {
  return error instanceof KmsCallError ? error.cause : error;
}

/** How many attempts a failed call took (1 for anything the adapter did not throw). */
export function attemptsOf(error: unknown): number {
  return error instanceof KmsCallError ? error.call.attempts : 1;
}

/** For a call its signal cut (a deadline): the attempts that had failed on their own, and the last one's error. */
export function failedBeforeAbort(
  error: unknown,
): { readonly count: number; readonly last: unknown } | undefined {
  return error instanceof KmsCallError ? error.call.failedBefore : undefined;
}

export function transportOf(error: unknown): TransportFacts | undefined {
  return error instanceof KmsCallError ? error.call.transport : undefined;
}

/** What we read off any thrown value: the SDK's ServiceException, a Node network error, or anything else. */
export interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  readonly code?: string;
}

export function errorFacts(thrown: unknown): ErrorFacts {
  const error = sdkErrorOf(thrown);
  if (typeof error !== "object" || error === null) return { name: "Error", message: String(error) };
  const e = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
    cause?: unknown;
  };
  const code = typeof e.code === "string" ? e.code : undefined;
  const name = typeof e.name === "string" ? e.name : "Error";
  const message = redactSecrets(typeof e.message === "string" ? e.message : JSON.stringify(error));
  return {
    name,
    message,
    code,
    httpStatus: e.$metadata?.httpStatusCode,
    requestId: e.$metadata?.requestId,
  };
}
