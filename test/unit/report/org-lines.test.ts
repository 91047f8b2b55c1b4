// The organisation run's lines for people: an account's line, the progress line, the summary.
import { describe, expect, it } from "vitest";
import { EXIT } from "../../../src/core/errors.js";
import { accountLine, orgProgressLine, orgSummaryLines } from "../../../src/report/org-lines.js";
import { accountEntryOf, orgDocument } from "../../../src/report/org.js";
import { noPaint } from "../../../src/report/terminal-text.js";

const entry = (
  account: string,
  name: string | null,
  exitCode: 0 | 1,
  keys: number,
  error: string | null = null,
) =>
  accountEntryOf(
    { account, name, role: null },
    {
      ok: exitCode === 0,
      exitCode,
      keys: Array.from({ length: keys }, () => ({})),
      totals: { keys: { ok: exitCode === 0 ? keys : 0, failed: exitCode === 0 ? 0 : keys, total: keys } },
      error: error === null ? null : { name: "AccessDenied", message: error },
    },
  );

describe("accountLine", () => {
  it("names the account and counts its keys by outcome", () => {
    expect(accountLine(entry("111122223333", "prod", EXIT.ok, 3), noPaint, 65_000)).toBe(
      "✔ 111122223333 (prod): 3 keys: 3 ok (1m05s)",
    );
  });

  it("an account that never started: its error", () => {
    expect(accountLine(entry("444455556666", null, EXIT.failed, 0, "role refused"), noPaint)).toBe(
      "✖ 444455556666: AccessDenied: role refused",
    );
  });

  it("an error that already names the account: the message alone, the account said once", () => {
    const message = "Account 444455556666 (ledger): could not assume arn:aws:iam::444455556666:role/ops";
    expect(accountLine(entry("444455556666", "ledger", EXIT.failed, 0, message), noPaint)).toBe(
      "✖ 444455556666 (ledger): could not assume arn:aws:iam::444455556666:role/ops",
    );
  });
});

describe("orgProgressLine", () => {
  it("fits 80 columns with the busiest account's estimate", () => {
    const line = orgProgressLine(
      {
        total: 120,
        done: 37,
        failed: 2,
        inProgress: 16,
        busiest: { account: "111122223333", keys: 500, leftMs: 95_000 },
        elapsedMs: 3_723_000,
      },
      noPaint,
    );
    expect(line).toBe("37/120 accounts done, 2 failed, 16 at work · busiest 111122223333 ~1m35s");
    const widest = orgProgressLine(
      {
        total: 999,
        done: 998,
        failed: 998,
        inProgress: 99,
        busiest: { account: "111122223333", keys: 5000, leftMs: 36_000_000 },
        elapsedMs: 0,
      },
      noPaint,
    );
    expect([...widest].length).toBeLessThanOrEqual(80);
  });
});

describe("orgSummaryLines", () => {
  it("counts accounts and keys, then lists the accounts that did not end ok", () => {
    const accounts = [entry("1", null, EXIT.ok, 2), entry("2", "b", EXIT.failed, 0, "no")];
    const doc = orgDocument({
      command: "replicate",
      exitCode: EXIT.failed,
      dryRun: false,
      shard: null,
      accounts,
      zero: {},
      error: null,
      warnings: [],
      elapsedMs: 2000,
    });
    expect(orgSummaryLines(doc, noPaint)).toEqual([
      "✖ 2 accounts: 1 ok, 1 failed · 2 keys: 2 ok · 2s",
      "  ✖ 2 (b): AccessDenied: no",
    ]);
  });
});
