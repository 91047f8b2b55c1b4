// The organisation run's turns: at most N accounts at once, none started after the failure
// tolerance is reached, a stop signal or --timeout; results in the accounts' order.
import { describe, expect, it } from "vitest";
import { runAccounts } from "../../../src/cli/org-schedule.js";

type Result =
  { readonly account: string; readonly ok: boolean } | { readonly account: string; readonly not: string };

/** Accounts that end after `ms`, failing when their name says so; records how many ran at once. */
function fakes(delayMs = 5) {
  let atOnce = 0;
  let most = 0;
  const started: string[] = [];
  const run = async (account: string): Promise<Result> => {
    started.push(account);
    atOnce += 1;
    most = Math.max(most, atOnce);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    atOnce -= 1;
    return { account, ok: !account.startsWith("bad") };
  };
  return { run, started, most: () => most };
}

/** The bounds a test sets (the rest: defaults). */
interface Bounds {
  readonly inFlight: number;
  readonly maxFailed: number | undefined;
  readonly signal: AbortSignal;
  readonly deadline: number;
}

const options = (run: (a: string) => Promise<Result>, more: Partial<Bounds> = {}) => ({
  inFlight: 2,
  maxFailed: undefined,
  signal: new AbortController().signal,
  deadline: Number.POSITIVE_INFINITY,
  run,
  failed: (r: Result) => "ok" in r && !r.ok,
  notStarted: (account: string, why: string): Result => ({ account, not: why }),
  ...more,
});

describe("runAccounts", () => {
  it("runs every account, at most inFlight at once, results in the accounts' order", async () => {
    // GIVEN
    const f = fakes();
    const accounts = ["a", "b", "c", "d", "e"];
    // WHEN
    const results = await runAccounts<string, Result>(accounts, options(f.run));
    // THEN
    expect(results.map((r) => r.account)).toEqual(accounts);
    expect(f.most()).toBe(2);
  });

  it("--max-failed-accounts 1: no account starts after one failed; the rest not started", async () => {
    // GIVEN one account at a time, the first fails
    const f = fakes();
    // WHEN
    const results = await runAccounts<string, Result>(
      ["bad1", "b", "c"],
      options(f.run, { inFlight: 1, maxFailed: 1 }),
    );
    // THEN
    expect(f.started).toEqual(["bad1"]);
    expect(results).toEqual([
      { account: "bad1", ok: false },
      { account: "b", not: "failures" },
      { account: "c", not: "failures" },
    ]);
  });

  it("accounts already at work finish when the tolerance is reached", async () => {
    const f = fakes();
    const results = await runAccounts<string, Result>(
      ["bad1", "b", "c"],
      options(f.run, { inFlight: 2, maxFailed: 1 }),
    );
    expect(results.map((r) => ("ok" in r ? r.ok : r.not))).toEqual([false, true, "failures"]);
  });

  it.each([
    ["signal", { signal: AbortSignal.abort() }],
    ["deadline", { deadline: 0 }],
  ])("after a stop (%s), no account starts", async (why, more) => {
    const f = fakes();
    const results = await runAccounts<string, Result>(["a", "b"], options(f.run, more));
    expect(f.started).toEqual([]);
    expect(results).toEqual([
      { account: "a", not: why },
      { account: "b", not: why },
    ]);
  });

  it("no account: no result", async () => {
    expect(await runAccounts([], options(fakes().run))).toEqual([]);
  });
});
