// One key's lines for people, pure: the plan line, a line per settled Region (its status, state,
// time and ARN, in columns) and the summary.
import { REGION_STATUSES, type PrimaryKey, type RegionResult, type RegionStatus } from "../core/events.js";
import type { Outcome } from "../core/events.js";
import { appliedText, changeSummary, materialText, operationLine } from "./change-text.js";
import { fitted } from "./fit.js";
import { literal, type Paint } from "./terminal-text.js";

/** Every status a Region line shows (replicate's and wait's, and the engine's own for sync). */
export type LineStatus = RegionStatus | Outcome;

/** How each status looks: its symbol and its colour. */
const LOOK: Record<
  LineStatus,
  { readonly symbol: string; readonly colour: "green" | "blue" | "cyan" | "red" | "yellow" }
> = {
  created: { symbol: "✔", colour: "green" },
  imported: { symbol: "✔", colour: "green" },
  ready: { symbol: "✔", colour: "green" },
  exists: { symbol: "✔", colour: "green" },
  done: { symbol: "✔", colour: "green" },
  unchanged: { symbol: "✔", colour: "green" },
  creating: { symbol: "◐", colour: "blue" },
  planned: { symbol: "○", colour: "cyan" },
  failed: { symbol: "✖", colour: "red" },
  timeout: { symbol: "⏱", colour: "yellow" },
  notStarted: { symbol: "⏱", colour: "yellow" },
  interrupted: { symbol: "■", colour: "yellow" },
};

export function symbolOf(status: LineStatus): string {
  return LOOK[status].symbol;
}

export function paint(c: Paint, status: LineStatus, text: string): string {
  return c[LOOK[status].colour](text);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * A settled unit's first line: `✔ eu-west-1      created     Enabled         4.2s  arn:aws:kms:…`.
 * On a terminal (`columns`: its width) it fits: the state and time in narrower columns, and the
 * key ID (the family's, in the plan line too) instead of the ARN only when the line has room; the
 * full ARN stays in JSON and in output for a pipe or a file.
 */
export function resultHead(
  line: {
    readonly status: LineStatus;
    readonly region: string;
    readonly keyState?: string;
    readonly elapsedMs: number;
    readonly arn?: string;
  },
  c: Paint,
  width: number,
  columns?: number,
): string {
  const head = `${symbolOf(line.status)} ${line.region.padEnd(width)} ${line.status.padEnd(11)}`;
  if (columns === undefined) {
    // The replica's ARN last: what a person copies into the next command.
    const arn = line.arn === undefined ? "" : `  ${line.arn}`;
    return `${paint(c, line.status, head)} ${(line.keyState ?? "-").padEnd(15)} ${c.dim(seconds(line.elapsedMs))}${arn}`;
  }
  const state = (line.keyState ?? "-").padEnd(13);
  const time = seconds(line.elapsedMs).padStart(6);
  // Before the key ID: the symbol and a space, the Region, the status, the state, the time.
  const before = 2 + width + 1 + 11 + 1 + 13 + 1 + 6;
  const keyId = line.arn?.slice(line.arn.lastIndexOf("/") + 1);
  const tail = keyId !== undefined && before + 2 + keyId.length <= columns ? `  ${keyId}` : "";
  return `${paint(c, line.status, head)} ${state} ${c.dim(time)}${tail}`;
}

/** `✔ eu-west-1       created      Enabled        4.2s  arn:aws:kms:eu-west-1:…` plus indented detail lines. */
export function regionLine(
  result: RegionResult,
  c: Paint,
  width = 14,
  dryRun = false,
  columns?: number,
): string {
  const lines = [
    resultHead(
      {
        status: result.status,
        region: result.region,
        keyState: result.keyState,
        elapsedMs: result.elapsedMs,
        arn: result.replicaArn,
      },
      c,
      width,
      columns,
    ),
  ];
  if (result.status === "failed") {
    lines.push(`    ${c.red(literal(`${result.error.name}: ${result.error.message}`))}`);
    if (result.error.hint !== undefined) lines.push(`    ${c.dim("→")} ${result.error.hint}`);
  }
  const converged = result.converged ?? [];
  if (converged.length > 0 && dryRun) {
    lines.push(`    ${result.status}, would change:`);
    for (const op of converged) lines.push(`      ${operationLine(op)}`);
  } else if (converged.length > 0) {
    lines.push(`    ${result.status}, ${changeSummary(converged)}`);
  }
  if (result.material !== undefined)
    lines.push(`    ${c.dim("key material:")} ${materialText(result.material)}`);
  if (result.note !== undefined) lines.push(`    ${c.dim("→")} ${result.note}`);
  if (result.status === "planned" && result.applied !== undefined) {
    lines.push(`    ${c.dim("would get:")} ${appliedText(result.applied)}`);
  }
  return fitted(lines, columns).join("\n");
}

/**
 * What a run over one key is about to do: `replicate` (Replicating … into), `wait` (Waiting for the
 * replicas of … in), `import` (Importing key material into the replicas of … in).
 */
export function planLine(
  primary: PrimaryKey,
  regions: readonly string[],
  dryRun: boolean,
  c: Paint,
  what: "replicate" | "wait" | "import" = "replicate",
): string {
  const facts = [primary.keySpec, primary.keyUsage, primary.origin].filter((f) => f !== undefined).join(", ");
  const where = `${regions.length} Region${regions.length === 1 ? "" : "s"}: ${regions.join(", ")}`;
  const key = c.bold(literal(primary.keyId));
  if (what !== "replicate") {
    const verb = what === "wait" ? "Waiting for" : "Importing key material into";
    return `${verb} the replicas of ${key} (primary in ${c.bold(primary.region)}, ${facts}) in ${where}`;
  }
  const verb = dryRun ? "Dry run: would replicate" : "Replicating";
  return `${verb} ${key} from ${c.bold(primary.region)} (${facts}) into ${where}`;
}

export function summaryLine(
  results: readonly RegionResult[],
  elapsedMs: number,
  dryRun: boolean,
  c: Paint,
): string {
  const counts = new Map<RegionStatus, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const parts = REGION_STATUSES.flatMap((s) => {
    const n = counts.get(s);
    return n === undefined ? [] : [paint(c, s, `${n} ${s}`)];
  });
  const tail = dryRun ? " Dry run: nothing was changed." : "";
  return `${parts.join(", ")} in ${seconds(elapsedMs)}.${tail}`;
}
