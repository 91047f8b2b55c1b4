// `promote`: the family after (or during) a change of primary Region, as JSON and as lines for people.
import { fitted } from "../../report/fit.js";
import { EXIT, type ExitCode } from "../../core/errors.js";
import { seconds, type LineStatus } from "../../report/lines.js";
import { clock } from "../../report/progress-text.js";
import { rerunCommand, rerunLines, type ResumeOptions } from "../../report/resume.js";
import type { FleetKey } from "../../report/fleet-key.js";
import { countBy } from "../../report/fleet.js";
import { KEY_LOOK } from "../../report/fleet-lines.js";
import { keyOutcome } from "../../report/outcomes.js";
import type { KeyRun, Rendering } from "../contract.js";
import type { PromoteOptions } from "./flags.js";
import {
  PROMOTE_OUTCOMES,
  type PromoteJson,
  type PromoteKeyJson,
  type PromoteOutcome,
  type PromoteReport,
  promoteJson,
} from "./json.js";
import { literal, type Paint } from "../../report/terminal-text.js";

/** `Promoting mrk-…: the primary moves from us-east-1 to eu-west-1 (UpdatePrimaryRegion in us-east-1)` */
export function promoteStartLine(keyId: string, from: string, to: string, dryRun: boolean, c: Paint): string {
  const verb = dryRun ? "Dry run: would promote" : "Promoting";
  return `${verb} ${c.bold(literal(keyId))}: the primary moves from ${c.bold(from)} to ${c.bold(to)} (UpdatePrimaryRegion sent to ${from})`;
}

const SYMBOL: Record<PromoteOutcome, string> = {
  promoted: "✔",
  unchanged: "✔",
  planned: "○",
  failed: "✖",
  timeout: "⏱",
  notStarted: "⏱",
  interrupted: "■",
};

/** The person's view at the end: a line per key (the primary first), the outcome, the note. */
export function promoteLines(
  report: PromoteReport,
  elapsedMs: number,
  c: Paint,
  quiet: boolean,
  columns?: number,
): string[] {
  const bad = report.outcome === "failed" || report.outcome === "timeout" || report.outcome === "notStarted";
  if (quiet && !bad) return [];
  const width = Math.max(14, ...report.keys.map((k) => k.region.length));
  const label = (k: PromoteKeyJson): string =>
    k.region === report.to && k.region !== report.oldPrimary.region
      ? report.outcome === "promoted"
        ? "new primary"
        : "target"
      : k.region === report.oldPrimary.region
        ? report.outcome === "promoted"
          ? "old primary"
          : "primary"
        : "";
  const keyLines = report.keys.map((k) => {
    const state = k.keyState ?? "?";
    const painted = state === "Enabled" ? c.green(state.padEnd(10)) : c.yellow(state.padEnd(10));
    const tag = label(k);
    // On a terminal the ARN is left out (the key ID is in the headline, the full ARN in the JSON).
    const arn = columns === undefined ? ` ${k.arn}` : "";
    return `  ${k.region.padEnd(width)} ${(k.role ?? "?").padEnd(8)} ${painted}${arn}${tag === "" ? "" : c.dim(`  (${tag})`)}`;
  });
  const total = seconds(elapsedMs);
  const keyId = literal(report.keyId);
  const settle =
    report.settleMs === undefined ? "" : `; settled ${seconds(report.settleMs)} after KMS accepted it`;
  const headline: Record<PromoteOutcome, string> = {
    promoted: c.green(
      `${report.to} is the primary of ${keyId} (was ${report.oldPrimary.region}), in ${total}${settle}.`,
    ),
    unchanged: c.green(`${report.to} is already the primary of ${keyId}; nothing to do (${total}).`),
    planned: c.cyan(
      `Every check passed; would send UpdatePrimaryRegion to ${report.oldPrimary.region} (${total}). Dry run: nothing was changed.`,
    ),
    failed: c.red(`The primary of ${keyId} was not moved to ${report.to} (${total}).`),
    timeout: c.yellow(`--timeout ran out after ${total}.`),
    notStarted: c.yellow(
      `--timeout ran out before UpdatePrimaryRegion was sent (${total}); the primary of ${report.keyId} was not moved.`,
    ),
    interrupted: c.yellow(`Stopped after ${total}.`),
  };
  const lines = [...keyLines, `${SYMBOL[report.outcome]} ${headline[report.outcome]}`];
  if (report.error !== undefined) {
    lines.push(`  ${c.red(`${report.error.name}: ${report.error.message}`)}`);
    if (report.error.hint !== undefined) lines.push(`  ${c.dim("→")} ${report.error.hint}`);
  }
  if (report.note !== undefined) lines.push(`  ${c.dim("→")} ${report.note}`);
  return fitted(lines, columns, 0);
}

/** The exit code of a report: 0 done / unchanged / planned, 1 failed, 3 timeout, the signal's when interrupted. */
export function promoteExitCode(report: PromoteReport, interrupted: ExitCode = EXIT.interrupted): ExitCode {
  switch (report.outcome) {
    case "promoted":
    case "unchanged":
    case "planned":
      return EXIT.ok;
    case "failed":
      return EXIT.failed;
    case "timeout":
    case "notStarted":
      return EXIT.timeout;
    case "interrupted":
      return interrupted;
  }
}

