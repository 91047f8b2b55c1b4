// `status`: the primary and every replica (the family model), with each replica's drift from the
// primary (the structured diff). Exit 0 / 1 (a key unusable or a field unread) / 4 (drift only) / 2.
import type { CommandAdvice } from "../../core/advice.js";
import type { KmsPort } from "../../aws/kms.js";
import { driftOf } from "../../core/diff.js";
import { isPendingDeletionKey, readFamily } from "../../core/family.js";
import { parseKeyRef } from "../../core/keys.js";
import type { PrimaryKey } from "../../core/events.js";
import type { CommandWork, RunPlan } from "../contract.js";
import { parseStatus, type StatusOptions } from "./flags.js";
import { statusRendering, type StatusJson } from "./render.js";
import type { FamilyRow } from "./table.js";

/** How status accepts its key: any key of a family, any state, read from any account allowed to. */
const STATUS_ACCEPTS = { sameAccount: false, followReplica: true, requireEnabled: false } as const;

/** The family's rows: the primary, then every replica with its drift from the primary. */
async function statusRows(kms: KmsPort, primary: PrimaryKey, signal: AbortSignal): Promise<FamilyRow[]> {
  const family = await readFamily(kms, parseKeyRef(primary.arn), primary.region, signal);
  return [
    { view: family.primary, drift: [] },
    // A key pending deletion is on its way out: it is not compared with the primary.
    ...family.replicas.map((view) => ({
      view,
      drift: isPendingDeletionKey(view) ? [] : driftOf(family.primary, view),
    })),
  ];
}

/** status only reads: no --timeout, no quota of its own. */
export function prepareStatus(): Promise<RunPlan<FamilyRow[]>> {
  return Promise.resolve({
    accept: STATUS_ACCEPTS,
    runKey: (key, ctx) => statusRows(ctx.kms, key.primary, ctx.signal),
  });
}

/** What a re-run of status does: the end of its error hints. */
const ADVICE: CommandAdvice = { rerun: "run it again" };

export const work: CommandWork<StatusOptions, FamilyRow[], StatusJson> = {
  advice: ADVICE,
  parse: parseStatus,
  dryRun: () => false,
  prepare: prepareStatus,
  render: statusRendering,
};
