// What the fleet's renderers (fleet-live.ts, fleet-lines.ts) know of a settled key and of the
// command: typed values a command's render.ts makes from its own results, never its JSON read back.
import type { ErrorReport, ExitCode } from "../core/errors.js";
import { keyOutcome, type KeyOutcome } from "./outcomes.js";
import type { LineStatus } from "./lines.js";
import type { Paint } from "./terminal-text.js";

/** One Region of a key that works per Region (replicate, wait, sync, import-material). */
export interface RegionMark {
  readonly region: string;
  /** How the Region ended, in the command's own words (created, exists, done, unchanged, …). */
  readonly status: LineStatus;
  /** KMS's KeyState as last seen; null: never seen. */
  readonly keyState: string | null;
  /** Set when the Region failed. */
  readonly error: ErrorReport | null;
  /** What the person must know or do about this Region; null: nothing. */
  readonly note: string | null;
  /**
   * A dry run: what would be done here, a line each, as the run over one key shows it under the
   * Region (`~ description "a" → "b"`, `would get: tags …`); empty or absent: nothing to show.
   */
  readonly plan?: readonly string[];
}

/** One settled key of a fleet, as its command shows it. */
export interface FleetKey {
  readonly keyId: string;
  readonly primaryRegion: string;
  /** The primary's key ARN (for the `wait` that picks up Regions that timed out); null: not known. */
  readonly arn: string | null;
  /** How the key ended (from its exit code; `notStarted` when --timeout kept it from beginning). */
  readonly outcome: KeyOutcome;
  /** The key's own error: its work ended before it had a result (or, promote, why it failed). */
  readonly error: ErrorReport | null;
  /** Per target Region, in the plan's order; empty for a command that works on the key as a whole. */
  readonly regions: readonly RegionMark[];
  /**
   * A command that works on the key as a whole (promote, status): its line after the key, and how
   * it looks (`✔ mrk-… (us-east-1) promoted: the primary is now in eu-west-1`).
   */
  readonly headline?: {
    readonly look: LineStatus;
    /** The text, coloured with `c` where its parts have colours of their own. */
    readonly text: (c: Paint) => string;
    /** The text takes the look's colour, as an error's does (a failure, a timeout). */
    readonly painted?: boolean;
    /** The same in a few words, for a terminal's line of 80 columns (after the key ID); absent: `text`. */
    readonly brief?: (c: Paint) => string;
  };
  /** The word the summary counts this key under, when the command counts its own (promote's outcomes). */
  readonly counted?: string;
  /** The key's own note (a Region's are on its RegionMark); null: none. */
  readonly note: string | null;
  /** The key waited for something to settle that sets the pace of the others (a promotion): its time is a sample. */
  readonly settleSample?: boolean;
}

/** How the fleet's live block and summary speak of a command. */
export interface FleetLook {
  /** `Replicating` / `Dry run: would replicate`, before `200 keys`. */
  readonly verb: { readonly run: string; readonly dry: string };
  /**
   * The block counts per target Region (each key announces its plan: its Regions), in this order
   * of statuses; undefined: it counts keys by outcome.
   */
  readonly regionStatuses?: readonly LineStatus[];
  /** The words the command counts keys by, in order (promote's outcomes); undefined: key outcomes. */
  readonly outcomes?: readonly string[];
  /** How the time left is estimated: from the ReplicateKey and CreateKey quotas, from UpdatePrimaryRegion's, or from the rate of settled keys. */
  readonly estimate: "replicate" | "promote" | "rate";
  /**
   * A table on stdout says what each key is (status): a key gets a line of its own only when it
   * could not be read at all, and the summary is the table's.
   */
  readonly table?: boolean;
  /** Regions that timed out while Creating are picked up by `kms-replicate wait`. */
  readonly waitForLate?: boolean;
  /** The command only waits: keys --timeout kept from beginning "could not be waited for". */
  readonly onlyWaits?: boolean;
  /** What the summary says once, from its counts, after the per-Region lines. */
  regionNotes?(counts: FleetCounts): string[];
  /** What the summary says once for the whole fleet, from its counts, after the keys by outcome. */
  summaryNotes?(counts: FleetCounts): string[];
}

/** What a fleet's summary counted: per Region and status, and per counted word. */
export interface FleetCounts {
  readonly regions: ReadonlyMap<string, ReadonlyMap<LineStatus, number>>;
  readonly counted: ReadonlyMap<string, number>;
}

/**
 * A settled key whose work is per Region, as the fleet's renderers see it: its outcome from its
 * exit code, `notStarted` when every Region is (nothing of it begun).
 */
export function regionKey(
  primary: { readonly keyId: string; readonly region: string; readonly arn: string | null },
  run: { readonly exitCode: ExitCode; readonly failure?: ErrorReport | null },
  regions: readonly RegionMark[],
  extra: Pick<FleetKey, "error" | "note"> = { error: null, note: null },
): FleetKey {
  const nothingBegun = regions.length > 0 && regions.every((r) => r.status === "notStarted");
  return {
    keyId: primary.keyId,
    primaryRegion: primary.region,
    arn: primary.arn,
    outcome: keyOutcome(run.exitCode, run.failure, nothingBegun),
    error: run.failure ?? extra.error,
    regions,
    note: extra.note,
  };
}
