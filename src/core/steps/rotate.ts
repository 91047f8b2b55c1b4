// rotate-material's work, once every check passed: the new material into the primary as
// NEW_KEY_MATERIAL (or, continuing, the material a previous run left pending), into every replica
// as EXISTING_KEY_MATERIAL with the ID KMS gave it, RotateKeyOnDemand, then until every key shows
// it as current. Every outcome is a result: each key's import imported, failed, not sent, or
// unknown (sent, no answer), and the family's state from those.
//
// Material the family already uses. KMS does not publish how it derives a key material ID (from
// the key ID and the material), so the tool cannot compare the given material with the current
// one by itself. The NEW import into the primary is the test: KMS refuses material the key has
// had with IncorrectKeyMaterialException and changes nothing. It is then the current material (the
// only one, or the one an EXISTING re-import with the current ID and the primary's own expiration
// is accepted for: a re-import that changes nothing), or an earlier one (refused: exit 2).
import type { KeyMetadata, RotationsListEntry } from "@aws-sdk/client-kms";
import { awsError, describeError, isAbort, isNotSent, usageError, type ErrorReport } from "../errors.js";
import { classify } from "../classify.js";
import type { KeyMaterialInfo, PrimaryKey } from "../events.js";
import { expirationFor } from "../material.js";
import { importMaterial, materialInfo, pollKey, type ImportSettings } from "./import.js";
import { callMayHaveApplied } from "./sent.js";
import type { StepContext } from "./work.js";

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

/** Material imported but not rotated to: KMS's KeyMaterialState. */
const PENDING = new Set(["PENDING_MULTI_REGION_IMPORT_AND_ROTATION", "PENDING_ROTATION"]);

export function pendingMaterial(rotations: readonly RotationsListEntry[]): string | undefined {
  return rotations.find((r) => PENDING.has(r.KeyMaterialState ?? ""))?.KeyMaterialId;
}

interface FamilyKey {
  readonly region: string;
  readonly arn: string;
  readonly role: "PRIMARY" | "REPLICA";
  readonly metadata: KeyMetadata;
}

export interface RotateInput {
  readonly primary: PrimaryKey;
  readonly metadata: KeyMetadata;
  readonly replicas: readonly {
    readonly region: string;
    readonly arn: string;
    readonly metadata: KeyMetadata;
  }[];
  /** The primary's ListKeyRotations (ALL_KEY_MATERIAL), read before any write. */
  readonly rotations: readonly RotationsListEntry[];
  readonly settings: ImportSettings;
  readonly ctx: Pick<StepContext, "kms" | "signal" | "deadline">;
  /** Date.now() when the run checked the flags (for the primary's own expiration). */
  readonly now: number;
  /** Given a way to read, at any moment, what the run knows so far (for a second signal). */
  readonly watch?: (snapshot: () => RotateResult) => void;
}

/** How one ImportKeyMaterial ended. */
type ImportOutcome =
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

