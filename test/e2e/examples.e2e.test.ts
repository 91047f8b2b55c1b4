// The examples of docs/examples/ run as their engines would run them: the kms-replicate command
// lines are read from each file (a Kubernetes Indexed Job's container args, AWS Batch job
// definitions' command, a GitHub Actions matrix's `run:` steps), only `npx -y kms-replicate@VERSION`
// is replaced by the built bin and the mounted paths by temporary folders, each shard is run with
// `sh -c` and the index variable its engine sets, all at once against one local endpoint (accounts,
// roles, DR primaries tagged dr=true in us-east-1; AWS_ENDPOINT_URL and the credentials from the
// environment only), then the merge step's command line. The merged document must be the one an
// unsharded run of the same command writes, and every DR key must have its eu-central-1 replica.
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { startKmsLocal, type KmsLocal } from "../support/local-kms/server.js";
import { BIN } from "./run-cli.js";

const EXAMPLES = new URL("../../docs/examples/", import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, EXAMPLES), "utf8");
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
const home = mkdtempSync(join(tmpdir(), "kms-replicate-examples-"));

/** The account the runner's own credentials are in (the examples' jobRoleArn / role-to-assume account). */
const RUNNER = "999988887777";
const DR_KEYS = 3;
const TARGET = "eu-central-1";

interface AccountLine {
  readonly account_id: string;
  readonly name?: string;
  readonly role: string;
  readonly tags?: readonly string[];
}

/**
 * The accounts file of the Batch and GitHub examples (they mount or check out one; its content is
 * the reader's): the Kubernetes ConfigMap's kind of file, with more accounts so that every shard
 * gets one, a staging account the tag selection leaves out, and an account whose role the endpoint
 * refuses (it fails alone, in the sharded run as in the unsharded one).
 */
const ORGANISATION: readonly AccountLine[] = [
  ["111122223333", "payments-prod", "env:production"],
  ["222233334444", "ledger-prod", "env:production"],
  ["333344445555", "search-prod", "env:production"],
  ["444455556666", "identity-prod", "env:production"],
  ["555566667777", "billing-prod", "env:production"],
  ["666677778888", "payments-staging", "env:staging"],
].map(([id = "", name, tag = ""]) => ({
  account_id: id,
  name,
  role: `arn:aws:iam::${id}:role/KmsReplicate`,
  tags: [tag],
}));
const REFUSED_ROLE = "arn:aws:iam::555566667777:role/KmsReplicate";

// ---------------------------------------------------------------------------------------------
// Reading the examples: each engine's shard and merge command lines, as the engine would run them.

