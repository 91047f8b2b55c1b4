// The one place that talks to AWS: a KMS client per Region, shared credentials, and our retry layer.
//
// Retry decision. The SDK's standard strategy would retry LimitExceededException (a resource quota
// in KMS, not throttling), and stacking it under p-retry multiplies attempts (3 × N) and hides them
// from --debug. So each client makes exactly one attempt (maxAttempts: 1) and p-retry is the only
// retry layer: it retries what errors.ts classifies as retryable (throttling, 5xx, network resets
// and timeouts), with capped exponential backoff and jitter, a bounded number of times, and every
// attempt is reported as a `call` event.
//
// Time bound. Every attempt ends: the TCP connection within --cli-connect-timeout, the answer
// within --cli-read-timeout of socket silence, and the whole attempt is cut at connect + read.
// @smithy/node-http-handler only *warns* when requestTimeout passes unless throwOnRequestTimeout
// is set, so it is set. A timeout is retried `timeoutRetries` times (once), a clock skew the SDK
// corrected once; see worstCaseCall() in backoff.ts for the bound the README prints.
//
// Quotas. Every attempt takes its slots in the process's QuotaBook (src/aws/quotas.ts) before it is
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
//
// The SDK never prints: every client, and every credential provider, logs through a logger that
// turns warnings and errors into `sdk-log` events (shown with --debug) and drops the rest.
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  UpdatePrimaryRegionCommand,
  type AliasListEntry,
  type KeyListEntry,
  type GetParametersForImportCommandInput,
  type ImportKeyMaterialCommandInput,
  type RotationsListEntry,
  type KeyMetadata,
  type Tag,
  type ReplicateKeyCommandInput,
  type ReplicateKeyCommandOutput,
} from "@aws-sdk/client-kms";
import { fromEnv, fromIni, fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { loadSharedConfigFiles } from "@smithy/core/config";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from "@smithy/types";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import pRetry from "p-retry";
import {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  longestRetryPause,
  type RetryPolicy,
  type Timeouts,
} from "./backoff.js";
import {
  EXIT,
  NotSentError,
  ReplicateError,
  credentialsError,
  isAbort,
  isNotSent,
  isReplicateError,
  usageError,
} from "../core/errors.js";
import { KmsCallError, errorFacts, isReadOperation, type TransportFacts } from "../core/call-error.js";
import { classify } from "../core/classify.js";
import { isClockSkew, isRetryable, isTimeout } from "../core/retryable.js";
import { redactSecrets } from "../core/redact.js";
import type { Emit } from "../core/events.js";
import { costOf, createQuotaBook, isQuotaName, type QuotaBook } from "./quotas.js";
import { redactUrl } from "../core/redact.js";
import { createRequestWatch, INVOCATION_ID_HEADER, type RequestWatch, type WatchedRequest } from "./sent.js";

// Every KMSClient, also the one that only reads a profile's Region, warns under Node 20 that SDK
// releases after January 2027 need Node 22. Our lockfile pins a release that supports Node 20, so
// the notice is noise for our users: silence it for the whole process, before any client exists.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export interface KmsPort {
  describeKey(region: string, keyId: string, signal?: AbortSignal): Promise<KeyMetadata>;
  /**
   * Sent to the primary's Region; `input.ReplicaRegion` names the target. `onSent` runs when an
   * attempt's request has left the process (every attempt, retries included).
   */
  replicateKey(
    primaryRegion: string,
    input: ReplicateKeyCommandInput,
    signal?: AbortSignal,
    onSent?: () => void,
  ): Promise<ReplicateKeyCommandOutput>;
  /** Every key of the Region (ListKeys, all pages of 1000): key IDs and ARNs. */
  listKeys(region: string, signal?: AbortSignal): Promise<KeyListEntry[]>;
  /** Every tag of the key (all pages). */
  listResourceTags(region: string, keyId: string, signal?: AbortSignal): Promise<Tag[]>;
  /** The key's `default` policy document. */
  getKeyPolicy(region: string, keyId: string, signal?: AbortSignal): Promise<string>;
  /** Every alias that points at the key in that Region (all pages). */
  listAliases(region: string, keyId: string, signal?: AbortSignal): Promise<AliasListEntry[]>;
  createAlias(region: string, aliasName: string, targetKeyId: string, signal?: AbortSignal): Promise<void>;
  deleteAlias(region: string, aliasName: string, signal?: AbortSignal): Promise<void>;
  tagResource(region: string, keyId: string, tags: readonly Tag[], signal?: AbortSignal): Promise<void>;
  untagResource(
    region: string,
    keyId: string,
    tagKeys: readonly string[],
    signal?: AbortSignal,
  ): Promise<void>;
  updateKeyDescription(
    region: string,
    keyId: string,
    description: string,
    signal?: AbortSignal,
  ): Promise<void>;
  /** The key's `default` policy; BypassPolicyLockoutSafetyCheck only when `options` says so. */
  putKeyPolicy(
    region: string,
    keyId: string,
    policy: string,
    signal?: AbortSignal,
    options?: { readonly bypassPolicyLockoutSafetyCheck?: boolean },
  ): Promise<void>;
  /** Points an existing alias of the Region at another key (UpdateAlias). */
  updateAlias(region: string, aliasName: string, targetKeyId: string, signal?: AbortSignal): Promise<void>;
  enableKey(region: string, keyId: string, signal?: AbortSignal): Promise<void>;
  disableKey(region: string, keyId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Sent to the current primary's Region (`region`); `primaryRegion` names the replica's Region that
   * becomes the primary. Its quota is charged in both Regions. `onSent` as for replicateKey.
   */
  updatePrimaryRegion(
    region: string,
    keyId: string,
    primaryRegion: string,
    signal?: AbortSignal,
    onSent?: () => void,
  ): Promise<void>;
  /**
   * A wrapping public key (DER SubjectPublicKeyInfo) and an import token for one key in `region`.
   * Neither is ever put in an event or a message.
   */
  getParametersForImport(
    region: string,
    keyId: string,
    wrapping: { readonly algorithm: string; readonly keySpec: string },
    signal?: AbortSignal,
  ): Promise<{ readonly importToken: Uint8Array; readonly publicKey: Uint8Array }>;
  /** The wrapped material into the key of `region`; the key material ID KMS answers, if any. */
  importKeyMaterial(
    region: string,
    input: ImportKeyMaterialCommandInput,
    signal?: AbortSignal,
  ): Promise<{ readonly keyMaterialId?: string }>;
  rotateKeyOnDemand(region: string, keyId: string, signal?: AbortSignal): Promise<void>;
  /** Every key material of the key (IncludeKeyMaterial ALL_KEY_MATERIAL, all pages). */
  listKeyRotations(region: string, keyId: string, signal?: AbortSignal): Promise<RotationsListEntry[]>;
  /** The caller's account, when the resolved credentials carry it (AWS_ACCOUNT_ID, aws_account_id, SSO, assume-role). */
  callerAccount?(): Promise<string | undefined>;
}

export interface KmsSettings {
  readonly profile?: string;
  /** --endpoint-url; without it the SDK honours AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL itself. */
  readonly endpointUrl?: string;
  readonly retry?: RetryPolicy;
  /** --cli-connect-timeout / --cli-read-timeout. */
  readonly timeouts?: Timeouts;
  readonly emit?: Emit;
  /**
   * KMS's request quotas; one book per process (default: KMS's default quotas, no in-flight caps).
   * Every attempt waits in it for its slots, counts against the book's in-flight cap for its
   * (operation, Region) if it has one, and releases that slot when the attempt ends.
   */
  readonly quotas?: QuotaBook;
  /**
   * performance.now() after which no write is sent (the run's --timeout; see the file's comment).
   * Undefined: none.
   */
  readonly deadline?: number;
  /**
   * For unit tests: a ready client per Region (e.g. with aws-sdk-client-mock). Its requests are not
   * watched: whether a failed call was sent is then not known (it counts as maybe carried out).
   */
  readonly clientFor?: (region: string) => KMSClient;
}

/** Node's defaults in the SDK's node HTTP handler (keep-alive, 50 sockets per origin), per client. */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 50 } as const;

