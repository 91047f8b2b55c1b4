// `rotate-material`: its JSON document, its lines for people, and what is left to do (the
// commands that finish or undo a rotation that stopped half-way).
import { EXIT, type ErrorReport, type ExitCode } from "../../core/errors.js";
import type { KeyMaterialInfo, PrimaryKey } from "../../core/events.js";
import type {
  RotateRegion,
  RotateRegionStatus,
  RotateResult,
  RotationCall,
  RotationState,
} from "../../core/steps/rotate-result.js";
import {
  JSON_VERSION,
  primaryJson,
  type Milliseconds,
  type PrimaryJson,
  type RunError,
} from "../../report/json.js";
import { seconds } from "../../report/lines.js";
import { literal, type Paint } from "../../report/terminal-text.js";

export type { RotateResult, RotationCall, RotationState, RotateRegionStatus };

/** One key of the family in the rotation (the engine's row, as the document shows it). */
export type RotateRegionJson = RotateRegion;
import { keyOutcome } from "../../report/outcomes.js";
import {
  deleteImportedMaterialCommand,
  listKeyRotationsCommand,
  longerTimeout,
  rotateMaterialCommand,
} from "../../report/rerun.js";
import type { Rendering } from "../contract.js";
import type { RotateOptions } from "./flags.js";

/** The commands a result's advice names, with the run's own values (src/report/rerun.ts). */
export interface RotateRerun {
  /** This rotate-material again: it reads where the family stands and goes on. */
  readonly again: string;
  /** The material came from stdin: it must be piped in again. */
  readonly fromStdin: boolean;
  /** `aws kms delete-imported-key-material` of `keyMaterialId` on the primary. */
  readonly undo: (keyMaterialId: string) => string;
  /** `aws kms list-key-rotations` of the primary. */
  readonly list: string;
}

/** What is left to do: the explanation, and the commands to paste. */
export interface NextSteps {
  readonly next: string | null;
  readonly continueCommand: string | null;
  readonly undoCommands: readonly string[];
}

/** The document of `rotate-material`. */
export interface RotateJson {
  /** The document format's version. */
  readonly version: typeof JSON_VERSION;
  readonly command: "rotate-material";
  /** exitCode == 0. */
  readonly ok: boolean;
  /** 0 rotated or nothing to do; 1 a Region failed; 2 usage (nothing changed); 3 not seen everywhere in time; 130, 143, 129. */
  readonly exitCode: ExitCode;
  /** The primary; null when the run stopped before it was read. */
  readonly primary: PrimaryJson | null;
  /** KMS's ID of the new key material (with `unchanged`, the current one); null: not known. */
  readonly keyMaterialId: string | null;
  /** The material that was current before; null: not shown. */
  readonly previousKeyMaterialId: string | null;
  /** This run continued a rotation a previous one left pending. */
  readonly resumed: boolean;
  /** Where the family stands; null when the run stopped before it began. */
  readonly state: RotationState | null;
  /** RotateKeyOnDemand on the primary; null when the run stopped before it began. */
  readonly rotateKeyOnDemand: RotationCall | null;
  /** Why RotateKeyOnDemand failed; null: it did not. */
  readonly rotationError: ErrorReport | null;
  /** The primary first, then every replica. */
  readonly regions: readonly RotateRegionJson[];
  /** Where the family stands and what to do, in words; null: nothing to do. */
  readonly next: string | null;
  /** The command that finishes the rotation (rotate-material again, with this run's values); null: nothing to finish. */
  readonly continueCommand: string | null;
  /** The commands that take the new material back off the family (it is pending, not rotated to); empty: nothing to undo, or not safely (see next). */
  readonly undoCommands: readonly string[];
  /** Set when the run stopped before it began (bad input, a replica not usable: exit 2). */
  readonly error: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: Milliseconds;
}

export function rotateExitCode(result: RotateResult, stopCode?: ExitCode): ExitCode {
  if (result.interrupted) return stopCode ?? EXIT.interrupted;
  if (result.regions.some((r) => r.status === "failed") || result.rotation === "failed") return EXIT.failed;
  if (result.state === "rotated" || result.state === "unchanged") return EXIT.ok;
  return result.timedOut ? EXIT.timeout : EXIT.failed;
}

