// Plain text for people about the keys of a fleet run, pure: a settled key's lines, the summary
// and the `kms-replicate wait` that picks up Regions that timed out. Every command is spoken of
// through its FleetLook and its keys' FleetKey values (src/report/fleet-key.ts).
import type { ErrorReport } from "../core/errors.js";
import type { ReplicaEvent } from "../core/events.js";
import { OUTCOME_LOOK, outcomeCounts, plural, type OutcomeCount } from "./fleet-block.js";
import type { FleetCounts, FleetKey, FleetLook } from "./fleet-key.js";
import {
  clock,
  paint,
  shellQuote,
  symbolOf,
  waitFlags,
  type LineStatus,
  type ResumeOptions,
} from "./lines.js";
import { KEY_OUTCOMES, type KeyOutcome } from "./outcomes.js";
import { literal, type Paint } from "./terminal-text.js";

/** How the lines of a key look when they are not about one Region. */
export const KEY_LOOK: Record<KeyOutcome, LineStatus> = {
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
export function isBadKey(key: FleetKey): boolean {
  if (key.outcome === "failed" || key.outcome === "timeout") return true;
  return key.regions.some((r) => r.status === "failed" || r.status === "timeout");
}

/** The notes of a key (its Regions', or its own), as `→` lines grouped by text. */
function notesOf(key: FleetKey): { text: string; regions: string[] }[] {
  const byText = new Map<string, string[]>();
  if (key.note !== null) byText.set(key.note, []);
  for (const r of key.regions) {
    if (r.note === null) continue;
    const list = byText.get(r.note) ?? [];
    list.push(r.region);
    byText.set(r.note, list);
  }
  return [...byText].map(([text, regions]) => ({ text, regions }));
}

/** The key has a note to show. */
export function hasNote(key: FleetKey): boolean {
  return notesOf(key).length > 0;
}

/** `✖ mrk-… (us-east-1) failed: Name: message`, then `  → hint`. */
export function errorLines(
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
 * `→ hint`), or the key's own error. Any other key: its Regions counted, or its headline. Then its
 * notes.
 *
 *     ✖ mrk-… (us-east-1) eu-west-1 failed: AccessDeniedException: …
 *       → hint
 *     ✔ mrk-… (us-east-1) 5 created
 */
export function fleetKeyLines(look: FleetLook, key: FleetKey, c: Paint): string[] {
  const lead = `${literal(key.keyId)} (${key.primaryRegion})`;
  const lines =
    look.regionStatuses !== undefined
      ? regionKeyLines(look.regionStatuses, key, lead, c)
      : headLines(key, lead, c);
  for (const note of notesOf(key)) {
    const where = note.regions.length === 0 ? "" : `${note.regions.join(", ")}: `;
    lines.push(`  ${c.dim("→")} ${where}${note.text}`);
  }
  return lines;
}

/** A key of a command that works per Region: its failures, else its Regions counted. */
function regionKeyLines(order: readonly LineStatus[], key: FleetKey, lead: string, c: Paint): string[] {
  const { outcome } = key;
  const bad = outcome === "failed" || outcome === "timeout";
  const failures: string[] = [];
  if (key.error !== null) failures.push(...errorLines(lead, KEY_LOOK[outcome], outcome, key.error, c));
  for (const r of key.regions) {
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
  if ((bad && failures.length > 0) || (key.regions.length === 0 && key.error !== null)) return failures;
  const statuses = key.regions.map((r) => r.status);
  // A plan (--dry-run) names its Regions: which would be created, which are there already.
  const counts = statuses.includes("planned")
    ? regionsByStatus(key.regions, order, c)
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

/** A key of a command that works on the key as a whole: its headline, or its error. */
function headLines(key: FleetKey, lead: string, c: Paint): string[] {
  const { headline } = key;
  if (headline === undefined) return errorLines(lead, KEY_LOOK[key.outcome], key.outcome, key.error, c);
  if (key.error !== null || headline.painted === true) {
    return errorLines(lead, headline.look, headline.text(c), key.error, c);
  }
  return [`${paint(c, headline.look, symbolOf(headline.look))} ${lead} ${headline.text(c)}`];
}

// ---- the summary ----

/** The failed keys the summary lists; the others are counted. */
export const FAILURES_SHOWN = 20;

/** What the summary says, gathered key by key (or from every key at the end). */
export interface FleetTally extends FleetCounts {
  total: number;
  readonly keys: Record<KeyOutcome, number>;
  /** Per target Region (in the order first seen), per status. */
  readonly regions: Map<string, Map<LineStatus, number>>;
  /** Keys per counted word (promote's outcomes; a key that stopped before it had one: its key outcome). */
  readonly counted: Map<string, number>;
  /** Keys that failed or timed out. */
  failed: number;
  /** The first FAILURES_SHOWN of them. */
  readonly failures: FleetKey[];
}

export function createTally(): FleetTally {
  return {
    total: 0,
    keys: Object.fromEntries(KEY_OUTCOMES.map((o) => [o, 0])) as Record<KeyOutcome, number>,
    regions: new Map(),
    counted: new Map(),
    failed: 0,
    failures: [],
  };
}

/** Adds a settled key to `tally` (keeping at most `cap` failed keys). */
export function tallyKey(tally: FleetTally, key: FleetKey, cap = FAILURES_SHOWN): void {
  tally.total += 1;
  tally.keys[key.outcome] += 1;
  if (isBadKey(key)) {
    tally.failed += 1;
    if (tally.failures.length < cap) tally.failures.push(key);
  }
  for (const r of key.regions) {
    const counts = tally.regions.get(r.region) ?? new Map<LineStatus, number>();
    counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    tally.regions.set(r.region, counts);
  }
  const word = key.counted ?? key.outcome;
  tally.counted.set(word, (tally.counted.get(word) ?? 0) + 1);
}

export function tallyOf(keys: readonly FleetKey[], cap = FAILURES_SHOWN): FleetTally {
  const tally = createTally();
  for (const key of keys) tallyKey(tally, key, cap);
  return tally;
}

/** The keys by the command's own words (promote's outcomes), or by key outcome, in the order shown. */
export function outcomesOf(look: FleetLook, tally: FleetTally): OutcomeCount[] {
  if (look.outcomes !== undefined) {
    const order = look.outcomes;
    const names = [...order, ...[...tally.counted.keys()].filter((k) => !order.includes(k))];
    return names.map((outcome) => ({ outcome, count: tally.counted.get(outcome) ?? 0 }));
  }
  return KEY_OUTCOMES.map((outcome) => ({ outcome, count: tally.keys[outcome] }));
}

/** Per target Region, its statuses: `eu-west-1       198 created, 2 failed`. */
function regionLines(order: readonly LineStatus[], tally: FleetTally, c: Paint): string[] {
  const width = Math.max(14, ...[...tally.regions.keys()].map((r) => r.length));
  return [...tally.regions].map(([region, counts]) => {
    const parts = order.flatMap((s) => {
      const n = counts.get(s) ?? 0;
      return n === 0 ? [] : [paint(c, s, `${n} ${s}`)];
    });
    return `${region.padEnd(width)} ${parts.join(", ")}`;
  });
}

/**
 * The end of a fleet run: per target Region its statuses, the keys that failed with their errors
 * and hints (the first FAILURES_SHOWN), then one line: the keys by outcome and the time, and what
 * the command says once for the whole fleet. A command whose table says it all has only the line.
 *
 *     eu-west-1       198 created, 2 failed
 *     2 keys failed:
 *       ✖ mrk-… (us-east-1) eu-west-1 failed: AccessDeniedException: …
 *         → hint
 *     200 keys in 4m30s: 198 ok, 2 failed.
 */
export function fleetSummaryLines(
  look: FleetLook,
  tally: FleetTally,
  elapsedMs: number,
  dryRun: boolean,
  c: Paint,
): string[] {
  const lines: string[] = [];
  if (look.table !== true) {
    if (look.regionStatuses !== undefined) lines.push(...regionLines(look.regionStatuses, tally, c));
    lines.push(...(look.regionNotes?.(tally) ?? []));
    if (tally.failed > 0) {
      lines.push(c.red(`${plural(tally.failed, "key")} failed:`));
      for (const key of tally.failures) {
        for (const line of fleetKeyLines(look, key, c)) lines.push(`  ${line}`);
      }
      const more = tally.failed - tally.failures.length;
      if (more > 0) lines.push(`  … ${more} more (every key is in the JSON document: --output json)`);
    }
  }
  const counts = outcomeCounts(outcomesOf(look, tally), c);
  const tail = dryRun ? " Dry run: nothing was changed." : "";
  const what =
    look.table === true
      ? `${plural(tally.total, "key family", "key families")} read`
      : plural(tally.total, "key");
  lines.push(`${what} in ${clock(elapsedMs)}${counts === "" ? "" : `: ${counts}`}.${tail}`);
  lines.push(...(look.summaryNotes?.(tally) ?? []));
  return lines;
}

/** How a key's line looks by its counted word (OUTCOME_LOOK), for a command's own counts. */
export function lookOf(word: string): LineStatus | undefined {
  return OUTCOME_LOOK[word];
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
