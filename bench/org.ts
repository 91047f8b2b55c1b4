// The organisation part of `npm run bench` (`-- --only org` alone): 8 accounts × 50 multi-Region
// primaries in us-east-1 × 3 target Regions, replicated by one `--accounts … --role-name …` run of
// the real CLI, each account reached through STS AssumeRole on the local endpoint, which enforces
// KMS's request quotas per account and Region (scaled by ORG_SCALE). Then the same run as 4 shards
// in 4 processes (--shard I/4) at once, and `merge` of their documents. Ideal: the busiest account's
// quota-bound time (ideal.ts, per account: each account brings its own quotas).
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { KMS_QUOTAS } from "../src/aws/quotas.js";
import { startKmsLocal, type KmsLocal } from "../test/support/local-kms/server.js";
import { numberedAccounts } from "../test/support/local-kms/start-keys.js";
import { bucketMs, fleetIdeal, quotaFlags, type FleetIdeal, type QuotaBucket } from "./ideal.js";

/** What the benchmark gives this part: where the CLI is, its environment, a folder, a logger. */
export interface OrgBench {
  readonly bin: string;
  /** bench/rss-probe.mjs, for `node --import`. */
  readonly rssProbe: string;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  log(line?: string): void;
}

const ORG_ACCOUNTS = numberedAccounts(8);
const ORG_KEYS = 50;
const ORG_PRIMARY_REGION = "us-east-1";
const ORG_TARGETS = ["eu-west-1", "eu-central-1", "ap-southeast-2"];
const ORG_TAG = "bench=org";
const ORG_ROLE = "KmsReplicateBench";
const ORG_SHARDS = 4;
/** Round trip per Region (a fault rule's latencyMs, every account alike). */
const ORG_LATENCY: Readonly<Record<string, number>> = {
  "us-east-1": 20,
  "eu-west-1": 90,
  "eu-central-1": 40,
  "ap-southeast-2": 210,
};
/** Creating per target Region, all different. */
const ORG_CREATING: Readonly<Record<string, number>> = {
  "eu-west-1": 2000,
  "eu-central-1": 3000,
  "ap-southeast-2": 1000,
};
/**
 * Every KMS quota × this, per account (quotaScale; the CLI is told with --quota): ReplicateKey
 * 10/s in each account's us-east-1, so an account's 150 ReplicateKey take 15 s. At this scale the
 * 8 accounts together make about 450 calls a second (at KMS's own quotas, 225).
 */
export const ORG_SCALE = 2;

/** One account's buckets: 1 ReplicateKey in us-east-1 and 2 CreateKey in the target per replica. */
function accountBuckets(keys: number, scale: number): QuotaBucket[] {
  return [
    {
      quota: "ReplicateKey",
      region: ORG_PRIMARY_REGION,
      work: keys * ORG_TARGETS.length,
      perSecond: KMS_QUOTAS.ReplicateKey * scale,
      feeds: ORG_TARGETS,
    },
    ...ORG_TARGETS.map((region) => ({
      quota: "CreateKey",
      region,
      work: 2 * keys,
      perSecond: KMS_QUOTAS.CreateKey * scale,
      feeds: [region],
    })),
  ];
}

/** Each account's ideal (the same quotas and work in each), and the run's: the busiest account's. */
function idealOf(scale: number): { readonly account: FleetIdeal; readonly ms: number } {
  const account = fleetIdeal(
    accountBuckets(ORG_KEYS, scale),
    ORG_TARGETS.map((region) => ({
      region,
      creatingMs: ORG_CREATING[region] ?? 0,
      roundTripMs: ORG_LATENCY[region] ?? 0,
    })),
  );
  return { account, ms: Math.max(...ORG_ACCOUNTS.map(() => account.idealMs)) };
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

interface Process {
  readonly code: number;
  readonly wallMs: number;
  readonly startedAt: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly cpuMs: number;
  readonly peakRssMb: number;
}

/** One CLI process, with the CPU and peak RSS probe (rss-probe.mjs). */
function runCli(bench: OrgBench, server: KmsLocal, args: readonly string[], name: string): Promise<Process> {
  const rssFile = join(bench.home, `rss-${name}`);
  const cpuFile = join(bench.home, `cpu-${name}`);
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--import", bench.rssProbe, bench.bin, ...args], {
      // The endpoint (KMS and STS) and the Region from the environment, as a scheduler's job sets them.
      env: {
        ...bench.env,
        AWS_ENDPOINT_URL: server.url,
        AWS_REGION: ORG_PRIMARY_REGION,
        KMS_REPLICATE_RSS_FILE: rssFile,
        KMS_REPLICATE_CPU_FILE: cpuFile,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({
        code: code ?? -1,
        wallMs: performance.now() - t0,
        startedAt,
        stdout,
        stderr,
        cpuMs: Number(readFileSync(cpuFile, "utf8")),
        peakRssMb: round(Number(readFileSync(rssFile, "utf8")) / 2 ** 20, 1),
      }),
    );
  });
}

