// The endpoint over TLS (`tls: true`, `--tls`): a CA made at start, a server certificate for
// 127.0.0.1 and localhost, the CA in a file; a client that trusts that CA gets through, one that
// does not fails on the certificate.
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKmsLocal, type KmsLocal } from "./server.js";

interface Answer {
  status: number;
  body: string;
}

/** GET `url` over https, trusting `ca` only (undefined: Node's own roots), as `servername`. */
function httpsGet(url: string, ca?: string, servername?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, servername, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

/** The error a request failed with: its code (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE). */
async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as NodeJS.ErrnoException,
  );
  if (error === undefined) throw new Error("expected the request to fail, but it succeeded");
  return String(error.code);
}

describe("startKmsLocal({ tls: true })", () => {
  let server: KmsLocal;
  beforeAll(async () => {
    server = await startKmsLocal({ tls: true });
  });
  afterAll(() => server.stop());

  it("serves https on 127.0.0.1 and writes its CA certificate to the file it reports", () => {
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    expect(server.caFile).toMatch(/kms-local-tls-[^/]+\/ca\.pem$/);
    expect(readFileSync(server.caFile ?? "", "utf8")).toBe(server.caCert);
    expect(server.caCert).toMatch(/^-----BEGIN CERTIFICATE-----\r?\n/);
  });

  it("answers a client that trusts the CA, as 127.0.0.1 and as localhost", async () => {
    const calls = `${server.url}/_kms-local/calls`;
    expect(await httpsGet(calls, server.caCert)).toEqual({ status: 200, body: "[]" });
    expect(await httpsGet(calls, server.caCert, "localhost")).toEqual({ status: 200, body: "[]" });
  });

  it("fails on the certificate for a client that does not trust the CA, or expects another name", async () => {
    const calls = `${server.url}/_kms-local/calls`;
    expect(await failure(httpsGet(calls))).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(await failure(httpsGet(calls, server.caCert, "kms.us-east-1.amazonaws.com"))).toBe(
      "ERR_TLS_CERT_ALTNAME_INVALID",
    );
  });

  it("makes a CA and a server certificate as a client expects: signed by the CA, for 127.0.0.1 and localhost, valid now", async () => {
    const ca = new X509Certificate(server.caCert ?? "");
    const leaf = await presentedCertificate(server);
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(leaf.subjectAltName).toBe("IP Address:127.0.0.1, DNS:localhost");
    expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // serverAuth
    for (const cert of [ca, leaf]) {
      expect(Date.parse(cert.validFrom)).toBeLessThan(Date.now());
      expect(Date.parse(cert.validTo)).toBeGreaterThan(Date.now() + 7 * 24 * 3_600_000);
    }
  });

  it("speaks KMS to an AWS SDK client given the CA", async () => {
    const key = server.createKey("eu-west-1", { MultiRegion: true });
    const client = new KMSClient({
      endpoint: server.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: server.caCert }) }),
    });
    try {
      const answer = await client.send(new DescribeKeyCommand({ KeyId: String(key.KeyId) }));
      expect(answer.KeyMetadata?.Arn).toBe(key.Arn);
      expect(server.calls().map((c) => [c.region, c.operation, c.status])).toEqual([
        ["eu-west-1", "DescribeKey", 200],
      ]);
    } finally {
      client.destroy();
    }
  });
});

/** The certificate the endpoint presents in the TLS handshake (to a client that trusts its CA). */
function presentedCertificate(server: KmsLocal): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: server.port, ca: server.caCert }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert === undefined) reject(new Error("no certificate presented"));
      else resolve(cert);
    });
    socket.once("error", reject);
  });
}

describe("a CA per start", () => {
  it("makes a new CA each start: another start's CA is not trusted; stop() removes the CA's folder", async () => {
    const first = await startKmsLocal({ tls: true });
    const second = await startKmsLocal({ tls: true });
    try {
      expect(first.caCert).not.toBe(second.caCert);
      expect(await failure(httpsGet(`${second.url}/_kms-local/calls`, first.caCert))).toBe(
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      );
    } finally {
      await first.stop();
      await second.stop();
    }
    expect(existsSync(dirname(first.caFile ?? ""))).toBe(false);
    expect(existsSync(dirname(second.caFile ?? ""))).toBe(false);
  });

  it("writes the CA to tlsDir/ca.pem when given, and leaves it there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kms-local-tls-dir-"));
    try {
      const server = await startKmsLocal({ tls: true, tlsDir: dir });
      expect(server.caFile).toBe(join(dir, "ca.pem"));
      await server.stop();
      expect(readFileSync(join(dir, "ca.pem"), "utf8")).toBe(server.caCert);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stays http without tls: no CA", async () => {
    const server = await startKmsLocal();
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect(server.caFile).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});

describe("kms-local --tls, built from main.ts", () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kms-local-"));
    bundle = join(dir, "kms-local.mjs");
    await build({
      entryPoints: [fileURLToPath(new URL("main.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outfile: bundle,
      logLevel: "warning",
      // node-forge is CommonJS and requires Node's built-ins (as in scripts/build.mjs)
      banner: {
        js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
      },
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the https URL and the CA certificate's file; a client with that CA gets through", async () => {
    const child = spawn(process.execPath, [bundle, "--port", "0", "--tls"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const output: string[] = [];
      await new Promise<void>((resolve, reject) => {
        lines.on("line", (line) => {
          output.push(line);
          if (output.length === 2) resolve();
        });
        child.once("exit", (code) => reject(new Error(`kms-local exited with ${code}`)));
      });
      lines.close();
      const url = /^kms-local listening on (https:\/\/127\.0\.0\.1:\d+)$/.exec(output[0] ?? "")?.[1] ?? "";
      const caFile = /^kms-local CA certificate in (\S+) \(for AWS_CA_BUNDLE or --ca-bundle\)$/.exec(
        output[1] ?? "",
      );
      expect(url, output.join("\n")).not.toBe("");
      const ca = readFileSync(caFile?.[1] ?? "", "utf8");
      expect(await httpsGet(`${url}/_kms-local/calls`, ca)).toEqual({ status: 200, body: "[]" });
      expect(await failure(httpsGet(`${url}/_kms-local/calls`))).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      // SIGTERM: the endpoint stops and removes the CA's temporary folder
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      expect(existsSync(dirname(caFile?.[1] ?? ""))).toBe(false);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("--tls-dir without --tls, or a folder that does not exist, is a usage error (exit 2)", async () => {
    for (const [args, problem] of [
      [["--tls-dir", dir], "--tls-dir goes with --tls"],
      [["--tls", "--tls-dir", join(dir, "nope")], "is not a folder that exists"],
    ] as const) {
      const child = spawn(process.execPath, [bundle, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect([code, stderr]).toEqual([2, expect.stringContaining(problem)]);
    }
  });
});
