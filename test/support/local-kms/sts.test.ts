// STS on the endpoint's port, through the SDK's own STS client (fromTemporaryCredentials, as a run
// assumes a role in each account), and KMS in the account of the credentials it issued.
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  ListKeysCommand,
  type KMSClientConfig,
} from "@aws-sdk/client-kms";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNT, expectKmsError, failureOf } from "./harness.js";
import { startKmsLocal, type KmsLocal } from "./server.js";

const SOURCE = { accessKeyId: "AKIDSOURCE", secretAccessKey: "secret" };
const A = "444455556666";
const B = "777788889999";
const role = (account: string, name = "KmsReplicate"): string => `arn:aws:iam::${account}:role/${name}`;

/** The endpoint's clock: the machine's, moved on by `offsetMs`, or held at `heldAt`. */
let offsetMs = 0;
let heldAt: number | undefined;
let server: KmsLocal;
const clients: KMSClient[] = [];
beforeAll(async () => {
  server = await startKmsLocal({
    accounts: [A, B],
    accessKeys: { AKIDOFB: B },
    startKeys: { primary: ["us-east-1"] },
    now: () => heldAt ?? Date.now() + offsetMs,
  });
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  offsetMs = 0;
  heldAt = undefined;
  for (const client of clients.splice(0)) client.destroy();
});

interface Assume {
  readonly source?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly externalId?: string;
  readonly durationSeconds?: number;
  readonly sessionName?: string;
}

/** Credentials of a session of `roleArn`, assumed as a run assumes them (the SDK's STS client). */
function assumed(roleArn: string, assume: Assume = {}): AwsCredentialIdentityProvider {
  return fromTemporaryCredentials({
    masterCredentials: assume.source ?? SOURCE,
    params: {
      RoleArn: roleArn,
      RoleSessionName: assume.sessionName ?? "kms-replicate",
      ...(assume.externalId !== undefined ? { ExternalId: assume.externalId } : {}),
      ...(assume.durationSeconds !== undefined ? { DurationSeconds: assume.durationSeconds } : {}),
    },
    clientConfig: { endpoint: server.url, region: "us-east-1", maxAttempts: 1 },
  });
}

function kms(credentials: KMSClientConfig["credentials"], region = "us-east-1"): KMSClient {
  const client = new KMSClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

const keyArns = async (client: KMSClient): Promise<string[]> =>
  ((await client.send(new ListKeysCommand({}))).Keys ?? []).map((k) => k.KeyArn ?? "");

/** The STS error a provider failed with: its name (the Code), HTTP status and message. */
async function stsFailure(provider: AwsCredentialIdentityProvider): Promise<[string, number?, string?]> {
  const error = (await failureOf(provider())) as Error & { $metadata?: { httpStatusCode?: number } };
  return [error.name, error.$metadata?.httpStatusCode, error.message];
}

describe("AssumeRole, then KMS in the role's account", () => {
  it("sees only that account's keys, with its account in every ARN; the role is assumed once", async () => {
    // GIVEN a key made at start in each of A and B (none in the default account)
    const [inA, inB] = [server.startKeys[0]?.primary[0] ?? "", server.startKeys[1]?.primary[0] ?? ""];
    expect([inA.split(":")[4], inB.split(":")[4]]).toEqual([A, B]);
    // WHEN KMS is called with a session of A's role, three times
    const asA = kms(assumed(role(A)));
    expect(await keyArns(asA)).toEqual([inA]);
    const made = (await asA.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata;
    expect(made?.Arn).toMatch(new RegExp(`^arn:aws:kms:us-east-1:${A}:key/mrk-`));
    expect(made?.AWSAccountId).toBe(A);
    // THEN B's key is not found from A, nor is A's new key anywhere but A
    await expectKmsError(asA.send(new DescribeKeyCommand({ KeyId: inB })), "NotFoundException");
    expect(server.keys("us-east-1", A).map((k) => k.arn)).toEqual([inA, made?.Arn]);
    expect(server.keys("us-east-1", B).map((k) => k.arn)).toEqual([inB]);
    expect(await keyArns(kms(SOURCE))).toEqual([]);
    // AND the role was assumed once, the KMS calls counted in A
    expect(server.calls({ service: "sts", operation: "AssumeRole", account: A })).toHaveLength(1);
    expect(server.calls({ service: "kms", account: A })).toHaveLength(3);
    expect(server.callCount("us-east-1", undefined, A)).toBe(4);
    expect(server.calls({ service: "kms", account: ACCOUNT })).toHaveLength(1);
  });

  it("an access key mapped to an account (accessKeys) is in that account", async () => {
    const inB = server.startKeys[1]?.primary[0] ?? "";
    expect(await keyArns(kms({ accessKeyId: "AKIDOFB", secretAccessKey: "secret" }))).toEqual([inB]);
  });
});

describe("what AssumeRole refuses", () => {
  it("a role it was told to refuse (refuseRoles): AccessDenied naming the caller and the role", async () => {
    server.configure({ refuseRoles: [role(A)] });
    expect(await stsFailure(assumed(role(A)))).toEqual([
      "AccessDenied",
      403,
      `User: arn:aws:iam::${ACCOUNT}:user/test is not authorized to perform: sts:AssumeRole on resource: ${role(A)}`,
    ]);
    // AND another role of the same account is assumed
    expect((await assumed(role(A, "Other"))()).accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
  });

  it("a role of an account the endpoint does not serve: AccessDenied", async () => {
    const [name, status] = await stsFailure(assumed(role("999988887777")));
    expect([name, status]).toEqual(["AccessDenied", 403]);
  });
});
