// The live block of a fleet run (its spinner's text on a terminal) and the heartbeat line (without
// one), pure: the reporter's counters at one moment, as text.
import type { FleetLook } from "./fleet-key.js";
import { paint, type LineStatus } from "./lines.js";
import { clock } from "./progress-text.js";
import { leftText } from "./estimate.js";
import { noPaint, type Paint } from "./terminal-text.js";

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
  readonly look: FleetLook;
  readonly dryRun: boolean;
  /** Keys selected; while `selecting`, those found so far. */
  readonly keys: number;
  /** --all-primaries is still finding keys: how many there are is not known yet. */
  readonly selecting: boolean;
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

/**
 * `████████░░░░`: done cells, then not-done cells (red), then what is still open. `open`: the total
 * is only what is known so far (keys are still being found): the bar is never full.
 */
export function bar(
  done: number,
  notDone: number,
  total: number,
  c: Paint,
  width = BAR_WIDTH,
  open = false,
): string {
  if (total <= 0) return c.dim("░".repeat(width));
  const most = open ? width - 1 : width;
  const cells = (n: number): number => Math.min(most, Math.floor((n / total) * width));
  const good = cells(done);
  const bad = cells(done + notDone) - good;
  return c.green("█".repeat(good)) + c.red("█".repeat(bad)) + c.dim("░".repeat(width - good - bad));
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The block counts per target Region (each key announces its plan); else keys by outcome. */
export function perRegion(look: FleetLook): boolean {
  return look.regionStatuses !== undefined;
}

/** `Replicating 200 keys.`; without a number (--all-primaries), `Replicating the keys as they are found.` */
export function fleetStartLine(look: FleetLook, keys: number | undefined, dryRun: boolean): string {
  const verb = dryRun ? look.verb.dry : look.verb.run;
  return keys === undefined ? `${verb} the keys as they are found.` : `${verb} ${plural(keys, "key")}.`;
}

/** Keys not started yet: `queued` where each key announces its start, `to go` where it does not. */
const notStartedWord = (look: FleetLook): string => (perRegion(look) ? "queued" : "to go");

/** `/200`, or `/200+` while keys are still being found. */
const ofTotal = (total: number, selecting: boolean): string => `/${total}${selecting ? "+" : ""}`;

/** `160/200 done, 12 in progress, 2 failed`: one Region, counted. */
function regionCounts(r: RegionProgress, total: number, selecting: boolean, c: Paint): string {
  return [
    `${r.done}${ofTotal(total, selecting)} done`,
    ...(r.inProgress > 0 ? [`${r.inProgress} in progress`] : []),
    ...(r.failed > 0 ? [paint(c, "failed", `${r.failed} failed`)] : []),
    ...(r.timeout > 0 ? [paint(c, "timeout", `${r.timeout} timeout`)] : []),
    ...(r.notStarted > 0 ? [paint(c, "notStarted", `${r.notStarted} notStarted`)] : []),
    ...(r.interrupted > 0 ? [paint(c, "interrupted", `${r.interrupted} interrupted`)] : []),
  ].join(", ");
}

/** How an outcome's count is coloured (promote's outcomes, and status's key outcomes). */
export const OUTCOME_LOOK: Readonly<Record<string, LineStatus>> = {
  promoted: "done",
  ok: "done",
  unchanged: "unchanged",
  planned: "planned",
  failed: "failed",
  timeout: "timeout",
  notStarted: "notStarted",
  drift: "timeout",
  interrupted: "interrupted",
  "never started": "notStarted",
};

export function outcomeCounts(outcomes: readonly OutcomeCount[], c: Paint): string {
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
    ...(queued > 0 ? [`${queued} ${notStartedWord(p.look)}`] : []),
  ].join(", ");
}

/** `200 keys`, or `13 keys found so far` while the selection goes on. */
const keysText = (p: FleetProgress): string =>
  `${plural(p.keys, "key")}${p.selecting ? " found so far" : ""}`;

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
  const verb = p.dryRun ? p.look.verb.dry : p.look.verb.run;
  const header = `${verb} ${keysText(p)}: ${keyCounts(p, c)} · ${timing(p)}`;
  if (!perRegion(p.look)) {
    const notDone = p.outcomes
      .filter((o) => bucketOf(OUTCOME_LOOK[o.outcome] ?? "done") !== "done")
      .reduce((n, o) => n + o.count, 0);
    const counts = outcomeCounts(p.outcomes, c);
    const cells = bar(p.settled - notDone, notDone, p.keys, c, BAR_WIDTH, p.selecting);
    return `${header}\n  ${cells}  ${p.settled}${ofTotal(p.keys, p.selecting)}${counts === "" ? "" : `  ${counts}`}`;
  }
  const queued = queuedOf(p);
  const shown = p.regions.slice(0, BLOCK_REGIONS);
  const width = Math.max(14, ...shown.map((r) => r.region.length));
  const lines = shown.map((r) => {
    const total = projectedTotal(r.expected, p.plannedKeys, queued);
    const notDone = r.failed + r.timeout + r.notStarted + r.interrupted;
    const cells = bar(r.done, notDone, total, c, BAR_WIDTH, p.selecting);
    return `  ${r.region.padEnd(width)} ${cells}  ${regionCounts(r, total, p.selecting, c)}`;
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
    ...(queued > 0 ? [`${queued} ${notStartedWord(p.look)}`] : []),
  ];
  const head = `waiting: ${open} of ${keysText(p)}${detail.length > 0 ? ` (${detail.join(", ")})` : ""}`;
  const parts = [head];
  if (perRegion(p.look)) {
    const shown = p.regions.slice(0, BLOCK_REGIONS);
    for (const r of shown) {
      const total = projectedTotal(r.expected, p.plannedKeys, queued);
      parts.push(`${r.region} ${regionCounts(r, total, p.selecting, plain)}`);
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
