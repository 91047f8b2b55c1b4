// `wait`'s views of its results: the run document, a line per Region, the summary and what to run next.
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
import type { WaitOptions } from "./flags.js";

export const waitRendering: Rendering<WaitOptions, RegionRun, RunJson> = {
  exitCode: regionExitCode,
  document: (run) => regionDocument("wait", run),
  totals: regionFleetTotals,
  view: (run) => regionView(run),
  planLine: (event, c, dryRun) => planLine(event.primary, event.regions, dryRun, c, "wait"),
  finish: (run, _options, ctx) => regionFinish(run, ctx, { late: "wait", importHint: true }),
  stoppedLine: regionStoppedLine,
  fleet: {
    verb: { run: "Waiting for", dry: "Waiting for" },
    regionStatuses: REGION_STATUSES,
    estimate: "rate",
    waitForLate: true,
    onlyWaits: true,
  },
};
