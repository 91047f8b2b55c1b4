// `retire`'s words: its plan (shown before the question and as the run's first line), its closing
// line; the document, lines and fleet view are the deletion commands' (../shared/deletion-render.ts).
import type { PrimaryKey } from "../../core/events.js";
import type { Retirement } from "../../core/retirement.js";
import { literal } from "../../report/terminal-text.js";
import { deletionRendering, type DeletionReport } from "../shared/deletion-render.js";
import type { RetireOptions } from "./flags.js";

/** What retire will do to one family, in lines: the first says it in one. */
export function retirePlanLines(primary: PrimaryKey, plan: Retirement, options: RetireOptions): string[] {
  const where = plan.retired.map((t) => t.region).join(", ");
  const what = options.disableOnly
    ? `disable the keys in ${where} (DisableKey; reversible)`
    : `schedule the deletion of the keys in ${where} in ${options.pendingDays} days (ScheduleKeyDeletion)`;
  const verb = options.dryRun ? "Dry run: would retire" : "Retiring";
  const lines = [
    `${verb} ${where} from ${literal(primary.keyId)} (primary in ${primary.region}): ${plan.promoteTo !== undefined ? `promote ${plan.promoteTo} first (UpdatePrimaryRegion), then ` : ""}${what}.`,
  ];
  if (!options.disableOnly) {
    lines.push(
      `  The keys in ${where} and their aliases there are deleted when the window ends; data encrypted under them can still be decrypted in ${plan.staying.join(", ")}.`,
    );
  }
  return lines;
}

function headline(report: DeletionReport, dryRun: boolean): string {
  const where = report.regions.map((r) => r.region).join(", ");
  if (dryRun)
    return `Dry run: every check passed; would retire ${where} from ${report.keyId}. Nothing was changed.`;
  const disabled = report.regions.every((r) => r.action === "disable");
  return disabled
    ? `The keys of ${report.keyId} in ${where} are disabled (reversible).`
    : `${where} retired from ${report.keyId}: scheduled for deletion; the primary is in ${report.primaryRegion}.`;
}

export const retireRendering = deletionRendering<RetireOptions>({
  command: "retire",
  fleet: { run: "Retiring", dry: "Dry run: would retire" },
  headline,
});