/** The run's command line: every tagged primary of us-east-1 in each account, into the 3 targets. */
const runArgs = (scale: number): string[] => [
  "replicate",
  "--accounts",
  ORG_ACCOUNTS.join(","),
  "--role-name",
  ORG_ROLE,
  "--all-primaries",
  "--region",
  ORG_PRIMARY_REGION,
  "--select-tag",
  ORG_TAG,
  "--regions",
  ORG_TARGETS.join(","),
  "--output",
  "json",
  "--quiet",
  ...quotaFlags(scale),
];

/** A fresh endpoint state: each account's start keys (made again), latencies, Creating times. */
function fresh(server: KmsLocal): void {
  server.reset();
  server.configure({
    creatingDelayByRegion: ORG_CREATING,
    faults: Object.entries(ORG_LATENCY).map(([region, latencyMs]) => ({ region, latencyMs })),
  });
}

interface OrgDocument {
  readonly exitCode: number;
  readonly accounts: readonly {
    readonly account: string;
    readonly keys: readonly { readonly primary?: { readonly keyId: string } | null }[];
  }[];
  readonly totals: Record<string, unknown>;
  readonly missingShards?: readonly number[];
}

/** What the endpoint saw of one run (one process or the shards together). */
interface Seen {
  readonly calls: number;
  readonly kmsCalls: number;
  /** Throttled for exceeding a quota / ThrottlingException of any kind. */
  readonly throttled: number;
  readonly throttlingExceptions: number;
  readonly throttledByAccount: Record<string, number>;
  /** Throttled by "account Region operation". */
  readonly throttledBy: Record<string, number>;
  readonly replicas: number;
  /** From the first process's start (ms): the first call, the last AssumeRole, the first ReplicateKey. */
  readonly firstCallMs: number;
  readonly lastAssumeRoleMs: number;
  readonly firstReplicateKeyMs: number;
  /** Per account, from the first process's start (ms): first and last ReplicateKey. */
  readonly replicateKeyMs: Record<string, readonly [number, number]>;
  /** The last replica Enabled, from the first process's start (ms). */
  readonly lastEnabledMs: number;
  /** Every account's keys as the document lists them are exactly its tagged primaries. */
  readonly documentKeysMatch: boolean;
}

function seen(server: KmsLocal, startedAt: number, doc: OrgDocument): Seen {
  const calls = server.calls();
  const throttles = server.throttled();
  const throttledByAccount: Record<string, number> = {};
  const throttledBy: Record<string, number> = {};
  for (const t of throttles) {
    throttledByAccount[t.account] = (throttledByAccount[t.account] ?? 0) + t.count;
    throttledBy[`${t.account} ${t.region} ${t.operation}`] = t.count;
  }
  const since = (at: number | undefined): number => Math.round((at ?? startedAt) - startedAt);
  const assumes = calls.filter((c) => c.operation === "AssumeRole").map((c) => c.at);
  const replicateKeys = calls.filter((c) => c.operation === "ReplicateKey").map((c) => c.at);
  const replicateKeyMs: Record<string, readonly [number, number]> = {};
  let lastEnabled = startedAt;
  let replicas = 0;
  let documentKeysMatch = true;
  for (const made of server.startKeys) {
    const sent = calls
      .filter((c) => c.account === made.account && c.operation === "ReplicateKey" && c.status === 200)
      .map((c) => c.at - startedAt);
    replicateKeyMs[made.account] = [Math.round(Math.min(...sent)), Math.round(Math.max(...sent))];
    for (const region of ORG_TARGETS) {
      const keys = server.keys(region, made.account);
      replicas += keys.length;
      for (const k of keys) lastEnabled = Math.max(lastEnabled, k.settledAt ?? k.createdAt);
    }
    const listed = (doc.accounts.find((a) => a.account === made.account)?.keys ?? [])
      .map((k) => k.primary?.keyId ?? "")
      .sort();
    const tagged = made.primaries.map((arn) => arn.slice(arn.lastIndexOf("/") + 1)).sort();
    documentKeysMatch &&= JSON.stringify(listed) === JSON.stringify(tagged);
  }
  return {
    calls: calls.length,
    kmsCalls: calls.filter((c) => c.service === "kms").length,
    throttled: throttles.reduce((n, t) => n + t.quota, 0),
    throttlingExceptions: throttles.reduce((n, t) => n + t.count, 0),
    throttledByAccount,
    throttledBy,
    replicas,
    firstCallMs: since(calls[0]?.at),
    lastAssumeRoleMs: since(Math.max(...assumes)),
    firstReplicateKeyMs: since(Math.min(...replicateKeys)),
    replicateKeyMs,
    lastEnabledMs: Math.round(lastEnabled - startedAt),
    documentKeysMatch,
  };
}

