// Credentials exactly as the AWS CLI resolves them, against temporary config files and a stubbed
// environment: which source wins, and the reason shown when one fails.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EXIT, isReplicateError } from "../../../src/core/errors.js";
import type { ReplicaEvent } from "../../../src/core/events.js";
import { credentialsFor } from "../../../src/aws/credentials.js";
import { sdkLogger } from "../../../src/aws/sdk-logger.js";

const CONFIG = `[default]
region = us-east-1
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default-secret

[profile ci]
aws_access_key_id = AKIDPROFILE
aws_secret_access_key = profile-secret

[profile regiononly]
region = eu-west-1

[profile failing]
credential_process = /bin/sh -c "echo 'token refresh failed' >&2; exit 3"

[profile stale]
credential_process = /bin/sh -c "echo '{\\"Version\\":1,\\"AccessKeyId\\":\\"A\\",\\"SecretAccessKey\\":\\"B\\",\\"SessionToken\\":\\"C\\",\\"Expiration\\":\\"2020-01-01T00:00:00Z\\"}'"

[profile orphan]
role_arn = arn:aws:iam::111122223333:role/deploy
source_profile = gone
`;

let events: ReplicaEvent[];
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kms-replicate-creds-"));
  writeFileSync(join(dir, "config"), CONFIG);
  writeFileSync(join(dir, "credentials"), "");
  for (const name of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv("AWS_CONFIG_FILE", join(dir, "config"));
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(dir, "credentials"));
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  events = [];
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const ENV_KEYS = { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "env-secret" };
function withEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value);
}
const resolve = (profile?: string) =>
  credentialsFor(profile, process.env, { logger: sdkLogger((e) => events.push(e)) })();
const failure = (profile?: string): Promise<unknown> =>
  resolve(profile).then(
    () => undefined,
    (error: unknown) => error,
  );

describe("the AWS CLI's precedence", () => {
  it.each([
    {
      rule: "1. --profile wins over keys in the environment",
      profile: "ci",
      env: ENV_KEYS,
      key: "AKIDPROFILE",
    },
    {
      rule: "2. keys in the environment win over AWS_PROFILE",
      env: { ...ENV_KEYS, AWS_PROFILE: "ci" },
      key: "AKIDENV",
    },
    { rule: "2. keys in the environment alone", env: ENV_KEYS, key: "AKIDENV" },
    {
      rule: "3. AWS_PROFILE without keys in the environment",
      env: { AWS_PROFILE: "ci" },
      key: "AKIDPROFILE",
    },
    { rule: "4. the default profile when nothing is named", env: {}, key: "AKIDDEFAULT" },
    {
      rule: "--profile wins over AWS_PROFILE",
      profile: "ci",
      env: { AWS_PROFILE: "default" },
      key: "AKIDPROFILE",
    },
  ])("$rule", async ({ profile, env, key }) => {
    // GIVEN
    withEnv(env);
    const warn = vi.spyOn(console, "warn");
    // WHEN
    const identity = await resolve(profile);
    // THEN
    expect(identity.accessKeyId).toBe(key);
    // and never the SDK's "Multiple credential sources detected" block
    expect(warn).not.toHaveBeenCalled();
  });

  it("a profile with no credentials of its own (only a Region) falls through to the rest of the chain, quietly", async () => {
    // GIVEN --profile regiononly, keys in the environment (ignored, as --profile says)
    withEnv(ENV_KEYS);
    const warn = vi.spyOn(console, "warn");
    // WHEN
    const error = await failure("regiononly");
    // THEN no instance metadata here: it fails, and the SDK's warning went to our events only
    expect(isReplicateError(error) && error.code).toBe("CredentialsProviderError");
    expect(warn).not.toHaveBeenCalled();
    expect(events.filter((e) => e.type === "sdk-log").map((e) => e.type === "sdk-log" && e.message)).toEqual([
      expect.stringContaining("Multiple credential sources detected"),
    ]);
  });
});

describe("a profile that does not exist is a usage error naming it", () => {
  it.each([
    { how: "--profile", profile: "nope", env: {} },
    { how: "AWS_PROFILE", profile: undefined, env: { AWS_PROFILE: "nope" } },
    {
      how: "AWS_PROFILE, even with keys in the environment",
      profile: undefined,
      env: { ...ENV_KEYS, AWS_PROFILE: "nope" },
    },
  ])("$how", async ({ profile, env }) => {
    // GIVEN
    withEnv(env);
    // WHEN
    const error = await failure(profile);
    // THEN
    expect(isReplicateError(error)).toBe(true);
    if (!isReplicateError(error)) return;
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toBe(
      `The config profile (nope) could not be found in ${join(dir, "config")} or ${join(dir, "credentials")}.`,
    );
  });
});

describe("a failing provider's own reason is shown (exit 1)", () => {
  it.each([
    {
      what: "a failing credential_process",
      profile: "failing",
      // its output, not its command line (which may carry a secret), as the AWS CLI shows it
      reason: /: credential_process failed \/ token refresh failed$/,
    },
    {
      what: "expired credentials",
      profile: "stale",
      reason: /credential_process returned expired credentials/,
    },
    { what: "a missing source_profile", profile: "orphan", reason: /\[gone\]/ },
  ])("$what", async ({ profile, reason }) => {
    // GIVEN / WHEN
    const error = await failure(profile);
    // THEN
    expect(isReplicateError(error)).toBe(true);
    if (!isReplicateError(error)) return;
    expect(error.exitCode).toBe(EXIT.failed);
    expect(error.code).toBe("CredentialsProviderError");
    expect(error.message).toMatch(
      new RegExp(`^Could not load AWS credentials from profile ${profile} \\(--profile\\): `),
    );
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain("Could not load credentials from any providers");
    expect(error.message).not.toContain("/bin/sh");
  });

  it("runs a failing credential_process once, not once per Region", async () => {
    // GIVEN
    const marker = join(dir, "runs");
    writeFileSync(
      join(dir, "config"),
      `[profile counted]\ncredential_process = /bin/sh -c "echo run >> ${marker}; exit 1"\n`,
    );
    const provider = credentialsFor("counted", process.env, { logger: sdkLogger(() => undefined) });
    // WHEN three Regions ask
    const results = await Promise.allSettled([provider(), provider(), provider()]);
    // THEN
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(marker, "utf8").trim().split("\n")).toHaveLength(1);
  });
});
