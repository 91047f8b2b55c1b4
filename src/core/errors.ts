// Typed errors and the exit-code table; describeError, which turns any error into what we show
// (the advice itself: src/core/advice.ts; the names we give errors: src/core/classify.ts).
import { ADVICE, adviceFor, type Advice, type ErrorContext } from "./advice.js";
import { errorFacts, KmsCallError, transportOf } from "./call-error.js";
import { classify } from "./classify.js";

/** Exit codes are part of the interface: documented in --help and the README. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  timeout: 3,
  drift: 4,
  interrupted: 130,
  terminated: 143,
  hangup: 129,
} as const;
/** A process exit code of kms-replicate (the table in --help and the README). */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_HELP = `Exit codes:
  0    done: every Region usable (with --no-wait or --dry-run, Creating counts)
  1    a Region or a key failed (the others were still completed)
  2    usage or validation error: nothing was changed
  3    --timeout ran out: a replica still Creating ('kms-replicate wait' picks
       it up), or a change not sent (notStarted: run the same command again)
  4    status: every key usable, but a replica drifts from its primary
  130  stopped by Ctrl-C (SIGINT); 143 SIGTERM, 129 SIGHUP; the JSON is written`;

/** The same, in two lines, for a command's own --help (the table is the program's, and docs/). */
export const EXIT_LINES = `Exit codes: 0 done · 1 a Region or key failed · 2 usage error, nothing changed ·
3 --timeout ran out · 4 status: drift · 130/143/129 SIGINT/SIGTERM/SIGHUP`;

/**
 * Whose fault: `user` (bad input, wrong key: fix the command), `aws` (the service or the
 * account said no: fix permissions or state), `tool` (a bug in kms-replicate).
 */
export type Fault = "user" | "aws" | "tool";

const BRAND = Symbol.for("kms-replicate.error");

/** The one error type src/ throws. `exitCode` says how the process ends if it is not caught. */
export class ReplicateError extends Error {
  readonly [BRAND] = true;
  override readonly name: string;
  constructor(
    message: string,
    readonly options: {
      readonly fault: Fault;
      readonly exitCode: ExitCode;
      /** The AWS error name (or our own code) behind it, shown in JSON. */
      readonly code: string;
      /** What to do next, one line. */
      readonly hint?: string;
      readonly cause?: unknown;
      /** For InvalidRegion: every rejected Region with its reason. */
      readonly invalidRegions?: readonly { readonly region: string; readonly reason: string }[];
    },
  ) {
    super(message, { cause: options.cause });
    this.name = options.code;
  }
  get exitCode(): ExitCode {
    return this.options.exitCode;
  }
  get hint(): string | undefined {
    return this.options.hint;
  }
  get fault(): Fault {
    return this.options.fault;
  }
  get code(): string {
    return this.options.code;
  }
}

export function isReplicateError(value: unknown): value is ReplicateError {
  return typeof value === "object" && value !== null && BRAND in value;
}

/** Bad input: exit 2, and nothing was changed. */
export function usageError(message: string, hint?: string): ReplicateError {
  return new ReplicateError(message, { fault: "user", exitCode: EXIT.usage, code: "UsageError", hint });
}

/**
 * A write the AWS adapter did not send because the run's deadline (--timeout) had passed: its
 * request never left the process, so it changed nothing. Never retried. `sentBefore`: earlier
 * attempts of the same call that did leave (and failed) before the deadline, with the last one's
 * error; 0 when the call never reached KMS at all.
 */
export class NotSentError extends ReplicateError {
  constructor(
    readonly call: {
      readonly operation: string;
      readonly region: string;
      readonly sentBefore: number;
      readonly lastError?: unknown;
      /** An earlier attempt left the process and got no answer: it may have been carried out. */
      readonly unanswered?: boolean;
    },
  ) {
    super(
      call.operation === ""
        ? "--timeout ran out before the call could be sent; it was not sent."
        : `--timeout ran out before ${call.operation} could be sent to ${call.region}; it was not sent.`,
      { fault: "user", exitCode: EXIT.timeout, code: "NotSent", cause: call.lastError },
    );
  }
}

export function isNotSent(error: unknown): error is NotSentError {
  return error instanceof NotSentError;
}

/**
 * Nothing of this call reached KMS: it was refused at the deadline before any attempt left the
 * process. (An error that says nothing either way counts as sent: never "nothing changed" unless
 * known.)
 */
export function neverSent(error: unknown): boolean {
  if (error instanceof NotSentError) return error.call.sentBefore === 0;
  if (error instanceof KmsCallError) return error.call.wire?.sent === false;
  return false;
}

