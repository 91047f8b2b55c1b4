// Typed errors, the exit-code table, and the one table that maps AWS error names to advice.
import { AsyncLocalStorage } from "node:async_hooks";
import {
  isClockSkewCorrectedError,
  isServerError,
  isThrottlingError,
  isTransientError,
} from "../aws/sdk-retry.js";
import { redactSecrets } from "./redact.js";

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
  3    --timeout ran out: a replica still Creating ('kms-replicate wait' picks it
       up), or a change not sent (notStarted: run the same command again)
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

/** Everything KMS may answer that we give advice for. The compiler checks the table below is complete. */
export type AwsErrorName =
  | "AccessDeniedException"
  | "AlreadyExistsException"
  | "DependencyTimeoutException"
  | "DisabledException"
  | "ExpiredTokenException"
  | "ExpiredImportTokenException"
  | "IncorrectKeyMaterialException"
  | "InvalidCiphertextException"
  | "InvalidImportTokenException"
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
  | "RegionNotServed"
  | "NetworkError"
  | "ConnectionClosed"
  | "ConnectTimeout"
  | "ReadTimeout"
  | "TimeoutError";

/** How a call was sent, noted on its error by src/aws/kms.ts, so that messages can name them. */
export interface TransportFacts {
  /** Where the call was sent (ReplicateKey: the primary's Region). */
  readonly region: string;
  /** The endpoint URL, or KMS's public endpoint for that Region. */
  readonly endpoint: string;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
}

/**
 * What the AWS adapter (src/aws/kms.ts) throws when a call fails: the SDK's or the transport's error as
 * `cause`, with how the call went. Every predicate here reads through it to the cause.
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

export function transportOf(error: unknown): TransportFacts | undefined {
  return error instanceof KmsCallError ? error.call.transport : undefined;
}

/** The commands whose errors get advice of their own: a re-run of each does something else. */
export type AdviceCommand =
  "replicate" | "wait" | "status" | "sync" | "promote" | "import-material" | "rotate-material";

const ADVICE_COMMANDS: ReadonlySet<string> = new Set<AdviceCommand>([
  "replicate",
  "wait",
  "status",
  "sync",
  "promote",
  "import-material",
  "rotate-material",
]);

export function isAdviceCommand(name: string): name is AdviceCommand {
  return ADVICE_COMMANDS.has(name);
}

/** Where an error happened, so that a hint can name the Region, the key and the permission. */
export interface ErrorContext {
  readonly operation: string;
  readonly region: string;
  readonly primaryRegion?: string;
  readonly keyId?: string;
  /** How the call was sent (read off the error by describeError). */
  readonly transport?: TransportFacts;
  /** What reached the wire (read off the error by describeError); undefined: not known. */
  readonly wire?: { readonly sent: boolean; readonly unanswered: boolean };
  /** The command the advice is for; default: the one running (see adviseAs), else replicate. */
  readonly command?: AdviceCommand;
}

/**
 * The running command, for every error described while it works: the runner's one call of
 * adviseAs scopes it to that command's work (AsyncLocalStorage follows every await inside it), so
 * that an error deep in a step gets this command's advice without each call site naming it.
 */
const running = new AsyncLocalStorage<AdviceCommand>();

/** Runs `work` so that every error described inside it gets `command`'s advice. */
export function adviseAs<T>(command: AdviceCommand, work: () => T): T {
  return running.run(command, work);
}

const commandOf = (ctx: ErrorContext): AdviceCommand => ctx.command ?? running.getStore() ?? "replicate";

interface Advice {
  readonly hint: (ctx: ErrorContext) => string;
  /** Our own message instead of the raw one (transport failures: the SDK's text names none of this). */
  readonly message?: (ctx: ErrorContext) => string;
}

