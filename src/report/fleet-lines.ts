// Plain text for people about a settled key of a fleet run, pure: its lines (src/report/fleet-summary.ts
// sums the keys up). Every command is spoken of through its FleetLook and its keys' FleetKey values
// (src/report/fleet-key.ts).
import { fitted } from "./fit.js";
import type { ErrorReport } from "../core/errors.js";
import { bucketOf } from "./fleet-block.js";
import type { FleetKey, FleetLook } from "./fleet-key.js";
import { paint, symbolOf, type LineStatus } from "./lines.js";
import type { KeyOutcome } from "./outcomes.js";
import { literal, noPaint, type Paint } from "./terminal-text.js";

/** How the lines of a key look when they are not about one Region. */
export const KEY_LOOK: Record<KeyOutcome, LineStatus> = {
  ok: "done",
  failed: "failed",
  timeout: "timeout",
  notStarted: "notStarted",
  drift: "timeout",
  interrupted: "interrupted",
};

/**
 * A key that failed or timed out, or has a Region that did (a key a signal stopped may have one):
 * always shown, also with --quiet, and listed in the summary. A key --timeout kept from beginning
 * (notStarted) is not: nothing went wrong on it; the summary counts it and says how to finish.
 */
export function isBadKey(key: FleetKey): boolean {
  if (key.outcome === "failed" || key.outcome === "timeout") return true;
  return key.regions.some((r) => r.status === "failed" || r.status === "timeout");
}

/**
 * A key a signal stopped before its work had a result (never begun, or stopped before any change):
 * nothing was changed on it. No line of its own; the summary counts it apart from the keys a
 * signal stopped at work.
 */
export function neverStarted(key: FleetKey): boolean {
  return (
    key.outcome === "interrupted" &&
    key.regions.length === 0 &&
    key.headline === undefined &&
    key.error?.name === "Interrupted"
  );
}

/** The notes of a key (its Regions', or its own), as `→` lines grouped by text. */
function notesOf(key: FleetKey): { text: string; regions: string[] }[] {
  const byText = new Map<string, string[]>();
  if (key.note !== null) byText.set(key.note, []);
  for (const r of key.regions) {
    if (r.note === null) continue;
    const list = byText.get(r.note) ?? [];
    list.push(r.region);
    byText.set(r.note, list);
  }
  return [...byText].map(([text, regions]) => ({ text, regions }));
}

/** The key has a note to show. */
export function hasNote(key: FleetKey): boolean {
  return notesOf(key).length > 0;
}

/**
 * How a key's lines are laid out. `terminal`: for a person at a terminal of `columns` (80 and up):
 * the key ID, then the result, and an error on a line of its own, so that a line fits; else one
 * line per fact, the key's primary Region after its ID (for logs and pipes).
 */
export interface KeyLineStyle {
  readonly terminal: boolean;
  /** The terminal's width: a dry run's planned Regions are named only when they fit. */
  readonly columns?: number;
  /** The key's notes (`→ …`); false: its first line only (a key a signal stopped). */
  readonly notes?: boolean;
}

const LOG_STYLE: KeyLineStyle = { terminal: false };

/** Key IDs of multi-Region keys are this long: the result column starts after them. */
const KEY_ID_WIDTH = 36;

/** `✖ mrk-… (us-east-1) failed: Name: message`, then `  → hint`. */
export function errorLines(
  lead: string,
  status: LineStatus,
  what: string,
  error: ErrorReport | null,
  c: Paint,
  style: KeyLineStyle = LOG_STYLE,
): string[] {
  const head = `${paint(c, status, symbolOf(status))} ${lead} ${paint(c, status, what)}`;
  if (error === null) return [head];
  const message = c.red(literal(`${error.name}: ${error.message}`));
  // On a terminal the error has a line of its own, as under a Region of a run over one key.
  const lines = style.terminal ? [head, `    ${message}`] : [`${head}: ${message}`];
  if (error.hint !== undefined) lines.push(`${style.terminal ? "    " : "  "}${c.dim("→")} ${error.hint}`);
  return lines;
}

/** `planned sa-east-1, ap-south-1; exists eu-west-1` */
function regionsByStatus(
  regions: readonly { readonly region: string; readonly status: LineStatus }[],
  order: readonly LineStatus[],
  c: Paint,
): string {
  return order
    .map((s) => [s, regions.filter((r) => r.status === s).map((r) => r.region)] as const)
    .filter(([, names]) => names.length > 0)
    .map(([s, names]) => paint(c, s, `${s} ${names.join(", ")}`))
    .join("; ");
}

