// `wait`: follow existing replicas (all, or the named Regions) until they leave Creating; for one
// key, or for each key of a selection (a fleet).
import type { CommandAdvice } from "../../core/advice.js";
import { usageError } from "../../core/errors.js";
import type { SelectedKey } from "../../core/selection.js";
import type { RunJson } from "../../report/json.js";
import type { CommandWork, PrepareContext, RunPlan } from "../contract.js";
import {
  existingReplicas,
  followReplicas,
  namedRegions,
  trackRegions,
  type RegionRun,
} from "../shared/regions.js";
import { parseWait, type WaitOptions } from "./flags.js";
import { waitRendering } from "./render.js";

const CREATE_THEM = "Create them with kms-replicate --regions.";

/** Every key must hold a replica in each named Region: one usage error naming every gap. */
function checkReplicas(keys: readonly SelectedKey[], regions: readonly string[]): void {
  const problems = keys.flatMap((key) => {
    const has = new Set(key.primary.replicas.map((r) => r.region));
    const missing = regions.filter((r) => !has.has(r));
    return missing.length === 0 ? [] : [`  ${key.given}: no replica in ${missing.join(", ")}`];
  });
  if (problems.length > 0) {
    throw usageError(
      `${problems.length === 1 ? "1 key has" : `${problems.length} keys have`} no replica to wait for in a named Region; nothing was waited for:\n${problems.join("\n")}`,
      CREATE_THEM,
    );
  }
}

export function prepareWait(options: WaitOptions, ctx: PrepareContext): Promise<RunPlan<RegionRun>> {
  const place = ctx.place ?? { region: "", partition: undefined };
  const regions = namedRegions(options.regions, place, ctx.connection.unknownRegions, ctx.warn);
  return Promise.resolve({
    timeoutMs: options.timeoutMs,
    // Waiting only reads: any account allowed to describe the key may wait for it.
    accept: { sameAccount: false, followReplica: true },
    check: (keys) => checkReplicas(keys, regions),
    async runKey(key, ctx) {
      // Waiting is all this key does: the next key may start at once.
      ctx.waiting();
      const emit = trackRegions(ctx, key.primary);
      const units = existingReplicas(key.primary, regions, CREATE_THEM);
      emit({ type: "plan", primary: key.primary, regions: units.map((u) => u.region), waitOnly: true });
      const results = await followReplicas(units, { ...ctx, emit });
      return { primary: key.primary, results };
    },
  });
}

/** What a re-run of wait does: the end of its error hints. */
const ADVICE: CommandAdvice = { rerun: "re-run 'kms-replicate wait': replicas already usable count as done" };

export const work: CommandWork<WaitOptions, RegionRun, RunJson> = {
  advice: ADVICE,
  parse: parseWait,
  dryRun: () => false,
  prepare: prepareWait,
  render: waitRendering,
};
