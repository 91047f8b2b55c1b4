// An account's credentials against the local endpoint's STS (AssumeRole on the same port): a role
// refused, an external ID, role chaining, the refresh of short-lived sessions, a profile, and an
// adapter (createKms) that works in the role's account.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  accountCredentials,
  memoised,
  refreshMarginMs,
  sharedSource,
  type AccountCredentialsOptions,
} from "../../../src/aws/account-credentials.js";
import { createKms } from "../../../src/aws/client.js";
import { sdkLogger } from "../../../src/aws/sdk-logger.js";
import type { Account } from "../../../src/core/accounts.js";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import { startKmsLocal, type KmsLocal } from "../../support/local-kms/server.js";

const CALLER = "111122223333";
const A = "444455556666";
const HUB = "777788889999";
const role = (account: string, name = "KmsReplicate"): string => `arn:aws:iam::${account}:role/${name}`;
const SECRET = "local-test-secret-never-shown";

let clock = Date.now();
let server: KmsLocal;
const home = mkdtempSync(join(tmpdir(), "account-credentials-"));
// Written before any read: the SDK keeps the shared files it has read for the process.
writeFileSync(
  join(home, "credentials"),
  "[payments]\naws_access_key_id = AKIDPAYMENTS\naws_secret_access_key = s\n",
);

beforeAll(async () => {
  server = await startKmsLocal({
    accounts: [A, HUB],
    startKeys: { primary: ["us-east-1"] },
    now: () => clock,
  });
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  clock = Date.now();
  vi.unstubAllEnvs();
  // The run's own credentials from the environment; STS (and KMS) at the local endpoint; nothing
  // from this machine's AWS setup.
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDLOCALTEST");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", SECRET);
  vi.stubEnv("AWS_SESSION_TOKEN", undefined);
  vi.stubEnv("AWS_PROFILE", undefined);
  vi.stubEnv("AWS_ENDPOINT_URL", undefined);
  vi.stubEnv("AWS_ENDPOINT_URL_STS", server.url);
  vi.stubEnv("AWS_CONFIG_FILE", join(home, "config"));
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(home, "credentials"));
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
});

const account = (more: Partial<Account>): Account => ({
  accountId: A,
  name: "payments",
  roles: [role(A)],
  externalId: undefined,
  profile: undefined,
  regions: undefined,
  tags: {},
  ...more,
});

const OPTIONS: AccountCredentialsOptions = {
  roleSessionName: "kms-replicate",
  region: "us-east-1",
  profile: undefined,
  env: process.env,
  now: () => clock,
};

const init = { logger: sdkLogger(() => undefined), clientConfig: { maxAttempts: 1 } };

const provider = (of: Account, options: Partial<AccountCredentialsOptions> = {}) =>
  accountCredentials(of, { ...OPTIONS, env: process.env, ...options })(init);

