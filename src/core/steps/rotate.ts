// rotate-material's work, once every check passed (what it knows and reports: rotate-result.ts): the new material into the primary as
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
import { classify } from "../classify.js";
import { awsError, isAbort, isNotSent, usageError } from "../errors.js";
import type { Emit, PrimaryKey } from "../events.js";
import { expirationFor } from "../material.js";
import { importMaterial, materialInfo, pollKey, type ImportSettings } from "./import.js";
import {
  ROTATION_ADVICE,
  RotationRecord,
  type FamilyKey,
  type ImportOutcome,
  type RotateResult,
} from "./rotate-result.js";
import { callMayHaveApplied } from "./sent.js";
import type { StepContext } from "./work.js";

/** Material imported but not rotated to: KMS's KeyMaterialState. */
const PENDING = new Set(["PENDING_MULTI_REGION_IMPORT_AND_ROTATION", "PENDING_ROTATION"]);

export function pendingMaterial(rotations: readonly RotationsListEntry[]): string | undefined {
  return rotations.find((r) => PENDING.has(r.KeyMaterialState ?? ""))?.KeyMaterialId;
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
  /** Where each key's step is told as it begins and ends (live progress). */
  readonly emit?: Emit;
}

/** The rotation itself. Never throws but a usage error (material the key had before: exit 2). */
export async function rotate(input: RotateInput): Promise<RotateResult> {
  return new Rotation(input).run();
}

/** One rotation's steps, each writing what it did in the record. */
class Rotation {
  private readonly record: RotationRecord;

  constructor(private readonly input: RotateInput) {
    this.record = new RotationRecord(input.primary, input.metadata, input.replicas);
    const record = this.record;
    input.watch?.(() => record.snapshot());
  }

  /** 1. The primary: the pending material again (continuing), or NEW material. */
  async run(): Promise<RotateResult> {
    const { settings, ctx } = this.input;
    const r = this.record;
    const pending = pendingMaterial(this.input.rotations);
    if (pending !== undefined) {
      r.resumed = true;
      const outcome = await this.importInto(r.primaryKey, existing(settings, pending));
      if (outcome.kind === "incorrect") return r.done("not-started", { otherPending: pending });
      // The pending material is in the primary whatever this re-import did; after an unknown one
      // (a lost answer) the replicas may still take it.
      if (
        outcome.kind === "interrupted" ||
        outcome.kind === "failed" ||
        outcome.kind === "unsent" ||
        r.unsent ||
        ctx.signal.aborted
      ) {
        return r.done("pending-import", { keyMaterialId: pending });
      }
      r.id = pending;
    } else {
      const outcome = await this.importInto(
        r.primaryKey,
        { ...settings, importType: "NEW_KEY_MATERIAL" },
        true,
      );
      if (outcome.kind === "incorrect") return this.known();
      if (outcome.kind === "unknown") return r.done("unknown");
      if (outcome.kind !== "imported") return r.done("not-started");
      r.id = outcome.keyMaterialId ?? pendingMaterial(await this.rotationsNow());
      if (r.id === undefined) return r.done("unknown");
    }
    return this.toReplicasAndRotate(r.id);
  }

  /** One import into `key`, recorded in its row unless `quiet` (a test whose refusal is no failure). */
  private async importInto(key: FamilyKey, with_: ImportSettings, quiet = false): Promise<ImportOutcome> {
    const { ctx } = this.input;
    const { working } = this.record;
    working.add(key.region);
    const outcome = await this.step(key.region, "importing…", () => importOnce(key, with_, ctx)).finally(() =>
      working.delete(key.region),
    );
    this.record.noteImport(key, outcome, quiet, ctx.signal.aborted);
    return outcome;
  }

  /** `work` on the key in `region`, told as it begins (`doing`) and ends. */
  private async step<T>(region: string, doing: string, work: () => Promise<T>): Promise<T> {
    const { emit, primary } = this.input;
    emit?.({ type: "step", keyId: primary.keyId, region, doing });
    try {
      return await work();
    } finally {
      emit?.({ type: "step", keyId: primary.keyId, region });
    }
  }

