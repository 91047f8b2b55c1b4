// The promotion `retire` makes before it retires the primary's Region, as `promote` makes it: the
// checks (core/promotion.ts: a refusal is a usage error, nothing changed), UpdatePrimaryRegion
// (sendPromotion, which waits out keys Creating or Updating first), then the wait until both keys
// have left Updating (watchKeys), so that the old primary, a replica by then, can be retired.
import type { ErrorReport } from "../errors.js";
import { checkPromotion, isSettled, memberIn, type Member, type Promotion } from "../promotion.js";
import { refusedText, RERUN_LONGER } from "./deadline.js";
import { sendPromotion, type PromoteContext } from "./promote.js";
import { watchKeys, type WatchEnd } from "./watch-keys.js";

/** How the promotion before a retirement ended. */
export interface HandoverEnd {
  /**
   * `promoted`: accepted and settled; `unchanged`: --to was the primary already; `planned`: a dry
   * run; else the retirement stops here (nothing retired), with `note` and `error`.
   */
  readonly outcome:
    "promoted" | "unchanged" | "planned" | "failed" | "timeout" | "notStarted" | "interrupted";
  readonly from: string;
  readonly to: string;
  readonly calls: number;
  /** The keys as last seen. */
  readonly members: readonly Member[];
  readonly note?: string;
  readonly error?: ErrorReport;
}

const MAY_COMPLETE = "The promotion was accepted and may still complete; nothing was retired yet.";

/** The family, promoted to `to` (or found so), waiting out Updating before and after. */
export async function handOver(
  promotion: Promotion,
  to: string,
  ctx: PromoteContext & {
    readonly dryRun: boolean;
    readonly reread: (signal: AbortSignal) => Promise<Promotion>;
  },
): Promise<HandoverEnd> {
  const from = promotion.primary.region;
  const members = [promotion.primary, ...promotion.replicas];
  const base = { from, to, calls: 0, members };
  const verdict = checkPromotion(promotion, to); // a refusal throws: exit 2, nothing changed
  if (verdict.kind === "already") {
    if (verdict.waitFor.length === 0 || ctx.dryRun) return { ...base, outcome: "unchanged" };
    const end = await watchKeys(verdict.waitFor, (seen) => seen.every((m) => m.keyState !== "Updating"), ctx);
    return ended(end, { ...base, outcome: "unchanged" });
  }
  if (ctx.dryRun) return { ...base, outcome: "planned" };
  const sent = await sendPromotion(promotion, to, ctx.reread, ctx);
  const calls = sent.calls;
  if (sent.kind === "failed") return { ...base, calls, outcome: "failed", error: sent.error };
  if (sent.kind === "notStarted") {
    return {
      ...base,
      calls,
      outcome: "notStarted",
      note: `${refusedText(sent.refused)}; nothing was changed. ${RERUN_LONGER}`,
    };
  }
  if (sent.kind !== "accepted") {
    return {
      ...base,
      calls,
      outcome: sent.kind,
      note: sent.inFlight
        ? `UpdatePrimaryRegion was sent and not answered: it may have been carried out. Nothing was retired yet. ${RERUN_LONGER}`
        : `The promotion was not sent; nothing was changed. ${RERUN_LONGER}`,
    };
  }
  const target = memberIn(sent.promotion, to) ?? memberIn(promotion, to);
  if (target === undefined) throw new TypeError("the target key vanished from the family"); // checkPromotion found it
  const end = await watchKeys(
    [target, sent.from],
    ([t, o]) => t !== undefined && o !== undefined && isSettled(t, [o], to),
    ctx,
    { pauseFirst: true },
  );
  return ended(end, { ...base, calls, outcome: "promoted" });
}

function ended(end: WatchEnd, done: HandoverEnd): HandoverEnd {
  const members = done.members.map((m) => end.members.find((n) => n.region === m.region) ?? m);
  const seen = end.members.map((m) => `${m.region} ${m.keyState ?? "?"}`).join(", ");
  switch (end.kind) {
    case "done":
      return { ...done, members };
    case "timeout":
      return {
        ...done,
        members,
        outcome: "timeout",
        note: `${seen} when --timeout ran out. ${MAY_COMPLETE} ${RERUN_LONGER}`,
      };
    case "interrupted":
      return {
        ...done,
        members,
        outcome: "interrupted",
        note: `${MAY_COMPLETE} Re-run the same command to finish.`,
      };
    case "failed":
      return { ...done, members, outcome: "failed", error: end.error, note: MAY_COMPLETE };
  }
}