interface Example {
  readonly name: string;
  /** The accounts file's content, and the mounted paths (container path → what it holds). */
  readonly accountsFile: string;
  /** The shard's command line, `sh -c` script, for index `i` (0-based), and its environment. */
  readonly shards: readonly { readonly script: string; readonly env: Record<string, string> }[];
  readonly shardEnv: Record<string, string>;
  readonly merge: string;
  /** Container paths (mount points) or the workspace: replaced by temporary folders. */
  readonly kind: "mounts" | "workspace";
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
function field(value: unknown, ...path: (string | number)[]): unknown {
  let at = value;
  for (const step of path) {
    if (typeof step === "number") at = Array.isArray(at) ? (at[step] as unknown) : undefined;
    else at = isRecord(at) ? at[step] : undefined;
  }
  return at;
}
const text = (value: unknown): string => {
  if (typeof value !== "string") throw new TypeError(`expected a string, got ${JSON.stringify(value)}`);
  return value;
};

/** env: [{name, value}] (Kubernetes) or [{name, value}] (Batch) → a record. */
const envOf = (list: unknown): Record<string, string> =>
  Object.fromEntries(
    (Array.isArray(list) ? list : []).map((e: unknown) => [text(field(e, "name")), text(field(e, "value"))]),
  );

function kubernetes(): Example {
  const docs = parseAllDocuments(read("kubernetes-indexed-job.yaml")).map((d) => d.toJS() as unknown);
  const find = (kind: string, name: string): unknown =>
    docs.find((d) => field(d, "kind") === kind && field(d, "metadata", "name") === name);
  const configMap = find("ConfigMap", "kms-replicate-accounts");
  const shards = find("Job", "kms-replicate-shards");
  const merge = find("Job", "kms-replicate-merge");
  expect(field(shards, "spec", "completionMode")).toBe("Indexed");
  const container = field(shards, "spec", "template", "spec", "containers", 0);
  expect(field(container, "command")).toEqual(["sh", "-c"]);
  const mountsOf = (c: unknown): unknown[] =>
    (field(c, "volumeMounts") as unknown[]).map((m) => field(m, "mountPath"));
  expect(mountsOf(container)).toEqual(["/config", "/results"]);
  const mergeContainer = field(merge, "spec", "template", "spec", "containers", 0);
  expect(field(mergeContainer, "command")).toEqual(["sh", "-c"]);
  expect(mountsOf(mergeContainer)).toEqual(["/results"]);
  const completions = Number(field(shards, "spec", "completions"));
  const script = text(field(container, "args", 0));
  return {
    name: "kubernetes-indexed-job.yaml",
    accountsFile: text(field(configMap, "data", "accounts.yaml")),
    // Kubernetes sets JOB_COMPLETION_INDEX (0-based) in each pod of an Indexed Job.
    shards: Array.from({ length: completions }, (_, i) => ({
      script,
      env: { JOB_COMPLETION_INDEX: String(i) },
    })),
    shardEnv: envOf(field(container, "env")),
    merge: text(field(mergeContainer, "args", 0)),
    kind: "mounts",
  };
}

function batch(): Example {
  const shard = JSON.parse(read("aws-batch/shard-job-definition.json")) as unknown;
  const merge = JSON.parse(read("aws-batch/merge-job-definition.json")) as unknown;
  const command = field(shard, "containerProperties", "command") as string[];
  const mergeCommand = field(merge, "containerProperties", "command") as string[];
  expect(command.slice(0, 2)).toEqual(["sh", "-c"]);
  expect(mergeCommand.slice(0, 2)).toEqual(["sh", "-c"]);
  const mountsOf = (definition: unknown): unknown[] =>
    (field(definition, "containerProperties", "mountPoints") as unknown[]).map((m) =>
      field(m, "containerPath"),
    );
  expect(mountsOf(shard)).toEqual(["/config", "/results"]);
  expect(mountsOf(merge)).toEqual(["/results"]);
  // submit.sh submits the shards as an array job: its size is the number of children.
  const size = Number(/--array-properties size=(\d+)/.exec(read("aws-batch/submit.sh"))?.[1]);
  expect(size).toBeGreaterThan(1);
  return {
    name: "aws-batch",
    accountsFile: stringify({ accounts: ORGANISATION }),
    // Batch sets AWS_BATCH_JOB_ARRAY_INDEX (0-based) in each child of an array job.
    shards: Array.from({ length: size }, (_, i) => ({
      script: text(command[2]),
      env: { AWS_BATCH_JOB_ARRAY_INDEX: String(i) },
    })),
    shardEnv: envOf(field(shard, "containerProperties", "environment")),
    merge: text(mergeCommand[2]),
    kind: "mounts",
  };
}

function githubActions(): Example {
  const workflow = parse(read("github-actions-matrix.yml")) as unknown;
  const steps = (job: string): unknown[] => field(workflow, "jobs", job, "steps") as unknown[];
  const runOf = (job: string): string =>
    text(
      steps(job)
        .map((s) => field(s, "run"))
        .find((r) => typeof r === "string" && r.includes("kms-replicate")),
    );
  const matrix = field(workflow, "jobs", "shard", "strategy", "matrix", "shard") as number[];
  const credentials = steps("shard").find((s) =>
    String(field(s, "uses")).startsWith("aws-actions/configure-aws-credentials"),
  );
  const script = runOf("shard");
  return {
    name: "github-actions-matrix.yml",
    accountsFile: stringify({ accounts: ORGANISATION }),
    // GitHub substitutes ${{ matrix.shard }} in the step's text before the shell sees it.
    shards: matrix.map((shard) => ({
      script: script.replaceAll(/\$\{\{\s*matrix\.shard\s*\}\}/g, String(shard)),
      env: {},
    })),
    // configure-aws-credentials sets AWS_REGION (and the credentials, here the runner's own).
    shardEnv: { AWS_REGION: text(field(credentials, "with", "aws-region")) },
    merge: runOf("merge"),
    kind: "workspace",
  };
}

/** `npx -y kms-replicate@VERSION` → the built bin; the example must pin the package's version. */
function withBin(script: string): string {
  const pinned = [...script.matchAll(/npx -y kms-replicate@(\S+)/g)].map((m) => m[1]);
  expect(pinned.length).toBeGreaterThan(0);
  for (const version of pinned) expect(version).toBe(VERSION);
  // The command lines work against any endpoint as they are: the environment says where.
  expect(script).not.toMatch(/--endpoint-url/);
  return script.replaceAll(/npx -y kms-replicate@\S+/g, `"${process.execPath}" "${BIN}"`);
}

/** /config and /results (the containers' mount points) → folders of this test. */
const mounted = (script: string, dirs: { config: string; results: string }): string =>
  script
    .replaceAll(/(?<![\w.-])\/config\//g, `${dirs.config}/`)
    .replaceAll(/(?<![\w.-])\/results\//g, `${dirs.results}/`);

/** The same command unsharded: without --shard / --shard-count, its exit code kept (no `|| true`). */
const unsharded = (script: string): string =>
  script
    .replaceAll(/--shard-count\s+\d+/g, "")
    .replaceAll(/--shard\s+\S+/g, "")
    .replace(/\s*\|\|\s*true\s*$/, "\n");

// ---------------------------------------------------------------------------------------------
// Running them.

interface ShellRun {
  readonly code: number | null;
  readonly stderr: string;
}

function sh(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", script], { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stderr }));
  });
}

let kms: KmsLocal;
/** Per account: its DR primaries' key IDs, and the keys the selection must leave alone. */
const seeded = new Map<string, { dr: string[]; other: string[] }>();

/** Each account's keys: the endpoint's start keys (DR), and one untagged multi-Region primary. */
function seed(): void {
  seeded.clear();
  for (const made of kms.startKeys) {
    const other = String(kms.createKey("us-east-1", { MultiRegion: true }, { account: made.account }).KeyId);
    seeded.set(made.account, {
      dr: made.primaries.map((arn) => arn.slice(arn.lastIndexOf("/") + 1)),
      other: [other],
    });
  }
}

beforeAll(async () => {
  kms = await startKmsLocal({
    account: RUNNER,
    accounts: ORGANISATION.map((a) => a.account_id),
    startKeys: {
      primaries: DR_KEYS,
      primaryRegion: "us-east-1",
      primaryTags: [{ TagKey: "dr", TagValue: "true" }],
    },
    refuseRoles: [REFUSED_ROLE],
    creatingDelayMs: 200,
  });
});
afterAll(async () => {
  await kms.stop();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** The environment every engine's container or runner gives the command: nothing else. */
function envFor(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...isolatedAwsEnv(home),
    AWS_ENDPOINT_URL: kms.url,
    NO_COLOR: "1",
    ...extra,
  };
  delete env.CI;
  return env;
}

interface Folders {
  /** The folder that holds the others (removed after the test file). */
  readonly base: string;
  readonly config: string;
  readonly results: string;
  /** workspace: one per shard job and one for the merge job (artifacts copied between them). */
  readonly shardWorkspace: (i: number) => string;
  readonly mergeWorkspace: string;
}

/** Every folder this file made, removed at its end. */
const temporary: string[] = [home];

/** The folders of one example's run, with the accounts file where its command line reads it. */
function folders(example: Example): Folders {
  const base = mkdtempSync(join(tmpdir(), "kms-replicate-example-"));
  const config = join(base, "config");
  const results = join(base, "results");
  mkdirSync(config);
  mkdirSync(results);
  const from = /--accounts-from\s+(\S+)/.exec(example.shards[0]?.script ?? "")?.[1] ?? "";
  if (example.kind === "mounts") {
    expect(from).toMatch(/^\/config\/[^/]+$/);
    writeFileSync(join(config, from.slice("/config/".length)), example.accountsFile);
  } else {
    expect(from).toMatch(/^[^/]+$/);
  }
  const shardWorkspace = (i: number): string => {
    const dir = join(base, `workspace-${i}`);
    if (!existsSync(dir)) {
      mkdirSync(dir);
      // actions/checkout: the repository, with its accounts file.
      writeFileSync(join(dir, from), example.accountsFile);
    }
    return dir;
  };
  const mergeWorkspace = join(base, "merge");
  mkdirSync(mergeWorkspace);
  temporary.push(base);
  return { base, config, results, shardWorkspace, mergeWorkspace };
}

/** Runs shard `i`'s command line as its engine would; its document where the merge step reads it. */
async function runShard(
  example: Example,
  i: number,
  dirs: Folders,
  extraEnv: Record<string, string> = {},
): Promise<ShellRun> {
  const shard = example.shards[i];
  if (shard === undefined) throw new TypeError(`no shard ${i}`);
  const env = envFor({ ...example.shardEnv, ...shard.env, ...extraEnv });
  if (example.kind === "mounts") return sh(mounted(withBin(shard.script), dirs), dirs.results, env);
  const workspace = dirs.shardWorkspace(i);
  const run = await sh(withBin(shard.script), workspace, env);
  // upload-artifact (if: always()) then download-artifact (merge-multiple): the file, if written.
  const file = `shard-${i + 1}.json`;
  if (existsSync(join(workspace, file))) copyFileSync(join(workspace, file), join(dirs.mergeWorkspace, file));
  return run;
}

async function runMerge(example: Example, dirs: Folders): Promise<ShellRun & { document: OrgDoc }> {
  const env = envFor({});
  const [script, cwd, out] =
    example.kind === "mounts"
      ? [mounted(withBin(example.merge), dirs), dirs.results, join(dirs.results, "organisation.json")]
      : [withBin(example.merge), dirs.mergeWorkspace, join(dirs.mergeWorkspace, "organisation.json")];
  const run = await sh(script, cwd, env);
  return { ...run, document: JSON.parse(readFileSync(out, "utf8")) as OrgDoc };
}

async function runUnsharded(example: Example, dirs: Folders): Promise<ShellRun & { document: OrgDoc }> {
  const [first] = example.shards;
  if (first === undefined) throw new TypeError("no shard");
  // The first shard's command line, with the shard flag and the index variable's place taken out.
  const script = unsharded(withBin(first.script)).replaceAll(/shard-[^"\s]*\.json/g, "unsharded.json");
  const cwd = example.kind === "mounts" ? dirs.results : dirs.shardWorkspace(0);
  const run = await sh(
    example.kind === "mounts" ? mounted(script, dirs) : script,
    cwd,
    envFor(example.shardEnv),
  );
  return { ...run, document: JSON.parse(readFileSync(join(cwd, "unsharded.json"), "utf8")) as OrgDoc };
}

// ---------------------------------------------------------------------------------------------
// Comparing documents.

interface OrgDoc {
  readonly version: number;
  readonly command: string;
  readonly ok: boolean;
  readonly exitCode: number;
  readonly shard: { index: number; count: number } | null;
  readonly missingShards?: readonly number[];
  readonly accounts: readonly {
    readonly account: string;
    readonly exitCode: number;
    readonly keys: readonly {
      readonly primary?: { keyId: string } | null;
      readonly regions?: { region: string; status: string }[];
    }[];
  }[];
  readonly totals: Record<string, unknown>;
  readonly warnings: readonly string[];
  readonly error: unknown;
}

/** Fields that say when or how long (they differ from run to run), dropped. */
const TIMES = new Set(["elapsedMs", "startedAt", "endedAt", "at", "waitedMs", "durationMs"]);

/**
 * A document's content without its times, and without key IDs (an endpoint makes new ones after a
 * reset): each account's keys compared as a set, by what they hold.
 */
function content(doc: OrgDoc): unknown {
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return value.replaceAll(/mrk-[0-9a-f]{32}/g, "mrk-*");
    if (Array.isArray(value)) return value.map(walk);
    if (!isRecord(value)) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([name]) => !TIMES.has(name))
        .map(([name, v]) => [name, walk(v)]),
    );
  };
  const accounts = doc.accounts.map((entry) => {
    const keys = entry.keys.map((k) => JSON.stringify(walk(k))).sort();
    return { ...(walk(entry) as object), keys };
  });
  const { totals, exitCode, ok, command, error, warnings } = doc;
  return walk({ command, ok, exitCode, error, accounts, totals, warnings: [...warnings].sort() });
}

/** An account's keys in a document: their primaries' key IDs, sorted. */
const keyIdsOf = (doc: OrgDoc, account: string): string[] =>
  (doc.accounts.find((a) => a.account === account)?.keys ?? []).map((k) => k.primary?.keyId ?? "").sort();

// ---------------------------------------------------------------------------------------------

const EXAMPLES_READ: readonly (readonly [string, () => Example])[] = [
  ["kubernetes-indexed-job.yaml", kubernetes],
  ["aws-batch/", batch],
  ["github-actions-matrix.yml", githubActions],
];

describe.each(EXAMPLES_READ)("docs/examples: %s", (_name, readExample) => {
  let example: Example;
  let dirs: Folders;
  let expected: readonly AccountLine[];

  beforeAll(() => {
    example = readExample();
    expected = (parse(example.accountsFile) as { accounts: AccountLine[] }).accounts.filter((a) =>
      (a.tags ?? []).includes("env:production"),
    );
    dirs = folders(example);
    // the endpoint serves every account of the example's file
    expect(kms.accounts).toEqual(expect.arrayContaining(expected.map((a) => a.account_id)));
  });

  it("its shards, run at once, then its merge, give one unsharded run's document, and every DR key its replica", async () => {
    // GIVEN a fresh endpoint: each account's DR primaries in us-east-1, one key without the tag
    kms.reset();
    seed();
    // WHEN every shard runs at once, with the index its engine sets, then the merge step
    const shards = await Promise.all(example.shards.map((_, i) => runShard(example, i, dirs)));
    const merged = await runMerge(example, dirs);
    // THEN every shard ended as its command line says (Kubernetes and Batch: 0 once written)
    for (const [i, shard] of shards.entries()) {
      if (example.kind === "mounts") expect(shard.code, shard.stderr).toBe(0);
      const file =
        example.kind === "mounts"
          ? join(dirs.results, `shard-${i}.json`)
          : join(dirs.mergeWorkspace, `shard-${i + 1}.json`);
      const doc = JSON.parse(readFileSync(file, "utf8")) as OrgDoc;
      expect(doc).toMatchObject({
        version: 3,
        command: "replicate",
        shard: { index: i + 1, count: example.shards.length },
      });
      if (example.kind === "workspace") expect(shard.code, shard.stderr).toBe(doc.exitCode);
    }
    // every production account exactly once, none other, none missing
    expect(merged.document.missingShards).toEqual([]);
    expect(merged.document.accounts.map((a) => a.account)).toEqual(expected.map((a) => a.account_id).sort());
    expect(merged.code, merged.stderr).toBe(merged.document.exitCode);
    // every DR key of every production account has its replica (but the refused account's),
    // nothing else was replicated
    const refused = REFUSED_ROLE.split(":")[4];
    for (const [account, keys] of seeded) {
      const replicas = kms
        .keys(TARGET, account)
        .map((k) => k.keyId)
        .sort();
      const wanted = expected.some((a) => a.account_id === account) && account !== refused ? keys.dr : [];
      expect(replicas, account).toEqual([...wanted].sort());
      if (expected.some((a) => a.account_id === account) && account !== refused) {
        expect(keyIdsOf(merged.document, account), account).toEqual([...keys.dr].sort());
      }
    }
    // the same document as one unsharded run of the same command line over the same file
    kms.reset();
    seed();
    const whole = await runUnsharded(example, dirs);
    expect(whole.document.shard).toBeNull();
    expect(merged.code).toBe(whole.code);
    expect(merged.document.totals).toEqual(whole.document.totals);
    expect(content(merged.document)).toEqual(content(whole.document));
  }, 120_000);

  it("a shard that wrote no document is named by the merge, which exits non-zero", async () => {
    // GIVEN the shards' documents of the run above, but shard 2's process ends before it writes
    // anything (node cannot start: as a container killed early, its shell's redirect leaves an
    // empty file; on GitHub the step fails and uploads that empty file)
    const failing = 1;
    const run = await runShard(example, failing, dirs, {
      NODE_OPTIONS: "--require=/nonexistent/preload.cjs",
    });
    if (example.kind === "mounts") expect(run.code).toBe(0);
    else expect(run.code).not.toBe(0);
    // WHEN the merge step runs
    const merged = await runMerge(example, dirs);
    // THEN it names the missing shard, and exits non-zero
    expect(merged.stderr).toMatch(new RegExp(`Shard ${failing + 1} of ${example.shards.length} missing`));
    expect(merged.document.missingShards).toEqual([failing + 1]);
    expect(merged.code).not.toBe(0);
    expect(merged.document.exitCode).toBe(merged.code);
  }, 60_000);
});
