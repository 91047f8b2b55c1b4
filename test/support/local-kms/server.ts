// A local KMS endpoint for multi-Region keys, on 127.0.0.1, speaking the JSON 1.1 protocol the AWS
// SDKs use. One URL serves every Region of its table (partitions.ts): each request's Region comes
// from its SigV4 credential scope; a Region outside the table is answered as an endpoint that does
// not serve it answers (InvalidSignatureException "Credential should be scoped to a valid region").
// It serves many accounts (accounts.ts: the account comes from the request's access key) and, on
// the same port, STS's AssumeRole and GetCallerIdentity (sts.ts: requests scoped to service sts).
// Faults can be switched on per Region and operation; every call is counted and recorded.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Accounts } from "./accounts.js";
import { DEFAULTS, configProblems, type KmsLocalConfig } from "./config.js";
import { deleteDueKeys } from "./deletion.js";
import { KmsFault, fault } from "./errors.js";
import { FaultRules } from "./faults.js";
import { OPERATIONS, makeKey, metadataOf, notPrimary } from "./operations.js";
import { isKnownRegion, partitionOf } from "./partitions.js";
import { chargesOf } from "./quotas.js";
import { headerOf, parseAmzDate, scopeOfRequest, signatureOutOfTime } from "./request.js";
import { makeStartKeys, type StartKeys, type StartKeysMade } from "./start-keys.js";
import { Store, type KeyManager } from "./store.js";
import { answerSts, refusedXml } from "./sts.js";
import { keyViews, throttleCounts, type KeyView, type ThrottleCount } from "./views.js";

export interface KmsLocalOptions extends Partial<KmsLocalConfig> {
  readonly port?: number;
  /** The default account: of every access key not mapped to another (default 111122223333). */
  readonly account?: string;
  /** Accounts served beside `account`, each with its own keys, quotas and roles (STS). */
  readonly accounts?: readonly string[];
  /** Access key ID → account: requests signed with that key are in that account. */
  readonly accessKeys?: Readonly<Record<string, string>>;
  /**
   * Keys made at start, and again by reset(), in every account of `accounts` (without it: in
   * `account`).
   */
  readonly startKeys?: StartKeys;
  /**
   * The endpoint's clock (epoch ms) for key states, quotas, Updating and read-after-write; a test
   * passes a fake one. Default Date.now. Signatures are always checked against the real clock.
   */
  readonly now?: () => number;
  /**
   * Serve https, with a certificate for 127.0.0.1 and localhost signed by a CA made at start
   * (tls.ts); the CA certificate is written to `caFile` (in `tlsDir`, default a new temporary
   * folder, removed by stop()). A client must be given the CA to trust the endpoint.
   */
  readonly tls?: boolean;
  readonly tlsDir?: string;
}

export interface CallRecord {
  /** KMS, or STS (AssumeRole, GetCallerIdentity; `operation` is the Action). */
  readonly service: "kms" | "sts";
  /**
   * The account the call acted in: the account of its credentials; for AssumeRole the role's.
   * Unset when it had no credentials the endpoint accepted.
   */
  account?: string;
  readonly region: string;
  readonly operation: string;
  /** Epoch ms when the request arrived. */
  readonly at: number;
  /** HTTP status answered (0: connection dropped). */
  status: number;
  /** The error type answered, if any. */
  errorType?: string;
  /** For DescribeKey / ReplicateKey: the KeyState in the answer. */
  keyState?: string;
  /** The access key ID that signed the request (from the SigV4 Credential=; never the secret). */
  readonly accessKeyId?: string;
  /** A fault that kept the answer from the client (clientGone: it left while answerDelayMs held the answer). */
  fault?: "dropConnection" | "stall" | "processThenDrop" | "clientGone";
  /** Why it was answered ThrottlingException: a quota (enforceQuotas) or a `throttle` fault rule. */
  throttledBy?: "quota" | "fault";
  /** The quota it exceeded (e.g. CreateKey in the replica's Region, for a ReplicateKey). */
  quotaExceeded?: { readonly operation: string; readonly region: string };
}

/** What a test's setup may ask of a new key beyond CreateKey's input: what KMS's API cannot make. */
export interface KeySetup {
  /**
   * "AWS": an AWS managed key, as an AWS service makes one for the account: DescribeKey shows
   * KeyManager AWS and ListKeys lists it. Single-Region only (with MultiRegion the call throws).
   * Default "CUSTOMER", as CreateKey makes.
   */
  readonly keyManager?: KeyManager;
  /** The account to make it in (default: the default account). */
  readonly account?: string;
}

