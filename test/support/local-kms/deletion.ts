// Deleting keys as KMS does it (shared/kms-lifecycle.md "Deleting"; the API reference of
// ScheduleKeyDeletion, CancelKeyDeletion and KeyMetadata). ScheduleKeyDeletion takes a window of
// 7–30 days (default 30). A replica, a single-Region key and a primary without replicas go
// PendingDeletion with a DeletionDate; a multi-Region primary that still has replicas goes
// PendingReplicaDeletion, with no date and only its PendingDeletionWindowInDays, and its window
// starts when its last replica is gone. Until its date passes a key stays where it is (so ReplicateKey
// into its Region answers AlreadyExistsException); then it is gone from its Region and its family,
// and its aliases with it. CancelKeyDeletion leaves the key Disabled.
//
// Time passes by the endpoint's clock and no timer runs: each request first removes the keys whose
// date has passed (deleteDueKeys), in date order, so a primary's window starts at the date its last
// replica went, whenever the endpoint notices. `dayMs` is how long a "day" is (tests make it short).
import { fault } from "./errors.js";
import { required } from "./input.js";
import { isPendingDeletion, stateOf, type KeyRecord, type Store } from "./store.js";

/** A day, as KMS counts the window; the default of the endpoint's `dayMs`. */
export const DAY_MS = 86_400_000;
const DEFAULT_WINDOW_DAYS = 30;

/** What these handlers need of the operation context (operations.ts's OperationContext). */
interface DeletionContext {
  readonly region: string;
  readonly store: Store;
  readonly now: number;
  /** How long a day of a deletion window is, in ms. */
  readonly dayMs: number;
}

type Body = Record<string, unknown>;
type Handler = (ctx: DeletionContext, body: Body) => unknown;

const epochSeconds = (ms: number): number => ms / 1000;

/** PendingWindowInDays: an integer 7–30, 30 when absent. */
function windowOf(body: Body): number {
  const days = body.PendingWindowInDays ?? DEFAULT_WINDOW_DAYS;
  if (typeof days !== "number" || !Number.isInteger(days) || days < 7 || days > 30) {
    throw fault.validation(
      `1 validation error detected: Value '${JSON.stringify(days)}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30`,
    );
  }
  return days;
}

/** A multi-Region primary with at least one replica (in any state, pending deletion included). */
function hasReplicas(store: Store, key: KeyRecord): boolean {
  return key.role === "PRIMARY" && store.family(key.keyId).some((k) => k.role === "REPLICA");
}

/** The key's window starts at `from`: PendingDeletion until its DeletionDate. */
function startWindow(store: Store, key: KeyRecord, from: number): void {
  key.setState = "PendingDeletion";
  key.deletionDate = from + (key.pendingWindowMs ?? DEFAULT_WINDOW_DAYS * DAY_MS);
  store.scheduled.add(key);
}

/**
 * ScheduleKeyDeletion: refused (KMSInvalidStateException) while the key is Creating, Updating or
 * already pending deletion; a Disabled or PendingImport key may be scheduled.
 */
const scheduleKeyDeletion: Handler = (ctx, body) => {
  const days = windowOf(body);
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const state = stateOf(key, ctx.now);
  if (state === "Creating" || state === "Updating" || isPendingDeletion(state)) {
    throw fault.invalidState(`${key.arn} is ${state}.`);
  }
  // A state change reads back at once (as the endpoint has always answered it).
  key.lag.wrote("state", key.setState, ctx.now, 0);
  key.pendingWindowInDays = days;
  key.pendingWindowMs = days * ctx.dayMs;
  if (hasReplicas(ctx.store, key)) {
    key.setState = "PendingReplicaDeletion";
    key.deletionDate = undefined;
    return { KeyId: key.arn, KeyState: "PendingReplicaDeletion", PendingWindowInDays: days };
  }
  startWindow(ctx.store, key, ctx.now);
  return {
    KeyId: key.arn,
    DeletionDate: epochSeconds(key.deletionDate ?? ctx.now),
    KeyState: "PendingDeletion",
    PendingWindowInDays: days,
  };
};

/** CancelKeyDeletion: a key PendingDeletion or PendingReplicaDeletion becomes Disabled. */
const cancelKeyDeletion: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const state = stateOf(key, ctx.now);
  if (!isPendingDeletion(state)) {
    throw fault.invalidState(`${key.arn} is ${state}, not pending deletion.`);
  }
  key.lag.wrote("state", key.setState, ctx.now, 0);
  key.setState = "Disabled";
  key.deletionDate = undefined;
  key.pendingWindowInDays = undefined;
  key.pendingWindowMs = undefined;
  ctx.store.scheduled.delete(key);
  return { KeyId: key.arn };
};

/**
 * Removes every key whose DeletionDate is at or before `now`, earliest first. When a primary
 * PendingReplicaDeletion loses its last replica, its window starts at that replica's date (and
 * it may be due too).
 */
export function deleteDueKeys(store: Store, now: number): void {
  for (;;) {
    let due: KeyRecord | undefined;
    for (const key of store.scheduled) {
      const date = key.deletionDate ?? Number.POSITIVE_INFINITY;
      if (date <= now && (due === undefined || date < (due.deletionDate ?? 0))) due = key;
    }
    if (due === undefined) return;
    store.remove(due);
    const family = store.family(due.keyId);
    const primary = family.find((k) => k.role === "PRIMARY");
    if (primary?.setState === "PendingReplicaDeletion" && !family.some((k) => k.role === "REPLICA")) {
      startWindow(store, primary, due.deletionDate ?? now);
    }
  }
}

export const DELETION_OPERATIONS: Readonly<Record<string, Handler>> = {
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
};
