// The run's accounts from the accounts flags (typed by src/cli/account-flags.ts): the file's entries
// or --accounts' IDs with --role-name's role, then --select-account-tag and --not-accounts, then
// --external-id for the roles without one of their own. Which of them this process works on is
// --shard's business (src/core/shard.ts).
import type { Account, AccountsOptions } from "./accounts.js";
import { roleArn } from "./account-fields.js";
import { readAccountsFile } from "./accounts-file.js";
import type { InputContext } from "./input.js";
import type { Tag } from "./options.js";

export interface ResolveContext {
  /** How the file (or stdin) is read: the run's stop signal and deadline. */
  readonly inputs: InputContext;
  /** The run's partition (from its Regions), for --role-name and a file's role names; undefined: aws. */
  readonly partition: string | undefined;
  readonly warn: (message: string) => void;
}

/**
 * Every account the run works on, in the file's (or --accounts') order; a usage error (exit 2) for
 * a bad file. May be empty (a tag that no account carries): the caller says so.
 */
export async function resolveAccounts(options: AccountsOptions, ctx: ResolveContext): Promise<Account[]> {
  const source = options.source;
  let listed: readonly Account[];
  if (source.kind === "file") {
    const file = await readAccountsFile(source.path, ctx.inputs, ctx.partition);
    for (const warning of file.warnings) ctx.warn(warning);
    listed = file.accounts;
  } else {
    listed = accountsOfList(source.accountIds, source.roleName, ctx.partition);
  }
  return selectAccounts(listed, options, ctx.warn);
}

/** --accounts ID,… with --role-name NAME: that role in each; without it, the run's own credentials. */
export function accountsOfList(
  accountIds: readonly string[],
  roleName: string | undefined,
  partition: string | undefined,
): Account[] {
  return accountIds.map((accountId) => ({
    accountId,
    name: undefined,
    roles: roleName === undefined ? [] : [roleArn(partition ?? "aws", accountId, roleName)],
    externalId: undefined,
    profile: undefined,
    regions: undefined,
    tags: {},
  }));
}

/** --select-account-tag (every one), --not-accounts (by ID, or by name as c7n-org's), --external-id. */
export function selectAccounts(
  accounts: readonly Account[],
  options: Pick<AccountsOptions, "selectTags" | "notAccounts" | "externalId">,
  warn: (message: string) => void,
): Account[] {
  for (const left of options.notAccounts) {
    if (!accounts.some((a) => a.accountId === left || a.name === left)) {
      warn(`--not-accounts ${left}: no account of the run has this ID or name.`);
    }
  }
  return accounts
    .filter((a) => !options.notAccounts.some((left) => a.accountId === left || a.name === left))
    .filter((a) => options.selectTags.every((tag) => carries(a, tag)))
    .map((a) =>
      a.externalId === undefined && options.externalId !== undefined && a.roles.length > 0
        ? { ...a, externalId: options.externalId }
        : a,
    );
}

function carries(account: Account, tag: Tag): boolean {
  return Object.hasOwn(account.tags, tag.TagKey) && account.tags[tag.TagKey] === tag.TagValue;
}
