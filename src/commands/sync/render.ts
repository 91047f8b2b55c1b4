// `sync`'s views of the neutral results (src/core/steps/work.ts): the JSON document, and for people a
// line per Region with its plan as a diff (`+ tag cost=42`, `~ description "a" → "b"`,
// `~ policy (3 statements differ)`, `+ alias alias/payments`, `- tag env=dev`), and the summary.
import type { ErrorReport, ExitCode } from "../../core/errors.js";
import { OUTCOMES, type Change, type Outcome, type WorkResult } from "../../core/steps/work.js";
import type { PrimaryKey } from "../../core/events.js";
import type { Operation } from "../../core/operation.js";
import {
  JSON_VERSION,
  primaryJson,
  type Count,
  type Milliseconds,
  type PrimaryJson,
  type RunError,
} from "../../report/json.js";
import { operationLine, paint, seconds, symbolOf } from "../../report/lines.js";
import { literal, type Paint } from "../../report/terminal-text.js";

interface SyncRegionBase {
  /** The Region ID (eu-west-1, …). */
  readonly region: string;
  /** KMS's raw KeyState as last seen (Enabled, Disabled, PendingImport, Creating, PendingDeletion, …); null: never seen. */
  readonly keyState: string | null;
  /** The replica's ARN; null: not known. */
  readonly replicaArn: string | null;
  /** From the start of the run to the moment this Region settled. */
  readonly elapsedMs: Milliseconds;
  /** What this run applied, in order (--dry-run: would apply), one KMS call each. */
  readonly operations: readonly Operation[];
  /** What it meant to apply and did not (a failure or a signal stopped it; after a signal, the first may have reached KMS); empty: nothing. */
  readonly pending: readonly Operation[];
  /** What the user must know or do (key material still missing, …); null: nothing. */
  readonly note: string | null;
}

/** A Region that did not fail. */
export interface SyncedRegionJson extends SyncRegionBase {
  /** `unchanged`: already in line; `done`: changed and read back in line; `planned`: --dry-run would change it; `timeout`: still Creating when --timeout ran out, or a change after others not sent before it ran out (see `pending`); `notStarted`: --timeout ran out before its first change was sent, nothing was changed; `interrupted`. */
  readonly status: Exclude<Outcome, "failed">;
  /** Always null: only a failed Region has an error. */
  readonly error: null;
}

/** A Region that failed (the others were still synced). */
export interface FailedSyncRegionJson extends SyncRegionBase {
  /** `failed`: see error; `operations` is what was applied before it, `pending` what was not. */
  readonly status: "failed";
  /** Why: the AWS error (or ours: AliasTaken, NotVerified, ReplicaPendingDeletion, …) and what to do. */
  readonly error: ErrorReport;
}

/** One replica of the run. */
export type SyncRegionJson = SyncedRegionJson | FailedSyncRegionJson;

/** The document of `sync`. */
export interface SyncJson {
  /** The document format's version: changes only when a field changes meaning or disappears. */
  readonly version: typeof JSON_VERSION;
  /** Always `sync`. */
  readonly command: "sync";
  /** exitCode == 0. */
  readonly ok: boolean;
  /** The process's exit code (0: every replica in line; 1: a Region failed; 2: bad input; 3: --timeout ran out (a replica still Creating, or changes not sent); 130, 143, 129: interrupted). */
  readonly exitCode: ExitCode;
  /** --dry-run: nothing was changed; `operations` is the plan. */
  readonly dryRun: boolean;
  /** The primary as DescribeKey returned it; null when the run stopped before (bad input, no key). */
  readonly primary: PrimaryJson | null;
  /** Every replica synced, in Region order (or the order of --regions). */
  readonly regions: readonly SyncRegionJson[];
  /** How many Regions ended with each status. */
  readonly summary: Readonly<Record<Outcome, Count>>;
  /** Set when the whole run stopped before the Regions could be worked on (bad input, no key). */
  readonly error: RunError | null;
  /** Everything printed as a warning. */
  readonly warnings: readonly string[];
  /** From the start of the process to the document. */
  readonly elapsedMs: Milliseconds;
}

