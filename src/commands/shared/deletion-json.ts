// The JSON documents of `retire`, `delete-family` and `cancel-deletion` (one shape, `command` says
// which), for one key (version 1) and over a selection (version 2). Types only, and the function
// that fills them: the schema (scripts/schema.mjs) reads this file.
import type { ErrorReport, ExitCode } from "../../core/errors.js";
import { OUTCOMES, type Outcome } from "../../core/events.js";
import type { JSON_VERSION } from "../../report/json.js";
import { type Count, type Milliseconds, type RunError } from "../../report/json.js";
import type { ByRegion, Envelope, FleetEnvelope, KeyEntry, KeyTotals } from "../../report/fleet.js";

/** The commands of this document. */
export type DeletionCommand = "retire" | "delete-family" | "cancel-deletion";

/** One key of the family the run worked on, in its own Region. */
export interface DeletionRegionJson {
  /** The key's Region. */
  readonly region: string;
  /** The key's ARN. */
  readonly arn: string;
  /** PRIMARY or REPLICA as last read; null: not read. */
  readonly role: "PRIMARY" | "REPLICA" | null;
  /** `schedule`: ScheduleKeyDeletion; `disable`: DisableKey (retire --disable-only); `cancel`: CancelKeyDeletion then EnableKey. */
  readonly action: "schedule" | "disable" | "cancel";
  /** `done`: changed and read back; `unchanged`: already so (pending deletion, Disabled, Enabled); `planned`: --dry-run; `failed`; `timeout`: a call was sent, not every one; `notStarted`: --timeout ran out first, nothing changed here; `interrupted`. */
  readonly status: Outcome;
  /** KMS's KeyState before this run changed it; null: not read. */
  readonly keyStateBefore: string | null;
  /** KMS's KeyState as last read (PendingDeletion, PendingReplicaDeletion, Disabled, Enabled, …); null: not read. */
  readonly keyState: string | null;
  /** ISO 8601: when KMS deletes the key (PendingDeletion); null: not scheduled, or a primary waiting for its replicas (PendingReplicaDeletion). */
  readonly deletionDate: string | null;
  /** The deletion window in days (PendingReplicaDeletion: it starts when the last replica is gone); null: none. */
  readonly pendingWindowInDays: number | null;
  /** The key's aliases in its Region (deleted with the key); null: not listed (not a key this run deletes, or ListAliases failed). */
  readonly aliases: readonly string[] | null;
  /** The writes KMS accepted, in order. */
  readonly calls: readonly string[];
  /** Why the Region failed; null: it did not. */
  readonly error: ErrorReport | null;
  /** What to know or do about this Region; null: nothing. */
  readonly note: string | null;
}

/** The promotion `retire` makes first when the primary's Region is retired. */
export interface DeletionPromotionJson {
  /** The primary's Region before. */
  readonly from: string;
  /** --to: the Region whose replica becomes the primary. */
  readonly to: string;
  /** `promoted`, `unchanged` (--to was the primary already), `planned` (--dry-run), or how it stopped (nothing was retired then). */
  readonly outcome:
    "promoted" | "unchanged" | "planned" | "failed" | "timeout" | "notStarted" | "interrupted";
  /** UpdatePrimaryRegion calls this run made. */
  readonly updatePrimaryRegionCalls: Count;
  readonly note: string | null;
  readonly error: ErrorReport | null;
}

/** The document of `retire`, `delete-family` and `cancel-deletion` for one key. */
export interface DeletionJson {
  /** The document format's version: changes only when a field changes meaning or disappears. */
  readonly version: typeof JSON_VERSION;
  readonly command: DeletionCommand;
  /** exitCode == 0. */
  readonly ok: boolean;
  /** The process's exit code: 0, 1 (a Region failed), 2 (refused before any change), 3 (--timeout), 130, 143, 129. */
  readonly exitCode: ExitCode;
  /** --dry-run: nothing was changed. */
  readonly dryRun: boolean;
  /** The worst of the Regions' statuses (and the promotion's); null: the run stopped before (see error). */
  readonly outcome: Outcome | null;
  /** The family's key ID (mrk-…); null: not read. */
  readonly keyId: string | null;
  /** The family's primary as the run ends (after retire's promotion: the new one); null: not read. */
  readonly primaryRegion: string | null;
  readonly primaryArn: string | null;
  /** retire with the primary's Region retired: the promotion made first; null: none. */
  readonly promotion: DeletionPromotionJson | null;
  /** Every key the run worked on, in the order of the plan. */
  readonly regions: readonly DeletionRegionJson[];
  /** How many Regions ended with each status. */
  readonly summary: Readonly<Record<Outcome, Count>>;
  /** delete-family: the earliest moment the whole family can be gone (the primary's window after its last replica's date); null: not known, or not this command. */
  readonly familyDeletionDate: string | null;
  /** The command that undoes what was scheduled or disabled (cancel-deletion with this run's values); null: nothing to undo. */
  readonly undoCommand: string | null;
  /** The command that finishes the job after a timeout or a signal; null: nothing left. */
  readonly finishCommand: string | null;
  /** What to know next (delete-family: data encrypted under the family becomes undecryptable once it is gone); null: nothing. */
  readonly note: string | null;
  /** Why the run failed or was refused; null: it did not. */
  readonly error: RunError | null;
  /** Everything printed as a warning. */
  readonly warnings: readonly string[];
  /** From the start of the process to the document. */
  readonly elapsedMs: Milliseconds;
}

/** retire, delete-family, cancel-deletion: the version-1 document of one key, without the envelope. */
export interface DeletionKeyJson extends KeyEntry, Omit<DeletionJson, Envelope> {}

/** `retire`, `delete-family` or `cancel-deletion` over a selection of keys. */
export interface FleetDeletionJson extends FleetEnvelope<DeletionCommand> {
  /** One entry per selected key, in the order of the selection. */
  readonly keys: readonly DeletionKeyJson[];
  readonly totals: {
    readonly keys: KeyTotals;
    /** Every Region of every key, by status (`unchanged`: already so, e.g. an earlier run's). */
    readonly regions: Readonly<Record<Outcome, Count>>;
    /** The same, per Region. */
    readonly byRegion: ByRegion<Outcome>;
  };
}

/** How many Regions ended with each status. */
export function summaryOf(regions: readonly { readonly status: Outcome }[]): Record<Outcome, number> {
  const summary = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of regions) summary[r.status] += 1;
  return summary;
}
