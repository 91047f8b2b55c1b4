// Typed errors, the exit-code table, and the one table that maps AWS error names to advice.

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
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_HELP = `Exit codes:
  0    every Region ends usable (Enabled, or PendingImport for imported key material);
       with --no-wait / --dry-run also 'creating': in Creating, not waited for
  1    at least one Region failed (the others were still completed)
  2    usage or validation error: nothing was changed
  3    timed out waiting for a replica to leave Creating (it may still finish: re-run or use 'wait')
  4    'status' only: all keys usable, but a replica drifts from its primary
  130  interrupted (Ctrl-C, SIGINT); what was already requested exists in AWS
  143  terminated (SIGTERM), 129 hung up (SIGHUP): as 130; each still writes the JSON document`;

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

/** Everything KMS may answer that we give advice for. The compiler checks the table below is complete. */
export type AwsErrorName =
  | "AccessDeniedException"
  | "AlreadyExistsException"
  | "DependencyTimeoutException"
  | "DisabledException"
  | "ExpiredTokenException"
  | "IncompleteSignatureException"
  | "InvalidArnException"
  | "InvalidClientTokenId"
  | "InvalidSignatureException"
  | "KeyUnavailableException"
  | "KMSInternalException"
  | "KMSInvalidStateException"
  | "LimitExceededException"
  | "MalformedPolicyDocumentException"
  | "NotFoundException"
  | "TagException"
  | "ThrottlingException"
  | "UnrecognizedClientException"
  | "UnsupportedOperationException"
  | "ValidationException"
  | "CredentialsProviderError"
  | "NetworkError"
  | "TimeoutError";

/** Where an error happened, so that a hint can name the Region, the key and the permission. */
export interface ErrorContext {
  readonly operation: string;
  readonly region: string;
  readonly primaryRegion?: string;
  readonly keyId?: string;
}

interface Advice {
  /** Worth another attempt by our own retry layer. */
  readonly retryable: boolean;
  readonly hint: (ctx: ErrorContext) => string;
}

const permissionFor = (ctx: ErrorContext): string =>
  ctx.operation === "ReplicateKey"
    ? `kms:ReplicateKey on the primary key (its key policy in ${ctx.primaryRegion ?? ctx.region}, and your IAM policy), plus kms:CreateKey (and kms:TagResource when tagging) in ${ctx.region}` +
      "; a replica policy also needs kms:PutKeyPolicy"
    : `kms:${ctx.operation} in ${ctx.region}`;

export const ADVICE = {
  AccessDeniedException: {
    retryable: false,
    hint: (ctx) => `Grant ${permissionFor(ctx)}. See "IAM permissions" in the README.`,
  },
  AlreadyExistsException: {
    retryable: false,
    hint: (ctx) =>
      `A replica of this key already exists in ${ctx.region}. Re-run kms-replicate: existing replicas count as done.`,
  },
  DependencyTimeoutException: {
    retryable: true,
    hint: () => "KMS timed out talking to a dependency. Re-run in a moment; existing replicas count as done.",
  },
  DisabledException: {
    retryable: false,
    hint: () => "The primary key is disabled. Enable it (aws kms enable-key) and re-run.",
  },
  ExpiredTokenException: {
    retryable: false,
    hint: () =>
      "Your session credentials expired. Refresh them (aws sso login, or new STS credentials) and re-run.",
  },
  IncompleteSignatureException: {
    retryable: false,
    hint: () =>
      "The request signature was rejected. Check your credentials and that the system clock is correct.",
  },
  InvalidArnException: {
    retryable: false,
    hint: () => "An ARN (the key's, or one in the key policy) is malformed. Check --key and --policy.",
  },
  InvalidClientTokenId: {
    retryable: false,
    hint: (ctx) =>
      `The access key is not valid in ${ctx.region}. Check your credentials, or enable the Region for the account.`,
  },
  InvalidSignatureException: {
    retryable: false,
    hint: () => "The request signature was rejected. Check the secret access key and the system clock.",
  },
  KeyUnavailableException: {
    retryable: true,
    hint: () => "The key's material is temporarily unavailable. Re-run in a moment.",
  },
  KMSInternalException: {
    retryable: true,
    hint: () => "KMS had an internal error. Re-run in a moment; existing replicas count as done.",
  },
  KMSInvalidStateException: {
    retryable: false,
    hint: (ctx) =>
      `The key's state in ${ctx.region} does not allow ${ctx.operation}. Check it with 'kms-replicate status' (a primary pending deletion cannot be replicated).`,
  },
  LimitExceededException: {
    retryable: false,
    hint: (ctx) =>
      `A KMS resource quota is exhausted in ${ctx.region} (for example keys per Region). Delete unused keys or ask for a quota increase (Service Quotas).`,
  },
  MalformedPolicyDocumentException: {
    retryable: false,
    hint: () =>
      "The key policy is not valid. If it names an IAM principal created moments ago, wait a minute until IAM's change is visible to KMS and re-run.",
  },
  NotFoundException: {
    retryable: false,
    hint: (ctx) =>
      `No such key in ${ctx.region}. Check --key, and that --region (or the ARN) names the primary's Region.`,
  },
  TagException: {
    retryable: false,
    hint: () =>
      "The tags are not valid (reserved 'aws:' prefix, too long, or too many). Fix --tag and re-run.",
  },
  ThrottlingException: {
    retryable: true,
    hint: (ctx) =>
      `KMS throttled requests in ${ctx.region}. Lower --rate or --concurrency, or re-run later; existing replicas count as done.`,
  },
  UnrecognizedClientException: {
    retryable: false,
    hint: (ctx) =>
      `KMS in ${ctx.region} does not recognise the credentials: the Region is probably not enabled for this account (enable it under Account > AWS Regions), or the credentials are invalid.`,
  },
  UnsupportedOperationException: {
    retryable: false,
    hint: (ctx) =>
      `${ctx.region} does not support this: HMAC keys are not offered in every Region, and an opt-in Region must be enabled for the account first (Account > AWS Regions). Choose another Region or enable it.`,
  },
  ValidationException: {
    retryable: false,
    hint: () => "KMS rejected a parameter. Check --regions, --tag, --description and --policy.",
  },
  CredentialsProviderError: {
    retryable: false,
    hint: () =>
      "No usable AWS credentials: check that the profile (--profile or AWS_PROFILE) exists in ~/.aws/config, run 'aws sso login' for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
  },
  NetworkError: {
    retryable: true,
    hint: (ctx) =>
      `Could not reach KMS in ${ctx.region}. Check the network, proxy and --endpoint-url, then re-run; existing replicas count as done.`,
  },
  TimeoutError: {
    retryable: true,
    hint: (ctx) => `The request to KMS in ${ctx.region} timed out. Check the network and re-run.`,
  },
} satisfies Record<AwsErrorName, Advice>;

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
]);

