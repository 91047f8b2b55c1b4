// The one structured diff between a desired state (src/core/desired.ts) and a key as read (src/core/family.ts):
// a list of operations, each one KMS call's worth of change, never display strings. `status`
// shows them as drift, `replicate` applies them to new replicas (and, with --copy-*, existing ones),
// `sync` to existing ones; pure.
import { desiredFromPrimary, type Desired } from "./desired.js";
import type { KeyView } from "./family.js";
import type { Operation } from "./operation.js";

export type { Operation } from "./operation.js";

export interface DiffOptions {
  /** Extra tags become `untag` operations (else they are kept, and not reported as operations). */
  readonly pruneTags: boolean;
  /** Extra aliases become `unalias` operations. */
  readonly pruneAliases: boolean;
  /**
   * A desired alias that names another key in the replica's Region becomes `realias` (UpdateAlias);
   * without it, the alias is left alone and reported by aliasConflicts().
   */
  readonly forceAliases?: boolean;
}

/** The key's properties as far as they are known (null: unknown, never compared). */
export type Readable = Pick<KeyView, "tags" | "description" | "policy" | "aliases" | "enabled"> & {
  /**
   * For desired aliases missing on this key: the key ID each names in the key's Region, when it
   * exists there (an alias name is unique per Region). Absent: not looked up (CreateAlias finds out).
   */
  readonly aliasTargets?: Readonly<Record<string, string>>;
};

/** A read replica as the diff compares it (the enabled state only where EnableKey/DisableKey apply). */
export function readableOf(view: KeyView, aliasTargets?: Readonly<Record<string, string>>): Readable {
  return {
    tags: view.tags,
    description: view.description ?? "",
    policy: view.policy,
    aliases: view.aliases,
    enabled: view.keyState === "Enabled" ? true : view.keyState === "Disabled" ? false : null,
    ...(aliasTargets !== undefined ? { aliasTargets } : {}),
  };
}

/** A desired alias that already names another key in the replica's Region. */
export interface AliasConflict {
  readonly name: string;
  /** The key ID it names. */
  readonly owner: string;
}

/** The desired aliases that name another key in the replica's Region (see Readable.aliasTargets). */
export function aliasConflicts(desired: Desired, actual: Readable): AliasConflict[] {
  if (desired.aliases === undefined || actual.aliases === null) return [];
  const theirs = actual.aliases;
  return desired.aliases.flatMap((name) => {
    const owner = actual.aliasTargets?.[name];
    return !theirs.includes(name) && owner !== undefined ? [{ name, owner }] : [];
  });
}

/**
 * Operations that bring `actual` to `desired`, in the order they are best applied (policy first,
 * so that a new policy that grants tagging is in force; tags removed before tags added, so that
 * a key never passes KMS's 50 tags on the way; aliases last). A field not managed by `desired`,
 * or unknown in `actual`, yields nothing.
 */
export function diff(desired: Desired, actual: Readable, options: DiffOptions): Operation[] {
  const ops: Operation[] = [];
  if (
    desired.policy !== undefined &&
    actual.policy !== null &&
    !samePolicy(desired.policy.text, actual.policy)
  ) {
    ops.push({ op: "policy", from: actual.policy, to: desired.policy.text, source: desired.policy.source });
  }
  if (desired.description !== undefined && actual.description !== null) {
    if (desired.description !== actual.description) {
      ops.push({ op: "description", from: actual.description, to: desired.description });
    }
  }
  if (desired.tags !== undefined && actual.tags !== null) {
    if (options.pruneTags) {
      for (const [key, value] of Object.entries(actual.tags)) {
        if (desired.tags[key] === undefined) ops.push({ op: "untag", key, value });
      }
    }
    for (const [key, value] of Object.entries(desired.tags)) {
      const theirs = actual.tags[key];
      if (theirs === undefined) ops.push({ op: "tag", key, value });
      else if (theirs !== value) ops.push({ op: "tag", key, value, from: theirs });
    }
  }
  if (desired.enabled !== undefined && actual.enabled !== null && desired.enabled !== actual.enabled) {
    ops.push({ op: desired.enabled ? "enable" : "disable" });
  }
  if (desired.aliases !== undefined && actual.aliases !== null) {
    const theirs = actual.aliases;
    for (const name of desired.aliases) {
      if (theirs.includes(name)) continue;
      const owner = actual.aliasTargets?.[name];
      if (owner === undefined) ops.push({ op: "alias", name });
      else if (options.forceAliases === true) ops.push({ op: "realias", name, from: owner });
    }
    if (options.pruneAliases) {
      for (const name of theirs) if (!desired.aliases.includes(name)) ops.push({ op: "unalias", name });
    }
  }
  return ops;
}