/** `5 created, 2 exists` */
function statusCounts(statuses: readonly LineStatus[], order: readonly LineStatus[], c: Paint): string {
  return order
    .map((s) => [s, statuses.filter((x) => x === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => paint(c, s, `${n} ${s}`))
    .join(", ");
}

/**
 * A dry run's plan, as the run over one key shows it under each Region: Regions with the same
 * plan together, and with no Region named when every planned Region has it.
 *
 *         ~ description "a" → "b"
 *     or
 *         eu-west-1:
 *           + tag cost=42
 */
function planLines(key: FleetKey): string[] {
  const groups = new Map<string, { regions: string[]; lines: readonly string[] }>();
  for (const r of key.regions) {
    if (r.plan === undefined || r.plan.length === 0) continue;
    const id = r.plan.join("\n");
    const group = groups.get(id) ?? { regions: [], lines: r.plan };
    group.regions.push(r.region);
    groups.set(id, group);
  }
  const all = [...groups.values()];
  const planned = key.regions.filter((r) => r.plan !== undefined && r.plan.length > 0).length;
  const only = all[0];
  if (
    all.length === 1 &&
    only !== undefined &&
    only.regions.length === planned &&
    planned === key.regions.length
  ) {
    return only.lines.map((line) => `    ${line}`);
  }
  return all.flatMap((g) => [`    ${g.regions.join(", ")}:`, ...g.lines.map((line) => `      ${line}`)]);
}

/**
 * A settled key's lines. A key that failed or timed out: a line per such Region (the error, then
 * `→ hint`), or the key's own error. Any other key: its Regions counted, or its headline; a dry
 * run's plan under it. Then its notes.
 *
 *     ✖ mrk-… (us-east-1) eu-west-1 failed: AccessDeniedException: …
 *       → hint
 *     ✔ mrk-… (us-east-1) 5 created
 *
 * On a terminal (`style.terminal`), within 80 columns:
 *
 *     ✖ mrk-…  eu-west-1 failed
 *         AccessDeniedException: …
 *         → hint
 *     ✔ mrk-…  5 created
 */
export function fleetKeyLines(
  look: FleetLook,
  key: FleetKey,
  c: Paint,
  style: KeyLineStyle = LOG_STYLE,
): string[] {
  const lead = style.terminal
    ? `${literal(key.keyId).padEnd(KEY_ID_WIDTH)} `
    : `${literal(key.keyId)} (${key.primaryRegion})`;
  const lines =
    look.regionStatuses !== undefined
      ? regionKeyLines(look.regionStatuses, key, lead, c, style)
      : headLines(key, lead, c, style);
  if (style.notes === false) return lines.slice(0, 1);
  lines.push(...planLines(key));
  for (const note of notesOf(key)) {
    const where = note.regions.length === 0 ? "" : `${note.regions.join(", ")}: `;
    lines.push(`  ${c.dim("→")} ${where}${note.text}`);
  }
  // On a terminal the plan's and the notes' lines are broken at spaces to fit its width.
  return style.terminal ? fitted(lines, style.columns ?? 80) : lines;
}

/** A key of a command that works per Region: its failures, else its Regions counted. */
function regionKeyLines(
  order: readonly LineStatus[],
  key: FleetKey,
  lead: string,
  c: Paint,
  style: KeyLineStyle,
): string[] {
  const { outcome } = key;
  const bad = outcome === "failed" || outcome === "timeout";
  const failures: string[] = [];
  if (key.error !== null) failures.push(...errorLines(lead, KEY_LOOK[outcome], outcome, key.error, c, style));
  for (const r of key.regions) {
    if (r.status === "failed") {
      failures.push(...errorLines(`${lead} ${r.region}`, "failed", "failed", r.error, c, style));
    }
    if (r.status === "timeout") {
      failures.push(
        `${paint(c, "timeout", symbolOf("timeout"))} ${lead} ${r.region} ${paint(c, "timeout", "timeout")} (${r.keyState ?? "not seen"})`,
      );
    }
  }
  // A failed key is said by its failures; any other key (one a signal stopped, too) is counted first.
  if ((bad && failures.length > 0) || (key.regions.length === 0 && key.error !== null)) return failures;
  const statuses = key.regions.map((r) => r.status);
  // A plan (--dry-run) names its Regions (on a terminal, when they fit): which would be changed,
  // which are there already.
  const named = statuses.includes("planned") ? regionsByStatus(key.regions, order, noPaint) : undefined;
  const room = (style.columns ?? 80) - 2 - lead.length - 1;
  const counted = statusCounts(statuses, order, noPaint);
  const counts =
    named !== undefined && (!style.terminal || named.length <= room)
      ? regionsByStatus(key.regions, order, c)
      : style.terminal && counted.length > room
        ? // Too many kinds for the line: what is done together, the rest each on its own.
          statusCounts(
            statuses.map((s) => (bucketOf(s) === "done" ? "done" : s)),
            ["done", ...order],
            c,
          )
        : statusCounts(statuses, order, c);
  const look: LineStatus =
    outcome !== "ok"
      ? KEY_LOOK[outcome]
      : statuses.length > 0 && statuses.every((s) => s === "planned")
        ? "planned"
        : "done";
  return [
    `${paint(c, look, symbolOf(look))} ${lead} ${counts === "" ? "nothing to do" : counts}`,
    ...failures,
  ];
}

/** A key of a command that works on the key as a whole: its headline, or its error. */
function headLines(key: FleetKey, lead: string, c: Paint, style: KeyLineStyle): string[] {
  const { headline } = key;
  if (headline === undefined)
    return errorLines(lead, KEY_LOOK[key.outcome], key.outcome, key.error, c, style);
  const text = style.terminal && headline.brief !== undefined ? headline.brief(c) : headline.text(c);
  if (key.error !== null || headline.painted === true) {
    return errorLines(lead, headline.look, text, key.error, c, style);
  }
  return [`${paint(c, headline.look, symbolOf(headline.look))} ${lead} ${text}`];
}
