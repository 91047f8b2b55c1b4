// The credentials of one account of an organisation run, for its adapter (KmsSettings.credentials):
// - a `profile`: that profile's credentials, exactly as --profile's (credentialsFor);
// - `roles`: each assumed in turn with STS AssumeRole (fromTemporaryCredentials), the first with the
//   run's own credentials, each next with the previous one's (role chaining); `external_id` is
//   sent with every role of the chain, as c7n-org sends it; sessions of one hour (DurationSeconds
//   3600: what role chaining allows at most);
// - neither: the run's own credentials (the organisation run checks the account is the caller's).
//
// STS is called in the run's Region (regional STS, as the SDK does by default), at the endpoint the
// SDK's STS client finds on its own as the AWS CLI does: AWS_ENDPOINT_URL_STS, else
// AWS_ENDPOINT_URL, else the profile's services section, none of them with
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (@smithy/core endpoints getEndpointFromConfig, serviceId
// "STS"), through the adapter's own request handler (so its proxy and CA settings apply).
//
// Every link is memoised and refreshed before it expires: 5 minutes before, or a third of the
// session's lifetime before for a shorter one (a 60-second session is refreshed after 40 s).
// A failure is kept (a refused role is not asked again for every call) and is a credentials error
// (exit 1) that names the account, the role and STS's reason; never a secret.
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { Account } from "../core/accounts.js";
import { parseRoleArn } from "../core/account-fields.js";
import { errorFacts } from "../core/call-error.js";
import { EXIT, isReplicateError, ReplicateError } from "../core/errors.js";
import { credentialsFor, type ProviderInit } from "./credentials.js";

/** A session's length asked of STS: one hour, the most that role chaining allows. */
export const SESSION_SECONDS = 3600;
/** Credentials are refreshed this long before they expire (at most; see refreshMarginMs). */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export interface AccountCredentialsOptions {
  /** --role-session-name. */
  readonly roleSessionName: string;
  /** The run's Region: STS is called there. */
  readonly region: string;
  /** The run's --profile, for its own credentials (unless `source` is given). */
  readonly profile: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /**
   * The run's own credentials, made once for every account (so that a credential_process or an SSO
   * token is read once per run); default: credentialsFor(profile) with the adapter's init.
   */
  readonly source?: AwsCredentialIdentityProvider;
  /**
   * Or made once, with the first account adapter's init (the accounts' adapters share the run's
   * network settings), for every account: sharedSource() gives one.
   */
  readonly sourceFor?: (init: ProviderInit) => AwsCredentialIdentityProvider;
  /** Epoch ms; for tests. */
  readonly now?: () => number;
}

/**
 * The run's own credentials, made once (credentialsFor memoises them, a failure too) for every
 * account of the run: a credential_process or an SSO token is read once, not once per account.
 */
export function sharedSource(
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): (init: ProviderInit) => AwsCredentialIdentityProvider {
  let source: AwsCredentialIdentityProvider | undefined;
  return (init) => (source ??= credentialsFor(profile, env, init));
}

/** `111122223333 (payments)`, or the ID alone. */
export function accountName(account: Pick<Account, "accountId" | "name">): string {
  return account.name === undefined ? account.accountId : `${account.accountId} (${account.name})`;
}

/** The credential factory of `account`'s adapter (KmsSettings.credentials). */
export function accountCredentials(
  account: Account,
  options: AccountCredentialsOptions,
): (init: ProviderInit) => AwsCredentialIdentityProvider {
  return (init) => {
    const now = options.now ?? Date.now;
    const own = (): AwsCredentialIdentityProvider =>
      options.source ?? options.sourceFor?.(init) ?? credentialsFor(options.profile, options.env, init);
    if (account.profile !== undefined) {
      const profile = credentialsFor(account.profile, options.env, init, "the accounts file");
      return memoised(failing(profile, account, undefined), now);
    }
    if (account.roles.length === 0) return failing(own(), account, undefined);
    let provider = own();
    account.roles.forEach((roleArn, step) => {
      const assume = fromTemporaryCredentials({
        masterCredentials: provider,
        params: {
          RoleArn: roleArn,
          RoleSessionName: options.roleSessionName,
          DurationSeconds: SESSION_SECONDS,
          ...(account.externalId !== undefined ? { ExternalId: account.externalId } : {}),
        },
        clientConfig: { ...init.clientConfig, region: options.region, logger: init.logger },
        logger: init.logger,
      });
      const role = { arn: roleArn, step: step + 1, of: account.roles.length };
      provider = memoised(inAccount(failing(assume, account, role), roleArn), now);
    });
    return provider;
  };
}

/** The account of the role's session on the credentials (AssumeRole's answer does not carry it). */
function inAccount(provider: AwsCredentialIdentityProvider, roleArn: string): AwsCredentialIdentityProvider {
  const accountId = parseRoleArn(roleArn)?.accountId;
  return async (properties) => {
    const identity = await provider(properties);
    return accountId === undefined ? identity : { ...identity, accountId };
  };
}

/** How long before `identity` expires it is refreshed: 5 minutes, or a third of a shorter lifetime. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(REFRESH_MARGIN_MS, Math.max(0, lifetimeMs) / 3);
}

/**
 * One answer shared by every caller until it is near its end (refreshMarginMs), then a new one;
 * a failure is kept. Credentials without an expiration are kept for the run.
 */
export function memoised(
  provider: AwsCredentialIdentityProvider,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  let refreshAt = Number.POSITIVE_INFINITY;
  return (properties) => {
    if (current === undefined || now() >= refreshAt) {
      const asked = now();
      refreshAt = Number.POSITIVE_INFINITY;
      current = provider(properties);
      current.then(
        (identity) => {
          const expires = identity.expiration?.getTime();
          if (expires !== undefined) refreshAt = expires - refreshMarginMs(expires - asked);
        },
        () => undefined,
      );
    }
    return current;
  };
}

/** Errors of `provider` as a credentials error that names the account (and the role of the chain). */
function failing(
  provider: AwsCredentialIdentityProvider,
  account: Account,
  role: { readonly arn: string; readonly step: number; readonly of: number } | undefined,
): AwsCredentialIdentityProvider {
  return async (properties) => {
    try {
      return await provider(properties);
    } catch (error) {
      throw credentialsFailure(error, account, role);
    }
  };
}

/** Errors already named for this account: an earlier role's, passed on by the next role's STS call. */
const named = new WeakSet<object>();

export function credentialsFailure(
  error: unknown,
  account: Account,
  role: { readonly arn: string; readonly step: number; readonly of: number } | undefined,
): ReplicateError {
  if (isReplicateError(error) && named.has(error)) return error;
  const who = `Account ${accountName(account)}`;
  let message: string;
  let hint: string | undefined;
  if (isReplicateError(error)) {
    // The run's own credentials (or the file's profile) could not be loaded: credentialsFor's words.
    message = `${who}: ${error.message}`;
    hint = error.hint;
  } else {
    const facts = errorFacts(error);
    const reason = `${facts.code ?? facts.name}: ${facts.message.replace(/\s*[\r\n]+\s*/g, " / ")}`;
    const chain = role !== undefined && role.of > 1 ? ` (role ${role.step} of ${role.of} in its chain)` : "";
    message =
      role === undefined
        ? `${who}: could not load its credentials: ${reason}`
        : `${who}: could not assume ${role.arn}${chain}: ${reason}`;
    hint = role === undefined ? undefined : assumeHint(facts.code ?? facts.name, account);
  }
  const failure = new ReplicateError(message, {
    fault: "user",
    exitCode: EXIT.failed,
    code: "CredentialsProviderError",
    ...(hint !== undefined ? { hint } : {}),
    cause: error,
  });
  named.add(failure);
  return failure;
}

function assumeHint(code: string, account: Account): string {
  switch (code) {
    case "AccessDenied":
      return account.externalId !== undefined
        ? "The role's trust policy must allow sts:AssumeRole to the run's identity (the previous role's, in a chain), with this external ID if it asks for one (sts:ExternalId): check external_id or --external-id."
        : "The role's trust policy must allow sts:AssumeRole to the run's identity (the previous role's, in a chain); if it asks for an external ID (sts:ExternalId), give external_id in the file or --external-id.";
    case "RegionDisabledException":
      return "STS is not active in the run's Region for this account: activate it (IAM, Account settings), or run from a Region where it is.";
    case "ExpiredToken":
    case "InvalidClientTokenId":
      return "STS refused the credentials that assume the role: refresh the run's own credentials (aws sso login, or new keys).";
    default:
      return "Check the role ARN and its trust policy; AWS_ENDPOINT_URL_STS if STS is reached through an endpoint of your own.";
  }
}
