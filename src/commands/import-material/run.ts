// `import-material`: the same key material into existing replicas (all, or the named Regions), e.g.
// after their material expired: each replica is followed out of Creating, imported into when it is
// PendingImport, and waited for until Enabled; replicas that hold it already are reported with their
// expiration.
import type { CommandAdvice } from "../../core/advice.js";
import { withImport } from "../../core/steps/import.js";
import { waitStep } from "../../core/steps/wait.js";
import { usageError } from "../../core/errors.js";
import { planImport } from "../../core/import-plan.js";
import { readMaterial } from "../../core/material.js";
import { importAgain } from "../../report/rerun.js";
import type { RunJson } from "../../report/json.js";
import type { CommandWork, PrepareContext, RunPlan } from "../contract.js";
import {
  existingReplicas,
  followReplicas,
  namedRegions,
  trackRegions,
  type RegionRun,
} from "../shared/regions.js";
import { parseImportMaterial, type ImportMaterialOptions } from "./flags.js";
import { importRendering } from "./render.js";

const CREATE_THEM = "Create them with kms-replicate --regions … --key-material.";

export async function prepareImportMaterial(
  options: ImportMaterialOptions,
  ctx: PrepareContext,
): Promise<RunPlan<RegionRun>> {
  const { importing } = options;
  const place = ctx.place ?? { region: "", partition: undefined };
  const regions = namedRegions(options.regions, place, ctx.connection.unknownRegions, ctx.warn);
  // Read once, before any call; zeroed after the last import (or when the run ends).
  const inputs = ctx.inputs(options.timeoutMs);
  const material = await readMaterial(importing.keyMaterial, inputs, ctx.warn);
  return {
    timeoutMs: options.timeoutMs,
    accept: { sameAccount: true, followReplica: true },
    async runKey(key, run) {
      const { primary } = key;
      const emit = trackRegions(run, primary);
      const settings = {
        ...planImport(
          material,
          importing,
          await run.kms.describeKey(primary.region, primary.arn, run.signal),
          Date.now(),
        ),
        again: importAgain(
          primary.arn,
          importing,
          { reach: ctx.reach, timeoutMs: options.timeoutMs },
          inputs.cwd,
        ),
      };
      const units = existingReplicas(primary, regions, CREATE_THEM);
      if (units.length === 0) throw usageError(`${primary.keyId} has no replicas yet.`, CREATE_THEM);
      emit({ type: "plan", primary, regions: units.map((u) => u.region), waitOnly: true });
      const results = await followReplicas(units, { ...run, emit }, withImport(waitStep, settings));
      material.dispose();
      return { primary, results };
    },
    dispose: () => material.dispose(),
  };
}

/** What a re-run of import-material does: the end of its error hints. */
const ADVICE: CommandAdvice = {
  rerun: "re-run: replicas that hold the material already are left alone",
  stateRule: " (a key pending deletion takes no import)",
};

export const work: CommandWork<ImportMaterialOptions, RegionRun, RunJson> = {
  advice: ADVICE,
  parse: parseImportMaterial,
  dryRun: () => false,
  prepare: prepareImportMaterial,
  render: importRendering,
};
