// `status`: the key family as a table for people, and as JSON with the drift spelled out.
import type { ChalkInstance } from "chalk";
import type { Drift } from "../diff.js";
import { unreadFields, type KeyView } from "../family.js";
import type { ErrorReport } from "../errors.js";
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

export interface StatusJson {
  readonly version: typeof JSON_VERSION;
  readonly command: "status";
  readonly ok: boolean;
  readonly exitCode: number;
  readonly keys: readonly (KeyView & { readonly usable: boolean; readonly drift: readonly Drift[] })[];
  readonly drift: boolean;
  readonly error: ErrorReport | null;
}

export function statusJson(
  rows: readonly FamilyRow[],
  usable: (view: KeyView) => boolean,
  exitCode: number,
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
