// KMS's request quotas, owned by the AWS adapter: the table of KMS's default quotas (KMS_QUOTAS), what
// each attempt of a call costs against them (costOf), and the QuotaBook that holds every attempt of
// the process to them (createQuotaBook: src/aws/quota-book.ts), so that no caller can exceed a quota
// it does not know about. Every attempt of every call (retries included) takes its slots before it
// is sent.
//
// The defaults are KMS's documented default request quotas per account and Region (AWS KMS
// developer guide, "Request quotas"; shared/kms-lifecycle.md). Accounts with raised quotas say so
// with --quota Operation=N; --rate is the older name for the ReplicateKey entry.

export const KMS_QUOTAS = {
  ReplicateKey: 5,
  CreateKey: 5,
  UpdatePrimaryRegion: 5,
  DescribeKey: 2000,
  ListKeys: 500,
  ListAliases: 500,
  ListResourceTags: 2000,
  GetKeyPolicy: 1000,
  PutKeyPolicy: 15,
  TagResource: 10,
  UntagResource: 5,
  CreateAlias: 5,
  UpdateAlias: 5,
  DeleteAlias: 15,
  UpdateKeyDescription: 5,
  EnableKey: 5,
  DisableKey: 5,
  GetParametersForImport: 1,
  ImportKeyMaterial: 15,
  RotateKeyOnDemand: 5,
  ScheduleKeyDeletion: 15,
  CancelKeyDeletion: 5,
} as const satisfies Record<string, number>;

export type QuotaName = keyof typeof KMS_QUOTAS;
export type QuotaOverrides = Readonly<Partial<Record<QuotaName, number>>>;

export function isQuotaName(name: string): name is QuotaName {
  return Object.hasOwn(KMS_QUOTAS, name);
}

/** One slot-taking of a call: `units` requests against quota `name` in `region`. */
export interface QuotaCost {
  readonly name: QuotaName;
  readonly region: string;
  readonly units: number;
}

/**
 * What one attempt of `operation`, sent to `region`, costs. ReplicateKey counts in the primary's
 * Region and as two CreateKey in the replica's (`target`); UpdatePrimaryRegion counts in both the
 * current primary's Region and the new one's. Operations without a documented quota cost nothing.
 */
export function costOf(operation: string, region: string, target?: string): readonly QuotaCost[] {
  if (!isQuotaName(operation)) return [];
  const own: QuotaCost = { name: operation, region, units: 1 };
  if (operation === "ReplicateKey" && target !== undefined) {
    return [own, { name: "CreateKey", region: target, units: 2 }];
  }
  if (operation === "UpdatePrimaryRegion" && target !== undefined && target !== region) {
    return [own, { name: "UpdatePrimaryRegion", region: target, units: 1 }];
  }
  return [own];
}

/** Names one in-flight cap: attempts of `name` sent to `region` that have started and not ended. */
export interface InFlightKey {
  readonly name: QuotaName;
  readonly region: string;
}

export interface AcquireOptions {
  /** The in-flight cap this attempt counts against, if the book has one for `name`. */
  readonly inFlight?: InFlightKey;
  /**
   * performance.now() after which the attempt may not start (a write after the run's --timeout):
   * still waiting then, it is dropped, rejected with `expired()`'s value, having taken nothing.
   */
  readonly deadline?: { readonly at: number; readonly expired: () => Error };
  /**
   * The attempt's starts count from the moment its request leaves the process, which the caller
   * reports with the release's `sent()`; until then they stay within their windows, so that the
   * book never counts a start earlier than the server can see it. Released without `sent()` (the
   * request never left), they count from the grant, as without this option.
   */
  readonly countFromSent?: boolean;
}

/** Ends an attempt's hold on its in-flight slot; calling it again does nothing. */
export interface Release {
  (): void;
  /**
   * With `countFromSent`: the attempt's request has just left the process, and its starts count
   * from now. Once; nothing after the first call or after the release.
   */
  readonly sent?: () => void;
}

export interface QuotaBook {
  /**
   * Resolves once every cost of one attempt fits its quota, all taken at one moment, and (when
   * `options.inFlight` names a capped operation) fewer than the cap are in flight there. The
   * in-flight slot is held until `release()` is called, which every caller must do when the
   * attempt ends. Rejects with the signal's reason if it aborts first, or with the deadline's value
   * if that passes first (`options.deadline`), having taken nothing.
   */
  acquire(costs: readonly QuotaCost[], signal?: AbortSignal, options?: AcquireOptions): Promise<Release>;
  /** The rate in force for `name` (requests per second). */
  rateOf(name: QuotaName): number;
  /** How many attempts wait for their slots now. */
  waiting(): number;
  /**
   * Resolves as soon as fewer than `n` attempts wait (at once if that is already so): lets a fleet
   * keep the queue fed without holding thousands of attempts in memory. Rejects on abort.
   */
  whenWaitingBelow(n: number, signal?: AbortSignal): Promise<void>;
}

export interface QuotaBookOptions {
  readonly overrides?: QuotaOverrides;
  readonly now?: () => number;
  /** Added to each 1 s window (see createPacer); 100 ms by default. */
  readonly marginMs?: number;
  /**
   * At most this many attempts in flight at once per (operation, Region); no cap for an operation
   * left out. A cap below 1 counts as 1 (0 would never let an attempt start).
   */
  readonly inFlight?: Readonly<Partial<Record<QuotaName, number>>>;
  /**
   * At most this many attempts in flight at once in the whole process, whatever the operation and
   * Region: what the AWS SDK holds for a request in flight (its command, signed request, socket
   * buffers) is then bounded however high the quotas are; a waiting attempt costs a small record.
   */
  readonly maxInFlight?: number;
}