/** What we read off any thrown value: the SDK's ServiceException, a Node network error, or anything else. */
export interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  readonly code?: string;
}

export function errorFacts(error: unknown): ErrorFacts {
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
  const message = typeof e.message === "string" ? e.message : JSON.stringify(error);
  return {
    name,
    message,
    code,
    httpStatus: e.$metadata?.httpStatusCode,
    requestId: e.$metadata?.requestId,
  };
}

/** Maps any thrown value to one of our names (or undefined when we have no advice for it). */
export function classify(error: unknown): AwsErrorName | undefined {
  const facts = errorFacts(error);
  if (facts.name in ADVICE) return facts.name as AwsErrorName;
  if (facts.code !== undefined && NETWORK_CODES.has(facts.code)) return "NetworkError";
  if (facts.name === "TimeoutError" || facts.code === "ERR_SOCKET_TIMEOUT") return "TimeoutError";
  if (facts.name === "ProviderError" || facts.name === "TokenProviderError")
    return "CredentialsProviderError";
  // The SDK names unmodelled 5xx errors after their HTTP status or gives them a generic name.
  if (facts.httpStatus !== undefined && facts.httpStatus >= 500) return "KMSInternalException";
  const cause =
    typeof error === "object" && error !== null ? (error as { cause?: unknown }).cause : undefined;
  return cause !== undefined && cause !== error ? classify(cause) : undefined;
}

/** Retry only what is transient: throttling, 5xx, network resets and timeouts. */
export function isRetryable(error: unknown): boolean {
  const name = classify(error);
  return name !== undefined && ADVICE[name].retryable;
}

/** Is this the user's Ctrl-C (or our own abort), not a failure? */
export function isAbort(error: unknown): boolean {
  const name = errorFacts(error).name;
  return name === "AbortError";
}

/** A failed AWS call as a value we can show: name, message, and what to do next. */
export interface ErrorReport {
  readonly name: string;
  readonly message: string;
  readonly hint?: string;
}

export function describeError(error: unknown, ctx: ErrorContext): ErrorReport {
  if (isReplicateError(error)) return { name: error.code, message: error.message, hint: error.hint };
  const facts = errorFacts(error);
  const known = classify(error);
  const name = known === "NetworkError" || known === "TimeoutError" ? (facts.code ?? known) : facts.name;
  if (known !== undefined) return { name, message: facts.message, hint: ADVICE[known].hint(ctx) };
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
  const report = describeError(error, ctx);
  return new ReplicateError(`${ctx.operation} in ${ctx.region} failed: ${report.name}: ${report.message}`, {
    fault: "aws",
    exitCode,
    code: report.name,
    hint: report.hint,
    cause: error,
  });
}
