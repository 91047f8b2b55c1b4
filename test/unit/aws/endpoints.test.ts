// Where KMS and STS calls go, in the AWS CLI's order: --endpoint-url, the service's variable,
// AWS_ENDPOINT_URL, the profile's services section, the profile's endpoint_url; ignored on request.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configuredEndpoint, endpointConfig, type EndpointConfig } from "../../../src/aws/endpoints.js";
import { isReplicateError } from "../../../src/core/errors.js";

const PROFILE: EndpointConfig = {
  profile: { name: "work", settings: { services: "local", endpoint_url: "http://profile:1" } },
  services: { "kms.endpoint_url": "http://services-kms:1", "sts.endpoint_url": "http://services-sts:1" },
};
const ALL_ENV = {
  AWS_ENDPOINT_URL_KMS: "http://env-kms:1",
  AWS_ENDPOINT_URL_STS: "http://env-sts:1",
  AWS_ENDPOINT_URL: "http://env-all:1",
};

describe("configuredEndpoint", () => {
  it.each([
    ["--endpoint-url first", "kms", "http://flag:1", ALL_ENV, PROFILE, "http://flag:1", "--endpoint-url"],
    [
      "then the service's variable",
      "kms",
      undefined,
      ALL_ENV,
      PROFILE,
      "http://env-kms:1",
      "AWS_ENDPOINT_URL_KMS",
    ],
    ["STS's own variable", "sts", undefined, ALL_ENV, PROFILE, "http://env-sts:1", "AWS_ENDPOINT_URL_STS"],
    [
      "--endpoint-url is KMS's only",
      "sts",
      "http://flag:1",
      {},
      PROFILE,
      "http://services-sts:1",
      "[services local] sts endpoint_url (profile work)",
    ],
    [
      "then AWS_ENDPOINT_URL",
      "kms",
      undefined,
      { AWS_ENDPOINT_URL: "http://env-all:1" },
      PROFILE,
      "http://env-all:1",
      "AWS_ENDPOINT_URL",
    ],
    [
      "then the services section",
      "kms",
      undefined,
      {},
      PROFILE,
      "http://services-kms:1",
      "[services local] kms endpoint_url (profile work)",
    ],
    [
      "then the profile's endpoint_url",
      "kms",
      undefined,
      {},
      { profile: PROFILE.profile, services: {} },
      "http://profile:1",
      "endpoint_url (profile work)",
    ],
    [
      "an empty variable is unset",
      "kms",
      undefined,
      { AWS_ENDPOINT_URL_KMS: "", AWS_ENDPOINT_URL: " " },
      PROFILE,
      "http://services-kms:1",
      "[services local] kms endpoint_url (profile work)",
    ],
  ] as const)("%s", (_what, service, flag, env, config, url, source) => {
    expect(configuredEndpoint(service, flag, env, config)).toEqual({ url, source });
  });

  it("none: the SDK's endpoint for the Region", () => {
    expect(configuredEndpoint("kms", undefined, {}, { profile: { name: "default" } })).toBeUndefined();
  });

  it.each([
    [
      "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
      { ...ALL_ENV, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "TRUE" },
      PROFILE,
    ],
    [
      "the profile's ignore_configured_endpoint_urls",
      ALL_ENV,
      {
        ...PROFILE,
        profile: {
          name: "work",
          settings: { ...PROFILE.profile.settings, ignore_configured_endpoint_urls: "true" },
        },
      },
    ],
  ])("%s turns off all but --endpoint-url", (_what, env, config) => {
    expect(configuredEndpoint("kms", undefined, env, config)).toBeUndefined();
    expect(configuredEndpoint("sts", undefined, env, config)).toBeUndefined();
    expect(configuredEndpoint("kms", "http://flag:1", env, config)?.url).toBe("http://flag:1");
  });

  it("the variable set to false wins over the profile's true", () => {
    const config = {
      ...PROFILE,
      profile: { name: "work", settings: { ignore_configured_endpoint_urls: "true" } },
    };
    const env = { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "false", AWS_ENDPOINT_URL: "http://env-all:1" };
    expect(configuredEndpoint("kms", undefined, env, config)?.url).toBe("http://env-all:1");
  });

  it.each([
    [{ AWS_ENDPOINT_URL_KMS: "not a url" }, "AWS_ENDPOINT_URL_KMS is not an http(s) URL."],
    [{ AWS_ENDPOINT_URL: "ftp://u:secret@h/" }, "AWS_ENDPOINT_URL is not an http(s) URL."],
    [{ AWS_ENDPOINT_URL: "http://h:70000" }, "AWS_ENDPOINT_URL: the port 70000 is out of range"],
  ])("%j: a usage error before any call, the password hidden", (env, message) => {
    let error: unknown;
    try {
      configuredEndpoint("kms", undefined, env, { profile: { name: "default" } });
    } catch (e) {
      error = e;
    }
    expect(isReplicateError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain("secret");
  });
});

describe("endpointConfig", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const configFile = (text: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), "kms-replicate-endpoints-")), "config");
    writeFileSync(file, text);
    vi.stubEnv("AWS_CONFIG_FILE", file);
    return file;
  };

  it("reads --profile's settings, not AWS_PROFILE's, and its services section", async () => {
    configFile(
      "[profile a]\nendpoint_url = http://a:1\n[profile b]\nservices = s\n[services s]\nkms =\n  endpoint_url = http://s:1\n",
    );
    const config = await endpointConfig("b", { AWS_PROFILE: "a" });
    expect(config.profile.name).toBe("b");
    expect(configuredEndpoint("kms", undefined, {}, config)?.url).toBe("http://s:1");
  });

  it("a profile that names a services section the file lacks: usage error", async () => {
    configFile("[default]\nservices = missing\n");
    await expect(endpointConfig(undefined, {})).rejects.toThrow('names the services section "missing"');
  });
});
