// `status`: the key family as a table for people, and as JSON with the drift spelled out.
import type { ChalkInstance } from "chalk";
import { unreadFields, type Drift, type KeyView } from "../drift.js";
import type { ErrorReport, ExitCode } from "../errors.js";
import { JSON_VERSION } from "./json.js";

export interface FamilyRow {
  readonly view: KeyView;
  readonly drift: readonly Drift[];
}

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

export function statusTable(rows: readonly FamilyRow[], c: ChalkInstance): string {
  const header = `${cell("REGION", 16)} ${cell("ROLE", 8)} ${cell("STATE", 16)} ${cell("ENABLED", 8)} ${cell("DESCRIPTION", 24)} ${cell("TAGS", 28)} ALIASES`;
  const lines = rows.map(({ view, drift }) => {
    const tags =
      view.tags === null
        ? "?"
        : Object.entries(view.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(",") || "-";
    const state = view.keyState ?? "?";
    const painted = view.keyState === "Enabled" ? c.green(cell(state, 16)) : c.yellow(cell(state, 16));
    const line = `${cell(view.region, 16)} ${cell(view.role, 8)} ${painted} ${cell(String(view.enabled ?? "?"), 8)} ${cell(view.description || "-", 24)} ${cell(tags, 28)} ${view.aliases === null ? "?" : view.aliases.join(",") || "-"}`;
    const notes = [
      ...(view.error !== null
        ? [
            c.red(`    ✖ ${view.error.name}: ${view.error.message}`),
            ...(view.error.hint ? [`      → ${view.error.hint}`] : []),
          ]
        : []),
      ...unreadFields(view).flatMap((field) => {
        const error = view.fieldErrors[field];
        return error === null
          ? []
          : [
              c.red(`    ? ${field} could not be read: ${error.name}: ${error.message}`),
              ...(error.hint ? [`      → ${error.hint}`] : []),
            ];
      }),
      ...drift.map((d) => c.yellow(`    drift: ${d.detail}`)),
    ];
    return [line, ...notes].join("\n");
  });
  return [c.bold(header), ...lines].join("\n");
}

export function statusSummary(rows: readonly FamilyRow[], unusable: number, c: ChalkInstance): string {
  const drifting = rows.filter((r) => r.drift.length > 0).length;
  const unread = rows.reduce((n, r) => n + unreadFields(r.view).length, 0);
  const parts = [
    `${rows.length} key${rows.length === 1 ? "" : "s"}`,
    unusable === 0 ? c.green("all usable") : c.red(`${unusable} not usable`),
    ...(unread > 0 ? [c.red(`${unread} field${unread === 1 ? "" : "s"} could not be read`)] : []),
    drifting === 0
      ? c.green("no drift")
      : c.yellow(`${drifting} replica${drifting === 1 ? "" : "s"} drift from the primary`),
  ];
  return `${parts.join(", ")}.`;
}

/** One key of the family in the status document: as read, whether it is usable, how it drifts. */
export interface KeyJson extends KeyView {
  /** KeyState Enabled or PendingImport (as `replicate` counts it), and the key could be read. */
  readonly usable: boolean;
  /** What differs from the primary (always empty for the primary itself). */
  readonly drift: readonly Drift[];
}

/** The document of `status`: the primary and every replica, each read in its own Region. */
export interface StatusJson {
  /** The document format's version: changes only when a field changes meaning or disappears. */
  readonly version: typeof JSON_VERSION;
  readonly command: "status";
  /** exitCode == 0. */
  readonly ok: boolean;
  /** The process's exit code: 0, 1 (a key not usable or a field not read), 4 (drift only), 2, 130, 143, 129. */
  readonly exitCode: ExitCode;
  /** The primary first, then every replica; empty when the run stopped before (see error). */
  readonly keys: readonly KeyJson[];
  /** A replica drifts from the primary. */
  readonly drift: boolean;
  /** Set when the family could not be read at all (bad input, no key, DescribeKey failed). */
  readonly error: ErrorReport | null;
}

export function statusJson(
  rows: readonly FamilyRow[],
  usable: (view: KeyView) => boolean,
  exitCode: ExitCode,
  error: ErrorReport | null,
): StatusJson {
  return {
    version: JSON_VERSION,
    command: "status",
    ok: exitCode === 0,
    exitCode,
    keys: rows.map(({ view, drift }) => ({ ...view, usable: usable(view), drift })),
    drift: rows.some((r) => r.drift.length > 0),
    error,
  };
}