/** The Region a call was sent to: ReplicateKey goes to (and throttles in) the primary's Region. */
export function sentTo(ctx: ErrorContext): string {
  return (
    ctx.transport?.region ??
    (ctx.operation === "ReplicateKey" ? (ctx.primaryRegion ?? ctx.region) : ctx.region)
  );
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;
const endpointOf = (ctx: ErrorContext): string =>
  `KMS in ${sentTo(ctx)}${ctx.transport !== undefined ? ` (${ctx.transport.endpoint})` : ""}`;
/** What a re-run of each command does with the work already done: the end of many hints. */
const RERUN: Readonly<Record<AdviceCommand, string>> = {
  replicate: "re-run: existing replicas count as done",
  wait: "re-run 'kms-replicate wait': replicas already usable count as done",
  status: "run it again",
  sync: "re-run: replicas already in line are left alone",
  promote: "re-run: a key whose primary is in --to already counts as done",
  "import-material": "re-run: replicas that hold the material already are left alone",
  "rotate-material":
    "re-run the same command: it reads where the rotation stands (ListKeyRotations) and continues from there",
};
const rerun = (ctx: ErrorContext): string => RERUN[commandOf(ctx)];

/** KMS's ValidationException names no flag: the flags that feed each operation's parameters. */
const VALIDATED_BY: Readonly<Record<string, string>> = {
  ReplicateKey: "--regions, --tag, --description and --policy",
  TagResource: "--tag",
  UntagResource: "--tag (and the replica's tags)",
  UpdateKeyDescription: "--description",
  PutKeyPolicy: "--policy",
  CreateAlias: "the alias names (the primary's aliases)",
  UpdateAlias: "the alias names (the primary's aliases)",
  GetParametersForImport: "--wrapping-algorithm and --wrapping-key-spec",
  ImportKeyMaterial:
    "--valid-to (in the future, at most 365 days away) or --no-expiry, --wrapping-algorithm and --wrapping-key-spec",
  UpdatePrimaryRegion: "--to",
};
/** A lost answer to a call that changes something: it may have been carried out (unless it never left). */
const mayHaveRun = (ctx: ErrorContext): string =>
  isReadOperation(ctx.operation)
    ? ""
    : ctx.wire?.sent === false
      ? "; the request had not left this machine, so it was not carried out"
      : "; the request may have been carried out";

/**
 * Calls that only read (Describe*, List*, GetKeyPolicy): everything else changes something in KMS
 * or starts a change (GetParametersForImport begins an import), and is a write for the deadline.
 */
export function isReadOperation(operation: string): boolean {
  return /^(Describe|List)/.test(operation) || operation === "GetKeyPolicy";
}

/** What a KMSInvalidStateException means for each command's keys. */
const STATE_RULE: Readonly<Record<AdviceCommand, string>> = {
  replicate: " (a primary pending deletion cannot be replicated)",
  wait: "",
  status: "",
  sync: " (a replica pending deletion or still Creating cannot be changed)",
  promote: " (both keys must be Enabled; after a promotion they are Updating for a while)",
  "import-material": " (a key pending deletion takes no import)",
  "rotate-material": " (every key of the family must be Enabled to rotate)",
};

const permissionFor = (ctx: ErrorContext): string =>
  ctx.operation === "ReplicateKey"
    ? `kms:ReplicateKey on the primary key (its key policy in ${ctx.primaryRegion ?? ctx.region}, and your IAM policy), plus kms:CreateKey (and kms:TagResource when tagging) in ${ctx.region}` +
      "; a replica policy also needs kms:PutKeyPolicy"
    : `kms:${ctx.operation} in ${ctx.region}`;

/**
 * LimitExceededException is KMS's answer to every resource limit: which one depends on the call.
 * Tags per key (50) is fixed; aliases per key and keys per Region can be raised.
 */
const aliasLimit = (ctx: ErrorContext): string =>
  `The key in ${ctx.region} has as many aliases as KMS allows (50 per key by default). Delete aliases it no longer needs, or ask for a quota increase (Service Quotas: Aliases per KMS key).`;
const LIMIT_HINTS: Readonly<Record<string, (ctx: ErrorContext) => string>> = {
  TagResource: (ctx) =>
    `The key in ${ctx.region} would have more than 50 tags, KMS's limit per key, which cannot be raised. Remove tags first: 'kms-replicate sync --prune-tags' removes those the primary (and --tag) do not have, or aws kms untag-resource.`,
  CreateAlias: aliasLimit,
  UpdateAlias: aliasLimit,
};
const quotaLimit = (ctx: ErrorContext): string =>
  `A KMS resource quota is exhausted in ${ctx.region} (for example keys per Region). Delete unused keys or ask for a quota increase (Service Quotas).`;

export const ADVICE = {
  AccessDeniedException: {
    hint: (ctx) => `Grant ${permissionFor(ctx)}. See "IAM permissions" in the README.`,
  },
  AlreadyExistsException: {
    hint: (ctx) =>
      ctx.operation === "CreateAlias"
        ? `The alias exists already in ${ctx.region}; 'kms-replicate status' shows which key it names.`
        : `A replica of this key already exists in ${ctx.region}. Re-run kms-replicate: existing replicas count as done.`,
  },
  DependencyTimeoutException: {
    hint: (ctx) => `KMS timed out talking to a dependency. Wait a moment, then ${rerun(ctx)}.`,
  },
  DisabledException: {
    hint: () => "The primary key is disabled. Enable it (aws kms enable-key) and re-run.",
  },
  ExpiredImportTokenException: {
    hint: (ctx) =>
      `The import token for ${ctx.region} expired (tokens are valid 24 hours); re-run: kms-replicate fetches new parameters (GetParametersForImport) for every import.`,
  },
  IncorrectKeyMaterialException: {
    message: (ctx) =>
      commandOf(ctx) === "rotate-material"
        ? `This is not the key material KMS expected in ${ctx.region} (the new material pending rotation); nothing was imported there.`
        : `This is not the material of the primary; nothing was imported into ${ctx.region}.`,
    hint: (ctx) =>
      commandOf(ctx) === "rotate-material"
        ? "Give the same material as the run that imported it into the primary, or undo that import (the command is printed with the result)."
        : "Give the very material that was imported into the primary (every key of a multi-Region family shares it).",
  },
  InvalidCiphertextException: {
    hint: (ctx) =>
      `KMS in ${ctx.region} could not unwrap the material; check --wrapping-algorithm and --wrapping-key-spec, and re-run.`,
  },
  InvalidImportTokenException: {
    hint: (ctx) =>
      `KMS in ${ctx.region} did not accept the import token (it belongs to one key in one Region); re-run: every import gets its own parameters.`,
  },
  ExpiredTokenException: {
    hint: () =>
      "Your session credentials expired. Refresh them (aws sso login, or new STS credentials) and re-run.",
  },
  IncompleteSignatureException: {
    hint: () =>
      "The request signature was rejected. Check your credentials and that the system clock is correct.",
  },
  InvalidArnException: {
    hint: () => "An ARN (the key's, or one in the key policy) is malformed. Check --key and --policy.",
  },
  InvalidClientTokenId: {
    hint: (ctx) =>
      `The access key is not valid in ${ctx.region}. Check your credentials, or enable the Region for the account.`,
  },
  InvalidSignatureException: {
    hint: () =>
      'The request signature was rejected. Check the secret access key and the system clock ("Signature expired" means the clock is off by more than 5 minutes).',
  },
  KeyUnavailableException: {
    hint: () => "The key's material is temporarily unavailable. Re-run in a moment.",
  },
  KMSInternalException: {
    hint: (ctx) => `KMS had an internal error. Wait a moment, then ${rerun(ctx)}.`,
  },
  KMSInvalidStateException: {
    hint: (ctx) =>
      `The key's state in ${ctx.region} does not allow ${ctx.operation}. Check it with 'kms-replicate status'${STATE_RULE[commandOf(ctx)]}.`,
  },
  LimitExceededException: {
    hint: (ctx) => (LIMIT_HINTS[ctx.operation] ?? quotaLimit)(ctx),
  },
  MalformedPolicyDocumentException: {
    hint: () =>
      "The key policy is not valid. If it names an IAM principal created moments ago, wait a minute until IAM's change is visible to KMS and re-run.",
  },
  NotFoundException: {
    hint: (ctx) =>
      `No such key in ${ctx.region}. Check --key, and that --region (or the ARN) names the primary's Region.`,
  },
  TagException: {
    hint: () =>
      "The tags are not valid (reserved 'aws:' prefix, too long, or too many). Fix --tag and re-run.",
  },
  ThrottlingException: {
    hint: (ctx) =>
      commandOf(ctx) === "replicate"
        ? `KMS throttled ${ctx.operation} requests in ${sentTo(ctx)}. Lower --rate or --concurrency, or re-run later; existing replicas count as done.`
        : `KMS throttled ${ctx.operation} requests in ${sentTo(ctx)} (every caller in the account shares its quota). Wait a moment, then ${rerun(ctx)}.`,
  },
  UnrecognizedClientException: {
    hint: (ctx) =>
      `KMS in ${ctx.region} does not recognise the credentials: the Region is probably not enabled for this account (enable it under Account > AWS Regions), or the credentials are invalid.`,
  },
  UnsupportedOperationException: {
    hint: (ctx) =>
      `${ctx.region} does not support this: KMS is not offered in every Region (check the Region ID), HMAC keys are not offered in every Region, and an opt-in Region must be enabled for the account first (Account > AWS Regions). Choose another Region or enable it.`,
  },
  ValidationException: {
    hint: (ctx) =>
      `KMS rejected a parameter of ${ctx.operation}.${VALIDATED_BY[ctx.operation] !== undefined ? ` Check ${VALIDATED_BY[ctx.operation]}.` : ""}`,
  },
  CredentialsProviderError: {
    hint: () =>
      "No usable AWS credentials: check that the profile (--profile or AWS_PROFILE) exists in ~/.aws/config, run 'aws sso login' for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
  },
  RegionNotServed: {
    hint: (ctx) =>
      `KMS does not serve ${sentTo(ctx)}${ctx.transport !== undefined ? ` at ${ctx.transport.endpoint}` : ""}: it is not a Region, or not one KMS is offered in, and nothing was done there. Check the Region ID (--regions, --to, --region or the key ARN's); if --endpoint-url is set, check that it serves ${sentTo(ctx)}.`,
  },
  NetworkError: {
    hint: (ctx) =>
      `Could not reach KMS in ${sentTo(ctx)}. Check the network, proxy and --endpoint-url, then ${rerun(ctx)}.`,
  },
  ConnectionClosed: {
    message: (ctx) =>
      `The connection to ${endpointOf(ctx)} was closed before KMS answered${mayHaveRun(ctx)}.`,
    hint: (ctx) =>
      commandOf(ctx) === "replicate"
        ? `Check the network and proxy, then ${rerun(ctx)} (a replica the lost request created is picked up).`
        : `Check the network and proxy, then ${rerun(ctx)}.`,
  },
  ConnectTimeout: {
    message: (ctx) =>
      `Could not connect to ${endpointOf(ctx)}${ctx.transport !== undefined ? ` within ${seconds(ctx.transport.connectTimeoutMs)}` : ""} (--cli-connect-timeout).`,
    hint: (ctx) =>
      `Check the network, proxy and --endpoint-url, or raise --cli-connect-timeout; then ${rerun(ctx)}.`,
  },
  ReadTimeout: {
    message: (ctx) =>
      `${endpointOf(ctx)} did not answer${ctx.transport !== undefined ? ` within ${seconds(ctx.transport.readTimeoutMs)}` : ""} (--cli-read-timeout)${mayHaveRun(ctx)}.`,
    hint: (ctx) =>
      `The endpoint accepted the connection but never answered. Check --endpoint-url, the network and proxy, or raise --cli-read-timeout; then ${rerun(ctx)}.`,
  },
  TimeoutError: {
    hint: (ctx) => `The request to KMS in ${sentTo(ctx)} timed out. Check the network and ${rerun(ctx)}.`,
  },
} satisfies Record<AwsErrorName, Advice>;

// Secrets are found by their shape (src/core/redact.ts); kept importable from here.
export { redactSecrets };

/** A connection that closed before the answer: the request may have been carried out. */
const CLOSED_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);
/** No connection at all: nothing was sent. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);
/** KMS's public endpoint of a Region (kms.REGION.amazonaws.com, kms-fips.…, ….amazonaws.com.cn). */
const KMS_HOST = /\bkms(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\b/;

/**
 * KMS does not serve the Region the call was for: its public host has no DNS name (a Region that
 * does not exist has no endpoint), or an endpoint refused a credential scoped to a Region it does
 * not serve ("Credential should be scoped to a valid region").
 */
function regionNotServed(error: object, facts: ErrorFacts): boolean {
  if (facts.code === "ENOTFOUND") {
    const hostname = (error as { hostname?: unknown }).hostname;
    return KMS_HOST.test(typeof hostname === "string" ? hostname : facts.message);
  }
  return facts.name === "InvalidSignatureException" && /scoped to a valid region/i.test(facts.message);
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

/**
 * Which timeout fired. @smithy/node-http-handler names every timeout `TimeoutError` (and renames
 * ECONNRESET, ECONNREFUSED and EPIPE to it too, so the code is checked first): its connection
 * timeout says "did not establish a connection"; its request and socket timeouts fire once
 * connected. An operating-system ETIMEDOUT from connect() carries `syscall: "connect"`.
 */
function timeoutKind(error: object, facts: ErrorFacts): "ConnectTimeout" | "ReadTimeout" | undefined {
  if (facts.name !== "TimeoutError" && facts.code !== "ETIMEDOUT" && facts.code !== "ERR_SOCKET_TIMEOUT") {
    return undefined;
  }
  const syscall = (error as { syscall?: unknown }).syscall;
  return syscall === "connect" || facts.message.includes("establish a connection")
    ? "ConnectTimeout"
    : "ReadTimeout";
}

/** Maps any thrown value to one of our names (or undefined when we have no advice for it). */
export function classify(thrown: unknown): AwsErrorName | undefined {
  const error = sdkErrorOf(thrown);
  if (typeof error !== "object" || error === null) return undefined;
  // An AbortSignal's reason (Ctrl-C; AbortSignal.timeout's "TimeoutError" is a caller's deadline).
  if (error instanceof DOMException) return undefined;
  const facts = errorFacts(error);
  if (facts.code !== undefined && CLOSED_CODES.has(facts.code)) return "ConnectionClosed";
  if (facts.message === "socket hang up") return "ConnectionClosed";
  if (regionNotServed(error, facts)) return "RegionNotServed";
  if (facts.code !== undefined && NETWORK_CODES.has(facts.code)) return "NetworkError";
  const timeout = timeoutKind(error, facts);
  if (timeout !== undefined) return timeout;
  if (facts.name in ADVICE) return facts.name as AwsErrorName;
  if (facts.name === "ProviderError" || facts.name === "TokenProviderError")
    return "CredentialsProviderError";
  // The SDK names unmodelled 5xx errors after their HTTP status or gives them a generic name.
  if (facts.httpStatus !== undefined && facts.httpStatus >= 500) return "KMSInternalException";
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? classify(cause) : undefined;
}

/** The shape the SDK's predicates read. */
type SdkErrorLike = Parameters<typeof isTransientError>[0];

/**
 * Worth another attempt by our retry layer, as the SDK's own standard retry strategy decides it
 * (@smithy/core/retry: throttling, transient errors — timeouts, resets, 500/502/503/504, a clock
 * skew the SDK corrected —, other 5xx), behind our own rule: LimitExceededException, which the
 * SDK counts as throttling, is a *resource* quota in KMS (keys per Region…): never retried; nor
 * is a Region KMS does not serve (ENOTFOUND of kms.REGION.amazonaws.com: it has no endpoint).
 * Our own errors (ReplicateError: credentials, a profile, a missing field) are never retried.
 */
export function isRetryable(thrown: unknown): boolean {
  const error = sdkErrorOf(thrown);
  if (typeof error !== "object" || error === null || isAbort(error) || isReplicateError(error)) return false;
  const name = classify(error);
  // A resource quota, and a Region KMS does not serve (its host does not exist): never transient.
  if (name === "LimitExceededException" || name === "RegionNotServed") return false;
  const e = error as SdkErrorLike;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
}

/**
 * A signature rejected because the clock is off: the SDK has corrected its clock offset from the
 * answer's Date header (`$metadata.clockSkewCorrected`), or KMS said "Signature expired".
 * Retried once: the next attempt is signed with the corrected time.
 */
export function isClockSkew(thrown: unknown): boolean {
  const error = sdkErrorOf(thrown);
  if (typeof error !== "object" || error === null) return false;
  const facts = errorFacts(error);
  return (
    isClockSkewCorrectedError(error as SdkErrorLike) === true ||
    (facts.name === "InvalidSignatureException" && facts.message.includes("Signature expired"))
  );
}

/** A timeout of ours (connect or read): retried at most `RetryPolicy.timeoutRetries` times. */
export function isTimeout(error: unknown): boolean {
  const name = classify(error);
  return name === "ConnectTimeout" || name === "ReadTimeout" || name === "TimeoutError";
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
  };
  if (known !== undefined) {
    const advice: Advice = ADVICE[known];
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
