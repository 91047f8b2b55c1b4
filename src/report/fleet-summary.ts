// The end of a fleet run for people, pure: the tally of its settled keys, the summary, and the
// `kms-replicate wait` that picks up Regions that timed out. Every command is spoken of through
// its FleetLook and its keys' FleetKey values (src/report/fleet-key.ts).

import type { ReplicaEvent } from "../core/events.js";
import { outcomeCounts, plural, type OutcomeCount } from "./fleet-block.js";
import type { FleetCounts, FleetKey, FleetLook } from "./fleet-key.js";
import { fleetKeyLines, isBadKey, neverStarted, type KeyLineStyle } from "./fleet-lines.js";
import { paint, type LineStatus } from "./lines.js";
import { clock } from "./progress-text.js";
import { shellQuote, waitFlags, type ResumeOptions } from "./resume.js";
import { KEY_OUTCOMES, type KeyOutcome } from "./outcomes.js";
import type { Paint } from "./terminal-text.js";

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
  /** Keys a signal stopped before anything was changed on them (counted as interrupted too). */
  neverStarted: number;
}

export function createTally(): FleetTally {
  return {
    total: 0,
    keys: Object.fromEntries(KEY_OUTCOMES.map((o) => [o, 0])) as Record<KeyOutcome, number>,
    regions: new Map(),
    counted: new Map(),
    failed: 0,
    failures: [],
    neverStarted: 0,
  };
}

/** Adds a settled key to `tally` (keeping at most `cap` failed keys). */
export function tallyKey(
  tally: FleetTally,
  key: FleetKey,
  cap = FAILURES_SHOWN,
  notBegun = neverStarted(key),
): void {
  tally.total += 1;
  tally.keys[key.outcome] += 1;
  if (notBegun) tally.neverStarted += 1;
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

/** `notBegun`: the keys a signal stopped before any change (by default, those without a result). */
export function tallyOf(
  keys: readonly FleetKey[],
  cap = FAILURES_SHOWN,
  notBegun: (key: FleetKey) => boolean = neverStarted,
): FleetTally {
  const tally = createTally();
  for (const key of keys) tallyKey(tally, key, cap, notBegun(key));
  return tally;
}

/** A key a signal stopped before any change, as the summary and the block count it. */
export const NEVER_STARTED = "never started";

/**
 * The keys by the command's own words (promote's outcomes), or by key outcome, in the order shown;
 * of the keys a signal stopped, those at work (`interrupted`) apart from those it stopped before
 * any change (`never started`).
 */
export function outcomesOf(look: FleetLook, tally: FleetTally): OutcomeCount[] {
  const counts: OutcomeCount[] =
    look.outcomes === undefined
      ? KEY_OUTCOMES.map((outcome) => ({ outcome, count: tally.keys[outcome] }))
      : [...look.outcomes, ...[...tally.counted.keys()].filter((k) => !look.outcomes?.includes(k))].map(
          (outcome) => ({ outcome, count: tally.counted.get(outcome) ?? 0 }),
        );
  if (tally.neverStarted === 0) return counts;
  return [
    ...counts.map((o) =>
      o.outcome === "interrupted" ? { outcome: o.outcome, count: o.count - tally.neverStarted } : o,
    ),
    { outcome: NEVER_STARTED, count: tally.neverStarted },
  ];
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
 * the command says once for the whole fleet. A command whose table says it all has only the line;
 * so has a run a signal stopped (each key it stopped at work had its line as it settled), whose
 * line tells those keys from the ones it stopped before any change.
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
  style?: KeyLineStyle,
): string[] {
  const lines: string[] = [];
  const stopped = tally.keys.interrupted > 0;
  if (look.table !== true && !stopped) {
    if (look.regionStatuses !== undefined) lines.push(...regionLines(look.regionStatuses, tally, c));
    lines.push(...(look.regionNotes?.(tally) ?? []));
    if (tally.failed > 0) {
      lines.push(c.red(`${plural(tally.failed, "key")} failed:`));
      for (const key of tally.failures) {
        for (const line of fleetKeyLines(look, key, c, style)) lines.push(`  ${line}`);
      }
      const more = tally.failed - tally.failures.length;
      if (more > 0) lines.push(`  … ${more} more (every key is in the JSON document: --output json)`);
    }
  }
  const counts = outcomeCounts(outcomesOf(look, tally), c);
  const tail = dryRun
    ? " Dry run: nothing was changed."
    : stopped
      ? " Stopped by a signal: run the same command again to finish (what is done counts as done)."
      : "";
  const what =
    look.table === true
      ? `${plural(tally.total, "key family", "key families")} read`
      : plural(tally.total, "key");
  lines.push(`${what} in ${clock(elapsedMs)}${counts === "" ? "" : `: ${counts}`}.${tail}`);
  if (!stopped) lines.push(...(look.summaryNotes?.(tally) ?? []));
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
