// The machine's view: one versioned JSON document on stdout, also after failure, timeout or Ctrl-C.
import type { ErrorReport, ExitCode } from "../core/errors.js";
import { EXIT } from "../core/errors.js";
import {
  REGION_STATUSES,
  type Applied,
  type KeyMaterialInfo,
  type PrimaryKey,
  type RegionResult,
  type RegionStatus,
} from "../core/events.js";
import type { Operation } from "../core/operation.js";

/** Changes only when a field changes meaning or disappears. */
export const JSON_VERSION = 1;

/**
 * A number of things.
 * @asType integer
 * @minimum 0
 */
export type Count = number;

/**
 * Milliseconds, whole.
 * @asType integer
 * @minimum 0
 */
export type Milliseconds = number;

/** The commands that work on Regions and write the run document. */
export type RunCommand = "replicate" | "wait" | "import-material";

interface RegionJsonBase {
  /** The Region ID (eu-west-1, …). */
  readonly region: string;
  /** KMS's raw KeyState as last seen (Enabled, PendingImport, Creating, PendingDeletion, …); null: never seen. */
  readonly keyState: string | null;
  /** The replica's ARN; null: not known (never created or never read). */
  readonly replicaArn: string | null;
  /** From the start of the run to the moment this Region settled. */
  readonly elapsedMs: Milliseconds;
  /** What the user must know or do (import key material, not waited for, may still finish); null: nothing. */
  readonly note: string | null;
  /** For a new replica: what it was given (in a dry run, would be given); null: not a new replica. */
  readonly applied: Applied | null;
  /** For a replica that was there: what this run changed on it, one KMS call each (--copy-*, --tag, --description, --policy; in a dry run, would change); empty: nothing, or a new replica. */
  readonly converged: readonly Operation[];
  /** Imported key material (Origin EXTERNAL, with --key-material or import-material): its expiration here; null: not read. */
  readonly keyMaterial: KeyMaterialInfo | null;
}

/** A Region that did not fail: its outcome, always what was verified. */
export interface SettledRegionJson extends RegionJsonBase {
  /** `created` (by this run), `imported` (the material, by this run), `ready` (waited for until usable), `exists` (usable when first read): seen usable; `creating`: not waited for; `planned`: --dry-run; `timeout`; `notStarted`: --timeout ran out before anything was sent for it; `interrupted`. docs/statuses.md says what each means. */
  readonly status: Exclude<RegionStatus, "failed">;
  /** Always null: only a failed Region has an error. */
  readonly error: null;
}

/** A Region that failed (the others were still completed). */
export interface FailedRegionJson extends RegionJsonBase {
  /** `failed`: see error. */
  readonly status: "failed";
  /** Why: the AWS error (or ours), its message and what to do. */
  readonly error: ErrorReport;
}

/** One target Region of the run. */
export type RegionJson = SettledRegionJson | FailedRegionJson;

/** The primary key as DescribeKey returned it. */
export interface PrimaryJson {
  /** The key ID (mrk-…). */
  readonly keyId: string;
  /** The primary's key ARN. */
  readonly arn: string;
  /** The primary's Region. */
  readonly region: string;
  /** The AWS partition (aws, aws-cn, aws-us-gov, …). */
  readonly partition: string;
  /** KMS's KeySpec (SYMMETRIC_DEFAULT, RSA_2048, HMAC_256, …); null: not returned. */
  readonly keySpec: string | null;
  /** KMS's KeyUsage (ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, …); null: not returned. */
  readonly keyUsage: string | null;
  /** KMS's Origin (AWS_KMS, EXTERNAL, …); null: not returned. */
  readonly origin: string | null;
}

/** A Region named on the command line that cannot be used, and why. */
export interface InvalidRegion {
  /** As given on the command line. */
  readonly region: string;
  /** Why it cannot be used (and the Region meant, when one is close). */
  readonly reason: string;
}

/** An error that ended the whole run before the Regions could be worked on. */
export interface RunError extends ErrorReport {
  /** For invalid Regions (InvalidRegions): each one and why. */
  readonly invalidRegions?: readonly InvalidRegion[];
}

