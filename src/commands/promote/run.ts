// `promote`: make the replica in --to the family's primary (UpdatePrimaryRegion), and return only
// when the family has settled. Every check before any change (exit 2); already the primary: exit 0
// with no call, so a runbook can run it twice; timeout: exit 3 (the promotion may still complete).
import { RERUN_LONGER, refusedText } from "../../core/steps/deadline.js";
import { sendPromotion, type PromoteContext } from "../../core/steps/promote.js";
import { watchKeys, type WatchEnd } from "../../core/steps/watch-keys.js";
import { isAbort, describeError, usageError } from "../../core/errors.js";
import type { Emit } from "../../core/events.js";
import { parseKeyRef, type KeyRef } from "../../core/keys.js";
import type { SelectedKey } from "../../core/selection.js";
import type { KmsPort } from "../../aws/kms.js";
import {
  accountOfArn,
  checkPromoteTarget,
  checkPromotion,
  isSettled,
  memberIn,
  policyAllowsReplicateKey,
  readMember,
  readPromotion,
  type Member,
  type Promotion,
} from "../../core/promotion.js";
import { promoteRendering, promoteStartLine, type PromoteJson, type PromoteReport } from "./render.js";
import { paint } from "../../report/terminal-text.js";
import type { CommandWork, PrepareContext, RunPlan } from "../contract.js";
import { parsePromote, type PromoteOptions } from "./flags.js";

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

