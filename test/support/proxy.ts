// A forward proxy for tests, on 127.0.0.1: plain HTTP proxy requests (absolute-form URL, as a
// client sends them for an http:// target) and CONNECT tunnels (for an https:// target), optionally
// behind Proxy-Authorization (Basic), counting what passes through: requests and tunnels per target
// host:port, bytes each way, and what it refused. Test infrastructure, not the product: node:http
// and node:net only. It forwards to 127.0.0.1 and localhost only (`allowedHosts`) and refuses any
// other target with 403 without resolving or connecting to it: a test can never reach the Internet
// through it, and can see (refused.target) that a client tried.
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

export interface ProxyOptions {
  /** Default: a free port. */
  readonly port?: number;
  /** Require `Proxy-Authorization: Basic base64(username:password)`; 407 otherwise. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** The target hosts it forwards to (default 127.0.0.1, localhost, ::1); others get 403. */
  readonly allowedHosts?: readonly string[];
}

export interface ProxyCounts {
  /** Plain requests forwarded plus tunnels opened, per target "host:port". */
  readonly byTarget: Readonly<Record<string, number>>;
  /** Plain HTTP requests forwarded (absolute-form). */
  readonly requests: number;
  /** CONNECT tunnels opened. */
  readonly connects: number;
  /** Bytes sent to targets and received from them (bodies of plain requests, all tunnel bytes). */
  readonly bytes: { readonly toTarget: number; readonly fromTarget: number };
  /** Answered 407 (no or wrong credentials), 403 (target not allowed), 400 (not a proxy request). */
  readonly refused: { readonly auth: number; readonly target: number; readonly malformed: number };
}

/** One request the proxy received, whatever became of it. */
export interface ProxyRecord {
  readonly kind: "http" | "connect";
  readonly method: string;
  /** "host:port" of the target ("" when it could not be read). */
  readonly target: string;
  /** For a plain request: the absolute URL asked for. */
  readonly url?: string;
  /** The Proxy-Authorization the client sent: none, wrong, or right (never the credentials). */
  readonly credentials: "none" | "wrong" | "right";
  /** The proxy's answer: 200 for an open tunnel, the target's status for a plain request. */
  status: number;
}

export interface TestProxy {
  /** http://127.0.0.1:PORT, without credentials. */
  readonly url: string;
  readonly port: number;
  counts(): ProxyCounts;
  log(): ProxyRecord[];
  /** Back to zero counts and an empty log (open tunnels stay open). */
  reset(): void;
  /** Closes the listener, every client connection and every tunnel. */
  stop(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own: never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase()),
  );
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !named.has(name)),
  );
}

/** "host:port" → [host, port]; IPv6 in brackets. */
function splitTarget(target: string): [string, number] | undefined {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(target);
  if (match === null) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536
    ? [(match[1] ?? "").replace(/^\[|\]$/g, "").toLowerCase(), port]
    : undefined;
}

const targetOf = (host: string, port: number): string => `${host.includes(":") ? `[${host}]` : host}:${port}`;

interface Tally {
  byTarget: Record<string, number>;
  requests: number;
  connects: number;
  bytes: { toTarget: number; fromTarget: number };
  refused: { auth: number; target: number; malformed: number };
}

const zero = (): Tally => ({
  byTarget: {},
  requests: 0,
  connects: 0,
  bytes: { toTarget: 0, fromTarget: 0 },
  refused: { auth: 0, target: 0, malformed: 0 },
});

