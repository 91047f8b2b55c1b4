// An organisation run: the same fleet command in each account of the run (this shard's), each with
// its own credentials, AWS adapter and quota book (src/cli/fleet.ts runFleetIn), so that each
// account brings its own budget; at most --max-accounts-in-flight at once, no new one after
// --max-failed-accounts failures (src/cli/org-schedule.ts). An account that cannot be reached
// fails alone, with its reason. A run over the caller's own account with --shard does its shard of
// the keys instead. The JSON document is version 3 (src/cli/org-report.ts).
import type { KmsSettings } from "../aws/client.js";
import type { Loaded, ParseContext, RawFlags } from "../commands/contract.js";
import type { Account, Shard } from "../core/accounts.js";
import { EXIT, usageError } from "../core/errors.js";
import type { Emit } from "../core/events.js";
import { stopOf } from "../core/stop.js";
import { deadlineOf } from "./connect.js";
import { runFleetIn } from "./fleet.js";
import { fleetExitCodeOf, type FleetOutcome, type FleetTracker } from "./fleet-report.js";
import type { FleetScope, KeyShard } from "./fleet-scope.js";
import type { Globals } from "./globals.js";
import type { AccountId, AccountRun, OrgOutcome, OrgState, OrgTracker } from "./org-state.js";
import { accountEntry, notStartedRun } from "./org-report.js";
import { runAccounts } from "./org-schedule.js";
import { runEndingError, type Session } from "./session.js";

/** How the run reaches one account. */
export interface AccountReach {
  /** The adapter's settings for it (its credentials); empty: the run's own. */
  readonly settings: Partial<KmsSettings>;
  /** The role ARN worked as (the last of a chain); null: a profile, or the run's own credentials. */
  readonly role: string | null;
}

/** What the run works on: accounts (this shard's), or the caller's own account's keys (a shard of them). */
export type OrgTarget =
  | {
      readonly kind: "accounts";
      /** In account-ID order. */
      readonly accounts: readonly Account[];
      readonly inFlight: number;
      readonly maxFailed: number | undefined;
      reach(account: Account): AccountReach;
    }
  | { readonly kind: "keys"; readonly keys: KeyShard };

export type { AccountId, AccountRun, OrgOutcome, OrgState, OrgTracker } from "./org-state.js";

/** The command's flags, as the runner read them, and how to read them again for an account. */
export interface OrgCommand {
  readonly module: Loaded;
  readonly options: unknown;
  readonly globals: Globals;
  readonly own: RawFlags;
  readonly ownOptions: readonly string[];
  readonly parseCtx: ParseContext;
  /** --dry-run, as the command reads it. */
  readonly dryRun: boolean;
}

export async function runOrg(
  command: OrgCommand,
  target: OrgTarget,
  shard: Shard | undefined,
  session: Session,
  tracker: OrgTracker,
): Promise<OrgOutcome> {
  const { io } = session;
  const { globals } = command;
  // Every fleet command works on a selection in each account: one --key too (that alias in each).
  const fleetGlobals: Globals = { ...globals, fleet: true };
  const deadline = deadlineOf(io, timeoutOf(command.options));
  if (target.kind === "keys") {
    const state: OrgState = { shard, accounts: [], settled: new Map(), started: new Map() };
    tracker.state = state;
    const run = await runAccount(command, fleetGlobals, session, state, {
      index: 0,
      account: { accountId: "", name: undefined },
      reach: { settings: {}, role: null },
      keys: target.keys,
    });
    return { shard, runs: [run] };
  }
  refuseKeyArns(globals);
  const accounts = target.accounts;
  const state: OrgState = { shard, accounts, settled: new Map(), started: new Map() };
  tracker.state = state;
  session.reporter.org?.start(accounts.length, Math.min(target.inFlight, accounts.length));
  const runs = await runAccounts(accounts, {
    inFlight: target.inFlight,
    maxFailed: target.maxFailed,
    signal: io.signal,
    deadline,
    run: (account, index) =>
      runAccount(command, fleetGlobals, session, state, { index, account, reach: target.reach(account) }),
    failed: (run) => run.exitCode !== EXIT.ok && run.exitCode !== EXIT.drift && run.exitCode !== EXIT.timeout,
    notStarted: (account, why) =>
      notStartedRun(account, why, io.signal.aborted ? stopOf(io.signal) : undefined),
    settled: (index, run) => {
      state.settled.set(index, run);
      session.reporter.org?.accountEnded(accountEntry(command.module, run, command.dryRun), run.elapsedMs);
    },
  });
  return { shard, runs };
}

/** --timeout of the command's options, if it has one. */
const timeoutOf = (options: unknown): number | undefined => {
  const value = (options as { readonly timeoutMs?: unknown } | undefined)?.timeoutMs;
  return typeof value === "number" ? value : undefined;
};

