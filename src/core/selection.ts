// Which keys a run works on: `--key` (repeatable), `--keys-from FILE|-` (one key per line),
// `--all-primaries` (every Enabled customer-managed multi-Region primary of the `--region`s), each
// narrowed by `--select-tag Key=Value` (all must match the primary's tags). Every key is resolved to
// its family's primary, and checked as the command checks one key, before anything changes: a key
// that cannot be used is a usage error that names every such key at once.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import {
  EXIT,
  ReplicateError,
  awsError,
  describeError,
  isReplicateError,
  usageError,
  type ErrorReport,
} from "./errors.js";
import type { PrimaryKey } from "./events.js";
import type { KmsPort } from "../aws/kms.js";
import type { KeyListEntry } from "./key-list.js";
import { parseKeyRef, regionOfKeyRef, type KeyRef } from "./keys.js";
import type { Tag } from "./options.js";
import { createLimiter } from "../aws/pace.js";
import { carriesTags } from "./select-tags.js";
import { describePrimary, toPrimary, type DescribeOptions } from "./plan.js";

/** How the user chose the keys (flags → typed, nothing read yet). */
export interface SelectionOptions {
  /** --key, in the order given (repeatable). */
  readonly keys: readonly KeyRef[];
  /** --keys-from: a path, or `-` for stdin. */
  readonly keysFrom?: string;
  /** --all-primaries: every Enabled customer-managed multi-Region primary key of `regions`. */
  readonly allPrimaries: boolean;
  /** --region as given: at most one, except with --all-primaries. */
  readonly regions: readonly string[];
  /** --select-tag: the primary must carry every one of these tags, with this value. */
  readonly selectTags: readonly Tag[];
}

/** One key of the run: how it was named, and its family's primary as DescribeKey showed it. */
export interface SelectedKey {
  /** As the user named it (a --key, a line of --keys-from), or the key ARN ListKeys listed. */
  readonly given: string;
  readonly primary: PrimaryKey;
  /**
   * `promote` with --all-primaries: a key of the Region whose family's primary is already in
   * --to (an earlier run moved it): nothing to do, and counted as done.
   */
  readonly moved?: boolean;
  /** Its place in the selection: the order given, or (--all-primaries) by Region and ListKeys. */
  readonly rank: number;
  /** It could not be checked for --select-tag (ListResourceTags failed): it fails, alone. */
  readonly failure?: ErrorReport;
}

/** What the selection looked at, for the empty-selection message and the JSON. */
export interface SelectionStats {
  /** Keys ListKeys listed (--all-primaries), in every Region together. */
  readonly listed: number;
  /** Of those, multi-Region keys (mrk-…), each described. */
  readonly multiRegion: number;
  /** Keys that passed the state and role checks, before --select-tag. */
  readonly candidates: number;
  /** After --select-tag and removing keys named twice. */
  readonly selected: number;
}

export interface SelectionContext {
  readonly kms: KmsPort;
  readonly signal: AbortSignal;
  /** The key list's text, when --keys-from was given (read by the caller: a file or stdin). */
  readonly keyList?: readonly KeyListEntry[];
  /** The Region of keys named without an ARN (the one --region, else AWS_REGION / the profile's). */
  readonly defaultRegion?: string;
  /** How the command checks one key (describePrimary): a replica followed, any state, … */
  readonly accept: DescribeOptions;
  /** `promote`: keys of the --all-primaries Regions whose primary is already here count as done. */
  readonly movedTo?: string;
  readonly warn: (message: string) => void;
  /**
   * Keys described at once while selecting (DescribeKey, then ListResourceTags): their round trips
   * overlap, and the quotas pace the calls (default 128, the fleet's calls in flight at most).
   */
  readonly parallel?: number;
}

const KEY_STATES_SELECTED = new Set(["Enabled"]);

/**
 * The keys of the run, each resolved to its primary and checked, in the order given (--key, then
 * --keys-from, then --all-primaries by Region and ListKeys' order), each primary once. None: the
 * caller refuses the run with emptySelection(), which says what was looked at.
 */
