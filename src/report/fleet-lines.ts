// Plain text for people about a fleet run (a selection of keys), pure: the live block's text, the
// heartbeat line, a settled key's lines, the summary, and the arithmetic of the time left.
import {
  KEY_OUTCOMES,
  keyOutcome,
  type FleetCommand,
  type FleetKeyReport,
  type KeyOutcome,
  type PromoteKeyEntryJson,
  type RunKeyJson,
  type StatusKeyJson,
  type SyncKeyJson,
} from "./fleet.js";
import {
  clock,
  paint,
  shellQuote,
  symbolOf,
  waitFlags,
  type LineStatus,
  type ResumeOptions,
} from "./lines.js";
import { REGION_STATUSES, type ReplicaEvent } from "../core/events.js";
import { OUTCOMES } from "../core/steps/work.js";
import { PROMOTE_OUTCOMES } from "../commands/promote/render.js";
import type { ErrorReport } from "../core/errors.js";
import { literal, noPaint, type Paint } from "./terminal-text.js";

// ---- the time left ----

/** The rate of settled keys says something about the time left only after this many keys settled. */
export const MIN_SETTLED_FOR_RATE = 5;

/** The middle of `values` (the mean of the two middle ones for an even count); undefined: none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * When every request is sent: what is left of the newest unit's wait, if it takes the typical
 * time. Undefined when nothing has settled yet to say what is typical.
 */
function tailMs(waiting: number, typicalMs: number | undefined, newestMs: number): number | undefined {
  if (waiting === 0) return 0;
  if (typicalMs === undefined) return undefined;
  return Math.max(0, typicalMs - newestMs);
}

/** ReplicateKey calls, per Region: into a target Region (`into`) and sent to a primary's Region (`from`). */
export interface RequestLoad {
  readonly into: ReadonlyMap<string, number>;
  readonly from: ReadonlyMap<string, number>;
}

export interface ReplicateEstimateInput {
  /** Requests per second per Region (`ReplicateKey`, `CreateKey`), as the `fleet` event gave them. */
  readonly quotas: Readonly<Record<string, number>>;
  /** ReplicateKey calls of the planned keys not answered yet. */
  readonly pending: RequestLoad;
  /** ReplicateKey calls every planned key needed (sent or not): with `plannedKeys`, the average key's. */
  readonly planned: RequestLoad;
  readonly plannedKeys: number;
  /** Keys not planned yet: each is counted as needing what the average planned key needed. */
  readonly queuedKeys: number;
  /** Units requested and still Creating. */
  readonly creating: number;
  /** The typical (median) time from a unit's first `Creating` to its settling; undefined: none settled yet. */
  readonly typicalCreatingMs: number | undefined;
  /** How long the unit that began Creating last has been at it. */
  readonly newestCreatingMs: number;
}

/**
 * `replicate`'s time left, from the quotas: each ReplicateKey into Region r costs 2 CreateKey in r
 * (CreateKey/s per Region) and 1 ReplicateKey in the primary's Region (ReplicateKey/s per Region).
 * The requests still to send take as long as the busiest of those Regions needs; the last one then
 * takes the typical Creating time. With every request sent, what is left of the newest Creating.
 * Undefined when there is nothing to go on (no key planned yet, no quota, no Creating seen).
 */
export function replicateEstimateMs(input: ReplicateEstimateInput): number | undefined {
  const createKey = input.quotas.CreateKey ?? 0;
  const replicateKey = input.quotas.ReplicateKey ?? 0;
  if (createKey <= 0 || replicateKey <= 0) return undefined;
  if (input.plannedKeys === 0 && input.queuedKeys > 0) return undefined;
  const share = input.plannedKeys === 0 ? 0 : input.queuedKeys / input.plannedKeys;
  const busiest = (pending: ReadonlyMap<string, number>, planned: ReadonlyMap<string, number>): number => {
    let most = 0;
    for (const region of new Set([...pending.keys(), ...planned.keys()])) {
      most = Math.max(most, (pending.get(region) ?? 0) + share * (planned.get(region) ?? 0));
    }
    return most;
  };
  const requestSeconds = Math.max(
    (busiest(input.pending.into, input.planned.into) * 2) / createKey,
    busiest(input.pending.from, input.planned.from) / replicateKey,
  );
  if (requestSeconds > 0) return requestSeconds * 1000 + (input.typicalCreatingMs ?? 0);
  return tailMs(input.creating, input.typicalCreatingMs, input.newestCreatingMs);
}

