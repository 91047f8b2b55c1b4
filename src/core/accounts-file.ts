// --accounts-from FILE or `-` (stdin): cloud-custodian c7n-org's accounts file, so that existing
// files work. YAML or JSON, read through the one bounded reader (src/core/input.ts):
//
//   accounts:
//     - account_id: "111122223333"       # 12 digits, as text
//       name: payments-prod              # optional
//       role: arn:aws:iam::111122223333:role/OrgKms   # or a list of ARNs (role chaining), or a name
//       external_id: "…"                 # optional, for every role of the chain (as c7n-org)
//       profile: payments                # instead of a role: that profile's credentials
//       regions: [us-east-1, eu-west-1]  # optional: this account's --regions
//       tags: ["env:prod", "team:pay"]   # c7n-org's "key:value" list, or a mapping
//       vars: { … }                      # c7n-org's own: ignored
//
// Every entry is checked before any call; the problems are listed together (usage error, exit 2),
// each with its line, its place in the list and its account. Unknown fields are warnings, so that
// a file written for c7n-org still runs.
import { LineCounter, parseDocument, type Document } from "yaml";
import type { Account } from "./accounts.js";
import { ENTRY_FIELDS, readEntry } from "./account-entry.js";
import { damerauLevenshtein } from "./edit-distance.js";
import { usageError } from "./errors.js";
import { readInput, STDIN, type InputContext } from "./input.js";

/** An accounts file is at most this long (about 80,000 entries of 200 bytes): anything longer is not one. */
export const ACCOUNTS_FILE_MAX_BYTES = 16 * 2 ** 20;

/** At most this many problems are listed; the rest are counted. */
export const PROBLEMS_SHOWN = 20;

/** The accounts of a file, in its order, and what it had that is ignored. */
export interface AccountsFile {
  readonly accounts: readonly Account[];
  /** One line each: unknown fields (grouped by name), ignored settings. */
  readonly warnings: readonly string[];
}

/**
 * --accounts-from FILE or `-`: its accounts, or a usage error (exit 2) before any call.
 * `partition`: the run's (from its Regions), for a role given by name; undefined: not known (aws).
 */
