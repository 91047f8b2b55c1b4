// An organisation run for people, pure: a line per account as it ends, the progress line of the
// run (accounts done, in progress, failed; the busiest account's estimate) and the closing summary.
// Every command alike: an account is spoken of through its entry (src/report/org.ts).
import { plural } from "./fleet-block.js";
import { accountOutcomeOf, type OrgEntry } from "./org.js";
import { KEY_OUTCOMES, type KeyOutcome } from "./outcomes.js";
import { clock } from "./progress-text.js";
import { literal, type Paint } from "./terminal-text.js";

/** `111122223333 (prod)`: the account as a line names it. */
export function accountName(entry: Pick<OrgEntry, "account" | "name">): string {
  return entry.name === null ? entry.account : `${entry.account} (${literal(entry.name)})`;
}

/** `40 ok, 2 failed`: the outcomes that occur, in the usual order. */
function outcomesText(counts: Readonly<Record<string, unknown>>): string {
  const parts = KEY_OUTCOMES.flatMap((o) => {
    const n = counts[o];
    return typeof n === "number" && n > 0 ? [`${n} ${o}`] : [];
  });
  return parts.length === 0 ? "none" : parts.join(", ");
}

/** The keys' totals of an entry (or of the run): `total` and a count per outcome. */
function keysOf(totals: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const keys = totals.keys;
  return typeof keys === "object" && keys !== null ? (keys as Record<string, unknown>) : {};
}

const SIGN: Record<KeyOutcome, (c: Paint) => string> = {
  ok: (c) => c.green("✔"),
  failed: (c) => c.red("✖"),
  timeout: (c) => c.yellow("⧗"),
  notStarted: (c) => c.dim("–"),
  drift: (c) => c.yellow("≠"),
  interrupted: (c) => c.yellow("■"),
};

/** One account, as it ends: `✔ 111122223333 (prod): 50 keys: 50 ok` or its error. */
export function accountLine(entry: OrgEntry, c: Paint, elapsedMs?: number): string {
  const outcome = accountOutcomeOf(entry);
  const keys = keysOf(entry.totals);
  const total = typeof keys.total === "number" ? keys.total : entry.keys.length;
  const took = elapsedMs === undefined ? "" : c.dim(` (${clock(elapsedMs)})`);
  const what =
    entry.error !== null && entry.keys.length === 0
      ? errorText(entry, entry.error)
      : `${plural(total, "key")}: ${outcomesText(keys)}`;
  return `${SIGN[outcome](c)} ${accountName(entry)}: ${what}${took}`;
}

/**
 * An account's error after its name: `NotStarted: …`, or the message alone when it already names
 * the account (a role that could not be assumed: `Account 1111… (prod): could not assume …`).
 */
function errorText(entry: OrgEntry, error: { readonly name: string; readonly message: string }): string {
  const own = `Account ${entry.account}`;
  if (!error.message.startsWith(own)) return `${error.name}: ${literal(error.message)}`;
  const rest = error.message.slice(own.length);
  const named = entry.name === null ? rest : rest.replace(/^ \([^)]*\)/, "");
  return literal(named.replace(/^: /, ""));
}

/** What the run's progress line says. */
export interface OrgProgress {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly inProgress: number;
  /** The busiest account still at work, with its estimate of the time left (when it has one). */
  readonly busiest?: { readonly account: string; readonly leftMs: number | undefined; readonly keys: number };
  readonly elapsedMs: number;
}

/**
 * `37/120 accounts done, 2 failed, 16 at work · busiest 111122223333 ~1m35s`: at most 80 columns
 * with 12-digit IDs and up to 999 accounts (the busiest's keys while it has no estimate of the
 * time left; the elapsed time while no account is at work).
 */
export function orgProgressLine(p: OrgProgress, c: Paint): string {
  const failed = p.failed > 0 ? `, ${c.red(`${p.failed} failed`)}` : "";
  const head = `${p.done}/${p.total} accounts done${failed}, ${p.inProgress} at work`;
  if (p.busiest === undefined) return `${head} · ${clock(p.elapsedMs)}`;
  const { account, keys, leftMs } = p.busiest;
  const left = leftMs === undefined ? `(${plural(keys, "key")})` : `~${clock(Math.max(1000, leftMs))}`;
  return `${head} · busiest ${account} ${left}`;
}

/** The end: the accounts and keys by outcome, the time, then the accounts that did not end ok. */
export function orgSummaryLines(
  run: {
    readonly accounts: readonly OrgEntry[];
    readonly totals: Readonly<Record<string, unknown>>;
    readonly elapsedMs: number;
  },
  c: Paint,
): string[] {
  const accounts = run.totals.accounts as Readonly<Record<string, unknown>> | undefined;
  const keys = keysOf(run.totals);
  const allOk = run.accounts.every((e) => accountOutcomeOf(e) === "ok");
  const head = `${allOk ? c.green("✔") : c.red("✖")} ${plural(run.accounts.length, "account")}: ${outcomesText(accounts ?? {})} · ${plural(typeof keys.total === "number" ? keys.total : 0, "key")}: ${outcomesText(keys)} · ${clock(run.elapsedMs)}`;
  const bad = run.accounts.filter((e) => accountOutcomeOf(e) !== "ok").map((e) => `  ${accountLine(e, c)}`);
  return [head, ...bad];
}
