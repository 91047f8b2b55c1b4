// `npm run bench`: kms-replicate's speed, API economy, start-up and memory against the local KMS
// endpoint, for one key and for a fleet of keys. Prints a table (or, with --json, one JSON document)
// and writes bench/results.json. Figures only: nothing here asserts, so a busy machine cannot make
// a test flaky. `--only startup` / `--only fleet` / `--only org` / `--only package` measure one part
// and merge it into results.json. The organisation part (many accounts, shards, merge) is in org.ts.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_POLL, DEFAULT_RETRY } from "../src/aws/backoff.js";
import { createKms } from "../src/aws/client.js";
import { splitTargets, toPrimary } from "../src/core/plan.js";
import { replicateRegions } from "../src/commands/replicate/run.js";
import { KMS_QUOTAS } from "../src/aws/quotas.js";
import { bucketMs, fleetIdeal, quotaFlags, type QuotaBucket } from "./ideal.js";
import { organisation, ORG_SCALE, orgResults, orgRows, type OrgBench } from "./org.js";
import { isolatedAwsEnv } from "../test/support/aws-env.js";
import {
  startKmsLocal,
  type CallRecord,
  type FaultRule,
  type KmsLocal,
} from "../test/support/local-kms/server.js";
import { formatBytes, packAndInstall, type PackageFigures } from "../test/support/package.js";

const root = new URL("..", import.meta.url);
const bin = fileURLToPath(new URL("bin/kms-replicate.js", root));
const rssProbe = new URL("bench/rss-probe.mjs", root).href;
const jsonOnly = process.argv.includes("--json");
/** `--only startup` / `fleet` / `org` / `package`: only those figures, merged into bench/results.json. */
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
if (only !== undefined && !["startup", "fleet", "org", "package"].includes(only)) {
  process.stderr.write(
    `bench: --only takes "startup", "fleet", "org" or "package", not ${JSON.stringify(only)}\n`,
  );
  process.exit(2);
}
/** `--org-scale X`: the organisation part's quotas × X (default ORG_SCALE in org.ts). */
const orgScaleAt = process.argv.indexOf("--org-scale");
const orgScale = orgScaleAt === -1 ? ORG_SCALE : Number(process.argv[orgScaleAt + 1]);
if (!(orgScale > 0)) {
  process.stderr.write(`bench: --org-scale takes a number above 0, not ${process.argv[orgScaleAt + 1]}\n`);
  process.exit(2);
}
/** The Node.js major versions the start-up is measured on: the supported ones (CI runs each). */
const NODE_MAJORS = [20, 22, 24];
const log = (line = ""): void => {
  if (!jsonOnly) process.stderr.write(`${line}\n`);
};

const PRIMARY_REGION = "us-east-1";
const TEN = [
  "eu-west-1",
  "eu-central-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "sa-east-1",
  "ca-central-1",
  "us-west-2",
  "eu-north-1",
  "ap-south-1",
  "me-south-1",
];
const TWENTY = [
  ...TEN,
  "us-east-2",
  "us-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "ap-southeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "af-south-1",
  "il-central-1",
];
/** Round-trip latency per Region, 50–300 ms. */
const LATENCY: Record<string, number> = Object.fromEntries(
  TEN.map((r, i) => [r, Math.round(50 + (250 * i) / 9)]),
);
/** Creating duration per Region, 1–6 s, all different, not in the order the Regions are requested. */
const CREATING = [3200, 1000, 6000, 2100, 4300, 5400, 1500, 3800, 2600, 4900];
const CREATING_BY_REGION: Record<string, number> = Object.fromEntries(
  TEN.map((r, i) => [r, CREATING[i] ?? 3000]),
);
const SIX_SECOND_REGION = TEN[CREATING.indexOf(6000)] ?? "ap-southeast-2";

const home = mkdtempSync(join(tmpdir(), "kms-replicate-bench-"));
const env: NodeJS.ProcessEnv = {
  ...isolatedAwsEnv(home),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  NO_COLOR: "1",
};
delete env.CI;
// The in-process sequential run resolves credentials from this process's environment.
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
});
process.env.AWS_CONFIG_FILE = env.AWS_CONFIG_FILE;
process.env.AWS_SHARED_CREDENTIALS_FILE = env.AWS_SHARED_CREDENTIALS_FILE;
process.env.AWS_EC2_METADATA_DISABLED = "true";

interface Run {
  readonly code: number;
  readonly wallMs: number;
  readonly startedAt: number;
  readonly stdout: string;
}

