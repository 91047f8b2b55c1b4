// KMS's request quotas, owned by the AWS adapter: one keyed rate limiter per (quota, Region), shared
// by every key and every command of the process, so that no caller can exceed a quota it does not
// know about. Every attempt of every call (retries included) takes its slots before it is sent.
//
// The defaults are KMS's documented default request quotas per account and Region (AWS KMS
// developer guide, "Request quotas"; shared/kms-lifecycle.md). Accounts with raised quotas say so
// with --quota Operation=N; --rate is the older name for the ReplicateKey entry.
import { paceWindow, RateWindow, sleep } from "./pace.js";

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
 * The limiters, one window per (quota, Region), made on first use. An attempt's costs are taken
 * together, at one moment, when every one of them fits: a ReplicateKey never holds a CreateKey
 * slot while it waits for a ReplicateKey one (the server would count that CreateKey later than we
 * did, and a later call could then exceed the quota there), and a call waiting for a busy bucket
 * never holds back calls that need only idle ones.
 */
export function createQuotaBook(options: QuotaBookOptions = {}): QuotaBook {
  const windows = new Map<string, RateWindow>();
  const now = options.now ?? (() => performance.now());
  const rateOf = (name: QuotaName): number => options.overrides?.[name] ?? KMS_QUOTAS[name];
  const windowFor = (cost: QuotaCost): RateWindow => {
    const key = `${cost.name} ${cost.region}`;
    let window = windows.get(key);
    if (window === undefined) {
      const { slots, windowMs } = paceWindow(rateOf(cost.name), options.marginMs ?? 100);
      window = new RateWindow(slots, windowMs);
      windows.set(key, window);
    }
    return window;
  };
  return {
    rateOf,
    async acquire(costs, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const t = now();
        const wait = Math.max(0, ...costs.map((cost) => windowFor(cost).waitFor(cost.units, t)));
        if (wait === 0) {
          for (const cost of costs) windowFor(cost).take(cost.units, t);
          return;
        }
        await sleep(wait, signal);
      }
    },
  };
}
