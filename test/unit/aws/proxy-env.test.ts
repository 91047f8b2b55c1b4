// Proxies from the environment as the AWS CLI (botocore, through Python's urllib) reads them.
import { describe, expect, it } from "vitest";
import { bypassesProxy, parseProxyUrl, proxyEnvironment, proxyFor } from "../../../src/aws/proxy-env.js";
import { isReplicateError } from "../../../src/core/errors.js";

describe("NO_PROXY", () => {
  it.each([
    // [NO_PROXY, hostname, port (as the endpoint URL names it), bypass?]
    ["*", "kms.us-east-1.amazonaws.com", undefined, true],
    ["localhost,*", "kms.us-east-1.amazonaws.com", undefined, false], // "*" counts only alone
    ["kms.us-east-1.amazonaws.com", "kms.us-east-1.amazonaws.com", undefined, true],
    ["amazonaws.com", "kms.us-east-1.amazonaws.com", undefined, true], // a domain without a dot
    [".amazonaws.com", "kms.us-east-1.amazonaws.com", undefined, true],
    [".amazonaws.com", "amazonaws.com", undefined, true], // leading dots are dropped
    ["example.com", "notexample.com", undefined, false], // a suffix only at a dot
    ["AmazonAWS.COM", "kms.eu-west-1.amazonaws.com", undefined, true],
    [" localhost , 127.0.0.1 ", "127.0.0.1", 4566, true], // blanks around entries
    ["127.0.0.1:4566", "127.0.0.1", 4566, true],
    ["127.0.0.1:4566", "127.0.0.1", 4567, false],
    ["127.0.0.1:4566", "127.0.0.1", undefined, false],
    ["10.0.0.0/8", "10.1.2.3", undefined, false], // no CIDR ranges in the AWS CLI
    ["0.0.1", "127.0.0.1", undefined, true], // an IP address is text: a dot-suffix matches
    ["", "127.0.0.1", undefined, false],
    [",,", "127.0.0.1", undefined, false],
  ] as const)("NO_PROXY=%j, %s:%s → bypass %s", (noProxy, hostname, port, bypass) => {
    expect(bypassesProxy(noProxy, hostname, port)).toBe(bypass);
  });

  it("no NO_PROXY: never bypassed", () => {
    expect(bypassesProxy(undefined, "127.0.0.1")).toBe(false);
  });
});

describe("which variable", () => {
  it.each([
    [{ HTTPS_PROXY: "http://upper:1" }, "http://upper:1/", "HTTPS_PROXY"],
    [{ https_proxy: "http://lower:1" }, "http://lower:1/", "https_proxy"],
    [{ HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:1" }, "http://lower:1/", "https_proxy"],
    [{ HTTPS_PROXY: "http://upper:1", https_proxy: "" }, undefined, undefined], // empty lowercase unsets
    [{ HTTPS_PROXY: "" }, undefined, undefined],
    [{ HTTPS_PROXY: "proxy.internal:3128" }, "http://proxy.internal:3128/", "HTTPS_PROXY"], // no scheme: http
    [{ HTTPS_PROXY: "//proxy.internal:3128" }, "http://proxy.internal:3128/", "HTTPS_PROXY"],
    [{ HTTPS_PROXY: "https://proxy.internal:3129" }, "https://proxy.internal:3129/", "HTTPS_PROXY"],
  ])("%j → %s", (env, href, source) => {
    const https = proxyEnvironment(env).https;
    expect(https?.url.href).toBe(href);
    expect(https?.source).toBe(source);
  });

  it("no_proxy wins over NO_PROXY as the proxies do", () => {
    expect(proxyEnvironment({ NO_PROXY: "a", no_proxy: "b" }).noProxy).toBe("b");
    expect(proxyEnvironment({ NO_PROXY: "a" }).noProxy).toBe("a");
  });

  it("https endpoints use HTTPS_PROXY, http endpoints HTTP_PROXY; NO_PROXY bypasses either", () => {
    const proxies = proxyEnvironment({
      HTTPS_PROXY: "http://tls-proxy:1",
      HTTP_PROXY: "http://plain-proxy:2",
      NO_PROXY: "localhost",
    });
    expect(proxyFor(proxies, { protocol: "https:", hostname: "kms.us-east-1.amazonaws.com" })?.url.host).toBe(
      "tls-proxy:1",
    );
    expect(proxyFor(proxies, { protocol: "http:", hostname: "127.0.0.1", port: 4566 })?.url.host).toBe(
      "plain-proxy:2",
    );
    expect(proxyFor(proxies, { protocol: "http:", hostname: "localhost", port: 4566 })).toBeUndefined();
    expect(
      proxyFor(proxyEnvironment({ HTTP_PROXY: "http://p:1" }), { protocol: "https:", hostname: "h" }),
    ).toBeUndefined();
  });

  it("a proxy URL that is not one is a usage error that does not echo its password", () => {
    let error: unknown;
    try {
      parseProxyUrl("ftp://user:hunter2@proxy:21", "HTTPS_PROXY");
    } catch (e) {
      error = e;
    }
    expect(isReplicateError(error)).toBe(true);
    expect(String((error as Error).message)).toContain(
      "HTTPS_PROXY (ftp://***@proxy:21) is not a proxy URL.",
    );
    expect(String((error as Error).message)).not.toContain("hunter2");
  });
});
