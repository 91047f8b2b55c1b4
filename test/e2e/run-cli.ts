// Runs the built bin as a child process against a local KMS endpoint, as a user would.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { documentProblems } from "../support/consistency.js";
import { startKmsLocal, type KmsLocal, type KmsLocalConfig } from "../support/local-kms/server.js";

export const BIN = fileURLToPath(new URL("../../bin/kms-replicate.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "kms-replicate-e2e-"));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed, when it is JSON. */
  readonly json: RunDocument | undefined;
}

/** The parts of the JSON document the tests read. */
export interface RunDocument {
  version: number;
  command: string;
  ok: boolean;
  exitCode: number;
  dryRun: boolean;
  primary: { keyId: string; arn: string; region: string; origin: string | null } | null;
  regions: {
    region: string;
    status: string;
    keyState: string | null;
    replicaArn: string | null;
    error: { name: string; message: string; hint?: string } | null;
    note: string | null;
    applied: {
      tags: { TagKey: string; TagValue: string }[];
      description: string | null;
      policySource: string;
      aliases: string[];
    } | null;
  }[];
  summary: Record<string, number>;
  error: { name: string; message: string; invalidRegions?: { region: string; reason: string }[] } | null;
  warnings: string[];
  keys?: {
    region: string;
    role: string;
    keyState: string;
    usable: boolean;
    drift: { field: string; detail: string }[];
  }[];
  drift?: boolean;
}

/**
 * The parts of a fleet run's document (version 2: --key given twice, --keys-from, --all-primaries)
 * the tests read. Each entry of `keys` is the command's version-1 document of that key without the
 * run's envelope, plus `key`: how the key was selected.
 */
export interface FleetDocument {
  version: 2;
  command: string;
  ok: boolean;
  exitCode: number;
  dryRun: boolean;
  selection: {
    keys: string[];
    keysFrom: string | null;
    allPrimaries: boolean;
    regions: string[];
    selectTags: { TagKey: string; TagValue: string }[];
    listed: number;
    multiRegion: number;
    candidates: number;
    selected: number;
  } | null;
  /** promote: the Region every primary moves to. */
  to?: string | null;
  keys: FleetKeyEntry[];
  totals: {
    keys: Record<"ok" | "failed" | "timeout" | "notStarted" | "drift" | "interrupted" | "total", number>;
    /** replicate, wait, sync: every Region of every key, by status. */
    regions?: Record<string, number>;
    byRegion?: Record<string, Record<string, number>>;
    /** promote: keys by promote outcome. */
    outcomes?: Record<string, number>;
    /** status */
    members?: number;
    unusable?: number;
    drifting?: number;
  };
  error: { name: string; message: string; hint?: string } | null;
  warnings: string[];
  elapsedMs: number;
}

/** One key of a fleet document: the fields of each command's entry the tests read. */
export interface FleetKeyEntry {
  key: string;
  ok: boolean;
  exitCode: number;
  error: { name: string; message: string; hint?: string } | null;
  /** replicate, wait, sync */
  primary?: RunDocument["primary"];
  regions?: (RunDocument["regions"][number] & { operations?: { op: string }[] })[];
  summary?: Record<string, number>;
  /** promote */
  outcome?: string | null;
  keyId?: string | null;
  oldPrimary?: { region: string; arn: string } | null;
  newPrimary?: { region: string; arn: string; role: string | null; keyState: string | null } | null;
  updatePrimaryRegionCalls?: number;
  /** status: the family's keys; promote: the family's keys after the promotion. */
  keys?: { region: string; role: string | null; keyState: string | null; usable?: boolean }[];
  drift?: boolean;
}

/** stdout as a fleet document, when it is one (version 2). */
export function fleetOf(run: CliRun): FleetDocument | undefined {
  return run.json?.version === 2 ? (run.json as unknown as FleetDocument) : undefined;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the child has started, e.g. to send it a signal later. */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** Give the child this file descriptor as its stdout (e.g. /dev/full) instead of a pipe. */
  readonly stdoutFd?: number;
  /** Give the child this file descriptor as its stderr instead of a pipe. */
  readonly stderrFd?: number;
  /** Write these bytes to the child's stdin (a pipe), then close it; default: no stdin. */
  readonly stdin?: Buffer;
  /** stdout is --query's result, not a document: parsed into `json`, and not checked as one. */
  readonly queried?: boolean;
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return run(process.execPath, [BIN, ...args], {}, options);
}

/**
 * Runs `script` with bash, as a user types it in a terminal: process substitution (`<(…)`),
 * redirections. `$NODE` and `$BIN` name node and the built bin; `vars` are set too.
 */
export function runBash(
  script: string,
  vars: Record<string, string> = {},
  options: RunOptions = {},
): Promise<CliRun> {
  return run("bash", ["-c", script], { NODE: process.execPath, BIN, ...vars }, options);
}

function run(
  command: string,
  args: readonly string[],
  vars: Record<string, string>,
  options: RunOptions,
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {
    ...isolatedAwsEnv(home),
    FORCE_COLOR: "0",
    NO_COLOR: "1",
    ...vars,
    ...options.env,
  };
  delete env.CI;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env,
      stdio: [
        options.stdin !== undefined ? "pipe" : "ignore",
        options.stdoutFd ?? "pipe",
        options.stderrFd ?? "pipe",
      ],
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      // No run of the CLI should leak a Node.js process warning (e.g. the AWS SDK's Node-version
      // notice) into what the user sees.
      const warning = /^\(node:\d+\) .*$/m.exec(stderr);
      if (warning !== null) {
        reject(new Error(`kms-replicate printed a Node.js warning: ${warning[0]}\n${stderr}`));
        return;
      }
      let json: RunDocument | undefined;
      try {
        json = stdout.trim() === "" ? undefined : (JSON.parse(stdout) as RunDocument);
      } catch {
        json = undefined;
      }
      // Every document any end-to-end run writes must agree with itself (and with the exit code).
      const checked = options.queried === true ? undefined : json;
      const problems = checked === undefined ? [] : documentProblems(checked);
      if (checked !== undefined && checked.exitCode !== code) {
        problems.push(`exitCode: the document says ${checked.exitCode}, the process exited ${String(code)}`);
      }
      if (problems.length > 0) {
        reject(
          new Error(
            `kms-replicate wrote a document that contradicts itself:\n${problems.join("\n")}\n${stdout}`,
          ),
        );
        return;
      }
      resolve({ code, stdout, stderr, json });
    });
    options.onSpawn?.(child);
  });
}

/**
 * One local KMS endpoint for the test file, reset before each test to `config`.
 * Returns a getter: the endpoint exists once beforeAll has run.
 */
export function useLocalKms(config: Partial<KmsLocalConfig>): () => KmsLocal {
  let kms: KmsLocal | undefined;
  beforeAll(async () => {
    kms = await startKmsLocal();
  });
  afterAll(async () => {
    await kms?.stop();
  });
  beforeEach(() => {
    kms?.reset();
    kms?.configure(config);
  });
  return () => {
    if (kms === undefined) throw new TypeError("the local KMS endpoint is used before beforeAll ran");
    return kms;
  };
}