/**
 * A replica just made by ReplicateKey with the desired tags, description and policy: what KMS
 * documents it has (no aliases, enabled). The diff against it is what ReplicateKey cannot do.
 */
export function freshReplica(desired: Desired): Readable {
  return {
    tags: desired.tags ?? {},
    description: desired.description ?? "",
    policy: desired.policy?.text ?? null,
    aliases: [],
    enabled: true,
  };
}

/**
 * A field in which a replica differs from its primary (KMS does not keep these in sync), with both
 * values. A field is compared only when both sides could read it.
 */
export type Drift = DescriptionDrift | TagsDrift | AliasesDrift | PolicyDrift;
export type DriftField = Drift["field"];

interface DriftBase {
  /** Human-readable: what differs. */
  readonly detail: string;
}

/** The replica's description differs from the primary's (a missing one counts as empty). */
export interface DescriptionDrift extends DriftBase {
  readonly field: "description";
  /** The primary's description; null: none. */
  readonly primary: string | null;
  /** The replica's description; null: none. */
  readonly replica: string | null;
}

/** A tag is missing, extra or has another value on the replica. */
export interface TagsDrift extends DriftBase {
  readonly field: "tags";
  /** The primary's tags, key → value. */
  readonly primary: Readonly<Record<string, string>>;
  /** The replica's tags, key → value. */
  readonly replica: Readonly<Record<string, string>>;
}

/** An alias of the primary is missing in the replica's Region, or the replica has one more. */
export interface AliasesDrift extends DriftBase {
  readonly field: "aliases";
  /** The primary's alias names. */
  readonly primary: readonly string[];
  /** The replica's alias names. */
  readonly replica: readonly string[];
}

/** The key policies differ (compared as JSON, not as text). */
export interface PolicyDrift extends DriftBase {
  readonly field: "policy";
  /** The primary's key policy document (a JSON string). */
  readonly primary: string;
  /** The replica's key policy document (a JSON string). */
  readonly replica: string;
}

/**
 * How a replica differs from its primary in what KMS does not keep in sync: the diff against the
 * primary's whole state (extra tags and aliases included), one Drift per field. Each field is
 * compared when both sides could read it; an unknown field is no drift, and no match.
 */
