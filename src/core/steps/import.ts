// The import step: for a replica that reached PendingImport, in its own Region, GetParametersForImport
// → wrap the material with that public key → ImportKeyMaterial → wait until it is Enabled. An
// expired or refused import token gets new parameters once. The material is only ever read from
// the KeyMaterial (never copied into a result, an event or a message); whoever made it disposes
// of it after the last import.
import type { ImportKeyMaterialCommandInput, KeyMetadata } from "@aws-sdk/client-kms";
import { DEFAULT_POLL, pollDelay } from "../../aws/backoff.js";
import { classify } from "../classify.js";
import { describeError, isAbort, isNotSent } from "../errors.js";
import { isRetryable } from "../retryable.js";
import type { KeyMaterialInfo } from "../events.js";
import type { Expiration, KeyMaterial } from "../material.js";
import { sleep } from "../../aws/pace.js";
import { wrapMaterial, type Wrapping } from "../wrap.js";
import { refusedResult } from "./deadline.js";
import { untilDeadline } from "./wait.js";
import { callMayHaveApplied } from "./sent.js";
import { elapsedSince, type Step, type StepContext, type Unit } from "./work.js";
import { type WorkResult } from "../events.js";

export interface ImportSettings {
  readonly material: KeyMaterial;
  readonly wrapping: Wrapping;
  readonly expiration: Expiration;
  /** rotate-material: NEW_KEY_MATERIAL into the primary, EXISTING_KEY_MATERIAL elsewhere; undefined: KMS's default. */
  readonly importType?: "NEW_KEY_MATERIAL" | "EXISTING_KEY_MATERIAL";
  /** With EXISTING_KEY_MATERIAL: the material KMS must find (it checks that this is it). */
  readonly keyMaterialId?: string;
  /** The command that imports the material into `region` again (import-material, this run's values), for notes. */
  readonly again?: (region: string) => string;
}

/** The errors after which new parameters are fetched, once. */
const TOKEN_ERRORS = new Set(["ExpiredImportTokenException", "InvalidImportTokenException"]);

/**
 * One import into the key `keyId` of `region`: parameters, wrap, ImportKeyMaterial; new parameters
 * once after an expired or invalid token. Throws what the last call threw (a KmsCallError).
 */
export async function importMaterial(
  region: string,
  keyId: string,
  settings: ImportSettings,
  ctx: Pick<StepContext, "kms" | "signal">,
): Promise<{ readonly keyMaterialId?: string }> {
  for (let attempt = 1; ; attempt++) {
    const parameters = await ctx.kms.getParametersForImport(region, keyId, settings.wrapping, ctx.signal);
    const wrapped = wrapMaterial(
      settings.material.bytes(),
      parameters.publicKey,
      settings.wrapping.algorithm,
    );
    const input: ImportKeyMaterialCommandInput = {
      KeyId: keyId,
      ImportToken: parameters.importToken,
      EncryptedKeyMaterial: wrapped,
      ExpirationModel: settings.expiration.model,
      ...(settings.expiration.model === "KEY_MATERIAL_EXPIRES"
        ? { ValidTo: settings.expiration.validTo }
        : {}),
      ...(settings.importType !== undefined ? { ImportType: settings.importType } : {}),
      ...(settings.keyMaterialId !== undefined ? { KeyMaterialId: settings.keyMaterialId } : {}),
    };
    try {
      return await ctx.kms.importKeyMaterial(region, input, ctx.signal);
    } catch (error) {
      if (attempt === 1 && TOKEN_ERRORS.has(classify(error) ?? "") && !ctx.signal.aborted) continue;
      throw error;
    } finally {
      wrapped.fill(0);
    }
  }
}

/** DescribeKey's view of a key's imported material. */
export function materialInfo(metadata: KeyMetadata, imported: boolean): KeyMaterialInfo {
  return {
    imported,
    expirationModel: metadata.ExpirationModel ?? null,
    validTo: metadata.ValidTo?.toISOString() ?? null,
    keyMaterialId: metadata.CurrentKeyMaterialId ?? null,
  };
}

/**
 * Polls the key until `done(metadata)` or the deadline: the metadata, or why it stopped. KMS makes
 * an import usable at once, but its reads are eventually consistent; NotFound, an invalid state
 * and throttling keep the poll going.
 */
export async function pollKey(
  region: string,
  keyId: string,
  done: (metadata: KeyMetadata) => boolean,
  ctx: Pick<StepContext, "kms" | "signal" | "deadline" | "schedule" | "random">,
): Promise<{
  readonly metadata?: KeyMetadata;
  readonly stopped?: "timeout" | "interrupted";
  readonly error?: unknown;
}> {
  const cut = untilDeadline(ctx.signal, ctx.deadline);
  const started = performance.now();
  let last: KeyMetadata | undefined;
  try {
    for (let polls = 0; ; polls++) {
      if (polls > 0) {
        try {
          await sleep(
            pollDelay(polls - 1, performance.now() - started, ctx.schedule ?? DEFAULT_POLL, ctx.random),
            cut.signal,
          );
        } catch {
          return { metadata: last, stopped: ctx.signal.aborted ? "interrupted" : "timeout" };
        }
      }
      try {
        last = await ctx.kms.describeKey(region, keyId, cut.signal);
        if (done(last)) return { metadata: last };
      } catch (error) {
        if (ctx.signal.aborted || isAbort(error)) return { metadata: last, stopped: "interrupted" };
        if (cut.signal.aborted) return { metadata: last, stopped: "timeout" };
        const name = classify(error);
        if (name !== "NotFoundException" && name !== "KMSInvalidStateException" && !isRetryable(error)) {
          return { metadata: last, error };
        }
      }
    }
  } finally {
    cut.dispose();
  }
}

