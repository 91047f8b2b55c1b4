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

describe("role chaining", () => {
  it("a session assumed with issued credentials is in the second role's account, marked chained", async () => {
    // GIVEN A's role assumed from the run's credentials, and B's role assumed with A's session
    const chained = assumed(role(B), { source: assumed(role(A)) });
    // WHEN KMS is called with the chained session
    expect(await keyArns(kms(chained))).toEqual([server.startKeys[1]?.primary[0]]);
    // THEN it was B's account, and the endpoint issued A's session, then B's (chained)
    expect(server.issued().map((s) => [s.account, s.chained, s.assumedRoleArn])).toEqual([
      [A, false, `arn:aws:sts::${A}:assumed-role/KmsReplicate/kms-replicate`],
      [B, true, `arn:aws:sts::${B}:assumed-role/KmsReplicate/kms-replicate`],
    ]);
    expect(server.calls({ service: "sts" }).map((c) => [c.operation, c.account, c.accessKeyId])).toEqual([
      ["AssumeRole", A, SOURCE.accessKeyId],
      ["AssumeRole", B, server.issued()[0]?.accessKeyId],
    ]);
  });

  it("caps a chained session at 1 hour: DurationSeconds above 3600 is a ValidationError, as STS words it", async () => {
    expect(await stsFailure(assumed(role(B), { source: assumed(role(A)), durationSeconds: 3601 }))).toEqual([
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    ]);
    // AND 3600 chained, or 12 hours from the run's own credentials, are issued
    const hour = await assumed(role(B), { source: assumed(role(A)), durationSeconds: 3600 })();
    const long = await assumed(role(B), { durationSeconds: 43_200 })();
    const now = Date.now();
    expect(Math.round(((hour.expiration?.getTime() ?? 0) - now) / 60_000)).toBe(60);
    expect(Math.round(((long.expiration?.getTime() ?? 0) - now) / 60_000)).toBe(720);
  });

  it("AccessDenied for a chained session names the assumed-role ARN as the caller", async () => {
    server.configure({ refuseRoles: [role(B)] });
    const [, , message] = await stsFailure(
      assumed(role(B), { source: assumed(role(A), { sessionName: "org-run" }) }),
    );
    expect(message).toBe(
      `User: arn:aws:sts::${A}:assumed-role/KmsReplicate/org-run is not authorized to perform: sts:AssumeRole on resource: ${role(B)}`,
    );
  });
});

describe("external IDs (roleExternalIds)", () => {
  it("a role that requires one: AccessDenied without it and with another; issued with it", async () => {
    server.configure({ roleExternalIds: { [role(A)]: "org-7f3a" } });
    expect((await stsFailure(assumed(role(A))))[0]).toBe("AccessDenied");
    expect((await stsFailure(assumed(role(A), { externalId: "org-0000" })))[0]).toBe("AccessDenied");
    expect(await keyArns(kms(assumed(role(A), { externalId: "org-7f3a" })))).toHaveLength(1);
    // AND a role that requires none takes one too (a trust policy without the condition ignores it)
    expect(await keyArns(kms(assumed(role(B), { externalId: "org-7f3a" })))).toHaveLength(1);
  });
});

