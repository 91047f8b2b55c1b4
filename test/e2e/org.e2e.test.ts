// An organisation run against the local endpoint serving several accounts and STS AssumeRole: each
// account through its role (refused ones fail alone), the failure tolerance, an accounts file with
// role chaining, an external ID and per-account regions, shards and `merge`, a key-sharded run
// over one account, an interrupted run and its re-run. Every document is checked by the schema.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { schemaErrors } from "../support/schema.js";
import { startKmsLocal, type KmsLocal } from "../support/local-kms/server.js";
import { runCli, type CliRun, type RunOptions } from "./run-cli.js";

const [A, B, C] = ["200000000001", "200000000002", "200000000003"] as const;
const role = (account: string, name = "ops"): string => `arn:aws:iam::${account}:role/${name}`;
/** The run's own account (the access key of the tests' environment is in no other). */
const CALLER = "111122223333";

let kms: KmsLocal;
beforeAll(async () => {
  kms = await startKmsLocal({ accounts: [A, B, C], startKeys: { primaries: 2 } });
});
afterAll(async () => {
  await kms.stop();
});
beforeEach(() => {
  kms.reset();
  kms.configure({ creatingDelayMs: 100 });
});

/** The parts of a version-3 document the tests read. */
interface OrgDoc {
  version: number;
  exitCode: number;
  shard: { index: number; count: number } | null;
  missingShards?: number[];
  accounts: {
    account: string;
    name: string | null;
    role: string | null;
    exitCode: number;
    keys: { key: string }[];
    error: { name: string; message: string } | null;
  }[];
  totals: { accounts: Record<string, number>; keys: Record<string, number> };
}

const dir = mkdtempSync(join(tmpdir(), "kms-replicate-org-"));

/** Runs the CLI with -o json against the endpoint (STS too); its document must fit the schema. */
async function org(args: readonly string[], options: RunOptions = {}): Promise<{ doc: OrgDoc; run: CliRun }> {
  const run = await runCli([...args, "-o", "json", "--endpoint-url", kms.url], {
    ...options,
    env: { AWS_ENDPOINT_URL_STS: kms.url, AWS_REGION: "us-east-1", ...options.env },
  });
  expect(run.json, `stdout is not one JSON document:\n${run.stdout}\n${run.stderr}`).toBeDefined();
  expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
  expect(run.json?.version).toBe(3);
  return { doc: run.json as unknown as OrgDoc, run };
}

const replicas = (account: string, region: string): number => kms.keys(region, account).length;
const SELECT = ["--all-primaries", "--region", "us-east-1"];

/** A document's content without its times: what two runs of the same work share. */
function content(doc: OrgDoc): unknown {
  return JSON.parse(
    JSON.stringify({ accounts: doc.accounts, totals: doc.totals }, (k, v: unknown) =>
      k === "elapsedMs" ? undefined : v,
    ),
  );
}