/** One attempt of a call, from the moment it is given to the SDK. */
interface Attempt extends WatchedRequest {
  /** Its request has left the process. */
  left: boolean;
  /** The hook refused it at the deadline, before a byte was written. */
  refused: boolean;
  /** Its invocation ID, once the SDK gave it one. */
  id?: string;
}

export function createKms(settings: KmsSettings): KmsPort {
  const clients = new Map<string, KMSClient>();
  const policy = settings.retry ?? DEFAULT_RETRY;
  const timeouts = settings.timeouts ?? DEFAULT_TIMEOUTS;
  const emit: Emit = settings.emit ?? (() => undefined);
  const quotas = settings.quotas ?? createQuotaBook();
  const deadline = settings.deadline ?? Number.POSITIVE_INFINITY;
  const logger = sdkLogger(emit);
  const watch = createRequestWatch();
  /** The attempt each command sent is, for the middleware that learns its invocation ID. */
  const attemptOf = new WeakMap<object, Attempt>();
  const watching = settings.clientFor === undefined;
  const requestHandler = {
    connectionTimeout: timeouts.connectMs,
    socketTimeout: timeouts.readMs,
    requestTimeout: timeouts.connectMs + timeouts.readMs,
    throwOnRequestTimeout: true,
    logger,
  };
  // One provider, memoised, shared by every Region (see credentialsFor for the AWS CLI's rule).
  let credentials: AwsCredentialIdentityProvider | undefined;
  const provider = (): AwsCredentialIdentityProvider =>
    (credentials ??= credentialsFor(settings.profile, process.env, {
      logger,
      clientConfig: { requestHandler, logger },
    }));
  const clientFor =
    settings.clientFor ??
    ((region: string): KMSClient => {
      let client = clients.get(region);
      if (client === undefined) {
        client = new KMSClient({
          region,
          credentials: provider(),
          profile: settings.profile,
          endpoint: settings.endpointUrl,
          maxAttempts: 1,
          logger,
          requestHandler: {
            ...requestHandler,
            httpAgent: watch.watch(new HttpAgent(AGENT_OPTIONS)),
            httpsAgent: watch.watch(new HttpsAgent(AGENT_OPTIONS)),
          },
        });
        client.middlewareStack.add(noteEndpoint, { step: "finalizeRequest", name: "kmsReplicateEndpoint" });
        client.middlewareStack.add(expectRequest(watch, attemptOf), {
          step: "finalizeRequest",
          priority: "low",
          name: "kmsReplicateSent",
        });
        clients.set(region, client);
      }
      return client;
    });
  /** For messages: where a call to `region` went, when the error does not say. */
  const endpointFor = (region: string): string =>
    settings.endpointUrl ??
    process.env.AWS_ENDPOINT_URL_KMS ??
    process.env.AWS_ENDPOINT_URL ??
    `https://kms.${region}.amazonaws.com`;

  async function call<T>(
    operation: string,
    region: string,
    signal: AbortSignal | undefined,
    send: (client: KMSClient, track: <C extends object>(command: C) => C) => Promise<T>,
    extra: {
      /** Runs when an attempt's request has left the process. */
      readonly onSent?: () => void;
      /** The Region the call acts on when it is sent elsewhere (ReplicateKey's ReplicaRegion). */
      readonly target?: string;
    } = {},
  ): Promise<T> {
    const { onSent, target } = extra;
    const what = { type: "call", operation, region, ...(target !== undefined ? { target } : {}) } as const;
    const write = !isReadOperation(operation) && deadline < Number.POSITIVE_INFINITY;
    let attempt = 0;
    let failed: { count: number; last: unknown } | undefined;
    let timeoutsSeen = 0;
    let skewsSeen = 0;
    let retryLast = false;
    /** The deadline kept a retry from being made: the call ends as not sent (after `attempt` sent). */
    let cutByDeadline = false;
    let transport: TransportFacts | undefined;
    /** What reached the wire, over every attempt. */
    const wire = { sent: false, unanswered: false };
    const costs = costOf(operation, region, target);
    const inFlight = isQuotaName(operation) ? { name: operation, region } : undefined;
    // A client the adapter does not watch (a test's mock): every attempt made counts as sent, and
    // as maybe carried out.
    const refusal = (lastError?: unknown): NotSentError =>
      new NotSentError({
        operation,
        region,
        sentBefore: watching ? (wire.sent ? attempt : 0) : attempt,
        lastError: lastError ?? failed?.last,
        unanswered: watching ? wire.unanswered : attempt > 0,
      });
    const expired = (): boolean => write && performance.now() >= deadline;
    /** Another attempt? Once per failure, in order, so the counters are exact. */
    const decide = (error: unknown): boolean => {
      const retry = retryable(error);
      if (retry && write && performance.now() + longestRetryPause(policy, attempt) >= deadline) {
        // The retry's pause could end after the deadline: no write then, so no pause either.
        cutByDeadline = true;
        return false;
      }
      return retry;
    };
    const retryable = (error: unknown): boolean => {
      if (signal?.aborted === true || isAbort(error) || !isRetryable(error)) return false;
      if (attempt > policy.retries) return false;
      if (isClockSkew(error)) return (skewsSeen += 1) <= 1;
      if (isTimeout(error)) return (timeoutsSeen += 1) <= (policy.timeoutRetries ?? 1);
      return true;
    };
    try {
      return await pRetry(
        async () => {
          if (expired()) throw refusal();
          const release = await quotas.acquire(costs, signal, {
            ...(inFlight !== undefined ? { inFlight } : {}),
            ...(write ? { deadline: { at: deadline, expired: () => refusal() } } : {}),
          });
          const sent: Attempt = {
            left: false,
            refused: false,
            beforeWrite: () => {
              if (!expired()) return undefined;
              sent.refused = true;
              return refusal();
            },
            written: () => {
              sent.left = true;
              wire.sent = true;
              onSent?.();
            },
          };
          try {
            // Slots granted at the deadline itself: still too late.
            if (expired()) throw refusal();
            attempt += 1;
            // A client the adapter does not watch (a test's mock) cannot say when: now, then.
            if (!watching) onSent?.();
            const started = performance.now();
            const track = <C extends object>(command: C): C => {
              attemptOf.set(command, sent);
              return command;
            };
            try {
              const value = await send(clientFor(region), track);
              emit({
                ...what,
                attempt,
                durationMs: performance.now() - started,
                willRetry: false,
              });
              return value;
            } catch (error) {
              if (sent.refused) {
                // Refused on its socket at the deadline: this attempt never left.
                attempt -= 1;
                throw refusal();
              }
              // An HTTP answer means the request reached KMS (a server may answer before the last
              // byte is written). Sent and no answer: a timeout, a dropped connection, an abort.
              const answered = errorFacts(error).httpStatus !== undefined;
              if (answered) wire.sent = true;
              else if (sent.left) wire.unanswered = true;
              if (!isAbort(error)) failed = { count: (failed?.count ?? 0) + 1, last: error };
              transport = {
                region,
                endpoint: redactUrl(endpointByError.get(error as object) ?? endpointFor(region)),
                connectTimeoutMs: timeouts.connectMs,
                readTimeoutMs: timeouts.readMs,
              };
              retryLast = decide(error);
              const name = classify(error);
              emit({
                ...what,
                attempt,
                durationMs: performance.now() - started,
                errorName:
                  name === "NetworkError"
                    ? (errorFacts(error).code ?? name)
                    : name === "ConnectionClosed" || name === "ConnectTimeout" || name === "ReadTimeout"
                      ? name
                      : errorFacts(error).name,
                willRetry: retryLast,
              });
              throw error;
            }
          } finally {
            if (sent.id !== undefined) watch.forget(sent.id);
            release();
          }
        },
        {
          retries: policy.retries,
          minTimeout: policy.minTimeout,
          factor: policy.factor,
          maxTimeout: policy.maxTimeout,
          randomize: policy.randomize,
          signal,
          shouldRetry: ({ error }) => retryLast && !isNotSent(error),
        },
      );
    } catch (error) {
      // The deadline kept the next attempt from being sent: a NotSentError after `attempt` sent.
      if (cutByDeadline && !isReplicateError(error) && signal?.aborted !== true) throw refusal(error);
      // Aborted (Ctrl-C, or a caller's deadline: AbortSignal.timeout's reason is named
      // TimeoutError): always an AbortError, never mistaken for a transport timeout.
      // Our own errors (credentials, a missing profile, a write refused at the deadline) are
      // already values with advice.
      if (isReplicateError(error)) throw error;
      const cause =
        signal?.aborted === true && !isAbort(error)
          ? new DOMException("The call was aborted.", "AbortError")
          : error;
      throw new KmsCallError(cause, {
        operation,
        region,
        attempts: attempt,
        transport,
        failedBefore: failed !== undefined && cause !== failed.last ? failed : undefined,
        ...(watching ? { wire: { ...wire } } : {}),
      });
    }
  }

  return {
    async describeKey(region, keyId, signal) {
      const output = await call("DescribeKey", region, signal, (client, track) =>
        client.send(track(new DescribeKeyCommand({ KeyId: keyId })), { abortSignal: signal }),
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
    replicateKey(primaryRegion, input, signal, onSent) {
      return call(
        "ReplicateKey",
        primaryRegion,
        signal,
        (client, track) => client.send(track(new ReplicateKeyCommand(input)), { abortSignal: signal }),
        { onSent, target: input.ReplicaRegion },
      );
    },
    listKeys(region, signal) {
      return allPages(async (marker) => {
        const page = await call("ListKeys", region, signal, (client, track) =>
          client.send(track(new ListKeysCommand({ Limit: 1000, Marker: marker })), { abortSignal: signal }),
        );
        return { items: page.Keys ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    listResourceTags(region, keyId, signal) {
      return allPages(async (marker) => {
        const page = await call("ListResourceTags", region, signal, (client, track) =>
          client.send(track(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker })), {
            abortSignal: signal,
          }),
        );
        return { items: page.Tags ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    async getKeyPolicy(region, keyId, signal) {
      const output = await call("GetKeyPolicy", region, signal, (client, track) =>
        client.send(track(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" })), {
          abortSignal: signal,
        }),
      );
      return output.Policy ?? "";
    },
    listAliases(region, keyId, signal) {
      return allPages(async (marker) => {
        const page = await call("ListAliases", region, signal, (client, track) =>
          client.send(track(new ListAliasesCommand({ KeyId: keyId, Marker: marker })), {
            abortSignal: signal,
          }),
        );
        return { items: page.Aliases ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    async callerAccount() {
      return (await provider()()).accountId;
    },
    async createAlias(region, aliasName, targetKeyId, signal) {
      await call("CreateAlias", region, signal, (client, track) =>
        client.send(track(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: targetKeyId })), {
          abortSignal: signal,
        }),
      );
    },
    async deleteAlias(region, aliasName, signal) {
      await call("DeleteAlias", region, signal, (client, track) =>
        client.send(track(new DeleteAliasCommand({ AliasName: aliasName })), { abortSignal: signal }),
      );
    },
    async tagResource(region, keyId, tags, signal) {
      await call("TagResource", region, signal, (client, track) =>
        client.send(track(new TagResourceCommand({ KeyId: keyId, Tags: [...tags] })), {
          abortSignal: signal,
        }),
      );
    },
    async untagResource(region, keyId, tagKeys, signal) {
      await call("UntagResource", region, signal, (client, track) =>
        client.send(track(new UntagResourceCommand({ KeyId: keyId, TagKeys: [...tagKeys] })), {
          abortSignal: signal,
        }),
      );
    },
    async updateKeyDescription(region, keyId, description, signal) {
      await call("UpdateKeyDescription", region, signal, (client, track) =>
        client.send(track(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: description })), {
          abortSignal: signal,
        }),
      );
    },
    async putKeyPolicy(region, keyId, policy, signal, options) {
      const bypass =
        options?.bypassPolicyLockoutSafetyCheck === true ? { BypassPolicyLockoutSafetyCheck: true } : {};
      await call("PutKeyPolicy", region, signal, (client, track) =>
        client.send(
          track(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: policy, ...bypass })),
          { abortSignal: signal },
        ),
      );
    },
    async updateAlias(region, aliasName, targetKeyId, signal) {
      await call("UpdateAlias", region, signal, (client, track) =>
        client.send(track(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: targetKeyId })), {
          abortSignal: signal,
        }),
      );
    },
    async enableKey(region, keyId, signal) {
      await call("EnableKey", region, signal, (client, track) =>
        client.send(track(new EnableKeyCommand({ KeyId: keyId })), { abortSignal: signal }),
      );
    },
    async getParametersForImport(region, keyId, wrapping, signal) {
      const output = await call("GetParametersForImport", region, signal, (client, track) =>
        client.send(
          track(
            new GetParametersForImportCommand({
              KeyId: keyId,
              WrappingAlgorithm:
                wrapping.algorithm as GetParametersForImportCommandInput["WrappingAlgorithm"],
              WrappingKeySpec: wrapping.keySpec as GetParametersForImportCommandInput["WrappingKeySpec"],
            }),
          ),
          { abortSignal: signal },
        ),
      );
      if (output.ImportToken === undefined || output.PublicKey === undefined) {
        throw new ReplicateError(
          `GetParametersForImport in ${region} returned no public key or import token.`,
          {
            fault: "aws",
            exitCode: EXIT.failed,
            code: "InvalidImportTokenException",
          },
        );
      }
      return { importToken: output.ImportToken, publicKey: output.PublicKey };
    },
    async importKeyMaterial(region, input, signal) {
      const output = await call("ImportKeyMaterial", region, signal, (client, track) =>
        client.send(track(new ImportKeyMaterialCommand(input)), { abortSignal: signal }),
      );
      return output.KeyMaterialId !== undefined ? { keyMaterialId: output.KeyMaterialId } : {};
    },
    async rotateKeyOnDemand(region, keyId, signal) {
      await call("RotateKeyOnDemand", region, signal, (client, track) =>
        client.send(track(new RotateKeyOnDemandCommand({ KeyId: keyId })), { abortSignal: signal }),
      );
    },
    listKeyRotations(region, keyId, signal) {
      return allPages(async (marker) => {
        const page = await call("ListKeyRotations", region, signal, (client, track) =>
          client.send(
            track(
              new ListKeyRotationsCommand({
                KeyId: keyId,
                IncludeKeyMaterial: "ALL_KEY_MATERIAL",
                Marker: marker,
              }),
            ),
            { abortSignal: signal },
          ),
        );
        return { items: page.Rotations ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    async disableKey(region, keyId, signal) {
      await call("DisableKey", region, signal, (client, track) =>
        client.send(track(new DisableKeyCommand({ KeyId: keyId })), { abortSignal: signal }),
      );
    },
    async updatePrimaryRegion(region, keyId, primaryRegion, signal, onSent) {
      await call(
        "UpdatePrimaryRegion",
        region,
        signal,
        (client, track) =>
          client.send(track(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: primaryRegion })), {
            abortSignal: signal,
          }),
        { onSent, target: primaryRegion },
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
  const fromEnvironment = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnvironment !== undefined && fromEnvironment !== "") return fromEnvironment;
  const named = profile ?? nonEmpty(env.AWS_PROFILE);
  if (named !== undefined) await profileData(named, env, true);
  const probe = new KMSClient({ profile, logger: sdkLogger(() => undefined) });
  try {
    return await probe.config.region();
  } catch {
    return undefined; // the SDK throws "Region is missing" when nothing names one
  } finally {
    probe.destroy();
  }
}

/**
 * A middleware on each client: the invocation ID the SDK gave a tracked command's request (its
 * retry middleware sets it, before this one), so that the agent's hook finds the attempt.
 */
function expectRequest(watch: RequestWatch, attemptOf: WeakMap<object, Attempt>) {
  return <I extends object, O extends object>(
      next: (args: { input: I; request: unknown }) => Promise<O>,
      context: { readonly __smithy_context?: { readonly commandInstance?: object } },
    ) =>
    (args: { input: I; request: unknown }): Promise<O> => {
      const command = context.__smithy_context?.commandInstance;
      const attempt = command === undefined ? undefined : attemptOf.get(command);
      const headers = (args.request as { headers?: Record<string, string | undefined> }).headers;
      const id = headers?.[INVOCATION_ID_HEADER];
      if (attempt !== undefined && id !== undefined) {
        attempt.id = id;
        watch.expect(id, attempt);
      }
      return next(args);
    };
}

/** Where a failed request went (`http://127.0.0.1:4566`), noted by a middleware on each client. */
const endpointByError = new WeakMap<object, string>();
const noteEndpoint =
  <I extends object, O extends object>(next: (args: { input: I; request: unknown }) => Promise<O>) =>
  async (args: { input: I; request: unknown }): Promise<O> => {
    try {
      return await next(args);
    } catch (error) {
      const request = args.request as { protocol?: unknown; hostname?: unknown; port?: unknown };
      if (typeof error === "object" && error !== null && typeof request.hostname === "string") {
        const port = typeof request.port === "number" ? `:${request.port}` : "";
        endpointByError.set(error, `${String(request.protocol)}//${request.hostname}${port}`);
      }
      throw error;
    }
  };

/** The SDK's log, as events: warnings and errors become `sdk-log` (shown with --debug), the rest is dropped. */
export function sdkLogger(emit: Emit): Logger {
  const route =
    (level: "warn" | "error") =>
    (...content: unknown[]): void => {
      // The SDK's warnings are text. Objects are its logger middleware's record of each request
      // (input, output, error): the wire log, which our `call` events already summarise.
      if (!content.every((part) => typeof part === "string")) return;
      const message = redactSecrets(content.join(" ").replace(/\s+/g, " ").trim());
      emit({ type: "sdk-log", level, message });
    };
  const drop = (): void => undefined;
  const logger: Omit<Logger, "info"> = {
    trace: drop,
    debug: drop,
    warn: route("warn"),
    error: route("error"),
  };
  // No `info`: the SDK's logger middleware calls `logger?.info?.({ input, output })` after every
  // call, building a filtered copy of the request and the answer for it; without `info` it builds
  // nothing (1 to 2 % of a fleet's CPU). Nothing else in the SDK calls `info`.
  return logger as Logger;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/** A profile's settings from the config and credentials files, or undefined if it is in neither. */
async function profileData(
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

type ProviderInit = { readonly logger: Logger; readonly clientConfig?: Record<string, unknown> };

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
): AwsCredentialIdentityProvider {
  const choose = async (): Promise<{ provider: AwsCredentialIdentityProvider; source: string }> => {
    if (profile !== undefined) {
      return { provider: await forProfile(profile, true), source: `profile ${profile} (--profile)` };
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
