// `promote`'s rules: the target Region, the family as UpdatePrimaryRegion sees it (every key's role
// and state), the checks before the call, the settle condition after it, and whether the new
// primary's key policy still lets anyone create replicas. Reading is one function; the rest is pure.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { describeError, usageError, type ErrorReport, type ReplicateError } from "./errors.js";
import { findPrimary } from "./family.js";
import type { KeyRef } from "./keys.js";
import type { KmsPort } from "../aws/kms.js";
import {
  nearKnownRegions,
  partitionOf,
  partitionProblem,
  REGION_MAX_LENGTH,
  REGION_PATTERN,
  unknownRegionVerdict,
  type PrimaryPlace,
  type UnknownRegionRule,
} from "./regions.js";

/** One key of the family as last read in its own Region. */
export interface Member {
  readonly region: string;
  readonly arn: string;
  /** MultiRegionKeyType as this key reports it; null: not read. */
  readonly role: "PRIMARY" | "REPLICA" | null;
  /** KMS's KeyState; null: not read. */
  readonly keyState: string | null;
  /** The primary's Region as this key's MultiRegionConfiguration names it; null: not read. */
  readonly primaryRegion: string | null;
  /** Why it could not be read (DescribeKey in its Region). */
  readonly error?: ErrorReport;
}

/** The family as read now: its primary and every replica, each in its own Region. */
export interface Promotion {
  readonly keyId: string;
  readonly primary: Member;
  /** Every replica the primary lists, in Region order. */
  readonly replicas: readonly Member[];
}

export function memberOf(metadata: KeyMetadata, region: string, arn: string): Member {
  const config = metadata.MultiRegionConfiguration;
  const type = config?.MultiRegionKeyType;
  return {
    region,
    arn: metadata.Arn ?? arn,
    role: type === "PRIMARY" || type === "REPLICA" ? type : null,
    keyState: metadata.KeyState ?? null,
    primaryRegion: config?.PrimaryKey?.Region ?? null,
  };
}

/** The key in `region`, or undefined when the family has none there. */
export function memberIn(promotion: Promotion, region: string): Member | undefined {
  return [promotion.primary, ...promotion.replicas].find((m) => m.region === region);
}

/**
 * The family of `key` (any member: primary or replica), every key described in its own Region in
 * parallel. DescribeKey of the named key or the primary failing ends the run; a replica that
 * cannot be read is a Member with its error.
 */
export async function readPromotion(
  kms: KmsPort,
  key: KeyRef,
  region: string,
  signal?: AbortSignal,
): Promise<Promotion> {
  const found = await findPrimary(kms, key, region, signal);
  const primary = memberOf(found.metadata, found.region, key.value);
  const listed = found.metadata.MultiRegionConfiguration?.ReplicaKeys ?? [];
  const replicas = await Promise.all(
    listed.flatMap((r) =>
      r.Region === undefined || r.Arn === undefined ? [] : [readMember(kms, r.Region, r.Arn, signal)],
    ),
  );
  return {
    keyId: found.metadata.KeyId ?? key.value,
    primary,
    replicas: replicas.sort((a, b) => a.region.localeCompare(b.region)),
  };
}

export async function readMember(
  kms: KmsPort,
  region: string,
  arn: string,
  signal?: AbortSignal,
): Promise<Member> {
  try {
    return memberOf(await kms.describeKey(region, arn, signal), region, arn);
  } catch (error) {
    if (signal?.aborted === true) throw error;
    return {
      region,
      arn,
      role: null,
      keyState: null,
      primaryRegion: null,
      error: describeError(error, { operation: "DescribeKey", region, keyId: arn }),
    };
  }
}

/**
 * `--to`, before any call: a Region ID (with the Region meant, for a typo), in the key's partition
 * when it is known, and a Region the SDK lists, as every Region is checked (src/core/regions.ts: a typo
 * of a known Region is refused, another unknown Region is a warning, by `unknown`).
 */
