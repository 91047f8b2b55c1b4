// KMS's request quotas, enforced per (operation, Region) when switched on.
//
// The figures are KMS's documented defaults (shared/kms-lifecycle.md "Request quotas", requests per
// second, per account and Region). KMS does not say how it measures a second; the endpoint uses a
// sliding window: a request is admitted when fewer than `quota` requests were admitted for the same
// (operation, Region) in the 1000 ms before it arrived. Throttled requests do no work and do not
// count against the window (a client that retries too fast is refused, not locked out forever).
// A sliding window is stricter than a token bucket at the edges (no burst above the quota), which
// is what a client that paces itself to the documented quota must survive.

/** Requests per second, per account and Region. Operations not listed have no quota here. */
export const DEFAULT_QUOTAS: Readonly<Record<string, number>> = {
  CreateKey: 5,
  ReplicateKey: 5,
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
};

export const WINDOW_MS = 1000;

/** One request's cost: `count` units of `operation`'s quota in `region`. */
export interface QuotaCharge {
  readonly operation: string;
  readonly region: string;
  readonly count: number;
}

/**
 * What a request costs. ReplicateKey also counts as 2 CreateKey in the replica's Region (one of
 * them a dry run); UpdatePrimaryRegion counts in the current primary's Region and in the target's.
 */
export function chargesOf(operation: string, region: string, body: Record<string, unknown>): QuotaCharge[] {
  const charges: QuotaCharge[] = [{ operation, region, count: 1 }];
  if (
    operation === "ReplicateKey" &&
    typeof body.ReplicaRegion === "string" &&
    body.ReplicaRegion !== region
  ) {
    charges.push({ operation: "CreateKey", region: body.ReplicaRegion, count: 2 });
  }
  if (
    operation === "UpdatePrimaryRegion" &&
    typeof body.PrimaryRegion === "string" &&
    body.PrimaryRegion !== region
  ) {
    charges.push({ operation, region: body.PrimaryRegion, count: 1 });
  }
  return charges;
}

export interface QuotaSettings {
  /** Multiplies every quota (overrides included): 10 runs a benchmark ten times as fast. */
  readonly scale: number;
  /** Requests per second by operation, replacing the default (an account with raised quotas). */
  readonly overrides: Readonly<Record<string, number>>;
}

/** The quota in force for an operation, or undefined when it has none. */
export function quotaOf(operation: string, settings: QuotaSettings): number | undefined {
  const base = settings.overrides[operation] ?? DEFAULT_QUOTAS[operation];
  return base === undefined ? undefined : base * settings.scale;
}

/** Admission times per (operation, Region), pruned to the window as it slides. */
export class SlidingWindowLimiter {
  private readonly admitted = new Map<string, number[]>();

  /**
   * Admits all of the charges at `now` (recording them), or none: the first charge that would
   * exceed its quota, which the answer names.
   */
  tryAdmit(charges: readonly QuotaCharge[], now: number, settings: QuotaSettings): QuotaCharge | undefined {
    for (const charge of charges) {
      const quota = quotaOf(charge.operation, settings);
      if (quota === undefined) continue;
      // An empty window always admits, so that a quota scaled below one request (or below the 2
      // CreateKey of a ReplicateKey) still lets a request through each second.
      const used = this.inWindow(charge, now);
      if (used > 0 && used + charge.count > quota) return charge;
    }
    for (const charge of charges) {
      if (quotaOf(charge.operation, settings) === undefined) continue;
      const times = this.times(charge);
      for (let i = 0; i < charge.count; i += 1) times.push(now);
    }
    return undefined;
  }

  clear(): void {
    this.admitted.clear();
  }

  private times(charge: QuotaCharge): number[] {
    const key = `${charge.operation} ${charge.region}`;
    let times = this.admitted.get(key);
    if (times === undefined) {
      times = [];
      this.admitted.set(key, times);
    }
    return times;
  }

  /** Admissions within (now - WINDOW_MS, now], after dropping the older ones. */
  private inWindow(charge: QuotaCharge, now: number): number {
    const times = this.times(charge);
    let expired = 0;
    while (expired < times.length && (times[expired] ?? 0) <= now - WINDOW_MS) expired += 1;
    times.splice(0, expired);
    return times.length;
  }
}