export function driftOf(primary: KeyView, replica: KeyView): Drift[] {
  if (primary.error !== null || replica.error !== null) return [];
  const ops = diff(
    desiredFromPrimary(primary),
    { ...replica, description: replica.description ?? "" },
    {
      pruneTags: true,
      pruneAliases: true,
    },
  );
  const drifts: Drift[] = [];
  const description = ops.find((o) => o.op === "description");
  if (description !== undefined) {
    drifts.push({
      field: "description",
      detail: `description "${description.from}" ≠ primary's "${description.to}"`,
      primary: primary.description,
      replica: replica.description,
    });
  }
  // What the replica lacks or has otherwise first, then its extras (the diff removes extras first).
  const tagParts = [
    ...ops.flatMap((o) =>
      o.op !== "tag"
        ? []
        : [
            o.from === undefined
              ? `missing ${o.key}=${o.value}`
              : `${o.key}=${o.from} ≠ primary's ${o.key}=${o.value}`,
          ],
    ),
    ...ops.flatMap((o) => (o.op === "untag" ? [`extra ${o.key}=${o.value}`] : [])),
  ];
  if (tagParts.length > 0 && primary.tags !== null && replica.tags !== null) {
    drifts.push({
      field: "tags",
      detail: `tags: ${tagParts.join("; ")}`,
      primary: primary.tags,
      replica: replica.tags,
    });
  }
  const missing = ops.flatMap((o) => (o.op === "alias" ? [o.name] : []));
  const extra = ops.flatMap((o) => (o.op === "unalias" ? [o.name] : []));
  if ((missing.length > 0 || extra.length > 0) && primary.aliases !== null && replica.aliases !== null) {
    const parts = [
      ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
      ...(extra.length > 0 ? [`extra ${extra.join(", ")}`] : []),
    ];
    drifts.push({
      field: "aliases",
      detail: `aliases: ${parts.join("; ")}`,
      primary: primary.aliases,
      replica: replica.aliases,
    });
  }
  if (ops.some((o) => o.op === "policy") && primary.policy !== null && replica.policy !== null) {
    drifts.push({
      field: "policy",
      detail: "key policy differs from the primary's",
      primary: primary.policy,
      replica: replica.policy,
    });
  }
  return drifts;
}

/**
 * How two key policies differ, for a person: the statements that differ (matched by Sid, else by
 * content: a changed statement counts once, an added or removed one once) and the other top-level
 * fields that differ (Version, Id). undefined: one of them is not a JSON object.
 */
export function policyDifference(
  from: string,
  to: string,
): { readonly statements: number; readonly fields: readonly string[] } | undefined {
  const a = parseObject(from);
  const b = parseObject(to);
  if (a === undefined || b === undefined) return undefined;
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => k !== "Statement" && canonicalValue(a[k]) !== canonicalValue(b[k]))
    .sort();
  const before = statementsOf(a);
  const after = statementsOf(b);
  let statements = 0;
  const sidOf = (s: unknown): string | undefined =>
    typeof s === "object" && s !== null && typeof (s as { Sid?: unknown }).Sid === "string"
      ? (s as { Sid: string }).Sid
      : undefined;
  const bySid = (list: unknown[]): Map<string, string> =>
    new Map(list.flatMap((s) => (sidOf(s) !== undefined ? [[sidOf(s) ?? "", canonicalValue(s)]] : [])));
  const beforeSid = bySid(before);
  const afterSid = bySid(after);
  for (const sid of new Set([...beforeSid.keys(), ...afterSid.keys()])) {
    if (beforeSid.get(sid) !== afterSid.get(sid)) statements += 1;
  }
  const anonymous = (list: unknown[]): string[] =>
    list.filter((s) => sidOf(s) === undefined).map(canonicalValue);
  const beforeAnon = anonymous(before);
  const afterAnon = anonymous(after);
  const unmatched = (x: string[], y: string[]): number => {
    const rest = [...y];
    let n = 0;
    for (const s of x) {
      const i = rest.indexOf(s);
      if (i === -1) n += 1;
      else rest.splice(i, 1);
    }
    return n;
  };
  statements += Math.max(unmatched(beforeAnon, afterAnon), unmatched(afterAnon, beforeAnon));
  return { statements, fields };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A policy's statements: KMS accepts one statement object as well as a list. */
function statementsOf(policy: Record<string, unknown>): unknown[] {
  const statement = policy.Statement;
  if (statement === undefined) return [];
  return Array.isArray(statement) ? statement : [statement];
}

function canonicalValue(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(sortKeys(value));
}

/** Policies compare as JSON documents: white space and key order do not count. */
export function samePolicy(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text) as unknown));
  } catch {
    return text.trim();
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
