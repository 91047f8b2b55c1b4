// `status`'s text: the family as an aligned table on a terminal (fitted to its width), as TSV for a
// program, the notes under each row (drift, what could not be read), and the summary line; and the
// same for a fleet, a table per family.
import { isPendingDeletionKey, isUsableKey, unreadFields, type KeyView } from "../../core/family.js";
import type { OutputMode } from "../../report/mode.js";
import { cellWidth, fitCells, fitColumns, truncateCells } from "../../report/cells.js";
import { literal, tsvField, type Paint } from "../../report/terminal-text.js";
import type { Drift } from "../../core/diff.js";

/** Not usable, and not on its way out: a key pending deletion is counted apart. */
export const notUsable = (view: KeyView): boolean => !isUsableKey(view) && !isPendingDeletionKey(view);

/** `1 pending deletion`, or nothing. */
function pendingPart(rows: readonly FamilyRow[], c: Paint): string[] {
  const pending = rows.filter((r) => isPendingDeletionKey(r.view)).length;
  return pending === 0 ? [] : [c.yellow(`${pending} pending deletion`)];
}

export interface FamilyRow {
  readonly view: KeyView;
  readonly drift: readonly Drift[];
}

const HEADER = ["REGION", "ROLE", "STATE", "DESCRIPTION", "TAGS", "ALIASES"] as const;
const STATE = HEADER.indexOf("STATE");
/** Free text gives up width when the table is too wide; Region, role and state never do. */
const SHRINKABLE: ReadonlySet<number> = new Set([
  HEADER.indexOf("DESCRIPTION"),
  HEADER.indexOf("TAGS"),
  HEADER.indexOf("ALIASES"),
]);
const GAP = 2;
/** A shrunk column keeps at least this many cells (`team…`). */
const MIN_SHRUNK = 5;

