// `promote`: the family after (or during) a change of primary Region, as JSON and as lines for people.
import { EXIT, type ErrorReport, type ExitCode } from "../../core/errors.js";
import { JSON_VERSION, type Count, type Milliseconds } from "../../report/json.js";
import { seconds, type LineStatus } from "../../report/lines.js";
import { clock } from "../../report/progress-text.js";
import { rerunLines } from "../../report/resume.js";
import type { FleetKey } from "../../report/fleet-key.js";
import {
  countBy,
  type Envelope,
  type FleetEnvelope,
  type KeyEntry,
  type KeyTotals,
} from "../../report/fleet.js";
import { KEY_LOOK } from "../../report/fleet-lines.js";
import { keyOutcome } from "../../report/outcomes.js";
import type { KeyRun, Rendering } from "../contract.js";
import type { PromoteOptions } from "./flags.js";
import { literal, type Paint } from "../../report/terminal-text.js";

/**
 * `promoted`: this run's UpdatePrimaryRegion was accepted (or found done after a lost answer) and
 * the family settled; `unchanged`: the target was the primary already; `planned`: --dry-run, every
 * check passed; `failed`; `timeout`: --timeout ran out (see `accepted`); `notStarted`: --timeout ran
 * out before UpdatePrimaryRegion was sent, nothing was changed; `interrupted`: a signal.
 */
export type PromoteOutcome =
  "promoted" | "unchanged" | "planned" | "failed" | "timeout" | "notStarted" | "interrupted";

/** Every PromoteOutcome, in the order summaries count them. */
export const PROMOTE_OUTCOMES: readonly PromoteOutcome[] = [
  "promoted",
  "unchanged",
  "planned",
  "failed",
  "timeout",
  "notStarted",
  "interrupted",
];

/** One key of the family as last read in its own Region. */
export interface PromoteKeyJson {
  /** The key's Region. */
  readonly region: string;
  /** The key's ARN (ARNs do not change with the primary). */
  readonly arn: string;
  /** PRIMARY or REPLICA as the key reported it (KMS may briefly show both as REPLICA while Updating); null: not read. */
  readonly role: "PRIMARY" | "REPLICA" | null;
  /** KMS's raw KeyState (Enabled, Updating, Creating, …); null: not read. */
  readonly keyState: string | null;
  /** The primary's Region as this key names it; null: not read. */
  readonly primaryRegion: string | null;
}

/** The document of `promote`. */
export interface PromoteJson {
  /** The document format's version: changes only when a field changes meaning or disappears. */
  readonly version: typeof JSON_VERSION;
  readonly command: "promote";
  /** exitCode == 0. */
  readonly ok: boolean;
  /** The process's exit code: 0, 1, 2 (a check refused: nothing changed), 3 (timeout), 130, 143, 129. */
  readonly exitCode: ExitCode;
  /** --dry-run: nothing was changed. */
  readonly dryRun: boolean;
  /** What happened; null when the run stopped before the family was read (see error). */
  readonly outcome: PromoteOutcome | null;
  /** The key ID (mrk-…) shared by the family; null: not read. */
  readonly keyId: string | null;
  /** The Region asked to become the primary (--to). */
  readonly to: string | null;
  /** The primary when the run began (the old primary after a promotion); null: not read. */
  readonly oldPrimary: PromoteKeyJson | null;
  /** The key in --to as last read (the new primary after a promotion); null: not read, or no key there. */
  readonly newPrimary: PromoteKeyJson | null;
  /** Every key of the family as last read, the primary first. */
  readonly keys: readonly PromoteKeyJson[];
  /** KMS accepted the change of primary Region (this run, or one before it): it completes on its own. */
  readonly accepted: boolean;
  /** UpdatePrimaryRegion calls this run made (0: none, e.g. already the primary, or --dry-run). */
  readonly updatePrimaryRegionCalls: Count;
  /** From the accepted call to the moment the family was seen settled; null: not settled in this run. */
  readonly settleMs: Milliseconds | null;
  /** What to know or do next; null: nothing. */
  readonly note: string | null;
  /** Why the run failed or was refused; null: it did not. */
  readonly error: ErrorReport | null;
  /** Everything printed as a warning (the new primary's key policy, an unknown Region, …). */
  readonly warnings: readonly string[];
  /** From the start of the process to the document. */
  readonly elapsedMs: Milliseconds;
}

/** What `promote` found and did, for the document and the person's lines. */
export interface PromoteReport {
  readonly outcome: PromoteOutcome;
  readonly keyId: string;
  readonly to: string;
  readonly oldPrimary: PromoteKeyJson;
  readonly newPrimary?: PromoteKeyJson;
  /** Every key, the primary first. */
  readonly keys: readonly PromoteKeyJson[];
  readonly accepted: boolean;
  readonly calls: number;
  readonly settleMs?: number;
  readonly note?: string;
  readonly error?: ErrorReport;
}

export function promoteJson(input: {
  readonly exitCode: ExitCode;
  readonly dryRun: boolean;
  readonly to?: string;
  readonly report: PromoteReport | undefined;
  readonly error: ErrorReport | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): PromoteJson {
  const r = input.report;
  return {
    version: JSON_VERSION,
    command: "promote",
    ok: input.exitCode === 0,
    exitCode: input.exitCode,
    dryRun: input.dryRun,
    outcome: r?.outcome ?? null,
    keyId: r?.keyId ?? null,
    to: r?.to ?? input.to ?? null,
    oldPrimary: r?.oldPrimary ?? null,
    newPrimary: r?.newPrimary ?? null,
    keys: r?.keys ?? [],
    accepted: r?.accepted ?? false,
    updatePrimaryRegionCalls: r?.calls ?? 0,
    settleMs: r?.settleMs === undefined ? null : Math.round(r.settleMs),
    note: r?.note ?? null,
    error: input.error ?? r?.error ?? null,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  };
}

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
export function promoteLines(report: PromoteReport, elapsedMs: number, c: Paint, quiet: boolean): string[] {
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
    return `  ${k.region.padEnd(width)} ${(k.role ?? "?").padEnd(8)} ${painted} ${k.arn}${tag === "" ? "" : c.dim(`  (${tag})`)}`;
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
  return lines;
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
      ...promoteLines(report, ctx.elapsedMs, ctx.paint, ctx.mode.quiet),
      // Also with --quiet: what to run to finish.
      ...(report.outcome === "notStarted" ? rerunLines([report.oldPrimary.region], ctx.resume) : []),
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

/** promote: the version-1 promote document of one key, without the envelope. */
export interface PromoteKeyEntryJson extends KeyEntry, Omit<PromoteJson, Envelope> {}

/** `promote` over a selection of keys (a regional failover). */
export interface FleetPromoteJson extends FleetEnvelope<"promote"> {
  /** The Region every selected key's primary moves to. */
  readonly to: string | null;
  /** One entry per selected key, in the order of the selection. */
  readonly keys: readonly PromoteKeyEntryJson[];
  readonly totals: {
    readonly keys: KeyTotals;
    /** Keys by promote outcome (`unchanged`: already the primary there, e.g. moved by an earlier run). */
    readonly outcomes: Readonly<Record<PromoteOutcome, Count>>;
  };
}
