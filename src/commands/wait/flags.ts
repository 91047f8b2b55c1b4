// `wait`'s options and help: the replicas to wait for (all, or these Regions), and for how long.
import type { Command } from "commander";
import { EXIT_LINES } from "../../core/errors.js";
import type { RawFlags } from "../contract.js";
import { replicaRegionsOption, splitRegionArgs, timeoutOption } from "../flags.js";

/** What `wait` does, whatever the key. */
export interface WaitOptions {
  /** Empty: every replica of the key. */
  readonly regions: readonly string[];
  readonly timeoutMs: number;
}

const HELP = `
Examples:
  kms-replicate --key alias/payments --region us-east-1 \\
      --regions eu-west-1 --no-wait
  kms-replicate wait --key alias/payments --region us-east-1 --regions eu-west-1

${EXIT_LINES}
`;

export function defineWait(command: Command): void {
  replicaRegionsOption(command).addOption(timeoutOption("how long to wait")).addHelpText("after", HELP);
}

export function parseWait(raw: RawFlags): Promise<WaitOptions> {
  const flags = raw as { regions?: string[]; timeout: number };
  return Promise.resolve({ regions: splitRegionArgs(flags.regions ?? []), timeoutMs: flags.timeout });
}