export function checkPromoteTarget(
  to: string,
  place: PrimaryPlace,
  unknown: UnknownRegionRule,
): { warning?: string } {
  if (to.length > REGION_MAX_LENGTH || !REGION_PATTERN.test(to)) {
    const lower = to.toLowerCase();
    const near =
      REGION_PATTERN.test(lower) && partitionOf(lower).known ? [lower] : nearKnownRegions(lower).regions;
    throw usageError(
      `--to ${to} is not a Region ID (expected lower-case words and a number, like eu-west-1).`,
      near.length > 0 ? `Did you mean ${near.join(" or ")}?` : undefined,
    );
  }
  const problem = place.partition === undefined ? undefined : partitionProblem(to, place.partition);
  if (problem !== undefined) {
    throw usageError(`--to ${to} is ${problem}; a family's keys all stay in one partition.`);
  }
  const verdict = unknownRegionVerdict(to, unknown);
  if (verdict.reason !== undefined) throw usageError(`--to ${to} is ${verdict.reason}`);
  return verdict.warning !== undefined ? { warning: verdict.warning } : {};
}

/** States a key passes through on its own: promote waits for them to end. */
const PASSING = new Set(["Creating", "Updating"]);

/**
 * What the checks say about promoting `to` now:
 * - `already`: `to` is the primary's Region; `waitFor` the keys still Updating (a promotion that
 *   was accepted and has not settled: wait, send nothing);
 * - `wait`: a key is Creating or Updating (a new replica, another promotion): wait, then check again;
 * - `ready`: send UpdatePrimaryRegion.
 * Anything that cannot be promoted is thrown as a usage error (exit 2), every reason at once.
 */
export type Verdict =
  | { readonly kind: "already"; readonly waitFor: readonly Member[] }
  | { readonly kind: "wait"; readonly waitFor: readonly Member[] }
  | { readonly kind: "ready"; readonly target: Member };

export function checkPromotion(promotion: Promotion, to: string): Verdict {
  const { primary, keyId } = promotion;
  if (primary.region === to) {
    const all = [primary, ...promotion.replicas];
    return { kind: "already", waitFor: all.filter((m) => m.keyState === "Updating") };
  }
  const target = memberIn(promotion, to);
  if (target === undefined) {
    const regions = promotion.replicas.map((r) => r.region);
    throw usageError(
      `${keyId} has no replica in ${to}, so ${to} cannot become its primary; nothing was changed.`,
      `Its primary is in ${primary.region}${regions.length > 0 ? `, its replicas in ${regions.join(", ")}` : " and it has no replica yet"}. Create one first: kms-replicate --key ${primary.arn} --regions ${to}`,
    );
  }
  if (target.error !== undefined) {
    throw readError(target);
  }
  const problems = [refusal(primary, "primary"), refusal(target, "target")].filter(
    (p): p is { message: string; hint: string } => p !== undefined,
  );
  if (problems.length > 0) {
    throw usageError(
      `${problems.map((p) => p.message).join(" ")} Both keys must be Enabled; nothing was changed.`,
      problems.map((p) => p.hint).join(" "),
    );
  }
  const waitFor = [primary, target].filter((m) => PASSING.has(m.keyState ?? ""));
  return waitFor.length > 0 ? { kind: "wait", waitFor } : { kind: "ready", target };
}

function readError(member: Member): ReplicateError {
  const error = member.error;
  return usageError(
    `The key in ${member.region} could not be read (DescribeKey): ${error?.name ?? "Error"}: ${error?.message ?? ""}; nothing was changed.`,
    error?.hint,
  );
}

/** Why a key cannot take part in UpdatePrimaryRegion, and what to do; undefined: it can (or soon will). */
export function refusal(
  member: Member,
  as: "primary" | "target",
): { readonly message: string; readonly hint: string } | undefined {
  const state = member.keyState ?? "in an unknown state";
  if (member.keyState === "Enabled" || PASSING.has(member.keyState ?? "")) return undefined;
  const which =
    as === "primary" ? `The current primary in ${member.region}` : `The replica in ${member.region}`;
  const message = `${which} is ${state}.`;
  const at = `--key-id ${member.arn} --region ${member.region}`;
  switch (member.keyState) {
    case "Disabled":
      return { message, hint: `Enable it (aws kms enable-key ${at}) and re-run promote.` };
    case "PendingDeletion":
      return {
        message,
        hint: `It is scheduled for deletion. Cancel it (kms-replicate cancel-deletion --key ${member.arn} --regions ${member.region}: it enables the key again) and re-run promote${as === "target" ? ", or promote another Region" : ""}.`,
      };
    case "PendingReplicaDeletion":
      return {
        message,
        hint: `It is scheduled for deletion with replicas left: cancel it (kms-replicate cancel-deletion --key ${member.arn}) and re-run promote.`,
      };
    case "PendingImport":
      return {
        message: `${message} It has no key material yet.`,
        hint: `Import the family's key material into it (aws kms get-parameters-for-import and import-key-material ${at}), then re-run promote.`,
      };
    default:
      return { message, hint: "Check it with 'kms-replicate status'; re-run promote once it is Enabled." };
  }
}