const operationsOf = (changes: readonly Change[] | undefined): Operation[] =>
  (changes ?? []).filter((c): c is Operation => c.op !== "replicate");

export function syncRegionJson(result: WorkResult): SyncRegionJson {
  const base: SyncRegionBase = {
    region: result.region,
    keyState: result.keyState ?? null,
    replicaArn: result.arn ?? null,
    elapsedMs: result.elapsedMs,
    operations: operationsOf(result.changes),
    pending: operationsOf(result.pending),
    note: result.note ?? null,
  };
  return result.outcome === "failed"
    ? { ...base, status: "failed", error: result.error }
    : { ...base, status: result.outcome, error: null };
}

export function syncJson(input: {
  readonly exitCode: ExitCode;
  readonly dryRun: boolean;
  readonly primary?: PrimaryKey;
  readonly results: readonly WorkResult[];
  readonly error?: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): SyncJson {
  const summary = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of input.results) summary[r.outcome] += 1;
  return {
    version: JSON_VERSION,
    command: "sync",
    ok: input.exitCode === 0,
    exitCode: input.exitCode,
    dryRun: input.dryRun,
    primary: primaryJson(input.primary),
    regions: input.results.map(syncRegionJson),
    summary,
    error: input.error ?? null,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  };
}

// ---- for people ----

/**
 * `✔ eu-west-1       done        Enabled         1.2s  arn:…`, then what was applied (or, in a dry
 * run, the plan) as a diff, and for a failure why and what was not applied.
 */
export function syncLine(result: WorkResult, c: Paint, width = 14): string {
  const head = `${symbolOf(result.outcome)} ${result.region.padEnd(width)} ${result.outcome.padEnd(11)}`;
  const state = (result.keyState ?? "-").padEnd(15);
  const arn = result.arn === undefined ? "" : `  ${result.arn}`;
  const lines = [`${paint(c, result.outcome, head)} ${state} ${c.dim(seconds(result.elapsedMs))}${arn}`];
  for (const op of operationsOf(result.changes)) lines.push(`    ${operationLine(op)}`);
  if (result.outcome === "failed") {
    lines.push(`    ${c.red(literal(`${result.error.name}: ${result.error.message}`))}`);
    if (result.error.hint !== undefined) lines.push(`    ${c.dim("→")} ${result.error.hint}`);
  }
  const pending = operationsOf(result.pending);
  if (pending.length > 0) {
    lines.push(`    ${c.dim("not applied:")}`);
    for (const op of pending) lines.push(`      ${c.dim(operationLine(op))}`);
  }
  if (result.note !== undefined) lines.push(`    ${c.dim("→")} ${result.note}`);
  return lines.join("\n");
}

/** `Syncing mrk-… (primary in us-east-1, SYMMETRIC_DEFAULT, …) to 2 Regions: eu-west-1, ap-southeast-2` */
export function syncPlanLine(
  primary: PrimaryKey,
  regions: readonly string[],
  dryRun: boolean,
  c: Paint,
): string {
  const facts = [primary.keySpec, primary.keyUsage, primary.origin].filter((f) => f !== undefined).join(", ");
  const where =
    regions.length === 0
      ? "no replica"
      : `${regions.length} replica${regions.length === 1 ? "" : "s"}: ${regions.join(", ")}`;
  return `${dryRun ? "Dry run: would sync" : "Syncing"} ${c.bold(literal(primary.keyId))} (primary in ${c.bold(primary.region)}${facts === "" ? "" : `, ${facts}`}) to ${where}`;
}

/** `1 done, 2 unchanged, 1 failed in 3.4s.` */
export function syncSummaryLine(
  results: readonly WorkResult[],
  elapsedMs: number,
  dryRun: boolean,
  c: Paint,
): string {
  const parts = OUTCOMES.flatMap((o) => {
    const n = results.filter((r) => r.outcome === o).length;
    return n === 0 ? [] : [paint(c, o, `${n} ${o}`)];
  });
  const tail = dryRun ? " Dry run: nothing was changed." : "";
  return `${parts.join(", ") || "Nothing to sync"} in ${seconds(elapsedMs)}.${tail}`;
}
