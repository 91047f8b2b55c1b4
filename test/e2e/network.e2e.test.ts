// How the built bin reaches KMS from a corporate network (docs/network.md): through an HTTP proxy
// to the http endpoint, through a CONNECT proxy to the TLS endpoint, with proxy credentials,
// NO_PROXY, a private CA (AWS_CA_BUNDLE, --ca-bundle, the profile's ca_bundle, --no-verify-ssl),
// and the AWS CLI's configured endpoints. Nothing leaves 127.0.0.1: the test proxy forwards there
// only, and every "would-be AWS" endpoint is a closed local port.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startKmsLocal, type KmsLocal } from "../support/local-kms/server.js";
import { startProxy, type TestProxy } from "../support/proxy.js";
import { runCli, useLocalKms, type CliRun } from "./run-cli.js";

const plain = useLocalKms({});
let secure: KmsLocal;
let proxy: TestProxy;
let guarded: TestProxy;
/** A port nothing listens on: where a call that should not happen would go. */
let closed: string;
const PASSWORD = "s3cret-Pa55word";
const dir = mkdtempSync(join(tmpdir(), "kms-replicate-network-"));

beforeAll(async () => {
  secure = await startKmsLocal({ tls: true });
  proxy = await startProxy();
  guarded = await startProxy({ auth: { username: "alice", password: PASSWORD } });
  const gone = await startKmsLocal();
  closed = gone.url;
  await gone.stop();
});
afterAll(async () => {
  await Promise.all([secure.stop(), proxy.stop(), guarded.stop()]);
});
beforeEach(() => {
  secure.reset();
  proxy.reset();
  guarded.reset();
});

/** `status` of a new primary in us-east-1 of `endpoint`, as JSON. */
async function status(
  endpoint: KmsLocal,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const arn = String(endpoint.createKey("us-east-1", { MultiRegion: true }).Arn);
  return runCli(["status", "--key", arn, "-o", "json", ...args], { env });
}

const target = (endpoint: KmsLocal): string => `127.0.0.1:${endpoint.port}`;

