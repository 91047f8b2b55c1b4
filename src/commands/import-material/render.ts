// `import-material`'s views of its results: the run document, a line per Region, the summary.
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
import type { ImportMaterialOptions } from "./flags.js";

export const importRendering: Rendering<ImportMaterialOptions, RegionRun, RunJson> = {
  exitCode: regionExitCode,
  document: (run) => regionDocument("import-material", run),
  totals: regionFleetTotals,
  view: (run) => regionView(run),
  planLine: (event, c, dryRun) => planLine(event.primary, event.regions, dryRun, c, "import"),
  finish: (run, _options, ctx) => regionFinish(run, ctx, { late: "same", importHint: false }),
  stoppedLine: regionStoppedLine,
  fleet: {
    verb: { run: "Importing into", dry: "Importing into" },
    regionStatuses: REGION_STATUSES,
    estimate: "rate",
  },
};
