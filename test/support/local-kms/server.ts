// A local KMS endpoint for multi-Region keys, on 127.0.0.1, speaking the JSON 1.1 protocol the AWS
// SDKs use. One URL serves every Region of its table (partitions.ts): each request's Region comes
// from its SigV4 credential scope; a Region outside the table is answered as an endpoint that does
// not serve it answers (InvalidSignatureException "Credential should be scoped to a valid region").
// Faults can be switched on per Region and operation; every call is counted and recorded.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { DEFAULTS, configProblems, isRecord, type KmsLocalConfig } from "./config.js";
import { deleteDueKeys } from "./deletion.js";
import { KmsFault, fault } from "./errors.js";
import { OPERATIONS, makeKey, metadataOf, notPrimary } from "./operations.js";
import { isKnownRegion, partitionOf } from "./partitions.js";
import { SlidingWindowLimiter, chargesOf } from "./quotas.js";
import { Store, stateOf, type KeyManager, type KeyState } from "./store.js";

export interface KmsLocalOptions extends Partial<KmsLocalConfig> {
  readonly port?: number;
  readonly account?: string;
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

/** ThrottlingException answers per (Region, operation) of the request. */
export interface ThrottleCount {
  readonly region: string;
  readonly operation: string;
  /** All ThrottlingException answers: quota + fault. */
  readonly count: number;
  readonly quota: number;
  readonly fault: number;
}

export interface KeyView {
  readonly keyId: string;
  readonly arn: string;
  readonly region: string;
  readonly role?: "PRIMARY" | "REPLICA";
  readonly state: KeyState;
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly policy: string;
  readonly aliases: string[];
  readonly createdAt: number;
  /** Epoch ms when it left (or will leave) Creating; undefined for keys never Creating. */
  readonly settledAt?: number;
  /** Epoch ms when it leaves (or left) Updating after UpdatePrimaryRegion. */
  readonly updatingUntil?: number;
  /** PendingDeletion: epoch ms when it is gone. */
  readonly deletionDate?: number;
  /** PendingDeletion or PendingReplicaDeletion: the window ScheduleKeyDeletion was given. */
  readonly pendingWindowInDays?: number;
}

/** What a test's setup may ask of a new key beyond CreateKey's input: what KMS's API cannot make. */
export interface KeySetup {
  /**
   * "AWS": an AWS managed key, as an AWS service makes one for the account: DescribeKey shows
   * KeyManager AWS and ListKeys lists it. Single-Region only (with MultiRegion the call throws).
   * Default "CUSTOMER", as CreateKey makes.
   */
  readonly keyManager?: KeyManager;
}

export interface KmsLocal {
  /** http://127.0.0.1:PORT, or https://… with `tls`. */
  readonly url: string;
  /** With `tls`: the file that holds the CA certificate (PEM), and the certificate itself. */
  readonly caFile?: string;
  readonly caCert?: string;
  readonly port: number;
  readonly account: string;
  /** Merge settings; `faults` replaces the fault list. */
  configure(config: Partial<KmsLocalConfig>): void;
  /** Forget keys, calls and settings changed since start (back to the options given at start). */
  reset(): void;
  calls(filter?: { region?: string; operation?: string }): CallRecord[];
  /** TCP connections accepted since start or reset (a test compares them with a proxy's tunnels). */
  connections(): number;
  callCount(region?: string, operation?: string): number;
  /** ThrottlingException answers per (Region, operation), from the call log. */
  throttled(): ThrottleCount[];
  keys(region: string): KeyView[];
  /**
   * CreateKey in `region`, as a test's setup step (not counted, no quota); its KeyMetadata.
   * `setup` makes what CreateKey cannot, e.g. `{ keyManager: "AWS" }` for an AWS managed key.
   */
  createKey(region: string, input?: Record<string, unknown>, setup?: KeySetup): Record<string, unknown>;
  /** Call any operation in-process, as a test's setup step (not counted). */
  invoke(region: string, operation: string, input: Record<string, unknown>): unknown;
  stop(): Promise<void>;
}

const CONTROL = "/_kms-local/";

/** mulberry32: small, seeded, good enough to spread throttles evenly and repeatably. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The alias name in an alias ARN: `arn:aws:kms:eu-west-1:111122223333:alias/app` → `alias/app`. */
const ALIAS_ARN = /^arn:[^:]*:kms:[^:]*:[^:]*:(alias\/.+)$/;

/** The key ID in a key ARN (of any Region: the part after `key/`); anything else as it is. */
function keyIdIn(ref: string): string {
  return /^arn:[^:]*:kms:[^:]*:[^:]*:key\/(.+)$/.exec(ref)?.[1] ?? ref;
}

/** The Region of a SigV4-signed request: `Credential=AKID/20261122/eu-west-1/kms/aws4_request`. */
export function regionOfRequest(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\/kms\/aws4_request/.exec(authorization ?? "")?.[1];
}

/** The access key ID of a SigV4-signed request (the part of Credential= before the date). */
export function accessKeyIdOfRequest(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? "")?.[1];
}

