// The test proxy (proxy.ts) in front of the local KMS endpoint: a plain HTTP proxy request to the
// http endpoint, a CONNECT tunnel to the TLS endpoint (raw, and an AWS SDK client's KMS call
// through it), credentials required and refused, targets other than 127.0.0.1 refused unreached.
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { request, type IncomingHttpHeaders } from "node:http";
import { Agent, request as httpsRequest, type AgentOptions, type RequestOptions } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startKmsLocal, type KmsLocal } from "./local-kms/server.js";
import { startProxy, type TestProxy } from "./proxy.js";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain proxy request: `method target` (absolute URL) sent to the proxy, as a client does for http://. */
function viaProxy(
  proxy: TestProxy,
  method: string,
  target: string,
  options: { body?: string; proxyAuthorization?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.proxyAuthorization !== undefined) headers["proxy-authorization"] = options.proxyAuthorization;
    const req = request(
      { host: "127.0.0.1", port: proxy.port, method, path: target, headers, agent: false },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.once("error", reject);
    req.end(options.body);
  });
}

/** CONNECT target through the proxy: the proxy's status, and the tunnel's socket when it is 200. */
function openTunnel(
  proxy: TestProxy,
  target: string,
  proxyAuthorization?: string,
): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const headers = proxyAuthorization === undefined ? {} : { "proxy-authorization": proxyAuthorization };
    const req = request({
      host: "127.0.0.1",
      port: proxy.port,
      method: "CONNECT",
      path: target,
      headers,
      agent: false,
    });
    req.once("connect", (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.once("error", reject);
    req.end();
  });
}

/** An https Agent whose connections are tunnels through the proxy (CONNECT host:port, then TLS). */
class TunnelAgent extends Agent {
  constructor(
    private readonly proxy: TestProxy,
    options: AgentOptions,
  ) {
    super(options);
  }

  /** The Agent calls back with the connection when it is made asynchronously (returns undefined). */
  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    // Node reads no stream when there is an error (_http_agent.js oncreate), but the type wants one.
    const done = (error: Error | null, socket?: Duplex): void => callback?.(error, socket as Duplex);
    openTunnel(this.proxy, `${options.host}:${options.port}`).then(
      ({ status, socket }) => {
        if (status !== 200) {
          socket.destroy();
          return done(new Error(`the proxy answered CONNECT with ${status}`));
        }
        done(
          null,
          tlsConnect({ ...(options as ConnectionOptions), host: options.host ?? undefined, socket }),
        );
      },
      (error: Error) => done(error),
    );
    return undefined;
  }
}

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

let http: KmsLocal;
let https: KmsLocal;
let proxy: TestProxy;
beforeAll(async () => {
  [http, https, proxy] = await Promise.all([startKmsLocal(), startKmsLocal({ tls: true }), startProxy()]);
});
afterAll(async () => {
  await Promise.all([http.stop(), https.stop(), proxy.stop()]);
});
beforeEach(() => {
  proxy.reset();
  http.reset();
  https.reset();
});