function runCli(
  args: readonly string[],
  nodeArgs: readonly string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, bin, ...args], {
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      resolve({ code: code ?? -1, wallMs: performance.now() - t0, startedAt, stdout }),
    );
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The most calls that arrived within any window of 1 s. */
function maxPerSecond(calls: readonly CallRecord[]): number {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i += 1) {
    while ((times[j] ?? Infinity) < (times[i] ?? 0) - 999) j += 1;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function latencyRules(regions: readonly string[]): FaultRule[] {
  return [
    { region: PRIMARY_REGION, latencyMs: 100 },
    ...regions.map((region) => ({ region, latencyMs: LATENCY[region] ?? 50 })),
  ];
}

interface FanoutFigures {
  readonly exitCode: number;
  readonly wallMs: number;
  readonly idealMs: number;
  readonly wallOverIdeal: number;
  readonly detectionLagMs: Record<string, number>;
  readonly maxDetectionLagMs: number;
  readonly describeCallsPerReplica: number;
  readonly meanDescribeCallsPerReplica: number;
  readonly maxReplicateKeyPerSecond: number;
  readonly maxDescribeKeyPerSecondPerRegion: number;
  /** Calls the endpoint throttled for exceeding KMS's request quotas (target 0). */
  readonly quotaThrottled: number;
  readonly allSucceeded: boolean;
}

/** One 10-Region run of the real CLI, measured from process start to process exit. */
async function fanout(server: KmsLocal, faults: readonly FaultRule[] = []): Promise<FanoutFigures> {
  server.reset();
  server.configure({
    creatingDelayByRegion: CREATING_BY_REGION,
    faults: [...latencyRules(TEN), ...faults],
    seed: 7,
  });
  const primary = server.createKey(PRIMARY_REGION, { MultiRegion: true });
  const run = await runCli([
    "--key",
    String(primary.Arn),
    "--regions",
    TEN.join(","),
    "--endpoint-url",
    server.url,
    "--output",
    "json",
    "--quiet",
  ]);
  const endedAt = run.startedAt + run.wallMs;
  const replicas = TEN.flatMap((region) => server.keys(region));
  const idealEnd = Math.max(...replicas.map((k) => k.settledAt ?? k.createdAt));
  const detectionLagMs: Record<string, number> = {};
  for (const replica of replicas) {
    const seen = server
      .calls({ region: replica.region, operation: "DescribeKey" })
      .find((c) => c.keyState === "Enabled");
    if (seen !== undefined && replica.settledAt !== undefined) {
      detectionLagMs[replica.region] = Math.round(
        seen.at + (LATENCY[replica.region] ?? 0) - replica.settledAt,
      );
    }
  }
  const describes = TEN.map((region) => server.callCount(region, "DescribeKey"));
  const doc = JSON.parse(run.stdout || "{}") as { regions?: { status: string }[] };
  return {
    exitCode: run.code,
    wallMs: Math.round(run.wallMs),
    idealMs: idealEnd - run.startedAt,
    wallOverIdeal: round(run.wallMs / (idealEnd - run.startedAt), 3),
    detectionLagMs,
    maxDetectionLagMs: Math.max(...Object.values(detectionLagMs)),
    describeCallsPerReplica: server.callCount(SIX_SECOND_REGION, "DescribeKey"),
    meanDescribeCallsPerReplica: round(describes.reduce((a, b) => a + b, 0) / TEN.length, 1),
    maxReplicateKeyPerSecond: maxPerSecond(server.calls({ operation: "ReplicateKey" })),
    maxDescribeKeyPerSecondPerRegion: Math.max(
      ...TEN.map((region) => maxPerSecond(server.calls({ region, operation: "DescribeKey" }))),
    ),
    quotaThrottled: server.throttled().reduce((n, t) => n + t.quota, 0),
    allSucceeded:
      run.code === 0 &&
      replicas.length === TEN.length &&
      (doc.regions ?? []).every((r) => r.status === "created") &&
      endedAt > idealEnd,
  };
}

/** The way a script does it: ReplicateKey, wait, next Region; the same client code, one at a time. */
async function sequential(server: KmsLocal): Promise<number> {
  server.reset();
  server.configure({ creatingDelayByRegion: CREATING_BY_REGION, faults: latencyRules(TEN) });
  const metadata = server.createKey(PRIMARY_REGION, { MultiRegion: true });
  const kms = createKms({ endpointUrl: server.url });
  const t0 = performance.now();
  const described = await kms.describeKey(PRIMARY_REGION, String(metadata.Arn));
  const primary = toPrimary(described, { kind: "key-id", value: String(metadata.Arn) }, PRIMARY_REGION);
  for (const region of TEN) {
    const plan = splitTargets(primary, [region]);
    await replicateRegions(plan, [region], {
      kms,
      emit: () => undefined,
      signal: new AbortController().signal,
      startedAt: t0,
      deadline: performance.now() + 60_000,
      desired: {},
      bypassPolicyLockoutSafetyCheck: false,
      wait: true,
      dryRun: false,
    });
  }
  return performance.now() - t0;
}

interface StartupFigures {
  readonly nodeMs: number;
  readonly versionMs: number;
  readonly helpMs: number;
  readonly completionMs: number;
  readonly invalidRegionMs: number;
  readonly versionRatio: number;
  readonly helpRatio: number;
  readonly completionRatio: number;
  readonly invalidRegionRatio: number;
}

/**
 * Start-up of `--version`, `--help`, `completion bash` and a usage error (a Region typo: exit 2
 * before any call) against bare `node -e 0`, on one Node.js.
 */
async function startup(node: string): Promise<StartupFigures> {
  const commands: Record<string, () => Promise<number>> = {
    node: () => timeProcess([node, "-e", "0"]),
    version: () => timeProcess([node, bin, "--version"]),
    help: () => timeProcess([node, bin, "--help"]),
    completion: () => timeProcess([node, bin, "completion", "bash"]),
    invalidRegion: () =>
      timeProcess([
        node,
        bin,
        "--key",
        "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        "--regions",
        "eu-wset-1",
      ]),
  };
  const samples: Record<string, number[]> = {
    node: [],
    version: [],
    help: [],
    completion: [],
    invalidRegion: [],
  };
  for (let round = 0; round < 15; round += 1) {
    // Interleaved, so a burst of load on the machine hits every command alike.
    for (const [name, time] of Object.entries(commands)) samples[name]?.push(await time());
  }
  const start = {
    node: median(samples.node ?? []),
    version: median(samples.version ?? []),
    help: median(samples.help ?? []),
    completion: median(samples.completion ?? []),
    invalidRegion: median(samples.invalidRegion ?? []),
  };
  return {
    nodeMs: round(start.node, 1),
    versionMs: round(start.version, 1),
    helpMs: round(start.help, 1),
    completionMs: round(start.completion, 1),
    invalidRegionMs: round(start.invalidRegion, 1),
    versionRatio: round(start.version / start.node),
    helpRatio: round(start.help / start.node),
    completionRatio: round(start.completion / start.node),
    invalidRegionRatio: round(start.invalidRegion / start.node),
  };
}

/**
 * The node binary of each supported major version: this one, and the others from the npm registry
 * through .ci/node-bin, the same binaries CI runs the suite on. One that cannot be fetched is skipped.
 */
function nodeBinaries(): { version: string; path: string }[] {
  const found: { version: string; path: string }[] = [];
  for (const major of NODE_MAJORS) {
    let path = process.execPath;
    if (Number(process.versions.node.split(".")[0]) !== major) {
      try {
        const dir = execFileSync(fileURLToPath(new URL(".ci/node-bin", root)), [String(major)], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        });
        path = join(dir.trim(), "node");
      } catch {
        log(`start-up: Node.js ${major} could not be fetched (.ci/node-bin ${major}); skipped`);
        continue;
      }
    }
    found.push({ version: execFileSync(path, ["-p", "process.version"], { encoding: "utf8" }).trim(), path });
  }
  return found;
}