/** A key of a failover, as the fleet's renderers show it. */
function promoteView(run: KeyRun<PromoteReport>): FleetKey {
  const report = run.result;
  const { primary } = run.key;
  const outcome = keyOutcome(run.exitCode, run.failure, report?.outcome === "notStarted");
  const base = {
    keyId: primary.keyId,
    primaryRegion: primary.region,
    arn: primary.arn,
    outcome,
    regions: [],
    error: run.failure ?? report?.error ?? null,
  };
  if (report === undefined) return { ...base, note: null };
  const to = report.to;
  // A promoted key's note says what every promotion does: the summary says it once for the fleet.
  const note = report.outcome === "promoted" ? null : (report.note ?? null);
  const bad: Partial<Record<PromoteOutcome, { look: LineStatus; text: string; brief?: string }>> = {
    failed: { look: KEY_LOOK[outcome], text: "failed" },
    interrupted: { look: KEY_LOOK[outcome], text: "interrupted" },
    timeout: {
      look: "timeout",
      text: `timeout moving the primary to ${to}`,
      brief: `timeout moving to ${to}`,
    },
    notStarted: { look: "notStarted", text: `notStarted: not moved to ${to}` },
  };
  const worse = bad[report.outcome];
  if (worse !== undefined) {
    const brief = worse.brief ?? worse.text;
    return {
      ...base,
      counted: report.outcome,
      note,
      headline: { look: worse.look, text: () => worse.text, brief: () => brief, painted: true },
    };
  }
  // On a terminal, after the key ID: within 80 columns.
  const brief: Record<"promoted" | "unchanged" | "planned", string> = {
    promoted: `promoted to ${to}${report.settleMs === undefined ? "" : ` (${clock(report.settleMs)})`}`,
    unchanged: `unchanged: ${to} is the primary`,
    planned: `planned: would move to ${to}`,
  };
  const text: Record<"promoted" | "unchanged" | "planned", string> = {
    promoted: `promoted: the primary is now in ${to}${report.settleMs === undefined ? "" : ` (settled in ${clock(report.settleMs)})`}`,
    unchanged: `unchanged: ${to} is the primary already`,
    planned: `planned: would move the primary to ${to}`,
  };
  const good = report.outcome as "promoted" | "unchanged" | "planned";
  return {
    ...base,
    counted: report.outcome,
    note,
    headline: {
      look: good === "promoted" ? "done" : good,
      text: () => text[good],
      brief: () => brief[good],
    },
    settleSample: report.outcome === "promoted",
  };
}

export const promoteRendering: Rendering<PromoteOptions, PromoteReport, PromoteJson> = {
  exitCode: (report, stop) => promoteExitCode(report, stop?.exitCode ?? EXIT.interrupted),
  document: (run) =>
    promoteJson({
      exitCode: run.exitCode,
      dryRun: run.dryRun,
      to: run.options?.to,
      report: run.result,
      error: run.failure ?? null,
      warnings: run.warnings,
      elapsedMs: run.elapsedMs,
    }),
  fleetHead: (options) => ({ to: options?.to ?? null }),
  totals: (documents) => ({
    outcomes: countBy(
      PROMOTE_OUTCOMES,
      documents.flatMap((d) => (d.outcome === null ? [] : [d.outcome])),
    ),
  }),
  view: promoteView,
  finish(run, _options, ctx) {
    const report = run?.result;
    if (report === undefined) return { stdout: "", stderr: "" };
    const lines = [
      ...promoteLines(report, ctx.elapsedMs, ctx.paint, ctx.mode.quiet, ctx.mode.columns),
      // Also with --quiet: what to run to finish.
      ...(report.outcome === "notStarted" ? rerunLines([report.oldPrimary.region], ctx.resume) : []),
      ...(report.outcome === "timeout" || report.outcome === "interrupted" ? againLines(ctx.resume) : []),
    ];
    return { stdout: "", stderr: lines.map((line) => `${line}\n`).join("") };
  },
  stoppedLine: (stop, report) => `Stopped by a second ${stop.signalName}. ${report.note ?? ""}`.trim(),
  fleet: {
    verb: { run: "Promoting", dry: "Dry run: would promote" },
    outcomes: PROMOTE_OUTCOMES,
    estimate: "promote",
    summaryNotes: (counts) =>
      (counts.counted.get("promoted") ?? 0) > 0
        ? [
            "Each promoted key's other keys now follow its new primary; ARNs and key policies are unchanged (a new primary's policy must allow kms:ReplicateKey for new replicas).",
          ]
        : [],
  },
};

/** The same command again, with the run's values: it counts a done promotion as done. */
function againLines(resume: ResumeOptions): string[] {
  const again = rerunCommand(resume);
  return again === undefined ? [] : ["To see it through (a done promotion counts as done):", `  ${again}`];
}
