// `rotate-material`: on-demand rotation of a multi-Region key with imported material. The new
// material goes into the primary as NEW_KEY_MATERIAL, into every replica as EXISTING_KEY_MATERIAL
// (with the ID KMS gave it, so KMS checks it is the same), then RotateKeyOnDemand on the primary,
// and the run waits until every key shows the new material as current. Every replica must be usable
// before the first import (exit 2); if an import into a replica fails, nothing is rotated and the
// result says what state the family is in, and how to finish or undo.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { importMaterial, materialInfo, pollKey, type ImportSettings } from "../engine/import.js";
import { awsError, describeError, EXIT, isAbort, isNotSent, usageError, type ExitCode } from "../errors.js";
import type { PrimaryKey } from "../events.js";
import { planImport } from "../import-plan.js";
import { readMaterial, type KeyMaterial } from "../material.js";
import {
  DEFAULT_TIMEOUT_MS,
  toCommonOptions,
  toImportOptions,
  type RawCommonFlags,
  type RawImportFlags,
} from "../options.js";
import { describePrimary } from "../plan.js";
import { rerunLines } from "../report/lines.js";
import { rotateJson, rotateText, type RotateRegionJson, type RotateResult } from "../report/rotate.js";
import { paint } from "../report/terminal-text.js";
import {
  connect,
  deadlineOf,
  inputsOf,
  primaryRegionOf,
  runCommand,
  type Command,
  type Io,
} from "../runner.js";

const PENDING = new Set(["PENDING_MULTI_REGION_IMPORT_AND_ROTATION", "PENDING_ROTATION"]);

export function rotateExitCode(result: RotateResult, stopCode?: ExitCode): ExitCode {
  if (result.interrupted) return stopCode ?? EXIT.interrupted;
  if (result.regions.some((r) => r.status === "failed")) return EXIT.failed;
  if (result.state !== "rotated") return result.timedOut ? EXIT.timeout : EXIT.failed;
  return EXIT.ok;
}

export async function runRotateMaterial(
  flags: RawCommonFlags & RawImportFlags & { readonly timeout?: number },
  io: Io,
): Promise<ExitCode> {
  let material: KeyMaterial | undefined;
  let primarySeen: PrimaryKey | undefined;
  const command: Command<RotateResult> = {
    name: "rotate-material",
    dryRun: false,
    async work({ emit }) {
      const options = toCommonOptions(flags);
      const importing = toImportOptions(flags);
      if (importing === undefined) {
        throw usageError("--key-material is required: the NEW material (fileb://PATH, or - for stdin).");
      }
      const region = await primaryRegionOf(options, io, (message) => emit({ type: "warning", message }));
      material = await readMaterial(importing.keyMaterial, inputsOf(io, flags.timeout), (message) =>
        emit({ type: "warning", message }),
      );
      const deadline = deadlineOf(io, flags.timeout ?? DEFAULT_TIMEOUT_MS);
      const kms = await connect(options, emit, { deadline });
      const primary = await describePrimary(kms, options.key, region, io.signal);
      primarySeen = primary;
      const metadata = await kms.describeKey(primary.region, primary.arn, io.signal);
      const settings = planImport(material, importing, metadata, Date.now());
      if (metadata.KeySpec !== "SYMMETRIC_DEFAULT") {
        throw usageError(
          `${primary.keyId} is ${metadata.KeySpec ?? "not symmetric"}: on-demand rotation of imported material is for symmetric encryption keys only.`,
        );
      }
      // Every replica usable, before anything is imported.
      const replicas = await Promise.all(
        primary.replicas.map(async (r) => {
          try {
            return { ...r, metadata: await kms.describeKey(r.region, r.arn, io.signal) };
          } catch (error) {
            throw awsError(error, { operation: "DescribeKey", region: r.region, keyId: r.arn });
          }
        }),
      );
      const unusable = replicas.filter((r) => r.metadata.KeyState !== "Enabled");
      if (unusable.length > 0) {
        throw usageError(
          `Every replica must be usable before the rotation; not: ${unusable.map((r) => `${r.region} (${r.metadata.KeyState ?? "unknown"})`).join(", ")}. Nothing was imported.`,
          "Give PendingImport replicas their current material first (kms-replicate import-material --key-material fileb://CURRENT), enable disabled ones, then rotate.",
        );
      }
      let rotations;
      try {
        rotations = await kms.listKeyRotations(primary.region, primary.arn, io.signal);
      } catch (error) {
        throw awsError(error, { operation: "ListKeyRotations", region: primary.region, keyId: primary.arn });
      }
      const pending = rotations.find((r) => PENDING.has(r.KeyMaterialState ?? ""))?.KeyMaterialId;
      const result = await rotate({
        primary,
        metadata,
        replicas,
        pending,
        settings,
        ctx: {
          kms,
          signal: io.signal,
          deadline,
        },
      });
      material.dispose();
      return result;
    },
    exitCode: (result, stop) => rotateExitCode(result, stop?.exitCode),
    document: ({ exitCode, result, failure, warnings, elapsedMs }) =>
      rotateJson({ exitCode, result, primary: primarySeen, error: failure, warnings, elapsedMs }),
    partial: () => undefined,
    stoppedLine: (stop) => `Stopped by a second ${stop.signalName}.`,
    finish(session, result, elapsedMs) {
      if (result === undefined) return;
      if (session.mode.quiet && rotateExitCode(result) === EXIT.ok) return;
      // --timeout kept an import or the rotation from being sent: the same command finishes it.
      const unsent = result.timedOut && result.state !== "rotating";
      const notSent = result.regions.filter((r) => r.status === "not-attempted").map((r) => r.region);
      // Every import sent, RotateKeyOnDemand not: it is the primary's.
      const rerun = unsent
        ? rerunLines(notSent.length > 0 ? notSent : [result.primary.region], session.resume)
        : [];
      session.output({
        stdout: "",
        stderr: `${rotateText(result, elapsedMs, paint)}${rerun.map((line) => `${line}\n`).join("")}`,
      });
    },
  };
  try {
    return await runCommand(command, flags, io);
  } finally {
    material?.dispose();
  }
}

