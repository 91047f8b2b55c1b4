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
Every replica is scheduled for deletion (--pending-days, default 30), then
the primary: PendingReplicaDeletion, its own window starting when its last
replica is gone. The run says the earliest date the family can be gone; data
encrypted under it cannot be decrypted after that. Confirmed by typing the
key ID or alias on a terminal (a fleet: the number of families), or --yes.
'kms-replicate cancel-deletion --key KEY' undoes it until then.

Examples:
  kms-replicate delete-family --key alias/old --region us-east-1 --dry-run
  kms-replicate delete-family --key alias/old --pending-days 7

Exit codes: 0 scheduled (or already) · 1 a Region failed · 2 refused,
nothing changed · 3 --timeout ran out · 130/143/129 a signal
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
