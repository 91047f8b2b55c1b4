// How `retire`, `delete-family` and `cancel-deletion` show a key's result: one report type, its JSON
// document (deletion-json.ts), its exit code, its lines for people (each Region's state and date,
// the aliases that die with a key, the command that undoes it, the one that finishes the job) and
// the fleet's view of it. Each command's render.ts makes its Rendering from here with its own words.
import { fitted } from "../../report/fit.js";
import { EXIT, type ExitCode } from "../../core/errors.js";
import { OUTCOMES, type Outcome } from "../../core/events.js";
import type { MemberResult } from "../../core/steps/deletion.js";
import type { HandoverEnd } from "../../core/steps/handover.js";
import type { Stop } from "../../core/stop.js";
import { regionKey, type FleetKey, type FleetLook } from "../../report/fleet-key.js";
import { regionTotals } from "../../report/fleet.js";
import { JSON_VERSION } from "../../report/json.js";
import { paint as paintStatus, seconds } from "../../report/lines.js";
import { literal, type Paint } from "../../report/terminal-text.js";
import type { DocumentInput, KeyRun, Rendering } from "../contract.js";
import {
  summaryOf,
  type DeletionCommand,
  type DeletionJson,
  type DeletionRegionJson,
} from "./deletion-json.js";

/** What one key's run found and did. */
export interface DeletionReport {
  readonly keyId: string;
  /** The family's primary as the run ends. */
  readonly primaryRegion: string;
  readonly primaryArn: string;
  readonly promotion?: HandoverEnd;
  readonly regions: readonly MemberResult[];
  readonly familyGoneAt?: string;
  /** The command that undoes it (cancel-deletion with the run's values). */
  readonly undo?: string;
  /** The command that finishes the job (the same one again). */
  readonly finish?: string;
  readonly note?: string;
}

/** Worst first: the key's outcome is the first of these any Region (or the promotion) has. */
const WORST_FIRST: readonly Outcome[] = [
  "interrupted",
  "failed",
  "timeout",
  "notStarted",
  "planned",
  "done",
  "unchanged",
];

export function outcomeOf(report: DeletionReport): Outcome {
  const promoted = report.promotion?.outcome;
  const all: Outcome[] = report.regions.map((r) => r.status);
  if (promoted !== undefined) all.push(promoted === "promoted" ? "done" : promoted);
  return WORST_FIRST.find((o) => all.includes(o)) ?? "unchanged";
}

export function deletionExitCode(report: DeletionReport, interrupted: ExitCode = EXIT.interrupted): ExitCode {
  switch (outcomeOf(report)) {
    case "interrupted":
      return interrupted;
    case "failed":
      return EXIT.failed;
    case "timeout":
    case "notStarted":
      return EXIT.timeout;
    default:
      return EXIT.ok;
  }
}

function regionJson(r: MemberResult): DeletionRegionJson {
  return {
    region: r.region,
    arn: r.arn,
    role: r.role,
    action: r.action,
    status: r.status,
    keyStateBefore: r.keyStateBefore,
    keyState: r.keyState,
    deletionDate: r.deletionDate ?? null,
    pendingWindowInDays: r.pendingWindowInDays ?? null,
    aliases: r.aliases ?? null,
    calls: r.calls,
    error: r.error ?? null,
    note: r.note ?? null,
  };
}

export function deletionJson<O>(
  command: DeletionCommand,
  run: DocumentInput<O, DeletionReport>,
): DeletionJson {
  const r = run.result;
  const p = r?.promotion;
  const regions = (r?.regions ?? []).map(regionJson);
  return {
    version: JSON_VERSION,
    command,
    ok: run.exitCode === 0,
    exitCode: run.exitCode,
    dryRun: run.dryRun,
    outcome: r === undefined ? null : outcomeOf(r),
    keyId: r?.keyId ?? run.key?.primary.keyId ?? null,
    primaryRegion: r?.primaryRegion ?? run.key?.primary.region ?? null,
    primaryArn: r?.primaryArn ?? run.key?.primary.arn ?? null,
    promotion:
      p === undefined
        ? null
        : {
            from: p.from,
            to: p.to,
            outcome: p.outcome,
            updatePrimaryRegionCalls: p.calls,
            note: p.note ?? null,
            error: p.error ?? null,
          },
    regions,
    summary: summaryOf(regions),
    familyDeletionDate: r?.familyGoneAt ?? null,
    undoCommand: r?.undo ?? null,
    finishCommand: r?.finish ?? null,
    note: r?.note ?? null,
    error: run.failure ?? null,
    warnings: run.warnings,
    elapsedMs: Math.round(run.elapsedMs),
  };
}