describe("proxies", () => {
  it("HTTP_PROXY: every call to the http endpoint goes through the proxy as an absolute-form request", async () => {
    // WHEN
    const run = await status(plain(), ["--endpoint-url", plain().url], { HTTP_PROXY: proxy.url });
    // THEN
    expect(run.code, run.stderr).toBe(0);
    const calls = plain().calls().length;
    expect(calls).toBeGreaterThan(0);
    expect(proxy.counts().requests).toBe(calls);
    expect(proxy.counts().byTarget).toEqual({ [target(plain())]: calls });
    expect(proxy.log().every((r) => r.url?.startsWith(`${plain().url}/`))).toBe(true);
  });

  it("HTTPS_PROXY + AWS_CA_BUNDLE: every connection to the TLS endpoint is a CONNECT tunnel of the proxy", async () => {
    // WHEN
    const run = await status(secure, ["--endpoint-url", secure.url], {
      HTTPS_PROXY: proxy.url,
      AWS_CA_BUNDLE: String(secure.caFile),
    });
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(secure.calls().length).toBeGreaterThan(0);
    expect(proxy.counts().connects).toBeGreaterThan(0);
    expect(secure.connections()).toBe(proxy.counts().connects);
    expect(proxy.counts().byTarget).toEqual({ [target(secure)]: proxy.counts().connects });
  });

  it("lowercase https_proxy wins over HTTPS_PROXY, as in the AWS CLI", async () => {
    // GIVEN HTTPS_PROXY points nowhere; https_proxy at the proxy
    const run = await status(secure, ["--endpoint-url", secure.url], {
      HTTPS_PROXY: closed,
      https_proxy: proxy.url,
      AWS_CA_BUNDLE: String(secure.caFile),
    });
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(secure.connections()).toBe(proxy.counts().connects);
  });

  it("a proxy that wants credentials: 407 without them (not retried), the calls with them; the password never shown", async () => {
    // WHEN without credentials
    const refused = await status(plain(), ["--endpoint-url", plain().url], { HTTP_PROXY: guarded.url });
    // THEN
    expect(refused.code).toBe(1);
    expect(refused.json?.error?.name).toBe("ProxyAuthenticationRequired");
    expect(refused.stderr).toContain("needs credentials (HTTP 407)");
    expect(guarded.counts().refused.auth).toBe(1);
    expect(plain().calls()).toEqual([]);
    guarded.reset();

    // WHEN with them, over CONNECT and plain, with --debug
    const url = guarded.url.replace("http://", `http://alice:${PASSWORD}@`);
    const tunnelled = await status(secure, ["--endpoint-url", secure.url, "--debug"], {
      HTTPS_PROXY: url,
      AWS_CA_BUNDLE: String(secure.caFile),
    });
    const forwarded = await status(plain(), ["--endpoint-url", plain().url, "--debug"], { HTTP_PROXY: url });
    // THEN
    for (const run of [tunnelled, forwarded]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain("[debug] proxy for");
      expect(run.stderr).toContain("http://***@127.0.0.1:");
      expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
    }
    expect(guarded.log().every((r) => r.credentials === "right")).toBe(true);
    expect(secure.connections()).toBe(guarded.counts().connects);
  });

  it.each([
    ["127.0.0.1", "the host"],
    ["localhost,127.0.0.1:PORT", "its host:port"],
    [".0.0.1", "a domain suffix with a leading dot"],
    ["*", "*"],
  ])("NO_PROXY=%s (%s): straight to the endpoint, the proxy sees nothing", async (noProxy) => {
    // WHEN
    const run = await status(plain(), ["--endpoint-url", plain().url], {
      HTTP_PROXY: proxy.url,
      NO_PROXY: noProxy.replace("PORT", String(plain().port)),
    });
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(plain().calls().length).toBeGreaterThan(0);
    expect(proxy.log()).toEqual([]);
  });

  it("NO_PROXY naming another port does not bypass", async () => {
    const run = await status(plain(), ["--endpoint-url", plain().url], {
      HTTP_PROXY: proxy.url,
      NO_PROXY: `127.0.0.1:${plain().port + 1}`,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(proxy.counts().requests).toBe(plain().calls().length);
  });
});

describe("certificates", () => {
  it("a CA not trusted: one clear message naming the endpoint and the CA options, exit 1, not retried", async () => {
    // WHEN
    const run = await status(secure, ["--endpoint-url", secure.url, "--debug"]);
    // THEN
    expect(run.code).toBe(1);
    expect(run.json?.error?.name).toBe("UntrustedCertificate");
    expect(run.json?.error?.message).toContain(
      `The TLS certificate of KMS in us-east-1 (${secure.url}) is not trusted`,
    );
    expect(run.stderr).toContain("--ca-bundle PATH or AWS_CA_BUNDLE");
    expect(run.stderr.match(/attempt \d/g)).toEqual(["attempt 1"]);
    expect(secure.calls()).toEqual([]);
  });

  it("AWS_CA_BUNDLE, --ca-bundle and the profile's ca_bundle each make it trusted", async () => {
    const config = join(dir, "config-ca");
    writeFileSync(config, `[default]\nca_bundle = ${String(secure.caFile)}\n`);
    const runs = [
      await status(secure, ["--endpoint-url", secure.url], { AWS_CA_BUNDLE: String(secure.caFile) }),
      await status(secure, ["--endpoint-url", secure.url, "--ca-bundle", String(secure.caFile)]),
      await status(secure, ["--endpoint-url", secure.url], { AWS_CONFIG_FILE: config }),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
  });

  it("--ca-bundle wins over AWS_CA_BUNDLE; a file that is not PEM is a usage error before any call", async () => {
    const junk = join(dir, "junk.pem");
    writeFileSync(junk, "not a certificate\n");
    const flagFirst = await status(
      secure,
      ["--endpoint-url", secure.url, "--ca-bundle", String(secure.caFile)],
      {
        AWS_CA_BUNDLE: junk,
      },
    );
    expect(flagFirst.code, flagFirst.stderr).toBe(0);
    secure.reset();
    const bad = await status(secure, ["--endpoint-url", secure.url, "--ca-bundle", junk]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--ca-bundle ${junk}: no PEM certificate in the file`);
    const missing = await status(secure, ["--endpoint-url", secure.url], {
      AWS_CA_BUNDLE: join(dir, "nope.pem"),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("the file cannot be read (ENOENT)");
    expect(secure.calls()).toEqual([]);
  });

  it("--no-verify-ssl: works, with a warning on stderr and in the JSON's warnings", async () => {
    const arn = String(secure.createKey("us-east-1", { MultiRegion: true }).Arn);
    const args = ["--key", arn, "--regions", "eu-west-1", "--dry-run", "--endpoint-url", secure.url];
    const run = await runCli(["replicate", ...args, "--no-verify-ssl", "-o", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("--no-verify-ssl: TLS certificates are not checked");
    expect(run.json?.warnings.some((w) => w.startsWith("--no-verify-ssl"))).toBe(true);
  });
});

describe("configured endpoints, as the AWS CLI orders them", () => {
  /** status with no --endpoint-url; which endpoint got the calls. */
  async function reached(
    env: NodeJS.ProcessEnv,
    args: readonly string[] = [],
  ): Promise<{ run: CliRun; calls: number }> {
    const run = await status(plain(), args, { ...env });
    return { run, calls: plain().calls().length };
  }
  const configFile = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it("AWS_ENDPOINT_URL_KMS before AWS_ENDPOINT_URL", async () => {
    const { run, calls } = await reached({ AWS_ENDPOINT_URL_KMS: plain().url, AWS_ENDPOINT_URL: closed });
    expect(run.code, run.stderr).toBe(0);
    expect(calls).toBeGreaterThan(0);
  });

  it("AWS_ENDPOINT_URL alone", async () => {
    const { run, calls } = await reached({ AWS_ENDPOINT_URL: plain().url });
    expect(run.code, run.stderr).toBe(0);
    expect(calls).toBeGreaterThan(0);
  });

  it("the profile's services section before its endpoint_url; --profile's, not the default profile's", async () => {
    const config = configFile(
      "config-services",
      [
        "[default]",
        `endpoint_url = ${closed}`,
        "[profile work]",
        "aws_access_key_id = AKIDLOCALTEST",
        "aws_secret_access_key = local-test-secret",
        `endpoint_url = ${closed}`,
        "services = local",
        "[services local]",
        "kms =",
        `  endpoint_url = ${plain().url}`,
        "",
      ].join("\n"),
    );
    const { run, calls } = await reached({ AWS_CONFIG_FILE: config }, ["--profile", "work", "--debug"]);
    expect(run.code, run.stderr).toBe(0);
    expect(calls).toBeGreaterThan(0);
    expect(run.stderr).toContain(
      `[debug] KMS endpoint: ${plain().url} ([services local] kms endpoint_url (profile work))`,
    );
  });

  it("the profile's endpoint_url", async () => {
    const config = configFile("config-endpoint", `[default]\nendpoint_url = ${plain().url}\n`);
    const { run, calls } = await reached({ AWS_CONFIG_FILE: config });
    expect(run.code, run.stderr).toBe(0);
    expect(calls).toBeGreaterThan(0);
  });

  it("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns them off: the call goes to KMS's own endpoint (refused by the proxy)", async () => {
    const config = configFile("config-ignored", `[default]\nendpoint_url = ${plain().url}\n`);
    const { run, calls } = await reached({
      AWS_CONFIG_FILE: config,
      AWS_ENDPOINT_URL_KMS: plain().url,
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
      HTTPS_PROXY: proxy.url,
      AWS_REGION: "us-east-1",
    });
    expect(run.code).toBe(1);
    expect(calls).toBe(0);
    expect(proxy.log().map((r) => r.target)).toContain("kms.us-east-1.amazonaws.com:443");
    expect(proxy.counts().refused.target).toBeGreaterThan(0);
  });

  it("--endpoint-url wins over all of them, also when they are ignored", async () => {
    const { run, calls } = await reached(
      { AWS_ENDPOINT_URL_KMS: closed, AWS_ENDPOINT_URL: closed, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
      ["--endpoint-url", plain().url],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(calls).toBeGreaterThan(0);
  });
});
