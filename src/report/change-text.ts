// What a change did or would do, in words: a plan's operations, a summary of them, the key
// material's state, what a replica would get.
import type { Applied, KeyMaterialInfo } from "../core/events.js";
import { policyDifference } from "../core/diff.js";
import type { Operation } from "../core/operation.js";
import { literal } from "./terminal-text.js";

/** A value in quotes (`"say \"hi\""`); its line breaks, like every control character, shown escaped. */
const quoted = (text: string): string => `"${literal(text).replaceAll('"', '\\"')}"`;

/** `team=payments`: a tag as a line shows it. */
const tagText = (key: string, value: string): string => literal(`${key}=${value}`);

/** One operation as a line of the plan: `+ tag cost=42`, `~ description "a" → "b"`, … */
export function operationLine(op: Operation): string {
  switch (op.op) {
    case "tag":
      return op.from === undefined
        ? `+ tag ${tagText(op.key, op.value)}`
        : `~ tag ${tagText(op.key, op.from)} → ${tagText(op.key, op.value)}`;
    case "untag":
      return `- tag ${tagText(op.key, op.value)}`;
    case "description":
      return `~ description ${quoted(op.from)} → ${quoted(op.to)}`;
    case "policy": {
      const difference = policyDifference(op.from, op.to);
      const from =
        op.source === "primary" ? "" : op.source === "inline" ? ", from --policy" : `, from ${op.source}`;
      if (difference === undefined) return `~ policy (replaced${from})`;
      const parts = [
        ...(difference.statements > 0
          ? [`${difference.statements} statement${difference.statements === 1 ? " differs" : "s differ"}`]
          : []),
        ...difference.fields.map((f) => `${f} differs`),
      ];
      return `~ policy (${parts.join("; ") || "rewritten"}${from})`;
    }
    case "alias":
      return `+ alias ${literal(op.name)}`;
    case "realias":
      return `~ alias ${literal(op.name)} (moved from ${literal(op.from)})`;
    case "unalias":
      return `- alias ${literal(op.name)}`;
    case "enable":
      return "~ state Disabled → Enabled";
    case "disable":
      return "~ state Enabled → Disabled";
  }
}

/** `2 tags added, description updated`: what a list of operations did, in a few words. */
export function changeSummary(ops: readonly Operation[]): string {
  const count = (test: (o: Operation) => boolean): number => ops.filter(test).length;
  const n = (k: number, one: string, many: string, what: string): string[] =>
    k === 0 ? [] : [`${k} ${k === 1 ? one : many} ${what}`];
  return [
    ...n(
      count((o) => o.op === "tag" && o.from === undefined),
      "tag",
      "tags",
      "added",
    ),
    ...n(
      count((o) => o.op === "tag" && o.from !== undefined),
      "tag",
      "tags",
      "changed",
    ),
    ...n(
      count((o) => o.op === "untag"),
      "tag",
      "tags",
      "removed",
    ),
    ...(ops.some((o) => o.op === "description") ? ["description updated"] : []),
    ...(ops.some((o) => o.op === "policy") ? ["policy replaced"] : []),
    ...n(
      count((o) => o.op === "alias"),
      "alias",
      "aliases",
      "created",
    ),
    ...n(
      count((o) => o.op === "realias"),
      "alias",
      "aliases",
      "moved",
    ),
    ...n(
      count((o) => o.op === "unalias"),
      "alias",
      "aliases",
      "deleted",
    ),
    ...(ops.some((o) => o.op === "enable") ? ["enabled"] : []),
    ...(ops.some((o) => o.op === "disable") ? ["disabled"] : []),
  ].join(", ");
}

/** `imported; valid to 2027-01-31T00:00:00.000Z` */
export function materialText(material: KeyMaterialInfo): string {
  const expiry =
    material.validTo !== null
      ? `valid to ${material.validTo}`
      : material.expirationModel === "KEY_MATERIAL_DOES_NOT_EXPIRE"
        ? "does not expire"
        : "expiration not shown";
  const imported =
    material.imported === null
      ? "unknown: may have been imported (no answer came)"
      : material.imported
        ? "imported now"
        : "already there";
  return `${imported}; ${expiry}`;
}

/** `tags team=payments; description "DR copy"; policy from primary; aliases alias/payments` */
export function appliedText(applied: Applied): string {
  const tags = applied.tags.map((t) => tagText(t.TagKey, t.TagValue)).join(", ");
  return [
    `tags ${tags === "" ? "none" : tags}`,
    `description ${applied.description === null ? "none" : quoted(applied.description)}`,
    `policy ${applied.policySource === "default" ? "KMS default" : applied.policySource === "inline" ? "from --policy" : `from ${applied.policySource}`}`,
    `aliases ${applied.aliases.length === 0 ? "none" : literal(applied.aliases.join(", "))}`,
  ].join("; ");
}