/** Which calls of the log: each member unset matches any. */
export interface CallFilter {
  readonly region?: string;
  readonly operation?: string;
  readonly account?: string;
  readonly service?: "kms" | "sts";
}

/** A session AssumeRole issued (its secret and token are not shown). */
export interface IssuedSession {
  readonly accessKeyId: string;
  readonly account: string;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly assumedRoleArn: string;
  /** Epoch ms on the endpoint's clock. */
  readonly expiresAt: number;
  /** Assumed with credentials the endpoint issued (role chaining). */
  readonly chained: boolean;
}

export interface KmsLocal {
  /** http://127.0.0.1:PORT, or https://… with `tls`. */
  readonly url: string;
  /** With `tls`: the file that holds the CA certificate (PEM), and the certificate itself. */
  readonly caFile?: string;
  readonly caCert?: string;
  readonly port: number;
  /** The default account. */
  readonly account: string;
  /** Every account it serves: the default one first, then `accounts`, then those of `accessKeys`. */
  readonly accounts: readonly string[];
  /** The keys made at start (`startKeys`), per account; made again by reset(). */
  readonly startKeys: readonly StartKeysMade[];
  /** Merge settings; `faults` replaces the fault list. */
  configure(config: Partial<KmsLocalConfig>): void;
  /** Forget keys, calls and settings changed since start (back to the options given at start). */
  reset(): void;
  calls(filter?: CallFilter): CallRecord[];
  /** TCP connections accepted since start or reset (a test compares them with a proxy's tunnels). */
  connections(): number;
  callCount(region?: string, operation?: string, account?: string): number;
  /** ThrottlingException answers per (account, Region, operation), from the call log. */
  throttled(): ThrottleCount[];
  /** The keys of `region` in `account` (default: the default account). */
  keys(region: string, account?: string): KeyView[];
  /** The sessions AssumeRole issued, oldest first. */
  issued(): IssuedSession[];
  /**
   * CreateKey in `region`, as a test's setup step (not counted, no quota); its KeyMetadata.
   * `setup` makes what CreateKey cannot, e.g. `{ keyManager: "AWS" }` for an AWS managed key.
   */
  createKey(region: string, input?: Record<string, unknown>, setup?: KeySetup): Record<string, unknown>;
  /** Call any operation in-process, as a test's setup step (not counted), in `account` (default: the default one). */
  invoke(region: string, operation: string, input: Record<string, unknown>, account?: string): unknown;
  stop(): Promise<void>;
}

const CONTROL = "/_kms-local/";

/** The config part of the start options (without port, account, clock and TLS). */
function settingsOf(options: KmsLocalOptions): Partial<KmsLocalConfig> {
  const settings: Record<string, unknown> = { ...options };
  for (const key of ["port", "account", "accounts", "accessKeys", "startKeys", "now", "tls", "tlsDir"])
    delete settings[key];
  return settings;
}

