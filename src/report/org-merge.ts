// `kms-replicate merge`: the documents of the shards of one run (version 3, the same command and
// shard count) → one organisation document with the same entries, totals and exit code as one
// unsharded run. Shards by account hold different accounts; shards by key (one account's keys
// split) hold the same account, whose entries become one: its keys together, its totals summed.
import { EXIT, usageError, type ExitCode } from "../core/errors.js";
import type { RunError } from "./json.js";
import { orgDocument, orgExitCode, sumTotals, type OrgDocument, type OrgEntry } from "./org.js";
import { keyOutcomeOf } from "./outcomes.js";

/** A document as read, with where it came from (a file name, or `-`). */
export interface MergeInput {
  readonly source: string;
  readonly document: unknown;
}

/** The merged document, and the shards (1-based) of which no document was given. */
export interface Merged {
  readonly document: OrgDocument;
  readonly missingShards: readonly number[];
  /** How many shards the run had. */
  readonly count: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A shard's document, checked for what merging reads; a usage error names the source. */
function shardDocument(
  input: MergeInput,
): OrgDocument & { readonly shard: { index: number; count: number } } {
  const doc = input.document;
  const refuse = (why: string): never => {
    throw usageError(
      `${input.source}: ${why}`,
      "merge reads the --output json documents of the shards of one run (--shard I/N, --shard-count N).",
    );
  };
  if (!isObject(doc)) return refuse("not a JSON object.");
  if (doc.version !== 3) {
    return refuse(`a version ${String(doc.version)} document; merge needs version 3 (a run with --shard).`);
  }
  const { shard } = doc;
  if (!isObject(shard) || !Number.isInteger(shard.index) || !Number.isInteger(shard.count)) {
    return refuse("not the document of a shard (its `shard` is null: a whole run).");
  }
  const fine =
    typeof doc.command === "string" &&
    typeof doc.exitCode === "number" &&
    typeof doc.dryRun === "boolean" &&
    Array.isArray(doc.accounts) &&
    doc.accounts.every(
      (e) => isObject(e) && typeof e.account === "string" && Array.isArray(e.keys) && isObject(e.totals),
    ) &&
    isObject(doc.totals) &&
    Array.isArray(doc.warnings);
  if (!fine)
    return refuse("not a kms-replicate organisation document (a field is missing or of another type).");
  return doc as unknown as OrgDocument & { readonly shard: { index: number; count: number } };
}

/** Every count of `totals` as 0: the fields a merged document has even with no account. */
function zeroOf(totals: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(totals).flatMap(([field, value]): [string, unknown][] =>
      typeof value === "number" ? [[field, 0]] : isObject(value) ? [[field, zeroOf(value)]] : [],
    ),
  );
}

/** The stop signal's exit code if one of `codes` is one, else the usual 130. */
const interruptedOf = (codes: readonly ExitCode[]): ExitCode =>
  codes.find((c) => keyOutcomeOf(c) === "interrupted") ?? EXIT.interrupted;

/** An object's numeric field, or 0. */
const countIn = (value: unknown, field: string): number => {
  const n = isObject(value) ? value[field] : undefined;
  return typeof n === "number" ? n : 0;
};

/**
 * One account's entries from shards by key → one entry: its keys together (ordered by `key`, the
 * same order whatever the number of shards), its totals summed, its exit code the worst, the first
 * error. Each shard listed the same keys before taking its own: `listed`, `multiRegion` and
 * `candidates` are each shard's, `selected` the sum.
 */
export function mergeAccount(entries: readonly OrgEntry[]): OrgEntry {
  const [first, ...rest] = entries;
  if (first === undefined || rest.length === 0) return first;
  const codes = entries.map((e) => e.exitCode);
  const exitCode = orgExitCode(codes, interruptedOf(codes));
  const selections = entries.map((e) => e.selection).filter(isObject);
  const [selection] = selections;
  const keys = entries
    .flatMap((e) => e.keys)
    .map((k, i) => ({ k, i, key: isObject(k) && typeof k.key === "string" ? k.key : "" }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
    .map(({ k }) => k);
  const merged: Record<string, unknown> = {
    ...first,
    ok: exitCode === EXIT.ok,
    exitCode,
    ...(selection !== undefined
      ? {
          selection: {
            ...selection,
            listed: Math.max(...selections.map((s) => countIn(s, "listed"))),
            multiRegion: Math.max(...selections.map((s) => countIn(s, "multiRegion"))),
            candidates: Math.max(...selections.map((s) => countIn(s, "candidates"))),
            selected: selections.reduce((sum, s) => sum + countIn(s, "selected"), 0),
          },
        }
      : {}),
    keys,
    totals: sumTotals(entries.map((e) => e.totals)),
    error: entries.find((e) => e.error !== null)?.error ?? null,
  };
  return merged as OrgEntry;
}

/**
 * The shards' documents → one: refused (a usage error) when they are of different commands, shard
 * counts or dry-run modes, or when one shard is given twice. Shards not given are listed in
 * `missingShards`, and make the exit code at least 1.
 */
export function mergeDocuments(inputs: readonly MergeInput[]): Merged {
  const docs = inputs.map((input) => ({ source: input.source, doc: shardDocument(input) }));
  const [head] = docs;
  if (head === undefined) throw usageError("merge needs at least one document.");
  const seen = new Map<number, string>();
  for (const { source, doc } of docs) {
    const what = (d: OrgDocument): string =>
      `a ${d.command}${d.dryRun ? " --dry-run" : ""} document of ${d.shard?.count ?? 0} shards`;
    if (
      doc.command !== head.doc.command ||
      doc.shard.count !== head.doc.shard.count ||
      doc.dryRun !== head.doc.dryRun
    ) {
      throw usageError(
        `${source} is ${what(doc)}, ${head.source} ${what(head.doc)}: merge combines the shards of one run.`,
      );
    }
    const twice = seen.get(doc.shard.index);
    if (twice !== undefined) {
      throw usageError(`Shard ${doc.shard.index}/${doc.shard.count} is given twice: ${twice} and ${source}.`);
    }
    seen.set(doc.shard.index, source);
  }
  const { count } = head.doc.shard;
  const missingShards = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  const ordered = docs.map((d) => d.doc).sort((a, b) => a.shard.index - b.shard.index);
  const byAccount = new Map<string, OrgEntry[]>();
  for (const entry of ordered.flatMap((d) => d.accounts)) {
    byAccount.set(entry.account, [...(byAccount.get(entry.account) ?? []), entry]);
  }
  const accounts = [...byAccount.values()].map(mergeAccount);
  const refused = ordered.filter((d) => d.error !== null);
  const codes = [
    ...accounts.map((e) => e.exitCode),
    ...refused.map((d) => d.exitCode),
    ...(missingShards.length > 0 ? [EXIT.failed] : []),
  ];
  const error: RunError | null = refused[0]?.error ?? null;
  const document = orgDocument({
    command: head.doc.command,
    exitCode: orgExitCode(codes, interruptedOf(codes)),
    dryRun: head.doc.dryRun,
    shard: null,
    missingShards,
    accounts,
    zero: zeroOf(Object.fromEntries(Object.entries(head.doc.totals).filter(([f]) => f !== "accounts"))),
    error,
    warnings: ordered.flatMap((d) => d.warnings),
    elapsedMs: Math.max(...ordered.map((d) => d.elapsedMs)),
  });
  return { document, missingShards, count };
}
