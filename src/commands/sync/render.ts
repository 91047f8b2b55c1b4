// `sync`'s views of the neutral results (src/core/steps/work.ts): the JSON document, and for people a
// line per Region with its plan as a diff (`+ tag cost=42`, `~ description "a" → "b"`,
// `~ policy (3 statements differ)`, `+ alias alias/payments`, `- tag env=dev`), and the summary.
import { EXIT, type ErrorReport, type ExitCode } from "../../core/errors.js";
import { OUTCOMES, type Outcome, type WorkResult } from "../../core/events.js";
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
import { operationLine } from "../../report/change-text.js";
import { paint, seconds } from "../../report/lines.js";
import { rerunLines } from "../../report/resume.js";
import { importHintLines, interruptedLines, timedOutLines } from "../../report/rerun.js";
import { operationsOf } from "../../report/work-lines.js";
import { literal, type Paint } from "../../report/terminal-text.js";
import { regionKey, type FleetKey } from "../../report/fleet-key.js";
import {
  regionTotals,
  type ByRegion,
  type Envelope,
  type FleetEnvelope,
  type KeyEntry,
  type KeyTotals,
} from "../../report/fleet.js";
import type { KeyRun, Rendering } from "../contract.js";
import type { SyncOptions } from "./flags.js";

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

/**
 * 130/143/129 if interrupted, else 1 if a Region failed, else 3 if a replica was still Creating when
 * --timeout ran out or its changes were not sent before it ran out, else 0 (every replica in line,
 * or --dry-run's plan made).
 */
export function syncExitCode(
  results: readonly WorkResult[],
  interrupted: ExitCode = EXIT.interrupted,
): ExitCode {
  const has = (outcome: WorkResult["outcome"]): boolean => results.some((r) => r.outcome === outcome);
  if (has("interrupted")) return interrupted;
  if (has("failed")) return EXIT.failed;
  if (has("timeout") || has("notStarted")) return EXIT.timeout;
  return EXIT.ok;
}

/** A key of a fleet, as its replicas ended. */
function syncView(run: KeyRun<WorkResult[]>): FleetKey {
  const regions = (run.result ?? []).map((r) => ({
    region: r.region,
    status: r.outcome,
    keyState: r.keyState ?? null,
    error: r.outcome === "failed" ? r.error : null,
    note: r.note ?? null,
    // A dry run's plan, as the run over one key shows it under the Region.
    ...(r.outcome === "planned" ? { plan: operationsOf(r.changes).map(operationLine) } : {}),
  }));
  return regionKey(run.key.primary, run, regions);
}

export const syncRendering: Rendering<SyncOptions, WorkResult[], SyncJson> = {
  exitCode: (results, stop) => syncExitCode(results, stop?.exitCode ?? EXIT.interrupted),
  document: (run) =>
    syncJson({
      exitCode: run.exitCode,
      dryRun: run.dryRun,
      primary: run.key?.primary,
      results: run.result ?? [],
      error: run.failure ?? null,
      warnings: run.warnings,
      elapsedMs: run.elapsedMs,
    }),
  totals: (documents) => regionTotals(OUTCOMES, documents),
  view: syncView,
  planLine: (event, c, dryRun) => syncPlanLine(event.primary, event.regions, dryRun, c),
  finish(run, _options, ctx) {
    const results = run?.result ?? [];
    const summary =
      !ctx.mode.quiet && run?.result !== undefined
        ? [syncSummaryLine(results, ctx.elapsedMs, ctx.dryRun, ctx.paint)]
        : [];
    // Also with --quiet, with the run's values: sync again for what --timeout or a signal left,
    // import-material for replicas still without key material.
    const where = (test: (r: WorkResult) => boolean): string[] => results.filter(test).map((r) => r.region);
    const lines = [
      ...rerunLines(
        where((r) => r.unsent === true || r.outcome === "notStarted"),
        ctx.resume,
      ),
      ...timedOutLines(
        where((r) => r.outcome === "timeout" && r.unsent !== true),
        ctx.resume,
      ),
      ...interruptedLines(
        where((r) => r.outcome === "interrupted"),
        ctx.resume,
      ),
      ...(run === undefined || ctx.dryRun
        ? []
        : importHintLines(
            run.key.primary.arn,
            where((r) => r.keyState === "PendingImport" && r.outcome !== "failed"),
            ctx.resume,
          )),
    ];
    return { stdout: "", stderr: [...summary, ...lines.map(literal)].map((line) => `${line}\n`).join("") };
  },
  stoppedLine(stop, results) {
    const open = results.filter((r) => r.outcome === "interrupted").length;
    return `Stopped by a second ${stop.signalName}: ${open} of ${results.length} Regions had not settled (listed as interrupted, with what was already applied).`;
  },
  fleet: {
    verb: { run: "Syncing", dry: "Dry run: would sync" },
    regionStatuses: OUTCOMES,
    estimate: "rate",
  },
};

/** sync: the version-1 sync document of one key, without the envelope. */
export interface SyncKeyJson extends KeyEntry, Omit<SyncJson, Envelope> {}

/** `sync` over a selection of keys. */
export interface FleetSyncJson extends FleetEnvelope<"sync"> {
  /** One entry per selected key, in the order of the selection. */
  readonly keys: readonly SyncKeyJson[];
  readonly totals: {
    readonly keys: KeyTotals;
    /** Every replica of every key, by outcome (`unchanged`: already in line). */
    readonly regions: Readonly<Record<Outcome, Count>>;
    /** The same, per Region. */
    readonly byRegion: ByRegion<Outcome>;
  };
}
