// What an organisation run knows: each account's settled run, and, while it works, the accounts
// at work (for a second signal). Shared by the runner (org.ts) and its report (org-report.ts).
import type { Shard } from "../core/accounts.js";
import type { ExitCode, ReportedError } from "../core/errors.js";
import type { FleetOutcome, FleetTracker } from "./fleet-report.js";

/** Who an account is, as its entry names it. */
export interface AccountId {
  readonly accountId: string;
  readonly name: string | undefined;
}

/** One account's settled run. */
export interface AccountRun {
  readonly account: AccountId;
  readonly role: string | null;
  /** The command's options for this account (its regions); undefined: they could not be read. */
  readonly options: unknown;
  /** What its fleet knew (its selection), for the entry of an account that failed. */
  readonly tracker: FleetTracker;
  readonly outcome?: FleetOutcome;
  readonly failure?: ReportedError;
  readonly exitCode: ExitCode;
  readonly elapsedMs: number;
}

export interface OrgOutcome {
  readonly shard: Shard | undefined;
  readonly runs: readonly AccountRun[];
}

/** What the run knows while it works: for a second signal. */
export interface OrgState {
  readonly shard: Shard | undefined;
  readonly accounts: readonly AccountId[];
  readonly settled: Map<number, AccountRun>;
  /** Accounts at work: who, and what their fleet knows so far. */
  readonly started: Map<number, Omit<AccountRun, "exitCode" | "elapsedMs">>;
}

export interface OrgTracker {
  state?: OrgState;
}
