// What rotate-material's work knows and reports: a row per key of the family (RotateRegion), the
// family's state (RotationState), the result (RotateResult), and the record the work keeps as it
// goes (RotationRecord), read at the end or, at a second signal, at any moment.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import type { CommandAdvice } from "../advice.js";
import { describeError, isNotSent, type ErrorReport } from "../errors.js";
import type { KeyMaterialInfo, PrimaryKey } from "../events.js";
import { materialInfo } from "./import.js";

/** What an error of a rotation says (rotate-material's advice): a re-run continues the rotation. */
export const ROTATION_ADVICE: CommandAdvice = {
  rerun:
    "re-run the same command: it reads where the rotation stands (ListKeyRotations) and continues from there",
  stateRule: " (every key of the family must be Enabled to rotate)",
  errors: {
    IncorrectKeyMaterialException: {
      message: (ctx) =>
        `This is not the key material KMS expected in ${ctx.region} (the new material pending rotation); nothing was imported there.`,
      hint: () =>
        "Give the same material as the run that imported it into the primary, or undo that import (the command is printed with the result).",
    },
  },
};

/**
 * `imported`: KMS answered, the new material is in this key. `unknown`: its ImportKeyMaterial was
 * sent and the answer never came (a signal, a lost connection): the material may be there.
 * `unchanged`: the key uses this material already; nothing was imported. `failed`: see error;
 * nothing was imported here. `interrupted`: a signal stopped the run here before ImportKeyMaterial
 * was sent; nothing was imported. `not-attempted`: the run stopped before this key.
 */
export type RotateRegionStatus =
  "imported" | "unknown" | "unchanged" | "failed" | "interrupted" | "not-attempted";

/** One key of the family in the rotation. */
export interface RotateRegion {
  /** The Region ID. */
  readonly region: string;
  /** PRIMARY (gets NEW_KEY_MATERIAL) or REPLICA (EXISTING_KEY_MATERIAL). */
  readonly role: "PRIMARY" | "REPLICA";
  readonly status: RotateRegionStatus;
  /** KMS's KeyState as last seen; null: not read. */
  readonly keyState: string | null;
  /** The key's material as last read here (`imported`: by this run; null: unknown); null: not read. */
  readonly keyMaterial: KeyMaterialInfo | null;
  /** What to know about this key (why its import is unknown); null: nothing. */
  readonly note: string | null;
  /** Why it failed; null unless `failed`. */
  readonly error: ErrorReport | null;
}

/**
 * Where the family stands. `rotated`: every key shows the new material as current. `rotating`:
 * KMS accepted RotateKeyOnDemand, not every key showed it before the run stopped. `pending-import`:
 * the new material is in the primary and not rotated to (KMS: PENDING_MULTI_REGION_IMPORT_AND_ROTATION
 * until every replica holds it, then PENDING_ROTATION); every key still uses the old one.
 * `unknown`: a request whose answer never came (the new material into the primary, or
 * RotateKeyOnDemand) may have moved the family on; the continue command finds out and goes on.
 * `not-started`: nothing was imported; nothing changed. `unchanged`: the family already uses this
 * material; nothing to do.
 */
export type RotationState =
  "rotated" | "rotating" | "pending-import" | "unknown" | "not-started" | "unchanged";

/** RotateKeyOnDemand on the primary: `not-sent`, `accepted`, `failed` (see rotationError), `unknown` (sent, no answer). */
export type RotationCall = "not-sent" | "accepted" | "failed" | "unknown";

/** What the command knows at its end. */
export interface RotateResult {
  readonly primary: PrimaryKey;
  /** The new material's ID; undefined: not known (imported nowhere, or no answer came). */
  readonly keyMaterialId?: string;
  readonly previousKeyMaterialId?: string;
  /** Continued with material a previous run left pending. */
  readonly resumed: boolean;
  /** Another material is pending rotation in the family, not this one (a previous run's). */
  readonly otherPending?: string;
  readonly state: RotationState;
  readonly regions: readonly RotateRegion[];
  readonly rotation: RotationCall;
  /** Why RotateKeyOnDemand failed. */
  readonly rotationError?: ErrorReport;
  /** The rotation was requested but a key did not show it in time: exit 3. */
  readonly timedOut: boolean;
  readonly interrupted: boolean;
}

/** One key of the family, as the rotation works on it. */
export interface FamilyKey {
  readonly region: string;
  readonly arn: string;
  readonly role: "PRIMARY" | "REPLICA";
  readonly metadata: KeyMetadata;
}

/** How one ImportKeyMaterial ended. */
export type ImportOutcome =
  | { readonly kind: "imported"; readonly keyMaterialId?: string }
  /** KMS answered IncorrectKeyMaterialException: not the material it expected; nothing changed. */
  | { readonly kind: "incorrect"; readonly error: unknown }
  | { readonly kind: "failed"; readonly error: unknown }
  /** Sent, and no answer came (a signal, a lost connection): it may have been applied. */
  | { readonly kind: "unknown"; readonly error: unknown }
  /** A signal stopped it before ImportKeyMaterial was sent. */
  | { readonly kind: "interrupted" }
  /** The run's deadline (--timeout) kept it from being sent: nothing was imported. */
  | { readonly kind: "unsent" };

const UNKNOWN_NOTE = {
  stopped:
    "Unknown: ImportKeyMaterial was sent and the run stopped before its answer came; the material may have been applied here.",
  lost: (error: ErrorReport): string =>
    `Unknown: ImportKeyMaterial was sent and its answer was lost (${error.name}: ${error.message}); the material may have been applied here.`,
};

