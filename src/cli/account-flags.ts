// The options of an organisation-wide run and of a sharded one, global (defined on the program like
// src/cli/globals.ts's), shown in full by `kms-replicate help accounts` only (most runs need none of
// them): which accounts (--accounts-from, or --accounts with --role-name), how the run reaches
// each, which of them (tags, --not-accounts), how many at once and how many may fail, and which
// shard of the run this process is (--shard, --shard-count). Raw values → typed, once.
import type { Command, Option } from "commander";
import { availableParallelism } from "node:os";
import { collect } from "../commands/flags.js";
import type { AccountsOptions, Shard } from "../core/accounts.js";
import {
  accountIdProblem,
  DEFAULT_ROLE_SESSION_NAME,
  externalIdProblem,
  roleNameProblem,
  sessionNameProblem,
} from "../core/account-fields.js";
import { usageError } from "../core/errors.js";
import type { Tag } from "../core/options.js";
import { SHARD_INDEX_VARIABLES, shardOf } from "../core/shard.js";

/** Raw commander values of the accounts options (strings as typed; the repeatable ones collected). */
export interface RawAccountFlags {
  accountsFrom?: string;
  /** --accounts ID,ID (repeatable; commas split). */
  accounts?: readonly string[];
  roleName?: string;
  externalId?: string;
  roleSessionName?: string;
  /** --select-account-tag Key=Value, repeatable. */
  selectAccountTag?: readonly string[];
  /** --not-accounts ID,… (repeatable; commas split). */
  notAccounts?: readonly string[];
  maxFailedAccounts?: string;
  maxAccountsInFlight?: string;
  shard?: string;
  shardCount?: string;
}

/** The names commander gives these options' values (for GLOBAL_NAMES). */
export const ACCOUNT_FLAG_NAMES = [
  "accountsFrom",
  "accounts",
  "roleName",
  "externalId",
  "roleSessionName",
  "selectAccountTag",
  "notAccounts",
  "maxFailedAccounts",
  "maxAccountsInFlight",
  "shard",
  "shardCount",
] as const;

/** Is this one of the accounts options (shown by `help accounts`, not in the compact block)? */
export const isAccountOption = (option: Option): boolean =>
  (ACCOUNT_FLAG_NAMES as readonly string[]).includes(option.attributeName());

/**
 * --max-accounts-in-flight's default: 4 accounts per CPU. An account's run mostly waits: on its
 * quota windows (KMS's default write quotas are 5 a second per Region) and on KMS's answers, and
 * the client spends about 1.5 ms of CPU per call, so one account at its write quotas in a few
 * Regions keeps a few per cent of a core busy; 4 per core leave room for its bursts of reads.
 * c7n-org's default is the same (4 workers per CPU).
 */
export function defaultAccountsInFlight(): number {
  return 4 * availableParallelism();
}

export function defineAccountFlags(program: Command): Command {
  return program
    .option("--accounts-from <file|->", "an organisation: the accounts file (c7n-org's YAML or JSON), or -")
    .option("--accounts <ids>", "an organisation: these account IDs (with --role-name); commas", collect)
    .option("--role-name <name>", "with --accounts: the role assumed in each (a path allowed: team/NAME)")
    .option("--external-id <id>", "the ExternalId for every role without its own external_id")
    .option(
      "--role-session-name <name>",
      `the session name of every role (default: ${DEFAULT_ROLE_SESSION_NAME})`,
    )
    .option(
      "--select-account-tag <Key=Value>",
      "only accounts with this file tag; repeatable: every one",
      collect,
    )
    .option("--not-accounts <ids>", "leave out these accounts (IDs or the file's names); commas", collect)
    .option("--max-failed-accounts <n>", "start no new account after N have failed (default: no limit)")
    .option(
      "--max-accounts-in-flight <n>",
      `at most N accounts at once (default: 4 per CPU, here ${defaultAccountsInFlight()})`,
    )
    .option("--shard <I/N>", "do shard I of N (from 1) of the accounts, or of the keys of one account")
    .option(
      "--shard-count <n>",
      `N shards; this one's index (from 0) from ${SHARD_INDEX_VARIABLES.join(" or ")}`,
    );
}

/** The accounts options, typed: undefined without --accounts-from or --accounts; the shard, if any. */
export interface AccountFlags {
  readonly accounts: AccountsOptions | undefined;
  readonly shard: Shard | undefined;
}