export interface PromoteEstimateInput {
  /** UpdatePrimaryRegion per second per Region. */
  readonly quota: number | undefined;
  /** Keys whose primary was not asked to move yet. */
  readonly toCall: number;
  /** Keys asked, not settled. */
  readonly settling: number;
  /** The typical (median) time from a key's first state seen to its settling; undefined: none yet. */
  readonly typicalSettleMs: number | undefined;
  /** How long the key asked last has been settling. */
  readonly newestSettlingMs: number;
}

/**
 * `promote`'s time left: every UpdatePrimaryRegion counts against the quota of both Regions, and
 * every key of a failover moves to the same Region, so the calls left take `toCall / quota`
 * seconds; the last key then takes the typical settle time.
 */
export function promoteEstimateMs(input: PromoteEstimateInput): number | undefined {
  const quota = input.quota ?? 0;
  if (quota <= 0) return undefined;
  if (input.toCall > 0) return (input.toCall / quota) * 1000 + (input.typicalSettleMs ?? 0);
  return tailMs(input.settling, input.typicalSettleMs, input.newestSettlingMs);
}

/**
 * `wait`'s and `sync`'s time left (and a dry run's): the keys left at the rate keys settled so
 * far. Undefined until `minSettled` keys settled: the first ones say little.
 */
export function rateEstimateMs(input: {
  readonly settled: number;
  readonly remaining: number;
  readonly elapsedMs: number;
  readonly minSettled?: number;
}): number | undefined {
  if (input.remaining <= 0) return 0;
  if (input.settled < (input.minSettled ?? MIN_SETTLED_FOR_RATE) || input.elapsedMs <= 0) return undefined;
  return (input.remaining * input.elapsedMs) / input.settled;
}

/** `~1m20s left` (whole seconds, rounded up: never `~0s` while something is left). */
export function leftText(ms: number): string {
  return `~${clock(Math.max(1, Math.ceil(ms / 1000)) * 1000)} left`;
}

// ---- the live block and the heartbeat ----

/** How a Region's units ended, as the block counts them. */
export type Bucket = "done" | "failed" | "timeout" | "notStarted" | "interrupted";

/**
 * `created`, `exists`, `creating`, `planned` (replicate, wait) and `done`, `unchanged`, `planned`
 * (sync) are done; the rest counts as not done, each on its own.
 */
export function bucketOf(status: LineStatus): Bucket {
  switch (status) {
    case "failed":
    case "timeout":
    case "notStarted":
    case "interrupted":
      return status;
    default:
      return "done";
  }
}

/** One target Region of the live block. */
export interface RegionProgress {
  readonly region: string;
  /** Units of the planned keys in this Region. */
  readonly expected: number;
  readonly done: number;
  readonly failed: number;
  readonly timeout: number;
  readonly notStarted: number;
  readonly interrupted: number;
  readonly inProgress: number;
}

/** What the live block and the heartbeat show: the reporter's counters at one moment. */
export interface FleetProgress {
  readonly command: FleetCommand;
  readonly dryRun: boolean;
  /** Keys selected. */
  readonly keys: number;
  readonly settled: number;
  /** Keys settled failed or timed out. */
  readonly bad: number;
  /** Keys started (planned, or seen at work) and not settled. */
  readonly atWork: number;
  /** Keys planned so far: with `queued`, how a Region's units are projected. */
  readonly plannedKeys: number;
  /** Per target Region (replicate, wait, sync), in the order first planned. */
  readonly regions: readonly RegionProgress[];
  /** promote and status: settled keys by outcome, in the order shown. */
  readonly outcomes: readonly OutcomeCount[];
  readonly elapsedMs: number;
  /** undefined: not known yet. */
  readonly leftMs: number | undefined;
}