interface RotateInput {
  readonly primary: PrimaryKey;
  readonly metadata: KeyMetadata;
  readonly replicas: readonly {
    readonly region: string;
    readonly arn: string;
    readonly metadata: KeyMetadata;
  }[];
  /** The material a previous run left pending, if any. */
  readonly pending: string | undefined;
  readonly settings: ImportSettings;
  readonly ctx: Parameters<typeof importMaterial>[3] & Parameters<typeof pollKey>[3];
}

/** The rotation itself, once every check passed. Never throws: every outcome is a result. */
async function rotate(input: RotateInput): Promise<RotateResult> {
  const { primary, metadata, replicas, pending, settings, ctx } = input;
  const previousKeyMaterialId = metadata.CurrentKeyMaterialId;
  const resumed = pending !== undefined;
  const keys = [
    { region: primary.region, arn: primary.arn, role: "PRIMARY" as const, metadata },
    ...replicas.map((r) => ({ ...r, role: "REPLICA" as const })),
  ];
  const rows = new Map<string, RotateRegionJson>(
    keys.map((k) => [
      k.region,
      {
        region: k.region,
        role: k.role,
        status: "not-attempted",
        keyState: k.metadata.KeyState ?? null,
        keyMaterial: materialInfo(k.metadata, false),
        error: null,
      },
    ]),
  );
  const set = (region: string, change: Partial<RotateRegionJson>): void => {
    const row = rows.get(region);
    if (row !== undefined) rows.set(region, { ...row, ...change });
  };
  let interrupted = false;
  /** --timeout ran out before a write could be sent (an import, or the rotation): exit 3. */
  let unsent = false;
  const attempt = async (key: (typeof keys)[number], with_: ImportSettings): Promise<string | undefined> => {
    try {
      const { keyMaterialId } = await importMaterial(key.region, key.arn, with_, ctx);
      set(key.region, { status: "imported" });
      return keyMaterialId ?? with_.keyMaterialId;
    } catch (error) {
      if (isNotSent(error)) {
        // Refused at the deadline: nothing was imported here (the row stays not-attempted).
        unsent = true;
      } else if (ctx.signal.aborted || isAbort(error)) {
        interrupted = true;
        set(key.region, { status: "interrupted" });
      } else {
        set(key.region, {
          status: "failed",
          error: describeError(error, { operation: "ImportKeyMaterial", region: key.region, keyId: key.arn }),
        });
      }
      return undefined;
    }
  };
  const done = (state: RotateResult["state"], extra: Partial<RotateResult> = {}): RotateResult => ({
    primary,
    previousKeyMaterialId,
    resumed,
    state,
    regions: keys.map((k) => rows.get(k.region)).filter((r) => r !== undefined),
    timedOut: unsent,
    interrupted,
    ...extra,
  });
  const beforeDeadline = (next: string): string =>
    unsent
      ? `--timeout ran out before every import (or the rotation) was sent; what is not-attempted was not sent. ${next}`
      : next;

  // 1. The primary: NEW material, or (resuming) the pending one again, which KMS checks is this.
  const [primaryKey] = keys;
  if (primaryKey === undefined) return done("not-started");
  const id = await attempt(primaryKey, {
    ...settings,
    importType: resumed ? "EXISTING_KEY_MATERIAL" : "NEW_KEY_MATERIAL",
    ...(pending !== undefined ? { keyMaterialId: pending } : {}),
  });
  if (id === undefined) {
    const failedPrimary = rows.get(primary.region)?.status !== "imported" && !unsent;
    return done(resumed ? "pending-import" : "not-started", {
      ...(pending !== undefined ? { keyMaterialId: pending } : {}),
      ...(resumed && failedPrimary
        ? {
            next: `A previous run left key material ${pending ?? ""} pending; this material is not it. ${undoText(primary, pending ?? "", [])}`,
          }
        : unsent
          ? {
              next: "--timeout ran out before the new key material was sent to the primary; nothing was imported. Run the same command again with a longer --timeout.",
            }
          : {}),
    });
  }

  // 2. Every replica: the same material, as EXISTING_KEY_MATERIAL with its ID.
  const replicaKeys = keys.slice(1);
  await Promise.all(
    replicaKeys.map((k) =>
      attempt(k, { ...settings, importType: "EXISTING_KEY_MATERIAL", keyMaterialId: id }),
    ),
  );
  const missing = replicaKeys.filter((k) => rows.get(k.region)?.status !== "imported").map((k) => k.region);
  if (missing.length > 0) {
    const holding = replicaKeys.filter((k) => !missing.includes(k.region)).map((k) => k.region);
    return done("pending-import", {
      keyMaterialId: id,
      next: beforeDeadline(
        `Stopped before RotateKeyOnDemand: the new key material ${id} is in the primary (${primary.region})` +
          `${holding.length > 0 ? ` and in ${holding.join(", ")}` : ""}, not in ${missing.join(", ")}. ` +
          `KMS shows it as PENDING_MULTI_REGION_IMPORT_AND_ROTATION; nothing was rotated: every key still uses ${previousKeyMaterialId ?? "its current material"}. ` +
          `To finish: fix the cause and run the same command again (it continues with this material). ${undoText(primary, id, holding)}`,
      ),
    });
  }

  // 3. The rotation, on the primary.
  try {
    await ctx.kms.rotateKeyOnDemand(primary.region, primary.arn, ctx.signal);
  } catch (error) {
    if (isNotSent(error)) unsent = true;
    else if (ctx.signal.aborted || isAbort(error)) interrupted = true;
    else
      set(primary.region, {
        status: "failed",
        error: describeError(error, {
          operation: "RotateKeyOnDemand",
          region: primary.region,
          keyId: primary.arn,
        }),
      });
    return done("pending-import", {
      keyMaterialId: id,
      next: beforeDeadline(
        `The new key material ${id} is in every key (PENDING_ROTATION) but RotateKeyOnDemand did not run: run the same command again, or aws kms rotate-key-on-demand --key-id ${primary.arn} --region ${primary.region}. ${undoText(
          primary,
          id,
          replicaKeys.map((k) => k.region),
        )}`,
      ),
    });
  }

  // 4. Until every key shows the new material as current.
  const seen = await Promise.all(
    keys.map(async (k) => {
      const poll = await pollKey(k.region, k.arn, (m) => m.CurrentKeyMaterialId === id, ctx);
      if (poll.metadata !== undefined) {
        set(k.region, {
          keyState: poll.metadata.KeyState ?? null,
          keyMaterial: materialInfo(poll.metadata, true),
        });
      }
      if (poll.stopped === "interrupted") interrupted = true;
      return poll.metadata?.CurrentKeyMaterialId === id;
    }),
  );
  if (seen.every(Boolean)) return done("rotated", { keyMaterialId: id });
  return done("rotating", {
    keyMaterialId: id,
    timedOut: !interrupted,
    next: "KMS accepted the rotation; 'kms-replicate status' (or aws kms list-key-rotations) shows when every key uses the new material.",
  });
}

/** How to take back material that was imported but not rotated to. */
function undoText(primary: PrimaryKey, id: string, replicaRegions: readonly string[]): string {
  const regions = [primary.region, ...replicaRegions];
  return `To undo: aws kms delete-imported-key-material --key-id ${primary.keyId} --key-material-id ${id} --region R, for R in ${regions.join(", ")}.`;
}
