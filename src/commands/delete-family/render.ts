// `delete-family`'s words: its plan (before the question, and the run's first line), its closing
// line; the rest is the deletion commands' (../shared/deletion-render.ts).
import type { PrimaryKey } from "../../core/events.js";
import { literal } from "../../report/terminal-text.js";
import { dateText, deletionRendering, type DeletionReport } from "../shared/deletion-render.js";
import type { DeleteFamilyOptions } from "./flags.js";

export const UNDECRYPTABLE =
  "Data encrypted under this family cannot be decrypted once it is gone: cancel-deletion undoes it until then.";

export function deleteFamilyPlanLines(primary: PrimaryKey, options: DeleteFamilyOptions): string[] {
  const replicas = primary.replicas.map((r) => r.region).sort();
  const verb = options.dryRun ? "Dry run: would delete" : "Deleting";
  return [
    `${verb} the family ${literal(primary.keyId)}: ${replicas.length > 0 ? `schedule its replicas (${replicas.join(", ")}) for deletion in ${options.pendingDays} days, then its primary in ${primary.region} (PendingReplicaDeletion: its ${options.pendingDays}-day window starts when the last replica is gone).` : `schedule its primary in ${primary.region} for deletion in ${options.pendingDays} days.`}`,
    `  ${UNDECRYPTABLE}`,
  ];
}

function headline(report: DeletionReport, dryRun: boolean): string {
  if (dryRun)
    return `Dry run: every check passed; would delete the family ${report.keyId}. Nothing was changed.`;
  const when =
    report.familyGoneAt === undefined ? "" : `; gone on ${dateText(report.familyGoneAt)} at the earliest`;
  return `Every key of ${report.keyId} is scheduled for deletion${when}.`;
}

export const deleteFamilyRendering = deletionRendering<DeleteFamilyOptions>({
  command: "delete-family",
  fleet: { run: "Deleting", dry: "Dry run: would delete" },
  headline,
});