/** The document of `replicate` (the default command) and `wait`. */
export interface RunJson {
  /** The document format's version: changes only when a field changes meaning or disappears. */
  readonly version: typeof JSON_VERSION;
  /** `replicate` (also when no command was named), `wait` or `import-material`. */
  readonly command: RunCommand;
  /** exitCode == 0. */
  readonly ok: boolean;
  /** The process's exit code (see --help: 0, 1, 2, 3, 130, 143, 129). */
  readonly exitCode: ExitCode;
  /** --dry-run: nothing was created. */
  readonly dryRun: boolean;
  /** The primary as DescribeKey returned it; null when the run stopped before (bad input, no key). */
  readonly primary: PrimaryJson | null;
  /** Every target Region, in the order of the plan. */
  readonly regions: readonly RegionJson[];
  /** How many Regions ended with each status. */
  readonly summary: Readonly<Record<RegionStatus, Count>>;
  /** Set when the whole run stopped before the Regions could be worked on (bad input, no key). */
  readonly error: RunError | null;
  /** Everything printed as a warning (duplicate Regions, unknown Regions, …). */
  readonly warnings: readonly string[];
  /** From the start of the process to the document. */
  readonly elapsedMs: Milliseconds;
}

/**
 * Commands that have no document of their own; one is written only for their usage errors
 * (`merge` writes the merged organisation document, this one when it refuses its documents).
 */
export type OtherCommand = "help" | "completion" | "merge";

/**
 * The document of a usage error under `help`, `completion` or `merge` with --output json: the run
 * document's shape, exit code 2, nothing known but the error.
 */
export interface UsageJson extends Omit<
  RunJson,
  "command" | "ok" | "exitCode" | "primary" | "regions" | "error"
> {
  /** The command whose usage was wrong. */
  readonly command: OtherCommand;
  /** Always false. */
  readonly ok: false;
  /** Always 2 (usage error). */
  readonly exitCode: typeof EXIT.usage;
  /** Always null. */
  readonly primary: null;
  /** Always empty. */
  readonly regions: readonly [];
  /** What commander refused (UsageError). */
  readonly error: ErrorReport;
}

export function regionJson(result: RegionResult): RegionJson {
  const seen = {
    keyState: result.keyState ?? null,
    replicaArn: result.replicaArn ?? null,
    elapsedMs: result.elapsedMs,
  };
  const told = {
    note: result.note ?? null,
    applied: result.applied ?? null,
    converged: result.converged ?? [],
    keyMaterial: result.material ?? null,
  };
  return result.status === "failed"
    ? { region: result.region, status: result.status, ...seen, error: result.error, ...told }
    : { region: result.region, status: result.status, ...seen, error: null, ...told };
}

export function primaryJson(primary: PrimaryKey | undefined): PrimaryJson | null {
  if (primary === undefined) return null;
  return {
    keyId: primary.keyId,
    arn: primary.arn,
    region: primary.region,
    partition: primary.partition,
    keySpec: primary.keySpec ?? null,
    keyUsage: primary.keyUsage ?? null,
    origin: primary.origin ?? null,
  };
}

export function runJson(input: {
  readonly command: RunCommand;
  readonly exitCode: ExitCode;
  readonly dryRun: boolean;
  readonly primary?: PrimaryKey;
  readonly results: readonly RegionResult[];
  readonly error?: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): RunJson {
  const summary = Object.fromEntries(REGION_STATUSES.map((s) => [s, 0])) as Record<RegionStatus, number>;
  for (const r of input.results) summary[r.status] += 1;
  return {
    version: JSON_VERSION,
    command: input.command,
    ok: input.exitCode === 0,
    exitCode: input.exitCode,
    dryRun: input.dryRun,
    primary: primaryJson(input.primary),
    regions: input.results.map(regionJson),
    summary,
    error: input.error ?? null,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  };
}

/** The document of a usage error under a command that has no document of its own (help, completion). */
export function usageJson(command: OtherCommand, error: ErrorReport): UsageJson {
  const run = runJson({
    command: "replicate",
    exitCode: EXIT.usage,
    dryRun: false,
    results: [],
    warnings: [],
    elapsedMs: 0,
  });
  // The run document's keys in the run document's order (overwritten keys keep their place).
  return { ...run, command, ok: false, exitCode: EXIT.usage, primary: null, regions: [], error };
}
