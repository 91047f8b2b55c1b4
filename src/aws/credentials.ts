// Credentials exactly as the AWS CLI resolves them (credentialsFor), from the profiles of the shared
// config and credentials files (profileData).
import { fromEnv, fromIni, fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { loadSharedConfigFiles } from "@smithy/core/config";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from "@smithy/types";
import { homedir } from "node:os";
import { join } from "node:path";
import { credentialsError, usageError } from "../core/errors.js";

/** A setting's value, trimmed; undefined when it is unset or blank. */
export const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/** A profile's settings from the config and credentials files, or undefined if it is in neither. */
export async function profileData(
  name: string,
  env: NodeJS.ProcessEnv,
  mustExist: boolean,
): Promise<Record<string, string | undefined> | undefined> {
  const files = await loadSharedConfigFiles();
  const config = files.configFile[name];
  const creds = files.credentialsFile[name];
  if (config === undefined && creds === undefined) {
    if (!mustExist) return undefined;
    const configFile = env.AWS_CONFIG_FILE ?? join(homedir(), ".aws", "config");
    const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), ".aws", "credentials");
    throw usageError(
      `The config profile (${name}) could not be found in ${configFile} or ${credentialsFile}.`,
      "Check the name (aws configure list-profiles lists them), or set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.",
    );
  }
  return { ...creds, ...config };
}

/** Settings that make a profile a source of credentials itself (not just a Region or output format). */
const CREDENTIAL_SETTINGS = [
  "aws_access_key_id",
  "role_arn",
  "web_identity_token_file",
  "credential_process",
  "sso_session",
  "sso_start_url",
  "sso_account_id",
  "login_session",
];

/** What an adapter gives its credential providers: its logger, and its clients' config (the request handler). */
export type ProviderInit = { readonly logger: Logger; readonly clientConfig?: Record<string, unknown> };

/**
 * Credentials exactly as the AWS CLI resolves them. Source: AWS CLI User Guide, "Configuration
 * settings and precedence" (command line options first, then environment variables, then the
 * files), and botocore's credential resolver, which drops the environment provider only for a
 * profile given on the command line ("An explicitly provided profile will negate an
 * EnvProvider"), so that with AWS_PROFILE *and* keys in the environment the keys win:
 *   1. --profile NAME: that profile; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are ignored.
 *   2. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN).
 *   3. AWS_PROFILE: that profile.
 *   4. The rest of the chain: the `default` profile, web identity, SSO, container, instance metadata.
 * A named profile (1, 3) that is in neither file is a usage error naming it, as the AWS CLI's
 * "The config profile (NAME) could not be found". A profile that holds credential settings is read
 * with fromIni alone, so that its own failure (an expired token, a failing credential_process, a
 * missing source_profile) is the reason we show: the SDK's chain would try the next provider and
 * end with "Could not load credentials from any providers".
 *
 * The result is memoised for the run (refreshed 5 minutes before it expires); a failure is kept,
 * so a failing credential_process runs once, not once per Region.
 */
export function credentialsFor(
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
  init: ProviderInit,
  /** Where `profile` was named, for messages: `--profile`, `the accounts file`. */
  profileFrom = "--profile",
): AwsCredentialIdentityProvider {
  const choose = async (): Promise<{ provider: AwsCredentialIdentityProvider; source: string }> => {
    if (profile !== undefined) {
      return { provider: await forProfile(profile, true), source: `profile ${profile} (${profileFrom})` };
    }
    const named = nonEmpty(env.AWS_PROFILE);
    if (nonEmpty(env.AWS_ACCESS_KEY_ID) !== undefined && nonEmpty(env.AWS_SECRET_ACCESS_KEY) !== undefined) {
      // The keys sign, but the AWS CLI still refuses an AWS_PROFILE that does not exist.
      if (named !== undefined) await profileData(named, env, true);
      return { provider: fromEnv(), source: "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY" };
    }
    if (named !== undefined) {
      return { provider: await forProfile(named, true), source: `profile ${named} (AWS_PROFILE)` };
    }
    return { provider: await forProfile("default", false), source: "the default credential chain" };
  };
  const forProfile = async (name: string, mustExist: boolean): Promise<AwsCredentialIdentityProvider> => {
    const data = await profileData(name, env, mustExist);
    const ownCredentials = data !== undefined && CREDENTIAL_SETTINGS.some((key) => data[key] !== undefined);
    // fromNodeProviderChain with a profile skips the environment provider, as rule 1 wants.
    return ownCredentials
      ? fromIni({ ...init, profile: name })
      : fromNodeProviderChain(data === undefined ? init : { ...init, profile: name });
  };

  let chosen: Promise<{ provider: AwsCredentialIdentityProvider; source: string }> | undefined;
  let current: Promise<AwsCredentialIdentity> | undefined;
  let refreshAt = Number.POSITIVE_INFINITY;
  const resolve = async (): Promise<AwsCredentialIdentity> => {
    chosen ??= choose();
    const { provider, source } = await chosen;
    try {
      return await provider();
    } catch (error) {
      throw credentialsError(source, error);
    }
  };
  return () => {
    if (current === undefined || Date.now() >= refreshAt) {
      refreshAt = Number.POSITIVE_INFINITY;
      current = resolve();
      current.then(
        (identity) => {
          const expires = identity.expiration?.getTime();
          if (expires !== undefined) refreshAt = expires - 5 * 60_000;
        },
        () => undefined,
      );
    }
    return current;
  };
}