describe("member validation, worded as STS words it", () => {
  it.each([
    [
      { sessionName: "a" },
      "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    ],
    [
      { sessionName: "run/1" },
      "1 validation error detected: Value 'run/1' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    ],
    [
      { sessionName: "x".repeat(65) },
      `1 validation error detected: Value '${"x".repeat(65)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    ],
    [
      { durationSeconds: 899 },
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    ],
    [
      { durationSeconds: 43_201 },
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    ],
    [
      { externalId: "x", sessionName: "b" },
      "2 validation errors detected: Value 'b' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2",
    ],
  ] satisfies [Assume, string][])("%o", async (assume, message) => {
    expect(await stsFailure(assumed(role(A), assume))).toEqual(["ValidationError", 400, message]);
  });

  it("a RoleArn that is not a role's: ValidationError", async () => {
    expect(await stsFailure(assumed(`arn:aws:iam::${A}:user/someone`))).toEqual([
      "ValidationError",
      400,
      "Request ARN is invalid",
    ]);
    expect(server.issued()).toEqual([]);
  });
});

describe("expiry and session tokens", () => {
  it("after Expiration, KMS answers ExpiredTokenException; a fresh assume works", async () => {
    // GIVEN sessions of 900 s (the SDK keeps them until 5 minutes before Expiration)
    server.configure({ sessionSeconds: 900 });
    const first = kms(assumed(role(A), { durationSeconds: 3600 }));
    expect(await keyArns(first)).toHaveLength(1);
    // WHEN the endpoint's clock passes the Expiration (the client's has not)
    offsetMs = 901_000;
    // THEN KMS refuses the session's credentials, as KMS does
    const error = await expectKmsError(first.send(new ListKeysCommand({})), "ExpiredTokenException");
    expect(error.message).toBe("The security token included in the request is expired");
    // AND a new session of the same role works, and the role was assumed twice
    expect(await keyArns(kms(assumed(role(A))))).toHaveLength(1);
    expect(server.calls({ service: "sts", operation: "AssumeRole", account: A })).toHaveLength(2);
  });

  it("an expired session cannot assume another role: ExpiredToken (HTTP 403), as STS answers", async () => {
    server.configure({ sessionSeconds: 900 });
    const credentials = await assumed(role(A))();
    offsetMs = 901_000;
    expect(await stsFailure(assumed(role(B), { source: credentials }))).toEqual([
      "ExpiredToken",
      403,
      "The security token included in the request is expired",
    ]);
  });

  it("sessions shorter than the SDK's 5-minute refresh window: the SDK re-assumes for every call", async () => {
    server.configure({ sessionSeconds: 120 });
    const client = kms(assumed(role(A)));
    for (let i = 0; i < 3; i += 1) await client.send(new ListKeysCommand({}));
    // (it asks for credentials more than once per call: 7 AssumeRole for 3 calls with SDK 3.1169)
    const assumes = server.calls({ service: "sts", operation: "AssumeRole", account: A }).length;
    expect(assumes).toBeGreaterThanOrEqual(3);
    expect(server.issued().map((s) => s.expiresAt - (server.calls()[0]?.at ?? 0))).toContain(120_000);
  });

  it("an issued access key with a wrong or missing session token: UnrecognizedClientException", async () => {
    const credentials = await assumed(role(A))();
    for (const sessionToken of ["wrong", undefined]) {
      const error = await expectKmsError(
        kms({ ...credentials, sessionToken }).send(new ListKeysCommand({})),
        "UnrecognizedClientException",
      );
      expect(error.message).toBe("The security token included in the request is invalid.");
    }
    expect(await stsFailure(assumed(role(B), { source: { ...credentials, sessionToken: "wrong" } }))).toEqual(
      ["InvalidClientTokenId", 403, "The security token included in the request is invalid."],
    );
  });
});

/**
 * An STS Query request as the SDKs send it. The endpoint reads the credential scope and the session
 * token, not the signature, so the Authorization header is written here rather than signed.
 */
async function sts(
  form: Record<string, string>,
  credentials: { accessKeyId: string; sessionToken?: string },
): Promise<{ status: number; xml: string }> {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, "");
  const response = await fetch(server.url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${day}/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=${"0".repeat(64)}`,
      ...(credentials.sessionToken !== undefined ? { "x-amz-security-token": credentials.sessionToken } : {}),
    },
    body: new URLSearchParams({ Version: "2011-06-15", ...form }).toString(),
  });
  return { status: response.status, xml: await response.text() };
}

const member = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe("GetCallerIdentity", () => {
  it("answers the account, ARN and user ID of the default user, a mapped key's and a session's", async () => {
    const identity = async (credentials: { accessKeyId: string; sessionToken?: string }) => {
      const { status, xml } = await sts({ Action: "GetCallerIdentity" }, credentials);
      expect(status).toBe(200);
      expect(xml).toMatch(
        /^<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/,
      );
      return [member(xml, "Account"), member(xml, "Arn"), member(xml, "UserId")];
    };
    expect(await identity(SOURCE)).toEqual([
      ACCOUNT,
      `arn:aws:iam::${ACCOUNT}:user/test`,
      expect.stringMatching(/^AIDA/),
    ]);
    expect(await identity({ accessKeyId: "AKIDOFB" })).toEqual([
      B,
      `arn:aws:iam::${B}:user/test`,
      expect.any(String),
    ]);
    const session = await assumed(role(A, "path/to/Admin"), { sessionName: "who" })();
    expect(await identity(session)).toEqual([
      A,
      `arn:aws:sts::${A}:assumed-role/Admin/who`,
      expect.stringMatching(/^AROA[A-Z2-7]{17}:who$/),
    ]);
    expect(server.calls({ service: "sts", operation: "GetCallerIdentity" }).map((c) => c.account)).toEqual([
      ACCOUNT,
      B,
      A,
    ]);
  });

  it("errors are an ErrorResponse: Type Sender, Code, Message, RequestId", async () => {
    const { status, xml } = await sts({ Action: "GetSessionToken" }, SOURCE);
    expect(status).toBe(400);
    expect(xml).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>InvalidAction<\/Code>\s*<Message>Could not find operation GetSessionToken for version 2011-06-15<\/Message>\s*<\/Error>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>\s*<\/ErrorResponse>/,
    );
  });
});
