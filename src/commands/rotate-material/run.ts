// `rotate-material`: on-demand rotation of a multi-Region key with imported material. The checks
// before any write (the flags, the material, a symmetric EXTERNAL primary, every replica usable,
// the family's key materials), then the rotation (src/core/steps/rotate.ts), then the result: where
// the family stands, and the commands that finish or undo what is left, with this run's values.
import { ROTATION_ADVICE } from "../../core/steps/rotate-result.js";
import { rotate } from "../../core/steps/rotate.js";
import { awsError, usageError } from "../../core/errors.js";
import type { PrimaryKey } from "../../core/events.js";
import { planImport } from "../../core/import-plan.js";
import { readMaterial, type KeyMaterial } from "../../core/material.js";
import type { KmsPort } from "../../aws/kms.js";
import type { CommandWork, KeyContext, PrepareContext, RunPlan } from "../contract.js";
import { parseRotateMaterial, type RotateOptions } from "./flags.js";
import { literal } from "../../report/terminal-text.js";
import { rotateRendering, type RotateJson, type RotateResult } from "./render.js";

/** The primary must be symmetric and every replica usable, before anything is imported. */
async function usableReplicas(
  kms: KmsPort,
  primary: PrimaryKey,
  keySpec: string | undefined,
  signal: AbortSignal,
) {
  if (keySpec !== "SYMMETRIC_DEFAULT") {
    throw usageError(
      `${primary.keyId} is ${keySpec ?? "not symmetric"}: on-demand rotation of imported material is for symmetric encryption keys only.`,
    );
  }
  const replicas = await Promise.all(
    primary.replicas.map(async (r) => {
      try {
        return { ...r, metadata: await kms.describeKey(r.region, r.arn, signal) };
      } catch (error) {
        throw awsError(error, { operation: "DescribeKey", region: r.region, keyId: r.arn });
      }
    }),
  );
  const unusable = replicas.filter((r) => r.metadata.KeyState !== "Enabled");
  if (unusable.length > 0) {
    throw usageError(
      `Every replica must be usable before the rotation; not: ${unusable.map((r) => `${r.region} (${r.metadata.KeyState ?? "unknown"})`).join(", ")}. Nothing was imported.`,
      `Give PendingImport replicas their current material first (kms-replicate import-material --key-material fileb://CURRENT), enable disabled ones, then rotate.${unusable.some((r) => r.metadata.KeyState === "PendingDeletion") ? " A replica pending deletion blocks the rotation until it is gone; kms-replicate cancel-deletion brings it back." : ""}`,
    );
  }
  return replicas;
}

/** What a run over one key is about to do, said before its first write (its progress follows). */
export function rotatePlanText(
  primary: PrimaryKey,
  replicas: readonly { readonly region: string }[],
): string {
  const regions = [primary.region, ...replicas.map((r) => r.region)];
  return `Rotating the key material of ${literal(primary.keyId)} (primary in ${primary.region}) in ${regions.length} key${regions.length === 1 ? "" : "s"}: ${regions.join(", ")}`;
}

/** The material read once, before any call; then the key's checks and its rotation. */
export async function prepareRotateMaterial(
  options: RotateOptions,
  ctx: PrepareContext,
): Promise<RunPlan<RotateResult>> {
  const material: KeyMaterial = await readMaterial(
    options.importing.keyMaterial,
    ctx.inputs(options.timeoutMs),
    ctx.warn,
  );
  return {
    timeoutMs: options.timeoutMs,
    accept: { sameAccount: true, followReplica: true },
    async runKey(key, run: KeyContext) {
      const { primary } = key;
      const { kms, signal } = run;
      const metadata = await kms.describeKey(primary.region, primary.arn, signal);
      const now = Date.now();
      const settings = planImport(material, options.importing, metadata, now);
      const replicas = await usableReplicas(kms, primary, metadata.KeySpec, signal);
      let rotations;
      try {
        rotations = await kms.listKeyRotations(primary.region, primary.arn, signal);
      } catch (error) {
        throw awsError(error, { operation: "ListKeyRotations", region: primary.region, keyId: primary.arn });
      }
      run.say(rotatePlanText(primary, replicas));
      const result = await rotate({
        primary,
        metadata,
        replicas,
        rotations,
        settings,
        now,
        watch: (read) => run.partial(() => read()),
        emit: run.emit,
        ctx: { kms, signal, deadline: run.deadline },
      });
      material.dispose();
      return result;
    },
    dispose: () => material.dispose(),
  };
}

export const work: CommandWork<RotateOptions, RotateResult, RotateJson> = {
  advice: ROTATION_ADVICE,
  parse: parseRotateMaterial,
  dryRun: () => false,
  prepare: prepareRotateMaterial,
  render: rotateRendering,
};
