// A line per unit of work as it settles, for the commands that report the engine's own results
// (sync): its outcome, then what was applied (or, in a dry run, the plan) as a diff, and for a
// failure why and what was not applied.
import type { Change, WorkResult } from "../core/events.js";
import type { Operation } from "../core/operation.js";
import { fitted } from "./fit.js";
import { operationLine } from "./change-text.js";
import { resultHead } from "./lines.js";
import { literal, type Paint } from "./terminal-text.js";

/** The diff's operations among a unit's changes (not ReplicateKey, not an import). */
export const operationsOf = (changes: readonly Change[] | undefined): Operation[] =>
  (changes ?? []).filter((c): c is Operation => c.op !== "replicate" && c.op !== "import");

/**
 * `✔ eu-west-1       done        Enabled         1.2s  arn:…`, then what was applied (or, in a dry
 * run, the plan) as a diff, and for a failure why and what was not applied; on a terminal
 * `columns` wide, fitted to it (lines.ts resultHead, fitted).
 */
export function workLine(result: WorkResult, c: Paint, width = 14, columns?: number): string {
  const head = { ...result, status: result.outcome };
  const lines = [resultHead(head, c, width, columns)];
  for (const op of operationsOf(result.changes)) lines.push(`    ${operationLine(op)}`);
  if (result.outcome === "failed") {
    lines.push(`    ${c.red(literal(`${result.error.name}: ${result.error.message}`))}`);
    if (result.error.hint !== undefined) lines.push(`    ${c.dim("→")} ${result.error.hint}`);
  }
  const pending = operationsOf(result.pending);
  if (pending.length > 0) {
    lines.push(`    ${c.dim("not applied:")}`);
    for (const op of pending) lines.push(`      ${c.dim(operationLine(op))}`);
  }
  if (result.note !== undefined) lines.push(`    ${c.dim("→")} ${result.note}`);
  return fitted(lines, columns).join("\n");
}
