// KMS's request quotas, owned by the AWS adapter: one keyed rate limiter per (quota, Region), shared
// by every key and every command of the process, so that no caller can exceed a quota it does not
// know about. Every attempt of every call (retries included) takes its slots before it is sent.
//
// The defaults are KMS's documented default request quotas per account and Region (AWS KMS
// developer guide, "Request quotas"; shared/kms-lifecycle.md). Accounts with raised quotas say so
// with --quota Operation=N; --rate is the older name for the ReplicateKey entry.
import { createPacer, type Pacer } from "./pace.js";

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

export interface QuotaBook {
  /** Resolves when every cost of one attempt fits its quota; rejects with the signal's reason. */
  acquire(costs: readonly QuotaCost[], signal?: AbortSignal): Promise<void>;
  /** The rate in force for `name` (requests per second). */
  rateOf(name: QuotaName): number;
}

export interface QuotaBookOptions {
  readonly overrides?: QuotaOverrides;
  readonly now?: () => number;
  /** Added to each 1 s window (see createPacer); 100 ms by default. */
  readonly marginMs?: number;
}

/**
 * The limiters, one per (quota, Region), made on first use. Costs are taken in a fixed order
 * (by quota, then Region) so that two callers never wait on each other's half-taken slots.
 */
export function createQuotaBook(options: QuotaBookOptions = {}): QuotaBook {
  const pacers = new Map<string, Pacer>();
  const rateOf = (name: QuotaName): number => options.overrides?.[name] ?? KMS_QUOTAS[name];
  const pacerFor = (cost: QuotaCost): Pacer => {
    const key = `${cost.name} ${cost.region}`;
    let pacer = pacers.get(key);
    if (pacer === undefined) {
      pacer = createPacer(rateOf(cost.name), { now: options.now, marginMs: options.marginMs });
      pacers.set(key, pacer);
    }
    return pacer;
  };
  return {
    rateOf,
    async acquire(costs, signal) {
      const ordered = [...costs].sort((a, b) =>
        a.name === b.name ? a.region.localeCompare(b.region) : a.name.localeCompare(b.name),
      );
      for (const cost of ordered) await pacerFor(cost).acquire(signal, cost.units);
    },
  };
}