async function startupByNode(): Promise<Record<string, StartupFigures>> {
  const figures: Record<string, StartupFigures> = {};
  for (const node of nodeBinaries()) {
    log(`start-up on Node.js ${node.version}: 15 rounds …`);
    figures[node.version] = await startup(node.path);
  }
  return figures;
}

function startupRows(
  figures: Record<string, StartupFigures>,
  ours: StartupFigures,
): [string, string, string][] {
  return [
    [
      "start-up --version / node -e 0",
      `${ours.versionRatio} (${ours.versionMs} / ${ours.nodeMs} ms)`,
      "≤ 1.3",
    ],
    ["start-up --help / node -e 0", `${ours.helpRatio} (${ours.helpMs} ms)`, "≤ 1.3"],
    ["start-up completion bash / node -e 0", `${ours.completionRatio} (${ours.completionMs} ms)`, "≤ 1.3"],
    [
      "start-up usage error (Region typo) / node -e 0",
      `${ours.invalidRegionRatio} (${ours.invalidRegionMs} ms)`,
      "≤ 2",
    ],
    ...Object.entries(figures).map(([version, f]): [string, string, string] => [
      `start-up on Node.js ${version}: --version, --help, completion, usage error / node -e 0`,
      `${f.versionRatio}, ${f.helpRatio}, ${f.completionRatio}, ${f.invalidRegionRatio} (${f.versionMs}, ${f.helpMs}, ${f.completionMs}, ${f.invalidRegionMs} / ${f.nodeMs} ms)`,
      "≤ 1.3, 1.3, 1.3, 2",
    ]),
  ];
}

function printRows(rows: readonly [string, string, string][]): void {
  const width = Math.max(...rows.map((r) => r[0].length));
  log();
  log(`${"figure".padEnd(width)}  ${"measured".padEnd(52)}  target`);
  for (const [name, value, target] of rows) log(`${name.padEnd(width)}  ${value.padEnd(52)}  ${target}`);
  log();
}

function timeProcess(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const [command = process.execPath, ...args] = argv;
    const child = spawn(command, args, { env, stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", () => resolve(performance.now() - t0));
  });
}

/**
 * The package's size as a user gets it (test/support/package.ts: npm pack, then npm install -g of
 * the tarball, offline, into an empty prefix): the README's Install figures, which
 * test/e2e/package.e2e.test.ts checks against the same measurement.
 */