/** One key's values in HEADER's order, as read: `?` for what could not be read, `-` for none. */
function cellsOf(view: KeyView): string[] {
  const tags =
    view.tags === null
      ? "?"
      : Object.entries(view.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(",") || "-";
  const aliases = view.aliases === null ? "?" : view.aliases.join(",") || "-";
  const state =
    view.deletionDate !== undefined
      ? `${view.keyState ?? "?"} (deleted ${view.deletionDate.slice(0, 10)})`
      : (view.keyState ?? "?");
  return [view.region, view.role, state, view.description || "-", tags, aliases];
}

interface Note {
  /** A read failure (kept with --quiet), or drift. */
  readonly error: boolean;
  readonly text: string;
}

/** What the table's columns cannot hold: why a key or a field could not be read, and each drift. */
function notesOf({ view, drift }: FamilyRow): Note[] {
  const notes: Note[] = [];
  if (view.error !== null) {
    notes.push({ error: true, text: `✖ ${view.error.name}: ${view.error.message}` });
    if (view.error.hint) notes.push({ error: true, text: `  → ${view.error.hint}` });
  }
  for (const field of unreadFields(view)) {
    const error = view.fieldErrors[field];
    if (error === null) continue;
    notes.push({ error: true, text: `? ${field} could not be read: ${error.name}: ${error.message}` });
    if (error.hint) notes.push({ error: true, text: `  → ${error.hint}` });
  }
  for (const d of drift) notes.push({ error: false, text: `drift: ${d.detail}` });
  return notes;
}

/**
 * The table for a person: columns aligned in terminal cells, at most `columns` cells wide (the
 * widest free-text columns are cut with `…`), each key's notes indented under it.
 */
export function statusTable(
  rows: readonly FamilyRow[],
  c: Paint,
  columns: number = Number.POSITIVE_INFINITY,
): string {
  // A value's line breaks and tabs are shown escaped (`\x0a`), measured as shown.
  const body = rows.map((row) => cellsOf(row.view).map(literal));
  const natural = HEADER.map((title, i) =>
    Math.max(cellWidth(title), ...body.map((r) => cellWidth(r[i] ?? ""))),
  );
  const widths = fitColumns(natural, columns, SHRINKABLE, { gap: GAP, minimum: MIN_SHRUNK });
  const line = (cells: readonly string[], paint: (i: number, text: string) => string): string =>
    cells
      .map((text, i) => {
        const width = widths[i] ?? 0;
        // The last column is not padded: no trailing blanks.
        return paint(i, i === cells.length - 1 ? truncateCells(text, width) : fitCells(text, width));
      })
      .join(" ".repeat(GAP));
  const lines = rows.map((row, r) => {
    const state = row.view.keyState;
    const painted = line(body[r] ?? [], (i, text) =>
      i !== STATE ? text : state === "Enabled" ? c.green(text) : c.yellow(text),
    );
    const notes = notesOf(row).map(
      (n) => `    ${n.error ? c.red(literal(n.text)) : c.yellow(literal(n.text))}`,
    );
    return [painted, ...notes].join("\n");
  });
  return [c.bold(line(HEADER, (_, text) => text)), ...lines].join("\n");
}

/**
 * The table for a program (stdout not a terminal): a header line, then one tab-separated line per
 * key; no padding, colour or cutting. A field shows its tabs, line breaks and other control and
 * bidirectional characters escaped as a person's text does (tsvField): no value can break a row.
 */
export function statusTsv(rows: readonly FamilyRow[]): string {
  return [HEADER, ...rows.map((row) => cellsOf(row.view).map(tsvField))]
    .map((cells) => cells.join("\t"))
    .join("\n");
}

/**
 * The notes of a TSV table, for stderr (they would break its rows on stdout), each led by its
 * key's Region: `eu-west-1: drift: tags: missing env=prod`. With --quiet, only the read failures.
 */
export function statusNotes(rows: readonly FamilyRow[], quiet: boolean, c: Paint): string[] {
  return rows.flatMap((row) =>
    notesOf(row)
      .filter((n) => n.error || !quiet)
      .map((n) => {
        const text = literal(`${row.view.region}: ${n.text.trimStart()}`);
        return n.error ? c.red(text) : c.yellow(text);
      }),
  );
}

/**
 * What `status` prints in text mode, by stream. stdout: the table (aligned for a terminal, TSV
 * otherwise), also with --quiet, because it is the data asked for; never with --output json.
 * stderr: the summary (not with --quiet), and a TSV table's notes.
 */
export function statusOutput(
  rows: readonly FamilyRow[],
  unusable: number,
  mode: Pick<OutputMode, "json" | "quiet" | "table">,
  chalks: { readonly stdout: Paint; readonly stderr: Paint },
): { stdout: string; stderr: string } {
  const summary = mode.quiet ? [] : [statusSummary(rows, unusable, chalks.stderr)];
  if (mode.json) return { stdout: "", stderr: lines(summary) };
  if (mode.table.aligned) {
    return { stdout: lines([statusTable(rows, chalks.stdout, mode.table.columns)]), stderr: lines(summary) };
  }
  const notes = statusNotes(rows, mode.quiet, chalks.stderr);
  return { stdout: lines([statusTsv(rows)]), stderr: lines([...notes, ...summary]) };
}

const lines = (texts: readonly string[]): string => texts.map((t) => `${t}\n`).join("");

export function statusSummary(rows: readonly FamilyRow[], unusable: number, c: Paint): string {
  const drifting = rows.filter((r) => r.drift.length > 0).length;
  const unread = rows.reduce((n, r) => n + unreadFields(r.view).length, 0);
  const parts = [
    `${rows.length} key${rows.length === 1 ? "" : "s"}`,
    unusable === 0 ? c.green("all usable") : c.red(`${unusable} not usable`),
    ...pendingPart(rows, c),
    ...(unread > 0 ? [c.red(`${unread} field${unread === 1 ? "" : "s"} could not be read`)] : []),
    drifting === 0
      ? c.green("no drift")
      : c.yellow(`${drifting} replica${drifting === 1 ? "" : "s"} drift from the primary`),
  ];
  return `${parts.join(", ")}.`;
}

/** One family of a fleet's status: its key ID, and its rows (none when it could not be read). */
export interface FamilyOfFleet {
  readonly keyId: string;
  readonly rows: readonly FamilyRow[];
}

/**
 * `status` over a selection of keys, by stream. stdout: for a terminal, one table aligned across
 * every family, each family under a line with its key ID; for a program, TSV with a KEY column
 * first on every line. stderr: the notes of a TSV table (led by key ID and Region) and a summary.
 * A family that could not be read at all has no rows here: its error is the fleet reporter's.
 */
export function fleetStatusOutput(
  families: readonly FamilyOfFleet[],
  mode: Pick<OutputMode, "json" | "quiet" | "table">,
  chalks: { readonly stdout: Paint; readonly stderr: Paint },
): { stdout: string; stderr: string } {
  const rows = families.flatMap((f) => f.rows);
  const unusable = rows.filter((r) => notUsable(r.view)).length;
  const summary = mode.quiet ? [] : [fleetStatusSummary(families, unusable, chalks.stderr)];
  if (mode.json) return { stdout: "", stderr: lines(summary) };
  if (mode.table.aligned) {
    const table = statusTable(rows, chalks.stdout, mode.table.columns).split("\n");
    // statusTable gives the header, then each row with its notes under it: regroup by family.
    const [header = "", ...body] = table;
    const blocks: string[] = [header];
    let at = 0;
    for (const family of families) {
      if (family.rows.length === 0) continue;
      blocks.push(chalks.stdout.bold(literal(family.keyId)));
      for (const row of family.rows) {
        const height = 1 + notesOf(row).length;
        blocks.push(...body.slice(at, at + height));
        at += height;
      }
    }
    return { stdout: lines(blocks), stderr: lines(summary) };
  }
  const tsv = [
    ["KEY", ...HEADER].join("\t"),
    ...families.flatMap((f) => f.rows.map((row) => [f.keyId, ...cellsOf(row.view)].map(tsvField).join("\t"))),
  ];
  const notes = families.flatMap((f) =>
    statusNotes(f.rows, mode.quiet, chalks.stderr).map((note) => `${literal(f.keyId)} ${note}`),
  );
  return { stdout: lines(tsv), stderr: lines([...notes, ...summary]) };
}

export function fleetStatusSummary(families: readonly FamilyOfFleet[], unusable: number, c: Paint): string {
  const rows = families.flatMap((f) => f.rows);
  const drifting = rows.filter((r) => r.drift.length > 0).length;
  const unread = families.filter((f) => f.rows.length === 0).length;
  const parts = [
    `${families.length} key ${families.length === 1 ? "family" : "families"}, ${rows.length} key${rows.length === 1 ? "" : "s"}`,
    unusable === 0 ? c.green("all usable") : c.red(`${unusable} not usable`),
    ...pendingPart(rows, c),
    ...(unread > 0 ? [c.red(`${unread} ${unread === 1 ? "family" : "families"} could not be read`)] : []),
    drifting === 0
      ? c.green("no drift")
      : c.yellow(`${drifting} replica${drifting === 1 ? "" : "s"} drift from the primary`),
  ];
  return `${parts.join(", ")}.`;
}
