// Through a proxy, the adapter still knows what reached the wire (src/aws/sent.ts watches the proxy
// agents as it watches Node's): a write the endpoint took and never answered was sent; one it
// refused was sent and answered; one the proxy could not deliver was not carried out. With the real
// SDK client, the test proxy (plain for the http endpoint, CONNECT for the TLS one) and the local
// endpoint.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { RetryPolicy } from "../../../src/aws/backoff.js";
import { createKms } from "../../../src/aws/client.js";
import type { Network } from "../../../src/aws/network.js";
import { proxyEnvironment } from "../../../src/aws/proxy-env.js";
import type { KmsCallError } from "../../../src/core/call-error.js";
import { mayHaveBeenApplied } from "../../../src/core/errors.js";
import { startKmsLocal, type KmsLocal } from "../../support/local-kms/server.js";
import { startProxy, type TestProxy } from "../../support/proxy.js";
import { readCaBundle } from "../../../src/aws/network.js";

const FAST: RetryPolicy = {
  retries: 0,
  timeoutRetries: 0,
  minTimeout: 1,
  factor: 1,
  maxTimeout: 1,
  randomize: false,
};

let plain: KmsLocal;
let secure: KmsLocal;
let proxy: TestProxy;
beforeAll(async () => {
  [plain, secure, proxy] = await Promise.all([startKmsLocal(), startKmsLocal({ tls: true }), startProxy()]);
});
afterAll(async () => {
  await Promise.all([plain.stop(), secure.stop(), proxy.stop()]);
});
beforeEach(() => {
  plain.reset();
  secure.reset();
  proxy.reset();
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDWIRE");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "wire-secret");
  vi.stubEnv("AWS_PROFILE", "");
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );
const until = async (test: () => boolean): Promise<void> => {
  for (let i = 0; i < 1_000 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(test()).toBe(true);
};

const ways = [
  {
    name: "an HTTP proxy to the http endpoint",
    endpoint: () => plain,
    network: (): Network => ({
      kms: { url: plain.url, source: "--endpoint-url" },
      proxies: proxyEnvironment({ HTTP_PROXY: proxy.url }),
      verify: true,
    }),
    through: () => proxy.counts().requests,
  },
  {
    name: "a CONNECT proxy to the TLS endpoint",
    endpoint: () => secure,
    network: (): Network => ({
      kms: { url: secure.url, source: "--endpoint-url" },
      proxies: proxyEnvironment({ HTTPS_PROXY: proxy.url }),
      ca: readCaBundle(String(secure.caFile), "AWS_CA_BUNDLE"),
      verify: true,
    }),
    through: () => proxy.counts().connects,
  },
];

describe.each(ways)("through $name", ({ endpoint, network, through }) => {
  it("a write taken and never answered: sent, it may have been carried out", async () => {
    // GIVEN an endpoint that takes TagResource and never answers
    const arn = String(endpoint().createKey("us-east-1", { MultiRegion: true }).Arn);
    endpoint().configure({ faults: [{ operation: "TagResource", stall: true }] });
    const kms = createKms({ network: network(), retry: FAST });
    const controller = new AbortController();
    const call = rejection(
      kms.tagResource("us-east-1", arn, [{ TagKey: "a", TagValue: "1" }], controller.signal),
    );
    // WHEN Ctrl-C comes once the endpoint has it
    await until(() => endpoint().callCount("us-east-1", "TagResource") === 1);
    controller.abort();
    const error = await call;
    // THEN it went through the proxy, and it was sent
    expect(through()).toBe(1);
    expect((error as KmsCallError).call.wire).toEqual({ sent: true, unanswered: true });
    expect(mayHaveBeenApplied(error)).toBe(true);
  });

  it("a write refused: sent and answered", async () => {
    const arn = String(endpoint().createKey("us-east-1", { MultiRegion: true }).Arn);
    endpoint().configure({ faults: [{ operation: "TagResource", accessDenied: true }] });
    const kms = createKms({ network: network(), retry: FAST });
    const error = await rejection(kms.tagResource("us-east-1", arn, [{ TagKey: "a", TagValue: "1" }]));
    expect(through()).toBe(1);
    expect((error as KmsCallError).call.wire).toEqual({ sent: true, unanswered: false });
    expect(mayHaveBeenApplied(error)).toBe(false);
  });
});

it("a proxy that is not there: ECONNREFUSED, nothing sent", async () => {
  const gone = await startProxy();
  await gone.stop();
  const arn = String(plain.createKey("us-east-1", { MultiRegion: true }).Arn);
  const kms = createKms({
    network: {
      kms: { url: plain.url, source: "--endpoint-url" },
      proxies: proxyEnvironment({ HTTP_PROXY: gone.url }),
      verify: true,
    },
    retry: FAST,
  });
  const error = await rejection(kms.tagResource("us-east-1", arn, [{ TagKey: "a", TagValue: "1" }]));
  expect((error as KmsCallError).call.wire?.sent).toBe(false);
  expect(plain.calls()).toEqual([]);
});
