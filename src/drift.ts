// One view of a key family, pure: each key as seen in its own Region, and how replicas differ
// from their primary in what KMS does not keep in sync (description, tags, aliases, policy).
import type { ErrorReport } from "./errors.js";
import { isUsableState } from "./events.js";

/** The fields read with their own call after DescribeKey; each can fail on its own. */
export const READ_FIELDS = ["tags", "aliases", "policy"] as const;
export type ReadField = (typeof READ_FIELDS)[number];

/** One key of the family as read in its own Region. */
export interface KeyView {
  /** The Region the key is in (and was read in). */
  readonly region: string;
  /** PRIMARY (the multi-Region primary key) or REPLICA. */
  readonly role: "PRIMARY" | "REPLICA";
  /** The key's ARN in its Region. */
  readonly arn: string;
  /** KMS's raw KeyState (Enabled, Creating, PendingDeletion, …); null: the key could not be read. */
  readonly keyState: string | null;
  /** null: the key could not be read. */
  readonly enabled: boolean | null;
  /** null: none, or the key could not be read. */
  readonly description: string | null;
  /** Tag key → value; null: not known (the key or this field could not be read), not empty. */
  readonly tags: Readonly<Record<string, string>> | null;
  /** Alias names (alias/NAME) in the key's Region; null: not known. */
  readonly aliases: readonly string[] | null;
  /** The key policy document as KMS returned it (a JSON string); null: not known. */
  readonly policy: string | null;
  /** Set when the key could not be read in its Region (DescribeKey): nothing about it is known. */
  readonly error: ErrorReport | null;
  /** Per field: why it could not be read (null: read, or the key as a whole failed). */
  readonly fieldErrors: Readonly<Record<ReadField, ErrorReport | null>>;
}

export const NO_FIELD_ERRORS: KeyView["fieldErrors"] = { tags: null, aliases: null, policy: null };

/** The fields of a readable key that could not be read. */
export function unreadFields(view: KeyView): ReadField[] {
  return READ_FIELDS.filter((field) => view.fieldErrors[field] !== null);
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

/** Usable as `replicate` and `wait` count it (one definition: events.ts isUsableState). */
export function isUsableKey(view: KeyView): boolean {
  return view.error === null && isUsableState(view.keyState);
}

/** Each field is compared when both sides could read it; an unknown field is no drift, and no match. */
export function driftOf(primary: KeyView, replica: KeyView): Drift[] {
  if (primary.error !== null || replica.error !== null) return [];
  const drifts: Drift[] = [];
  if ((primary.description ?? "") !== (replica.description ?? "")) {
    drifts.push({
      field: "description",
      detail: `description "${replica.description ?? ""}" ≠ primary's "${primary.description ?? ""}"`,
      primary: primary.description,
      replica: replica.description,
    });
  }
  if (primary.tags !== null && replica.tags !== null) {
    const tagDiff = diffTags(primary.tags, replica.tags);
    if (tagDiff.length > 0) {
      drifts.push({
        field: "tags",
        detail: `tags: ${tagDiff.join("; ")}`,
        primary: primary.tags,
        replica: replica.tags,
      });
    }
  }
  if (primary.aliases !== null && replica.aliases !== null) {
    const [mine, theirs] = [primary.aliases, replica.aliases];
    const missing = mine.filter((a) => !theirs.includes(a));
    const extra = theirs.filter((a) => !mine.includes(a));
    if (missing.length > 0 || extra.length > 0) {
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
  }
  if (primary.policy !== null && replica.policy !== null && !samePolicy(primary.policy, replica.policy)) {
    drifts.push({
      field: "policy",
      detail: "key policy differs from the primary's",
      primary: primary.policy,
      replica: replica.policy,
    });
  }
  return drifts;
}

function diffTags(
  primary: Readonly<Record<string, string>>,
  replica: Readonly<Record<string, string>>,
): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(primary)) {
    const theirs = replica[key];
    if (theirs === undefined) out.push(`missing ${key}=${value}`);
    else if (theirs !== value) out.push(`${key}=${theirs} ≠ primary's ${key}=${value}`);
  }
  for (const [key, value] of Object.entries(replica)) {
    if (primary[key] === undefined) out.push(`extra ${key}=${value}`);
  }
  return out;
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