/** Fields that say when or how long: they differ from run to run. */
const TIMES = new Set(["elapsedMs"]);

/**
 * A document's content without its times and key IDs (the second run's keys are new ones, made
 * by the endpoint's reset): each account's keys as a set, by what they hold.
 */
function content(doc: OrgDocument & Record<string, unknown>): string {
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return value.replaceAll(/mrk-[0-9a-f]{32}/g, "mrk-*");
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== "object" || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([name]) => !TIMES.has(name))
        .map(([name, v]) => [name, walk(v)]),
    );
  };
  const accounts = doc.accounts.map((entry) => ({
    ...(walk(entry) as object),
    keys: entry.keys.map((k) => JSON.stringify(walk(k))).sort(),
  }));
  return JSON.stringify(walk({ exitCode: doc.exitCode, accounts, totals: doc.totals, error: doc.error }));
}

interface RunFigures {
  readonly exitCode: number;
  readonly wallMs: number;
  readonly wallOverIdeal: number;
  readonly cpuMs: number;
  readonly cpuMsPerCall: number;
  readonly peakRssMb: number;
  /** Each process's CPU time (ms): one, or each shard's. */
  readonly cpuMsByProcess: readonly number[];
  readonly seen: Seen;
  readonly loadAverage: number;
}

export interface OrgFigures {
  /** Every KMS quota × this, per account. */
  readonly scale: number;
  readonly ideal: { readonly account: FleetIdeal; readonly ms: number };
  readonly one: RunFigures;
  readonly sharded: RunFigures & {
    readonly shardWallMs: readonly number[];
    readonly shardExitCodes: readonly number[];
    readonly mergeMs: number;
    readonly missingShards: readonly number[];
  };
  /** The merged document equals the one-process run's (accounts, keys, statuses, totals, exit code). */
  readonly mergedEqualsOne: boolean;
  readonly accountsInDocument: number;
  readonly nodeMs: number;
}

function figures(
  processes: readonly Process[],
  wallMs: number,
  idealMs: number,
  seenRun: Seen,
  exitCode: number,
): RunFigures {
  const cpuMs = processes.reduce((n, p) => n + p.cpuMs, 0);
  return {
    exitCode,
    wallMs: Math.round(wallMs),
    wallOverIdeal: round(wallMs / idealMs, 3),
    cpuMs: Math.round(cpuMs),
    cpuMsPerCall: round(cpuMs / Math.max(1, seenRun.calls), 2),
    peakRssMb: Math.max(...processes.map((p) => p.peakRssMb)),
    cpuMsByProcess: processes.map((p) => Math.round(p.cpuMs)),
    seen: seenRun,
    loadAverage: round(loadavg()[0] ?? 0),
  };
}

/** `node -e 0`, median of 5: the machine's speed at the time, for the README. */
async function nodeStartMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    times.push(
      await new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
        child.once("error", reject);
        child.once("exit", () => resolve(performance.now() - t0));
      }),
    );
  }
  return round([...times].sort((a, b) => a - b)[2] ?? 0, 1);
}