/** Comma-split, trimmed, blanks dropped. */
const itemsOf = (values: readonly string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");

/** The accounts options → typed; a usage error (exit 2) for a bad value or a combination that means nothing. */
export function parseAccountFlags(flags: RawAccountFlags, env: NodeJS.ProcessEnv): AccountFlags {
  const shard = shardOf(flags, env);
  const source = sourceOf(flags);
  if (source === undefined) {
    const given = ACCOUNT_ONLY.filter(([name]) => flags[name] !== undefined).map(([, flag]) => flag);
    if (given.length > 0) {
      throw usageError(
        `${given.join(", ")}: ${given.length === 1 ? "is" : "are"} for a run over accounts; give --accounts-from FILE or --accounts ID,….`,
      );
    }
    return { accounts: undefined, shard };
  }
  if (source.kind === "list" && flags.selectAccountTag !== undefined) {
    throw usageError(
      "--select-account-tag picks accounts by the tags of an accounts file; --accounts names the accounts themselves.",
    );
  }
  if (source.kind === "list" && source.roleName === undefined && flags.externalId !== undefined) {
    throw usageError("--external-id is for a role; --accounts without --role-name assumes none.");
  }
  const externalId = checked(flags.externalId, "--external-id", externalIdProblem);
  const roleSessionName =
    checked(flags.roleSessionName, "--role-session-name", sessionNameProblem) ?? DEFAULT_ROLE_SESSION_NAME;
  const accounts: AccountsOptions = {
    source,
    externalId,
    roleSessionName,
    selectTags: (flags.selectAccountTag ?? []).map(accountTag),
    notAccounts: itemsOf(flags.notAccounts),
    maxFailedAccounts: wholeNumber(flags.maxFailedAccounts, "--max-failed-accounts"),
    maxAccountsInFlight:
      wholeNumber(flags.maxAccountsInFlight, "--max-accounts-in-flight") ?? defaultAccountsInFlight(),
  };
  return { accounts, shard };
}

/** The flags that mean nothing without accounts (--shard splits keys then). */
const ACCOUNT_ONLY: readonly (readonly [keyof RawAccountFlags, string])[] = [
  ["roleName", "--role-name"],
  ["externalId", "--external-id"],
  ["roleSessionName", "--role-session-name"],
  ["selectAccountTag", "--select-account-tag"],
  ["notAccounts", "--not-accounts"],
  ["maxFailedAccounts", "--max-failed-accounts"],
  ["maxAccountsInFlight", "--max-accounts-in-flight"],
];

function sourceOf(flags: RawAccountFlags): AccountsOptions["source"] | undefined {
  const ids = itemsOf(flags.accounts);
  if (flags.accountsFrom !== undefined && flags.accounts !== undefined) {
    throw usageError(
      "--accounts-from and --accounts both name the accounts; give one.",
      "To leave some accounts of a file out: --not-accounts ID,…; to pick some: --select-account-tag Key=Value.",
    );
  }
  if (flags.roleName !== undefined && flags.accounts === undefined) {
    throw usageError(
      flags.accountsFrom !== undefined
        ? "--role-name is for --accounts; the accounts file names each account's role (role: NAME or an ARN)."
        : "--role-name is for --accounts ID,…: the role assumed in each of them.",
    );
  }
  if (flags.accountsFrom !== undefined) {
    if (flags.accountsFrom.trim() === "")
      throw usageError("--accounts-from is empty; give a file, or - for stdin.");
    return { kind: "file", path: flags.accountsFrom };
  }
  if (flags.accounts === undefined) return undefined;
  if (ids.length === 0)
    throw usageError("--accounts is empty; give account IDs, e.g. --accounts 111122223333,444455556666.");
  for (const id of ids) {
    const problem = accountIdProblem(id);
    if (problem !== undefined) throw usageError(`--accounts: '${id}': ${problem}`);
  }
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw usageError(`--accounts: ${twice} is given twice.`);
  const roleName = checked(flags.roleName, "--role-name", roleNameProblem);
  if (roleName === undefined && ids.length > 1) {
    throw usageError(
      `--accounts names ${ids.length} accounts and no --role-name: the run's own credentials reach one account, its own.`,
      "Give --role-name NAME, the role to assume in each account.",
    );
  }
  return { kind: "list", accountIds: ids, roleName };
}

function checked(
  value: string | undefined,
  flag: string,
  problemOf: (value: string) => string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const problem = problemOf(value.trim());
  if (problem !== undefined) throw usageError(`${flag} '${value}': ${problem}`);
  return value.trim();
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw usageError(`${flag} ${value}: not a whole number of at least 1.`);
  return n;
}

/** --select-account-tag Key=Value (split at the first `=`; `Key=` for an empty value). */
function accountTag(value: string): Tag {
  const at = value.indexOf("=");
  if (at <= 0) {
    const colon = value.indexOf(":");
    throw usageError(
      `--select-account-tag '${value}' is not Key=Value.`,
      colon > 0
        ? `For c7n-org's tag ${value}: --select-account-tag ${value.slice(0, colon)}=${value.slice(colon + 1)}`
        : undefined,
    );
  }
  return { TagKey: value.slice(0, at).trim(), TagValue: value.slice(at + 1).trim() };
}