export interface OutcomeCount {
  readonly outcome: string;
  readonly count: number;
}

/** The block shows at most this many Regions, then `… N more Regions`. */
export const BLOCK_REGIONS = 12;
/** Cells of a Region's bar. */
export const BAR_WIDTH = 20;

/** Keys neither settled nor started. */
export function queuedOf(progress: Pick<FleetProgress, "keys" | "settled" | "atWork">): number {
  return Math.max(0, progress.keys - progress.settled - progress.atWork);
}

/**
 * A Region's units when every key is planned: those of the planned keys, plus, for each queued
 * key, the share of planned keys that target this Region.
 */
export function projectedTotal(expected: number, plannedKeys: number, queuedKeys: number): number {
  if (plannedKeys === 0) return expected;
  return expected + Math.round((queuedKeys * expected) / plannedKeys);
}

/** `████████░░░░`: done cells, then not-done cells (red), then what is still open. */
export function bar(done: number, notDone: number, total: number, c: Paint, width = BAR_WIDTH): string {
  if (total <= 0) return c.dim("░".repeat(width));
  const cells = (n: number): number => Math.min(width, Math.floor((n / total) * width));
  const good = cells(done);
  const bad = cells(done + notDone) - good;
  return c.green("█".repeat(good)) + c.red("█".repeat(bad)) + c.dim("░".repeat(width - good - bad));
}

const VERB: Record<FleetCommand, { readonly run: string; readonly dry: string }> = {
  replicate: { run: "Replicating", dry: "Dry run: would replicate" },
  wait: { run: "Waiting for", dry: "Waiting for" },
  sync: { run: "Syncing", dry: "Dry run: would sync" },
  promote: { run: "Promoting", dry: "Dry run: would promote" },
  status: { run: "Reading", dry: "Reading" },
};

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Commands whose block counts per target Region; the others count keys by outcome. */
export function perRegion(command: FleetCommand): boolean {
  return command === "replicate" || command === "wait" || command === "sync";
}

/** `Replicating 200 keys.` (without a terminal, when the work starts) */
/** `Replicating 200 keys.`; without a number (--all-primaries), `Replicating the keys as they are found.` */
export function fleetStartLine(command: FleetCommand, keys: number | undefined, dryRun: boolean): string {
  const verb = dryRun ? VERB[command].dry : VERB[command].run;
  return keys === undefined ? `${verb} the keys as they are found.` : `${verb} ${plural(keys, "key")}.`;
}

/** Keys not started yet: `queued` where each key announces its start, `to go` where it does not. */
const notStartedWord = (command: FleetCommand): string => (perRegion(command) ? "queued" : "to go");

/** `160/200 done, 12 in progress, 2 failed`: one Region, counted. */
function regionCounts(r: RegionProgress, total: number, c: Paint): string {
  return [
    `${r.done}/${total} done`,
    ...(r.inProgress > 0 ? [`${r.inProgress} in progress`] : []),
    ...(r.failed > 0 ? [paint(c, "failed", `${r.failed} failed`)] : []),
    ...(r.timeout > 0 ? [paint(c, "timeout", `${r.timeout} timeout`)] : []),
    ...(r.notStarted > 0 ? [paint(c, "notStarted", `${r.notStarted} notStarted`)] : []),
    ...(r.interrupted > 0 ? [paint(c, "interrupted", `${r.interrupted} interrupted`)] : []),
  ].join(", ");
}

/** How an outcome's count is coloured (promote's outcomes, and status's key outcomes). */
const OUTCOME_LOOK: Readonly<Record<string, LineStatus>> = {
  promoted: "done",
  ok: "done",
  unchanged: "unchanged",
  planned: "planned",
  failed: "failed",
  timeout: "timeout",
  notStarted: "notStarted",
  drift: "timeout",
  interrupted: "interrupted",
};

