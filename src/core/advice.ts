// The one table that maps AWS error names to advice (ADVICE: a hint, and for transport failures our
// own message), typed so that the compiler flags a missing entry, and the context a hint is written
// for: the call, the Region, the key and the command that is running.
import { AsyncLocalStorage } from "node:async_hooks";
import { isReadOperation, type TransportFacts } from "./call-error.js";

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
  | "TimeoutError"
  | "UntrustedCertificate"
  | "ProxyAuthenticationRequired";

/**
 * What a command's errors say beyond the general advice (a re-run of each command does something
 * else): each command module declares its own (src/commands/<name>/), the runner scopes it to the
 * command's work with adviseAs.
 */
export interface CommandAdvice {
  /** What a re-run does with the work already done: the end of many hints ("re-run: …"). */
  readonly rerun: string;
  /** What KMSInvalidStateException means for the command's keys: " (…)", or nothing. */
  readonly stateRule?: string;
  /** The command's own words for some errors, by name, instead of the general ones. */
  readonly errors?: Readonly<Partial<Record<AwsErrorName, Partial<Advice>>>>;
}

/** Outside any command's work (a unit test, a script): a re-run's general promise. */
export const GENERAL_ADVICE: CommandAdvice = { rerun: "re-run: what is done counts as done" };

/** Where an error happened, so that a hint can name the Region, the key and the permission. */
export interface ErrorContext {
  readonly operation: string;
  readonly region: string;
  readonly primaryRegion?: string;
  readonly keyId?: string;
  /** How the call was sent (read off the error by describeError). */
  readonly transport?: TransportFacts;
  /** A TLS failure's code and Node's words (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify …). */
  readonly tls?: string;
  /** What reached the wire (read off the error by describeError); undefined: not known. */
  readonly wire?: { readonly sent: boolean; readonly unanswered: boolean };
  /** The command's advice; default: the running command's (see adviseAs), else GENERAL_ADVICE. */
  readonly advice?: CommandAdvice;
}

/**
 * The running command, for every error described while it works: the runner's one call of
 * adviseAs scopes it to that command's work (AsyncLocalStorage follows every await inside it), so
 * that an error deep in a step gets this command's advice without each call site naming it.
 */
const running = new AsyncLocalStorage<CommandAdvice>();

/** Runs `work` so that every error described inside it gets `advice`. */
export function adviseAs<T>(advice: CommandAdvice, work: () => T): T {
  return running.run(advice, work);
}

/** The advice an error described in `ctx` gets: its own, the running command's, or the general. */
export const adviceOf = (ctx: ErrorContext): CommandAdvice =>
  ctx.advice ?? running.getStore() ?? GENERAL_ADVICE;

/** The advice for an error name: the command's own words where it has some, else the table's. */
export function adviceFor(name: AwsErrorName, ctx: ErrorContext): Advice {
  const general: Advice = ADVICE[name];
  const own = adviceOf(ctx).errors?.[name];
  return own === undefined ? general : { ...general, ...own };
}

export interface Advice {
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
/** What a re-run does with the work already done: the end of many hints. */
export const rerun = (ctx: ErrorContext): string => adviceOf(ctx).rerun;

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
        : `A replica of this key already exists in ${ctx.region}. Re-run kms-replicate: existing replicas count as done (one pending deletion blocks the Region until it is gone: kms-replicate cancel-deletion brings it back).`,
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
    message: (ctx) => `This is not the material of the primary; nothing was imported into ${ctx.region}.`,
    hint: () =>
      "Give the very material that was imported into the primary (every key of a multi-Region family shares it).",
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
      `The key's state in ${ctx.region} does not allow ${ctx.operation}. Check it with 'kms-replicate status'${adviceOf(ctx).stateRule ?? ""}.`,
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
      `KMS throttled ${ctx.operation} requests in ${sentTo(ctx)} (every caller in the account shares its quota). Wait a moment, then ${rerun(ctx)}.`,
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
    hint: (ctx) => `Check the network and proxy, then ${rerun(ctx)}.`,
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
  UntrustedCertificate: {
    message: (ctx) =>
      `The TLS certificate of ${endpointOf(ctx)} is not trusted${ctx.tls === undefined ? "" : ` (${ctx.tls})`}; nothing was sent.`,
    hint: () =>
      "If a proxy inspects TLS, or the endpoint has a private CA, give that CA's certificate (PEM) with --ca-bundle PATH or AWS_CA_BUNDLE (or ca_bundle in the profile). See docs/network.md.",
  },
  ProxyAuthenticationRequired: {
    message: (ctx) =>
      `The proxy refused the call to ${endpointOf(ctx)}: it needs credentials (HTTP 407); nothing was sent to KMS.`,
    hint: () =>
      "Put the proxy's user and password in HTTPS_PROXY / HTTP_PROXY (http://USER:PASSWORD@HOST:PORT, special characters percent-encoded), or set NO_PROXY for this endpoint.",
  },
} satisfies Record<AwsErrorName, Advice>;
