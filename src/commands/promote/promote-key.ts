// One key's promotion, in its phases: read the family and check it, then either nothing to send
// (--to is the primary already: an earlier promotion is waited for), the plan (--dry-run), or
// UpdatePrimaryRegion and the wait until both keys have settled; each phase says what it knows for
// a second signal.
import { RERUN_LONGER, refusedText } from "../../core/steps/deadline.js";
import { sendPromotion, type PromoteContext } from "../../core/steps/promote.js";
import { watchKeys, type WatchEnd } from "../../core/steps/watch-keys.js";
import type { Emit } from "../../core/events.js";
import { parseKeyRef, type KeyRef } from "../../core/keys.js";
import type { KmsPort } from "../../aws/kms.js";
import {
  checkPromoteTarget,
  checkPromotion,
  isSettled,
  memberIn,
  readMember,
  readPromotion,
  type Member,
  type Promotion,
} from "../../core/promotion.js";
import { policyWarning } from "./policy-warning.js";
import type { PromoteReport } from "./json.js";

/** A promotion whose UpdatePrimaryRegion left the process and got no answer (yet). */
const IN_FLIGHT_NOTE =
  "Stopped while UpdatePrimaryRegion was in flight (sent, not answered): it may have been carried out. Re-run promote (it counts a done promotion as done) or status.";

export const ACCEPTED_TIMEOUT_NOTE =
  "The promotion was accepted and may still complete; re-run promote or status.";
const ACCEPTED_INTERRUPTED_NOTE =
  "The promotion was accepted and completes on its own; re-run promote or status to see it settled.";

const keysOf = (promotion: Promotion): Member[] => [promotion.primary, ...promotion.replicas];

/** The keys with what was seen last, the primary (by what they report) first. */
function ordered(members: readonly Member[], primaryRegion: string): Member[] {
  const rest = members
    .filter((m) => m.region !== primaryRegion)
    .sort((a, b) => a.region.localeCompare(b.region));
  const primary = members.find((m) => m.region === primaryRegion);
  return primary === undefined ? rest : [primary, ...rest];
}

const json = (m: Member) => ({
  region: m.region,
  arn: m.arn,
  role: m.role,
  keyState: m.keyState,
  primaryRegion: m.primaryRegion,
});

/** What promoting one key works with: the adapter, the bounds, and hooks for its command. */
export interface PromoteRun {
  readonly kms: KmsPort;
  readonly emit: Emit;
  readonly signal: AbortSignal;
  /** performance.now() after which the waits stop (--timeout). */
  readonly deadline: number;
  readonly dryRun: boolean;
  /** The report as known so far (what a second signal reports). */
  readonly known?: (report: PromoteReport) => void;
  /** Every check passed and UpdatePrimaryRegion is next (or, in a dry run, would be). */
  readonly starting?: (promotion: Promotion) => void;
  /** UpdatePrimaryRegion was accepted: only the settle wait is left. */
  readonly accepted?: () => void;
}

/** What the phases of one key's promotion share: the run, the family as first read, its report. */
interface Promoting {
  readonly run: PromoteRun;
  readonly ctx: PromoteContext;
  readonly promotion: Promotion;
  readonly to: string;
  readonly warn: (message: string) => void;
  readonly reportOf: (members: readonly Member[], primaryRegion: string, rest: ReportRest) => PromoteReport;
}

type ReportRest = Omit<
  PromoteReport,
  "keyId" | "to" | "oldPrimary" | "keys" | "newPrimary" | "accepted" | "calls"
> &
  Partial<Pick<PromoteReport, "accepted" | "calls">>;

/**
 * One key (for one --key, and for each key of a failover): read the family, every check (a
 * refusal throws: exit 2, nothing changed), UpdatePrimaryRegion unless --to already is the
 * primary, and the wait until both keys have settled.
 */
