// Many accounts on one endpoint: keys made at start in each, quotas per account and Region, and
// the settings and counts over the control API per account.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  ListKeysCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, admitted, expectKmsError, useHarness } from "./harness.js";
import type { ThrottleCount } from "./server.js";

const A = "444455556666";
const B = "777788889999";
const C = "123456789012";

describe("keys made at start (startKeys) in several accounts", () => {
  const h = useHarness({
    accounts: [A, B, C],
    startKeys: {
      primary: ["us-east-1", "eu-west-1"],
      primaries: 3,
      primaryRegion: "ap-southeast-2",
      primaryTags: [{ TagKey: "dr", TagValue: "true" }],
    },
  });

  it("makes the same keys in every listed account, each with its own key IDs and its account in the ARN", async () => {
    const made = h.server.startKeys;
    expect(made.map((m) => [m.account, m.primary.length, m.primaries.length])).toEqual([
      [A, 2, 3],
      [B, 2, 3],
      [C, 2, 3],
    ]);
    for (const m of made) {
      for (const arn of [...m.primary, ...m.primaries]) expect(arn.split(":")[4]).toBe(m.account);
    }
    expect(made.map((m) => m.primary[1]?.split(":")[3])).toEqual(["eu-west-1", "eu-west-1", "eu-west-1"]);
    const ids = made.flatMap((m) => [...m.primary, ...m.primaries]).map((arn) => arn.split("/")[1]);
    expect(new Set(ids).size).toBe(15);
    // AND each account's client sees its own, tagged; the default account has none
    expect(h.server.keys("ap-southeast-2", B).map((k) => [k.arn, k.tags])).toEqual(
      (made[1]?.primaries ?? []).map((arn) => [arn, { dr: "true" }]),
    );
    const listed = (await h.kms("ap-southeast-2", C).send(new ListKeysCommand({}))).Keys ?? [];
    expect(listed.map((k) => k.KeyArn)).toEqual(made[2]?.primaries);
    expect((await h.kms("ap-southeast-2").send(new ListKeysCommand({}))).Keys).toEqual([]);
    expect(h.server.accounts).toEqual([ACCOUNT, A, B, C]);
  });

  it("reset() makes them again (new key IDs), as at start", () => {
    const before = h.server.startKeys.map((m) => m.primary[0]);
    h.server.reset();
    const after = h.server.startKeys.map((m) => m.primary[0]);
    expect(after).toHaveLength(3);
    expect(after.filter((arn) => before.includes(arn))).toEqual([]);
    expect(h.server.keys("us-east-1", A).map((k) => k.arn)).toEqual([after[0]]);
  });

  it("createKey and invoke take an account; a key of one account is NotFound from another", async () => {
    const made = h.server.createKey("us-east-1", { MultiRegion: true }, { account: B });
    expect(made.AWSAccountId).toBe(B);
    h.server.invoke(
      "us-east-1",
      "TagResource",
      { KeyId: made.KeyId, Tags: [{ TagKey: "k", TagValue: "v" }] },
      B,
    );
    expect(h.server.keys("us-east-1", B).find((k) => k.arn === made.Arn)?.tags).toEqual({ k: "v" });
    await expectKmsError(
      h.kms("us-east-1", A).send(new DescribeKeyCommand({ KeyId: String(made.Arn) })),
      "NotFoundException",
    );
    await expectKmsError(
      h.kms("us-east-1", A).send(new TagResourceCommand({ KeyId: String(made.KeyId), Tags: [] })),
      "NotFoundException",
    );
  });
});

describe("quotas per account and Region (enforceQuotas)", () => {
  const h = useHarness({ accounts: [A, B], enforceQuotas: true });

  it("two accounts at full quota at the same time do not throttle each other; throttles are counted per account", async () => {
    // GIVEN CreateKey's quota, 5 per second per account and Region
    const create = (account: string) => h.kms("us-east-1", account).send(new CreateKeyCommand({}));
    // WHEN A and B each send 5 in the same instant
    const first = await Promise.all(
      [A, B].flatMap((account) => Array.from({ length: 5 }, () => admitted(create(account)))),
    );
    // THEN all 10 are admitted; a 6th in A is throttled, and in the other Region it is not
    expect(first).toEqual(Array(10).fill(true));
    expect(await admitted(create(A))).toBe(false);
    expect(await admitted(h.kms("eu-west-1", A).send(new CreateKeyCommand({})))).toBe(true);
    const expected: ThrottleCount[] = [
      { account: A, region: "us-east-1", operation: "CreateKey", count: 1, quota: 1, fault: 0 },
    ];
    expect(h.server.throttled()).toEqual(expected);
    expect(await (await fetch(`${h.server.url}/_kms-local/throttled`)).json()).toEqual(expected);
    // AND a second later A is admitted again
    h.advance(1000);
    expect(await admitted(create(A))).toBe(true);
  });
});