/** `scale`: every KMS quota × this, per account (default ORG_SCALE; `npm run bench -- --org-scale X`). */
export async function organisation(bench: OrgBench, scale = ORG_SCALE): Promise<OrgFigures> {
  const ideal = idealOf(scale);
  const server = await startKmsLocal({
    enforceQuotas: true,
    quotaScale: scale,
    accounts: ORG_ACCOUNTS,
    startKeys: {
      primaries: ORG_KEYS,
      primaryRegion: ORG_PRIMARY_REGION,
      primaryTags: [{ TagKey: "bench", TagValue: "org" }],
    },
  });
  try {
    const nodeMs = await nodeStartMs();
    bench.log(
      `organisation: ${ORG_ACCOUNTS.length} accounts × ${ORG_KEYS} keys × ${ORG_TARGETS.length} Regions, quotas × ${scale} per account, one process …`,
    );
    fresh(server);
    const whole = await runCli(bench, server, runArgs(scale), "org-one");
    const wholeDoc = JSON.parse(whole.stdout || "{}") as OrgDocument & Record<string, unknown>;
    const one = figures([whole], whole.wallMs, ideal.ms, seen(server, whole.startedAt, wholeDoc), whole.code);
    bench.log(
      `  wall / ideal ${one.wallOverIdeal} (${one.wallMs} / ${Math.round(ideal.ms)} ms), throttled ${one.seen.throttled}, CPU ${one.cpuMsPerCall} ms a call, ${one.peakRssMb} MB, exit ${one.exitCode}`,
    );
    if (whole.code !== 0) bench.log(whole.stderr.trim());

    bench.log(`organisation: the same run as ${ORG_SHARDS} shards in ${ORG_SHARDS} processes, then merge …`);
    fresh(server);
    const t0 = performance.now();
    const startedAt = Date.now();
    const shards = await Promise.all(
      Array.from({ length: ORG_SHARDS }, (_, i) =>
        runCli(bench, server, [...runArgs(scale), "--shard", `${i + 1}/${ORG_SHARDS}`], `org-shard-${i + 1}`),
      ),
    );
    const shardsMs = performance.now() - t0;
    const files = shards.map((s, i) => {
      const file = join(bench.home, `org-shard-${i + 1}.json`);
      return { file, text: s.stdout };
    });
    for (const f of files) writeFileSync(f.file, f.text);
    const merge = await runCli(
      bench,
      server,
      ["merge", ...files.map((f) => f.file), "--output", "json"],
      "org-merge",
    );
    const wallMs = performance.now() - t0;
    const mergedDoc = JSON.parse(merge.stdout || "{}") as OrgDocument & Record<string, unknown>;
    const sharded = {
      ...figures(shards, wallMs, ideal.ms, seen(server, startedAt, mergedDoc), merge.code),
      shardWallMs: shards.map((s) => Math.round(s.wallMs)),
      shardExitCodes: shards.map((s) => s.code),
      mergeMs: Math.round(wallMs - shardsMs),
      missingShards: mergedDoc.missingShards ?? [],
    };
    const mergedEqualsOne = content(mergedDoc) === content(wholeDoc) && merge.code === whole.code;
    bench.log(
      `  wall / ideal ${sharded.wallOverIdeal} (${sharded.wallMs} ms; shards ${sharded.shardWallMs.join(", ")}, merge ${sharded.mergeMs}), throttled ${sharded.seen.throttled}, merged = one process: ${mergedEqualsOne}`,
    );
    return {
      scale,
      ideal,
      one,
      sharded,
      mergedEqualsOne,
      accountsInDocument: mergedDoc.accounts.length,
      nodeMs,
    };
  } finally {
    await server.stop();
  }
}

/** The organisation's part of bench/results.json. */
export function orgResults(f: OrgFigures): Record<string, unknown> {
  const { account } = f.ideal;
  const run = (r: RunFigures): Record<string, unknown> => ({
    wallOverIdeal: r.wallOverIdeal,
    wallMs: r.wallMs,
    exitCode: r.exitCode,
    throttled: r.seen.throttled,
    throttlingExceptions: r.seen.throttlingExceptions,
    throttledByAccount: r.seen.throttledByAccount,
    throttledBy: r.seen.throttledBy,
    calls: r.seen.calls,
    kmsCalls: r.seen.kmsCalls,
    cliCpuMs: r.cpuMs,
    cliCpuMsByProcess: r.cpuMsByProcess,
    cpuMsPerCall: r.cpuMsPerCall,
    peakRssMb: r.peakRssMb,
    replicas: r.seen.replicas,
    documentKeysMatch: r.seen.documentKeysMatch,
    timelineMs: {
      firstCall: r.seen.firstCallMs,
      lastAssumeRole: r.seen.lastAssumeRoleMs,
      firstReplicateKey: r.seen.firstReplicateKeyMs,
      lastEnabled: r.seen.lastEnabledMs,
      exit: r.wallMs,
    },
    replicateKeyMsByAccount: r.seen.replicateKeyMs,
    lastEnabledMs: r.seen.lastEnabledMs,
    loadAverage: r.loadAverage,
  });
  return {
    idealMs: Math.round(f.ideal.ms),
    accountIdeal: {
      quotaBoundMs: Math.round(account.quotaBoundMs),
      binding: {
        quota: account.binding.quota,
        work: account.binding.work,
        perSecond: account.binding.perSecond,
        ms: Math.round(bucketMs(account.binding)),
      },
      byTargetMs: account.byTargetMs,
    },
    one: run(f.one),
    sharded: {
      ...run(f.sharded),
      shardWallMs: f.sharded.shardWallMs,
      shardExitCodes: f.sharded.shardExitCodes,
      mergeMs: f.sharded.mergeMs,
      missingShards: f.sharded.missingShards,
    },
    mergedEqualsOne: f.mergedEqualsOne,
    accountsInDocument: f.accountsInDocument,
    nodeMs: f.nodeMs,
    cpus: cpus().length,
    parameters: {
      accounts: ORG_ACCOUNTS.length,
      keysPerAccount: ORG_KEYS,
      primaryRegion: ORG_PRIMARY_REGION,
      targets: ORG_TARGETS,
      shards: ORG_SHARDS,
      quotaScale: f.scale,
      latencyMs: ORG_LATENCY,
      creatingMs: ORG_CREATING,
    },
  };
}