export async function selectKeys(
  selection: SelectionOptions,
  ctx: SelectionContext,
): Promise<{ readonly keys: SelectedKey[]; readonly stats: SelectionStats }> {
  if (selection.allPrimaries) {
    const keys: SelectedKey[] = [];
    const stats = await streamPrimaries(selection, ctx, (key) => keys.push(key));
    return { keys: keys.sort((a, b) => a.rank - b.rank), stats };
  }
  const limit = pooled(ctx);
  const named = [
    ...selection.keys.map((ref) => ({ text: ref.value, ref, where: `--key ${ref.value}` })),
    ...(ctx.keyList ?? []).map((e) => ({
      text: e.text,
      ref: e.ref,
      where: `--keys-from line ${e.line} (${e.text})`,
    })),
  ];
  const problems: string[] = [];
  const withoutRegion = named.filter((n) => regionOfKeyRef(n.ref) === undefined);
  if (withoutRegion.length > 0 && ctx.defaultRegion === undefined) {
    throw usageError(
      `No Region for ${withoutRegion.map((n) => n.text).join(", ")}: give the keys as ARNs, or set --region, AWS_REGION or a profile's region.`,
    );
  }
  // Every key at once; each key's DescribeKey and tags in one turn.
  const candidates = await Promise.all(
    named.map((n, rank) =>
      limit(async (signal): Promise<Candidate | undefined> => {
        const region = regionOfKeyRef(n.ref) ?? ctx.defaultRegion ?? "";
        let key: SelectedKey;
        try {
          const primary = await describePrimary(ctx.kms, n.ref, region, signal, ctx.accept);
          if (primary.region !== region) {
            ctx.warn(`${n.where} is a replica of the family; working from its primary in ${primary.region}.`);
          }
          key = { given: n.text, primary, rank };
        } catch (error) {
          if (ctx.signal.aborted || !isReplicateError(error)) throw error;
          problems.push(
            `  ${n.where}: ${error.message}${error.hint !== undefined ? ` (${error.hint})` : ""}`,
          );
          return undefined;
        }
        // A named key whose tags cannot be read ends the run before any change.
        return { key, tagged: await carriesTags(key, selection.selectTags, { kms: ctx.kms, signal }) };
      }),
    ),
  );
  if (problems.length > 0) {
    throw new ReplicateError(
      `${problems.length === 1 ? "1 key" : `${problems.length} keys`} of the selection cannot be used; nothing was changed:\n${problems.join("\n")}`,
      { fault: "user", exitCode: EXIT.usage, code: "InvalidSelection" },
    );
  }
  const checked = candidates.filter((c) => c !== undefined);
  const keys = onceEach(
    checked.filter((c) => c.tagged).map((c) => c.key),
    ctx.warn,
  );
  return { keys, stats: { listed: 0, multiRegion: 0, candidates: checked.length, selected: keys.length } };
}

/** Calls in a pool, each with its own signal derived from the run's (Ctrl-C reaches it): dozens of
 * calls at once do not pile abort listeners on one signal. */
function pooled(ctx: SelectionContext): <T>(task: (signal: AbortSignal) => Promise<T>) => Promise<T> {
  const pool = createLimiter(ctx.parallel ?? 32);
  return (task) => pool(() => task(AbortSignal.any([ctx.signal])));
}

/** A key that passed the command's checks, and whether it carries the --select-tag tags. */
interface Candidate {
  readonly key: SelectedKey;
  readonly tagged: boolean;
}

/**
 * --all-primaries, as a stream: ListKeys (every page) in each Region, all at once (a failure ends
 * the run before any key is found); then DescribeKey of each mrk- key, one Region's in turn with
 * the others' (so keys of every primary Region come early), filtered, and its tags; `found` is told
 * of each selected key at once, so that the fleet starts it while the others are still read. The
 * statistics when every key was read. A key whose tags cannot be read is found with its `failure`.
 */
