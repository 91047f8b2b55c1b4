// Whether a run is an organisation run, and what it works on: the accounts options read (the file,
// --accounts), this shard's accounts, how each is reached; or, with --shard and no accounts, the
// caller's own account, its keys split.
import type { CommandModule } from "../commands/contract.js";
import type * as AccountCredentials from "../aws/account-credentials.js";
import type { AccountCredentialsOptions } from "../aws/account-credentials.js";
import type { Account, Shard } from "../core/accounts.js";
import { resolveAccounts } from "../core/accounts-select.js";
import { usageError } from "../core/errors.js";
import type { ReplicaEvent } from "../core/events.js";
import { partitionOf } from "../core/regions.js";
import { accountsInShard, keyInShard, shareOf } from "../core/shard.js";
import { parseAccountFlags, type RawAccountFlags } from "./account-flags.js";
import { inputsOf } from "./connect.js";
import type { Globals, RawGlobalFlags } from "./globals.js";
import type { Io } from "./io.js";
import {
  runOrg,
  type AccountReach,
  type OrgCommand,
  type OrgOutcome,
  type OrgTarget,
  type OrgTracker,
} from "./org.js";
import type { Session } from "./session.js";

/** The options that make a run an organisation run (version 3). */
const ORG_FLAGS = ["accountsFrom", "accounts", "shard", "shardCount"] as const;

/** Does the command line ask for an organisation run (the accounts options, or --shard)? */
export function orgRequested(flags: RawGlobalFlags): boolean {
  const given = flags as unknown as Readonly<Record<string, unknown>>;
  return ORG_FLAGS.some((name) => given[name] !== undefined);
}

/** A command that works on one key refuses them: it works in one account. */
export function refuseOrgFlags(module: CommandModule, flags: RawGlobalFlags): void {
  if (module.fleet || !orgRequested(flags)) return;
  throw usageError(
    `${module.name} works on one key in one account: the accounts options and --shard are for the commands that work on a selection of keys.`,
    "Run it once per account (with --profile), or use a command that takes --all-primaries.",
  );
}

/** An organisation run of the command: what it works on, then each account's fleet. */
export async function runOrgCommand(
  command: Omit<OrgCommand, "dryRun">,
  flags: RawGlobalFlags,
  session: Session,
  tracker: OrgTracker,
): Promise<OrgOutcome> {
  const { target, shard } = await planOrg(flags, command.globals, session.io, session.emit);
  const dryRun = command.module.dryRun(command.options);
  return runOrg({ ...command, dryRun }, target, shard, session, tracker);
}

/** What the run works on, and its shard: the options read, the accounts file read (before any call). */
export async function planOrg(
  flags: RawGlobalFlags,
  globals: Globals,
  io: Io,
  emit: (event: ReplicaEvent) => void,
): Promise<{ readonly target: OrgTarget; readonly shard: Shard | undefined }> {
  const { accounts: options, shard } = parseAccountFlags(flags as unknown as RawAccountFlags, io.env);
  if (options === undefined) {
    // --shard over the caller's account: its keys split, each shard its share of every quota.
    const keys = { keyIn: (id: string) => keyInShard(id, shard), share: (q: object) => shareOf(q, shard) };
    return { target: { kind: "keys", keys }, shard };
  }
  // The SDK's credential providers, loaded when an organisation run needs them: the runner imports
  // this file, and a usage error should not load them (bench/README.md, Start-up).
  const { accountCredentials, sharedSource } = await import("../aws/account-credentials.js");
  const region =
    globals.selection.regions[0] ??
    (await (await import("../aws/environment.js")).regionFromEnvironment(globals.connection.profile, io.env));
  const credentials: AccountCredentialsOptions = {
    roleSessionName: options.roleSessionName,
    // STS in the run's Region (regional STS); us-east-1 when none is known (the SDK's global one).
    region: region ?? "us-east-1",
    profile: globals.connection.profile,
    env: io.env,
    sourceFor: sharedSource(globals.connection.profile, io.env),
  };
  const accounts = await resolveAccounts(options, {
    inputs: inputsOf(io, undefined),
    partition: region === undefined ? undefined : partitionOf(region).name,
    warn: (message) => emit({ type: "warning", message }),
  });
  return {
    target: {
      kind: "accounts",
      accounts: accountsInShard(accounts, shard),
      inFlight: options.maxAccountsInFlight,
      maxFailed: options.maxFailedAccounts,
      reach: (account) => reachOf(account, credentials, accountCredentials),
    },
    shard,
  };
}

/** How the run reaches an account: its profile, or its role chain (src/aws/account-credentials.ts). */
function reachOf(
  account: Account,
  options: AccountCredentialsOptions,
  accountCredentials: typeof AccountCredentials.accountCredentials,
): AccountReach {
  return {
    settings: { credentials: accountCredentials(account, options) },
    role: account.profile !== undefined ? null : (account.roles.at(-1) ?? null),
  };
}