/** The rotation itself. Never throws but a usage error (material the key had before: exit 2). */
export async function rotate(input: RotateInput): Promise<RotateResult> {
  const { primary, metadata, settings, ctx } = input;
  const primaryKey: FamilyKey = { region: primary.region, arn: primary.arn, role: "PRIMARY", metadata };
  const replicaKeys: FamilyKey[] = input.replicas.map((r) => ({ ...r, role: "REPLICA" }));
  const keys = [primaryKey, ...replicaKeys];
  const rows = new Map<string, RotateRegion>(
    keys.map((k) => [
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
  const set = (region: string, change: Partial<RotateRegion>): void => {
    const row = rows.get(region);
    if (row !== undefined) rows.set(region, { ...row, ...change });
  };
  const report = (key: FamilyKey, error: unknown, operation = "ImportKeyMaterial"): ErrorReport =>
    describeError(error, { operation, region: key.region, keyId: key.arn, command: "rotate-material" });
  let interrupted = false;
  /** The run's deadline kept a write from being sent (an import, or the rotation): exit 3. */
  let unsent = false;
  let resumed = false;
  /** What the run is doing, and the keys whose import has begun and not ended. */
  let step: "primary" | "replicas" | "rotate" | "poll" = "primary";
  const working = new Set<string>();
  /** The new material's ID, once known. */
  let id: string | undefined;
  let rotation: RotationCall = "not-sent";
  let rotationError: ErrorReport | undefined;

  /** One import into `key`, recorded in its row unless `quiet` (a test whose refusal is no failure). */
  const importInto = async (key: FamilyKey, with_: ImportSettings, quiet = false): Promise<ImportOutcome> => {
    working.add(key.region);
    const outcome = await importOnce(key, with_, ctx).finally(() => working.delete(key.region));
    if (outcome.kind === "unknown" || outcome.kind === "interrupted") interrupted ||= ctx.signal.aborted;
    // Refused at the deadline (or an earlier attempt unanswered, then refused): exit 3.
    if (outcome.kind === "unsent" || (outcome.kind === "unknown" && isNotSent(outcome.error))) unsent = true;
    if (quiet && outcome.kind === "incorrect") return outcome;
    const seen = rows.get(key.region)?.keyMaterial ?? null;
    switch (outcome.kind) {
      case "imported":
        set(key.region, { status: "imported", keyMaterial: seen && { ...seen, imported: true } });
        break;
      case "unknown":
        set(key.region, {
          status: "unknown",
          keyMaterial: seen && { ...seen, imported: null },
          note: ctx.signal.aborted ? UNKNOWN_NOTE.stopped : UNKNOWN_NOTE.lost(report(key, outcome.error)),
        });
        break;
      case "interrupted":
        set(key.region, { status: "interrupted" });
        break;
      case "unsent":
        // Not sent: nothing was imported here; the row stays not-attempted.
        break;
      case "incorrect":
      case "failed":
        set(key.region, { status: "failed", error: report(key, outcome.error) });
        break;
    }
    return outcome;
  };

  const done = (state: RotationState, extra: Partial<RotateResult> = {}): RotateResult => ({
    primary,
    previousKeyMaterialId: metadata.CurrentKeyMaterialId,
    resumed,
    state,
    regions: keys.map((k) => rows.get(k.region)).filter((r) => r !== undefined),
    rotation,
    ...(rotationError !== undefined ? { rotationError } : {}),
    timedOut: unsent,
    interrupted,
    ...extra,
  });

  input.watch?.(() => {
    // A second signal: an import under way may have been sent; the step says where the family is.
    // What the run itself records is left as it is.
    const regions = keys.flatMap((k) => {
      const row = rows.get(k.region);
      if (row === undefined) return [];
      if (!working.has(k.region)) return [row];
      return [
        {
          ...row,
          status: "unknown" as const,
          keyMaterial: row.keyMaterial && { ...row.keyMaterial, imported: null },
          note: "Unknown: the run was stopped while importing here; the material may have been applied.",
        },
      ];
    });
    const state: RotationState =
      step === "poll"
        ? "rotating"
        : step === "replicas" || (step === "primary" && resumed)
          ? "pending-import"
          : "unknown";
    return {
      ...done(state, id !== undefined ? { keyMaterialId: id } : {}),
      regions,
      interrupted: true,
      rotation: step === "rotate" ? "unknown" : rotation,
    };
  });

  // 1. The primary: the pending material again (continuing), or NEW material.
  const pending = pendingMaterial(input.rotations);
  if (pending !== undefined) {
    resumed = true;
    const outcome = await importInto(primaryKey, existing(settings, pending));
    if (outcome.kind === "incorrect") return done("not-started", { otherPending: pending });
    // The pending material is in the primary whatever this re-import did; after an unknown one
    // (a lost answer) the replicas may still take it.
    if (
      outcome.kind === "interrupted" ||
      outcome.kind === "failed" ||
      outcome.kind === "unsent" ||
      unsent ||
      ctx.signal.aborted
    ) {
      return done("pending-import", { keyMaterialId: pending });
    }
    id = pending;
  } else {
    const outcome = await importInto(primaryKey, { ...settings, importType: "NEW_KEY_MATERIAL" }, true);
    if (outcome.kind === "incorrect") return known();
    if (outcome.kind === "unknown") return done("unknown");
    if (outcome.kind !== "imported") return done("not-started");
    id = outcome.keyMaterialId ?? pendingMaterial(await rotationsNow());
    if (id === undefined) return done("unknown");
  }
  return toReplicasAndRotate(id);

  /** Every replica, the same material; then RotateKeyOnDemand; then until every key shows it. */
  async function toReplicasAndRotate(material: string): Promise<RotateResult> {
    id = material;
    step = "replicas";
    const outcomes = await Promise.all(replicaKeys.map((k) => importInto(k, existing(settings, material))));
    if (outcomes.some((o) => o.kind !== "imported") || unsent || ctx.signal.aborted) {
      interrupted ||= ctx.signal.aborted;
      return done("pending-import", { keyMaterialId: material });
    }
    step = "rotate";
    try {
      await ctx.kms.rotateKeyOnDemand(primary.region, primary.arn, ctx.signal);
      rotation = "accepted";
    } catch (error) {
      interrupted ||= ctx.signal.aborted || isAbort(error);
      unsent ||= isNotSent(error);
      if (callMayHaveApplied(error, "RotateKeyOnDemand")) {
        rotation = "unknown";
        return done("unknown", { keyMaterialId: material });
      }
      if (!isAbort(error) && !isNotSent(error)) {
        rotation = "failed";
        rotationError = report(primaryKey, error, "RotateKeyOnDemand");
      }
      return done("pending-import", { keyMaterialId: material });
    }
    return untilCurrent(material, keys);
  }

  /**
   * KMS refused the material as NEW: the key has had it. Pending now (our own import, whose answer
   * was lost and retried): continue with it. Else the current material, or an earlier one.
   */
  async function known(): Promise<RotateResult> {
    const key = primaryKey;
    const now = await rotationsNow();
    const appeared = pendingMaterial(now);
    if (appeared !== undefined) {
      resumed = true;
      const outcome = await importInto(key, existing(settings, appeared));
      if (outcome.kind === "incorrect") return done("not-started", { otherPending: appeared });
      if (outcome.kind !== "imported") return done("pending-import", { keyMaterialId: appeared });
      return toReplicasAndRotate(appeared);
    }
    const current = metadata.CurrentKeyMaterialId;
    if (current === undefined) return done("not-started");
    const earlier = now.some((r) => r.KeyMaterialState === "NON_CURRENT");
    if (earlier) {
      // The current one, or an earlier one: KMS tells by accepting a re-import of the current ID,
      // with the primary's own expiration (so that it changes nothing).
      const own = expirationFor({ noExpiry: false, primary: metadata, now: input.now });
      const outcome = await importInto(key, { ...existing(settings, current), expiration: own }, true);
      if (outcome.kind === "incorrect") {
        throw usageError(
          `--key-material: this is key material ${primary.keyId} had before (now NON_CURRENT); KMS does not rotate back to it. Nothing was changed.`,
          "Give new key material (32 random bytes) to rotate to.",
        );
      }
      if (outcome.kind !== "imported") return done(outcome.kind === "unknown" ? "unknown" : "not-started");
      // A check, not an import: the key's material and expiration are as they were.
      const seen = rows.get(key.region)?.keyMaterial ?? null;
      set(key.region, {
        keyMaterial: seen && { ...seen, imported: false },
        note: "KMS confirmed it is the current material (a re-import under the key's own expiration, which changes nothing).",
      });
    }
    // The family's current material: nothing to import; every key must show it.
    for (const k of keys) set(k.region, { status: "unchanged" });
    const lagging = replicaKeys.filter((r) => r.metadata.CurrentKeyMaterialId !== current);
    if (lagging.length === 0) return done("unchanged", { keyMaterialId: current });
    return untilCurrent(current, lagging);
  }

  /** Polls `which` until each shows `material` as current. */
  async function untilCurrent(material: string, which: readonly FamilyKey[]): Promise<RotateResult> {
    id = material;
    step = "poll";
    const seen = await Promise.all(
      which.map(async (k) => {
        const poll = await pollKey(k.region, k.arn, (m) => m.CurrentKeyMaterialId === material, ctx);
        if (poll.metadata !== undefined) {
          const status = rows.get(k.region)?.status;
          set(k.region, {
            keyState: poll.metadata.KeyState ?? null,
            keyMaterial: materialInfo(poll.metadata, status === "imported"),
          });
        }
        if (poll.stopped === "interrupted") interrupted = true;
        return poll.metadata?.CurrentKeyMaterialId === material;
      }),
    );
    if (seen.every(Boolean)) return done("rotated", { keyMaterialId: material });
    return done("rotating", { keyMaterialId: material, timedOut: !interrupted });
  }

  async function rotationsNow(): Promise<RotationsListEntry[]> {
    try {
      return await ctx.kms.listKeyRotations(primary.region, primary.arn, ctx.signal);
    } catch (error) {
      throw awsError(error, {
        operation: "ListKeyRotations",
        region: primary.region,
        keyId: primary.arn,
        command: "rotate-material",
      });
    }
  }
}

const existing = (settings: ImportSettings, keyMaterialId: string): ImportSettings => ({
  ...settings,
  importType: "EXISTING_KEY_MATERIAL",
  keyMaterialId,
});

/** One import, as an outcome: never throws. */
async function importOnce(
  key: FamilyKey,
  settings: ImportSettings,
  ctx: Pick<StepContext, "kms" | "signal">,
): Promise<ImportOutcome> {
  try {
    const { keyMaterialId } = await importMaterial(key.region, key.arn, settings, ctx);
    return { kind: "imported", keyMaterialId: keyMaterialId ?? settings.keyMaterialId };
  } catch (error) {
    if (callMayHaveApplied(error, "ImportKeyMaterial")) return { kind: "unknown", error };
    if (isNotSent(error)) return { kind: "unsent" };
    if (ctx.signal.aborted || isAbort(error)) return { kind: "interrupted" };
    if (classify(error) === "IncorrectKeyMaterialException") return { kind: "incorrect", error };
    return { kind: "failed", error };
  }
}
