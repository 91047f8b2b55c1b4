// The person's view of an organisation run on stderr. On a terminal: one ora line, redrawn (accounts
// done, in progress, failed; the busiest account's keys and its estimate of the time left), and a
// line for each account that does not end ok. Without one (a CI log, a pipe): a line per account
// as it ends. Then the summary. Warnings and --debug lines as in a fleet run.
import type { Ora } from "ora";
import type { ReportedError } from "../core/errors.js";
import type { ReplicaEvent } from "../core/events.js";
import { rateEstimateMs } from "./estimate.js";
import { fitted } from "./fit.js";
import type { OutputMode } from "./mode.js";
import { noticeLine } from "./notices.js";
import { accountLine, orgProgressLine, orgSummaryLines, type OrgProgress } from "./org-lines.js";
import { accountOutcomeOf, type OrgDocument, type OrgEntry } from "./org.js";
import { plural } from "./fleet-block.js";
import { forPeople, literal, type Paint } from "./terminal-text.js";
import { spinnerFor } from "./live.js";

export interface OrgReporter {
  /** The run's own events: warnings (an account's prefixed with its ID), --debug lines. */
  event(event: ReplicaEvent): void;
  /** The accounts of the run (this shard's), and how many at once. */
  start(accounts: number, inFlight: number): void;
  accountStarted(accountId: string): void;
  /** The account's selection has this many keys (so far). */
  accountKeys(accountId: string, keys: number): void;
  /** A key of the account settled. */
  accountKey(accountId: string): void;
  accountEnded(entry: OrgEntry, elapsedMs: number): void;
  /** A run-ending error: always shown, also with --quiet. */
  error(error: ReportedError): void;
  stop(): void;
  /** The end: the summary. Idempotent. */
  finish(document: OrgDocument | undefined, elapsedMs: number): void;
}

/** The line is redrawn this often (ms). */
const TICK_MS = 250;

interface AtWork {
  readonly since: number;
  keys: number;
  settled: number;
}

/** The account at work with the most keys still to settle, and its estimate of the time left. */
function busiestOf(atWork: ReadonlyMap<string, AtWork>, now: number): OrgProgress["busiest"] {
  let busiest: OrgProgress["busiest"];
  let most = -1;
  for (const [account, w] of atWork) {
    const left = w.keys - w.settled;
    if (left <= most) continue;
    most = left;
    // No estimate while its keys are not known yet (its selection still lists them).
    const leftMs =
      w.keys === 0
        ? undefined
        : rateEstimateMs({ remaining: left, settled: w.settled, elapsedMs: now - w.since });
    busiest = { account, keys: w.keys, leftMs };
  }
  return busiest;
}

export async function createOrgReporter(options: {
  readonly mode: OutputMode;
  readonly stream: NodeJS.WritableStream;
  readonly chalk: Paint;
  readonly now?: () => number;
}): Promise<OrgReporter> {
  const { mode, stream, chalk: c } = options;
  const now = options.now ?? (() => performance.now());
  // ora only on a terminal, loaded only then (see spinnerFor for discardStdin and the colour).
  const spinner: Ora | undefined = await spinnerFor(mode, stream);
  const startedAt = now();
  const atWork = new Map<string, AtWork>();
  let total = 0;
  let done = 0;
  let failed = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const write = (text: string): void => {
    stream.write(`${forPeople(text, mode.color)}\n`);
  };
  const progress = (): OrgProgress => ({
    total,
    done,
    failed,
    inProgress: atWork.size,
    busiest: busiestOf(atWork, now()),
    elapsedMs: now() - startedAt,
  });
  const redraw = (): void => {
    if (spinner === undefined) return;
    spinner.text = forPeople(fitted([orgProgressLine(progress(), c)], mode.columns, 0)[0] ?? "", mode.color);
  };
  const stop = (): void => {
    clearInterval(timer);
    spinner?.stop();
  };
  return {
    event(event) {
      if (event.type === "warning" || event.type === "sdk-log" || event.type === "call") {
        const line = noticeLine(event, mode, c, new Set());
        if (line !== undefined) write(line);
      } else if (event.type === "note" && !mode.quiet) write(c.dim(literal(event.message)));
    },
    start(accounts, inFlight) {
      total = accounts;
      if (mode.quiet) return;
      if (spinner === undefined) {
        write(`Working on ${plural(accounts, "account")}, at most ${inFlight} at once.`);
        return;
      }
      spinner.start();
      redraw();
      timer = setInterval(redraw, TICK_MS);
    },
    accountStarted(accountId) {
      atWork.set(accountId, { since: now(), keys: 0, settled: 0 });
    },
    accountKeys(accountId, keys) {
      const w = atWork.get(accountId);
      if (w !== undefined) w.keys = keys;
    },
    accountKey(accountId) {
      const w = atWork.get(accountId);
      if (w !== undefined) w.settled += 1;
    },
    accountEnded(entry, elapsedMs) {
      atWork.delete(entry.account);
      done += 1;
      const ok = accountOutcomeOf(entry) === "ok";
      if (!ok) failed += 1;
      // On a terminal, the accounts that need a look; in a log, every one.
      if (mode.quiet ? !ok : spinner === undefined || !ok) {
        for (const line of fitted([accountLine(entry, c, elapsedMs)], mode.columns, 0)) write(line);
      }
      redraw();
    },
    error(error) {
      stop();
      const lines = [c.red(`✖ ${literal(error.message)}`)];
      if (error.hint !== undefined) lines.push(literal(error.hint));
      for (const line of fitted(lines, mode.columns, 0)) write(line);
    },
    stop,
    finish(document, elapsedMs) {
      stop();
      if (finished || document === undefined) return;
      finished = true;
      if (mode.quiet && document.ok) return;
      // Refused before any account: the error said it all.
      if (document.error !== null && document.accounts.length === 0) return;
      const lines = orgSummaryLines({ ...document, elapsedMs }, c);
      for (const line of fitted(mode.quiet ? lines.slice(1) : lines, mode.columns)) write(line);
    },
  };
}
