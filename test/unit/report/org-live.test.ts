// The organisation run's view without a terminal: a start line, a line per account as it ends,
// warnings as they come, the summary; with --quiet only what did not end ok.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../../src/core/errors.js";
import type { OutputMode } from "../../../src/report/mode.js";
import { createOrgReporter } from "../../../src/report/org-live.js";
import { accountEntryOf, orgDocument, type OrgEntry } from "../../../src/report/org.js";
import { noPaint } from "../../../src/report/terminal-text.js";

const PLAIN_MODE: OutputMode = {
  spinner: false,
  color: false,
  json: false,
  quiet: false,
  debug: false,
  table: { aligned: false, columns: 80, color: false },
  heartbeatMs: 0,
};

const entry = (account: string, exitCode: 0 | 1, keys: number): OrgEntry =>
  accountEntryOf(
    { account, name: null, role: null },
    {
      ok: exitCode === 0,
      exitCode,
      keys: Array.from({ length: keys }, () => ({})),
      totals: { keys: { ok: exitCode === 0 ? keys : 0, failed: exitCode === 0 ? 0 : keys, total: keys } },
      error: null,
    },
  );

async function view(mode: Partial<OutputMode> = {}) {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const reporter = await createOrgReporter({
    mode: { ...PLAIN_MODE, ...mode },
    stream,
    chalk: noPaint,
    now: () => 0,
  });
  return { reporter, lines: () => text.split("\n").filter((l) => l !== "") };
}

/** Two accounts: one ok, one with a failed key; a warning of the second. */
async function run(mode: Partial<OutputMode> = {}) {
  const { reporter, lines } = await view(mode);
  const accounts = [entry("111111111111", EXIT.ok, 2), entry("222222222222", EXIT.failed, 1)];
  reporter.start(2, 2);
  for (const a of accounts) reporter.accountStarted(a.account);
  reporter.event({ type: "warning", message: "222222222222: a warning" });
  for (const a of accounts) reporter.accountEnded(a, 1000);
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
  reporter.finish(doc, 2000);
  reporter.finish(doc, 2000);
  return lines();
}

describe("createOrgReporter without a terminal", () => {
  it("a line per account as it ends, then the summary once", async () => {
    expect(await run()).toEqual([
      "Working on 2 accounts, at most 2 at once.",
      expect.stringContaining("222222222222: a warning"),
      "✔ 111111111111: 2 keys: 2 ok (1s)",
      "✖ 222222222222: 1 key: 1 failed (1s)",
      "✖ 2 accounts: 1 ok, 1 failed · 3 keys: 2 ok, 1 failed · 2s",
      "  ✖ 222222222222: 1 key: 1 failed",
    ]);
  });

  it("--quiet: only the accounts that did not end ok, and their list", async () => {
    const lines = await run({ quiet: true });
    expect(lines.filter((l) => l.includes("111111111111"))).toEqual([]);
    expect(lines).toContain("✖ 222222222222: 1 key: 1 failed (1s)");
  });
});