async function failureOf(promise: Promise<unknown>): Promise<ReplicateError> {
  try {
    await promise;
  } catch (error) {
    if (isReplicateError(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

const assumeCalls = () => server.calls({ service: "sts", operation: "AssumeRole" });

describe("accountCredentials: a role", () => {
  it("assumes it at the endpoint AWS_ENDPOINT_URL_STS names, once for every caller, with the role's account", async () => {
    // GIVEN
    const credentials = provider(account({}));
    // WHEN three callers ask at once, and once more later
    const [first, second] = await Promise.all([credentials(), credentials(), credentials()]);
    await credentials();
    // THEN one AssumeRole, in A, signed by the run's own key
    expect(first?.accessKeyId).toMatch(/^ASIA/);
    expect(second).toBe(first);
    expect(first?.accountId).toBe(A);
    expect(assumeCalls().map((c) => [c.account, c.accessKeyId, c.status])).toEqual([
      [A, "AKIDLOCALTEST", 200],
    ]);
  });

  it("AWS_ENDPOINT_URL alone is honoured too", async () => {
    vi.stubEnv("AWS_ENDPOINT_URL_STS", undefined);
    vi.stubEnv("AWS_ENDPOINT_URL", server.url);
    expect((await provider(account({}))()).accountId).toBe(A);
    expect(assumeCalls()).toHaveLength(1);
  });

  it("a refused role: a credentials error (exit 1) naming the account, the role and STS's reason; kept, never a secret", async () => {
    // GIVEN
    server.configure({ refuseRoles: [role(A)] });
    const credentials = provider(account({}));
    // WHEN
    const failure = await failureOf(credentials());
    // THEN
    expect(failure.message).toBe(
      `Account ${A} (payments): could not assume ${role(A)}: AccessDenied: User: arn:aws:iam::${CALLER}:user/test is not authorized to perform: sts:AssumeRole on resource: ${role(A)}`,
    );
    expect(failure.exitCode).toBe(1);
    expect(failure.code).toBe("CredentialsProviderError");
    expect(failure.hint).toMatch(/trust policy must allow sts:AssumeRole/);
    expect(JSON.stringify([failure.message, failure.hint])).not.toContain(SECRET);
    // AND asked again, the same failure without another call
    expect(await failureOf(credentials())).toBe(failure);
    expect(assumeCalls()).toHaveLength(1);
  });

  it("an external ID: refused without it, assumed with the account's own", async () => {
    server.configure({ roleExternalIds: { [role(A)]: "ext-1234" } });
    const without = await failureOf(provider(account({}))());
    expect(without.message).toMatch(/AccessDenied/);
    expect(without.hint).toMatch(/external_id in the file or --external-id/);
    expect((await provider(account({ externalId: "ext-1234" }))()).accountId).toBe(A);
    const wrong = await failureOf(provider(account({ externalId: "ext-9999" }))());
    expect(wrong.hint).toMatch(/with this external ID/);
  });

  it("role chaining: the hub's role first with the run's credentials, then the account's with the hub's session", async () => {
    // GIVEN
    const chain = account({ roles: [role(HUB, "Hub"), role(A)] });
    // WHEN
    const identity = await provider(chain)();
    // THEN
    expect(identity.accountId).toBe(A);
    const calls = assumeCalls();
    expect(calls.map((c) => c.account)).toEqual([HUB, A]);
    expect(calls[0]?.accessKeyId).toBe("AKIDLOCALTEST");
    expect(calls[1]?.accessKeyId).toMatch(/^ASIA/);
    expect(calls[1]?.accessKeyId).not.toBe(identity.accessKeyId);
  });

  it("a refused link of a chain is named with its place", async () => {
    server.configure({ refuseRoles: [role(HUB, "Hub")] });
    const failure = await failureOf(provider(account({ roles: [role(HUB, "Hub"), role(A)] }))());
    expect(failure.message).toMatch(
      new RegExp(
        `^Account ${A} \\(payments\\): could not assume ${role(HUB, "Hub")} \\(role 1 of 2 in its chain\\): AccessDenied`,
      ),
    );
  });

  it("short-lived sessions (60 s) are refreshed a third of their life before they end", async () => {
    // GIVEN sessions of 60 seconds
    server.configure({ sessionSeconds: 60 });
    const credentials = provider(account({}));
    const first = await credentials();
    // WHEN 39 s later: the same; 41 s later: new ones (refreshed 20 s before the end)
    clock += 39_000;
    expect(await credentials()).toBe(first);
    clock += 2_000;
    const second = await credentials();
    // THEN
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(assumeCalls()).toHaveLength(2);
  });

  it("an adapter (createKms) with these credentials works in the role's account", async () => {
    // GIVEN a key made at start in A, none in the caller's account
    const inA = server.startKeys.find((s) => s.account === A)?.primary[0] ?? "";
    const kms = createKms({ endpointUrl: server.url, credentials: accountCredentials(account({}), OPTIONS) });
    // WHEN / THEN
    expect(await kms.callerAccount?.()).toBe(A);
    expect((await kms.listKeys("us-east-1")).map((k) => k.KeyArn)).toEqual([inA]);
    expect(server.calls({ service: "kms", account: A })).toHaveLength(1);
  });
});

describe("accountCredentials: a profile, or neither", () => {
  it("a profile: its credentials exactly as --profile's; one not found names the account and the file", async () => {
    writeFileSync(
      join(home, "credentials"),
      "[payments]\naws_access_key_id = AKIDPAYMENTS\naws_secret_access_key = s\n",
    );
    expect((await provider(account({ roles: [], profile: "payments" }))()).accessKeyId).toBe("AKIDPAYMENTS");
    const failure = await failureOf(provider(account({ roles: [], profile: "nope" }))());
    expect(failure.message).toMatch(
      new RegExp(`^Account ${A} \\(payments\\): The config profile \\(nope\\) could not be found`),
    );
    expect(assumeCalls()).toHaveLength(0);
  });

  it("neither role nor profile: the run's own credentials", async () => {
    expect((await provider(account({ roles: [] }))()).accessKeyId).toBe("AKIDLOCALTEST");
  });
});

describe("sharedSource", () => {
  it("the run's own credentials are made once for every account: a failing profile is read once", async () => {
    // GIVEN a source profile that does not exist, shared by two accounts' factories
    const sourceFor = sharedSource("no-such-profile", {
      ...process.env,
      AWS_CONFIG_FILE: join(home, "config"),
    });
    const factories = [A, HUB].map((id) =>
      accountCredentials(account({ accountId: id, roles: [role(id)] }), { ...OPTIONS, sourceFor }),
    );
    // WHEN each account asks for its credentials
    const failures = await Promise.all(factories.map(async (f) => failureOf(f(init)())));
    // THEN both fail with the source's reason, and the source was made once
    for (const failure of failures) expect(failure.message).toMatch(/no-such-profile/);
    expect(sourceFor(init)).toBe(sourceFor({ ...init }));
    expect(assumeCalls()).toHaveLength(0);
  });
});

describe("memoised", () => {
  it("refreshes 5 minutes before the end, or a third of a shorter life", () => {
    expect(refreshMarginMs(3_600_000)).toBe(300_000);
    expect(refreshMarginMs(60_000)).toBe(20_000);
    expect(refreshMarginMs(-1)).toBe(0);
  });

  it("keeps credentials without an expiration for the run", async () => {
    let calls = 0;
    const cached = memoised(
      () => Promise.resolve({ accessKeyId: `K${++calls}`, secretAccessKey: "s" }),
      () => clock,
    );
    await cached();
    clock += 86_400_000;
    expect((await cached()).accessKeyId).toBe("K1");
  });
});
