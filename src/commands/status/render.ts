// `status`: the key family as a table for people, and as JSON with the drift spelled out.
import type { Drift } from "../../core/diff.js";
import { EXIT, type ErrorReport, type ExitCode } from "../../core/errors.js";
import { isPendingDeletionKey, isUsableKey, unreadFields, type KeyView } from "../../core/family.js";
import { JSON_VERSION, type Count } from "../../report/json.js";
import type { FleetEnvelope, KeyEntry, KeyTotals } from "../../report/fleet.js";
import { keyOutcome } from "../../report/outcomes.js";
import type { Paint } from "../../report/terminal-text.js";
import { paint as paintStatus } from "../../report/lines.js";
import type { FleetKey } from "../../report/fleet-key.js";
import type { KeyRun, Rendering } from "../contract.js";
import type { StatusOptions } from "./flags.js";
import { fleetStatusOutput, notUsable, statusOutput, type FamilyRow } from "./table.js";

/** One column for the key's state: KMS's KeyState says Enabled or Disabled (the JSON keeps `enabled`). */
/** One key of the family in the status document: as read, whether it is usable, how it drifts. */
export interface KeyJson extends KeyView {
  /** KeyState Enabled and the key could be read (PendingImport, Disabled or pending deletion is not). */
  readonly usable: boolean;
  /** What differs from the primary (always empty for the primary itself). */
  readonly drift: readonly Drift[];
}

/** The document of `status`: the primary and every replica, each read in its own Region. */
export interface StatusJson {
  /** The document format's version: changes only when a field changes meaning or disappears. */
  readonly version: typeof JSON_VERSION;
  readonly command: "status";
  /** exitCode == 0. */
  readonly ok: boolean;
  /** The process's exit code: 0, 1 (a key not usable or a field not read), 4 (drift only), 2, 130, 143, 129. */
  readonly exitCode: ExitCode;
  /** The primary first, then every replica; empty when the run stopped before (see error). */
  readonly keys: readonly KeyJson[];
  /** A replica drifts from the primary. */
  readonly drift: boolean;
  /** Set when the family could not be read at all (bad input, no key, DescribeKey failed). */
  readonly error: ErrorReport | null;
}

export function statusJson(
  rows: readonly FamilyRow[],
  usable: (view: KeyView) => boolean,
  exitCode: ExitCode,
  error: ErrorReport | null,
): StatusJson {
  return {
    version: JSON_VERSION,
    command: "status",
    ok: exitCode === 0,
    exitCode,
    keys: rows.map(({ view, drift }) => ({ ...view, usable: usable(view), drift })),
    drift: rows.some((r) => r.drift.length > 0),
    error,
  };
}

/** 1 when a key is unusable or a field could not be read (the comparison is incomplete), else 4 on drift, else 0. */
export function statusExitCode(rows: readonly FamilyRow[]): ExitCode {
  const unusable = rows.some((r) => notUsable(r.view));
  const unread = rows.some((r) => unreadFields(r.view).length > 0);
  if (unusable || unread) return EXIT.failed;
  return rows.some((r) => r.drift.length > 0) ? EXIT.drift : EXIT.ok;
}

/** A family of a fleet: `3 keys: 3 usable, 1 drift`; the table says the rest. */
function statusView(run: KeyRun<FamilyRow[]>): FleetKey {
  const rows = run.result ?? [];
  const outcome = keyOutcome(run.exitCode, run.failure, false);
  const unusableKeys = rows.filter((r) => notUsable(r.view)).length;
  const pending = rows.filter((r) => isPendingDeletionKey(r.view)).length;
  const drifting = rows.filter((r) => r.drift.length > 0).length;
  const parts = (c: Paint): string[] => [
    `${rows.length - unusableKeys - pending} usable`,
    ...(unusableKeys > 0 ? [paintStatus(c, "failed", `${unusableKeys} not usable`)] : []),
    ...(pending > 0 ? [paintStatus(c, "timeout", `${pending} pending deletion`)] : []),
    ...(drifting > 0 ? [paintStatus(c, "timeout", `${drifting} drift`)] : []),
  ];
  const look = outcome === "ok" ? "done" : outcome === "drift" ? "timeout" : outcome;
  return {
    keyId: run.key.primary.keyId,
    primaryRegion: run.key.primary.region,
    arn: run.key.primary.arn,
    outcome,
    error: run.failure ?? null,
    regions: [],
    ...(run.result !== undefined
      ? {
          headline: {
            look,
            text: (c: Paint) => `${rows.length} key${rows.length === 1 ? "" : "s"}: ${parts(c).join(", ")}`,
          },
        }
      : {}),
    note: null,
  };
}

export const statusRendering: Rendering<StatusOptions, FamilyRow[], StatusJson> = {
  exitCode: (rows, stop) => stop?.exitCode ?? statusExitCode(rows),
  document: (run) => statusJson(run.result ?? [], isUsableKey, run.exitCode, run.failure ?? null),
  totals(documents) {
    const members = documents.flatMap((d) => d.keys);
    return {
      members: members.length,
      unusable: members.filter((m) => !m.usable || Object.values(m.fieldErrors).some((e) => e !== null))
        .length,
      drifting: members.filter((m) => m.drift.length > 0).length,
    };
  },
  view: (run) => statusView(run),
  finish(run, _options, ctx) {
    const rows = run?.result;
    if (rows === undefined) return { stdout: "", stderr: "" };
    // The table is the data asked for: stdout (see statusOutput for --quiet, --output json, pipes).
    const unusable = rows.filter((r) => notUsable(r.view)).length;
    return statusOutput(rows, unusable, ctx.mode, { stdout: ctx.paint, stderr: ctx.paint });
  },
  fleetOutput(runs, ctx) {
    const families = runs.map((run) => ({ keyId: run.key.primary.keyId, rows: run.result ?? [] }));
    return fleetStatusOutput(families, ctx.mode, { stdout: ctx.paint, stderr: ctx.paint });
  },
  fleet: {
    verb: { run: "Reading", dry: "Reading" },
    estimate: "rate",
    table: true,
  },
};

/** status: the version-1 status document of one key's family, without the envelope. */
export interface StatusKeyJson extends KeyEntry, Omit<StatusJson, "version" | "command"> {}

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
