// The run's network settings: the CA bundle (read and checked before any call, in the AWS CLI's
// order), what --debug says about them (never a proxy's password), and how a certificate that is
// not trusted is reported (named, not retried).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { describeNetwork, readCaBundle, resolveNetwork } from "../../../src/aws/network.js";
import { proxyEnvironment } from "../../../src/aws/proxy-env.js";
import { KmsCallError } from "../../../src/core/call-error.js";
import { classify } from "../../../src/core/classify.js";
import { describeError, isReplicateError } from "../../../src/core/errors.js";
import { isRetryable } from "../../../src/core/retryable.js";
import { makeLocalTls, type LocalTls } from "../../support/local-kms/tls.js";

let tls: LocalTls;
const dir = mkdtempSync(join(tmpdir(), "kms-replicate-network-unit-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
beforeAll(async () => {
  tls = await makeLocalTls();
});
afterAll(() => tls.remove());
afterEach(() => {
  vi.unstubAllEnvs();
});

const usageMessage = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    expect(isReplicateError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new TypeError("no error");
};

describe("readCaBundle", () => {
  it("every certificate of a PEM file, text around them allowed", () => {
    const bundle = readCaBundle(file("two.pem", `# corporate\n${tls.caCert}\n${tls.cert}`), "AWS_CA_BUNDLE");
    expect(bundle.certificates).toHaveLength(2);
    expect(bundle.source).toBe("AWS_CA_BUNDLE");
  });

  it.each([
    ["missing", () => join(dir, "nope.pem"), "the file cannot be read (ENOENT)"],
    ["a folder", () => dir, "the file cannot be read (EISDIR)"],
    ["no certificate", () => file("key.pem", tls.key), "no PEM certificate in the file"],
    [
      "a broken one",
      () => file("broken.pem", `${tls.caCert}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`),
      "certificate 2 of 2 is not valid PEM",
    ],
  ])("%s: a usage error naming the option and the file", (_what, path, message) => {
    const where = path();
    expect(usageMessage(() => readCaBundle(where, "--ca-bundle"))).toContain(
      `--ca-bundle ${where}: ${message}`,
    );
  });
});

describe("resolveNetwork", () => {
  it("the CA bundle: --ca-bundle, then AWS_CA_BUNDLE, then the profile's ca_bundle", async () => {
    const ca = file("ca.pem", tls.caCert);
    const config = file("config-ca", `[default]\nca_bundle = ${ca}\n`);
    vi.stubEnv("AWS_CONFIG_FILE", config);
    vi.stubEnv("AWS_PROFILE", undefined);
    const env = { AWS_CA_BUNDLE: ca, AWS_CONFIG_FILE: config };
    expect((await resolveNetwork({ caBundle: ca }, env)).ca?.source).toBe("--ca-bundle");
    expect((await resolveNetwork({}, env)).ca?.source).toBe("AWS_CA_BUNDLE");
    expect((await resolveNetwork({}, { AWS_CONFIG_FILE: config })).ca?.source).toBe(
      "ca_bundle (profile default)",
    );
    // the first one given is the one read: a bad file behind it is not looked at
    expect((await resolveNetwork({ caBundle: ca }, { AWS_CA_BUNDLE: join(dir, "nope.pem") })).ca?.file).toBe(
      ca,
    );
  });

  it("--no-verify-ssl", async () => {
    vi.stubEnv("AWS_CONFIG_FILE", file("config-empty", ""));
    expect((await resolveNetwork({ verifySsl: false }, {})).verify).toBe(false);
    expect((await resolveNetwork({}, {})).verify).toBe(true);
  });
});

describe("describeNetwork (--debug)", () => {
  it("names each setting and where it came from; never a proxy's password", () => {
    const lines = describeNetwork({
      kms: { url: "http://127.0.0.1:4566", source: "AWS_ENDPOINT_URL_KMS" },
      proxies: proxyEnvironment({ HTTPS_PROXY: "http://alice:hunter2@proxy:3128", NO_PROXY: "localhost" }),
      ca: { file: "/etc/ca.pem", source: "AWS_CA_BUNDLE", certificates: ["x"] },
      verify: true,
    });
    expect(lines).toEqual([
      "KMS endpoint: http://127.0.0.1:4566 (AWS_ENDPOINT_URL_KMS)",
      "STS endpoint: the SDK's",
      "proxy for https endpoints: http://***@proxy:3128 (HTTPS_PROXY); for http endpoints: none; NO_PROXY: localhost",
      "certificates: checked against Node's roots and 1 from /etc/ca.pem (AWS_CA_BUNDLE)",
    ]);
  });
});

describe("a certificate that is not trusted", () => {
  const tlsError = (code: string, message: string): KmsCallError =>
    new KmsCallError(Object.assign(new Error(message), { code }), {
      operation: "DescribeKey",
      region: "us-east-1",
      attempts: 1,
      transport: {
        region: "us-east-1",
        endpoint: "https://kms.example:443",
        connectTimeoutMs: 1,
        readTimeoutMs: 1,
      },
    });

  it.each([
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate"],
    ["CERT_HAS_EXPIRED", "certificate has expired"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames"],
  ])("%s: named, with the endpoint and the CA options, and not retried", (code, text) => {
    const error = tlsError(code, text);
    expect(classify(error)).toBe("UntrustedCertificate");
    expect(isRetryable(error)).toBe(false);
    const report = describeError(error, { operation: "DescribeKey", region: "us-east-1" });
    expect(report.name).toBe("UntrustedCertificate");
    expect(report.message).toBe(
      `The TLS certificate of KMS in us-east-1 (https://kms.example:443) is not trusted (${code}: ${text}); nothing was sent.`,
    );
    expect(report.hint).toContain("--ca-bundle PATH or AWS_CA_BUNDLE");
  });

  it("a proxy's 407: named, not retried", () => {
    const error = Object.assign(new Error("Unknown"), {
      name: "Unknown",
      $metadata: { httpStatusCode: 407 },
    });
    expect(classify(error)).toBe("ProxyAuthenticationRequired");
    expect(isRetryable(error)).toBe(false);
  });
});
