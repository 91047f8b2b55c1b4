// What an organisation run reports: each account's entry (its version-2 document without the
// envelope, src/cli/fleet-report.ts), the run's exit code from its accounts', its version-3
// document, and what a second signal knows (accounts settled, at work, not started).
import type { Loaded } from "../commands/contract.js";
import type { ExitCode, ReportedError } from "../core/errors.js";
import type { Stop } from "../core/stop.js";
import { keyTotals } from "../report/fleet.js";
import { accountEntryOf, orgDocument, orgExitCode, type OrgDocument, type OrgEntry } from "../report/org.js";
import { fleetDocumentOf, fleetPartial } from "./fleet-report.js";
import { EXIT } from "../core/errors.js";
import type { AccountId, AccountRun, OrgOutcome, OrgTracker } from "./org-state.js";
import type { NotStartedWhy } from "./org-schedule.js";

/** One account's entry: its fleet document without the envelope, who it is. */
export function accountEntry(module: Loaded, run: AccountRun, dryRun: boolean): OrgEntry {
  const document = fleetDocumentOf(module, {
    exitCode: run.exitCode,
    failure: run.failure ?? null,
    outcome: run.outcome,
    tracker: run.tracker,
    options: run.options,
    warnings: [],
    elapsedMs: run.elapsedMs,
    dryRun,
  });
  return accountEntryOf(
    { account: run.account.accountId, name: run.account.name ?? null, role: run.role },
    document,
  );
}

/** The run's exit code: the worst of its accounts' (a fleet's rule over its keys). */
export function orgExitCodeOf(outcome: OrgOutcome, stop: Stop | undefined): ExitCode {
  return orgExitCode(
    outcome.runs.map((r) => r.exitCode),
    stop?.exitCode,
  );
}

/** The version-3 document; `outcome` undefined: the run was refused before any account (`failure`). */
export function orgDocumentOf(
  module: Loaded,
  run: {
    readonly exitCode: ExitCode;
    readonly failure: ReportedError | null;
    readonly outcome: OrgOutcome | undefined;
    readonly tracker: OrgTracker;
    readonly options: unknown;
    readonly warnings: readonly string[];
    readonly elapsedMs: number;
    readonly dryRun: boolean;
  },
): OrgDocument {
  const dryRun = run.options === undefined ? run.dryRun : module.dryRun(run.options);
  const runs = run.outcome?.runs ?? [];
  // A key-sharded run whose shard had no key, and whose account is not known: no entry.
  const accounts = runs.filter((r) => r.account.accountId !== "").map((r) => accountEntry(module, r, dryRun));
  const shard = run.outcome?.shard ?? run.tracker.state?.shard;
  return orgDocument({
    command: module.name,
    exitCode: run.exitCode,
    dryRun,
    shard: shard === undefined ? null : { index: shard.index, count: shard.count },
    accounts,
    zero: { keys: keyTotals([]), ...module.render.totals([]) },
    error: run.failure,
    warnings: run.warnings,
    elapsedMs: run.elapsedMs,
  });
}

/** What a second signal reports: every account settled, at work (what its fleet knows), or not started. */
export function orgPartial(tracker: OrgTracker, stop: Stop, startedAt: number): OrgOutcome | undefined {
  const { state } = tracker;
  if (state === undefined) return undefined;
  const count = Math.max(state.accounts.length, ...[...state.started.keys()].map((i) => i + 1));
  const runs = Array.from({ length: count }, (_, index): AccountRun => {
    const settled = state.settled.get(index);
    if (settled !== undefined) return settled;
    const started = state.started.get(index);
    if (started !== undefined) {
      const outcome = fleetPartial(started.tracker, stop, startedAt);
      return {
        ...started,
        ...(outcome !== undefined ? { outcome } : {}),
        exitCode: stop.exitCode,
        elapsedMs: performance.now() - startedAt,
        ...(outcome === undefined
          ? {
              failure: {
                name: "Interrupted",
                message: `Stopped by a second ${stop.signalName} while this account was worked on; 'kms-replicate status' shows where its keys are.`,
              },
            }
          : {}),
      };
    }
    const account = state.accounts[index] ?? { accountId: "", name: undefined };
    return notStartedRun(account, "signal", stop);
  });
  return { shard: state.shard, runs };
}

/** An account that was not started: why, as its entry's error, and its exit code. */
export function notStartedRun(
  account: AccountId,
  why: NotStartedWhy,
  stop: { readonly signalName: string; readonly exitCode: ExitCode } | undefined,
): AccountRun {
  const base = { account, role: null, options: undefined, tracker: {}, elapsedMs: 0 };
  if (why === "signal" && stop !== undefined) {
    return {
      ...base,
      exitCode: stop.exitCode,
      failure: {
        name: "Interrupted",
        message: `Stopped by ${stop.signalName} before this account was started; nothing was changed in it. Re-run to do it.`,
      },
    };
  }
  return {
    ...base,
    exitCode: why === "deadline" ? EXIT.timeout : EXIT.failed,
    failure: {
      name: "NotStarted",
      message:
        why === "deadline"
          ? "--timeout ran out before this account's turn; nothing was changed in it. Re-run with a longer --timeout."
          : "--max-failed-accounts: enough accounts had failed that no new one was started; nothing was changed in it.",
    },
  };
}
