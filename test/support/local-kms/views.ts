// What the endpoint shows a test of its state: the keys of a Region (KeyView) and the
// ThrottlingException answers of its call log, per account, Region and operation.
import { deleteDueKeys } from "./deletion.js";
import { stateOf, type KeyState, type Store } from "./store.js";

export interface KeyView {
  readonly keyId: string;
  readonly arn: string;
  readonly region: string;
  readonly role?: "PRIMARY" | "REPLICA";
  readonly state: KeyState;
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly policy: string;
  readonly aliases: string[];
  readonly createdAt: number;
  /** Epoch ms when it left (or will leave) Creating; undefined for keys never Creating. */
  readonly settledAt?: number;
  /** Epoch ms when it leaves (or left) Updating after UpdatePrimaryRegion. */
  readonly updatingUntil?: number;
  /** PendingDeletion: epoch ms when it is gone. */
  readonly deletionDate?: number;
  /** PendingDeletion or PendingReplicaDeletion: the window ScheduleKeyDeletion was given. */
  readonly pendingWindowInDays?: number;
}

/** ThrottlingException answers per (account, Region, operation) of the request. */
export interface ThrottleCount {
  /** The account of the request's credentials ("-" when it had none the endpoint could read). */
  readonly account: string;
  readonly region: string;
  readonly operation: string;
  /** All ThrottlingException answers: quota + fault. */
  readonly count: number;
  readonly quota: number;
  readonly fault: number;
}

/** The keys of `region` in `store` at `now`. */
export function keyViews(store: Store, region: string, now: number): KeyView[] {
  const regionStore = store.region(region);
  deleteDueKeys(store, now);
  const aliasesOf = new Map<string, string[]>();
  for (const alias of regionStore.aliases.values()) {
    const names = aliasesOf.get(alias.targetKeyId);
    if (names === undefined) aliasesOf.set(alias.targetKeyId, [alias.name]);
    else names.push(alias.name);
  }
  return [...regionStore.keys.values()].map((key) => ({
    keyId: key.keyId,
    arn: key.arn,
    region: key.region,
    role: key.role,
    state: stateOf(key, now),
    description: key.description,
    tags: Object.fromEntries(key.tags),
    policy: key.policy,
    aliases: aliasesOf.get(key.keyId) ?? [],
    createdAt: key.createdAt,
    settledAt: key.creatingUntil,
    ...(key.updatingUntil !== undefined ? { updatingUntil: key.updatingUntil } : {}),
    ...(key.deletionDate !== undefined ? { deletionDate: key.deletionDate } : {}),
    ...(key.pendingWindowInDays !== undefined ? { pendingWindowInDays: key.pendingWindowInDays } : {}),
  }));
}

interface Throttled {
  readonly account?: string;
  readonly region: string;
  readonly operation: string;
  readonly errorType?: string;
  readonly throttledBy?: "quota" | "fault";
}

/** The ThrottlingException answers of a call log, counted per account, Region and operation. */
export function throttleCounts(log: readonly Throttled[]): ThrottleCount[] {
  const counts = new Map<
    string,
    { account: string; region: string; operation: string; quota: number; fault: number }
  >();
  for (const call of log) {
    if (call.errorType !== "ThrottlingException") continue;
    const account = call.account ?? "-";
    const id = `${account} ${call.region} ${call.operation}`;
    const count = counts.get(id) ?? {
      account,
      region: call.region,
      operation: call.operation,
      quota: 0,
      fault: 0,
    };
    if (call.throttledBy === "quota") count.quota += 1;
    else count.fault += 1;
    counts.set(id, count);
  }
  return [...counts.values()].map((c) => ({ ...c, count: c.quota + c.fault }));
}