/** A warning when the new primary's key policy cannot allow kms:ReplicateKey; undefined: it can. */
export async function policyWarning(
  kms: KmsPort,
  primary: Member,
  signal: AbortSignal,
  future = false,
): Promise<string | undefined> {
  const who = `${future ? "the would-be primary" : "the new primary"} in ${primary.region}`;
  const fix = `Add a statement that allows kms:ReplicateKey (aws kms put-key-policy --key-id ${primary.arn} --region ${primary.region} --policy-name default --policy file://policy.json).`;
  let policy: string;
  try {
    policy = await kms.getKeyPolicy(primary.region, primary.arn, signal);
  } catch (error) {
    if (signal.aborted || isAbort(error)) return undefined;
    const report = describeError(error, {
      operation: "GetKeyPolicy",
      region: primary.region,
      keyId: primary.arn,
    });
    return `Could not read the key policy of ${who} (GetKeyPolicy: ${report.name}); check that it allows kms:ReplicateKey, or new replicas will be refused.`;
  }
  const verdict = policyAllowsReplicateKey(policy, accountOfArn(primary.arn) ?? "");
  if (verdict.kind === "allows") return undefined;
  return verdict.kind === "refuses"
    ? `The key policy of ${who} does not allow kms:ReplicateKey (${verdict.reason}): new replicas would be refused. ${fix}`
    : `The key policy of ${who} could not be checked for kms:ReplicateKey (${verdict.reason}). ${fix}`;
}

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
  const { kms, emit, signal, dryRun } = run;
  const warn = (message: string): void => emit({ type: "warning", message });
  const promotion = await readPromotion(kms, key, region, signal);
  // The partition as the primary's ARN names it, now that it is known (the Region itself was
  // checked, and any warning said, before the first call: "allow" says nothing twice).
  checkPromoteTarget(
    to,
    { region: promotion.primary.region, partition: /^arn:([^:]+):/.exec(promotion.primary.arn)?.[1] },
    "allow",
  );
  const { keyId } = promotion;
  const base = {
    keyId,
    to,
    oldPrimary: json(promotion.primary),
    accepted: false,
    calls: 0,
  };
  const reportOf = (
    members: readonly Member[],
    primaryRegion: string,
    rest: Omit<PromoteReport, "keyId" | "to" | "oldPrimary" | "keys" | "newPrimary" | "accepted" | "calls"> &
      Partial<Pick<PromoteReport, "accepted" | "calls">>,
  ): PromoteReport => {
    const keys = ordered(members, primaryRegion).map(json);
    return { ...base, ...rest, keys, newPrimary: keys.find((k) => k.region === to) };
  };
  run.known?.(
    reportOf(keysOf(promotion), promotion.primary.region, {
      outcome: "interrupted",
      note: "Stopped before UpdatePrimaryRegion was sent; nothing was changed.",
    }),
  );

  const verdict = checkPromotion(promotion, to); // a refusal throws: exit 2, nothing changed
  const ctx: PromoteContext = {
    kms,
    emit,
    keyId,
    signal,
    deadline: run.deadline,
  };

  if (verdict.kind === "already") {
    if (verdict.waitFor.length === 0 || dryRun) {
      return reportOf(keysOf(promotion), to, {
        outcome: "unchanged",
        note:
          verdict.waitFor.length === 0
            ? undefined
            : `An earlier promotion has not settled: ${verdict.waitFor.map((m) => m.region).join(", ")} still Updating. Without --dry-run, promote waits for it.`,
      });
    }
    // A promotion accepted before (a run that timed out): wait for it to settle, send nothing.
    const started = performance.now();
    const watched = [promotion.primary, ...verdict.waitFor.filter((m) => m.region !== to)];
    const end = await watchKeys(
      watched,
      ([t, ...others]) => t !== undefined && isSettled(t, others, to),
      ctx,
    );
    const members = merge(keysOf(promotion), end.members);
    return reportOf(members, to, {
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

  run.starting?.(promotion);

  if (dryRun) {
    const target = memberIn(promotion, to);
    if (target !== undefined) {
      const policy = await policyWarning(kms, target, signal, true);
      if (policy !== undefined) warn(policy);
    }
    return reportOf(keysOf(promotion), promotion.primary.region, {
      outcome: "planned",
      note:
        verdict.kind === "wait"
          ? `${verdict.waitFor.map((m) => `${m.region} is ${m.keyState ?? "?"}`).join(", ")}: promote would wait for it first (within --timeout).`
          : undefined,
    });
  }

  const reread = (signal: AbortSignal): Promise<Promotion> =>
    readPromotion(kms, parseKeyRef(memberIn(promotion, to)?.arn ?? key.value), to, signal);
  const sent = await sendPromotion(promotion, to, reread, {
    ...ctx,
    // From now on a second signal must not say "nothing was changed".
    onSent: () =>
      run.known?.(
        reportOf(keysOf(promotion), promotion.primary.region, {
          outcome: "interrupted",
          note: IN_FLIGHT_NOTE,
        }),
      ),
  });
  if (sent.kind !== "accepted") {
    const members = keysOf(sent.promotion);
    if (sent.kind === "failed") {
      return reportOf(members, sent.promotion.primary.region, {
        outcome: "failed",
        calls: sent.calls,
        error: sent.error,
      });
    }
    if (sent.kind === "notStarted") {
      return reportOf(members, sent.promotion.primary.region, {
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
    return reportOf(merge(members, sent.waiting), sent.promotion.primary.region, {
      outcome: sent.kind,
      calls: sent.calls,
      note,
    });
  }

  // Accepted: wait until the target is a usable primary and both keys have left Updating.
  const target = memberIn(sent.promotion, to) ?? memberIn(promotion, to);
  const old = sent.from;
  const accepted = { accepted: true, calls: sent.calls };
  run.known?.(
    reportOf(keysOf(sent.promotion), to, {
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
    ctx,
    { pauseFirst: true },
  );
  const settleMs = performance.now() - sent.acceptedAt;
  let members = merge(keysOf(sent.promotion), end.members);
  if (end.kind !== "done") {
    return reportOf(members, to, {
      ...accepted,
      ...endOf(end, ACCEPTED_TIMEOUT_NOTE, ACCEPTED_INTERRUPTED_NOTE),
    });
  }
  const [now] = end.members;
  if (now?.keyState !== "Enabled") {
    return reportOf(members, to, {
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
  // The other replicas follow the new primary: read them to show it.
  const others = members.filter((m) => m.region !== to && m.region !== old.region);
  const reread2 = await Promise.all(others.map((m) => readMember(kms, m.region, m.arn, signal)));
  members = merge(members, reread2);
  const policy = await policyWarning(kms, now, signal);
  if (policy !== undefined) warn(policy);
  const followers = members
    .filter((m) => m.region !== to)
    .map((m) => m.region)
    .sort();
  const lagging = members.filter(
    (m) => m.region !== to && m.primaryRegion !== null && m.primaryRegion !== to,
  );
  return reportOf(members, to, {
    ...accepted,
    outcome: "promoted",
    settleMs,
    note:
      `The other keys (${followers.join(", ")}) now follow the new primary in ${to}; ARNs and key policies are unchanged.` +
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

/** How promote accepts its key: any key of the family, any state (checkPromotion judges). */
const PROMOTE_ACCEPTS = { sameAccount: false, followReplica: true, requireEnabled: false } as const;

/** Every key must hold a replica in --to (or be the primary there): one usage error naming all. */
function checkTargets(keys: readonly SelectedKey[], to: string): void {
  const problems = keys.flatMap((key) => {
    const { primary } = key;
    if (primary.region === to || primary.replicas.some((r) => r.region === to)) return [];
    return [`  ${key.given}: no replica in ${to} (its primary is in ${primary.region})`];
  });
  if (problems.length > 0) {
    throw usageError(
      `${problems.length === 1 ? "1 key has" : `${problems.length} keys have`} no replica in ${to} to promote; nothing was changed:\n${problems.join("\n")}`,
      `Replicate them there first (kms-replicate --regions ${to}), or leave them out of the selection.`,
    );
  }
}

/**
 * --to checked before any call (against the key's place when one --key names it); then each key:
 * its family read, every check, UpdatePrimaryRegion, the wait until both keys have settled. Over a
 * selection of keys, a regional failover: a key already primary in --to (with --all-primaries: of
 * the Region whose family an earlier run moved) is `unchanged`, with no call.
 */
export function preparePromote(
  options: PromoteOptions,
  ctx: PrepareContext,
): Promise<RunPlan<PromoteReport>> {
  const { to, dryRun } = options;
  const { warning } = checkPromoteTarget(
    to,
    ctx.place ?? { region: "", partition: undefined },
    ctx.connection.unknownRegions,
  );
  if (warning !== undefined) ctx.warn(warning);
  return Promise.resolve({
    timeoutMs: options.timeoutMs,
    accept: PROMOTE_ACCEPTS,
    movedTo: to,
    check: (keys) => checkTargets(keys, to),
    runKey(key, run) {
      // What a second signal reports: the last report known, with the states seen since.
      let known: PromoteReport | undefined;
      const seen = new Map<string, string>();
      run.partial(() =>
        known === undefined
          ? undefined
          : {
              ...known,
              outcome: "interrupted" as const,
              keys: known.keys.map((k) => ({ ...k, keyState: seen.get(k.region) ?? k.keyState })),
            },
      );
      const emit: Emit = (event) => {
        if (event.type === "phase" && event.keyState !== undefined) seen.set(event.region, event.keyState);
        run.emit(event);
      };
      return promoteKey(parseKeyRef(key.primary.arn), key.primary.region, to, {
        kms: run.kms,
        emit,
        signal: run.signal,
        deadline: run.deadline,
        dryRun,
        accepted: run.waiting,
        known: (report) => {
          known = report;
        },
        starting: (promotion) =>
          run.say(promoteStartLine(promotion.keyId, promotion.primary.region, to, dryRun, paint)),
      });
    },
  });
}

export const work: CommandWork<PromoteOptions, PromoteReport, PromoteJson> = {
  parse: parsePromote,
  dryRun: (options) => options.dryRun,
  prepare: preparePromote,
  render: promoteRendering,
};