function outcomeCounts(outcomes: readonly OutcomeCount[], c: Paint): string {
  return outcomes
    .filter((o) => o.count > 0)
    .map((o) => {
      const look = OUTCOME_LOOK[o.outcome];
      return look === undefined ? `${o.count} ${o.outcome}` : paint(c, look, `${o.count} ${o.outcome}`);
    })
    .join(", ");
}

/** `37 settled (2 failed), 43 at work, 120 queued` */
function keyCounts(p: FleetProgress, c: Paint): string {
  const queued = queuedOf(p);
  return [
    `${p.settled} settled${p.bad > 0 ? ` (${paint(c, "failed", `${p.bad} failed`)})` : ""}`,
    ...(p.atWork > 0 ? [`${p.atWork} at work`] : []),
    ...(queued > 0 ? [`${queued} ${notStartedWord(p.command)}`] : []),
  ].join(", ");
}

const timing = (p: FleetProgress): string =>
  [clock(p.elapsedMs), ...(p.leftMs === undefined ? [] : [leftText(p.leftMs)])].join(", ");

/**
 * The spinner's text: a header, then one line per target Region (at most BLOCK_REGIONS), or for
 * promote and status a line of keys by outcome.
 *
 *     Replicating 200 keys: 37 settled (2 failed), 43 at work, 120 queued · 4m10s, ~1m20s left
 *       eu-west-1       ████████████████░░░░  160/200 done, 12 in progress, 2 failed
 */
export function fleetBlock(p: FleetProgress, c: Paint): string {
  const verb = p.dryRun ? VERB[p.command].dry : VERB[p.command].run;
  const header = `${verb} ${plural(p.keys, "key")}: ${keyCounts(p, c)} · ${timing(p)}`;
  if (!perRegion(p.command)) {
    const notDone = p.outcomes
      .filter((o) => bucketOf(OUTCOME_LOOK[o.outcome] ?? "done") !== "done")
      .reduce((n, o) => n + o.count, 0);
    const counts = outcomeCounts(p.outcomes, c);
    return `${header}\n  ${bar(p.settled - notDone, notDone, p.keys, c)}  ${p.settled}/${p.keys}${counts === "" ? "" : `  ${counts}`}`;
  }
  const queued = queuedOf(p);
  const shown = p.regions.slice(0, BLOCK_REGIONS);
  const width = Math.max(14, ...shown.map((r) => r.region.length));
  const lines = shown.map((r) => {
    const total = projectedTotal(r.expected, p.plannedKeys, queued);
    const notDone = r.failed + r.timeout + r.notStarted + r.interrupted;
    return `  ${r.region.padEnd(width)} ${bar(r.done, notDone, total, c)}  ${regionCounts(r, total, c)}`;
  });
  const more = p.regions.length - shown.length;
  if (more > 0) lines.push(`  … ${plural(more, "more Region", "more Regions")}`);
  return [header, ...lines].join("\n");
}

/** The heartbeat is for logs: never coloured (as live.ts's). */
const plain = noPaint;

/**
 * Without a spinner, every so often: the keys not settled, then each target Region (or, for
 * promote and status, the keys by outcome), the time so far and the time left.
 *
 *     waiting: 37 of 200 keys (25 at work, 12 queued); eu-west-1 160/200 done, 2 failed; ap-southeast-2 150/200 done; 4m10s, ~1m20s left
 */
export function fleetHeartbeat(p: FleetProgress): string {
  const queued = queuedOf(p);
  const open = Math.max(0, p.keys - p.settled);
  const detail = [
    ...(p.atWork > 0 ? [`${p.atWork} at work`] : []),
    ...(queued > 0 ? [`${queued} ${notStartedWord(p.command)}`] : []),
  ];
  const head = `waiting: ${open} of ${plural(p.keys, "key")}${detail.length > 0 ? ` (${detail.join(", ")})` : ""}`;
  const parts = [head];
  if (perRegion(p.command)) {
    const shown = p.regions.slice(0, BLOCK_REGIONS);
    for (const r of shown) {
      parts.push(`${r.region} ${regionCounts(r, projectedTotal(r.expected, p.plannedKeys, queued), plain)}`);
    }
    const more = p.regions.length - shown.length;
    if (more > 0) parts.push(`… ${plural(more, "more Region", "more Regions")}`);
  } else {
    const counts = outcomeCounts(p.outcomes, plain);
    if (counts !== "") parts.push(counts);
  }
  parts.push(timing(p));
  return parts.join("; ");
}

