// The machine's view of a fleet run (more than one key may be selected: --key given twice,
// --keys-from, --all-primaries): one JSON document, version 2, with an entry per key. Each entry
// is what the command's version-1 document says of that one key, without the run's envelope
// (version, command, dryRun, warnings, elapsedMs), plus `key`: how the key was selected. The
// envelope and the keys' totals are the same for every command; each command adds its own totals
// (src/commands/<name>/render.ts), and its document type names its entries.
import type { ExitCode } from "../core/errors.js";
import type { Tag } from "../core/options.js";
import type { Count, Milliseconds, RunError } from "./json.js";
import { KEY_OUTCOMES, type KeyOutcome } from "./outcomes.js";

/** The version of a fleet document: a fleet run always writes this one, also for one key. */
export const FLEET_JSON_VERSION = 2;

/** How the keys were chosen, and what the selection looked at. */
export interface SelectionJson {
  /** --key, as given (repeatable). */
  readonly keys: readonly string[];
  /** --keys-from: the file, or `-` for stdin; null: not given. */
  readonly keysFrom: string | null;
  /** --all-primaries: every Enabled customer-managed multi-Region primary key of `regions`. */
  readonly allPrimaries: boolean;
  /** --region: where --all-primaries looked, or where keys named without an ARN are. */
  readonly regions: readonly string[];
  /** --select-tag: every primary selected carries all of these. */
  readonly selectTags: readonly Tag[];
  /** Keys ListKeys listed in those Regions (--all-primaries; else 0). */
  readonly listed: Count;
  /** Of those, multi-Region keys (mrk-…). */
  readonly multiRegion: Count;
  /** Keys that passed the command's checks (named keys, and the Enabled primaries found), before --select-tag. */
  readonly candidates: Count;
  /** The keys of the run: after --select-tag, each primary once. */
  readonly selected: Count;
}

/** What every entry of keys[] has: how the key was selected. */
export interface KeyEntry {
  /** The key as it was selected: a --key, a line of --keys-from, or the key ARN ListKeys listed. */
  readonly key: string;
}

/** The fields of a version-1 document that belong to the run, not to a key. */
export type Envelope = "version" | "command" | "dryRun" | "warnings" | "elapsedMs";

/** How many keys ended each way. */
export type KeyTotals = Readonly<Record<KeyOutcome, Count>> & {
  /** Every key of the run. */
  readonly total: Count;
};

/** Every envelope field of a fleet document. */
export interface FleetEnvelope<C extends string> {
  /** The document format's version: 2 for a run over a selection of keys (1: one --key). */
  readonly version: typeof FLEET_JSON_VERSION;
  readonly command: C;
  /** exitCode == 0. */
  readonly ok: boolean;
  /** The process's exit code: the worst of the keys' (see fleetExitCode), or 2 when the run was refused before any change. */
  readonly exitCode: ExitCode;
  /** --dry-run: nothing was changed. */
  readonly dryRun: boolean;
  /** How the keys were chosen; null when the run stopped before (bad flags). */
  readonly selection: SelectionJson | null;
  /** Set when the whole run stopped before its keys were worked on (bad flags, a key that cannot be used, an empty selection). */
  readonly error: RunError | null;
  /** Everything printed as a warning. */
  readonly warnings: readonly string[];
  /** From the start of the process to the document. */
  readonly elapsedMs: Milliseconds;
}

/** Counts of a Region status, per target Region. */
export type ByRegion<S extends string> = Readonly<Record<string, Readonly<Record<S, Count>>>>;

/** Counts of `values` by status, every status present. */
export function countBy<S extends string>(statuses: readonly S[], values: readonly S[]): Record<S, number> {
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>;
  for (const value of values) counts[value] += 1;
  return counts;
}