/**
 * A request of this call left the process and no answer came back: it may have been carried out.
 * True when not known (an error that does not say), so that nobody is told "nothing changed" on a
 * guess.
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  if (error instanceof NotSentError) return error.call.unanswered === true;
  if (error instanceof KmsCallError) return error.call.wire?.unanswered ?? true;
  return true;
}

/** Is this the user's Ctrl-C (or our own abort), not a failure? */
export function isAbort(error: unknown): boolean {
  const name = errorFacts(error).name;
  return name === "AbortError";
}

/** A failed AWS call as a value we can show: name, message, and what to do next. */
export interface ErrorReport {
  /** The AWS error name (AccessDeniedException, …), or ours (UsageError, ReplicaPendingDeletion, AliasTaken, …). */
  readonly name: string;
  /** What went wrong, in one or more sentences. */
  readonly message: string;
  /** What to do about it; absent when there is nothing more to say. */
  readonly hint?: string;
}

/** A run-ending error as we show it. */
export interface ReportedError extends ErrorReport {
  readonly invalidRegions?: readonly { region: string; reason: string }[];
}

/** A service's text on one line: its line breaks (and the blanks around them) as ` / `. */
const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, " / ");

export function describeError(error: unknown, ctx: ErrorContext): ErrorReport {
  if (isReplicateError(error)) return { name: error.code, message: error.message, hint: error.hint };
  // What KMS (or an endpoint posing as it) said is shown as one line: it cannot forge another.
  const raw = errorFacts(error);
  const facts = { ...raw, name: oneLine(raw.name), message: oneLine(raw.message) };
  const known = classify(error);
  const wire = error instanceof KmsCallError ? error.call.wire : undefined;
  const full: ErrorContext = {
    ...ctx,
    transport: ctx.transport ?? transportOf(error),
    ...(wire !== undefined ? { wire } : {}),
    ...(known === "UntrustedCertificate" ? { tls: `${facts.code ?? facts.name}: ${facts.message}` } : {}),
  };
  if (known !== undefined) {
    const advice = adviceFor(known, full);
    const name =
      known === "NetworkError"
        ? (facts.code ?? known)
        : known === "RegionNotServed"
          ? (facts.code ?? facts.name)
          : advice.message !== undefined
            ? known
            : facts.name;
    return { name, message: advice.message?.(full) ?? facts.message, hint: advice.hint(full) };
  }
  const name = facts.name;
  const detail = [
    facts.httpStatus !== undefined ? `HTTP ${facts.httpStatus}` : undefined,
    facts.requestId !== undefined ? `request id ${facts.requestId}` : undefined,
  ].filter((part) => part !== undefined);
  return {
    name,
    message: detail.length > 0 ? `${facts.message} (${detail.join(", ")})` : facts.message,
  };
}

/** Wraps a failed AWS call into our error type, for failures that end the whole run. */
export function awsError(
  error: unknown,
  ctx: ErrorContext,
  exitCode: ExitCode = EXIT.failed,
): ReplicateError {
  // Not about this call: a missing profile (exit 2) or credentials that could not be loaded.
  if (isReplicateError(error) && (error.fault === "user" || error.code === "CredentialsProviderError")) {
    return error;
  }
  const report = describeError(error, ctx);
  return new ReplicateError(`${ctx.operation} in ${ctx.region} failed: ${report.name}: ${report.message}`, {
    fault: "aws",
    exitCode,
    code: report.name,
    hint: report.hint,
    cause: error,
  });
}

/**
 * Credentials that could not be loaded, with the provider's own reason (an expired SSO token, a
 * failing credential_process, a missing source_profile) and where we looked. Exit 1.
 */
export function credentialsError(source: string, cause: unknown): ReplicateError {
  if (isReplicateError(cause)) return cause;
  const reason = errorFacts(cause)
    .message.trim()
    // Node's exec error starts with the whole credential_process command line, which may carry a
    // secret (a token as an argument); as the AWS CLI does, only the process's own output is shown.
    .replace(/^Command failed: [^\n]*/, "credential_process failed")
    .replace(/\s*\n\s*/g, " / ");
  return new ReplicateError(`Could not load AWS credentials from ${source}: ${reason}`, {
    fault: "user",
    exitCode: EXIT.failed,
    code: "CredentialsProviderError",
    hint: (ADVICE.CredentialsProviderError as Advice).hint({ operation: "", region: "" }),
    cause,
  });
}