/**
 * After `step` (the wait) settled a unit: a replica in PendingImport gets the material and is
 * followed until Enabled; one already usable is described once for its expiration. With no
 * settings, `step` itself.
 */
export function withImport(step: Step, settings: ImportSettings | undefined): Step {
  if (settings === undefined) return step;
  return async (unit, progress, ctx) => {
    const result = await step(unit, progress, ctx);
    if (!("outcome" in result)) return result;
    return importAfter(unit, result, settings, ctx);
  };
}

/** A key whose ImportKeyMaterial was sent and never answered: nothing is known of its material. */
const UNKNOWN_IMPORT: KeyMaterialInfo = {
  imported: null,
  expirationModel: null,
  validTo: null,
  keyMaterialId: null,
};

export const DRY_RUN_IMPORT_NOTE = "Would import the key material (--dry-run: nothing was imported).";

async function importAfter(
  unit: Unit,
  result: WorkResult,
  settings: ImportSettings,
  ctx: StepContext,
): Promise<WorkResult> {
  if (result.outcome === "planned") return { ...result, note: DRY_RUN_IMPORT_NOTE };
  if (result.outcome !== "done" && result.outcome !== "unchanged") return result;
  const arn = result.arn ?? unit.arn;
  if (result.keyState !== "PendingImport") {
    if (ctx.dryRun || result.keyState !== "Enabled") return result;
    // Usable already: its expiration, for the report (one DescribeKey, 2000/s).
    const seen = await pollKey(unit.region, arn, () => true, ctx);
    return seen.metadata !== undefined ? { ...result, material: materialInfo(seen.metadata, false) } : result;
  }
  if (ctx.dryRun) return { ...result, note: DRY_RUN_IMPORT_NOTE };
  const keyId = unit.primary.keyId;
  ctx.emit({ type: "phase", keyId, region: unit.region, phase: "importing", keyState: "PendingImport" });
  // The wait's "import the material yourself" note no longer applies.
  const rest: WorkResult = { ...result, note: undefined };
  const failed = (error: unknown): WorkResult => ({
    ...rest,
    outcome: "failed",
    elapsedMs: elapsedSince(ctx),
    error: describeError(error, { operation: "ImportKeyMaterial", region: unit.region, keyId: arn }),
  });
  let imported: { readonly keyMaterialId?: string };
  try {
    imported = await importMaterial(unit.region, arn, settings, ctx);
  } catch (error) {
    if (isNotSent(error)) {
      const progress = {
        arn,
        keyState: result.keyState,
        since: 0,
        changes: result.changes,
        requested: false,
      };
      return {
        ...refusedResult(unit, progress, ctx, error),
        ...(result.material !== undefined ? { material: result.material } : {}),
      };
    }
    const stopped = ctx.signal.aborted || isAbort(error);
    const again = settings.again?.(unit.region) ?? "kms-replicate import-material for this Region";
    if (callMayHaveApplied(error, "ImportKeyMaterial")) {
      // Sent, and no answer: it may be there. Never "imported: false".
      const unknown = { ...rest, elapsedMs: elapsedSince(ctx), material: UNKNOWN_IMPORT };
      const why = stopped
        ? "the run stopped before its answer came"
        : `its answer was lost (${describeError(error, { operation: "ImportKeyMaterial", region: unit.region }).name})`;
      const note = `Unknown: ImportKeyMaterial was sent and ${why}; the material may have been imported here. To make sure: ${again}`;
      return stopped
        ? { ...unknown, outcome: "interrupted", note }
        : { ...failed(error), material: UNKNOWN_IMPORT, note };
    }
    if (stopped) {
      return {
        ...rest,
        outcome: "interrupted",
        elapsedMs: elapsedSince(ctx),
        note: `Stopped before ImportKeyMaterial was sent here; nothing was imported. To import it: ${again}`,
      };
    }
    return failed(error);
  }
  const changes = [...result.changes, { op: "import" as const, ...imported }];
  const seen = await pollKey(unit.region, arn, (m) => m.KeyState === "Enabled", ctx);
  const keyState = seen.metadata?.KeyState ?? "PendingImport";
  const base = {
    ...rest,
    changes,
    keyState,
    elapsedMs: elapsedSince(ctx),
    ...(seen.metadata !== undefined ? { material: materialInfo(seen.metadata, true) } : {}),
  };
  if (seen.stopped !== undefined) {
    return {
      ...base,
      outcome: seen.stopped,
      note: `The key material was imported; the replica was still ${keyState} when the run stopped. 'kms-replicate status' shows it.`,
    };
  }
  if (seen.error !== undefined) return { ...failed(seen.error), changes };
  return { ...base, outcome: "done" };
}