describe("a plain HTTP proxy request (absolute-form URL)", () => {
  it("reaches the http endpoint, both ways, and is counted per target", async () => {
    // GIVEN a setting posted through the proxy (a body to the target), then read back
    const config = JSON.stringify({ creatingDelayMs: 1234 });
    const posted = await viaProxy(proxy, "POST", `${http.url}/_kms-local/config`, { body: config });
    expect(posted.status).toBe(200);
    const calls = await viaProxy(proxy, "GET", `${http.url}/_kms-local/calls`);
    // THEN both passed, and the endpoint holds the setting
    expect(calls).toMatchObject({ status: 200, body: "[]" });
    const key = http.createKey("us-east-1", { MultiRegion: true });
    http.invoke("us-east-1", "ReplicateKey", { KeyId: key.KeyId, ReplicaRegion: "eu-west-1" });
    expect(http.keys("eu-west-1")[0]?.state).toBe("Creating");
    const counts = proxy.counts();
    expect(counts.byTarget).toEqual({ [`127.0.0.1:${http.port}`]: 2 });
    expect(counts.requests).toBe(2);
    expect(counts.connects).toBe(0);
    expect(counts.bytes.toTarget).toBe(Buffer.byteLength(config));
    expect(counts.bytes.fromTarget).toBe(Buffer.byteLength(posted.body) + Buffer.byteLength(calls.body));
    expect(proxy.log()).toEqual([
      expect.objectContaining({ kind: "http", method: "POST", credentials: "none", status: 200 }),
      expect.objectContaining({
        kind: "http",
        method: "GET",
        url: `${http.url}/_kms-local/calls`,
        status: 200,
      }),
    ]);
  });

  it("answers 502 when the target does not answer, and 400 for a request that is not a proxy request", async () => {
    const closed = await startKmsLocal();
    const gone = closed.url;
    await closed.stop();
    expect((await viaProxy(proxy, "GET", `${gone}/_kms-local/calls`)).status).toBe(502);
    expect((await viaProxy(proxy, "GET", "/_kms-local/calls")).status).toBe(400);
    expect(proxy.counts().refused.malformed).toBe(1);
  });

  it("refuses a target other than 127.0.0.1 and localhost with 403, without reaching it", async () => {
    const answer = await viaProxy(proxy, "GET", "http://kms.us-east-1.amazonaws.com/");
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("127.0.0.1 and localhost only");
    expect(proxy.counts()).toMatchObject({ byTarget: {}, requests: 0, refused: { target: 1 } });
  });
});

describe("a CONNECT tunnel", () => {
  it("carries TLS to the https endpoint: the client checks the endpoint's certificate through it", async () => {
    const { status, socket } = await openTunnel(proxy, `127.0.0.1:${https.port}`);
    expect(status).toBe(200);
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = httpsRequest(
        `${https.url}/_kms-local/calls`,
        // no agent: the request goes over this connection, the tunnel
        { createConnection: () => tlsConnect({ socket, ca: https.caCert, host: "127.0.0.1" }) },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.once("error", reject);
      req.end();
    });
    expect(answer).toMatchObject({ status: 200, body: "[]" });
    const counts = proxy.counts();
    expect(counts).toMatchObject({ byTarget: { [`127.0.0.1:${https.port}`]: 1 }, connects: 1, requests: 0 });
    // the TLS handshake and the request passed through as bytes the proxy cannot read
    expect(counts.bytes.toTarget).toBeGreaterThan(200);
    expect(counts.bytes.fromTarget).toBeGreaterThan(https.caCert?.length ?? 0);
  });

  it("carries an AWS SDK client's KMS calls: the endpoint and the proxy both saw each one", async () => {
    const key = https.createKey("eu-west-1", { MultiRegion: true });
    const agent = new TunnelAgent(proxy, { ca: https.caCert, keepAlive: false });
    const client = new KMSClient({
      endpoint: https.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    });
    try {
      for (let i = 0; i < 3; i += 1) {
        const answer = await client.send(new DescribeKeyCommand({ KeyId: String(key.KeyId) }));
        expect(answer.KeyMetadata?.Arn).toBe(key.Arn);
      }
    } finally {
      client.destroy();
      agent.destroy();
    }
    expect(https.calls().map((c) => [c.region, c.operation, c.status])).toEqual(
      Array.from({ length: 3 }, () => ["eu-west-1", "DescribeKey", 200]),
    );
    expect(proxy.counts()).toMatchObject({ byTarget: { [`127.0.0.1:${https.port}`]: 3 }, connects: 3 });
  });

  it("fails the client's certificate check when the client does not trust the endpoint's CA", async () => {
    const { socket } = await openTunnel(proxy, `127.0.0.1:${https.port}`);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const tls = tlsConnect({ socket, host: "127.0.0.1" });
      tls.once("error", resolve);
      tls.once("secureConnect", () => resolve(Object.assign(new Error("connected"), { code: "CONNECTED" })));
    });
    expect(error.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("answers 502 for a port nobody listens on, 403 for another host (unreached), 400 for a bad target", async () => {
    const closed = await startKmsLocal();
    const port = closed.port;
    await closed.stop();
    expect((await openTunnel(proxy, `127.0.0.1:${port}`)).status).toBe(502);
    expect((await openTunnel(proxy, "kms.us-east-1.amazonaws.com:443")).status).toBe(403);
    expect((await openTunnel(proxy, "no-port")).status).toBe(400);
    expect(proxy.counts()).toMatchObject({ connects: 1, refused: { target: 1, malformed: 1, auth: 0 } });
  });
});

