// `promote`'s options and help: the Region whose replica becomes the primary, how long to wait, a dry run.
import type { Command } from "commander";
import { usageError } from "../../core/errors.js";
import type { RawFlags } from "../contract.js";
import { timeoutOption } from "../flags.js";

/** What `promote` does, whatever the key. */
export interface PromoteOptions {
  /** The Region whose replica becomes the primary (trimmed; checked in src/core/promotion.ts). */
  readonly to: string;
  readonly timeoutMs: number;
  readonly dryRun: boolean;
}

const HELP = `
--key may name the primary or any replica. Both keys must be Enabled (a replica
still Creating, or a family still Updating, is waited for first). Already the
primary: exit 0, no call.

Examples:
  kms-replicate promote --key alias/payments --region us-east-1 --to eu-west-1
  kms-replicate promote --all-primaries --region us-east-1 --to us-west-2

Exit codes: 0 promoted (or already the primary; --dry-run: every check passed)
· 1 a call failed · 2 a check refused: nothing changed · 3 --timeout ran out
(after the call: it may still complete; re-run) · 130/143/129 a signal
`;

export function definePromote(command: Command): void {
  command
    .option("--to <region>", "the Region whose replica becomes the primary (required)")
    .addOption(timeoutOption("deadline for every wait and write"))
    .option("--dry-run", "check everything, print the plan, change nothing")
    .addHelpText("after", HELP);
}

export function parsePromote(raw: RawFlags): Promise<PromoteOptions> {
  const flags = raw as { to?: string; timeout: number; dryRun?: boolean };
  if (flags.to === undefined) {
    throw usageError("required option '--to <region>' not specified", "Example: --to eu-west-1");
  }
  const to = flags.to.trim();
  if (to === "") {
    throw usageError(
      "--to is required: the Region whose replica becomes the primary.",
      "Example: --to eu-west-1",
    );
  }
  return Promise.resolve({ to, timeoutMs: flags.timeout, dryRun: flags.dryRun ?? false });
}