// ---- a settled key ----

/** How the lines of a key look when they are not about one Region. */
const KEY_LOOK: Record<KeyOutcome, LineStatus> = {
  ok: "done",
  failed: "failed",
  timeout: "timeout",
  notStarted: "notStarted",
  drift: "timeout",
  interrupted: "interrupted",
};

/**
 * A key that failed or timed out, or has a Region that did (a key a signal stopped may have one):
 * always shown, also with --quiet, and listed in the summary. A key --timeout kept from beginning
 * (notStarted) is not: nothing went wrong on it; the summary counts it and says how to finish.
 */
export function isBadKey(command: FleetCommand, report: FleetKeyReport): boolean {
  const outcome = keyOutcome(report.entry);
  if (outcome === "failed" || outcome === "timeout") return true;
  if (!perRegion(command)) return false;
  return (report.entry as RunKeyJson | SyncKeyJson).regions.some(
    (r) => r.status === "failed" || r.status === "timeout",
  );
}

/** The notes of a key (a Region's, or promote's), as `→` lines grouped by text. */
function notesOf(command: FleetCommand, report: FleetKeyReport): { text: string; regions: string[] }[] {
  if (command === "promote") {
    const { note, outcome } = report.entry as PromoteKeyEntryJson;
    // A promoted key's note says what every promotion does (the others follow; ARNs and policies
    // stay): the summary says it once for the fleet.
    return note === null || outcome === "promoted" ? [] : [{ text: note, regions: [] }];
  }
  if (command === "status") return [];
  const regions = (report.entry as RunKeyJson | SyncKeyJson).regions;
  const byText = new Map<string, string[]>();
  for (const r of regions) {
    if (r.note === null) continue;
    const list = byText.get(r.note) ?? [];
    list.push(r.region);
    byText.set(r.note, list);
  }
  return [...byText].map(([text, list]) => ({ text, regions: list }));
}

/** The key has a note to show (a Region's, or promote's). */
export function hasNote(command: FleetCommand, report: FleetKeyReport): boolean {
  return notesOf(command, report).length > 0;
}

function errorLines(
  lead: string,
  status: LineStatus,
  what: string,
  error: ErrorReport | null,
  c: Paint,
): string[] {
  const head = `${paint(c, status, symbolOf(status))} ${lead} ${paint(c, status, what)}`;
  if (error === null) return [head];
  const lines = [`${head}: ${c.red(literal(`${error.name}: ${error.message}`))}`];
  if (error.hint !== undefined) lines.push(`  ${c.dim("→")} ${error.hint}`);
  return lines;
}

/** `planned sa-east-1, ap-south-1; exists eu-west-1` */
function regionsByStatus(
  regions: readonly { readonly region: string; readonly status: LineStatus }[],
  order: readonly LineStatus[],
  c: Paint,
): string {
  return order
    .map((s) => [s, regions.filter((r) => r.status === s).map((r) => r.region)] as const)
    .filter(([, names]) => names.length > 0)
    .map(([s, names]) => paint(c, s, `${s} ${names.join(", ")}`))
    .join("; ");
}

