// `rotate-material`: on-demand rotation of a multi-Region key with imported material. The checks
// before any write (the flags, the material, a symmetric EXTERNAL primary, every replica usable,
// the family's key materials), then the rotation (src/core/steps/rotate.ts), then the result: where
// the family stands, and the commands that finish or undo what is left, with this run's values.
import { rotate } from "../../core/steps/rotate.js";
import { awsError, EXIT, usageError, type ExitCode } from "../../core/errors.js";
import type { PrimaryKey } from "../../core/events.js";
import { planImport } from "../../core/import-plan.js";
import { readMaterial, type KeyMaterial } from "../../core/material.js";
import {
  DEFAULT_TIMEOUT_MS,
  toCommonOptions,
  toImportOptions,
  type ImportOptions,
  type RawCommonFlags,
  type RawImportFlags,
} from "../../core/options.js";
import { describePrimary } from "../../core/plan.js";
import {
  deleteImportedMaterialCommand,
  listKeyRotationsCommand,
  longerTimeout,
  materialFlagsOf,
  reachOf,
  rotateMaterialCommand,
} from "../../report/rerun.js";
import {
  nextSteps,
  rotateExitCode,
  rotateJson,
  rotateText,
  type RotateRerun,
  type RotateResult,
} from "./render.js";
import { paint } from "../../report/terminal-text.js";
import {
  connect,
  deadlineOf,
  inputsOf,
  primaryRegionOf,
  runCommand,
  type Command,
  type Io,
} from "../../cli/runner.js";

type RotateFlags = RawCommonFlags & RawImportFlags & { readonly timeout?: number };

/** The commands the result names, with this run's values: the primary by its ARN, the material's source. */
function rerunOf(
  primary: PrimaryKey,
  importing: ImportOptions,
  flags: RotateFlags,
  cwd: string,
): RotateRerun {
  const reach = reachOf(flags);
  const material = materialFlagsOf(importing, cwd);
  const timeoutMs = longerTimeout(flags.timeout);
  const key = { keyArn: primary.arn, region: primary.region, reach };
  return {
    again: rotateMaterialCommand({ key: primary.arn, material, reach, timeoutMs }),
    fromStdin: material.source === "-" || material.source === "fileb:///dev/stdin",
    undo: (keyMaterialId) => deleteImportedMaterialCommand({ ...key, keyMaterialId }),
    list: listKeyRotationsCommand(key),
  };
}

export async function runRotateMaterial(flags: RotateFlags, io: Io): Promise<ExitCode> {
  let material: KeyMaterial | undefined;
  let primarySeen: PrimaryKey | undefined;
  let rerun: RotateRerun | undefined;
  /** What the rotation knows so far, once it has begun (for a second signal). */
  let snapshot: (() => RotateResult) | undefined;
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
      rerun = rerunOf(primary, importing, flags, io.cwd);
      const metadata = await kms.describeKey(primary.region, primary.arn, io.signal);
      const now = Date.now();
      const settings = planImport(material, importing, metadata, now);
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
      const result = await rotate({
        primary,
        metadata,
        replicas,
        rotations,
        settings,
        now,
        watch: (read) => (snapshot = read),
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
      rotateJson({ exitCode, result, rerun, primary: primarySeen, error: failure, warnings, elapsedMs }),
    partial: () => snapshot?.(),
    stoppedLine: (stop, result) => {
      const steps = rerun !== undefined ? nextSteps(result, rerun) : undefined;
      return [
        `Stopped by a second ${stop.signalName}; imports under way are unknown (they may have been applied).`,
        ...(steps?.next != null ? [steps.next] : []),
        ...(steps?.continueCommand != null ? ["To finish:", `  ${steps.continueCommand}`] : []),
        ...(steps !== undefined && steps.undoCommands.length > 0
          ? ["To undo:", ...steps.undoCommands.map((u) => `  ${u}`)]
          : []),
      ].join("\n");
    },
    finish(session, result, elapsedMs) {
      if (result === undefined || rerun === undefined) return;
      if (session.mode.quiet && rotateExitCode(result) === EXIT.ok) return;
      session.output({ stdout: "", stderr: rotateText(result, rerun, elapsedMs, paint) });
    },
  };
  try {
    return await runCommand(command, flags, io);
  } finally {
    material?.dispose();
  }
}
