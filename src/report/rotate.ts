// `rotate-material`: its JSON document and its lines for people.
import { EXIT, type ErrorReport, type ExitCode } from "../errors.js";
import type { KeyMaterialInfo, PrimaryKey } from "../events.js";
import { JSON_VERSION, primaryJson, type Milliseconds, type PrimaryJson, type RunError } from "./json.js";
import { materialText, seconds } from "./lines.js";
import type { Paint } from "./terminal-text.js";

/**
 * `imported`: the new material is in this key; `failed`: see error; `not-attempted`: the run
 * stopped before this Region; `interrupted`: a signal stopped it while importing here.
 */
export type RotateRegionStatus = "imported" | "failed" | "not-attempted" | "interrupted";

/** One key of the family in the rotation. */
export interface RotateRegionJson {
  /** The Region ID. */
  readonly region: string;
  /** PRIMARY (gets NEW_KEY_MATERIAL) or REPLICA (EXISTING_KEY_MATERIAL). */
  readonly role: "PRIMARY" | "REPLICA";
  readonly status: RotateRegionStatus;
  /** KMS's KeyState as last seen; null: not read. */
  readonly keyState: string | null;
  /** The key's material and its expiration as last read here; null: not read. */
  readonly keyMaterial: KeyMaterialInfo | null;
  /** Why it failed; null unless `failed`. */
  readonly error: ErrorReport | null;
}

/**
 * Where the family stands. `rotated`: RotateKeyOnDemand ran and every key shows the new material
 * as current. `rotating`: it ran, not every key showed it before the run stopped. `pending-import`:
 * the new material is in the primary but not in every replica (KMS: PENDING_MULTI_REGION_IMPORT_AND_ROTATION)
 * or not rotated yet (PENDING_ROTATION); nothing was rotated. `not-started`: nothing was imported.
 */
export type RotationState = "rotated" | "rotating" | "pending-import" | "not-started";

/** What the command knows at its end. */
export interface RotateResult {
  readonly primary: PrimaryKey;
  /** The new material's ID; undefined: not imported anywhere. */
  readonly keyMaterialId?: string;
  readonly previousKeyMaterialId?: string;
  /** Continued with material a previous run left pending. */
  readonly resumed: boolean;
  readonly state: RotationState;
  readonly regions: readonly RotateRegionJson[];
  /** How to finish or undo; undefined: nothing to do. */
  readonly next?: string;
  /** The rotation was requested but a key did not show it in time: exit 3. */
  readonly timedOut: boolean;
  readonly interrupted: boolean;
}

/** The document of `rotate-material`. */
export interface RotateJson {
  /** The document format's version. */
  readonly version: typeof JSON_VERSION;
  readonly command: "rotate-material";
  /** exitCode == 0. */
  readonly ok: boolean;
  /** 0 rotated; 1 a Region failed; 2 usage (nothing changed); 3 not seen everywhere in time; 130, 143, 129. */
  readonly exitCode: ExitCode;
  /** The primary; null when the run stopped before it was read. */
  readonly primary: PrimaryJson | null;
  /** KMS's ID of the new key material; null: it was imported nowhere. */
  readonly keyMaterialId: string | null;
  /** The material that was current before; null: not shown. */
  readonly previousKeyMaterialId: string | null;
  /** This run continued a rotation a previous one left pending. */
  readonly resumed: boolean;
  /** Where the family stands; null when the run stopped before it began. */
  readonly state: RotationState | null;
  /** The primary first, then every replica. */
  readonly regions: readonly RotateRegionJson[];
  /** How to finish or undo what is left; null: nothing. */
  readonly next: string | null;
  /** Set when the run stopped before it began (bad input, a replica not usable: exit 2). */
  readonly error: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: Milliseconds;
}

export function rotateJson(input: {
  readonly exitCode: ExitCode;
  readonly result?: RotateResult;
  readonly primary?: PrimaryKey;
  readonly error: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): RotateJson {
  const { result } = input;
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
    regions: result?.regions ?? [],
    next: result?.next ?? null,
    error: input.error,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  };
}

const STATE_TEXT: Record<RotationState, string> = {
  rotated: "Rotated: every key uses the new key material.",
  rotating:
    "RotateKeyOnDemand was accepted; not every key showed the new material as current before the run stopped.",
  "pending-import": "Not rotated: the new key material is not in every key of the family yet.",
  "not-started": "Nothing was imported; nothing changed.",
};

/** The person's view: a line per key, where the family stands, and what to do next. */
export function rotateText(result: RotateResult, elapsedMs: number, c: Paint): string {
  const width = Math.max(14, ...result.regions.map((r) => r.region.length));
  const lines = result.regions.map((r) => {
    const symbol =
      r.status === "imported" ? c.green("✔") : r.status === "failed" ? c.red("✖") : c.yellow("■");
    const head = `${symbol} ${r.region.padEnd(width)} ${r.role.padEnd(8)} ${r.status.padEnd(14)} ${(r.keyState ?? "-").padEnd(15)}`;
    const more: string[] = [head.trimEnd()];
    if (r.keyMaterial !== null)
      more.push(
        `    ${c.dim("key material:")} ${materialText(r.keyMaterial)}${r.keyMaterial.keyMaterialId !== null ? `; current ${r.keyMaterial.keyMaterialId}` : ""}`,
      );
    if (r.error !== null) {
      more.push(`    ${c.red(`${r.error.name}: ${r.error.message}`)}`);
      if (r.error.hint !== undefined) more.push(`    ${c.dim("→")} ${r.error.hint}`);
    }
    return more.join("\n");
  });
  const id = result.keyMaterialId !== undefined ? ` New key material: ${result.keyMaterialId}.` : "";
  const state = result.state === "rotated" ? c.green(STATE_TEXT.rotated) : c.yellow(STATE_TEXT[result.state]);
  const tail = [`${state}${id} (${seconds(elapsedMs)})`];
  if (result.next !== undefined) tail.push(`${c.dim("→")} ${result.next}`);
  return `${[...lines, ...tail].join("\n")}\n`;
}