export async function promoteKey(
  key: KeyRef,
  region: string,
  to: string,
  run: PromoteRun,
): Promise<PromoteReport> {
  const { kms, emit, signal } = run;
  const promotion = await readPromotion(kms, key, region, signal);
  // The partition as the primary's ARN names it, now that it is known (the Region itself was
  // checked, and any warning said, before the first call: "allow" says nothing twice).
  checkPromoteTarget(
    to,
    { region: promotion.primary.region, partition: /^arn:([^:]+):/.exec(promotion.primary.arn)?.[1] },
    "allow",
  );
  const { keyId } = promotion;
  const base = { keyId, to, oldPrimary: json(promotion.primary), accepted: false, calls: 0 };
  const p: Promoting = {
    run,
    to,
    promotion,
    warn: (message) => emit({ type: "warning", message }),
    ctx: { kms, emit, keyId, signal, deadline: run.deadline },
    reportOf: (members, primaryRegion, rest) => {
      const keys = ordered(members, primaryRegion).map(json);
      return { ...base, ...rest, keys, newPrimary: keys.find((k) => k.region === to) };
    },
  };
  run.known?.(
    p.reportOf(keysOf(promotion), promotion.primary.region, {
      outcome: "interrupted",
      note: "Stopped before UpdatePrimaryRegion was sent; nothing was changed.",
    }),
  );
  const verdict = checkPromotion(promotion, to); // a refusal throws: exit 2, nothing changed
  if (verdict.kind === "already") return alreadyPrimary(p, verdict.waitFor);
  run.starting?.(promotion);
  if (run.dryRun) return planned(p, verdict.kind === "wait" ? verdict.waitFor : []);
  const reread = (signal: AbortSignal): Promise<Promotion> =>
    readPromotion(kms, parseKeyRef(memberIn(promotion, to)?.arn ?? key.value), to, signal);
  const sent = await sendPromotion(promotion, to, reread, {
    ...p.ctx,
    // From now on a second signal must not say "nothing was changed".
    onSent: () =>
      run.known?.(
        p.reportOf(keysOf(promotion), promotion.primary.region, {
          outcome: "interrupted",
          note: IN_FLIGHT_NOTE,
        }),
      ),
  });
  return sent.kind === "accepted" ? settle(p, sent) : notAccepted(p, sent);
}

/** --to is the primary already: nothing to send; an earlier promotion still Updating is waited for. */
async function alreadyPrimary(p: Promoting, waitFor: readonly Member[]): Promise<PromoteReport> {
  const { promotion, to } = p;
  if (waitFor.length === 0 || p.run.dryRun) {
    return p.reportOf(keysOf(promotion), to, {
      outcome: "unchanged",
      note:
        waitFor.length === 0
          ? undefined
          : `An earlier promotion has not settled: ${waitFor.map((m) => m.region).join(", ")} still Updating. Without --dry-run, promote waits for it.`,
    });
  }
  // A promotion accepted before (a run that timed out): wait for it to settle, send nothing.
  const started = performance.now();
  const watched = [promotion.primary, ...waitFor.filter((m) => m.region !== to)];
  const end = await watchKeys(
    watched,
    ([t, ...others]) => t !== undefined && isSettled(t, others, to),
    p.ctx,
  );
  const members = merge(keysOf(promotion), end.members);
  return p.reportOf(members, to, {
    ...endOf(end, ACCEPTED_TIMEOUT_NOTE, ACCEPTED_INTERRUPTED_NOTE),
    ...(end.kind === "done"
      ? {
          outcome: "unchanged" as const,
          settleMs: performance.now() - started,
          note: `${to} was already the primary; the earlier promotion has now settled.`,
        }
      : {}),
    accepted: true,
  });
}

/** --dry-run: every check passed; the would-be primary's key policy is checked too. */
async function planned(p: Promoting, waitFor: readonly Member[]): Promise<PromoteReport> {
  const { promotion, to, run } = p;
  const target = memberIn(promotion, to);
  if (target !== undefined) {
    const policy = await policyWarning(run.kms, target, run.signal, true);
    if (policy !== undefined) p.warn(policy);
  }
  return p.reportOf(keysOf(promotion), promotion.primary.region, {
    outcome: "planned",
    note:
      waitFor.length > 0
        ? `${waitFor.map((m) => `${m.region} is ${m.keyState ?? "?"}`).join(", ")}: promote would wait for it first (within --timeout).`
        : undefined,
  });
}

type Sent = Awaited<ReturnType<typeof sendPromotion>>;

/** UpdatePrimaryRegion was not accepted: failed, not sent, timed out or interrupted. */
function notAccepted(p: Promoting, sent: Exclude<Sent, { kind: "accepted" }>): PromoteReport {
  const members = keysOf(sent.promotion);
  const primaryRegion = sent.promotion.primary.region;
  if (sent.kind === "failed") {
    return p.reportOf(members, primaryRegion, { outcome: "failed", calls: sent.calls, error: sent.error });
  }
  if (sent.kind === "notStarted") {
    return p.reportOf(members, primaryRegion, {
      outcome: "notStarted",
      calls: sent.calls,
      note: `${refusedText(sent.refused)}; nothing was changed. ${RERUN_LONGER}`,
    });
  }
  const waiting = sent.waiting.map((m) => `${m.region} ${m.keyState ?? "?"}`).join(", ");
  const note =
    sent.kind === "timeout"
      ? sent.refused !== undefined
        ? `UpdatePrimaryRegion got no answer and ${refusedText(sent.refused)}: it may still be carried out. Re-run promote (it counts a done promotion as done) or status.`
        : `Nothing was changed: ${waiting || "the keys"} had not become Enabled when --timeout ran out${sent.failures !== undefined ? ` (DescribeKey since: ${sent.failures})` : ""}. Re-run promote (with a longer --timeout) once both keys are Enabled.`
      : sent.inFlight
        ? IN_FLIGHT_NOTE
        : "Stopped before UpdatePrimaryRegion was sent (or after KMS refused it); nothing was changed.";
  return p.reportOf(merge(members, sent.waiting), primaryRegion, {
    outcome: sent.kind,
    calls: sent.calls,
    note,
  });
}