/** `5 created, 2 exists` */
function statusCounts(statuses: readonly LineStatus[], order: readonly LineStatus[], c: Paint): string {
  return order
    .map((s) => [s, statuses.filter((x) => x === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => paint(c, s, `${n} ${s}`))
    .join(", ");
}

/**
 * A settled key's lines. A key that failed or timed out: a line per such Region (the error, then
 * `→ hint`), or the key's own error. Any other key: its Regions counted. Then its notes.
 *
 *     ✖ mrk-… (us-east-1) eu-west-1 failed: AccessDeniedException: …
 *       → hint
 *     ✔ mrk-… (us-east-1) 5 created
 */
export function fleetKeyLines(command: FleetCommand, report: FleetKeyReport, c: Paint): string[] {
  const lead = `${literal(report.keyId)} (${report.primaryRegion})`;
  const outcome = keyOutcome(report.entry);
  const lines = bodyLines(command, report, lead, outcome, c);
  for (const note of notesOf(command, report)) {
    const where = note.regions.length === 0 ? "" : `${note.regions.join(", ")}: `;
    lines.push(`  ${c.dim("→")} ${where}${note.text}`);
  }
  return lines;
}

function bodyLines(
  command: FleetCommand,
  report: FleetKeyReport,
  lead: string,
  outcome: KeyOutcome,
  c: Paint,
): string[] {
  const bad = outcome === "failed" || outcome === "timeout";
  switch (command) {
    case "replicate":
    case "wait":
    case "sync": {
      const entry = report.entry as RunKeyJson | SyncKeyJson;
      const failures: string[] = [];
      if (entry.error !== null)
        failures.push(...errorLines(lead, KEY_LOOK[outcome], outcome, entry.error, c));
      for (const r of entry.regions) {
        if (r.status === "failed") {
          failures.push(...errorLines(`${lead} ${r.region}`, "failed", "failed", r.error, c));
        }
        if (r.status === "timeout") {
          failures.push(
            `${paint(c, "timeout", symbolOf("timeout"))} ${lead} ${r.region} ${paint(c, "timeout", "timeout")} (${r.keyState ?? "not seen"})`,
          );
        }
      }
      // A failed key is said by its failures; any other key (one a signal stopped, too) is counted first.
      if ((bad && failures.length > 0) || (entry.regions.length === 0 && entry.error !== null))
        return failures;
      const statuses = entry.regions.map((r) => r.status);
      const order = command === "sync" ? OUTCOMES : REGION_STATUSES;
      // A plan (--dry-run) names its Regions: which would be created, which are there already.
      const counts = statuses.includes("planned")
        ? regionsByStatus(entry.regions, order, c)
        : statusCounts(statuses, order, c);
      const look: LineStatus =
        outcome !== "ok"
          ? KEY_LOOK[outcome]
          : statuses.length > 0 && statuses.every((s) => s === "planned")
            ? "planned"
            : "done";
      return [
        `${paint(c, look, symbolOf(look))} ${lead} ${counts === "" ? "nothing to do" : counts}`,
        ...failures,
      ];
    }
    case "promote": {
      const entry = report.entry as PromoteKeyEntryJson;
      const to = entry.to ?? "?";
      if (entry.outcome === null || entry.outcome === "failed" || entry.outcome === "interrupted") {
        const what = entry.outcome ?? outcome;
        return errorLines(lead, KEY_LOOK[keyOutcome(entry)], what, entry.error, c);
      }
      if (entry.outcome === "timeout") {
        return errorLines(lead, "timeout", `timeout moving the primary to ${to}`, entry.error, c);
      }
      if (entry.outcome === "notStarted") {
        return errorLines(lead, "notStarted", `notStarted: not moved to ${to}`, entry.error, c);
      }
      const text: Record<"promoted" | "unchanged" | "planned", string> = {
        promoted: `promoted: the primary is now in ${to}${entry.settleMs === null ? "" : ` (settled in ${clock(entry.settleMs)})`}`,
        unchanged: `unchanged: ${to} is the primary already`,
        planned: `planned: would move the primary to ${to}`,
      };
      const look: LineStatus = entry.outcome === "promoted" ? "done" : entry.outcome;
      return [`${paint(c, look, symbolOf(look))} ${lead} ${text[entry.outcome]}`];
    }
    case "status": {
      // What each key of the family is (and why one could not be read) is the table's (status.ts).
      const entry = report.entry as StatusKeyJson;
      if (entry.error !== null) return errorLines(lead, KEY_LOOK[outcome], outcome, entry.error, c);
      const notUsable = entry.keys.filter((k) => !k.usable).length;
      const drifting = entry.keys.filter((k) => k.drift.length > 0).length;
      const look = KEY_LOOK[outcome];
      const parts = [
        `${entry.keys.length - notUsable} usable`,
        ...(notUsable > 0 ? [paint(c, "failed", `${notUsable} not usable`)] : []),
        ...(drifting > 0 ? [paint(c, "timeout", `${drifting} drift`)] : []),
      ];
      return [
        `${paint(c, look, symbolOf(look))} ${lead} ${plural(entry.keys.length, "key")}: ${parts.join(", ")}`,
      ];
    }
  }
}

// ---- the summary ----

/** The failed keys the summary lists; the others are counted. */
export const FAILURES_SHOWN = 20;

/** What the summary says, gathered key by key (or from every key's report at the end). */
export interface FleetTally {
  total: number;
  readonly keys: Record<KeyOutcome, number>;
  /** replicate, wait, sync: per target Region (in the order first seen), per status. */
  readonly regions: Map<string, Map<LineStatus, number>>;
  /** promote: keys per outcome (a key that stopped before it had one: its key outcome). */
  readonly outcomes: Map<string, number>;
  /** Keys that failed or timed out. */
  failed: number;
  /** The first FAILURES_SHOWN of them. */
  readonly failures: FleetKeyReport[];
}

export function createTally(): FleetTally {
  return {
    total: 0,
    keys: Object.fromEntries(KEY_OUTCOMES.map((o) => [o, 0])) as Record<KeyOutcome, number>,
    regions: new Map(),
    outcomes: new Map(),
    failed: 0,
    failures: [],
  };
}

/** Adds a settled key to `tally` (keeping at most `cap` failed keys' reports). */
export function tallyKey(
  tally: FleetTally,
  command: FleetCommand,
  report: FleetKeyReport,
  cap = FAILURES_SHOWN,
): void {
  const outcome = keyOutcome(report.entry);
  tally.total += 1;
  tally.keys[outcome] += 1;
  if (isBadKey(command, report)) {
    tally.failed += 1;
    if (tally.failures.length < cap) tally.failures.push(report);
  }
  if (perRegion(command)) {
    for (const r of (report.entry as RunKeyJson | SyncKeyJson).regions) {
      const counts = tally.regions.get(r.region) ?? new Map<LineStatus, number>();
      counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      tally.regions.set(r.region, counts);
    }
  }
  if (command === "promote") {
    const name = (report.entry as PromoteKeyEntryJson).outcome ?? outcome;
    tally.outcomes.set(name, (tally.outcomes.get(name) ?? 0) + 1);
  }
}

export function tallyOf(
  command: FleetCommand,
  reports: readonly FleetKeyReport[],
  cap = FAILURES_SHOWN,
): FleetTally {
  const tally = createTally();
  for (const report of reports) tallyKey(tally, command, report, cap);
  return tally;
}

const PROMOTE_ORDER: readonly string[] = PROMOTE_OUTCOMES;

/** promote's outcomes, or status's key outcomes, in the order shown. */
export function outcomesOf(command: FleetCommand, tally: FleetTally): OutcomeCount[] {
  if (command === "promote") {
    const names = [...PROMOTE_ORDER, ...[...tally.outcomes.keys()].filter((k) => !PROMOTE_ORDER.includes(k))];
    return names.map((outcome) => ({ outcome, count: tally.outcomes.get(outcome) ?? 0 }));
  }
  return KEY_OUTCOMES.map((outcome) => ({ outcome, count: tally.keys[outcome] }));
}

/**
 * The end of a fleet run: per target Region its statuses (replicate, wait, sync), the keys that
 * failed with their errors and hints (the first FAILURES_SHOWN), then one line: the keys by
 * outcome (promote: by promote outcome) and the time. `status` has only that line.
 *
 *     eu-west-1       198 created, 2 failed
 *     2 keys failed:
 *       ✖ mrk-… (us-east-1) eu-west-1 failed: AccessDeniedException: …
 *         → hint
 *     200 keys in 4m30s: 198 ok, 2 failed.
 */
export function fleetSummaryLines(
  command: FleetCommand,
  tally: FleetTally,
  elapsedMs: number,
  dryRun: boolean,
  c: Paint,
): string[] {
  const lines: string[] = [];
  if (command !== "status") {
    if (perRegion(command)) {
      const order = command === "sync" ? OUTCOMES : REGION_STATUSES;
      const width = Math.max(14, ...[...tally.regions.keys()].map((r) => r.length));
      for (const [region, counts] of tally.regions) {
        const parts = order.flatMap((s) => {
          const n = counts.get(s) ?? 0;
          return n === 0 ? [] : [paint(c, s, `${n} ${s}`)];
        });
        lines.push(`${region.padEnd(width)} ${parts.join(", ")}`);
      }
      if (command === "replicate") {
        const all = [...tally.regions.values()];
        const total = all.reduce((n, counts) => n + [...counts.values()].reduce((a, b) => a + b, 0), 0);
        const there = all.reduce((n, counts) => n + (counts.get("exists") ?? 0), 0);
        if (there > 0) {
          lines.push(
            `${there} of ${total} replicas were there already (an earlier run's work, or made another way): counted as done, not requested again.`,
          );
        }
      }
    }
    if (tally.failed > 0) {
      lines.push(c.red(`${plural(tally.failed, "key")} failed:`));
      for (const report of tally.failures) {
        for (const line of fleetKeyLines(command, report, c)) lines.push(`  ${line}`);
      }
      const more = tally.failed - tally.failures.length;
      if (more > 0) lines.push(`  … ${more} more (every key is in the JSON document: --output json)`);
    }
  }
  const counts =
    command === "promote"
      ? outcomeCounts(outcomesOf(command, tally), c)
      : outcomeCounts(
          KEY_OUTCOMES.map((outcome) => ({ outcome, count: tally.keys[outcome] })),
          c,
        );
  const tail = dryRun ? " Dry run: nothing was changed." : "";
  const what =
    command === "status"
      ? `${plural(tally.total, "key family", "key families")} read`
      : plural(tally.total, "key");
  lines.push(`${what} in ${clock(elapsedMs)}${counts === "" ? "" : `: ${counts}`}.${tail}`);
  if (command === "promote" && (tally.outcomes.get("promoted") ?? 0) > 0) {
    lines.push(
      "Each promoted key's other keys now follow its new primary; ARNs and key policies are unchanged (a new primary's policy must allow kms:ReplicateKey for new replicas).",
    );
  }
  return lines;
}

/** The flags that chose a fleet's keys (the `fleet` event's selection). */
type FleetSelection = Extract<ReplicaEvent, { type: "fleet" }>["selection"];

/** At most this many keys named one by one in the `wait` that picks up a timeout. */
export const WAIT_KEYS_NAMED = 10;

/**
 * `kms-replicate wait …` for the Regions of a fleet that timed out: the keys themselves (`--key`
 * each) when there are few, else the run's own selection (which `wait` resolves again; keys already
 * usable are done at once), or undefined when the selection came from stdin and cannot be given
 * again on a command line.
 */
export function fleetWaitCommand(
  late: readonly { readonly arn: string; readonly regions: readonly string[] }[],
  selection: FleetSelection,
  resume: ResumeOptions,
): string | undefined {
  const regions = [...new Set(late.flatMap((k) => k.regions))];
  const words = ["kms-replicate", "wait"];
  if (late.length <= WAIT_KEYS_NAMED) {
    for (const key of late) words.push("--key", key.arn);
  } else if (selection.allPrimaries) {
    words.push("--all-primaries");
    for (const region of selection.regions) words.push("--region", region);
  } else if (selection.keysFrom !== undefined && selection.keysFrom !== "-") {
    words.push("--keys-from", selection.keysFrom);
    for (const region of selection.regions) words.push("--region", region);
    for (const key of selection.keys) words.push("--key", key);
  } else {
    return undefined;
  }
  if (late.length > WAIT_KEYS_NAMED) {
    for (const tag of selection.selectTags) words.push("--select-tag", `${tag.TagKey}=${tag.TagValue}`);
  }
  return [...words, ...waitFlags(regions, resume)].map(shellQuote).join(" ");
}
