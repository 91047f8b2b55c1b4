// `delete-family`'s options and help: the deletion window, a dry run, --yes.
import type { Command } from "commander";
import type { RawFlags } from "../contract.js";
import { parsePendingDays, PENDING_DAYS, timeoutOption } from "../flags.js";

/** What `delete-family` does, whatever the key. */
export interface DeleteFamilyOptions {
  readonly pendingDays: number;
  readonly dryRun: boolean;
  /** Schedule the deletions without asking. */
  readonly yes: boolean;
  readonly timeoutMs: number;
}

const HELP = `
Every replica is scheduled for deletion (ScheduleKeyDeletion, --pending-days, default 30), then
the primary: it goes PendingReplicaDeletion, and its own window starts when its last replica is
gone. The run says the earliest date the family can be gone. Data encrypted under the family
cannot be decrypted once it is gone. It is confirmed first: on a terminal by typing the key ID or
alias (over a selection of keys, their number), else with --yes. Until then
'kms-replicate cancel-deletion --key KEY' undoes it (the run prints the command).

Examples:
  kms-replicate delete-family --key alias/old-payments --region us-east-1 --dry-run
  kms-replicate delete-family --key alias/old-payments --region us-east-1 --pending-days 7

Exit codes: 0 scheduled (or already) · 1 a Region failed · 2 refused before any change (or not
confirmed) · 3 --timeout ran out · 130/143/129 a signal
`;

export function defineDeleteFamily(command: Command): void {
  command
    .option(
      "--pending-days <days>",
      `the deletion window, ${PENDING_DAYS.min}-${PENDING_DAYS.max} days (default ${PENDING_DAYS.default})`,
      parsePendingDays,
    )
    .option("--dry-run", "check everything, print the plan, change nothing")
    .option("-y, --yes", "schedule the deletions without asking")
    .addOption(timeoutOption("deadline for every write"))
    .addHelpText("after", HELP);
}

export function parseDeleteFamily(raw: RawFlags): Promise<DeleteFamilyOptions> {
  const flags = raw as { pendingDays?: number; dryRun?: boolean; yes?: boolean; timeout: number };
  return Promise.resolve({
    pendingDays: flags.pendingDays ?? PENDING_DAYS.default,
    dryRun: flags.dryRun ?? false,
    yes: flags.yes ?? false,
    timeoutMs: flags.timeout,
  });
}
