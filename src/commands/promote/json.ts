// `promote`'s JSON document: one key's (version 1) and, over a selection of keys, the fleet's
// entries and totals (version 2); and the report one key's promotion makes.
import type { ErrorReport, ExitCode } from "../../core/errors.js";
import { JSON_VERSION, type Count, type Milliseconds } from "../../report/json.js";
import type { Envelope, FleetEnvelope, KeyEntry, KeyTotals } from "../../report/fleet.js";

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
