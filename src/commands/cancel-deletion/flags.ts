// `cancel-deletion`'s options and help: the Regions (default: every key of the family), a dry run.
import type { Command } from "commander";
import type { RawFlags } from "../contract.js";
import { replicaRegionsOption, splitRegionArgs, timeoutOption } from "../flags.js";

/** What `cancel-deletion` does, whatever the key. */
export interface CancelDeletionOptions {
  /** Empty: every key of the family (those pending deletion); named: those, Disabled ones enabled too. */
  readonly regions: readonly string[];
  readonly dryRun: boolean;
  readonly timeoutMs: number;
}

const HELP = `
A key pending deletion gets CancelKeyDeletion (which leaves it Disabled),
then EnableKey. A Disabled key in a Region named in --regions (retire
--disable-only) is enabled too; without --regions, Disabled keys are left as
they are (and said). Keys already Enabled are unchanged.

Examples:
  kms-replicate cancel-deletion --key alias/pay --region us-east-1
  kms-replicate cancel-deletion --key alias/pay --regions ap-south-1
  kms-replicate cancel-deletion --all-primaries --region us-east-1 \\
    --select-tag dr=true --regions ap-south-1

Exit codes: 0 done (or nothing pending) · 1 a Region failed · 2 usage
error, nothing changed · 3 --timeout ran out · 130/143/129 a signal
`;

export function defineCancelDeletion(command: Command): void {
  replicaRegionsOption(command)
    .option("--dry-run", "print what would be cancelled and enabled; change nothing")
    .addOption(timeoutOption("deadline for every write"))
    .addHelpText("after", HELP);
}

export function parseCancelDeletion(raw: RawFlags): Promise<CancelDeletionOptions> {
  const flags = raw as { regions?: string[]; dryRun?: boolean; timeout: number };
  return Promise.resolve({
    regions: [...new Set(splitRegionArgs(flags.regions ?? []))],
    dryRun: flags.dryRun ?? false,
    timeoutMs: flags.timeout,
  });
}