export async function readAccountsFile(
  source: string,
  ctx: InputContext,
  partition: string | undefined,
): Promise<AccountsFile> {
  const { bytes } = await readInput(
    {
      label: `--accounts-from ${source}`,
      path: source === "-" ? STDIN : source,
      maxBytes: ACCOUNTS_FILE_MAX_BYTES,
      cap: "the cap for an accounts file",
      terminalHint: "Pipe the file in (… | kms-replicate --accounts-from -) or give its path.",
    },
    ctx,
  );
  return parseAccountsFile(decodeAccountsFile(bytes, source), source, partition);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 (a byte-order mark or not), or UTF-16 with its byte-order mark (PowerShell's default). */
export function decodeAccountsFile(bytes: Buffer, source: string): string {
  const bom = bytes.subarray(0, 2).toString("hex");
  try {
    if (bom === "fffe") return new TextDecoder("utf-16le", { fatal: true }).decode(bytes.subarray(2));
    if (bom === "feff") return new TextDecoder("utf-16be", { fatal: true }).decode(bytes.subarray(2));
    return UTF8.decode(bytes.subarray(0, 3).toString("hex") === "efbbbf" ? bytes.subarray(3) : bytes);
  } catch {
    throw usageError(
      `--accounts-from ${source} is not UTF-8 text; an accounts file is YAML or JSON.`,
      "Give the accounts file (c7n-org's format: a list under accounts:).",
    );
  }
}

/** c7n-org's other clouds: their lists are ignored (with a warning). */
const OTHER_CLOUDS = ["subscriptions", "projects", "tenancies"];

/** An accounts file's text → its accounts; a usage error that lists every problem. */
export function parseAccountsFile(text: string, source: string, partition: string | undefined): AccountsFile {
  const label = `--accounts-from ${source}`;
  const lines = new LineCounter();
  // YAML 1.1 with merge keys (<<: *defaults), as c7n-org's parser (PyYAML) reads the file.
  const doc = parseDocument(text, { lineCounter: lines, version: "1.1", merge: true });
  const [first] = doc.errors;
  if (first !== undefined) throw syntaxError(text, label, first.message, first.linePos?.[0]);
  const top: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (top === null || top === undefined) throw usageError(`${label} is empty; it lists no accounts.`, SHAPE);
  if (Array.isArray(top) || typeof top !== "object") {
    throw usageError(`${label}: the file is not a mapping with an accounts: list.`, SHAPE);
  }
  const record = top as Record<string, unknown>;
  const warnings: string[] = [];
  for (const key of Object.keys(record)) {
    if (key === "accounts" || key === "vars") continue;
    warnings.push(
      OTHER_CLOUDS.includes(key)
        ? `${label}: ${key}: is for another cloud (c7n-org); ignored.`
        : `${label}: unknown field '${key}' at the top; ignored${didYouMean(key, ["accounts", "vars"])}.`,
    );
  }
  const list = record.accounts;
  if (!Array.isArray(list)) {
    throw usageError(
      list === undefined ? `${label} has no accounts: list.` : `${label}: accounts: is not a list.`,
      SHAPE,
    );
  }
  if (list.length === 0) throw usageError(`${label}: accounts: is an empty list.`);
  const problems: string[] = [];
  const unknown = new Map<string, string[]>();
  const accounts: Account[] = [];
  list.forEach((entry: unknown, index) => {
    const where = entryPlace(doc, lines, index);
    const read = readEntry(entry, {
      nodeOf: (field) => doc.getIn(["accounts", index, field], true),
      partition,
    });
    const who = `${where}${read.who}`;
    problems.push(...read.problems.map((p) => `  ${who}: ${p}`));
    warnings.push(...read.warnings.map((w) => `${label} ${who}: ${w}`));
    for (const field of read.unknown) unknown.set(field, [...(unknown.get(field) ?? []), who]);
    if (read.account !== undefined) accounts.push(read.account);
  });
  for (const [field, where] of unknown) {
    const first = where[0] ?? "";
    const many =
      where.length > 1 ? ` and ${where.length - 1} more entr${where.length === 2 ? "y" : "ies"}` : "";
    warnings.push(
      `${label}: unknown field '${field}' (${first}${many}); ignored${didYouMean(field, ENTRY_FIELDS)}.`,
    );
  }
  problems.push(...duplicates(accounts, list, doc, lines));
  warnings.push(...sameNames(accounts).map((w) => `${label}: ${w}`));
  if (problems.length > 0) {
    const more = problems.length - PROBLEMS_SHOWN;
    const shown = more > 0 ? [...problems.slice(0, PROBLEMS_SHOWN), `  … and ${more} more`] : problems;
    throw usageError(
      `${label}: ${problems.length === 1 ? "1 problem" : `${problems.length} problems`}; nothing was changed:\n${shown.join("\n")}`,
    );
  }
  return { accounts, warnings };
}

const SHAPE =
  "An accounts file (c7n-org's format) is a list under accounts:, each entry with account_id and role or profile.";

/** The YAML parser's message, or, for a file that looks like JSON, JSON's own. */
function syntaxError(
  text: string,
  label: string,
  message: string,
  at: { line: number; col: number } | undefined,
): Error {
  if (/^\s*[[{]/.test(text.replace(/^\uFEFF/, ""))) {
    try {
      JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const position = /at position (\d+)/.exec(reason)?.[1];
      const place = position === undefined ? "" : ` (${lineColumn(text, Number(position))})`;
      return usageError(
        `${label} is not valid JSON: ${reason.replace(/ \(line \d+ column \d+\)$/, "")}${place}.`,
      );
    }
  }
  const where = at === undefined ? "" : ` (line ${at.line}, column ${at.col})`;
  const reason = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "");
  return usageError(`${label} is not valid YAML: ${reason}${where}.`);
}

function lineColumn(text: string, position: number): string {
  const before = text.slice(0, position).split("\n");
  return `line ${before.length}, column ${(before[before.length - 1] ?? "").length + 1}`;
}

/** `line 12, accounts[3]`: where an entry starts in the file. */
function entryPlace(doc: Document, lines: LineCounter, index: number): string {
  const node = doc.getIn(["accounts", index], true);
  const start = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
  return `${start === undefined ? "" : `line ${lines.linePos(start).line}, `}accounts[${index}]`;
}

/** Entries that name the same account: refused, each after the first. */
function duplicates(
  accounts: readonly Account[],
  list: readonly unknown[],
  doc: Document,
  lines: LineCounter,
): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  list.forEach((entry, index) => {
    const id = (entry as { account_id?: unknown } | null)?.account_id;
    if (typeof id !== "string" || !accounts.some((a) => a.accountId === id.trim())) return;
    const earlier = seen.get(id.trim());
    if (earlier === undefined) seen.set(id.trim(), index);
    else
      problems.push(
        `  ${entryPlace(doc, lines, index)} (${id.trim()}): the account is listed before, as accounts[${earlier}].`,
      );
  });
  return problems;
}

function sameNames(accounts: readonly Account[]): string[] {
  const ids = new Map<string, string[]>();
  for (const a of accounts)
    if (a.name !== undefined) ids.set(a.name, [...(ids.get(a.name) ?? []), a.accountId]);
  return [...ids]
    .filter(([, list]) => list.length > 1)
    .map(([name, list]) => `the name '${name}' is given to ${list.length} accounts (${list.join(", ")}).`);
}

/** ` (did you mean external_id?)` for a field two edits or fewer from a known one. */
function didYouMean(field: string, known: readonly string[]): string {
  const near = known.find((k) => damerauLevenshtein(field.toLowerCase(), k) <= 2);
  return near === undefined ? "" : ` (did you mean ${near}?)`;
}