/**
 * What the rotation has done so far: a row per key, in the family's order (the primary first), and
 * the facts that decide its state and exit code. The work (src/core/steps/rotate.ts) writes it;
 * `done` and `snapshot` read the result from it.
 */
export class RotationRecord {
  readonly primaryKey: FamilyKey;
  readonly replicaKeys: readonly FamilyKey[];
  readonly keys: readonly FamilyKey[];
  private readonly rows: Map<string, RotateRegion>;
  interrupted = false;
  /** The run's deadline kept a write from being sent (an import, or the rotation): exit 3. */
  unsent = false;
  resumed = false;
  /** What the run is doing, and the keys whose import has begun and not ended. */
  step: "primary" | "replicas" | "rotate" | "poll" = "primary";
  readonly working = new Set<string>();
  /** The new material's ID, once known. */
  id: string | undefined;
  rotation: RotationCall = "not-sent";
  rotationError: ErrorReport | undefined;

  constructor(
    private readonly primary: PrimaryKey,
    private readonly metadata: KeyMetadata,
    replicas: readonly { readonly region: string; readonly arn: string; readonly metadata: KeyMetadata }[],
  ) {
    this.primaryKey = { region: primary.region, arn: primary.arn, role: "PRIMARY", metadata };
    this.replicaKeys = replicas.map((r) => ({ ...r, role: "REPLICA" }));
    this.keys = [this.primaryKey, ...this.replicaKeys];
    this.rows = new Map<string, RotateRegion>(
      this.keys.map((k) => [
        k.region,
        {
          region: k.region,
          role: k.role,
          status: "not-attempted",
          keyState: k.metadata.KeyState ?? null,
          keyMaterial: materialInfo(k.metadata, false),
          note: null,
          error: null,
        },
      ]),
    );
  }

  row(region: string): RotateRegion | undefined {
    return this.rows.get(region);
  }

  set(region: string, change: Partial<RotateRegion>): void {
    const row = this.rows.get(region);
    if (row !== undefined) this.rows.set(region, { ...row, ...change });
  }

  report(key: FamilyKey, error: unknown, operation = "ImportKeyMaterial"): ErrorReport {
    return describeError(error, {
      operation,
      region: key.region,
      keyId: key.arn,
      advice: ROTATION_ADVICE,
    });
  }

  /**
   * How one import into `key` ended, in its row unless `quiet` (a test whose refusal is no
   * failure); `aborted`: the run's signal, as the import ended.
   */
  noteImport(key: FamilyKey, outcome: ImportOutcome, quiet: boolean, aborted: boolean): void {
    if (outcome.kind === "unknown" || outcome.kind === "interrupted") this.interrupted ||= aborted;
    // Refused at the deadline (or an earlier attempt unanswered, then refused): exit 3.
    if (outcome.kind === "unsent" || (outcome.kind === "unknown" && isNotSent(outcome.error)))
      this.unsent = true;
    if (quiet && outcome.kind === "incorrect") return;
    const seen = this.rows.get(key.region)?.keyMaterial ?? null;
    switch (outcome.kind) {
      case "imported":
        this.set(key.region, { status: "imported", keyMaterial: seen && { ...seen, imported: true } });
        break;
      case "unknown":
        this.set(key.region, {
          status: "unknown",
          keyMaterial: seen && { ...seen, imported: null },
          note: aborted ? UNKNOWN_NOTE.stopped : UNKNOWN_NOTE.lost(this.report(key, outcome.error)),
        });
        break;
      case "interrupted":
        this.set(key.region, { status: "interrupted" });
        break;
      case "unsent":
        // Not sent: nothing was imported here; the row stays not-attempted.
        break;
      case "incorrect":
      case "failed":
        this.set(key.region, { status: "failed", error: this.report(key, outcome.error) });
        break;
    }
  }

  /** The result, the family in `state`. */
  done(state: RotationState, extra: Partial<RotateResult> = {}): RotateResult {
    return {
      primary: this.primary,
      previousKeyMaterialId: this.metadata.CurrentKeyMaterialId,
      resumed: this.resumed,
      state,
      regions: this.keys.map((k) => this.rows.get(k.region)).filter((r) => r !== undefined),
      rotation: this.rotation,
      ...(this.rotationError !== undefined ? { rotationError: this.rotationError } : {}),
      timedOut: this.unsent,
      interrupted: this.interrupted,
      ...extra,
    };
  }

  /**
   * The result at a second signal: an import under way may have been sent; the step says where the
   * family is. What the run itself records is left as it is.
   */
  snapshot(): RotateResult {
    const regions = this.keys.flatMap((k) => {
      const row = this.rows.get(k.region);
      if (row === undefined) return [];
      if (!this.working.has(k.region)) return [row];
      return [
        {
          ...row,
          status: "unknown" as const,
          keyMaterial: row.keyMaterial && { ...row.keyMaterial, imported: null },
          note: "Unknown: the run was stopped while importing here; the material may have been applied.",
        },
      ];
    });
    const { step } = this;
    const state: RotationState =
      step === "poll"
        ? "rotating"
        : step === "replicas" || (step === "primary" && this.resumed)
          ? "pending-import"
          : "unknown";
    return {
      ...this.done(state, this.id !== undefined ? { keyMaterialId: this.id } : {}),
      regions,
      interrupted: true,
      rotation: step === "rotate" ? "unknown" : this.rotation,
    };
  }
}