/**
 * After UpdatePrimaryRegion: the family has settled when the target reports itself PRIMARY with
 * PrimaryKey.Region = the target, and neither it nor the other keys watched (the old primary) is
 * Updating any more (nor unread).
 */
export function isSettled(target: Member, others: readonly Member[], to: string): boolean {
  const left = (m: Member): boolean => m.keyState !== null && m.keyState !== "Updating";
  return target.role === "PRIMARY" && target.primaryRegion === to && left(target) && others.every(left);
}

/** The target has become the primary (accepted, perhaps not settled): a retry would be refused. */
export function targetIsPrimary(promotion: Promotion, to: string): boolean {
  return promotion.primary.region === to;
}

/** KMS's answer to UpdatePrimaryRegion when KeyId is not (or, just after a promotion, not yet) the primary. */
export function isNotPrimaryAnswer(name: string | undefined, message: string): boolean {
  return name === "UnsupportedOperationException" && /not a multi-Region primary key/i.test(message);
}

// ---- the new primary's key policy ----

/** `kms:Replicate*` → a RegExp; IAM matches actions case-insensitively, `*` and `?` as wildcards. */
function actionPattern(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function matchesAction(statement: Record<string, unknown>, action: string): boolean {
  if (statement.Action !== undefined) {
    return asList(statement.Action).some((a) => typeof a === "string" && actionPattern(a).test(action));
  }
  if (statement.NotAction !== undefined) {
    return !asList(statement.NotAction).some((a) => typeof a === "string" && actionPattern(a).test(action));
  }
  return false;
}

/** The principal is anyone (`*`), the account (ID or root), or an IAM principal of the account. */
function coversAccount(statement: Record<string, unknown>, account: string): boolean {
  const principal = statement.Principal;
  if (principal === "*") return true;
  if (typeof principal !== "object" || principal === null) return false;
  const aws = asList((principal as Record<string, unknown>).AWS);
  return aws.some(
    (p) =>
      typeof p === "string" &&
      (p === "*" || p === account || new RegExp(`^arn:[^:]+:(iam|sts)::${account}:`).test(p)),
  );
}

export type PolicyVerdict =
  | { readonly kind: "allows" }
  | { readonly kind: "refuses"; readonly reason: string }
  | { readonly kind: "unreadable"; readonly reason: string };

/**
 * Does the key policy allow kms:ReplicateKey for the key's account? An Allow statement whose Action
 * (or NotAction) covers kms:ReplicateKey (kms:ReplicateKey, kms:Replicate*, kms:*, *) for the
 * account or a principal of it counts, unless an unconditional Deny covers it too. Conditions of
 * Allow statements are not evaluated (they may hold): the warning is for policies that cannot allow
 * it. IAM policies may grant it as well when the key policy delegates to IAM (root principal).
 */
export function policyAllowsReplicateKey(policy: string, account: string): PolicyVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch (error) {
    return { kind: "unreadable", reason: `it is not valid JSON (${(error as Error).message})` };
  }
  if (typeof parsed !== "object" || parsed === null)
    return { kind: "unreadable", reason: "it is not a JSON object" };
  const statements = asList((parsed as Record<string, unknown>).Statement).filter(
    (s): s is Record<string, unknown> => typeof s === "object" && s !== null,
  );
  const covers = (s: Record<string, unknown>): boolean =>
    matchesAction(s, "kms:ReplicateKey") && coversAccount(s, account);
  const denied = statements.some((s) => s.Effect === "Deny" && s.Condition === undefined && covers(s));
  if (denied) return { kind: "refuses", reason: "a Deny statement covers kms:ReplicateKey" };
  if (statements.some((s) => s.Effect === "Allow" && covers(s))) return { kind: "allows" };
  return {
    kind: "refuses",
    reason: `no statement allows kms:ReplicateKey (or kms:*) for account ${account}`,
  };
}

/** The account of a key ARN (`arn:aws:kms:REGION:ACCOUNT:key/…`). */
export function accountOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:kms:[^:]*:(\d{12}):/.exec(arn)?.[1];
}
