// KMS's limit of 50 tags per key, planned before any write: how many tags each existing replica
// would have once the desired tags are applied (and extra ones pruned), and the refusal when one
// would pass the limit. The limit is a fixed one (KMS: "each resource can have up to 50
// user-created tags"; not a quota that can be raised), so a run that would pass it changes nothing.
import { isAbort, ReplicateError, EXIT } from "./errors.js";
import type { Desired } from "./desired.js";
import type { KmsPort } from "../aws/kms.js";
import { TAGS_MAX } from "./options.js";

/** One key's tags before and after the plan (user-created tags: `aws:` ones do not count). */
export interface TagCount {
  readonly region: string;
  /** What it has now. */
  readonly now: number;
  /** Desired tags it lacks (TagResource). */
  readonly added: number;
  /** Tags not in the desired state that --prune-tags removes (UntagResource). */
  readonly removed: number;
  readonly after: number;
}

const counted = (key: string): boolean => !key.startsWith("aws:");

/**
 * The tags a key would have after the plan: its own, plus the desired keys it lacks, minus (with
 * `prune`) the keys the desired state does not have. Removals come first in a plan (src/core/diff.ts),
 * so the count never passes `after` on the way.
 */
export function tagCountAfter(
  region: string,
  current: Readonly<Record<string, string>>,
  desired: Readonly<Record<string, string>>,
  prune: boolean,
): TagCount {
  const have = Object.keys(current).filter(counted);
  const added = Object.keys(desired).filter((key) => counted(key) && current[key] === undefined).length;
  const removed = prune ? have.filter((key) => desired[key] === undefined).length : 0;
  return { region, now: have.length, added, removed, after: have.length + added - removed };
}

/** The desired tags that count towards the limit: what every key has after --prune-tags. */
export function desiredTagCount(desired: Desired): number {
  return Object.keys(desired.tags ?? {}).filter(counted).length;
}

/**
 * The refusal of a plan that would give a key more than 50 tags (exit 2, nothing changed), naming
 * each key and what --prune-tags would leave. `command`: sync can prune; replicate cannot.
 */
export function tagLimitError(
  keyId: string,
  over: readonly TagCount[],
  desired: number,
  command: "sync" | "replicate",
): ReplicateError {
  const lines = over
    .map(
      (c) =>
        `  ${c.region}: ${c.after} tags (${c.now} it has, ${c.added} to add${c.removed > 0 ? `, ${c.removed} to remove` : ""})`,
    )
    .join("\n");
  const then = `each replica then has the ${desired} desired tag${desired === 1 ? "" : "s"}`;
  return new ReplicateError(
    `${over.length === 1 ? "1 replica" : `${over.length} replicas`} of ${keyId} would pass KMS's limit of ${TAGS_MAX} tags per key (a fixed limit: it cannot be raised); nothing was changed:\n${lines}`,
    {
      fault: "user",
      exitCode: EXIT.usage,
      code: "TagLimitExceeded",
      hint:
        command === "sync"
          ? `Add --prune-tags: it removes the tags the desired state lacks before it adds any, and ${then}. Or remove tags from ${over.length === 1 ? "that replica" : "those replicas"} first (aws kms untag-resource).`
          : `replicate never removes tags: run 'kms-replicate sync' with the same --copy-… and --tag options and --prune-tags (${then}), or remove tags first (aws kms untag-resource).`,
    },
  );
}

/** An existing replica whose tags the plan may change. */
export interface TaggedReplica {
  readonly region: string;
  readonly arn: string;
}

/**
 * Before any write: each replica's tags (ListResourceTags in its Region, all at once) against the
 * desired ones; a replica that would pass 50 tags refuses the whole key's plan (tagLimitError).
 * Nothing to read when no tags are managed, or with `prune` (every replica then has exactly the
 * desired tags, at most 50: desiredOf). A replica whose tags cannot be read is left to the
 * inspect step, which reports it.
 */
export async function checkTagLimit(
  kms: KmsPort,
  keyId: string,
  replicas: readonly TaggedReplica[],
  settings: { readonly desired: Desired; readonly prune: boolean; readonly command: "sync" | "replicate" },
  signal?: AbortSignal,
): Promise<void> {
  const { desired, prune } = settings;
  const wanted = desired.tags;
  if (wanted === undefined || prune || replicas.length === 0) return;
  const counts = await Promise.all(
    replicas.map(async ({ region, arn }) => {
      try {
        const tags = await kms.listResourceTags(region, arn, signal);
        const current = Object.fromEntries(tags.map((t) => [t.TagKey ?? "", t.TagValue ?? ""]));
        return tagCountAfter(region, current, wanted, prune);
      } catch (error) {
        if (signal?.aborted === true || isAbort(error)) throw error;
        return undefined;
      }
    }),
  );
  const over = counts.filter((c): c is TagCount => c !== undefined && c.after > TAGS_MAX);
  if (over.length > 0) throw tagLimitError(keyId, over, desiredTagCount(desired), settings.command);
}