describe("with credentials required (Proxy-Authorization: Basic)", () => {
  let guarded: TestProxy;
  beforeAll(async () => {
    guarded = await startProxy({ auth: { username: "proxy-user", password: "p@ss:word" } });
  });
  afterAll(() => guarded.stop());
  beforeEach(() => guarded.reset());

  it("answers 407 with a Basic challenge without credentials or with wrong ones, and passes the right ones", async () => {
    const target = `${http.url}/_kms-local/calls`;
    const none = await viaProxy(guarded, "GET", target);
    expect(none.status).toBe(407);
    expect(none.headers["proxy-authenticate"]).toBe('Basic realm="test proxy"');
    const wrong = await viaProxy(guarded, "GET", target, { proxyAuthorization: basic("proxy-user", "nope") });
    expect(wrong.status).toBe(407);
    const right = await viaProxy(guarded, "GET", target, {
      proxyAuthorization: basic("proxy-user", "p@ss:word"),
    });
    expect(right).toMatchObject({ status: 200, body: "[]" });
    expect(guarded.counts()).toMatchObject({ requests: 1, refused: { auth: 2 } });
    expect(guarded.log().map((r) => [r.credentials, r.status])).toEqual([
      ["none", 407],
      ["wrong", 407],
      ["right", 200],
    ]);
  });

  it("refuses a CONNECT without the right credentials (407), opens it with them", async () => {
    const target = `127.0.0.1:${https.port}`;
    expect((await openTunnel(guarded, target)).status).toBe(407);
    expect((await openTunnel(guarded, target, basic("proxy-user", "wrong"))).status).toBe(407);
    const open = await openTunnel(guarded, target, basic("proxy-user", "p@ss:word"));
    expect(open.status).toBe(200);
    open.socket.destroy();
    expect(guarded.counts()).toMatchObject({ connects: 1, byTarget: { [target]: 1 }, refused: { auth: 2 } });
  });

  it("never forwards Proxy-Authorization to the target", async () => {
    // GIVEN a target that answers with the headers it received
    const { createServer } = await import("node:http");
    const echo = createServer((req, res) => res.end(JSON.stringify(req.headers)));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = echo.address() as { port: number };
      const answer = await viaProxy(guarded, "GET", `http://127.0.0.1:${port}/`, {
        proxyAuthorization: basic("proxy-user", "p@ss:word"),
      });
      const received = JSON.parse(answer.body) as Record<string, string>;
      expect(received["proxy-authorization"]).toBeUndefined();
      expect(received.host).toBe(`127.0.0.1:${port}`);
    } finally {
      echo.close();
    }
  });
});

describe("reset()", () => {
  it("zeroes the counts and empties the log", async () => {
    await viaProxy(proxy, "GET", `${http.url}/_kms-local/calls`);
    expect(proxy.counts().requests).toBe(1);
    proxy.reset();
    expect(proxy.counts()).toEqual({
      byTarget: {},
      requests: 0,
      connects: 0,
      bytes: { toTarget: 0, fromTarget: 0 },
      refused: { auth: 0, target: 0, malformed: 0 },
    });
    expect(proxy.log()).toEqual([]);
  });
});
