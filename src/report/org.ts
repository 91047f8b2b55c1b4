// The machine's view of an organisation run (the accounts flags, or --shard): one JSON document,
// version 3, with an entry per account. Each entry is what that account's version-2 fleet document
// says, without the run's envelope (version, command, dryRun, warnings, elapsedMs), plus `account`,
// `name` and `role`: the same rule as a version-2 entry is a version-1 document without the
// envelope plus `key`. The totals are the entries' totals summed, plus the accounts by outcome; the
// same function makes them for a run and for `merge`, so that both give the same numbers.
import { EXIT, type ExitCode } from "../core/errors.js";
import type { Count, Milliseconds, RunError } from "./json.js";
import { countBy, ENVELOPE, type Envelope } from "./fleet.js";
import { fleetExitCode, KEY_OUTCOMES, keyOutcomeOf, type KeyOutcome } from "./outcomes.js";

/** The version of an organisation document (2: a fleet of one account's keys; 1: one key). */
export const ORG_JSON_VERSION = 3;

/** Who an entry is: the account, its name in the accounts file, the role the run used there. */
export interface AccountFields {
  /** The account ID, 12 digits. */
  readonly account: string;
  /** Its `name` in the accounts file; null: none given. */
  readonly name: string | null;
  /** The role ARN the run worked as (the last of a chain); null: a profile, or the run's own credentials. */
  readonly role: string | null;
}

/** One account's entry: its version-2 document without the run's envelope, and who it is. */
export type AccountEntry<F extends object> = AccountFields & Omit<F, Envelope>;

/** How many accounts ended each way (an account's outcome: its exit code's, or notStarted). */
export type AccountTotals = Readonly<Record<KeyOutcome, Count>> & {
  /** Every account of the run (of this shard). */
  readonly total: Count;
};

/** --shard I/N: this document is shard `index` (1-based) of `count`. */
export interface ShardJson {
  readonly index: number;
  readonly count: number;
}

/** Every envelope field of an organisation document. */
export interface OrgEnvelope<C extends string> {
  /** The document format's version: 3 for an organisation run, a shard, or `merge`'s output. */
  readonly version: typeof ORG_JSON_VERSION;
  readonly command: C;
  /** exitCode == 0. */
  readonly ok: boolean;
  /** The process's exit code: the worst of the accounts' (as a fleet's from its keys'), 2 when the run was refused before any account, at least 1 when `merge` misses shards. */
  readonly exitCode: ExitCode;
  /** --dry-run: nothing was changed. */
  readonly dryRun: boolean;
  /** The shard this process ran; null: the whole run (no --shard, or `merge`'s output). */
  readonly shard: ShardJson | null;
  /** `merge` only: the shards (1-based) of which no document was given; absent in a run's document. */
  readonly missingShards?: readonly number[];
  /** Set when the run was refused before any account was worked on (bad flags, an unreadable accounts file). */
  readonly error: RunError | null;
  /** Everything printed as a warning (an account's prefixed with its ID). */
  readonly warnings: readonly string[];
  /** From the start of the process to the document (`merge`: the longest shard's). */
  readonly elapsedMs: Milliseconds;
}

/** A fleet document's type as an organisation document wraps it. */
interface FleetShape {
  readonly command: string;
  readonly totals: object;
}

/** The version-3 document of a command whose version-2 document is F. */
export interface OrgJson<F extends FleetShape> extends OrgEnvelope<F["command"]> {
  /** One entry per account, in account-ID order. */
  readonly accounts: readonly AccountEntry<F>[];
  /** The accounts by outcome, then every account's totals summed (its keys', then the command's own). */
  readonly totals: { readonly accounts: AccountTotals } & F["totals"];
}

/** What an organisation document is made of, whatever the command (as this code reads it). */
export interface OrgDocument extends OrgEnvelope<string> {
  readonly accounts: readonly OrgEntry[];
  readonly totals: Readonly<Record<string, unknown>>;
}

/** What every account entry holds, whatever the command. */
export interface OrgEntry extends AccountFields {
  readonly ok: boolean;
  readonly exitCode: ExitCode;
  readonly error: RunError | null;
  readonly keys: readonly object[];
  readonly totals: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

/** An account's version-2 document → its entry: the envelope dropped, who the account is first. */
export function accountEntryOf(who: AccountFields, document: object): OrgEntry {
  const body = Object.fromEntries(Object.entries(document).filter(([field]) => !ENVELOPE.has(field)));
  return { account: who.account, name: who.name, role: who.role, ...body } as OrgEntry;
}

/** An account's outcome: notStarted when it never began (NotStarted), else its exit code's. */
export function accountOutcomeOf(entry: Pick<OrgEntry, "exitCode" | "error">): KeyOutcome {
  return entry.error?.name === "NotStarted" ? "notStarted" : keyOutcomeOf(entry.exitCode);
}

export function accountTotals(entries: readonly Pick<OrgEntry, "exitCode" | "error">[]): AccountTotals {
  return { ...countBy(KEY_OUTCOMES, entries.map(accountOutcomeOf)), total: entries.length };
}

/**
 * Totals summed: numbers added, objects summed field by field (a field one of them lacks counts
 * 0: a Region only one account works in), fields in the order first seen. Every total of every
 * command is a count or an object of counts.
 */
export function sumTotals(all: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const totals of all) {
    for (const [field, value] of Object.entries(totals)) {
      const sum = out[field];
      if (typeof value === "number") {
        out[field] = (typeof sum === "number" ? sum : 0) + value;
      } else if (typeof value === "object" && value !== null) {
        const previous = typeof sum === "object" && sum !== null ? [sum as Record<string, unknown>] : [];
        out[field] = sumTotals([...previous, value as Record<string, unknown>]);
      }
    }
  }
  return out;
}

/**
 * The run's totals: the accounts by outcome, then the entries' totals summed on top of `zero` (the
 * command's totals of no key, so that a run without accounts still has every field).
 */
export function orgTotals(
  entries: readonly OrgEntry[],
  zero: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return { accounts: accountTotals(entries), ...sumTotals([zero, ...entries.map((e) => e.totals)]) };
}

/** The run's exit code from its accounts' (fleetExitCode's rule; `interrupted`: the stop signal's). */
export function orgExitCode(codes: readonly ExitCode[], interrupted: ExitCode = EXIT.interrupted): ExitCode {
  return fleetExitCode(codes, interrupted);
}

/** Entries in account-ID order (key shards of one account: in the order given). */
export function byAccount<E extends AccountFields>(entries: readonly E[]): E[] {
  return [...entries].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
}

/** The version-3 document: its envelope, an entry per account (in account-ID order), the totals. */
export function orgDocument(input: {
  readonly command: string;
  readonly exitCode: ExitCode;
  readonly dryRun: boolean;
  readonly shard: ShardJson | null;
  readonly missingShards?: readonly number[];
  readonly accounts: readonly OrgEntry[];
  /** The command's totals of no key (`keys` included): every field there with no account. */
  readonly zero: Readonly<Record<string, unknown>>;
  readonly error: RunError | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): OrgDocument {
  const accounts = byAccount(input.accounts);
  return {
    version: ORG_JSON_VERSION,
    command: input.command,
    ok: input.exitCode === EXIT.ok,
    exitCode: input.exitCode,
    dryRun: input.dryRun,
    shard: input.shard,
    ...(input.missingShards !== undefined ? { missingShards: input.missingShards } : {}),
    accounts,
    totals: orgTotals(accounts, input.zero),
    error: input.error,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  };
}