/** Accepted: wait until the target is a usable primary and both keys have left Updating. */
async function settle(p: Promoting, sent: Extract<Sent, { kind: "accepted" }>): Promise<PromoteReport> {
  const { promotion, to, run } = p;
  const target = memberIn(sent.promotion, to) ?? memberIn(promotion, to);
  const old = sent.from;
  const accepted = { accepted: true, calls: sent.calls };
  run.known?.(
    p.reportOf(keysOf(sent.promotion), to, {
      ...accepted,
      outcome: "interrupted",
      note: ACCEPTED_INTERRUPTED_NOTE,
    }),
  );
  run.accepted?.();
  if (target === undefined) throw new TypeError("the target key vanished from the family"); // checkPromotion found it
  const end = await watchKeys(
    [target, old],
    ([t, o]) => t !== undefined && o !== undefined && isSettled(t, [o], to),
    p.ctx,
    { pauseFirst: true },
  );
  const settleMs = performance.now() - sent.acceptedAt;
  const members = merge(keysOf(sent.promotion), end.members);
  if (end.kind !== "done") {
    return p.reportOf(members, to, {
      ...accepted,
      ...endOf(end, ACCEPTED_TIMEOUT_NOTE, ACCEPTED_INTERRUPTED_NOTE),
    });
  }
  const [now] = end.members;
  if (now?.keyState !== "Enabled") {
    return p.reportOf(members, to, {
      ...accepted,
      outcome: "failed",
      settleMs,
      error: {
        name: "NewPrimaryNotUsable",
        message: `${to} became the primary, but its key is ${now?.keyState ?? "unknown"}, not Enabled.`,
        hint: "Check it with 'kms-replicate status'.",
      },
    });
  }
  return { ...(await followers(p, members, now, old.region)), ...accepted, settleMs };
}

/** The promotion settled: the other replicas follow the new primary (read them to show it). */
async function followers(
  p: Promoting,
  settled: readonly Member[],
  now: Member,
  oldRegion: string,
): Promise<PromoteReport> {
  const { run, to } = p;
  const others = settled.filter((m) => m.region !== to && m.region !== oldRegion);
  const reread = await Promise.all(others.map((m) => readMember(run.kms, m.region, m.arn, run.signal)));
  const members = merge(settled, reread);
  const policy = await policyWarning(run.kms, now, run.signal);
  if (policy !== undefined) p.warn(policy);
  const following = members
    .filter((m) => m.region !== to)
    .map((m) => m.region)
    .sort();
  const lagging = members.filter(
    (m) => m.region !== to && m.primaryRegion !== null && m.primaryRegion !== to,
  );
  return p.reportOf(members, to, {
    outcome: "promoted",
    note:
      `The other keys (${following.join(", ")}) now follow the new primary in ${to}; ARNs and key policies are unchanged.` +
      (lagging.length > 0
        ? ` ${lagging.map((m) => m.region).join(", ")} still named ${lagging[0]?.primaryRegion ?? "?"} when read (eventual consistency).`
        : ""),
  });
}

/** `members` with the ones seen since (by Region) replacing them. */
function merge(members: readonly Member[], newer: readonly Member[]): Member[] {
  const byRegion = new Map(newer.map((m) => [m.region, m]));
  return members.map((m) => byRegion.get(m.region) ?? m);
}

/** A wait that did not settle → the report's outcome, note and error. */
function endOf(
  end: WatchEnd,
  timeoutNote: string,
  interruptedNote: string,
): Pick<PromoteReport, "outcome" | "note" | "error"> {
  switch (end.kind) {
    case "done":
      return { outcome: "promoted" };
    case "timeout":
      return {
        outcome: "timeout",
        note: `${end.members.map((m) => `${m.region} ${m.keyState ?? "?"}`).join(", ")} when --timeout ran out${end.failures !== undefined ? ` (DescribeKey since: ${end.failures})` : ""}. ${timeoutNote}`,
      };
    case "interrupted":
      return { outcome: "interrupted", note: interruptedNote };
    case "failed":
      return { outcome: "failed", error: end.error, note: timeoutNote };
  }
}
