// `cancel-deletion`: for each key of the family (or of the named Regions) pending deletion,
// CancelKeyDeletion then EnableKey; a named key that is Disabled is enabled. Re-runs converge: a key
// already Enabled is `unchanged`.
import { cancelTargets } from "../../core/retirement.js";
import { usageError } from "../../core/errors.js";
import type { CommandAdvice } from "../../core/advice.js";
import type { SelectedKey } from "../../core/selection.js";
import { cancelDeletion } from "../../core/steps/deletion.js";
import { keyCommand, type Reach } from "../../report/rerun.js";
import type { CommandWork, KeyContext, PrepareContext, RunPlan } from "../contract.js";
import type { DeletionJson } from "../shared/deletion-json.js";
import type { DeletionReport } from "../shared/deletion-render.js";
import { DeletionTracker } from "../shared/deletion-run.js";
import { namedRegions } from "../shared/regions.js";
import { parseCancelDeletion, type CancelDeletionOptions } from "./flags.js";
import { cancelDeletionRendering, cancelStartLine } from "./render.js";

/** How cancel-deletion accepts its key: a replica followed to its primary, any state, this account. */
const CANCEL_ACCEPTS = { sameAccount: true, followReplica: true, requireEnabled: false } as const;

/** Every key must hold a key in each named Region: one usage error naming every gap. */
function checkCancelFleet(keys: readonly SelectedKey[], regions: readonly string[]): void {
  const problems = keys.flatMap(({ given, primary }) => {
    try {
      cancelTargets(primary, regions);
      return [];
    } catch (error) {
      return [`  ${given}: ${(error as Error).message}`];
    }
  });
  if (problems.length === 0) return;
  throw usageError(
    `${problems.length === 1 ? "1 key has" : `${problems.length} keys have`} no key in a named Region; nothing was changed:\n${problems.join("\n")}`,
    "Leave them out of the selection, or name fewer Regions.",
  );
}

async function cancelKey(
  key: SelectedKey,
  regions: readonly string[],
  options: CancelDeletionOptions,
  run: KeyContext,
  reach: Reach,
): Promise<DeletionReport> {
  const { primary } = key;
  const targets = cancelTargets(primary, regions); // a refusal throws: exit 2, nothing changed
  const base = {
    keyId: primary.keyId,
    primaryRegion: primary.region,
    primaryArn: primary.arn,
    finish: keyCommand({
      command: "cancel-deletion",
      key: primary.arn,
      flags: regions.length > 0 ? ["--regions", regions.join(",")] : [],
      reach,
      timeoutMs: options.timeoutMs,
    }),
  };
  const tracker = new DeletionTracker(run, base);
  tracker.announce(primary, targets, "cancel");
  run.say(
    cancelStartLine(
      primary.keyId,
      targets.map((t) => t.region),
      options.dryRun,
    ),
  );
  const ctx = {
    kms: run.kms,
    signal: run.signal,
    dryRun: options.dryRun,
    enableDisabled: regions.length > 0,
  };
  const results = await tracker.work(targets, (t) => cancelDeletion(t, ctx));
  return { ...base, regions: results };
}

export function prepareCancelDeletion(
  options: CancelDeletionOptions,
  ctx: PrepareContext,
): Promise<RunPlan<DeletionReport>> {
  const place = ctx.place ?? { region: "", partition: undefined };
  // Any Region of the family may be named, the primary's too: only the Region IDs are checked here.
  const anyRegion = { region: "", partition: place.partition };
  const regions = namedRegions(options.regions, anyRegion, ctx.connection.unknownRegions, ctx.warn);
  return Promise.resolve({
    timeoutMs: options.timeoutMs,
    accept: CANCEL_ACCEPTS,
    check: (keys) => checkCancelFleet(keys, regions),
    runKey: (key, run) => cancelKey(key, regions, options, run, ctx.reach),
  });
}

const ADVICE: CommandAdvice = {
  rerun: "re-run: a key already Enabled counts as done",
};

export const work: CommandWork<CancelDeletionOptions, DeletionReport, DeletionJson> = {
  advice: ADVICE,
  parse: parseCancelDeletion,
  dryRun: (options) => options.dryRun,
  prepare: prepareCancelDeletion,
  render: cancelDeletionRendering,
};
