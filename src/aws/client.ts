// The AWS adapter's clients: a KMSClient per Region, made on first use, each making exactly one
// attempt per send (our retry layer, src/aws/call.ts, is the only one) within the connect and read
// timeouts, its requests watched (src/aws/sent.ts); one credential provider for them all
// (src/aws/credentials.ts); and createKms, which puts the port's operations (src/aws/operations.ts)
// on top of them.
import { KMSClient } from "@aws-sdk/client-kms";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { DEFAULT_RETRY, DEFAULT_TIMEOUTS, type RetryPolicy, type Timeouts } from "./backoff.js";
import { createCall, type Attempt } from "./call.js";
import { credentialsFor, type ProviderInit } from "./credentials.js";
import { endpointFor } from "./environment.js";
import type { Emit } from "../core/events.js";
import type { KmsPort } from "./kms.js";
import { deletionOperations, keyOperations, materialOperations, settingOperations } from "./operations.js";
import { createQuotaBook } from "./quota-book.js";
import type { QuotaBook } from "./quotas.js";
import { sdkLogger } from "./sdk-logger.js";
import { createRequestWatch, INVOCATION_ID_HEADER, type RequestWatch } from "./sent.js";

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
   * performance.now() after which no write is sent (the run's --timeout; see src/aws/call.ts).
   * Undefined: none.
   */
  readonly deadline?: number;
  /**
   * For unit tests: a ready client per Region (e.g. with aws-sdk-client-mock). Its requests are not
   * watched: whether a failed call was sent is then not known (it counts as maybe carried out).
   */
  readonly clientFor?: (region: string) => KMSClient;
  /**
   * The credentials instead of credentialsFor(profile) (an account of an organisation run:
   * src/aws/account-credentials.ts), made with the adapter's own init: its logger, and its
   * clients' request handler, so that STS calls take the same network path as KMS calls.
   */
  readonly credentials?: (init: ProviderInit) => AwsCredentialIdentityProvider;
}

/** Node's defaults in the SDK's node HTTP handler (keep-alive, 50 sockets per origin), per client. */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 50 } as const;

export function createKms(settings: KmsSettings): KmsPort {
  const clients = new Map<string, KMSClient>();
  const emit: Emit = settings.emit ?? (() => undefined);
  const logger = sdkLogger(emit);
  const watch = createRequestWatch();
  const attemptOf = new WeakMap<object, Attempt>();
  const timeouts = settings.timeouts ?? DEFAULT_TIMEOUTS;
  const requestHandler = {
    connectionTimeout: timeouts.connectMs,
    socketTimeout: timeouts.readMs,
    requestTimeout: timeouts.connectMs + timeouts.readMs,
    throwOnRequestTimeout: true,
    logger,
  };
  // One provider, memoised, shared by every Region (see credentialsFor for the AWS CLI's rule).
  let credentials: AwsCredentialIdentityProvider | undefined;
  const init: ProviderInit = { logger, clientConfig: { requestHandler, logger } };
  const provider = (): AwsCredentialIdentityProvider =>
    (credentials ??= settings.credentials?.(init) ?? credentialsFor(settings.profile, process.env, init));
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
  const call = createCall({
    policy: settings.retry ?? DEFAULT_RETRY,
    timeouts,
    emit,
    quotas: settings.quotas ?? createQuotaBook(),
    deadline: settings.deadline ?? Number.POSITIVE_INFINITY,
    clientFor,
    watching: settings.clientFor === undefined,
    watch,
    attemptOf,
    endpointOf: (error, region) =>
      endpointByError.get(error as object) ?? endpointFor(settings.endpointUrl, region, process.env),
  });
  return {
    ...keyOperations(call),
    ...settingOperations(call),
    ...materialOperations(call),
    ...deletionOperations(call),
    async callerAccount() {
      return (await provider()()).accountId;
    },
  };
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
