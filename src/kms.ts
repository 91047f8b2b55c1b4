// The one place that talks to AWS: a KMS client per Region, shared credentials, and our retry layer.
//
// Retry decision. The SDK's standard strategy would retry LimitExceededException (a resource quota
// in KMS, not throttling), and stacking it under p-retry multiplies attempts (3 × N) and hides them
// from --debug. So each client makes exactly one attempt (maxAttempts: 1) and p-retry is the only
// retry layer: it retries what errors.ts classifies as retryable (throttling, 5xx, network resets
// and timeouts), with capped exponential backoff and jitter, a bounded number of times, and every
// attempt is reported as a `call` event.
import {
  CreateAliasCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  ReplicateKeyCommand,
  type AliasListEntry,
  type KeyMetadata,
  type Tag,
  type ReplicateKeyCommandInput,
  type ReplicateKeyCommandOutput,
} from "@aws-sdk/client-kms";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import pRetry from "p-retry";
import { DEFAULT_RETRY, type RetryPolicy } from "./backoff.js";
import { EXIT, ReplicateError, classify, errorFacts, isAbort, isRetryable } from "./errors.js";
import type { Emit } from "./events.js";

// Every KMSClient, also the one that only reads a profile's Region, warns under Node 20 that SDK
// releases after January 2027 need Node 22. Our lockfile pins a release that supports Node 20, so
// the notice is noise for our users: silence it for the whole process, before any client exists.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export interface KmsPort {
  describeKey(region: string, keyId: string, signal?: AbortSignal): Promise<KeyMetadata>;
  /**
   * Sent to the primary's Region; `input.ReplicaRegion` names the target. `beforeAttempt` runs
   * before every attempt, retries included (the caller's pacing against KMS's request quota).
   */
  replicateKey(
    primaryRegion: string,
    input: ReplicateKeyCommandInput,
    signal?: AbortSignal,
    beforeAttempt?: () => Promise<void>,
  ): Promise<ReplicateKeyCommandOutput>;
  /** Every tag of the key (all pages). */
  listResourceTags(region: string, keyId: string, signal?: AbortSignal): Promise<Tag[]>;
  /** The key's `default` policy document. */
  getKeyPolicy(region: string, keyId: string, signal?: AbortSignal): Promise<string>;
  /** Every alias that points at the key in that Region (all pages). */
  listAliases(region: string, keyId: string, signal?: AbortSignal): Promise<AliasListEntry[]>;
  createAlias(region: string, aliasName: string, targetKeyId: string, signal?: AbortSignal): Promise<void>;
  /** The caller's account, when the resolved credentials carry it (AWS_ACCOUNT_ID, aws_account_id, SSO, assume-role). */
  callerAccount?(): Promise<string | undefined>;
}

export interface KmsSettings {
  readonly profile?: string;
  /** --endpoint-url; without it the SDK honours AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL itself. */
  readonly endpointUrl?: string;
  readonly retry?: RetryPolicy;
  readonly emit?: Emit;
  /** For unit tests: a ready client per Region (e.g. with aws-sdk-client-mock). */
  readonly clientFor?: (region: string) => KMSClient;
}

/** How many attempts a failed call took (set on the error our port throws). */
const attemptsByError = new WeakMap<object, number>();
export function attemptsOf(error: unknown): number {
  return typeof error === "object" && error !== null ? (attemptsByError.get(error) ?? 1) : 1;
}

/** For a call its signal cut (a deadline): the attempts that had failed on their own, and the last one's error. */
const failuresByAbort = new WeakMap<object, { readonly count: number; readonly last: unknown }>();
export function failuresBeforeAbort(
  error: unknown,
): { readonly count: number; readonly last: unknown } | undefined {
  return typeof error === "object" && error !== null ? failuresByAbort.get(error) : undefined;
}