/** `20261122T101500Z` (the X-Amz-Date header) → epoch ms. */
export function parseAmzDate(value: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
  if (m === null) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

const amzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");

/** KMS refuses a request signed more than this far from its own clock. */
const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** The config part of the start options (without port, account, clock and TLS). */
function settingsOf(options: KmsLocalOptions): Partial<KmsLocalConfig> {
  const settings: Record<string, unknown> = { ...options };
  for (const key of ["port", "account", "now", "tls", "tlsDir"]) delete settings[key];
  return settings;
}

export async function startKmsLocal(options: KmsLocalOptions = {}): Promise<KmsLocal> {
  const account = options.account ?? "111122223333";
  const clock = options.now ?? Date.now;
  const settings = settingsOf(options);
  let config: KmsLocalConfig = { ...DEFAULTS, ...settings };
  const store = new Store(account, clock, (region) => partitionOf(region, config.regionPartitions));
  /** In the endpoint's table, or one of a test's invented Regions (regionPartitions). */
  const regionKnown = (region: string): boolean =>
    isKnownRegion(region) || config.regionPartitions[region] !== undefined;
  const limiter = new SlidingWindowLimiter();
  // Counters of counted fault rules, by rule index; reset with each configure().
  let used = new Map<
    number,
    {
      throttle: number;
      internal: number;
      drop: number;
      stall: number;
      processThenDrop: number;
      notPrimary: number;
      expiredToken: number;
      invalidToken: number;
    }
  >();
  let random = seededRandom(config.seed);
  const log: CallRecord[] = [];
  // The log holds one copy of each Region, operation and access key ID, not one per call (each
  // would otherwise keep its request's Authorization header alive): a fleet makes 100,000s of calls.
  const texts = new Map<string, string>();
  const shared = (text: string): string => {
    const known = texts.get(text);
    if (known !== undefined) return known;
    texts.set(text, text);
    return text;
  };

  const context = (region: string, now: number) => ({
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
    region: string,
    operation: string,
    input: Record<string, unknown>,
    now = clock(),
  ): unknown => {
    const handler = OPERATIONS[operation];
    if (handler === undefined) throw fault.unknownOperation(operation);
    // The keys whose deletion date has passed are gone before the request sees the store.
    deleteDueKeys(store, now);
    return handler(context(region, now), input);
  };

  type Decision = {
    latencyMs: number;
    answerDelayMs: number;
    drop: boolean;
    stall: boolean;
    processThenDrop: boolean;
    notPrimary: boolean;
    error?: KmsFault;
  };
  /** A counted rule (`{count}`) that has uses left, or an every-call rule (`true`). */
  const applies = (rule: { readonly count: number } | true | undefined, usedSoFar: number): boolean =>
    rule === true || (rule !== undefined && usedSoFar < rule.count);
  /** The key IDs a request names in KeyId and TargetKeyId (aliases as they point in `region` now). */
  const keysNamed = (region: string, input: unknown): string[] => {
    if (!isRecord(input)) return [];
    return [input.KeyId, input.TargetKeyId].flatMap((ref) => {
      if (typeof ref !== "string") return [];
      const alias = ref.startsWith("alias/") ? ref : ALIAS_ARN.exec(ref)?.[1];
      if (alias === undefined) return [keyIdIn(ref)];
      const target = store.region(region).aliases.get(alias)?.targetKeyId;
      return target === undefined ? [] : [target];
    });
  };
  const decide = (region: string, operation: string, input: unknown): Decision => {
    const decision: Decision = {
      latencyMs: 0,
      answerDelayMs: 0,
      drop: false,
      stall: false,
      processThenDrop: false,
      notPrimary: false,
    };
    if (config.disabledRegions.includes(region)) decision.error = fault.unrecognizedClient();
    let named: string[] | undefined;
    config.faults.forEach((rule, index) => {
      if (rule.region !== undefined && rule.region !== region) return;
      if (rule.operation !== undefined && rule.operation !== operation) return;
      if (rule.keyId !== undefined && !(named ??= keysNamed(region, input)).includes(keyIdIn(rule.keyId)))
        return;
      decision.latencyMs += rule.latencyMs ?? 0;
      decision.answerDelayMs += rule.answerDelayMs ?? 0;
      if (
        decision.error !== undefined ||
        decision.drop ||
        decision.stall ||
        decision.processThenDrop ||
        decision.notPrimary
      )
        return;
      const count = used.get(index) ?? {
        throttle: 0,
        internal: 0,
        drop: 0,
        stall: 0,
        processThenDrop: 0,
        notPrimary: 0,
        expiredToken: 0,
        invalidToken: 0,
      };
      used.set(index, count);
      if (rule.accessDenied === true) {
        const resource = `key/${rule.keyId === undefined ? "*" : keyIdIn(rule.keyId)}`;
        decision.error = fault.accessDenied(account, operation, store.region(region).arnOf(resource));
      } else if (rule.dropConnection !== undefined && count.drop < rule.dropConnection.count) {
        count.drop += 1;
        decision.drop = true;
      } else if (applies(rule.stall, count.stall)) {
        count.stall += 1;
        decision.stall = true;
      } else if (applies(rule.processThenDrop, count.processThenDrop)) {
        count.processThenDrop += 1;
        decision.processThenDrop = true;
      } else if (rule.notPrimary !== undefined && count.notPrimary < rule.notPrimary.count) {
        count.notPrimary += 1;
        decision.notPrimary = true;
      } else if (
        rule.expiredImportToken !== undefined &&
        count.expiredToken < rule.expiredImportToken.count
      ) {
        count.expiredToken += 1;
        decision.error = fault.expiredImportToken();
      } else if (
        rule.invalidImportToken !== undefined &&
        count.invalidToken < rule.invalidImportToken.count
      ) {
        count.invalidToken += 1;
        decision.error = fault.invalidImportToken();
      } else if (rule.internalError !== undefined && count.internal < rule.internalError.count) {
        count.internal += 1;
        decision.error = fault.internal();
      } else if (rule.throttle !== undefined) {
        const byCount = rule.throttle.count !== undefined && count.throttle < rule.throttle.count;
        const byRate = rule.throttle.rate !== undefined && random() < rule.throttle.rate;
        if (byCount || byRate) {
          count.throttle += 1;
          decision.error = fault.throttling();
        }
      }
    });
    return decision;
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
    if (path === "calls") return send(res, 200, log);
    if (path === "throttled") return send(res, 200, throttled());
    if (path === "keys") return send(res, 200, views(url.searchParams.get("region") ?? "us-east-1"));
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

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (req.url?.startsWith(CONTROL) === true) {
      const url = new URL(req.url, "http://127.0.0.1");
      return control(url.pathname.slice(CONTROL.length), url, text, res);
    }

    const region = regionOfRequest(req.headers.authorization);
    const target = req.headers["x-amz-target"];
    const operation = typeof target === "string" ? target.replace(/^TrentService\./, "") : "";
    const accessKeyId = accessKeyIdOfRequest(req.headers.authorization);
    const call: CallRecord = {
      region: shared(region ?? "-"),
      operation: shared(operation),
      at: clock(),
      status: 0,
      ...(accessKeyId !== undefined ? { accessKeyId: shared(accessKeyId) } : {}),
    };
    log.push(call);
    if (region === undefined) {
      call.status = 400;
      call.errorType = "UnrecognizedClientException";
      return sendFault(
        res,
        new KmsFault("UnrecognizedClientException", "Missing or unsigned Authorization header."),
      );
    }
    if (!regionKnown(region)) {
      // A Region outside the table: the answer of an endpoint that does not serve it (errors.ts).
      const notServed = fault.regionNotServed(region);
      call.status = notServed.status;
      call.errorType = notServed.type;
      return sendFault(res, notServed);
    }
    const signedAt = parseAmzDate(headerOf(req, "x-amz-date"));
    const now = Date.now() + config.clockSkewMs;
    if (
      config.clockSkewMs !== 0 &&
      signedAt !== undefined &&
      Math.abs(now - signedAt) > SIGNATURE_WINDOW_MS
    ) {
      call.status = 400;
      call.errorType = "InvalidSignatureException";
      const earliest = amzDate(now - SIGNATURE_WINDOW_MS);
      return sendFault(
        res,
        new KmsFault(
          "InvalidSignatureException",
          signedAt < now
            ? `Signature expired: ${amzDate(signedAt)} is now earlier than ${earliest} (${amzDate(now)} - 5 min.)`
            : `Signature not yet current: ${amzDate(signedAt)} is still later than ${amzDate(now + SIGNATURE_WINDOW_MS)} (${amzDate(now)} + 5 min.)`,
        ),
      );
    }
    let input: Record<string, unknown> = {};
    let unreadable: Error | undefined;
    try {
      if (text !== "") input = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      unreadable = error as SyntaxError;
    }
    const decision = decide(region, operation, input);
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
        const exceeded = limiter.tryAdmit(chargesOf(operation, region, input), call.at, {
          scale: config.quotaScale,
          overrides: config.quotaOverrides,
        });
        if (exceeded !== undefined) {
          call.throttledBy = "quota";
          call.quotaExceeded = { operation: exceeded.operation, region: exceeded.region };
          throw fault.throttling();
        }
      }
      if (decision.notPrimary) throw notPrimary(requestedArn(region, input.KeyId));
      // Most handlers answer at once; GetParametersForImport makes an RSA key pair first.
      const output = (await invoke(region, operation, input, call.at)) as Record<string, unknown>;
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

  const headerOf = (req: IncomingMessage, name: string): string | undefined => {
    const value = req.headers[name];
    return typeof value === "string" ? value : undefined;
  };

  /** The ARN a request's KeyId names (a key ID is made an ARN of `region`). */
  const requestedArn = (region: string, keyId: unknown): string => {
    const ref = typeof keyId === "string" ? keyId : "";
    return ref.startsWith("arn:") ? ref : store.region(region).arnOf(`key/${ref}`);
  };

  const throttled = (): ThrottleCount[] => {
    const counts = new Map<string, { region: string; operation: string; quota: number; fault: number }>();
    for (const call of log) {
      if (call.errorType !== "ThrottlingException") continue;
      const id = `${call.region} ${call.operation}`;
      const count = counts.get(id) ?? { region: call.region, operation: call.operation, quota: 0, fault: 0 };
      if (call.throttledBy === "quota") count.quota += 1;
      else count.fault += 1;
      counts.set(id, count);
    }
    return [...counts.values()].map((c) => ({ ...c, count: c.quota + c.fault }));
  };

  const views = (region: string): KeyView[] => {
    const regionStore = store.region(region);
    const now = clock();
    deleteDueKeys(store, now);
    const aliasesOf = new Map<string, string[]>();
    for (const alias of regionStore.aliases.values()) {
      const names = aliasesOf.get(alias.targetKeyId);
      if (names === undefined) aliasesOf.set(alias.targetKeyId, [alias.name]);
      else names.push(alias.name);
    }
    return [...regionStore.keys.values()].map((key) => ({
      keyId: key.keyId,
      arn: key.arn,
      region: key.region,
      role: key.role,
      state: stateOf(key, now),
      description: key.description,
      tags: Object.fromEntries(key.tags),
      policy: key.policy,
      aliases: aliasesOf.get(key.keyId) ?? [],
      createdAt: key.createdAt,
      settledAt: key.creatingUntil,
      ...(key.updatingUntil !== undefined ? { updatingUntil: key.updatingUntil } : {}),
      ...(key.deletionDate !== undefined ? { deletionDate: key.deletionDate } : {}),
      ...(key.pendingWindowInDays !== undefined ? { pendingWindowInDays: key.pendingWindowInDays } : {}),
    }));
  };

  const configure = (partial: Partial<KmsLocalConfig>): void => {
    config = { ...config, ...partial };
    if (partial.faults !== undefined) used = new Map();
    if (partial.seed !== undefined) random = seededRandom(partial.seed);
  };

  let connections = 0;
  const reset = (): void => {
    connections = 0;
    store.clear();
    log.length = 0;
    limiter.clear();
    config = { ...DEFAULTS, ...settings };
    used = new Map();
    random = seededRandom(config.seed);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendFault(res, new KmsFault("KMSInternalException", String(error), 500));
    });
  };
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
    configure,
    reset,
    connections: () => connections,
    calls: (filter = {}) =>
      log.filter(
        (c) =>
          (filter.region === undefined || c.region === filter.region) &&
          (filter.operation === undefined || c.operation === filter.operation),
      ),
    callCount: (region, operation) =>
      log.filter(
        (c) =>
          (region === undefined || c.region === region) &&
          (operation === undefined || c.operation === operation),
      ).length,
    throttled,
    keys: views,
    createKey: (region, input = {}, setup = {}) =>
      makeKey(context(region, clock()), input, setup.keyManager ?? "CUSTOMER").KeyMetadata,
    invoke,
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
export type { FaultRule, KmsLocalConfig } from "./config.js";
export type { KeyManager };
