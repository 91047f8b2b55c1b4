// The rules of leaving Regions and ending a family, checked before any change (a refusal is a usage
// error, exit 2, naming what to do instead): which keys `retire` takes out and whether the primary
// moves first, which Regions `cancel-deletion` works on, and the earliest date a family scheduled
// for deletion can be gone. Pure: the family as DescribeKey of its primary lists it.
import { usageError } from "./errors.js";
import type { PrimaryKey } from "./events.js";
import type { MemberTarget } from "./steps/deletion.js";

const DAY_MS = 86_400_000;

/** The family as the primary lists it: its Region and ARN, and every replica. */
export type Family = Pick<PrimaryKey, "keyId" | "region" | "arn" | "replicas">;

/** What `retire` does to one family. */
export interface Retirement {
  /** The Region whose replica becomes the primary first (the primary's Region is retired); else undefined. */
  readonly promoteTo?: string;
  /** The keys taken out, in the order named (the old primary's Region included, as a replica by then). */
  readonly retired: readonly MemberTarget[];
  /** The Regions that stay. */
  readonly staying: readonly string[];
}

const regionsOf = (family: Family): string[] => [family.region, ...family.replicas.map((r) => r.region)];

const memberIn = (family: Family, region: string): MemberTarget | undefined =>
  region === family.region ? { region, arn: family.arn } : family.replicas.find((r) => r.region === region);

/** Why `retire` refuses this family; undefined: it may go on. */
export function retireProblem(
  family: Family,
  regions: readonly string[],
  to: string | undefined,
): { readonly message: string; readonly hint: string } | undefined {
  const all = regionsOf(family);
  const missing = regions.filter((r) => !all.includes(r));
  if (missing.length > 0) {
    return {
      message: `${family.keyId} has no key in ${missing.join(", ")}.`,
      hint: `Its keys are in ${all.join(", ")} (the primary in ${family.region}).`,
    };
  }
  const staying = all.filter((r) => !regions.includes(r));
  if (staying.length === 0) {
    return {
      message: `${regions.join(", ")} ${regions.length === 1 ? "is" : "are"} every Region of ${family.keyId}: retiring them all deletes the family.`,
      hint: `To delete the whole family, run: kms-replicate delete-family --key ${family.arn}`,
    };
  }
  if (!regions.includes(family.region)) return undefined;
  if (to === undefined) {
    return {
      message: `${family.region} holds the primary of ${family.keyId}: another Region must become the primary first.`,
      hint: `Name it with --to (one of ${staying.join(", ")}); retire promotes it, then retires ${family.region}.`,
    };
  }
  if (regions.includes(to)) {
    return {
      message: `--to ${to} is one of the Regions retired.`,
      hint: `Name a Region that stays: ${staying.join(", ")}.`,
    };
  }
  if (!all.includes(to)) {
    return {
      message: `${family.keyId} has no replica in ${to} (--to) to become its primary.`,
      hint: `Name a Region that stays: ${staying.join(", ")}, or replicate into ${to} first.`,
    };
  }
  return undefined;
}

/** The retirement of one family; a refusal throws (exit 2, nothing changed). */
export function planRetirement(
  family: Family,
  regions: readonly string[],
  to: string | undefined,
): Retirement {
  const problem = retireProblem(family, regions, to);
  if (problem !== undefined) throw usageError(`${problem.message} Nothing was changed.`, problem.hint);
  const retired = regions.flatMap((r) => {
    const member = memberIn(family, r);
    return member === undefined ? [] : [member];
  });
  return {
    ...(regions.includes(family.region) ? { promoteTo: to } : {}),
    retired,
    staying: regionsOf(family).filter((r) => !regions.includes(r)),
  };
}

/** Every key of a fleet checked: one usage error naming each family `retire` refuses. */
export function checkRetireFleet(
  keys: readonly { readonly given: string; readonly primary: Family }[],
  regions: readonly string[],
  to: string | undefined,
): void {
  const problems = keys.flatMap(({ given, primary }) => {
    const problem = retireProblem(primary, regions, to);
    return problem === undefined ? [] : [`  ${given}: ${problem.message} ${problem.hint}`];
  });
  if (problems.length === 0) return;
  throw usageError(
    `${problems.length === 1 ? "1 key" : `${problems.length} keys`} cannot be retired from ${regions.join(", ")}; nothing was changed:\n${problems.join("\n")}`,
    "Leave them out of the selection, or fix what each line says.",
  );
}

/** The keys `cancel-deletion` works on: the named Regions (each must hold a key), else every key. */
export function cancelTargets(family: Family, regions: readonly string[]): readonly MemberTarget[] {
  if (regions.length === 0) return [{ region: family.region, arn: family.arn }, ...family.replicas];
  const all = regionsOf(family);
  const missing = regions.filter((r) => !all.includes(r));
  if (missing.length > 0) {
    throw usageError(
      `${family.keyId} has no key in ${missing.join(", ")}; nothing was changed.`,
      `Its keys are in ${all.join(", ")}.`,
    );
  }
  return regions.flatMap((r) => {
    const member = memberIn(family, r);
    return member === undefined ? [] : [member];
  });
}

/**
 * The earliest moment the whole family can be gone: its primary's window (days) after its last
 * replica is deleted (now, when it has none left); undefined when a date is not known.
 */
export function familyGoneAt(
  replicaDates: readonly (string | undefined)[],
  primary: { readonly deletionDate?: string; readonly pendingWindowInDays?: number },
  now: Date,
): string | undefined {
  if (primary.deletionDate !== undefined) return primary.deletionDate;
  if (primary.pendingWindowInDays === undefined) return undefined;
  if (replicaDates.some((d) => d === undefined)) return undefined;
  const last = Math.max(now.getTime(), ...replicaDates.map((d) => Date.parse(d ?? "")));
  return new Date(last + primary.pendingWindowInDays * DAY_MS).toISOString();
}
