// `status`'s options and help: it has none of its own beyond the key (a replica is followed to its
// family's primary) and the global ones.
import type { Command } from "commander";

/** What `status` does, whatever the key: it only reads. */
export type StatusOptions = Readonly<Record<string, never>>;

const HELP = `
Examples:
  kms-replicate status --key alias/payments --region us-east-1
  kms-replicate status --key alias/payments -o json | jq '.keys[] | .drift'

Exit codes: 0 every key usable, no drift · 1 a key not usable or not read ·
2 usage error · 4 a replica drifts from its primary · 130/143/129 a signal
`;

export function defineStatus(command: Command): void {
  command.addHelpText("after", HELP);
}

export function parseStatus(): Promise<StatusOptions> {
  return Promise.resolve({});
}
