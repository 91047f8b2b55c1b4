// merge: the shards' version-3 documents → the document of one unsharded run (same entries, totals
// and exit code), the missing shards named, documents of another run refused.
import { describe, expect, it } from "vitest";
import { EXIT, isReplicateError, type ExitCode } from "../../../src/core/errors.js";
import { mergeDocuments } from "../../../src/report/org-merge.js";
import { accountEntryOf, orgDocument, orgExitCode, type OrgEntry } from "../../../src/report/org.js";

const ZERO = { keys: { ok: 0, failed: 0, total: 0 }, regions: { created: 0 } };

/** An account's entry with `keys` (each ok or failed). */
const entry = (account: string, keys: readonly [string, ExitCode][], selected = keys.length): OrgEntry => {
  const exitCode = orgExitCode(keys.map(([, c]) => c));
  return accountEntryOf(
    { account, name: null, role: null },
    {
      ok: exitCode === EXIT.ok,
      exitCode,
      selection: { keys: [], allPrimaries: true, listed: 9, multiRegion: 5, candidates: 5, selected },
      keys: keys.map(([key, c]) => ({ key, exitCode: c })),
      totals: {
        keys: {
          ok: keys.filter(([, c]) => c === EXIT.ok).length,
          failed: keys.filter(([, c]) => c !== EXIT.ok).length,
          total: keys.length,
        },
        regions: { created: keys.length },
      },
      error: null,
    },
  );
};

/** A document of the run: shard `index` of `count` (null: the whole run). */
const doc = (shard: { index: number; count: number } | null, accounts: OrgEntry[], command = "replicate") =>
  orgDocument({
    command,
    exitCode: orgExitCode(accounts.map((a) => a.exitCode)),
    dryRun: false,
    shard,
    accounts,
    zero: ZERO,
    error: null,
    warnings: shard === null ? [] : [`shard ${shard.index}`],
    elapsedMs: 100 * (shard?.index ?? 1),
  });

const usageOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === EXIT.usage) return error.message;
    throw error;
  }
  return "no error";
};

describe("mergeDocuments", () => {
  const a = entry("111111111111", [["alias/x", EXIT.ok]]);
  const b = entry("222222222222", [["alias/x", EXIT.failed]]);
  const c = entry("333333333333", [["alias/x", EXIT.ok]]);

  it("shards by account: the same entries, totals and exit code as the unsharded run", () => {
    // GIVEN the run as one document, and as 2 shards given in reverse order
    const whole = doc(null, [a, b, c]);
    const inputs = [
      { source: "2.json", document: doc({ index: 2, count: 2 }, [b]) },
      { source: "1.json", document: doc({ index: 1, count: 2 }, [c, a]) },
    ];
    // WHEN
    const { document, missingShards } = mergeDocuments(inputs);
    // THEN
    expect(missingShards).toEqual([]);
    expect(document.accounts).toEqual(whole.accounts);
    expect(document.totals).toEqual(whole.totals);
    expect(document).toMatchObject({ exitCode: EXIT.failed, shard: null, missingShards: [], elapsedMs: 200 });
    expect(document.warnings).toEqual(["shard 1", "shard 2"]);
  });

  it("shards by key of one account: one entry, its keys together by name, its totals summed", () => {
    // GIVEN one account's keys split in 2 shards
    const inputs = [
      { source: "1", document: doc({ index: 1, count: 2 }, [entry("111111111111", [["alias/b", EXIT.ok]])]) },
      {
        source: "2",
        document: doc({ index: 2, count: 2 }, [
          entry("111111111111", [
            ["alias/c", EXIT.failed],
            ["alias/a", EXIT.ok],
          ]),
        ]),
      },
    ];
    // WHEN
    const { document } = mergeDocuments(inputs);
    // THEN
    expect(document.accounts).toHaveLength(1);
    const [merged] = document.accounts;
    expect(merged?.keys.map((k) => (k as { key: string }).key)).toEqual(["alias/a", "alias/b", "alias/c"]);
    expect(merged).toMatchObject({
      exitCode: EXIT.failed,
      ok: false,
      selection: { listed: 9, candidates: 5, selected: 3 },
      totals: { keys: { ok: 2, failed: 1, total: 3 }, regions: { created: 3 } },
    });
    expect(document.totals).toMatchObject({ accounts: { total: 1, failed: 1 }, keys: { total: 3 } });
  });

  it("names the shards missing, and exits 1 at least", () => {
    // WHEN shards 2 and 4 of 4 are not given
    const { document, missingShards } = mergeDocuments([
      { source: "1", document: doc({ index: 1, count: 4 }, [a]) },
      { source: "3", document: doc({ index: 3, count: 4 }, []) },
    ]);
    // THEN
    expect(missingShards).toEqual([2, 4]);
    expect(document).toMatchObject({ ok: false, exitCode: EXIT.failed, missingShards: [2, 4] });
  });

  it("keeps the stop signal's exit code over a missing shard", () => {
    const stopped = { ...doc({ index: 1, count: 2 }, [a]), accounts: [{ ...a, exitCode: EXIT.terminated }] };
    const { document } = mergeDocuments([{ source: "1", document: stopped }]);
    expect(document.exitCode).toBe(EXIT.terminated);
  });

  it("an empty shard alone: every total at 0", () => {
    const { document } = mergeDocuments([{ source: "1", document: doc({ index: 1, count: 1 }, []) }]);
    expect(document).toMatchObject({ exitCode: EXIT.ok, accounts: [] });
    expect(document.totals).toMatchObject({
      accounts: { total: 0 },
      keys: { total: 0 },
      regions: { created: 0 },
    });
  });

  it.each([
    ["another command", doc({ index: 2, count: 2 }, [], "status"), /a status document of 2 shards/],
    [
      "another shard count",
      doc({ index: 2, count: 3 }, []),
      /of 3 shards.*merge combines the shards of one run/,
    ],
    ["a shard twice", doc({ index: 1, count: 2 }, []), /Shard 1\/2 is given twice: one and two/],
    ["a whole run", doc(null, []), /its `shard` is null/],
    ["a version-2 document", { version: 2, command: "replicate" }, /a version 2 document/],
    ["not an object", [1, 2], /not a JSON object/],
  ])("refuses %s (a usage error)", (_what, second, message) => {
    const first = { source: "one", document: doc({ index: 1, count: 2 }, []) };
    expect(usageOf(() => mergeDocuments([first, { source: "two", document: second }]))).toMatch(message);
  });
});