  /** Every replica, the same material; then RotateKeyOnDemand; then until every key shows it. */
  private async toReplicasAndRotate(material: string): Promise<RotateResult> {
    const { settings, ctx, primary } = this.input;
    const r = this.record;
    r.id = material;
    r.step = "replicas";
    const outcomes = await Promise.all(
      r.replicaKeys.map((k) => this.importInto(k, existing(settings, material))),
    );
    if (outcomes.some((o) => o.kind !== "imported") || r.unsent || ctx.signal.aborted) {
      r.interrupted ||= ctx.signal.aborted;
      return r.done("pending-import", { keyMaterialId: material });
    }
    r.step = "rotate";
    try {
      await this.step(primary.region, "RotateKeyOnDemand…", () =>
        ctx.kms.rotateKeyOnDemand(primary.region, primary.arn, ctx.signal),
      );
      r.rotation = "accepted";
    } catch (error) {
      r.interrupted ||= ctx.signal.aborted || isAbort(error);
      r.unsent ||= isNotSent(error);
      if (callMayHaveApplied(error, "RotateKeyOnDemand")) {
        r.rotation = "unknown";
        return r.done("unknown", { keyMaterialId: material });
      }
      if (!isAbort(error) && !isNotSent(error)) {
        r.rotation = "failed";
        r.rotationError = r.report(r.primaryKey, error, "RotateKeyOnDemand");
      }
      return r.done("pending-import", { keyMaterialId: material });
    }
    return this.untilCurrent(material, r.keys);
  }

  /**
   * KMS refused the material as NEW: the key has had it. Pending now (our own import, whose answer
   * was lost and retried): continue with it. Else the current material, or an earlier one.
   */
  private async known(): Promise<RotateResult> {
    const { settings, primary, metadata } = this.input;
    const r = this.record;
    const key = r.primaryKey;
    const now = await this.rotationsNow();
    const appeared = pendingMaterial(now);
    if (appeared !== undefined) {
      r.resumed = true;
      const outcome = await this.importInto(key, existing(settings, appeared));
      if (outcome.kind === "incorrect") return r.done("not-started", { otherPending: appeared });
      if (outcome.kind !== "imported") return r.done("pending-import", { keyMaterialId: appeared });
      return this.toReplicasAndRotate(appeared);
    }
    const current = metadata.CurrentKeyMaterialId;
    if (current === undefined) return r.done("not-started");
    const earlier = now.some((rotation) => rotation.KeyMaterialState === "NON_CURRENT");
    if (earlier) {
      // The current one, or an earlier one: KMS tells by accepting a re-import of the current ID,
      // with the primary's own expiration (so that it changes nothing).
      const own = expirationFor({ noExpiry: false, primary: metadata, now: this.input.now });
      const outcome = await this.importInto(key, { ...existing(settings, current), expiration: own }, true);
      if (outcome.kind === "incorrect") {
        throw usageError(
          `--key-material: this is key material ${primary.keyId} had before (now NON_CURRENT); KMS does not rotate back to it. Nothing was changed.`,
          "Give new key material (32 random bytes) to rotate to.",
        );
      }
      if (outcome.kind !== "imported") return r.done(outcome.kind === "unknown" ? "unknown" : "not-started");
      // A check, not an import: the key's material and expiration are as they were.
      const seen = r.row(key.region)?.keyMaterial ?? null;
      r.set(key.region, {
        keyMaterial: seen && { ...seen, imported: false },
        note: "KMS confirmed it is the current material (a re-import under the key's own expiration, which changes nothing).",
      });
    }
    // The family's current material: nothing to import; every key must show it.
    for (const k of r.keys) r.set(k.region, { status: "unchanged" });
    const lagging = r.replicaKeys.filter((k) => k.metadata.CurrentKeyMaterialId !== current);
    if (lagging.length === 0) return r.done("unchanged", { keyMaterialId: current });
    return this.untilCurrent(current, lagging);
  }

  /** Polls `which` until each shows `material` as current. */
  private async untilCurrent(material: string, which: readonly FamilyKey[]): Promise<RotateResult> {
    const { ctx } = this.input;
    const r = this.record;
    r.id = material;
    r.step = "poll";
    const seen = await Promise.all(
      which.map(async (k) => {
        const poll = await this.step(k.region, "until current…", () =>
          pollKey(k.region, k.arn, (m) => m.CurrentKeyMaterialId === material, ctx),
        );
        if (poll.metadata !== undefined) {
          const status = r.row(k.region)?.status;
          r.set(k.region, {
            keyState: poll.metadata.KeyState ?? null,
            keyMaterial: materialInfo(poll.metadata, status === "imported"),
          });
        }
        if (poll.stopped === "interrupted") r.interrupted = true;
        return poll.metadata?.CurrentKeyMaterialId === material;
      }),
    );
    if (seen.every(Boolean)) return r.done("rotated", { keyMaterialId: material });
    return r.done("rotating", { keyMaterialId: material, timedOut: !r.interrupted });
  }

  private async rotationsNow(): Promise<RotationsListEntry[]> {
    const { ctx, primary } = this.input;
    try {
      return await ctx.kms.listKeyRotations(primary.region, primary.arn, ctx.signal);
    } catch (error) {
      throw awsError(error, {
        operation: "ListKeyRotations",
        region: primary.region,
        keyId: primary.arn,
        advice: ROTATION_ADVICE,
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
