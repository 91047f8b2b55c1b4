// --shard I/N: one run split across N processes that a scheduler starts (a Kubernetes Indexed Job,
// an AWS Batch array job, a GitHub Actions matrix). Every rule here depends only on what all N
// processes are given alike (the accounts file and flags, a key's ID), never on time, order of
// arrival or the machine, so that the N shards together cover every account (or key) exactly once:
// - accounts: sorted by account ID, the i-th (from 0) goes to shard (i mod N) + 1;
// - keys (one account's run split by key): a hash of the primary's key ID, mod N;
// - quotas: each shard of one account takes 1/N of every quota, so N shards never exceed it.
import { KMS_QUOTAS, type QuotaName, type QuotaOverrides } from "../aws/quotas.js";
import type { Shard } from "./accounts.js";
import { usageError } from "./errors.js";
import { nodeCrypto } from "./lazy-crypto.js";

/** Where --shard-count finds this process's index (0-based): Kubernetes Indexed Jobs, AWS Batch array jobs. */
export const SHARD_INDEX_VARIABLES = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] as const;

/** `2/4`. */
export function shardName(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

const WHOLE = /^\s*(\d+)\s*$/;

function wholeNumber(text: string): number | undefined {
  const digits = WHOLE.exec(text)?.[1];
  const n = digits === undefined ? Number.NaN : Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** --shard I/N (1-based, as Playwright's and Node's test runners count). */
export function parseShard(value: string): Shard {
  const [i, n, extra] = value.split("/");
  const index = wholeNumber(i ?? "");
  const count = wholeNumber(n ?? "");
  if (index === undefined || count === undefined || extra !== undefined) {
    throw usageError(`--shard ${value}: not I/N (e.g. --shard 2/4: the second of 4 shards).`);
  }
  if (count < 1) throw usageError(`--shard ${value}: the number of shards is at least 1.`);
  if (index < 1 || index > count) {
    throw usageError(
      `--shard ${value}: the shard is 1 to ${count} (counted from 1).`,
      index === 0
        ? `An index counted from 0 (as JOB_COMPLETION_INDEX is) is --shard-count ${count} alone.`
        : undefined,
    );
  }
  return { index, count };
}

/** --shard-count N. */
export function parseShardCount(value: string): number {
  const count = wholeNumber(value);
  if (count === undefined || count < 1)
    throw usageError(`--shard-count ${value}: not a whole number of at least 1.`);
  return count;
}

/**
 * This process's shard: --shard I/N, or --shard-count N with the index (0-based) that the
 * scheduler sets in JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX. Undefined: no sharding.
 */
export function shardOf(
  flags: { readonly shard?: string | undefined; readonly shardCount?: string | undefined },
  env: NodeJS.ProcessEnv,
): Shard | undefined {
  const count = flags.shardCount === undefined ? undefined : parseShardCount(flags.shardCount);
  if (flags.shard !== undefined) {
    const shard = parseShard(flags.shard);
    if (count !== undefined && count !== shard.count) {
      throw usageError(`--shard ${flags.shard} and --shard-count ${count} disagree on the number of shards.`);
    }
    return shard;
  }
  if (count === undefined) return undefined;
  const set = SHARD_INDEX_VARIABLES.flatMap((name) => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? [] : [{ name, value: value.trim() }];
  });
  const [first, second] = set;
  if (first === undefined) {
    throw usageError(
      `--shard-count ${count}: neither ${SHARD_INDEX_VARIABLES.join(" nor ")} is set, so this process's shard is not known.`,
      "Give --shard I/N, or run it as a Kubernetes Indexed Job or an AWS Batch array job.",
    );
  }
  if (second !== undefined && second.value !== first.value) {
    throw usageError(
      `--shard-count ${count}: ${first.name}=${first.value} and ${second.name}=${second.value} disagree.`,
      "Unset the one this scheduler does not own, or give --shard I/N.",
    );
  }
  const index = wholeNumber(first.value);
  if (index === undefined || index >= count) {
    throw usageError(
      `--shard-count ${count}: ${first.name}=${first.value} is not an index from 0 to ${count - 1}.`,
      index === undefined ? undefined : "Give the job as many completions (or array size) as --shard-count.",
    );
  }
  return { index: index + 1, count };
}

/** The accounts of shard `shard` (all of them without one), in account-ID order. May be none. */
export function accountsInShard<A extends { readonly accountId: string }>(
  accounts: readonly A[],
  shard: Shard | undefined,
): A[] {
  const sorted = [...accounts].sort((a, b) =>
    a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0,
  );
  return shard === undefined ? sorted : sorted.filter((_, i) => (i % shard.count) + 1 === shard.index);
}

/**
 * Is this key (its primary's key ID: mrk-…, or an ARN of it) one of shard `shard`'s? The first 4
 * bytes of the SHA-256 of the lowercased ID, mod N: about an even split, the same in every process.
 */
export function keyInShard(keyId: string, shard: Shard | undefined): boolean {
  if (shard === undefined || shard.count === 1) return true;
  const id = keyId.slice(keyId.lastIndexOf("/") + 1).toLowerCase();
  return (
    (nodeCrypto().createHash("sha256").update(id).digest().readUInt32BE(0) % shard.count) + 1 === shard.index
  );
}

/**
 * A shard's share of every KMS quota of its account (KMS's defaults, with the account's --quota
 * raises): rate / N, so that N shards of one account together stay within its quotas. A rate below
 * 1 is kept as it is (the pacer spaces starts out: 0.25 is one start every 4 s).
 */
export function shareOf(quotas: QuotaOverrides, shard: Shard | undefined): Record<QuotaName, number> {
  const count = shard?.count ?? 1;
  const names = Object.keys(KMS_QUOTAS) as QuotaName[];
  return Object.fromEntries(
    names.map((name) => [name, (quotas[name] ?? KMS_QUOTAS[name]) / count]),
  ) as Record<QuotaName, number>;
}