async function packageFigures(): Promise<PackageFigures> {
  const work = mkdtempSync(join(tmpdir(), "kms-replicate-bench-package-"));
  try {
    return (await packAndInstall(fileURLToPath(root), work)).figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function packageRows(f: PackageFigures): [string, string, string][] {
  const figure = (bytes: number): string => `${formatBytes(bytes)} (${bytes.toLocaleString("en")} bytes)`;
  return [
    [`package: tarball, the download (${f.files} files)`, figure(f.tarballBytes), "< 1 MiB"],
    ["package: unpacked (npm pack)", figure(f.unpackedBytes), "< 3 MiB"],
    ["package: installed (npm install -g, its folder)", figure(f.installedBytes), "< 3 MiB"],
  ];
}

async function memory(server: KmsLocal): Promise<number> {
  server.reset();
  server.configure({ creatingDelayMs: 1500, faults: [{ latencyMs: 20 }] });
  const primary = server.createKey(PRIMARY_REGION, { MultiRegion: true });
  const file = join(home, "rss");
  const run = await runCli(
    [
      "--key",
      String(primary.Arn),
      "--regions",
      TWENTY.join(","),
      "--endpoint-url",
      server.url,
      "--output",
      "json",
      "--quiet",
    ],
    ["--import", rssProbe],
    { KMS_REPLICATE_RSS_FILE: file },
  );
  if (run.code !== 0) throw new Error(`the 20-Region run exited ${run.code}`);
  return Number(readFileSync(file, "utf8")) / (1024 * 1024);
}

// ---------------------------------------------------------------------------------------------
// Fleet: 200 multi-Region primaries in 4 Regions, replicated into 5 Regions by one `--all-primaries`
// run, with the endpoint enforcing KMS's request quotas (scaled by FLEET_SCALE so that a run takes
// seconds, not minutes: what counts is the ratio to what the quotas allow).

/** Where the fleet's primaries are: FLEET_KEYS_PER_REGION tagged keys each, and some to skip. */
const FLEET_PRIMARY_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"];
/** The Regions every key is replicated into (none of them a primary Region). */
const FLEET_TARGETS = ["eu-west-1", "ap-northeast-1", "sa-east-1", "eu-central-1", "ap-southeast-2"];
/** Round trip per Region (a fault rule's latencyMs): primaries near the client, targets 40–250 ms. */
const FLEET_LATENCY: Readonly<Record<string, number>> = {
  "us-east-1": 20,
  "us-east-2": 35,
  "us-west-1": 75,
  "us-west-2": 65,
  "eu-west-1": 90,
  "ap-northeast-1": 170,
  "sa-east-1": 250,
  "eu-central-1": 40,
  "ap-southeast-2": 210,
};
/** Creating per target Region, 1–6 s, all different and not in the order the Regions are requested. */
const FLEET_CREATING: Readonly<Record<string, number>> = {
  "eu-west-1": 3500,
  "ap-northeast-1": 6000,
  "sa-east-1": 1000,
  "eu-central-1": 4500,
  "ap-southeast-2": 2000,
};
const FLEET_KEYS_PER_REGION = 50;
/**
 * Every KMS quota × this, on the endpoint (quotaScale) and told to the CLI (--quota, from
 * src/aws/quotas.ts KMS_QUOTAS): CreateKey 5/s becomes 50/s, so a target's 400 CreateKey take 8 s.
 */
const FLEET_SCALE = 10;
const FLEET_TAG = "bench=fleet";
/** The memory run: 250 keys per primary Region (1,000 keys, 5,000 replicas), quotas × 100, Creating 1 s. */
const MEMORY_KEYS_PER_REGION = 250;
const MEMORY_SCALE = 100;
const MEMORY_CREATING_MS = 1000;
/** Key after key: this many keys, the first of each primary Region in turn, extrapolated to all 200. */
const KEY_BY_KEY_SAMPLE = 20;
/** Fleet runs per measurement; the median by wall / ideal is reported. */
const FLEET_RUNS = 3;

/** A fresh endpoint for a fleet run: quotas × scale, each Region's latency, each target's Creating. */
function configureFleet(server: KmsLocal, scale: number, creating: Readonly<Record<string, number>>): void {
  server.reset();
  server.configure({
    quotaScale: scale,
    creatingDelayByRegion: creating,
    faults: Object.entries(FLEET_LATENCY).map(([region, latencyMs]) => ({ region, latencyMs })),
  });
}

/** Keys per primary Region that --select-tag or --all-primaries must leave out (seedFleet). */
const FLEET_SKIPPED_PER_REGION = 5;

/**
 * The fleet's keys: in each primary Region, `perRegion` multi-Region primaries tagged bench=fleet
 * (their ARNs, by Region), and FLEET_SKIPPED_PER_REGION keys the selection must skip, mixed in
 * among them, of three kinds in turn: multi-Region without the tag, multi-Region tagged
 * bench=other, single-Region tagged bench=fleet.
 */
function seedFleet(server: KmsLocal, perRegion: number): Record<string, string[]> {
  const tags = (value: string): { Tags: { TagKey: string; TagValue: string }[] } => ({
    Tags: [{ TagKey: "bench", TagValue: value }],
  });
  const byRegion: Record<string, string[]> = {};
  let skipped = 0;
  for (const region of FLEET_PRIMARY_REGIONS) {
    const arns: string[] = [];
    for (let i = 0; i < perRegion; i += 1) {
      // The keys to skip are mixed in among the others, as ListKeys would list them in an account.
      if (i % Math.ceil(perRegion / FLEET_SKIPPED_PER_REGION) === 2) {
        const skip = [
          { MultiRegion: true },
          { MultiRegion: true, ...tags("other") },
          { MultiRegion: false, ...tags("fleet") },
        ][skipped % 3];
        server.createKey(region, skip);
        skipped += 1;
      }
      arns.push(String(server.createKey(region, { MultiRegion: true, ...tags("fleet") }).Arn));
    }
    byRegion[region] = arns;
  }
  return byRegion;
}

/** The CLI's fleet run: every primary of the 4 Regions tagged bench=fleet, into the 5 targets. */
function fleetArgs(server: KmsLocal, scale: number): string[] {
  return [
    "--all-primaries",
    ...FLEET_PRIMARY_REGIONS.flatMap((region) => ["--region", region]),
    "--select-tag",
    FLEET_TAG,
    ...targetArgs(server, scale),
  ];
}

/** What the fleet run and each key-after-key run share: the 5 targets, the endpoint, the quotas. */
function targetArgs(server: KmsLocal, scale: number): string[] {
  return [
    "--regions",
    FLEET_TARGETS.join(","),
    "--endpoint-url",
    server.url,
    "--output",
    "json",
    "--quiet",
    ...quotaFlags(scale),
  ];
}

/**
 * The buckets of a fleet run: each ReplicateKey costs 1 ReplicateKey in its primary's Region and 2
 * CreateKey in the replica's Region (KMS's quota rules; src/aws/quotas.ts costOf).
 */
function fleetBuckets(keysPerRegion: number, scale: number): QuotaBucket[] {
  return [
    ...FLEET_PRIMARY_REGIONS.map((region) => ({
      quota: "ReplicateKey",
      region,
      work: keysPerRegion * FLEET_TARGETS.length,
      perSecond: KMS_QUOTAS.ReplicateKey * scale,
      feeds: FLEET_TARGETS,
    })),
    ...FLEET_TARGETS.map((region) => ({
      quota: "CreateKey",
      region,
      work: 2 * keysPerRegion * FLEET_PRIMARY_REGIONS.length,
      perSecond: KMS_QUOTAS.CreateKey * scale,
      feeds: [region],
    })),
  ];
}

const FLEET_IDEAL = fleetIdeal(
  fleetBuckets(FLEET_KEYS_PER_REGION, FLEET_SCALE),
  FLEET_TARGETS.map((region) => ({
    region,
    creatingMs: FLEET_CREATING[region] ?? 0,
    roundTripMs: FLEET_LATENCY[region] ?? 0,
  })),
);

interface FleetRunFigures {
  readonly exitCode: number;
  readonly wallMs: number;
  readonly wallOverIdeal: number;
  /** From the process's start (ms): the first request at the endpoint (start-up). */
  readonly firstCallMs: number;
  /** The last selection call (ListKeys, DescribeKey, ListResourceTags in a primary Region). */
  readonly selectionEndMs: number;
  readonly firstReplicateKeyMs: number;
  readonly lastReplicateKeyMs: number;
  /** The last replica Enabled on the endpoint. */
  readonly lastEnabledMs: number;
  /** Per target: its last replica created and Enabled, from the process's start. */
  readonly byTarget: Record<string, { readonly lastCreatedMs: number; readonly lastEnabledMs: number }>;
  /** Requests the endpoint throttled for exceeding a quota (target 0). */
  readonly throttled: number;
  /** ThrottlingException answers of any kind. */
  readonly throttlingExceptions: number;
  /** DescribeKey calls in the target Regions over the replicas: all of them, and per Region. */
  readonly describeCallsPerReplica: number;
  readonly describeCallsPerReplicaByRegion: Record<string, number>;
  readonly keysSelected: number;
  readonly replicas: number;
  readonly allSucceeded: boolean;
  /** The CLI's CPU time (user + system) and peak RSS, from rss-probe.mjs. */
  readonly cliCpuMs: number;
  readonly peakRssMb: number;
  /** This process's CPU time during the run: the endpoint's work (the benchmark's own is small). */
  readonly endpointCpuMs: number;
  /** The machine's 1-minute load average at the end of the run (other work slows the run down). */
  readonly loadAverage: number;
}

interface FleetDocument {
  readonly ok?: boolean;
  readonly selection?: { readonly selected?: number };
  readonly keys?: readonly { readonly regions?: readonly { readonly status?: string }[] }[];
}

/** One fleet run of the real CLI on a fresh endpoint, measured from process start to exit. */
async function fleetRun(server: KmsLocal): Promise<FleetRunFigures> {
  configureFleet(server, FLEET_SCALE, FLEET_CREATING);
  const byRegion = seedFleet(server, FLEET_KEYS_PER_REGION);
  const expected = Object.values(byRegion).flat().length;
  const rssFile = join(home, "rss-fleet-run");
  const cpuFile = join(home, "cpu-fleet-run");
  const cpu0 = process.cpuUsage();
  const run = await runCli(fleetArgs(server, FLEET_SCALE), ["--import", rssProbe], {
    KMS_REPLICATE_RSS_FILE: rssFile,
    KMS_REPLICATE_CPU_FILE: cpuFile,
  });
  const endpointCpu = process.cpuUsage(cpu0);
  const since = (at: number): number => Math.round(at - run.startedAt);
  const calls = server.calls();
  const replicateKeys = calls.filter((c) => c.operation === "ReplicateKey" && c.status === 200);
  const selection = calls.filter(
    (c) => FLEET_PRIMARY_REGIONS.includes(c.region) && c.operation !== "ReplicateKey",
  );
  const byTarget: FleetRunFigures["byTarget"] = {};
  const describeCallsPerReplicaByRegion: Record<string, number> = {};
  let replicas = 0;
  let describes = 0;
  for (const region of FLEET_TARGETS) {
    const keys = server.keys(region);
    replicas += keys.length;
    const regionDescribes = server.callCount(region, "DescribeKey");
    describes += regionDescribes;
    describeCallsPerReplicaByRegion[region] = round(regionDescribes / Math.max(1, keys.length), 1);
    byTarget[region] = {
      lastCreatedMs: since(Math.max(...keys.map((k) => k.createdAt))),
      lastEnabledMs: since(Math.max(...keys.map((k) => k.settledAt ?? k.createdAt))),
    };
  }
  const throttles = server.throttled();
  const doc = JSON.parse(run.stdout || "{}") as FleetDocument;
  const lastEnabledMs = Math.max(...Object.values(byTarget).map((t) => t.lastEnabledMs));
  return {
    exitCode: run.code,
    wallMs: Math.round(run.wallMs),
    wallOverIdeal: round(run.wallMs / FLEET_IDEAL.idealMs, 3),
    firstCallMs: since(calls[0]?.at ?? run.startedAt),
    selectionEndMs: since(Math.max(...selection.map((c) => c.at))),
    firstReplicateKeyMs: since(replicateKeys[0]?.at ?? run.startedAt),
    lastReplicateKeyMs: since(Math.max(...replicateKeys.map((c) => c.at))),
    lastEnabledMs,
    byTarget,
    throttled: throttles.reduce((n, t) => n + t.quota, 0),
    throttlingExceptions: throttles.reduce((n, t) => n + t.count, 0),
    describeCallsPerReplica: round(describes / Math.max(1, replicas), 2),
    describeCallsPerReplicaByRegion,
    keysSelected: doc.selection?.selected ?? doc.keys?.length ?? 0,
    replicas,
    allSucceeded:
      run.code === 0 &&
      doc.ok === true &&
      doc.keys?.length === expected &&
      doc.keys.every((k) => (k.regions ?? []).every((r) => r.status === "created")) &&
      replicas === expected * FLEET_TARGETS.length,
    cliCpuMs: Math.round(Number(readFileSync(cpuFile, "utf8"))),
    peakRssMb: round(Number(readFileSync(rssFile, "utf8")) / (1024 * 1024), 1),
    endpointCpuMs: Math.round((endpointCpu.user + endpointCpu.system) / 1000),
    loadAverage: round(loadavg()[0] ?? 0),
  };
}

interface FleetMemoryFigures {
  readonly peakRssMb: number;
  readonly wallMs: number;
  readonly replicas: number;
  readonly throttled: number;
}

/** Peak RSS of one fleet run of 1,000 keys × 5 Regions (5,000 replicas), quotas × MEMORY_SCALE. */
async function fleetMemory(server: KmsLocal): Promise<FleetMemoryFigures> {
  configureFleet(
    server,
    MEMORY_SCALE,
    Object.fromEntries(FLEET_TARGETS.map((region) => [region, MEMORY_CREATING_MS])),
  );
  seedFleet(server, MEMORY_KEYS_PER_REGION);
  const file = join(home, "rss-fleet");
  const run = await runCli(fleetArgs(server, MEMORY_SCALE), ["--import", rssProbe], {
    KMS_REPLICATE_RSS_FILE: file,
  });
  if (run.code !== 0) throw new Error(`the 5,000-replica fleet run exited ${run.code}`);
  return {
    peakRssMb: round(Number(readFileSync(file, "utf8")) / (1024 * 1024), 1),
    wallMs: Math.round(run.wallMs),
    replicas: FLEET_TARGETS.reduce((n, region) => n + server.keys(region).length, 0),
    throttled: server.throttled().reduce((n, t) => n + t.quota, 0),
  };
}

interface KeyByKeyFigures {
  readonly sampleKeys: number;
  readonly totalKeys: number;
  readonly perKeyMs: { readonly mean: number; readonly min: number; readonly max: number };
  readonly sampleMs: number;
  readonly extrapolatedMs: number;
  /** Single-key runs that did not exit 0 (their time counts all the same). */
  readonly failed: number;
}

/**
 * Today's single-key flow, key after key, as a shell loop would run it: one process per key
 * (`--key ARN --regions …`), one after the other, on the same endpoint settings as the fleet run.
 * A sample of KEY_BY_KEY_SAMPLE keys (the same number from each primary Region) is run and
 * extrapolated linearly to all keys: each key's run is independent of the others (its own
 * process, its own 5 ReplicateKey far below the quotas, its own wait).
 */
async function keyByKey(server: KmsLocal): Promise<KeyByKeyFigures> {
  configureFleet(server, FLEET_SCALE, FLEET_CREATING);
  const byRegion = seedFleet(server, FLEET_KEYS_PER_REGION);
  const perRegion = Math.ceil(KEY_BY_KEY_SAMPLE / FLEET_PRIMARY_REGIONS.length);
  const sample = FLEET_PRIMARY_REGIONS.flatMap((region) => (byRegion[region] ?? []).slice(0, perRegion));
  const times: number[] = [];
  let failed = 0;
  for (const arn of sample) {
    const run = await runCli(["--key", arn, ...targetArgs(server, FLEET_SCALE)]);
    if (run.code !== 0) {
      failed += 1;
      log(`  the single-key run of ${arn} exited ${run.code}`);
    }
    times.push(run.wallMs);
  }
  const sampleMs = times.reduce((a, b) => a + b, 0);
  const totalKeys = Object.values(byRegion).flat().length;
  return {
    sampleKeys: sample.length,
    totalKeys,
    perKeyMs: {
      mean: Math.round(sampleMs / times.length),
      min: Math.round(Math.min(...times)),
      max: Math.round(Math.max(...times)),
    },
    sampleMs: Math.round(sampleMs),
    extrapolatedMs: Math.round((sampleMs / times.length) * totalKeys),
    failed,
  };
}

interface FleetFigures {
  readonly runs: readonly FleetRunFigures[];
  readonly median: FleetRunFigures;
  readonly memory: FleetMemoryFigures;
  readonly keyByKey: KeyByKeyFigures;
}

async function fleet(server: KmsLocal): Promise<FleetFigures> {
  log(
    `fleet: ${FLEET_RUNS} runs of ${FLEET_KEYS_PER_REGION * FLEET_PRIMARY_REGIONS.length} keys × ${FLEET_TARGETS.length} Regions, quotas × ${FLEET_SCALE} …`,
  );
  const runs: FleetRunFigures[] = [];
  for (let i = 0; i < FLEET_RUNS; i += 1) {
    const run = await fleetRun(server);
    log(
      `  wall / ideal ${run.wallOverIdeal} (${run.wallMs} / ${Math.round(FLEET_IDEAL.idealMs)} ms), ReplicateKey ${run.firstReplicateKeyMs}–${run.lastReplicateKeyMs} ms, throttled ${run.throttled}, CLI CPU ${run.cliCpuMs} ms, load ${run.loadAverage}, all created: ${run.allSucceeded}`,
    );
    runs.push(run);
  }
  const median = [...runs].sort((a, b) => a.wallOverIdeal - b.wallOverIdeal)[Math.floor(runs.length / 2)];
  if (median === undefined) throw new Error("no fleet run");
  log(
    `fleet memory: ${MEMORY_KEYS_PER_REGION * FLEET_PRIMARY_REGIONS.length} keys × ${FLEET_TARGETS.length} Regions, quotas × ${MEMORY_SCALE} …`,
  );
  const memory = await fleetMemory(server);
  log(`fleet key after key: ${KEY_BY_KEY_SAMPLE} single-key runs one after another …`);
  const byKey = await keyByKey(server);
  return { runs, median, memory, keyByKey: byKey };
}

/** The fleet's part of bench/results.json. */
function fleetResults(f: FleetFigures): Record<string, unknown> {
  const { median: m, keyByKey: k } = f;
  const worst = Object.entries(m.describeCallsPerReplicaByRegion).reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    wallOverIdeal: m.wallOverIdeal,
    throttled: f.runs.reduce((n, r) => n + r.throttled, 0),
    describeCallsPerReplica: m.describeCallsPerReplica,
    peakRssMb5000: f.memory.peakRssMb,
    speedupOverKeyByKey: round(k.extrapolatedMs / m.wallMs, 1),
    quotaScale: FLEET_SCALE,
    throttlingExceptions: f.runs.reduce((n, r) => n + r.throttlingExceptions, 0),
    // CallRecord does not name the key: the largest per Region (calls there / replicas there).
    maxDescribeCallsPerReplicaInARegion: { region: worst[0], calls: worst[1] },
    describeCallsPerReplicaByRegion: m.describeCallsPerReplicaByRegion,
    keysSelected: m.keysSelected,
    wallMs: m.wallMs,
    idealMs: Math.round(FLEET_IDEAL.idealMs),
    idealByTargetMs: FLEET_IDEAL.byTargetMs,
    quotaBoundMs: Math.round(FLEET_IDEAL.quotaBoundMs),
    binding: {
      quota: FLEET_IDEAL.binding.quota,
      work: FLEET_IDEAL.binding.work,
      perSecond: FLEET_IDEAL.binding.perSecond,
      ms: Math.round(bucketMs(FLEET_IDEAL.binding)),
      next:
        FLEET_IDEAL.next === undefined
          ? null
          : {
              quota: FLEET_IDEAL.next.quota,
              work: FLEET_IDEAL.next.work,
              perSecond: FLEET_IDEAL.next.perSecond,
              ms: Math.round(bucketMs(FLEET_IDEAL.next)),
            },
    },
    // From the CLI process's start: where the time went.
    timelineMs: {
      firstCall: m.firstCallMs,
      selectionEnd: m.selectionEndMs,
      firstReplicateKey: m.firstReplicateKeyMs,
      lastReplicateKey: m.lastReplicateKeyMs,
      lastEnabled: m.lastEnabledMs,
      exit: m.wallMs,
      byTarget: m.byTarget,
    },
    cliCpuMs: m.cliCpuMs,
    endpointCpuMs: m.endpointCpuMs,
    loadAverage: m.loadAverage,
    peakRssMb1000: m.peakRssMb,
    runs: f.runs.map((r) => ({
      wallOverIdeal: r.wallOverIdeal,
      wallMs: r.wallMs,
      firstReplicateKeyMs: r.firstReplicateKeyMs,
      lastReplicateKeyMs: r.lastReplicateKeyMs,
      throttled: r.throttled,
      cliCpuMs: r.cliCpuMs,
      loadAverage: r.loadAverage,
    })),
    allSucceeded: f.runs.every((r) => r.allSucceeded),
    keyByKey: k,
    memory: {
      keys: MEMORY_KEYS_PER_REGION * FLEET_PRIMARY_REGIONS.length,
      replicas: f.memory.replicas,
      quotaScale: MEMORY_SCALE,
      creatingMs: MEMORY_CREATING_MS,
      wallMs: f.memory.wallMs,
      throttled: f.memory.throttled,
    },
    parameters: {
      primaryRegions: FLEET_PRIMARY_REGIONS,
      keysPerRegion: FLEET_KEYS_PER_REGION,
      skippedKeysPerRegion: FLEET_SKIPPED_PER_REGION,
      targets: FLEET_TARGETS,
      selectTag: FLEET_TAG,
      latencyMs: FLEET_LATENCY,
      creatingMs: FLEET_CREATING,
    },
  };
}

function fleetRows(f: FleetFigures): [string, string, string][] {
  const { median: m, keyByKey: k } = f;
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  const { binding, next } = FLEET_IDEAL;
  const worst = Object.entries(m.describeCallsPerReplicaByRegion).reduce((a, b) => (b[1] > a[1] ? b : a));
  const keys = FLEET_KEYS_PER_REGION * FLEET_PRIMARY_REGIONS.length;
  const creatingMax = Math.max(...Object.values(FLEET_CREATING));
  const rttOfMax =
    FLEET_LATENCY[Object.keys(FLEET_CREATING).find((r) => FLEET_CREATING[r] === creatingMax) ?? ""];
  return [
    [
      `fleet ${keys} keys × ${FLEET_TARGETS.length} Regions, quotas × ${FLEET_SCALE}: wall / ideal (median of ${FLEET_RUNS})`,
      `${m.wallOverIdeal} (${m.wallMs} / ${Math.round(FLEET_IDEAL.idealMs)} ms; runs ${f.runs.map((r) => r.wallOverIdeal).join(", ")})`,
      "≤ 1.10",
    ],
    ["  ideal = max_r (max_{b feeding r} work_b / rate_b + Creating_r + RTT_r)", "", ""],
    [
      `  binding: ${binding.quota} per target ${binding.work} / ${binding.perSecond}/s` +
        (next === undefined ? "" : ` vs ${next.quota} per primary ${next.work} / ${next.perSecond}/s`),
      `${s(bucketMs(binding))} s` +
        (next === undefined
          ? ""
          : ` vs ${s(bucketMs(next))} s (${round(bucketMs(binding) / bucketMs(next))}×)`),
      "",
    ],
    [
      "  quota-bound part / last ReplicateKey (from process start)",
      `${s(FLEET_IDEAL.quotaBoundMs)} s / ${s(m.lastReplicateKeyMs)} s (first at ${s(m.firstReplicateKeyMs)} s)`,
      "",
    ],
    [
      "  start-up + selection + sending + sent → Enabled + → exit",
      `${s(m.firstCallMs)} + ${s(m.firstReplicateKeyMs - m.firstCallMs)} + ${s(m.lastReplicateKeyMs - m.firstReplicateKeyMs)} + ${s(m.lastEnabledMs - m.lastReplicateKeyMs)} + ${s(m.wallMs - m.lastEnabledMs)} s`,
      `ideal 0 + 0 + ${s(FLEET_IDEAL.quotaBoundMs)} + ${s(creatingMax)} + ${s(rttOfMax ?? 0)}`,
    ],
    [
      "  CPU time of the CLI / of the endpoint; load average",
      `${s(m.cliCpuMs)} s / ${s(m.endpointCpuMs)} s; ${m.loadAverage} on ${cpus().length} CPUs`,
      "",
    ],
    [
      "fleet throttled by the endpoint's quotas / ThrottlingException of any kind",
      `${f.runs.reduce((n, r) => n + r.throttled, 0)} / ${f.runs.reduce((n, r) => n + r.throttlingExceptions, 0)} (${FLEET_RUNS} runs: ${f.runs.map((r) => r.throttled).join(", ")})`,
      "0",
    ],
    [`fleet DescribeKey calls per replica, mean of ${m.replicas}`, String(m.describeCallsPerReplica), "≤ 12"],
    [
      "fleet DescribeKey calls per replica, largest Region (calls name no key)",
      `${worst[1]} (${worst[0]}, Creating ${s(FLEET_CREATING[worst[0]] ?? 0)} s)`,
      "≤ 12",
    ],
    [
      `fleet peak RSS, ${MEMORY_KEYS_PER_REGION * FLEET_PRIMARY_REGIONS.length} keys × ${FLEET_TARGETS.length} Regions (${f.memory.replicas} replicas, quotas × ${MEMORY_SCALE})`,
      `${f.memory.peakRssMb} MB (${s(f.memory.wallMs)} s; ${m.replicas} replicas: ${m.peakRssMb} MB)`,
      "< 150 MB",
    ],
    [
      `fleet speed-up over key after key (${k.sampleKeys} keys run, × ${round(k.totalKeys / k.sampleKeys, 1)}: each run is independent)`,
      `${round(k.extrapolatedMs / m.wallMs, 1)}× (${s(k.extrapolatedMs)} / ${s(m.wallMs)} s; ${s(k.perKeyMs.mean)} s a key)${k.failed > 0 ? `, ${k.failed} failed` : ""}`,
      "",
    ],
  ];
}

/** Per target Region of the median fleet run: last replica sent, Enabled, and the ideal's figure. */
function fleetTargetsLine(f: FleetFigures): string {
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  return `fleet per target (s from start: last sent, last Enabled / ideal; Creating): ${FLEET_TARGETS.map(
    (r) =>
      `${r} ${s(f.median.byTarget[r]?.lastCreatedMs ?? NaN)}, ${s(f.median.byTarget[r]?.lastEnabledMs ?? NaN)} / ${s(FLEET_IDEAL.byTargetMs[r] ?? NaN)}; ${s(FLEET_CREATING[r] ?? NaN)}`,
  ).join(" · ")}`;
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const resultsFile = new URL("bench/results.json", root);
const heading = `kms-replicate benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()[0]?.toFixed(2)}`;

/** One part's figures merged into the last full run's, which stay as they were. */
function mergeResults(part: Record<string, unknown>): Record<string, unknown> {
  const previous: Record<string, unknown> = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, "utf8")) as Record<string, unknown>)
    : {};
  const results = { ...previous, ...part };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  if (jsonOnly) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return results;
}

