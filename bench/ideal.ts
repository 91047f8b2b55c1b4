// What request quotas allow at best: a run's work on each quota (a bucket: work units of one
// quota in one Region, at its rate) → the quota-bound minimum and each target Region's ideal end.
// The fleet part of the benchmark (bench.ts) and the organisation part (org.ts) use it, the latter
// once per account (each account has its own quotas); and the --quota flags that tell the CLI the
// (scaled) quotas the endpoint enforces.
import { KMS_QUOTAS } from "../src/aws/quotas.js";

/** One request quota's share of a run: `work` units of `quota` in `region`, at `perSecond`. */
export interface QuotaBucket {
  readonly quota: string;
  readonly region: string;
  readonly work: number;
  readonly perSecond: number;
  /** The target Regions whose replicas take units of this bucket. */
  readonly feeds: readonly string[];
}

export interface FleetIdeal {
  /** The quota-bound minimum: the longest bucket, max_b work_b / rate_b. */
  readonly quotaBoundMs: number;
  readonly binding: QuotaBucket;
  /** The longest bucket of another quota than the binding one (what would bind next). */
  readonly next: QuotaBucket | undefined;
  /** Per target Region r: T_r + Creating_r + RTT_r. */
  readonly byTargetMs: Readonly<Record<string, number>>;
  readonly idealMs: number;
}

export const bucketMs = (b: QuotaBucket): number => (1000 * b.work) / b.perSecond;

/**
 * What the quotas allow at best, from the buckets alone (pure):
 *
 *   T_b     = work_b / rate_b             for each bucket b (ReplicateKey per primary Region,
 *                                          CreateKey per target Region)
 *   bound   = max_b T_b                   the quota-bound minimum
 *   T_r     = max { T_b : b feeds r }     r's last replica cannot be sent before the buckets its
 *                                          replicas draw on are through (its own CreateKey, and the
 *                                          ReplicateKey of every primary Region)
 *   ideal   = max_r ( T_r + Creating_r + RTT_r )
 *
 * work / rate is the steady rate of the quota; the endpoint's sliding window admits a full window
 * at once, so the very last unit could go at (ceil(work / rate) − 1) s: T_b is one window generous
 * to the tool. Start-up and selection are not in the ideal: they are the tool's own cost.
 */
export function fleetIdeal(
  buckets: readonly QuotaBucket[],
  targets: readonly { readonly region: string; readonly creatingMs: number; readonly roundTripMs: number }[],
): FleetIdeal {
  const binding = buckets.reduce((a, b) => (bucketMs(b) > bucketMs(a) ? b : a));
  const others = buckets.filter((b) => b.quota !== binding.quota);
  const next = others.length === 0 ? undefined : others.reduce((a, b) => (bucketMs(b) > bucketMs(a) ? b : a));
  const byTargetMs = Object.fromEntries(
    targets.map((t) => [
      t.region,
      Math.max(0, ...buckets.filter((b) => b.feeds.includes(t.region)).map(bucketMs)) +
        t.creatingMs +
        t.roundTripMs,
    ]),
  );
  return {
    quotaBoundMs: bucketMs(binding),
    binding,
    next,
    byTargetMs,
    idealMs: Math.max(...Object.values(byTargetMs)),
  };
}

/** --quota for every KMS quota, × scale: the CLI knows the account's (here: scaled) quotas. */
export function quotaFlags(scale: number): string[] {
  return Object.entries(KMS_QUOTAS).flatMap(([operation, perSecond]) => [
    "--quota",
    `${operation}=${perSecond * scale}`,
  ]);
}
