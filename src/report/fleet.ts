// The machine's view of a fleet run (more than one key may be selected: --key given twice,
// --keys-from, --all-primaries): one JSON document, version 2, with an entry per key. Each entry
// is what the command's version-1 document says of that one key, without the run's envelope
// (version, command, dryRun, warnings, elapsedMs), plus `key`: how the key was selected.
import { EXIT, type ExitCode } from "../core/errors.js";
import { REGION_STATUSES, type RegionStatus } from "../core/events.js";
import { OUTCOMES, type Outcome } from "../core/steps/work.js";
import type { Tag } from "../core/options.js";
import type { Count, Milliseconds, RunError, RunJson } from "./json.js";
import { PROMOTE_OUTCOMES, type PromoteJson, type PromoteOutcome } from "../commands/promote/render.js";
import type { StatusJson } from "../commands/status/render.js";
import type { SyncJson } from "../commands/sync/render.js";

/** The version of a fleet document: a fleet run always writes this one, also for one key. */
export const FLEET_JSON_VERSION = 2;

/** The commands that work on a selection of keys. */
export type FleetCommand = "replicate" | "wait" | "status" | "sync" | "promote";

/** The fields of a version-1 document that belong to the run, not to a key. */
type Envelope = "version" | "command" | "dryRun" | "warnings" | "elapsedMs";

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

/**
 * A key's outcome in the totals: from its exit code (0 ok, 1 and 2 failed, 3 timeout, 4 drift,
 * 130/143/129 interrupted), and, of the keys with exit code 3, `notStarted` for those on which
 * nothing was begun before --timeout ran out (see keyOutcome).
 */
export type KeyOutcome = "ok" | "failed" | "timeout" | "notStarted" | "drift" | "interrupted";

export const KEY_OUTCOMES: readonly KeyOutcome[] = [
  "ok",
  "failed",
  "timeout",
  "notStarted",
  "drift",
  "interrupted",
];

export function keyOutcomeOf(exitCode: ExitCode): KeyOutcome {
  switch (exitCode) {
    case EXIT.ok:
      return "ok";
    case EXIT.timeout:
      return "timeout";
    case EXIT.drift:
      return "drift";
    case EXIT.interrupted:
    case EXIT.terminated:
    case EXIT.hangup:
      return "interrupted";
    case EXIT.failed:
    case EXIT.usage:
      return "failed";
  }
}

/**
 * The run's exit code from its keys': the stop signal's if a key was interrupted, else 1 if a key
 * failed (a key a check refused, 2 on its own, is a failure here: the other keys were worked on),
 * else 3 if one timed out, else 4 if one drifts (status), else 0.
 */
export function fleetExitCode(
  codes: readonly ExitCode[],
  interrupted: ExitCode = EXIT.interrupted,
): ExitCode {
  const outcomes = new Set(codes.map(keyOutcomeOf));
  if (outcomes.has("interrupted")) return interrupted;
  if (outcomes.has("failed")) return EXIT.failed;
  if (outcomes.has("timeout")) return EXIT.timeout;
  if (outcomes.has("drift")) return EXIT.drift;
  return EXIT.ok;
}

/** What every entry of keys[] has: how the key was selected. */
interface KeyEntry {
  /** The key as it was selected: a --key, a line of --keys-from, or the key ARN ListKeys listed. */
  readonly key: string;
}

/** replicate and wait: the version-1 run document of this key, without the envelope. */
export interface RunKeyJson extends KeyEntry, Omit<RunJson, Envelope> {}
/** sync: the version-1 sync document of this key, without the envelope. */
export interface SyncKeyJson extends KeyEntry, Omit<SyncJson, Envelope> {}
/** status: the version-1 status document of this key's family, without the envelope. */
export interface StatusKeyJson extends KeyEntry, Omit<StatusJson, "version" | "command"> {}
/** promote: the version-1 promote document of this key, without the envelope. */
export interface PromoteKeyEntryJson extends KeyEntry, Omit<PromoteJson, Envelope> {}

/** How many keys ended each way. */
export type KeyTotals = Readonly<Record<KeyOutcome, Count>> & {
  /** Every key of the run. */
  readonly total: Count;
};