export async function startKmsLocal(options: KmsLocalOptions = {}): Promise<KmsLocal> {
  const account = options.account ?? "111122223333";
  const clock = options.now ?? Date.now;
  const settings = settingsOf(options);
  let config: KmsLocalConfig = { ...DEFAULTS, ...settings };
  const accounts = new Accounts(
    account,
    options.accounts ?? [],
    options.accessKeys ?? {},
    (id) => new Store(id, clock, (region) => partitionOf(region, config.regionPartitions)),
  );
  /** In the endpoint's table, or one of a test's invented Regions (regionPartitions). */
  const regionKnown = (region: string): boolean =>
    isKnownRegion(region) || config.regionPartitions[region] !== undefined;
  let faults = new FaultRules(config.seed);
  const log: CallRecord[] = [];
  // The log holds one copy of each Region, operation, account and access key ID, not one per call
  // (each would otherwise keep its request's Authorization header alive): a fleet makes 100,000s of calls.
  const texts = new Map<string, string>();
  const shared = (text: string): string => {
    const known = texts.get(text);
    if (known !== undefined) return known;
    texts.set(text, text);
    return text;
  };

  const context = (store: Store, region: string, now: number) => ({
    region,
    store,
    now,
    creatingDelay: (r: string) => {
      const delay = config.creatingDelayByRegion[r];
      return delay === null ? Number.POSITIVE_INFINITY : (delay ?? config.creatingDelayMs);
    },
    hiddenDescribes: (r: string) => config.hiddenDescribesByRegion[r] ?? 0,
    hmacUnsupported: (r: string) => config.hmacUnsupportedRegions.includes(r),
    regionDisabled: (r: string) => config.disabledRegions.includes(r),
    regionKnown,
    readAfterWriteMs: (r: string) => config.readAfterWriteMs[r] ?? 0,
    updatingMs: (r: string) => {
      const ms = config.updatingMsByRegion[r];
      return ms === null ? Number.POSITIVE_INFINITY : (ms ?? config.updatingMs);
    },
    updatingShowsReplicas: config.updatingShowsReplicas,
    importTokenValidityMs: config.importTokenValidityMs,
    dayMs: config.dayMs,
  });

  const invoke = (
    store: Store,
    region: string,
    operation: string,
    input: Record<string, unknown>,
    now = clock(),
  ): unknown => {
    const handler = OPERATIONS[operation];
    if (handler === undefined) throw fault.unknownOperation(operation);
    // The keys whose deletion date has passed are gone before the request sees the store.
    deleteDueKeys(store, now);
    return handler(context(store, region, now), input);
  };

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": `local-${log.length}`,
      ...(config.clockSkewMs !== 0 ? { date: new Date(Date.now() + config.clockSkewMs).toUTCString() } : {}),
      ...(errorType !== undefined ? { "x-amzn-errortype": errorType } : {}),
    });
    res.end(text);
  };

  const sendFault = (res: ServerResponse, error: KmsFault): void =>
    send(res, error.status, { __type: error.type, message: error.message }, error.type);

  const control = (path: string, url: URL, body: string, res: ServerResponse): void => {
    const param = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
    if (path === "calls") {
      const service = param("service");
      const filter = { region: param("region"), operation: param("operation"), account: param("account") };
      return send(
        res,
        200,
        calls({ ...filter, ...(service === "kms" || service === "sts" ? { service } : {}) }),
      );
    }
    if (path === "throttled") return send(res, 200, throttleCounts(log));
    if (path === "keys") return send(res, 200, views(param("region") ?? "us-east-1", param("account")));
    if (path === "accounts") return send(res, 200, { account, accounts: accounts.known, startKeys: made });
    if (path === "config") {
      let partial: unknown;
      try {
        partial = JSON.parse(body || "{}");
      } catch {
        return send(res, 400, { message: "the config is not JSON" });
      }
      const problems = configProblems(partial);
      if (problems.length > 0) return send(res, 400, { message: problems.join("; ") });
      configure(partial as Partial<KmsLocalConfig>);
      return send(res, 200, config);
    }
    if (path === "reset") {
      reset();
      return send(res, 200, {});
    }
    send(res, 404, { message: `unknown control path ${path}` });
  };

  /** STS (sts.ts): answered at once, recorded in the log as the KMS calls are. */
  const answerStsRequest = (
    req: IncomingMessage,
    res: ServerResponse,
    text: string,
    region: string,
    key: string,
  ) => {
    const at = clock();
    const identity = accounts.identify(key, headerOf(req, "x-amz-security-token"), at);
    const answer =
      "refused" in identity
        ? refusedXml(identity.refused, new URLSearchParams(text).get("Action") ?? "")
        : answerSts(text, identity.caller, { accounts, config, now: at });
    log.push({
      service: "sts",
      region: shared(region),
      operation: shared(answer.action),
      at,
      status: answer.status,
      accessKeyId: shared(key),
      ...(answer.account !== undefined ? { account: shared(answer.account) } : {}),
      ...(answer.errorCode !== undefined ? { errorType: shared(answer.errorCode) } : {}),
    });
    res.writeHead(answer.status, {
      "content-type": "text/xml",
      "content-length": Buffer.byteLength(answer.xml),
      "x-amzn-requestid": answer.requestId,
    });
    res.end(answer.xml);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (req.url?.startsWith(CONTROL) === true) {
      const url = new URL(req.url, "http://127.0.0.1");
      return control(url.pathname.slice(CONTROL.length), url, text, res);
    }

    const scope = scopeOfRequest(req.headers.authorization);
    if (scope?.service === "sts") return answerStsRequest(req, res, text, scope.region, scope.accessKeyId);
    const region = scope?.service === "kms" ? scope.region : undefined;
    const target = req.headers["x-amz-target"];
    const operation = typeof target === "string" ? target.replace(/^TrentService\./, "") : "";
    const call: CallRecord = {
      service: "kms",
      region: shared(region ?? "-"),
      operation: shared(operation),
      at: clock(),
      status: 0,
      ...(scope !== undefined ? { accessKeyId: shared(scope.accessKeyId) } : {}),
    };
    log.push(call);
    const refuse = (error: KmsFault): void => {
      call.status = error.status;
      call.errorType = error.type;
      sendFault(res, error);
    };
    if (scope === undefined || region === undefined) {
      return refuse(new KmsFault("UnrecognizedClientException", "Missing or unsigned Authorization header."));
    }
    // A Region outside the table: the answer of an endpoint that does not serve it (errors.ts).
    if (!regionKnown(region)) return refuse(fault.regionNotServed(region));
    if (config.clockSkewMs !== 0) {
      const outOfTime = signatureOutOfTime(
        parseAmzDate(headerOf(req, "x-amz-date")),
        Date.now() + config.clockSkewMs,
      );
      if (outOfTime !== undefined) return refuse(outOfTime);
    }
    const identity = accounts.identify(scope.accessKeyId, headerOf(req, "x-amz-security-token"), call.at);
    if ("refused" in identity) {
      return refuse(identity.refused === "expired" ? fault.expiredToken() : fault.unrecognizedClient());
    }
    const caller = identity.caller;
    call.account = shared(caller.account);
    const store = accounts.store(caller.account);
    let input: Record<string, unknown> = {};
    let unreadable: Error | undefined;
    try {
      if (text !== "") input = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      unreadable = error as SyntaxError;
    }
    const decision = faults.decide(config, region, operation, input, {
      account: caller.account,
      store,
      callerArn: caller.arn,
    });
    if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
    if (decision.drop) {
      call.fault = "dropConnection";
      req.socket.destroy();
      return;
    }
    if (decision.stall) {
      // Never answer; hold the socket until the client goes away (or the endpoint stops).
      call.fault = "stall";
      return;
    }
    try {
      if (decision.error !== undefined) throw decision.error;
      if (unreadable !== undefined) throw unreadable;
      if (config.enforceQuotas) {
        // Per account and Region, as KMS's quotas are.
        const exceeded = accounts
          .limiter(caller.account)
          .tryAdmit(chargesOf(operation, region, input), call.at, {
            scale: config.quotaScale,
            overrides: config.quotaOverrides,
          });
        if (exceeded !== undefined) {
          call.throttledBy = "quota";
          call.quotaExceeded = { operation: exceeded.operation, region: exceeded.region };
          throw fault.throttling();
        }
      }
      if (decision.notPrimary) throw notPrimary(requestedArn(store, region, input.KeyId));
      // Most handlers answer at once; GetParametersForImport makes an RSA key pair first.
      const output = (await invoke(store, region, operation, input, call.at)) as Record<string, unknown>;
      const metadata = (output.KeyMetadata ?? output.ReplicaKeyMetadata) as { KeyState?: string } | undefined;
      call.keyState = metadata?.KeyState;
      if (decision.processThenDrop) {
        // Done, and the answer is lost: status stays 0.
        call.fault = "processThenDrop";
        req.socket.destroy();
        return;
      }
      if (decision.answerDelayMs > 0 && !(await answerHeld(req, decision.answerDelayMs))) {
        // Done, and the client went away before the answer: status stays 0.
        call.fault = "clientGone";
        return;
      }
      call.status = 200;
      send(res, 200, output);
    } catch (error) {
      const kmsFault =
        error instanceof KmsFault ? error : new KmsFault("KMSInternalException", String(error), 500);
      call.errorType = kmsFault.type;
      if (kmsFault.type === "ThrottlingException" && call.throttledBy === undefined)
        call.throttledBy = "fault";
      if (decision.processThenDrop) {
        // The error answer is lost too (status stays 0).
        call.fault = "processThenDrop";
        req.socket.destroy();
        return;
      }
      call.status = kmsFault.status;
      sendFault(res, kmsFault);
    }
  };

  /** Waits `ms` before an answer: true, or false as soon as the client has gone away. */
  const answerHeld = (req: IncomingMessage, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (req.socket.destroyed) {
        resolve(false);
        return;
      }
      const gone = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        req.socket.off("close", gone);
        resolve(true);
      }, ms);
      req.socket.once("close", gone);
    });

  /** The ARN a request's KeyId names (a key ID is made an ARN of `region`). */
  const requestedArn = (store: Store, region: string, keyId: unknown): string => {
    const ref = typeof keyId === "string" ? keyId : "";
    return ref.startsWith("arn:") ? ref : store.region(region).arnOf(`key/${ref}`);
  };

  const views = (region: string, of = account): KeyView[] => keyViews(accounts.store(of), region, clock());

  const calls = (filter: CallFilter = {}): CallRecord[] =>
    log.filter(
      (c) =>
        (filter.region === undefined || c.region === filter.region) &&
        (filter.operation === undefined || c.operation === filter.operation) &&
        (filter.account === undefined || c.account === filter.account) &&
        (filter.service === undefined || c.service === filter.service),
    );

  const configure = (partial: Partial<KmsLocalConfig>): void => {
    config = { ...config, ...partial };
    if (partial.faults !== undefined) faults.restartCounts();
    if (partial.seed !== undefined) faults.reseed(partial.seed);
  };

  let connections = 0;
  const createKey = (region: string, input: Record<string, unknown> = {}, setup: KeySetup = {}) =>
    makeKey(
      context(accounts.store(setup.account ?? account), region, clock()),
      input,
      setup.keyManager ?? "CUSTOMER",
    ).KeyMetadata;
  /** The start keys, in every account listed at start (or in the default one). */
  const makeStart = (): StartKeysMade[] =>
    options.startKeys === undefined
      ? []
      : makeStartKeys(options.startKeys, options.accounts ?? [account], (region, input, of) =>
          createKey(region, input, { account: of }),
        );

  const reset = (): void => {
    connections = 0;
    accounts.clear();
    log.length = 0;
    config = { ...DEFAULTS, ...settings };
    faults = new FaultRules(config.seed);
    made = makeStart();
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendFault(res, new KmsFault("KMSInternalException", String(error), 500));
    });
  };
  // Made before the server listens: a start key KMS would refuse (a bad tag) fails the start.
  let made = makeStart();
  // Loaded only for TLS: node-forge is a CommonJS module, which only a bundle with a require() can load.
  const tls =
    options.tls === true ? await (await import("./tls.js")).makeLocalTls(options.tlsDir) : undefined;
  const server =
    tls === undefined
      ? createServer(onRequest)
      : createHttpsServer({ key: tls.key, cert: tls.cert }, onRequest);
  // An idle connection stays open for 2 minutes (Node's default is 5 s). The SDK keeps idle sockets
  // with no timeout of its own, so a client that pauses about as long as this (a poll backing off to
  // 4–8 s) can send on a socket the endpoint is closing: "socket hang up", which a test with one
  // attempt would report as a failure. KMS does not document its own idle timeout.
  server.keepAliveTimeout = 120_000;
  server.on("connection", () => (connections += 1));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  }).catch((error: unknown) => {
    tls?.remove();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
    ...(tls === undefined ? {} : { caFile: tls.caFile, caCert: tls.caCert }),
    port,
    account,
    accounts: accounts.known,
    get startKeys() {
      return made;
    },
    configure,
    reset,
    connections: () => connections,
    calls,
    callCount: (region, operation, of) => calls({ region, operation, account: of }).length,
    throttled: () => throttleCounts(log),
    keys: views,
    issued: () =>
      accounts.issued().map((s) => ({
        accessKeyId: s.accessKeyId,
        account: s.account,
        roleArn: s.roleArn,
        sessionName: s.sessionName,
        assumedRoleArn: s.assumedRoleArn,
        expiresAt: s.expiresAt,
        chained: s.chained,
      })),
    createKey,
    invoke: (region, operation, input, of = account) => invoke(accounts.store(of), region, operation, input),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          tls?.remove();
          resolve();
        });
      }),
  };
}

export { configProblems, metadataOf };
export { accessKeyIdOfRequest, parseAmzDate, regionOfRequest } from "./request.js";
export type { FaultRule, KmsLocalConfig } from "./config.js";
export type { StartKeys, StartKeysMade } from "./start-keys.js";
export type { KeyView, ThrottleCount } from "./views.js";
export type { KeyManager };
