// Where calls go, from the environment: the Region for a key given without one (AWS_REGION,
// AWS_DEFAULT_REGION, the profile's), and the endpoint a call went to, for messages.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { endpointFor, regionFromEnvironment } from "../../../src/aws/environment.js";
import { EXIT, isReplicateError } from "../../../src/core/errors.js";

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), "kms-replicate-environment-"));
  writeFileSync(join(dir, "config"), "[profile regiononly]\nregion = eu-west-1\n");
  writeFileSync(join(dir, "credentials"), "");
  for (const name of ["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"]) vi.stubEnv(name, undefined);
  vi.stubEnv("AWS_CONFIG_FILE", join(dir, "config"));
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(dir, "credentials"));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("regionFromEnvironment", () => {
  it.each([
    {
      what: "AWS_REGION first",
      profile: "regiononly",
      env: { AWS_REGION: "ap-south-1" },
      region: "ap-south-1",
    },
    {
      what: "AWS_DEFAULT_REGION, the AWS CLI's name",
      profile: "regiononly",
      env: { AWS_DEFAULT_REGION: "sa-east-1" },
      region: "sa-east-1",
    },
    { what: "else the profile's region", profile: "regiononly", env: {}, region: "eu-west-1" },
  ])("$what", async ({ profile, env, region }) => {
    // GIVEN / WHEN / THEN
    expect(await regionFromEnvironment(profile, env)).toBe(region);
  });

  it("a profile that does not exist is a usage error, also when only the Region is looked up", async () => {
    // GIVEN / WHEN
    const error = await regionFromEnvironment("nope", {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    // THEN
    expect(isReplicateError(error) && error.exitCode).toBe(EXIT.usage);
  });
});

describe("endpointFor", () => {
  it.each([
    {
      what: "--endpoint-url first",
      endpointUrl: "http://127.0.0.1:4566",
      env: { AWS_ENDPOINT_URL_KMS: "http://kms.test" },
      endpoint: "http://127.0.0.1:4566",
    },
    {
      what: "then AWS_ENDPOINT_URL_KMS",
      endpointUrl: undefined,
      env: { AWS_ENDPOINT_URL_KMS: "http://kms.test", AWS_ENDPOINT_URL: "http://all.test" },
      endpoint: "http://kms.test",
    },
    {
      what: "then AWS_ENDPOINT_URL",
      endpointUrl: undefined,
      env: { AWS_ENDPOINT_URL: "http://all.test" },
      endpoint: "http://all.test",
    },
    {
      what: "else KMS's own",
      endpointUrl: undefined,
      env: {},
      endpoint: "https://kms.eu-west-1.amazonaws.com",
    },
  ])("$what", ({ endpointUrl, env, endpoint }) => {
    // GIVEN / WHEN / THEN
    expect(endpointFor(endpointUrl, "eu-west-1", env)).toBe(endpoint);
  });
});