export function orgRows(f: OrgFigures): [string, string, string][] {
  const { account, ms: idealMs } = f.ideal;
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  const { one, sharded } = f;
  const spread = (r: RunFigures): string => {
    const spans = Object.values(r.seen.replicateKeyMs);
    return `${s(Math.min(...spans.map((x) => x[0])))}–${s(Math.max(...spans.map((x) => x[1])))} s`;
  };
  const name = `org ${ORG_ACCOUNTS.length} accounts × ${ORG_KEYS} keys × ${ORG_TARGETS.length} Regions, quotas × ${f.scale}`;
  return [
    [
      `${name}: wall / ideal, one process`,
      `${one.wallOverIdeal} (${one.wallMs} / ${Math.round(idealMs)} ms; exit ${one.exitCode})`,
      "≤ 1.15",
    ],
    [
      `  ideal: the busiest account's ${account.binding.quota} ${account.binding.work} / ${account.binding.perSecond}/s + Creating + RTT`,
      `${s(account.quotaBoundMs)} s + ${s(idealMs - account.quotaBoundMs)} s`,
      "",
    ],
    [
      "  first call, last AssumeRole, ReplicateKey first – last (any account), last Enabled",
      `${s(one.seen.firstCallMs)}, ${s(one.seen.lastAssumeRoleMs)}, ${spread(one)}, ${s(one.seen.lastEnabledMs)} s`,
      `ideal 0, 0, 0–${s(account.quotaBoundMs)}, ${s(idealMs)}`,
    ],
    [
      "org throttled by the endpoint's quotas / ThrottlingException of any kind",
      `${one.seen.throttled} / ${one.seen.throttlingExceptions} (sharded: ${sharded.seen.throttled} / ${sharded.seen.throttlingExceptions})`,
      "0",
    ],
    [
      "org CPU ms per call (CLI user + sys / calls the endpoint received)",
      `${one.cpuMsPerCall} (${s(one.cpuMs)} s / ${one.seen.calls}); sharded ${sharded.cpuMsPerCall} (${sharded.cpuMsByProcess.map(s).join(" + ")} s / ${sharded.seen.calls})`,
      "",
    ],
    [
      "org peak RSS, one process / largest shard",
      `${one.peakRssMb} MB / ${sharded.peakRssMb} MB`,
      "< 200 MB",
    ],
    [
      `org as ${ORG_SHARDS} shards (--shard I/${ORG_SHARDS}, ${ORG_SHARDS} processes) + merge: wall / ideal`,
      `${sharded.wallOverIdeal} (${sharded.wallMs} ms: shards ${sharded.shardWallMs.map(s).join(", ")} s, merge ${sharded.mergeMs} ms)`,
      "≤ 1.15",
    ],
    [
      "org merged document = one process's (accounts, keys, statuses, totals, exit)",
      `${f.mergedEqualsOne} (${f.accountsInDocument} accounts, exit ${sharded.exitCode}; missing shards: ${sharded.missingShards.length})`,
      "true",
    ],
    [
      "  load average at the end (one process / sharded)",
      `${one.loadAverage} / ${sharded.loadAverage} on ${cpus().length} CPUs; node -e 0 ${f.nodeMs} ms`,
      "",
    ],
  ];
}
