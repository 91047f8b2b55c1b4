// `replicate`'s views of its results: the run document, a line per Region, the summary and what to
// run next; a fleet's summary says once how many replicas were there already.
import { REGION_STATUSES } from "../../core/events.js";
import type { RunJson } from "../../report/json.js";
import { planLine } from "../../report/lines.js";
import type { Rendering } from "../contract.js";
import {
  regionDocument,
  regionExitCode,
  regionFinish,
  regionFleetTotals,
  regionStoppedLine,
  regionView,
} from "../shared/region-render.js";
import type { RegionRun } from "../shared/regions.js";
import type { FleetCounts } from "../../report/fleet-key.js";
import type { ReplicateOptions } from "./flags.js";

/** Replicas an earlier run made (or made another way): counted as done, said once. */
function thereAlready(counts: FleetCounts): string[] {
  const all = [...counts.regions.values()];
  const total = all.reduce((n, byStatus) => n + [...byStatus.values()].reduce((a, b) => a + b, 0), 0);
  const there = all.reduce((n, byStatus) => n + (byStatus.get("exists") ?? 0), 0);
  return there === 0
    ? []
    : [
        `${there} of ${total} replicas were there already (an earlier run's work, or made another way): counted as done, not requested again.`,
      ];
}

export const replicateRendering: Rendering<ReplicateOptions, RegionRun, RunJson> = {
  exitCode: regionExitCode,
  document: (run) => regionDocument("replicate", run),
  totals: regionFleetTotals,
  view: (run, options) => regionView(run, options?.dryRun === true),
  planLine: (event, c, dryRun) => planLine(event.primary, event.regions, dryRun, c),
  finish: (run, _options, ctx) => regionFinish(run, ctx, { late: "wait", importHint: true }),
  stoppedLine: regionStoppedLine,
  fleet: {
    verb: { run: "Replicating", dry: "Dry run: would replicate" },
    regionStatuses: REGION_STATUSES,
    estimate: "replicate",
    waitForLate: true,
    regionNotes: thereAlready,
  },
};