export async function startProxy(options: ProxyOptions = {}): Promise<TestProxy> {
  const allowed = new Set(
    (options.allowedHosts ?? ["127.0.0.1", "localhost", "::1"]).map((h) => h.toLowerCase()),
  );
  const expected =
    options.auth === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`;
  let tally = zero();
  let records: ProxyRecord[] = [];
  const sockets = new Set<Socket>();

  const credentialsOf = (req: IncomingMessage): ProxyRecord["credentials"] => {
    const given = req.headers["proxy-authorization"];
    if (given === undefined) return "none";
    return expected === undefined || given === expected ? "right" : "wrong";
  };
  /** Whether the request may pass: credentials (when required) and target; counts a refusal. */
  const admit = (record: ProxyRecord, host: string): 200 | 403 | 407 => {
    if (expected !== undefined && record.credentials !== "right") {
      tally.refused.auth += 1;
      return 407;
    }
    if (!allowed.has(host)) {
      tally.refused.target += 1;
      return 403;
    }
    tally.byTarget[record.target] = (tally.byTarget[record.target] ?? 0) + 1;
    return 200;
  };
  const REFUSALS = {
    403: "the test proxy forwards to 127.0.0.1 and localhost only",
    407: "proxy credentials required",
  } as const;

  const plain = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL | undefined;
    try {
      url = new URL(req.url ?? "");
    } catch {
      url = undefined;
    }
    const credentials = credentialsOf(req);
    if (url?.protocol !== "http:") {
      tally.refused.malformed += 1;
      records.push({
        kind: "http",
        method: req.method ?? "",
        target: "",
        url: req.url,
        credentials,
        status: 400,
      });
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end("not a proxy request: an absolute http:// URL\n");
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    const port = Number(url.port || 80);
    const record: ProxyRecord = {
      kind: "http",
      method: req.method ?? "",
      target: targetOf(host, port),
      url: url.href,
      credentials,
      status: 0,
    };
    records.push(record);
    const verdict = admit(record, host);
    if (verdict !== 200) {
      record.status = verdict;
      res
        .writeHead(verdict, {
          "content-type": "text/plain",
          ...(verdict === 407 ? { "proxy-authenticate": 'Basic realm="test proxy"' } : {}),
        })
        .end(`${REFUSALS[verdict]}\n`);
      return;
    }
    tally.requests += 1;
    const upstream = request(
      {
        host,
        port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        // RFC 9112 §3.2.2: with an absolute-form target, Host is the target's, whatever the client sent
        headers: { ...forwardable(req.headers), host: url.host },
      },
      (answer) => {
        record.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        answer.on("data", (chunk: Buffer) => (tally.bytes.fromTarget += chunk.length));
        answer.pipe(res);
      },
    );
    upstream.once("error", (error) => {
      record.status = 502;
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`the test proxy could not reach ${record.target}: ${error.message}\n`);
    });
    req.on("data", (chunk: Buffer) => (tally.bytes.toTarget += chunk.length));
    req.pipe(upstream);
  };

  const tunnel = (req: IncomingMessage, client: Socket, head: Buffer): void => {
    const credentials = credentialsOf(req);
    const split = splitTarget(req.url ?? "");
    if (split === undefined) {
      tally.refused.malformed += 1;
      records.push({ kind: "connect", method: "CONNECT", target: "", credentials, status: 400 });
      client.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      return;
    }
    const [host, port] = split;
    const record: ProxyRecord = {
      kind: "connect",
      method: "CONNECT",
      target: targetOf(host, port),
      credentials,
      status: 0,
    };
    records.push(record);
    const verdict = admit(record, host);
    if (verdict !== 200) {
      record.status = verdict;
      const challenge = verdict === 407 ? 'Proxy-Authenticate: Basic realm="test proxy"\r\n' : "";
      const reason = verdict === 407 ? "Proxy Authentication Required" : "Forbidden";
      client.end(
        `HTTP/1.1 ${verdict} ${reason}\r\n${challenge}Connection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    tally.connects += 1;
    const upstream = connect(port, host);
    sockets.add(upstream);
    upstream.once("close", () => sockets.delete(upstream));
    upstream.once("connect", () => {
      record.status = 200;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) {
        tally.bytes.toTarget += head.length;
        upstream.write(head);
      }
      client.on("data", (chunk: Buffer) => (tally.bytes.toTarget += chunk.length));
      upstream.on("data", (chunk: Buffer) => (tally.bytes.fromTarget += chunk.length));
      client.pipe(upstream).pipe(client);
    });
    upstream.once("error", () => {
      if (record.status === 0) {
        record.status = 502;
        client.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      } else {
        client.destroy();
      }
    });
    client.once("error", () => upstream.destroy());
    client.once("close", () => upstream.destroy());
  };

  const server = createServer(plain);
  server.on("connect", tunnel);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counts: () => structuredClone(tally),
    log: () => records.map((r) => ({ ...r })),
    reset: () => {
      tally = zero();
      records = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
