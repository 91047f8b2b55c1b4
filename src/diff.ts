// The one structured diff between a desired state (src/desired.ts) and a key as read (src/family.ts):
// a list of operations, each one KMS call's worth of change, never display strings. `status`
// shows them as drift, `replicate` applies them to new replicas; pure.
import { desiredFromPrimary, type Desired } from "./desired.js";
import type { KeyView } from "./family.js";

export type Operation =
  /** TagResource: a missing tag, or one whose value differs (`from`: the replica's value). */
  | { readonly op: "tag"; readonly key: string; readonly value: string; readonly from?: string }
  /** UntagResource: a tag the replica has and the desired state does not (only when pruning). */
  | { readonly op: "untag"; readonly key: string; readonly value: string }
  /** UpdateKeyDescription. */
  | { readonly op: "description"; readonly from: string; readonly to: string }
  /** PutKeyPolicy (`source`: where the desired policy came from). */
  | { readonly op: "policy"; readonly from: string; readonly to: string; readonly source: string }
  /** CreateAlias: a desired alias missing in the replica's Region. */
  | { readonly op: "alias"; readonly name: string }
  /** DeleteAlias: an alias on the replica that the desired state lacks (only when pruning). */
  | { readonly op: "unalias"; readonly name: string }
  /** EnableKey / DisableKey. */
  | { readonly op: "enable" }
  | { readonly op: "disable" };

export interface DiffOptions {
  /** Extra tags become `untag` operations (else they are kept, and not reported as operations). */
  readonly pruneTags: boolean;
  /** Extra aliases become `unalias` operations. */
  readonly pruneAliases: boolean;
}

/** The key's properties as far as they are known (null: unknown, never compared). */
export type Readable = Pick<KeyView, "tags" | "description" | "policy" | "aliases" | "enabled">;

/**
 * Operations that bring `actual` to `desired`, in the order they are best applied (policy first,
 * so that a new policy that grants tagging is in force; aliases last). A field not managed by
 * `desired`, or unknown in `actual`, yields nothing.
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
    for (const [key, value] of Object.entries(desired.tags)) {
      const theirs = actual.tags[key];
      if (theirs === undefined) ops.push({ op: "tag", key, value });
      else if (theirs !== value) ops.push({ op: "tag", key, value, from: theirs });
    }
    if (options.pruneTags) {
      for (const [key, value] of Object.entries(actual.tags)) {
        if (desired.tags[key] === undefined) ops.push({ op: "untag", key, value });
      }
    }
  }
  if (desired.enabled !== undefined && actual.enabled !== null && desired.enabled !== actual.enabled) {
    ops.push({ op: desired.enabled ? "enable" : "disable" });
  }
  if (desired.aliases !== undefined && actual.aliases !== null) {
    const theirs = actual.aliases;
    for (const name of desired.aliases) if (!theirs.includes(name)) ops.push({ op: "alias", name });
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
  const tagParts = ops.flatMap((o) => {
    if (o.op === "tag") {
      return [
        o.from === undefined
          ? `missing ${o.key}=${o.value}`
          : `${o.key}=${o.from} ≠ primary's ${o.key}=${o.value}`,
      ];
    }
    return o.op === "untag" ? [`extra ${o.key}=${o.value}`] : [];
  });
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