/** Counts per Region of what each Region ended as, Regions in the order first seen. */
export function byRegionOf<S extends string>(
  statuses: readonly S[],
  regions: readonly { readonly region: string; readonly status: S }[],
): Record<string, Record<S, number>> {
  const out: Record<string, Record<S, number>> = {};
  for (const r of regions) {
    out[r.region] ??= countBy(statuses, []);
    out[r.region][r.status] += 1;
  }
  return out;
}

/** Every Region of every key by status, and the same per Region (the commands that work per Region). */
export function regionTotals<S extends string>(
  statuses: readonly S[],
  keys: readonly { readonly regions: readonly { readonly region: string; readonly status: S }[] }[],
): { regions: Record<S, number>; byRegion: Record<string, Record<S, number>> } {
  const regions = keys.flatMap((k) => k.regions);
  return {
    regions: countBy(
      statuses,
      regions.map((r) => r.status),
    ),
    byRegion: byRegionOf(statuses, regions),
  };
}

export function keyTotals(outcomes: readonly KeyOutcome[]): KeyTotals {
  return { ...countBy(KEY_OUTCOMES, outcomes), total: outcomes.length };
}

/** The fields of the run's envelope, dropped from a key's entry (and from an account's: org.ts). */
export const ENVELOPE: ReadonlySet<string> = new Set<Envelope>([
  "version",
  "command",
  "dryRun",
  "warnings",
  "elapsedMs",
]);

/** The version-1 document of one key → its entry: the envelope dropped, `key` first. */
export function entryOf<D extends object>(key: string, document: D): Omit<D, Envelope> & KeyEntry {
  const body = Object.fromEntries(Object.entries(document).filter(([field]) => !ENVELOPE.has(field)));
  return { key, ...body } as Omit<D, Envelope> & KeyEntry;
}

/** The selection's options as the fleet runner holds them (src/core/selection.ts SelectionOptions). */
export interface SelectionInput {
  readonly keys: readonly { readonly value: string }[];
  readonly keysFrom?: string;
  readonly allPrimaries: boolean;
  readonly regions: readonly string[];
  readonly selectTags: readonly Tag[];
}

export interface SelectionStatsInput {
  readonly listed: number;
  readonly multiRegion: number;
  readonly candidates: number;
  readonly selected: number;
}

function selectionJson(
  selection: SelectionInput | undefined,
  stats: SelectionStatsInput | undefined,
): SelectionJson | null {
  if (selection === undefined) return null;
  return {
    keys: selection.keys.map((k) => k.value),
    keysFrom: selection.keysFrom ?? null,
    allPrimaries: selection.allPrimaries,
    regions: selection.regions,
    selectTags: selection.selectTags,
    listed: stats?.listed ?? 0,
    multiRegion: stats?.multiRegion ?? 0,
    candidates: stats?.candidates ?? 0,
    selected: stats?.selected ?? 0,
  };
}

/**
 * The version-2 document of a fleet run: its envelope, the command's own fields (`head`: promote's
 * `to`), one entry per key, the totals (the keys by outcome, then the command's own), how it ended.
 */
export function fleetDocument(input: {
  readonly command: string;
  readonly exitCode: ExitCode;
  readonly dryRun: boolean;
  readonly head?: Readonly<Record<string, unknown>>;
  readonly selection?: SelectionInput;
  readonly stats?: SelectionStatsInput;
  readonly keys: readonly object[];
  readonly outcomes: readonly KeyOutcome[];
  readonly totals: Readonly<Record<string, unknown>>;
  readonly error: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): FleetEnvelope<string> & { readonly keys: readonly object[]; readonly totals: object } {
  // In the document's order: what the run was, its keys and totals, then how it ended.
  return {
    version: FLEET_JSON_VERSION,
    command: input.command,
    ok: input.exitCode === 0,
    exitCode: input.exitCode,
    dryRun: input.dryRun,
    selection: selectionJson(input.selection, input.stats),
    ...input.head,
    keys: input.keys,
    totals: { keys: keyTotals(input.outcomes), ...input.totals },
    error: input.error,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  };
}
