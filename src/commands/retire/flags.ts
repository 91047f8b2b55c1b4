// `retire`'s options and help: the Regions to leave, the new primary when the primary's Region is
// one of them, the deletion window, the reversible trial (--disable-only), a dry run, --yes.
import type { Command } from "commander";
import { usageError } from "../../core/errors.js";
import type { RawFlags } from "../contract.js";
import { collect, parsePendingDays, PENDING_DAYS, splitRegionArgs, timeoutOption } from "../flags.js";

/** What `retire` does, whatever the key. */
export interface RetireOptions {
  /** The Regions taken out of the family (at least one). */
  readonly regions: readonly string[];
  /** The Region whose replica becomes the primary when the primary's Region is retired. */
  readonly to?: string;
  readonly pendingDays: number;
  /** DisableKey instead of ScheduleKeyDeletion: the reversible trial. */
  readonly disableOnly: boolean;
  readonly dryRun: boolean;
  /** Schedule the deletions without asking. */
  readonly yes: boolean;
  readonly timeoutMs: number;
}

interface RawRetireFlags {
  regions?: string[];
  to?: string;
  pendingDays?: number;
  disableOnly?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  timeout: number;
}

const HELP = `
Each key in --regions is scheduled for deletion (--pending-days, default 30);
its aliases there are listed (they go with it). The primary's Region needs
--to: that Region is promoted first, as 'promote' does. --disable-only
disables the keys instead: the reversible trial. A deletion is confirmed:
type the key ID or alias on a terminal (a fleet: the number of keys), or
give --yes. 'kms-replicate cancel-deletion' undoes it (the run prints it).

Examples:
  kms-replicate retire --key alias/pay --regions ap-south-1 --disable-only
  kms-replicate retire --key alias/pay --regions ap-south-1 --pending-days 7
  kms-replicate retire --key alias/pay --regions us-east-1 --to us-west-2
  kms-replicate retire --all-primaries --region us-east-1 \\
    --select-tag dr=true --regions ap-south-1 --yes

Exit codes: 0 done (or already so) · 1 a Region failed · 2 refused, nothing
changed · 3 --timeout ran out · 130/143/129 a signal
`;

export function defineRetire(command: Command): void {
  command
    .option("-r, --regions <regions>", "the Regions to retire, comma-separated (required)", collect)
    .option("--to <region>", "the new primary, when the primary's Region is retired")
    .option(
      "--pending-days <days>",
      `the deletion window, ${PENDING_DAYS.min}-${PENDING_DAYS.max} days (default ${PENDING_DAYS.default})`,
      parsePendingDays,
    )
    .option("--disable-only", "disable the keys instead of deleting them (reversible)")
    .option("--dry-run", "check everything, print the plan, change nothing")
    .option("-y, --yes", "schedule the deletions without asking")
    .addOption(timeoutOption("deadline for every wait and write"))
    .addHelpText("after", HELP);
}

export function parseRetire(raw: RawFlags): Promise<RetireOptions> {
  const flags = raw as RawRetireFlags;
  const regions = splitRegionArgs(flags.regions ?? []);
  if (regions.length === 0) {
    throw usageError(
      "--regions is required: the Regions the family leaves.",
      "Example: --regions ap-south-1 (to delete the whole family: kms-replicate delete-family).",
    );
  }
  if (flags.disableOnly === true && flags.pendingDays !== undefined) {
    throw usageError("--pending-days sets a deletion window; --disable-only deletes nothing.");
  }
  const to = flags.to?.trim();
  if (to === "") throw usageError("--to is empty: name the Region whose replica becomes the primary.");
  return Promise.resolve({
    regions: [...new Set(regions)],
    ...(to !== undefined ? { to } : {}),
    pendingDays: flags.pendingDays ?? PENDING_DAYS.default,
    disableOnly: flags.disableOnly ?? false,
    dryRun: flags.dryRun ?? false,
    yes: flags.yes ?? false,
    timeoutMs: flags.timeout,
  });
}