describe("an organisation run", () => {
  it("works in each account through its role; an account whose role is refused fails alone (exit 1)", async () => {
    // GIVEN B's role is refused
    kms.configure({ refuseRoles: [role(B)] });
    // WHEN
    const { doc, run } = await org([
      ...["--accounts", `${A},${B}`, "--role-name", "ops", ...SELECT, "--regions", "eu-west-1"],
    ]);
    // THEN A was done, B not touched, and the document says why
    expect(run.code).toBe(1);
    expect(replicas(A, "eu-west-1")).toBe(2);
    expect(replicas(B, "eu-west-1")).toBe(0);
    const [a, b] = doc.accounts;
    expect(a).toMatchObject({ account: A, role: role(A), exitCode: 0, error: null });
    expect(a?.keys).toHaveLength(2);
    expect(b).toMatchObject({ account: B, role: role(B), exitCode: 1, keys: [] });
    expect(b?.error?.message).toMatch(/AccessDenied/);
    expect(doc.totals.accounts).toMatchObject({ total: 2, ok: 1, failed: 1 });
    expect(doc.totals.keys).toMatchObject({ total: 2, ok: 2 });
    expect(run.stderr).not.toMatch(/SessionToken|secret/i);
  });

  it("--max-failed-accounts 1: no account starts after the first failure", async () => {
    // GIVEN A (the first in account-ID order) is refused, one account at a time
    kms.configure({ refuseRoles: [role(A)] });
    // WHEN
    const { doc, run } = await org([
      ...["--accounts", `${A},${B},${C}`, "--role-name", "ops", ...SELECT, "--regions", "eu-west-1"],
      ...["--max-failed-accounts", "1", "--max-accounts-in-flight", "1"],
    ]);
    // THEN
    expect(run.code).toBe(1);
    expect(doc.accounts.map((a) => a.error?.name ?? "ok")).toEqual([
      expect.stringMatching(/Credentials|AccessDenied/),
      "NotStarted",
      "NotStarted",
    ]);
    expect(doc.totals.accounts).toMatchObject({ failed: 1, notStarted: 2 });
    expect(replicas(B, "eu-west-1") + replicas(C, "eu-west-1")).toBe(0);
  });

  it("--accounts-from YAML: a role chain with an external ID, and an account's own regions", async () => {
    // GIVEN C's role needs an external ID, reached through a role in A; A works in sa-east-1 only
    kms.configure({ roleExternalIds: { [role(C)]: "ext-42" } });
    const file = join(dir, "accounts.yml");
    writeFileSync(
      file,
      [
        "accounts:",
        `  - account_id: "${A}"`,
        "    name: alpha",
        `    role: ${role(A)}`,
        "    regions: [sa-east-1]",
        `  - account_id: "${C}"`,
        `    role: [${role(A, "hop")}, ${role(C)}]`,
        "    external_id: ext-42",
        "",
      ].join("\n"),
    );
    // WHEN
    const { doc, run } = await org(["--accounts-from", file, ...SELECT, "--regions", "eu-west-1"]);
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(doc.accounts.map((a) => [a.account, a.name, a.role])).toEqual([
      [A, "alpha", role(A)],
      [C, null, role(C)],
    ]);
    expect([replicas(A, "sa-east-1"), replicas(A, "eu-west-1")]).toEqual([2, 0]);
    expect(replicas(C, "eu-west-1")).toBe(2);
  });

  it("a shard without accounts succeeds with an empty document", async () => {
    const { doc, run } = await org([
      "status",
      "--accounts",
      A,
      "--role-name",
      "ops",
      ...SELECT,
      "--shard",
      "2/2",
    ]);
    expect(run.code).toBe(0);
    expect(doc).toMatchObject({ shard: { index: 2, count: 2 }, accounts: [] });
    expect(doc.totals.accounts.total).toBe(0);
  });

  it("--shard 1/2 and 2/2, merged: the content of the unsharded run", async () => {
    // GIVEN
    const args = ["status", "--accounts", `${A},${B},${C}`, "--role-name", "ops", ...SELECT];
    const whole = await org(args);
    const shards = [await org([...args, "--shard", "1/2"]), await org([...args, "--shard", "2/2"])];
    expect(shards.map((s) => s.doc.accounts.length)).toEqual([2, 1]);
    // WHEN
    const files = shards.map((s, i) => {
      const path = join(dir, `status-${i + 1}.json`);
      writeFileSync(path, s.run.stdout);
      return path;
    });
    const merged = await runCli(["merge", ...files, "-o", "json"]);
    // THEN
    const doc = JSON.parse(merged.stdout) as OrgDoc;
    expect(schemaErrors(doc)).toEqual([]);
    expect(merged.code).toBe(whole.run.code);
    expect(doc).toMatchObject({ shard: null, missingShards: [] });
    expect(content(doc)).toEqual(content(whole.doc));
    // and without one of them: named, exit 1 at least
    const partial = await runCli(["merge", files[0] ?? "", "-o", "json"]);
    expect((JSON.parse(partial.stdout) as OrgDoc).missingShards).toEqual([2]);
    expect(partial.stderr).toMatch(/Shard 2 of 2 missing/);
    expect(partial.code).not.toBe(0);
  });

  it("one account's keys in 3 shards, merged: every key once, the caller's account", async () => {
    // GIVEN 6 primaries in the caller's own account
    for (let i = 0; i < 6; i += 1) kms.createKey("us-east-1", { MultiRegion: true });
    const shards = [];
    for (const i of [1, 2, 3]) shards.push(await org(["status", ...SELECT, "--shard", `${i}/3`]));
    const whole = await org(["status", ...SELECT, "--shard", "1/1"]);
    // WHEN
    const merged = await runCli(["merge", "-", "-o", "json"], {
      stdin: Buffer.from(shards.map((s) => s.run.stdout).join("")),
    });
    // THEN
    const doc = JSON.parse(merged.stdout) as OrgDoc;
    expect(doc.accounts.map((a) => a.account)).toEqual([CALLER]);
    const keys = (d: OrgDoc) => d.accounts.flatMap((a) => a.keys.map((k) => k.key)).sort();
    expect(keys(doc)).toEqual(keys(whole.doc));
    expect(keys(doc)).toHaveLength(6);
    expect(doc.totals.keys).toEqual(whole.doc.totals.keys);
  });

  it("refuses a one-key command and a key ARN (exit 2)", async () => {
    const oneKey = await runCli([
      "rotate-material",
      "--key",
      "alias/x",
      "--accounts",
      A,
      "--role-name",
      "ops",
    ]);
    expect(oneKey.code).toBe(2);
    expect(oneKey.stderr).toMatch(/works on one key in one account/);
    const arn = await org([
      "--accounts",
      A,
      "--role-name",
      "ops",
      "--key",
      `arn:aws:kms:us-east-1:${A}:alias/x`,
    ]);
    expect(arn.run.code).toBe(2);
    expect(arn.doc.accounts).toEqual([]);
  });

  it("refreshes an account's credentials before they expire: a run longer than its sessions", async () => {
    // GIVEN sessions of 3 s, and replicas that stay Creating for 5 s
    kms.configure({ sessionSeconds: 3, creatingDelayMs: 5000 });
    // WHEN
    const { doc, run } = await org([
      ...["--accounts", `${A},${B}`, "--role-name", "ops", ...SELECT, "--regions", "eu-west-1"],
    ]);
    // THEN every call had valid credentials: no ExpiredToken, both accounts done
    expect(run.code, run.stderr).toBe(0);
    expect(doc.totals.accounts).toMatchObject({ total: 2, ok: 2 });
    expect(kms.calls().filter((c) => /Expired/.test(c.errorType ?? ""))).toEqual([]);
    // and each account's role was assumed again while the run went on (not once per call)
    for (const account of [A, B]) {
      const sessions = kms.issued().filter((s) => s.account === account).length;
      const calls = kms.calls({ account, service: "kms" }).length;
      expect(sessions).toBeGreaterThanOrEqual(2);
      expect(sessions).toBeLessThan(calls);
    }
  });

  it("--query applies to the organisation document and to merge's", async () => {
    // GIVEN
    const args = ["status", "--accounts", `${A},${B}`, "--role-name", "ops", ...SELECT];
    // WHEN
    const run = await runCli([...args, "--query", "accounts[].account", "--endpoint-url", kms.url], {
      queried: true,
      env: { AWS_ENDPOINT_URL_STS: kms.url, AWS_REGION: "us-east-1" },
    });
    const shard = await org([...args, "--shard", "1/2"]);
    const file = join(dir, "query-shard-1.json");
    writeFileSync(file, shard.run.stdout);
    const merged = await runCli(["merge", file, "--query", "missingShards"], { queried: true });
    // THEN the expression's results, and each run's exit code
    expect(JSON.parse(run.stdout)).toEqual([A, B]);
    expect(JSON.parse(merged.stdout)).toEqual([2]);
    expect(merged.code).not.toBe(0);
  });

  it("interrupted (SIGINT): a valid document, and its re-run finishes", async () => {
    // GIVEN replicas that take a while, one account at a time
    kms.configure({ creatingDelayMs: 1500 });
    const args = ["--accounts", `${A},${B},${C}`, "--role-name", "ops", ...SELECT, "--regions", "eu-west-1"];
    // WHEN Ctrl-C while the first account's replicas are Creating
    const { doc, run } = await org([...args, "--max-accounts-in-flight", "1"], {
      onSpawn: (child) => setTimeout(() => child.kill("SIGINT"), 1500),
    });
    // THEN
    expect(run.code).toBe(130);
    expect(doc.accounts).toHaveLength(3);
    expect(doc.accounts.some((a) => a.error?.name === "Interrupted")).toBe(true);
    // WHEN run again
    kms.configure({ creatingDelayMs: 100 });
    const again = await org(args);
    // THEN every account is done
    expect(again.run.code, again.run.stderr).toBe(0);
    expect([A, B, C].map((a) => replicas(a, "eu-west-1"))).toEqual([2, 2, 2]);
  });
});
