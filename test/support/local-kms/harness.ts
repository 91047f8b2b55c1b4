// What the endpoint's own tests share: an endpoint with a fake clock, real SDK clients for it, and
// the KMS error a call failed with.
import { DescribeKeyCommand, KMSClient, KMSServiceException, type KeyMetadata } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { startKmsLocal, type KmsLocal, type KmsLocalOptions } from "./server.js";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
export const ACCOUNT = "111122223333";

export interface Harness {
  readonly server: KmsLocal;
  /** The endpoint's clock: it moves only by `advance` (starts at a fixed epoch ms). */
  now(): number;
  advance(ms: number): void;
  /**
   * A real SDK client for `region` (one attempt: the tests see every answer), in the default
   * account, or in `account` (one of the `accounts` option: its access key is mapped to it).
   */
  kms(region: string, account?: string): KMSClient;
  /** A multi-Region primary made in-process (not counted), as a setup step. */
  primary(region?: string, input?: Record<string, unknown>): { keyId: string; arn: string };
  /** A replica made in-process (not counted, no quota), as a setup step; its ARN. */
  replica(primaryArn: string, region: string, input?: Record<string, unknown>): string;
  describe(region: string, keyId: string): Promise<KeyMetadata>;
  close(): Promise<void>;
}

/**
 * The endpoint of a test file (or of a describe block): started before its tests, back to its
 * start settings before each, closed after them. The object stands for it from the start; its
 * members may be used once a test or hook runs.
 */
export function useHarness(options: KmsLocalOptions = {}): Harness {
  let current: Harness | undefined;
  beforeAll(async () => {
    current = await harness(options);
  });
  afterAll(() => current?.close());
  beforeEach(() => current?.server.reset());
  const live = (): Harness => {
    if (current === undefined)
      throw new Error("The endpoint starts in beforeAll: use it in a test or a hook.");
    return current;
  };
  return {
    get server() {
      return live().server;
    },
    now: () => live().now(),
    advance: (ms) => live().advance(ms),
    kms: (region, account) => live().kms(region, account),
    primary: (region, input) => live().primary(region, input),
    replica: (primaryArn, region, input) => live().replica(primaryArn, region, input),
    describe: (region, keyId) => live().describe(region, keyId),
    close: () => live().close(),
  };
}

/** An endpoint with a fake clock: key states, quotas, Updating and read-after-write follow `advance`. */
export async function harness(options: KmsLocalOptions = {}): Promise<Harness> {
  let clock = Date.UTC(2026, 10, 24, 12, 0, 0);
  // An access key of each listed account, for kms(region, account).
  const keyOf = (account: string): string => `AKIDIN${account}`;
  const accessKeys = {
    ...Object.fromEntries((options.accounts ?? []).map((account) => [keyOf(account), account])),
    ...options.accessKeys,
  };
  const server = await startKmsLocal({ ...options, accessKeys, now: () => clock });
  const clients = new Map<string, KMSClient>();
  const kms = (region: string, account?: string): KMSClient => {
    const id = `${region} ${account ?? ""}`;
    let client = clients.get(id);
    if (client === undefined) {
      const credentials =
        account === undefined ? CREDENTIALS : { ...CREDENTIALS, accessKeyId: keyOf(account) };
      client = new KMSClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
      clients.set(id, client);
    }
    return client;
  };
  return {
    server,
    now: () => clock,
    advance: (ms) => {
      clock += ms;
    },
    kms,
    primary: (region = "us-east-1", input = {}) => {
      const metadata = server.createKey(region, { MultiRegion: true, ...input });
      return { keyId: String(metadata.KeyId), arn: String(metadata.Arn) };
    },
    replica: (primaryArn, region, input = {}) => {
      const primaryRegion = primaryArn.split(":")[3] ?? "";
      const answer = server.invoke(primaryRegion, "ReplicateKey", {
        KeyId: primaryArn,
        ReplicaRegion: region,
        ...input,
      }) as { ReplicaKeyMetadata: { Arn: string } };
      return answer.ReplicaKeyMetadata.Arn;
    },
    describe: async (region, keyId) => {
      const { KeyMetadata: metadata } = await kms(region).send(new DescribeKeyCommand({ KeyId: keyId }));
      if (metadata === undefined) throw new Error("DescribeKey answered no KeyMetadata");
      return metadata;
    },
    close: async () => {
      for (const client of clients.values()) client.destroy();
      await server.stop();
    },
  };
}

/** The error a call failed with (the test fails if it did not fail). */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error("expected the call to fail, but it succeeded");
  return outcome.error;
}

/** The call fails with the KMS error `name` and HTTP `status`, parsed by the SDK. */
export async function expectKmsError(
  promise: Promise<unknown>,
  name: string,
  status = 400,
): Promise<KMSServiceException> {
  const error = await failureOf(promise);
  expect(error).toBeInstanceOf(KMSServiceException);
  const kmsError = error as KMSServiceException;
  expect(kmsError.name).toBe(name);
  expect(kmsError.$metadata.httpStatusCode).toBe(status);
  return kmsError;
}

/** Whether a call succeeded (true) or was answered ThrottlingException (false); anything else throws. */
export async function admitted(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return true;
  } catch (error) {
    if ((error as Error).name === "ThrottlingException") return false;
    throw error;
  }
}
