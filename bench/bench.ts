// `npm run bench`: kms-replicate's speed, API economy, start-up and memory against the local KMS
// endpoint. Prints a table (or, with --json, one JSON document) and writes bench/results.json.
// Figures only: nothing here asserts, so a busy machine cannot make a test flaky.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_POLL, DEFAULT_RETRY } from "../src/backoff.js";
import { createKms } from "../src/kms.js";
import { splitTargets, toPrimary } from "../src/plan.js";
import { replicateRegions } from "../src/commands/replicate.js";
import { isolatedAwsEnv } from "../test/support/aws-env.js";
import {
  startKmsLocal,
  type CallRecord,
  type FaultRule,
  type KmsLocal,
} from "../test/support/local-kms/server.js";

const root = new URL("..", import.meta.url);
const bin = fileURLToPath(new URL("bin/kms-replicate.js", root));
const rssProbe = new URL("bench/rss-probe.mjs", root).href;
const jsonOnly = process.argv.includes("--json");
/** `--only startup`: only the start-up figures, merged into bench/results.json. */
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
if (only !== undefined && only !== "startup") {
  process.stderr.write(`bench: --only takes "startup", not ${JSON.stringify(only)}\n`);
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
  readonly invalidRegionMs: number;
  readonly versionRatio: number;
  readonly helpRatio: number;
  readonly invalidRegionRatio: number;
}

/** Start-up of `--version`, `--help` and an invalid-Region run against bare `node -e 0`, on one Node.js. */
async function startup(node: string): Promise<StartupFigures> {
  const commands: Record<string, () => Promise<number>> = {
    node: () => timeProcess([node, "-e", "0"]),
    version: () => timeProcess([node, bin, "--version"]),
    help: () => timeProcess([node, bin, "--help"]),
    invalidRegion: () =>
      timeProcess([
        node,
        bin,
        "--key",
        "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        "--regions",
        "eu-west-1,not_a_region",
      ]),
  };
  const samples: Record<string, number[]> = { node: [], version: [], help: [], invalidRegion: [] };
  for (let round = 0; round < 15; round += 1) {
    // Interleaved, so a burst of load on the machine hits every command alike.
    for (const [name, time] of Object.entries(commands)) samples[name]?.push(await time());
  }
  const start = {
    node: median(samples.node ?? []),
    version: median(samples.version ?? []),
    help: median(samples.help ?? []),
    invalidRegion: median(samples.invalidRegion ?? []),
  };
  return {
    nodeMs: round(start.node, 1),
    versionMs: round(start.version, 1),
    helpMs: round(start.help, 1),
    invalidRegionMs: round(start.invalidRegion, 1),
    versionRatio: round(start.version / start.node),
    helpRatio: round(start.help / start.node),
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
      "≤ 1.5",
    ],
    ["start-up --help / node -e 0", `${ours.helpRatio} (${ours.helpMs} ms)`, "≤ 1.5"],
    ["start-up invalid Region / node -e 0", `${ours.invalidRegionRatio} (${ours.invalidRegionMs} ms)`, "≤ 2"],
    ...Object.entries(figures).map(([version, f]): [string, string, string] => [
      `start-up on Node.js ${version}: --version, --help, invalid Region / node -e 0`,
      `${f.versionRatio}, ${f.helpRatio}, ${f.invalidRegionRatio} (${f.versionMs}, ${f.helpMs}, ${f.invalidRegionMs} / ${f.nodeMs} ms)`,
      "≤ 1.5, 1.5, 2",
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

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const resultsFile = new URL("bench/results.json", root);
const heading = `kms-replicate benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

if (only === "startup") {
  log(heading);
  const byNode = await startupByNode();
  const ours = byNode[process.version] ?? (await startup(process.execPath));
  // Merged into the last full run's figures, which stay as they were.
  const previous: Record<string, unknown> = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, "utf8")) as Record<string, unknown>)
    : {};
  const results = {
    ...previous,
    startupDate: new Date().toISOString(),
    startup: ours,
    startupByNode: byNode,
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  if (jsonOnly) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  printRows(startupRows(byNode, ours));
  log("written to bench/results.json");
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
}

// KMS's request quotas enforced, as KMS does: a run that exceeded one would be throttled and slower.
const server = await startKmsLocal({ enforceQuotas: true });
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
      throttledCalls: server.calls().filter((c) => c.errorType === "ThrottlingException").length,
    },
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
    ];
    printRows(rows);
    log(`detection lag per Region (ms): ${JSON.stringify(results.fanout.detectionLagMs)}`);
    log("written to bench/results.json");
  }
} finally {
  await server.stop();
  rmSync(home, { recursive: true, force: true });
}