export function rotateJson(input: {
  readonly exitCode: ExitCode;
  readonly result?: RotateResult;
  readonly rerun?: RotateRerun;
  readonly primary?: PrimaryKey;
  readonly error: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): RotateJson {
  const { result } = input;
  const steps =
    result !== undefined && input.rerun !== undefined
      ? nextSteps(result, input.rerun)
      : { next: null, continueCommand: null, undoCommands: [] };
  return {
    version: JSON_VERSION,
    command: "rotate-material",
    ok: input.exitCode === EXIT.ok,
    exitCode: input.exitCode,
    primary: primaryJson(result?.primary ?? input.primary),
    keyMaterialId: result?.keyMaterialId ?? null,
    previousKeyMaterialId: result?.previousKeyMaterialId ?? null,
    resumed: result?.resumed ?? false,
    state: result?.state ?? null,
    rotateKeyOnDemand: result?.rotation ?? null,
    rotationError: result?.rotationError ?? null,
    regions: result?.regions ?? [],
    next: steps.next,
    continueCommand: steps.continueCommand,
    undoCommands: steps.undoCommands,
    error: input.error,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  };
}

const list = (regions: readonly string[]): string => regions.join(", ");
const withStdin = (rerun: RotateRerun): string =>
  rerun.fromStdin ? " (with the same material piped in again)" : "";

/** What is left to do after `result`: the words, the command that finishes, the commands that undo. */
export function nextSteps(result: RotateResult, rerun: RotateRerun): NextSteps {
  const { primary, keyMaterialId: id, regions } = result;
  const old = result.previousKeyMaterialId ?? "its current material";
  const where = (status: RotateRegionJson["status"]): string[] =>
    regions.filter((r) => r.status === status).map((r) => r.region);
  // The primary holds the new material in every state that names these lists.
  const unknown = where("unknown").filter((r) => r !== primary.region);
  const holding = where("imported");
  const finish = `To finish, run the continue command${withStdin(rerun)}: it reads where the family stands (ListKeyRotations) and goes on.`;
  const undoOnPrimary = `To undo, run the undo command: deleting the pending material from the primary takes it off every replica too${unknown.length > 0 ? ` (also off ${list(unknown)} if it got there)` : ""}.`;
  switch (result.state) {
    case "rotated":
    case "unchanged":
      return { next: null, continueCommand: null, undoCommands: [] };
    case "not-started": {
      if (result.otherPending !== undefined) {
        return {
          next: `A previous run left key material ${result.otherPending} pending rotation in the family; this material is not it. Give that run's material to finish it, or undo it. ${undoOnPrimary}`,
          continueCommand: null,
          undoCommands: [rerun.undo(result.otherPending)],
        };
      }
      if (result.timedOut) {
        return {
          next: `--timeout ran out before the new key material was sent to the primary; nothing was imported. ${finish}`,
          continueCommand: rerun.again,
          undoCommands: [],
        };
      }
      if (!result.interrupted) return { next: null, continueCommand: null, undoCommands: [] };
      return {
        next: `Stopped before any key material was sent; nothing changed. ${finish}`,
        continueCommand: rerun.again,
        undoCommands: [],
      };
    }
    case "pending-import": {
      const replicasIn = holding.filter((r) => r !== primary.region);
      const notIn = regions
        .filter((r) => r.role === "REPLICA" && r.status !== "imported" && r.status !== "unknown")
        .map((r) => r.region);
      const state =
        notIn.length > 0
          ? "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
          : unknown.length > 0
            ? `PENDING_ROTATION if ${list(unknown)} took it, else PENDING_MULTI_REGION_IMPORT_AND_ROTATION`
            : "PENDING_ROTATION";
      const head =
        result.rotation === "failed"
          ? "RotateKeyOnDemand failed (see rotationError)"
          : result.timedOut
            ? `--timeout ran out before ${notIn.length === 0 && unknown.length === 0 ? "RotateKeyOnDemand" : "every import"} was sent`
            : "Stopped before RotateKeyOnDemand";
      return {
        next:
          `${head}: the new key material ${id ?? ""} is in the primary (${primary.region})` +
          `${replicasIn.length > 0 ? ` and in ${list(replicasIn)}` : ""}` +
          `${unknown.length > 0 ? `; ${list(unknown)} may hold it too (ImportKeyMaterial was sent there, its answer never came)` : ""}` +
          `${notIn.length > 0 ? `; not in ${list(notIn)}` : ""}. ` +
          `KMS shows it as ${state}; nothing was rotated: every key still uses ${old}. ${finish} ${undoOnPrimary}`,
        continueCommand: rerun.again,
        undoCommands: id !== undefined ? [rerun.undo(id)] : [],
      };
    }
    case "unknown": {
      if (result.rotation === "unknown") {
        return {
          next: `RotateKeyOnDemand was sent to ${primary.region} and its answer never came: the family may use the new key material ${id ?? ""} already, or still ${old} (the new one is in every key, PENDING_ROTATION). ${finish} Do not delete the new material before it has told you: if the rotation went through, it is the family's current material.`,
          continueCommand: rerun.again,
          undoCommands: [],
        };
      }
      return {
        next: `ImportKeyMaterial of the new material was sent to the primary (${primary.region}) and its answer never came: KMS may hold it, pending rotation (PENDING_MULTI_REGION_IMPORT_AND_ROTATION); nothing was rotated, every key still uses ${old}. ${finish} To undo instead: ${rerun.list} shows it as PENDING_… if it got there; delete that one with aws kms delete-imported-key-material and its --key-material-id, on the primary.`,
        continueCommand: rerun.again,
        undoCommands: [],
      };
    }
    case "rotating":
      return {
        next: `KMS accepted the rotation; not every key showed the new material ${id ?? ""} as current before the run stopped. The continue command waits for them (or 'kms-replicate status', aws kms list-key-rotations).`,
        continueCommand: rerun.again,
        undoCommands: [],
      };
  }
}

const STATE_TEXT: Record<RotationState, string> = {
  rotated: "Rotated: every key uses the new key material.",
  rotating:
    "RotateKeyOnDemand was accepted; not every key showed the new material as current before the run stopped.",
  "pending-import": "Not rotated: the new key material is not rotated to yet.",
  unknown: "Not known whether the family moved on: an answer never came (see below).",
  "not-started": "Nothing was imported; nothing changed.",
  unchanged: "Nothing to do: the family already uses this key material.",
};

/** `new material imported; current 1f…; does not expire`: what this run did here, and what the key uses. */
function rotateMaterialText(status: RotateRegionStatus, material: KeyMaterialInfo): string {
  const done =
    status === "unchanged"
      ? "uses this material already"
      : material.imported === null
        ? "the new material may have been imported (no answer came)"
        : material.imported
          ? "new material imported"
          : "new material not imported";
  const current = material.keyMaterialId !== null ? `; current ${material.keyMaterialId}` : "";
  const expiry =
    material.validTo !== null
      ? `; valid to ${material.validTo}`
      : material.expirationModel === "KEY_MATERIAL_DOES_NOT_EXPIRE"
        ? "; does not expire"
        : "";
  return `${done}${current}${expiry}`;
}

const SYMBOL: Record<RotateRegionStatus, (c: Paint) => string> = {
  imported: (c) => c.green("✔"),
  unchanged: (c) => c.green("✔"),
  failed: (c) => c.red("✖"),
  unknown: (c) => c.yellow("?"),
  interrupted: (c) => c.yellow("■"),
  "not-attempted": (c) => c.yellow("■"),
};

/** The person's view: a line per key, where the family stands, and what to do next. */
export function rotateText(result: RotateResult, rerun: RotateRerun, elapsedMs: number, c: Paint): string {
  const width = Math.max(14, ...result.regions.map((r) => r.region.length));
  const lines = result.regions.map((r) => {
    const head = `${SYMBOL[r.status](c)} ${r.region.padEnd(width)} ${r.role.padEnd(8)} ${r.status.padEnd(14)} ${(r.keyState ?? "-").padEnd(15)}`;
    const more: string[] = [head.trimEnd()];
    if (r.keyMaterial !== null)
      more.push(`    ${c.dim("key material:")} ${rotateMaterialText(r.status, r.keyMaterial)}`);
    if (r.note !== null) more.push(`    ${c.dim("→")} ${r.note}`);
    if (r.error !== null) {
      more.push(`    ${c.red(literal(`${r.error.name}: ${r.error.message}`))}`);
      if (r.error.hint !== undefined) more.push(`    ${c.dim("→")} ${r.error.hint}`);
    }
    return more.join("\n");
  });
  if (result.rotationError !== undefined) {
    lines.push(
      `${c.red("✖")} RotateKeyOnDemand: ${c.red(literal(`${result.rotationError.name}: ${result.rotationError.message}`))}`,
    );
    if (result.rotationError.hint !== undefined) lines.push(`    ${c.dim("→")} ${result.rotationError.hint}`);
  }
  const id =
    result.keyMaterialId !== undefined
      ? ` ${result.state === "unchanged" ? "Key material" : "New key material"}: ${result.keyMaterialId}.`
      : "";
  const ok = result.state === "rotated" || result.state === "unchanged";
  const state = ok ? c.green(STATE_TEXT[result.state]) : c.yellow(STATE_TEXT[result.state]);
  const tail = [`${state}${id} (${seconds(elapsedMs)})`];
  const steps = nextSteps(result, rerun);
  if (steps.next !== null) tail.push(`${c.dim("→")} ${steps.next}`);
  if (steps.continueCommand !== null) tail.push("To finish:", `  ${steps.continueCommand}`);
  if (steps.undoCommands.length > 0) tail.push("To undo:", ...steps.undoCommands.map((u) => `  ${u}`));
  return `${[...lines, ...tail].join("\n")}\n`;
}

/** The commands the result names, with this run's values: the primary by its ARN, the material's source. */
export function rerunOf(primary: PrimaryKey, options: RotateOptions): RotateRerun {
  const { reach, material } = options;
  const timeoutMs = longerTimeout(options.timeoutMs);
  const key = { keyArn: primary.arn, region: primary.region, reach };
  return {
    again: rotateMaterialCommand({ key: primary.arn, material, reach, timeoutMs }),
    fromStdin: material.source === "-" || material.source === "fileb:///dev/stdin",
    undo: (keyMaterialId) => deleteImportedMaterialCommand({ ...key, keyMaterialId }),
    list: listKeyRotationsCommand(key),
  };
}

export const rotateRendering: Rendering<RotateOptions, RotateResult, RotateJson> = {
  exitCode: (result, stop) => rotateExitCode(result, stop?.exitCode),
  document: (run) =>
    rotateJson({
      exitCode: run.exitCode,
      result: run.result,
      rerun:
        run.key !== undefined && run.options !== undefined
          ? rerunOf(run.key.primary, run.options)
          : undefined,
      primary: run.key?.primary,
      error: run.failure ?? null,
      warnings: run.warnings,
      elapsedMs: run.elapsedMs,
    }),
  totals: () => ({}),
  view: (run) => ({
    keyId: run.key.primary.keyId,
    primaryRegion: run.key.primary.region,
    arn: run.key.primary.arn,
    outcome: keyOutcome(run.exitCode, run.failure, false),
    error: run.failure ?? null,
    regions: [],
    note: null,
  }),
  finish(run, options, ctx) {
    const result = run?.result;
    if (run === undefined || result === undefined) return { stdout: "", stderr: "" };
    if (ctx.mode.quiet && rotateExitCode(result) === EXIT.ok) return { stdout: "", stderr: "" };
    return {
      stdout: "",
      stderr: rotateText(result, rerunOf(run.key.primary, options), ctx.elapsedMs, ctx.paint),
    };
  },
  fleet: { verb: { run: "Rotating", dry: "Rotating" }, estimate: "rate" },
};