/** `2031-01-08 12:00 UTC` */
export function dateText(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** What a Region's key is now, in words: `PendingDeletion, deleted on 2031-01-08 12:00 UTC`. */
function stateText(r: MemberResult): string {
  const state = r.keyState ?? "?";
  if (r.deletionDate !== undefined) return `${state}, deleted on ${dateText(r.deletionDate)}`;
  if (r.keyState === "PendingReplicaDeletion") {
    return `${state}: its ${r.pendingWindowInDays ?? "?"}-day window starts when its last replica is gone`;
  }
  return state;
}

/** One line per Region, then its error, note and aliases. */
export function memberLines(regions: readonly MemberResult[], c: Paint): string[] {
  const width = Math.max(14, ...regions.map((r) => r.region.length));
  return regions.flatMap((r) => {
    const lines = [
      `${paintStatus(c, r.status, `${symbolOf(r.status)} ${r.region.padEnd(width)}`)} ${r.status.padEnd(11)} ${stateText(r)}`,
    ];
    if (r.aliases !== undefined && r.aliases.length > 0) {
      lines.push(`    ${c.dim("aliases (deleted with the key):")} ${r.aliases.map(literal).join(", ")}`);
    }
    if (r.error !== undefined) {
      lines.push(`    ${c.red(`${r.error.name}: ${r.error.message}`)}`);
      if (r.error.hint !== undefined) lines.push(`    ${c.dim("→")} ${r.error.hint}`);
    }
    if (r.note !== undefined) lines.push(`    ${c.dim("→")} ${r.note}`);
    return lines;
  });
}

const SYMBOL: Record<Outcome, string> = {
  done: "✔",
  unchanged: "✔",
  planned: "○",
  failed: "✖",
  timeout: "⏱",
  notStarted: "⏱",
  interrupted: "■",
};
const symbolOf = (status: Outcome): string => SYMBOL[status];

/** The words a command gives its lines and the fleet's block. */
export interface DeletionWords {
  readonly command: DeletionCommand;
  readonly fleet: FleetLook["verb"];
  /** The closing line of a key that went well (`Retired ap-south-1 from mrk-…`). */
  headline(report: DeletionReport, dryRun: boolean): string;
}

/** The closing lines of one key: its promotion, its Regions, the headline, then undo and finish. */
export function deletionLines(
  report: DeletionReport,
  words: DeletionWords,
  ctx: {
    readonly paint: Paint;
    readonly elapsedMs: number;
    readonly dryRun: boolean;
    readonly quiet: boolean;
    /** A terminal's width: the lines for people are fitted (never a command to paste). */
    readonly columns?: number;
  },
): string[] {
  const c = ctx.paint;
  const outcome = outcomeOf(report);
  const bad =
    outcome === "failed" || outcome === "timeout" || outcome === "notStarted" || outcome === "interrupted";
  const lines: string[] = [];
  const p = report.promotion;
  if (!ctx.quiet || bad) {
    if (p !== undefined) {
      lines.push(
        `${symbolOf(p.outcome === "promoted" ? "done" : p.outcome)} promotion ${p.from} → ${p.to}: ${p.outcome}`,
      );
      if (p.error !== undefined) lines.push(`    ${c.red(`${p.error.name}: ${p.error.message}`)}`);
      if (p.note !== undefined) lines.push(`    ${c.dim("→")} ${p.note}`);
    }
    lines.push(...memberLines(report.regions, c));
    lines.push(
      bad
        ? c.yellow(
            `${symbolOf(outcome)} Stopped ${outcome === "failed" ? "with a failure" : `(${outcome})`} after ${seconds(ctx.elapsedMs)}.`,
          )
        : `${symbolOf(outcome)} ${words.headline(report, ctx.dryRun)} (${seconds(ctx.elapsedMs)})`,
    );
    if (report.note !== undefined) lines.push(`  ${c.dim("→")} ${report.note}`);
  }
  lines.splice(0, lines.length, ...fitted(lines, ctx.columns, 0));
  if (report.undo !== undefined && !ctx.dryRun) lines.push("To undo:", `  ${literal(report.undo)}`);
  if (report.finish !== undefined && bad && outcome !== "failed") {
    lines.push("To finish the job:", `  ${literal(report.finish)}`);
  }
  return lines;
}

/** A key of a fleet, as its Regions ended. */
export function deletionView(run: KeyRun<DeletionReport>): FleetKey {
  const report = run.result;
  const { primary } = run.key;
  const regions = (report?.regions ?? []).map((r) => ({
    region: r.region,
    status: r.status,
    keyState: r.keyState,
    error: r.error ?? null,
    note: r.note ?? null,
  }));
  const promotion = report?.promotion;
  const unsettled =
    promotion !== undefined && promotion.outcome !== "promoted" && promotion.outcome !== "unchanged";
  return regionKey(
    {
      keyId: primary.keyId,
      region: report?.primaryRegion ?? primary.region,
      arn: report?.primaryArn ?? primary.arn,
    },
    run,
    regions,
    { error: promotion?.error ?? null, note: unsettled ? (promotion.note ?? null) : null },
  );
}

/** A command's Rendering, from its words. */
export function deletionRendering<O>(words: DeletionWords): Rendering<O, DeletionReport, DeletionJson> {
  return {
    exitCode: (report, stop: Stop | undefined) =>
      deletionExitCode(report, stop?.exitCode ?? EXIT.interrupted),
    document: (run) => deletionJson(words.command, run),
    totals: (documents) => regionTotals(OUTCOMES, documents),
    view: deletionView,
    finish(run, _options, ctx) {
      const report = run?.result;
      if (report === undefined) return { stdout: "", stderr: "" };
      const lines = deletionLines(report, words, {
        paint: ctx.paint,
        elapsedMs: ctx.elapsedMs,
        dryRun: ctx.dryRun,
        quiet: ctx.mode.quiet,
        columns: ctx.mode.columns,
      });
      return { stdout: "", stderr: lines.map((line) => `${line}\n`).join("") };
    },
    stoppedLine(stop, report) {
      const open = report.regions.filter((r) => r.status === "interrupted").length;
      const finish = report.finish === undefined ? "" : ` To finish: ${report.finish}`;
      return `Stopped by a second ${stop.signalName}: ${open} of ${report.regions.length} Regions had not settled (listed as interrupted).${finish}`;
    },
    fleet: { verb: words.fleet, regionStatuses: OUTCOMES, estimate: "rate" },
  };
}
