// The version-3 document of an organisation run: an entry per account (its version-2 document
// without the envelope), the accounts by outcome, every account's totals summed, the worst exit code.
import { describe, expect, it } from "vitest";
import { EXIT, type ExitCode } from "../../../src/core/errors.js";
import {
  accountEntryOf,
  accountTotals,
  orgDocument,
  orgExitCode,
  sumTotals,
  type OrgEntry,
} from "../../../src/report/org.js";

/** An account's version-2 document, as fleetDocumentOf makes it (the fields merging reads). */
const fleetDoc = (exitCode: ExitCode, keys: number, error: OrgEntry["error"] = null) => ({
  version: 2,
  command: "replicate",
  ok: exitCode === EXIT.ok,
  exitCode,
  dryRun: false,
  selection: null,
  keys: Array.from({ length: keys }, (_, i) => ({ key: `alias/k${i}` })),
  totals: {
    keys: { ok: keys, failed: 0, timeout: 0, notStarted: 0, drift: 0, interrupted: 0, total: keys },
    regions: { created: 2 * keys, exists: 0 },
    byRegion: { "eu-west-1": { created: keys, exists: 0 } },
  },
  error,
  warnings: ["run-wide"],
  elapsedMs: 99,
});

const who = (account: string) => ({ account, name: null, role: `arn:aws:iam::${account}:role/r` });

describe("accountEntryOf", () => {
  it("drops the run's envelope and puts who the account is first", () => {
    // WHEN
    const entry = accountEntryOf(who("222222222222"), fleetDoc(EXIT.ok, 1));
    // THEN
    expect(Object.keys(entry)).toEqual([
      "account",
      "name",
      "role",
      "ok",
      "exitCode",
      "selection",
      "keys",
      "totals",
      "error",
    ]);
  });
});

describe("sumTotals", () => {
  it("adds counts field by field, a field one side lacks counting 0", () => {
    // WHEN
    const sum = sumTotals([
      { keys: { ok: 1, total: 1 }, byRegion: { "eu-west-1": { created: 1 } } },
      { keys: { ok: 2, total: 3 }, byRegion: { "sa-east-1": { created: 4 } } },
    ]);
    // THEN
    expect(sum).toEqual({
      keys: { ok: 3, total: 4 },
      byRegion: { "eu-west-1": { created: 1 }, "sa-east-1": { created: 4 } },
    });
  });
});

describe("accountTotals and orgExitCode", () => {
  it.each([
    [[EXIT.ok, EXIT.ok], EXIT.ok],
    [[EXIT.ok, EXIT.failed], EXIT.failed],
    [[EXIT.timeout, EXIT.failed], EXIT.failed],
    [[EXIT.timeout, EXIT.drift], EXIT.timeout],
    [[EXIT.failed, EXIT.interrupted], EXIT.interrupted],
    [[], EXIT.ok],
  ] as [ExitCode[], ExitCode][])("accounts exiting %j: the run exits %i", (codes, expected) => {
    expect(orgExitCode(codes)).toBe(expected);
  });

  it("counts an account that never started as notStarted, whatever its exit code", () => {
    // WHEN
    const totals = accountTotals([
      { exitCode: EXIT.ok, error: null },
      { exitCode: EXIT.failed, error: { name: "AccessDenied", message: "no" } },
      { exitCode: EXIT.failed, error: { name: "NotStarted", message: "--max-failed-accounts" } },
    ]);
    // THEN
    expect(totals).toMatchObject({ total: 3, ok: 1, failed: 1, notStarted: 1 });
  });
});

describe("orgDocument", () => {
  it("is version 3, entries in account-ID order, totals summed over the accounts", () => {
    // GIVEN two accounts, given out of order
    const accounts = [
      accountEntryOf(who("333333333333"), fleetDoc(EXIT.failed, 0, { name: "AccessDenied", message: "no" })),
      accountEntryOf(who("111111111111"), fleetDoc(EXIT.ok, 2)),
    ];
    // WHEN
    const doc = orgDocument({
      command: "replicate",
      exitCode: orgExitCode(accounts.map((a) => a.exitCode)),
      dryRun: false,
      shard: { index: 1, count: 2 },
      accounts,
      zero: { keys: { ok: 0, total: 0 }, regions: { created: 0, exists: 0 }, byRegion: {} },
      error: null,
      warnings: [],
      elapsedMs: 10.4,
    });
    // THEN
    expect(doc).toMatchObject({
      version: 3,
      ok: false,
      exitCode: EXIT.failed,
      shard: { index: 1, count: 2 },
    });
    expect(doc.accounts.map((a) => a.account)).toEqual(["111111111111", "333333333333"]);
    expect(doc.totals).toEqual({
      accounts: { ok: 1, failed: 1, timeout: 0, notStarted: 0, drift: 0, interrupted: 0, total: 2 },
      keys: { ok: 2, failed: 0, timeout: 0, notStarted: 0, drift: 0, interrupted: 0, total: 2 },
      regions: { created: 4, exists: 0 },
      byRegion: { "eu-west-1": { created: 2, exists: 0 } },
    });
    expect(doc.elapsedMs).toBe(10);
  });

  it("without accounts: every total there, at 0, and exit 0", () => {
    // WHEN
    const doc = orgDocument({
      command: "status",
      exitCode: orgExitCode([]),
      dryRun: false,
      shard: { index: 3, count: 3 },
      accounts: [],
      zero: { keys: { ok: 0, total: 0 }, members: 0 },
      error: null,
      warnings: [],
      elapsedMs: 1,
    });
    // THEN
    expect(doc).toMatchObject({ ok: true, exitCode: 0, accounts: [] });
    expect(doc.totals).toEqual({
      accounts: { ok: 0, failed: 0, timeout: 0, notStarted: 0, drift: 0, interrupted: 0, total: 0 },
      keys: { ok: 0, total: 0 },
      members: 0,
    });
  });
});