describe("the control API, per account", () => {
  const h = useHarness({ accounts: [A, B] });

  it("GET keys?account=, calls?account=&service=, accounts", async () => {
    const key = h.server.createKey("us-east-1", {}, { account: A });
    await h.kms("us-east-1", A).send(new DescribeKeyCommand({ KeyId: String(key.KeyId) }));
    await h.kms("us-east-1", B).send(new ListKeysCommand({}));
    const get = async (path: string): Promise<unknown> =>
      (await fetch(`${h.server.url}/_kms-local/${path}`)).json();
    expect(
      ((await get(`keys?region=us-east-1&account=${A}`)) as { arn: string }[]).map((k) => k.arn),
    ).toEqual([key.Arn]);
    expect(await get("keys?region=us-east-1")).toEqual([]);
    const calls = (await get(`calls?account=${B}&service=kms`)) as { operation: string; account: string }[];
    expect(calls.map((c) => [c.operation, c.account])).toEqual([["ListKeys", B]]);
    expect(await get("accounts")).toEqual({ account: ACCOUNT, accounts: [ACCOUNT, A, B], startKeys: [] });
  });

  it("POST config takes refuseRoles, roleExternalIds and sessionSeconds, and refuses wrong values", async () => {
    const post = (body: unknown) =>
      fetch(`${h.server.url}/_kms-local/config`, { method: "POST", body: JSON.stringify(body) });
    const role = `arn:aws:iam::${A}:role/path/KmsReplicate`;
    const good = await post({ refuseRoles: [role], roleExternalIds: { [role]: "x-1" }, sessionSeconds: 900 });
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({
      refuseRoles: [role],
      roleExternalIds: { [role]: "x-1" },
      sessionSeconds: 900,
    });
    for (const [body, problem] of [
      [
        { refuseRoles: ["KmsReplicate"] },
        "refuseRoles must be an array of role ARNs (arn:PARTITION:iam::ACCOUNT:role/NAME)",
      ],
      [{ roleExternalIds: { [role]: 7 } }, "roleExternalIds must be an object of role ARN: external ID"],
      [{ sessionSeconds: 0 }, "sessionSeconds must be a number of seconds above 0, or null"],
    ] as const) {
      const bad = await post(body);
      expect([bad.status, ((await bad.json()) as { message: string }).message]).toEqual([400, problem]);
    }
  });

  it("a fault rule with `account` matches only that account's requests", async () => {
    h.server.configure({ faults: [{ account: B, operation: "ListKeys", accessDenied: true }] });
    await h.kms("us-east-1", A).send(new ListKeysCommand({}));
    const error = await expectKmsError(
      h.kms("us-east-1", B).send(new ListKeysCommand({})),
      "AccessDeniedException",
    );
    expect(error.message).toMatch(
      new RegExp(
        `^User: arn:aws:iam::${B}:user/test is not authorized to perform: kms:ListKeys on resource: arn:aws:kms:us-east-1:${B}:key/\\*`,
      ),
    );
  });
});

describe("the standalone endpoint's account flags, built from main.ts", () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kms-local-"));
    bundle = join(dir, "kms-local.mjs");
    await build({
      entryPoints: [fileURLToPath(new URL("main.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outfile: bundle,
      logLevel: "warning",
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs the bundle with `args`; its first `count` lines of output (it is stopped then), or its exit. */
  async function run(
    args: string[],
    count = 0,
  ): Promise<{ code: number | null; lines: string[]; stderr: string }> {
    const child = spawn(process.execPath, [bundle, "--port", "0", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const lines: string[] = [];
    const input = createInterface({ input: child.stdout });
    const code = await new Promise<number | null>((resolve) => {
      input.on("line", (line) => {
        lines.push(line);
        if (lines.length === count) child.kill("SIGTERM");
      });
      child.once("exit", resolve);
    });
    return { code, lines, stderr };
  }

  it("--accounts N --primaries: N numbered accounts, each told apart in the output", async () => {
    const { lines } = await run(["--accounts", "2", "--primary", "us-east-1", "--primaries", "4"], 6);
    expect(lines.slice(1)).toEqual([
      "kms-local serves accounts 111122223333, 200000000001, 200000000002 (default 111122223333)",
      expect.stringMatching(
        /^kms-local created multi-Region primary key arn:aws:kms:us-east-1:200000000001:key\/mrk-/,
      ),
      "kms-local created 4 multi-Region primary keys in us-east-1 of account 200000000001",
      expect.stringMatching(
        /^kms-local created multi-Region primary key arn:aws:kms:us-east-1:200000000002:key\/mrk-/,
      ),
      "kms-local created 4 multi-Region primary keys in us-east-1 of account 200000000002",
    ]);
  });

  it("misused account and STS flags are usage errors (exit 2)", async () => {
    for (const [args, problem] of [
      [["--accounts", "4444555566"], "--accounts: 4444555566 is not a 12-digit account ID"],
      [["--accounts", "0"], "--accounts 0: a number of accounts is 1 to 1000"],
      [["--access-key", "AKID1"], "--access-key AKID1 is not NAME=VALUE"],
      [["--access-key", "AKID1=12"], "--access-key AKID1=12: 12 is not a 12-digit account ID"],
      [["--refuse-role", "KmsReplicate"], "--refuse-role KmsReplicate is not a role ARN"],
      [["--role-external-id", `arn:aws:iam::${A}:role/R`], "is not NAME=VALUE"],
      [["--session-seconds", "0"], "--session-seconds 0 is not a number of seconds above 0"],
    ] as const) {
      const result = await run([...args]);
      expect([result.code, result.stderr]).toEqual([2, expect.stringContaining(problem)]);
    }
  });
});