if (only === "startup") {
  log(heading);
  const byNode = await startupByNode();
  const ours = byNode[process.version] ?? (await startup(process.execPath));
  mergeResults({ startupDate: new Date().toISOString(), startup: ours, startupByNode: byNode });
  printRows(startupRows(byNode, ours));
  log("written to bench/results.json");
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
}

if (only === "package") {
  log(heading);
  log("package: npm pack, npm install -g of the tarball (offline) …");
  const figures = await packageFigures();
  mergeResults({ packageDate: new Date().toISOString(), package: figures });
  printRows(packageRows(figures));
  log(
    `README, Install: "about ${formatBytes(figures.installedBytes)} installed (a ${formatBytes(figures.tarballBytes)} download)"`,
  );
  log("written to bench/results.json");
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
}

/** What the organisation part (org.ts) needs from here. */
const orgBench: OrgBench = { bin, rssProbe, env, home, log };

if (only === "org") {
  try {
    log(heading);
    const figures = await organisation(orgBench, orgScale);
    mergeResults({ orgDate: new Date().toISOString(), org: orgResults(figures) });
    printRows(orgRows(figures));
    log("written to bench/results.json");
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  process.exit(0);
}

// KMS's request quotas enforced, as KMS does: a run that exceeded one would be throttled and slower.
const server = await startKmsLocal({ enforceQuotas: true });
if (only === "fleet") {
  try {
    log(heading);
    const figures = await fleet(server);
    mergeResults({ fleetDate: new Date().toISOString(), fleet: fleetResults(figures) });
    printRows(fleetRows(figures));
    log(fleetTargetsLine(figures));
    log("written to bench/results.json");
  } finally {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
  process.exit(0);
}
try {
  log(heading);
  log("fan-out: 3 runs of 10 Regions …");
  const fanouts: FanoutFigures[] = [];
  for (let i = 0; i < 3; i += 1) fanouts.push(await fanout(server));
  const fan = [...fanouts].sort((a, b) => a.wallOverIdeal - b.wallOverIdeal)[1];
  log("sequential: 10 Regions one after another …");
  const sequentialMs = await sequential(server);
  const byNode = await startupByNode();
  const start = byNode[process.version] ?? (await startup(process.execPath));
  log("memory: 20 Regions …");
  const peakRssMb = await memory(server);
  log("faults: 10 Regions, 20 % of calls throttled in three Regions …");
  const throttled = ["eu-west-1", "ap-southeast-2", "sa-east-1"].map((region) => ({
    region,
    throttle: { rate: 0.2 },
  }));
  const faultRuns: FanoutFigures[] = [];
  for (let i = 0; i < 3; i += 1) faultRuns.push(await fanout(server, throttled));
  const faulty = [...faultRuns].sort((a, b) => a.wallOverIdeal - b.wallOverIdeal)[1];
  // Counted now: the fleet scenario resets the endpoint's call log.
  const faultThrottles = server.calls().filter((c) => c.errorType === "ThrottlingException").length;
  const fleetFigures = await fleet(server);
  const orgFigures = await organisation(orgBench, orgScale);
  log("package: npm pack, npm install -g of the tarball (offline) …");
  const packaged = await packageFigures();

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    parameters: {
      poll: DEFAULT_POLL,
      retry: DEFAULT_RETRY,
      latencyMs: LATENCY,
      creatingMs: CREATING_BY_REGION,
    },
    fanout: {
      wallOverIdeal: fan.wallOverIdeal,
      wallMs: fan.wallMs,
      idealMs: fan.idealMs,
      maxDetectionLagMs: fan.maxDetectionLagMs,
      detectionLagMs: fan.detectionLagMs,
      describeCallsPerReplica: fan.describeCallsPerReplica,
      meanDescribeCallsPerReplica: fan.meanDescribeCallsPerReplica,
      maxReplicateKeyPerSecond: Math.max(...fanouts.map((f) => f.maxReplicateKeyPerSecond)),
      quotaThrottled: fanouts.reduce((n, f) => n + f.quotaThrottled, 0),
      maxDescribeKeyPerSecondPerRegion: Math.max(...fanouts.map((f) => f.maxDescribeKeyPerSecondPerRegion)),
      runs: fanouts.map((f) => f.wallOverIdeal),
      allSucceeded: fanouts.every((f) => f.allSucceeded),
    },
    sequential: {
      wallMs: Math.round(sequentialMs),
      speedup: round(sequentialMs / fan.wallMs),
      bestPossibleSpeedup: round(CREATING.reduce((a, b) => a + b, 0) / Math.max(...CREATING)),
    },
    startup: start,
    startupByNode: byNode,
    memory: { peakRssMb: round(peakRssMb, 1) },
    faults: {
      wallOverIdeal: faulty.wallOverIdeal,
      runs: faultRuns.map((f) => f.wallOverIdeal),
      allSucceeded: faultRuns.every((f) => f.allSucceeded),
      throttledCalls: faultThrottles,
    },
    fleet: fleetResults(fleetFigures),
    org: orgResults(orgFigures),
    package: packaged,
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  if (jsonOnly) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    const rows: [string, string, string][] = [
      [
        "fan-out wall / ideal (10 Regions, median of 3)",
        `${results.fanout.wallOverIdeal} (${fan.wallMs} / ${fan.idealMs} ms)`,
        "≤ 1.10",
      ],
      ["fan-out max detection lag", `${results.fanout.maxDetectionLagMs} ms`, ""],
      ["DescribeKey calls, 6 s replica", String(results.fanout.describeCallsPerReplica), "≤ 12"],
      ["DescribeKey calls, mean per replica", String(results.fanout.meanDescribeCallsPerReplica), ""],
      ["max ReplicateKey in any 1 s", String(results.fanout.maxReplicateKeyPerSecond), "≤ 5"],
      ["throttled by the endpoint's KMS quotas", String(results.fanout.quotaThrottled), "0"],
      [
        "max DescribeKey/s in one Region",
        String(results.fanout.maxDescribeKeyPerSecondPerRegion),
        "≤ 2000 (quota)",
      ],
      [
        "sequential speed-up",
        `${results.sequential.speedup}× (${results.sequential.wallMs} ms; at best ${results.sequential.bestPossibleSpeedup}×)`,
        "≥ 8",
      ],
      ...startupRows(byNode, start),
      ["peak RSS, 20 Regions", `${results.memory.peakRssMb} MB`, "< 90"],
      [
        "faults wall / ideal (20 % throttled in 3 Regions)",
        `${results.faults.wallOverIdeal}, all succeeded: ${results.faults.allSucceeded}`,
        "≤ 1.5",
      ],
      ...fleetRows(fleetFigures),
      ...orgRows(orgFigures),
      ...packageRows(packaged),
    ];
    printRows(rows);
    log(`detection lag per Region (ms): ${JSON.stringify(results.fanout.detectionLagMs)}`);
    log(fleetTargetsLine(fleetFigures));
    log("written to bench/results.json");
  }
} finally {
  await server.stop();
  rmSync(home, { recursive: true, force: true });
}