/**
 * An ARN names a key (or alias) of one account and Region: "the same key in each account" has no
 * meaning for it, and KMS refuses management calls across accounts. Refused before any account.
 */
function refuseKeyArns(globals: Globals): void {
  const arn = globals.selection.keys.find((k) => k.value.startsWith("arn:"));
  if (arn === undefined) return;
  throw usageError(
    `--key ${arn.value}: an ARN names a key of one account; a run over accounts works on the same key in each account.`,
    "Give the key as alias/NAME (or its key ID), with --region; or run without the accounts options for that one account.",
  );
}

/** One account's run: its credentials checked, its options (its regions), its own fleet. */
async function runAccount(
  command: OrgCommand,
  globals: Globals,
  session: Session,
  state: OrgState,
  one: {
    readonly index: number;
    readonly account: AccountId;
    readonly reach: AccountReach;
    readonly keys?: KeyShard;
  },
): Promise<AccountRun> {
  const { io } = session;
  const { module } = command;
  const startedAt = performance.now();
  const { account, reach } = one;
  const tracker: FleetTracker = {};
  let options: unknown = undefined;
  /** The account the credentials are of, when they say. */
  let caller: string | undefined;
  const id = account.accountId;
  state.started.set(one.index, { account, role: reach.role, options, tracker });
  session.reporter.org?.accountStarted(id);
  const emit: Emit = (event) => {
    if (event.type === "warning") session.emit({ ...event, message: prefixed(id, event.message) });
    else if (event.type === "fleet") session.reporter.org?.accountKeys(id, event.keys);
    else if (event.type === "call" || event.type === "sdk-log" || event.type === "note") session.emit(event);
  };
  const scope: FleetScope = {
    io,
    emit,
    settled: () => session.reporter.org?.accountKey(id),
    confirm: (confirmation) =>
      Promise.reject(
        usageError(
          "A run over accounts does not ask for confirmation account by account; nothing was changed.",
          confirmation.hint,
        ),
      ),
    reach: reach.settings,
    ...(one.keys !== undefined ? { shard: one.keys } : {}),
    // The account's credentials, got once before any call to KMS: a role refused fails the
    // account here; credentials of another account than the file says are refused.
    ready: async (kms) => {
      caller = await kms.callerAccount?.();
      if (one.keys !== undefined || caller === undefined || caller === id) return;
      throw usageError(
        `${id}: the credentials for this account are of account ${caller}; nothing was changed in it.`,
        "Check the account's role or profile in the accounts file.",
      );
    },
  };
  const settle = (run: Omit<AccountRun, "account" | "role" | "tracker" | "elapsedMs">): AccountRun => ({
    account:
      one.keys === undefined ? account : { ...account, accountId: caller ?? callerOf(run.outcome) ?? "" },
    role: reach.role,
    tracker,
    elapsedMs: performance.now() - startedAt,
    ...run,
  });
  try {
    options = await optionsFor(command, account, session);
    state.started.set(one.index, { account, role: reach.role, options, tracker });
    const outcome = await runFleetIn(module, options, globals, scope, tracker);
    const stop = io.signal.aborted ? stopOf(io.signal) : undefined;
    return settle({ options, outcome, exitCode: fleetExitCodeOf(outcome, stop) });
  } catch (error) {
    const { failure, exitCode } = runEndingError(error, io.signal, "*", module.advice);
    return settle({ options, failure, exitCode });
  } finally {
    state.started.delete(one.index);
  }
}

/** An account's own lines: its ID first (the account's name is in its entry). */
const prefixed = (accountId: string, message: string): string =>
  accountId === "" ? message : `${accountId}: ${message}`;

/** The caller's account, from the ARN of a key its run selected (a key-sharded run). */
function callerOf(outcome: FleetOutcome | undefined): string | undefined {
  const arn = outcome?.runs.find((r) => r.key.primary.arn.startsWith("arn:"))?.key.primary.arn;
  return arn?.split(":")[4];
}

/**
 * The command's options in this account: the accounts file's `regions` in place of --regions,
 * the command's flags read again with them (its checks run on them as on --regions).
 */
async function optionsFor(
  command: OrgCommand,
  account: AccountId & Partial<Account>,
  session: Session,
): Promise<unknown> {
  const regions = account.regions;
  if (regions === undefined) return command.options;
  if (!command.ownOptions.includes("--regions")) {
    session.emit({
      type: "warning",
      message: `${account.accountId}: the accounts file's regions do not apply to ${command.module.name} (it has no --regions).`,
    });
    return command.options;
  }
  return command.module.parse({ ...command.own, regions: [regions.join(",")] }, command.parseCtx);
}
