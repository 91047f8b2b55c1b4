// How an organisation run's accounts take their turns: at most --max-accounts-in-flight at once, in
// the order given (account-ID order); after --max-failed-accounts failures no new account starts
// (the failure tolerance of CloudFormation StackSets), nor after a stop signal or --timeout. The
// accounts not started are results too (`notStarted` says why).

/** Why an account was not started. */
export type NotStartedWhy = "failures" | "deadline" | "signal";

export async function runAccounts<A, T>(
  accounts: readonly A[],
  options: {
    /** At most this many accounts at once (at least 1). */
    readonly inFlight: number;
    /** No new account starts once this many have failed; undefined: no limit. */
    readonly maxFailed: number | undefined;
    readonly signal: AbortSignal;
    /** performance.now() after which no account starts (--timeout). */
    readonly deadline: number;
    run(account: A, index: number): Promise<T>;
    failed(result: T): boolean;
    notStarted(account: A, why: NotStartedWhy): T;
    settled?(index: number, result: T): void;
  },
): Promise<T[]> {
  const results: T[] = new Array<T>(accounts.length);
  let failures = 0;
  let next = 0;
  const whyNot = (): NotStartedWhy | undefined => {
    if (options.signal.aborted) return "signal";
    if (performance.now() >= options.deadline) return "deadline";
    return options.maxFailed !== undefined && failures >= options.maxFailed ? "failures" : undefined;
  };
  const settle = (index: number, result: T): void => {
    results[index] = result;
    options.settled?.(index, result);
  };
  // Each worker takes the next account in turn until none is left.
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next;
      next += 1;
      const account = accounts[index];
      if (account === undefined) return;
      const why = whyNot();
      if (why !== undefined) {
        settle(index, options.notStarted(account, why));
        continue;
      }
      const result = await options.run(account, index);
      if (options.failed(result)) failures += 1;
      settle(index, result);
    }
  };
  const workers = Math.max(1, Math.min(options.inFlight, accounts.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