export function createKms(settings: KmsSettings): KmsPort {
  const clients = new Map<string, KMSClient>();
  // Credentials as the AWS CLI resolves them: an explicit profile wins over AWS_ACCESS_KEY_ID & co.
  // (fromNodeProviderChain skips the environment provider when a profile is given), otherwise
  // env → SSO / shared config and credentials files (assume-role, credential_process) → web
  // identity → container → instance metadata. One provider, memoised, shared by every Region.
  let credentials: ReturnType<typeof fromNodeProviderChain> | undefined;
  const clientFor =
    settings.clientFor ??
    ((region: string): KMSClient => {
      let client = clients.get(region);
      if (client === undefined) {
        credentials ??= fromNodeProviderChain(
          settings.profile !== undefined ? { profile: settings.profile } : {},
        );
        client = new KMSClient({
          region,
          credentials,
          profile: settings.profile,
          endpoint: settings.endpointUrl,
          maxAttempts: 1,
          requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
        });
        clients.set(region, client);
      }
      return client;
    });
  const policy = settings.retry ?? DEFAULT_RETRY;
  const emit: Emit = settings.emit ?? (() => undefined);

  async function call<T>(
    operation: string,
    region: string,
    signal: AbortSignal | undefined,
    send: (client: KMSClient) => Promise<T>,
    extra: {
      /** Runs before every attempt (the ReplicateKey pacer). */
      readonly beforeAttempt?: () => Promise<void>;
      /** The Region the call acts on when it is sent elsewhere (ReplicateKey's ReplicaRegion). */
      readonly target?: string;
    } = {},
  ): Promise<T> {
    const { beforeAttempt, target } = extra;
    const what = { type: "call", operation, region, ...(target !== undefined ? { target } : {}) } as const;
    let attempt = 0;
    let failed: { count: number; last: unknown } | undefined;
    try {
      return await pRetry(
        async () => {
          await beforeAttempt?.();
          attempt += 1;
          const started = performance.now();
          try {
            const value = await send(clientFor(region));
            emit({
              ...what,
              attempt,
              durationMs: performance.now() - started,
              willRetry: false,
            });
            return value;
          } catch (error) {
            if (!isAbort(error)) failed = { count: (failed?.count ?? 0) + 1, last: error };
            const willRetry = !isAbort(error) && isRetryable(error) && attempt <= policy.retries;
            emit({
              ...what,
              attempt,
              durationMs: performance.now() - started,
              errorName:
                classify(error) === "NetworkError"
                  ? (errorFacts(error).code ?? "NetworkError")
                  : errorFacts(error).name,
              willRetry,
            });
            throw error;
          }
        },
        {
          ...policy,
          signal,
          shouldRetry: ({ error }) => !isAbort(error) && isRetryable(error),
        },
      );
    } catch (error) {
      if (typeof error === "object" && error !== null) {
        attemptsByError.set(error, attempt);
        if (failed !== undefined && error !== failed.last) failuresByAbort.set(error, failed);
      }
      throw error;
    }
  }

  return {
    async describeKey(region, keyId, signal) {
      const output = await call("DescribeKey", region, signal, (client) =>
        client.send(new DescribeKeyCommand({ KeyId: keyId }), { abortSignal: signal }),
      );
      if (output.KeyMetadata === undefined) {
        // KMS always returns KeyMetadata; treat its absence like a key that is not visible yet.
        throw new ReplicateError(`DescribeKey returned no KeyMetadata for ${keyId} in ${region}.`, {
          fault: "aws",
          exitCode: EXIT.failed,
          code: "NotFoundException",
        });
      }
      return output.KeyMetadata;
    },
    replicateKey(primaryRegion, input, signal, beforeAttempt) {
      return call(
        "ReplicateKey",
        primaryRegion,
        signal,
        (client) => client.send(new ReplicateKeyCommand(input), { abortSignal: signal }),
        { beforeAttempt, target: input.ReplicaRegion },
      );
    },
    listResourceTags(region, keyId, signal) {
      return allPages(async (marker) => {
        const page = await call("ListResourceTags", region, signal, (client) =>
          client.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker }), { abortSignal: signal }),
        );
        return { items: page.Tags ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    async getKeyPolicy(region, keyId, signal) {
      const output = await call("GetKeyPolicy", region, signal, (client) =>
        client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }), {
          abortSignal: signal,
        }),
      );
      return output.Policy ?? "";
    },
    listAliases(region, keyId, signal) {
      return allPages(async (marker) => {
        const page = await call("ListAliases", region, signal, (client) =>
          client.send(new ListAliasesCommand({ KeyId: keyId, Marker: marker }), { abortSignal: signal }),
        );
        return { items: page.Aliases ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    async callerAccount() {
      credentials ??= fromNodeProviderChain(
        settings.profile !== undefined ? { profile: settings.profile } : {},
      );
      return (await credentials()).accountId;
    },
    async createAlias(region, aliasName, targetKeyId, signal) {
      await call("CreateAlias", region, signal, (client) =>
        client.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: targetKeyId }), {
          abortSignal: signal,
        }),
      );
    },
  };
}

/** Follows KMS's Marker / NextMarker paging to the end. */
async function allPages<T>(
  fetchPage: (marker: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    items.push(...page.items);
    marker = page.next;
  } while (marker !== undefined);
  return items;
}

/**
 * The Region for a key given without an ARN and without --region: AWS_REGION, AWS_DEFAULT_REGION
 * (the AWS CLI's name, which the JavaScript SDK does not read), then the profile's `region`.
 */
export async function regionFromEnvironment(
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const fromEnv = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const probe = new KMSClient({ profile });
  try {
    return await probe.config.region();
  } catch {
    return undefined; // the SDK throws "Region is missing" when nothing names one
  } finally {
    probe.destroy();
  }
}
