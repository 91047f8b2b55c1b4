// `cancel-deletion`'s words: its first line and its closing line; the rest is the deletion
// commands' (../shared/deletion-render.ts).
import { literal } from "../../report/terminal-text.js";
import { deletionRendering, type DeletionReport } from "../shared/deletion-render.js";
import type { CancelDeletionOptions } from "./flags.js";

export function cancelStartLine(keyId: string, regions: readonly string[], dryRun: boolean): string {
  return `${dryRun ? "Dry run: would cancel" : "Cancelling"} the deletion of ${literal(keyId)} in ${regions.join(", ")} (CancelKeyDeletion, then EnableKey)`;
}

function headline(report: DeletionReport, dryRun: boolean): string {
  if (dryRun) return `Dry run: would cancel the deletions of ${report.keyId}. Nothing was changed.`;
  const changed = report.regions.filter((r) => r.status === "done").map((r) => r.region);
  return changed.length === 0
    ? `Nothing of ${report.keyId} was pending deletion; nothing to do.`
    : `${changed.join(", ")} of ${report.keyId} ${changed.length === 1 ? "is" : "are"} Enabled again.`;
}

export const cancelDeletionRendering = deletionRendering<CancelDeletionOptions>({
  command: "cancel-deletion",
  fleet: { run: "Cancelling", dry: "Dry run: would cancel" },
  headline,
});
