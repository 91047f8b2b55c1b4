// `promote`: make the replica in --to the family's primary (UpdatePrimaryRegion), and return only
// when the family has settled. Every check before any change (exit 2); already the primary: exit 0
// with no call, so a runbook can run it twice; timeout: exit 3 (the promotion may still complete).
import type { CommandAdvice } from "../../core/advice.js";
import { usageError } from "../../core/errors.js";
import type { Emit } from "../../core/events.js";
import { parseKeyRef } from "../../core/keys.js";
import { checkPromoteTarget } from "../../core/promotion.js";
import type { SelectedKey } from "../../core/selection.js";
import { promoteKey } from "./promote-key.js";
import type { PromoteJson, PromoteReport } from "./json.js";
import { promoteRendering, promoteStartLine } from "./render.js";
import { paint } from "../../report/terminal-text.js";
import type { CommandWork, PrepareContext, RunPlan } from "../contract.js";
import { parsePromote, type PromoteOptions } from "./flags.js";

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

/** What a re-run of promote does: the end of its error hints. */
const ADVICE: CommandAdvice = {
  rerun: "re-run: a key whose primary is in --to already counts as done",
  stateRule: " (both keys must be Enabled; after a promotion they are Updating for a while)",
};

export const work: CommandWork<PromoteOptions, PromoteReport, PromoteJson> = {
  advice: ADVICE,
  parse: parsePromote,
  dryRun: (options) => options.dryRun,
  prepare: preparePromote,
  render: promoteRendering,
};