/** Every envelope field of a fleet document. */
interface FleetEnvelope<C extends FleetCommand> {
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

/** `status` over a selection of keys. */
export interface FleetStatusJson extends FleetEnvelope<"status"> {
  /** One entry per selected key's family, in the order of the selection. */
  readonly keys: readonly StatusKeyJson[];
  readonly totals: {
    readonly keys: KeyTotals;
    /** Keys of every family (primaries and replicas) read. */
    readonly members: Count;
    /** Of those, not usable or not fully read. */
    readonly unusable: Count;
    /** Replicas that drift from their primary. */
    readonly drifting: Count;
  };
}

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

export type FleetJson = FleetRunJson | FleetSyncJson | FleetStatusJson | FleetPromoteJson;

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

/**
 * A key's outcome from its entry: its exit code's (keyOutcomeOf), but `notStarted` for a key that
 * --timeout kept from beginning: not started at all (`error.name` NotStarted), its promotion not
 * sent (`outcome` notStarted), or every Region of it `notStarted`.
 */
export function keyOutcome(entry: FleetKeyJson): KeyOutcome {
  const byCode = keyOutcomeOf(entry.exitCode);
  if (byCode !== "timeout") return byCode;
  if (entry.error?.name === "NotStarted") return "notStarted";
  if ("outcome" in entry) return entry.outcome === "notStarted" ? "notStarted" : byCode;
  if ("regions" in entry) {
    const regions: readonly { readonly status: string }[] = entry.regions;
    if (regions.length > 0 && regions.every((r) => r.status === "notStarted")) return "notStarted";
  }
  return byCode;
}

export function keyTotals(keys: readonly FleetKeyJson[]): KeyTotals {
  return { ...countBy(KEY_OUTCOMES, keys.map(keyOutcome)), total: keys.length };
}

/** The fields of the run's envelope, dropped from a key's entry. */
const ENVELOPE: ReadonlySet<string> = new Set<Envelope>([
  "version",
  "command",
  "dryRun",
  "warnings",
  "elapsedMs",
]);

/** The version-1 document of one key → its entry: the envelope dropped, `key` first. */
export function entryOf<D extends { readonly version: number; readonly command: string }>(
  key: string,
  document: D,
): Omit<D, Envelope> & KeyEntry {
  const body = Object.fromEntries(Object.entries(document).filter(([field]) => !ENVELOPE.has(field)));
  return { key, ...body } as Omit<D, Envelope> & KeyEntry;
}

/** One settled key, as the reporter and the document see it. */
export interface FleetKeyReport {
  readonly keyId: string;
  readonly primaryRegion: string;
  /** Its entry of keys[] (the command's version-1 document of this key, without the envelope). */
  readonly entry: FleetKeyJson;
}

export type FleetKeyJson = RunKeyJson | SyncKeyJson | StatusKeyJson | PromoteKeyEntryJson;

/** The version-2 document of a fleet run: its envelope, one entry per key, and the totals. */
export function fleetDocument(input: {
  readonly command: FleetCommand;
  readonly exitCode: ExitCode;
  readonly dryRun: boolean;
  readonly to?: string;
  readonly selection?: SelectionInput;
  readonly stats?: SelectionStatsInput;
  readonly keys: readonly FleetKeyJson[];
  readonly error: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): FleetJson {
  // In the document's order: what the run was, its keys and totals, then how it ended.
  const head = {
    version: FLEET_JSON_VERSION,
    ok: input.exitCode === 0,
    exitCode: input.exitCode,
    dryRun: input.dryRun,
    selection: selectionJson(input.selection, input.stats),
  } as const;
  const tail = {
    error: input.error,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  } as const;
  switch (input.command) {
    case "replicate":
    case "wait": {
      const keys = input.keys as readonly RunKeyJson[];
      return {
        ...{ version: head.version, command: input.command },
        ...head,
        keys,
        totals: { keys: keyTotals(input.keys), ...regionTotals(REGION_STATUSES, keys) },
        ...tail,
      };
    }
    case "sync": {
      const keys = input.keys as readonly SyncKeyJson[];
      return {
        ...{ version: head.version, command: "sync" as const },
        ...head,
        keys,
        totals: { keys: keyTotals(input.keys), ...regionTotals(OUTCOMES, keys) },
        ...tail,
      };
    }
    case "status": {
      const keys = input.keys as readonly StatusKeyJson[];
      const members = keys.flatMap((k) => k.keys);
      return {
        ...{ version: head.version, command: "status" as const },
        ...head,
        keys,
        totals: {
          keys: keyTotals(input.keys),
          members: members.length,
          unusable: members.filter((m) => !m.usable || Object.values(m.fieldErrors).some((e) => e !== null))
            .length,
          drifting: members.filter((m) => m.drift.length > 0).length,
        },
        ...tail,
      };
    }
    case "promote": {
      const keys = input.keys as readonly PromoteKeyEntryJson[];
      return {
        ...{ version: head.version, command: "promote" as const },
        ...head,
        to: input.to ?? null,
        keys,
        totals: {
          keys: keyTotals(input.keys),
          outcomes: countBy(
            PROMOTE_OUTCOMES,
            keys.flatMap((k) => (k.outcome === null ? [] : [k.outcome])),
          ),
        },
        ...tail,
      };
    }
  }
}

/** Every Region of every key by status, and the same per Region. */
function regionTotals<S extends string>(
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

/** The selection's options as the fleet runner holds them (src/core/selection.ts SelectionOptions). */
interface SelectionInput {
  readonly keys: readonly { readonly value: string }[];
  readonly keysFrom?: string;
  readonly allPrimaries: boolean;
  readonly regions: readonly string[];
  readonly selectTags: readonly Tag[];
}

interface SelectionStatsInput {
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
