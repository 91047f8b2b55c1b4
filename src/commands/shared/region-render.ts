// How the commands that report a result per Region (replicate, wait, import-material) show it:
// their JSON document (the run document), a fleet's view of a key, the closing lines of a run over
// one key (the summary, and what to run next), the line a second signal leaves.
import { EXIT, type ExitCode } from "../../core/errors.js";
import { REGION_STATUSES, type RegionResult, type RegionStatus } from "../../core/events.js";
import type { ByRegion, Envelope, FleetEnvelope, KeyEntry, KeyTotals } from "../../report/fleet.js";
import type { Count } from "../../report/json.js";
import type { Stop } from "../../core/stop.js";
import { regionKey, type FleetKey } from "../../report/fleet-key.js";
import { regionTotals } from "../../report/fleet.js";
import { runJson, type RunCommand, type RunJson } from "../../report/json.js";
import { appliedText, operationLine } from "../../report/change-text.js";
import { summaryLine } from "../../report/lines.js";
import { rerunLines, waitCommand } from "../../report/resume.js";
import { importHintLines, interruptedLines, timedOutLines, waitHintLines } from "../../report/rerun.js";
import { literal } from "../../report/terminal-text.js";
import type { DocumentInput, FinishContext, KeyRun, Output } from "../contract.js";
import { exitCodeFor, type RegionRun } from "./regions.js";

/** The stop signal's code if interrupted, else 1 if a Region failed, else 3 if one timed out, else 0. */
export function regionExitCode(result: RegionRun, stop: Stop | undefined): ExitCode {
  return exitCodeFor(result.results, stop?.exitCode ?? EXIT.interrupted);
}

/** The run document of one key. */
export function regionDocument<O>(command: RunCommand, run: DocumentInput<O, RegionRun>): RunJson {
  return runJson({
    command,
    exitCode: run.exitCode,
    dryRun: run.dryRun,
    primary: run.result?.primary ?? run.key?.primary,
    results: run.result?.results ?? [],
    error: run.failure ?? null,
    warnings: run.warnings,
    elapsedMs: run.elapsedMs,
  });
}

/** A fleet's totals: every Region of every key by status, and per Region. */
export function regionFleetTotals(documents: readonly RunJson[]): Readonly<Record<string, unknown>> {
  return regionTotals(REGION_STATUSES, documents);
}

/**
 * What a dry run would do in a Region, as the run over one key shows it under the Region: what a
 * new replica would get, or what would change on one that is there.
 */
function planOf(result: RegionResult): string[] {
  if (result.status === "planned" && result.applied !== undefined) {
    return [`would get: ${appliedText(result.applied)}`];
  }
  return (result.converged ?? []).map(operationLine);
}

/** One settled key as the fleet's renderers see it (`dryRun`: with each Region's plan). */
export function regionView(run: KeyRun<RegionRun>, dryRun = false): FleetKey {
  const results = run.result?.results ?? [];
  const primary = run.result?.primary ?? run.key.primary;
  const regions = results.map((r) => ({
    region: r.region,
    status: r.status,
    keyState: r.keyState ?? null,
    error: r.status === "failed" ? r.error : null,
    note: r.note ?? null,
    ...(dryRun ? { plan: planOf(r) } : {}),
  }));
  return regionKey(primary, run, regions);
}

/** What a command's closing lines tell for its Regions. */
export interface FinishRules {
  /** Regions that timed out: `wait` follows them (replicate, wait), or the same command again (import-material). */
  readonly late: "wait" | "same";
  /** Replicas without key material get the import-material command (the run never read the material). */
  readonly importHint: boolean;
}

/**
 * The end of a run over one key: the summary, then (also with --quiet, like the timed-out Regions'
 * own lines) what to run next, with the run's values: for Regions that timed out (`wait`, or the
 * same command), Regions whose change --timeout kept from being sent and Regions a signal stopped
 * (the same command again), replicas not waited for (`wait`) and replicas without key material
 * (`import-material`).
 */
export function regionFinish(
  run: KeyRun<RegionRun> | undefined,
  ctx: FinishContext,
  rules: FinishRules,
): Output {
  const results: readonly RegionResult[] = run?.result?.results ?? [];
  const summary =
    !ctx.mode.quiet && results.length > 0 ? [summaryLine(results, ctx.elapsedMs, ctx.dryRun, ctx.paint)] : [];
  // The commands hold what the person typed: shown literally, a control character escaped.
  const lines: string[] = [];
  const arn = run?.result?.primary.arn ?? run?.key.primary.arn;
  const regionsWhere = (test: (r: RegionResult) => boolean): string[] =>
    results.filter(test).map((r) => r.region);
  const late = regionsWhere((r) => r.status === "timeout" && r.unsent !== true);
  if (rules.late === "same") lines.push(...timedOutLines(late, ctx.resume));
  else if (late.length > 0 && arn !== undefined) {
    lines.push(`To keep waiting for ${late.length === 1 ? "it" : "them"}:`);
    lines.push(`  ${waitCommand(arn, late, ctx.resume)}`);
  }
  lines.push(
    ...rerunLines(
      regionsWhere((r) => r.unsent === true || r.status === "notStarted"),
      ctx.resume,
    ),
  );
  lines.push(
    ...interruptedLines(
      regionsWhere((r) => r.status === "interrupted"),
      ctx.resume,
    ),
  );
  if (arn !== undefined && !ctx.dryRun) {
    lines.push(
      ...waitHintLines(
        arn,
        regionsWhere((r) => r.status === "creating"),
        ctx.resume,
      ),
    );
    const withoutMaterial = (r: RegionResult): boolean =>
      r.keyState === "PendingImport" && r.status !== "failed" && r.material === undefined;
    if (rules.importHint) lines.push(...importHintLines(arn, regionsWhere(withoutMaterial), ctx.resume));
  }
  return { stdout: "", stderr: [...summary, ...lines.map(literal)].map((line) => `${line}\n`).join("") };
}

export function regionStoppedLine(stop: Stop, result: RegionRun): string {
  const open = result.results.filter((r) => r.status === "interrupted").length;
  return `Stopped by a second ${stop.signalName}: ${open} of ${result.results.length} Regions had not settled (listed as interrupted).`;
}

/** replicate, wait: the version-1 run document of one key, without the envelope. */
export interface RunKeyJson extends KeyEntry, Omit<RunJson, Envelope> {}

/** `replicate` and `wait` over a selection of keys. */
export interface FleetRunJson extends FleetEnvelope<"replicate" | "wait"> {
  /** One entry per selected key, in the order of the selection. */
  readonly keys: readonly RunKeyJson[];
  readonly totals: {
    readonly keys: KeyTotals;
    /** Every Region of every key, by status: `exists` counts what was already there (an earlier run's work). */
    readonly regions: Readonly<Record<RegionStatus, Count>>;
    /** The same, per target Region. */
    readonly byRegion: ByRegion<RegionStatus>;
  };
}