export async function streamPrimaries(
  selection: SelectionOptions,
  ctx: SelectionContext,
  found: (key: SelectedKey) => void,
): Promise<SelectionStats> {
  const limit = pooled(ctx);
  const lists = await Promise.all(
    selection.regions.map(async (region) => {
      try {
        return { region, entries: await ctx.kms.listKeys(region, ctx.signal) };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        throw awsError(error, { operation: "ListKeys", region, keyId: "*" });
      }
    }),
  );
  // Ranks by Region, then ListKeys' order; the work in turns: one key of each Region after another.
  let rank = 0;
  const byRegion = lists.map(({ region, entries }) =>
    entries
      .filter((e) => e.KeyId?.startsWith("mrk-") === true)
      .map((entry) => ({ region, entry, rank: rank++ })),
  );
  const mrk = roundRobin(byRegion);
  let candidates = 0;
  let selected = 0;
  const seen = new Set<string>();
  const select = (key: SelectedKey): void => {
    // A family moved by an earlier promote is listed twice when --region names both its Regions.
    if (seen.has(key.primary.arn)) return;
    seen.add(key.primary.arn);
    selected += 1;
    found(key);
  };
  await Promise.all(
    mrk.map(({ region, entry, rank: place }) =>
      limit(async (signal): Promise<void> => {
        const arn = entry.KeyArn ?? entry.KeyId ?? "";
        let metadata;
        try {
          metadata = await ctx.kms.describeKey(region, arn, signal);
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          // Listed a moment ago and gone now (deleted), or not readable: not part of the fleet.
          const report = describeError(error, { operation: "DescribeKey", region, keyId: arn });
          ctx.warn(`${arn} could not be described (${report.name}); it is not selected.`);
          return;
        }
        if (metadata.KeyManager !== "CUSTOMER" || metadata.MultiRegion !== true) return;
        const config = metadata.MultiRegionConfiguration;
        let key: SelectedKey;
        if (config?.MultiRegionKeyType === "REPLICA") {
          const home = config.PrimaryKey;
          if (ctx.movedTo === undefined || home?.Region !== ctx.movedTo || home.Arn === undefined) return;
          // promote's failover re-run: this Region's key already follows a primary in --to.
          key = {
            given: arn,
            moved: true,
            primary: movedPrimary(metadata, home.Arn, home.Region),
            rank: place,
          };
        } else {
          if (!KEY_STATES_SELECTED.has(metadata.KeyState ?? "")) return;
          key = { given: arn, primary: toPrimary(metadata, parseKeyRef(arn), region), rank: place };
        }
        candidates += 1;
        if (selection.selectTags.length === 0) return select(key);
        try {
          if (await carriesTags(key, selection.selectTags, { kms: ctx.kms, signal })) select(key);
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          // Work may have started on other keys: this one fails alone, and says why.
          select({
            ...key,
            failure: describeError(error, { operation: "ListResourceTags", region, keyId: arn }),
          });
        }
      }),
    ),
  );
  return {
    listed: lists.reduce((n, l) => n + l.entries.length, 0),
    multiRegion: mrk.length,
    candidates,
    selected,
  };
}

/** One of each list in turn, each list in its order. */
function roundRobin<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i += 1) {
    for (const list of lists) {
      const item = list[i];
      if (item !== undefined) out.push(item);
    }
  }
  return out;
}

/** The primary of a family as one of its replicas describes it (promote's moved keys). */
function movedPrimary(metadata: KeyMetadata, arn: string, region: string): PrimaryKey {
  return {
    keyId: metadata.KeyId ?? arn,
    arn,
    region,
    partition: /^arn:([^:]+):/.exec(arn)?.[1] ?? "aws",
    keySpec: metadata.KeySpec,
    keyUsage: metadata.KeyUsage,
    origin: metadata.Origin,
    replicas: (metadata.MultiRegionConfiguration?.ReplicaKeys ?? []).flatMap((r) =>
      r.Region !== undefined && r.Arn !== undefined ? [{ region: r.Region, arn: r.Arn }] : [],
    ),
  };
}

/** Each primary once, in the order first named; a key named twice is said once. */
function onceEach(keys: readonly SelectedKey[], warn: (message: string) => void): SelectedKey[] {
  const seen = new Map<string, SelectedKey>();
  for (const key of keys) {
    const first = seen.get(key.primary.arn);
    if (first === undefined) seen.set(key.primary.arn, key);
    else if (first.given !== key.given) {
      warn(`${key.given} and ${first.given} are the same key (${key.primary.keyId}); it is worked on once.`);
    }
  }
  return [...seen.values()];
}
