// Whether a run is an organisation run, and what it works on: the accounts options read (the file,
// --accounts), this shard's accounts, how each is reached; or, with --shard and no accounts, the
// caller's own account, its keys split.
import type { CommandModule } from "../commands/contract.js";
import type { Shard } from "../core/accounts.js";
import { usageError } from "../core/errors.js";
import type { ReplicaEvent } from "../core/events.js";
import type { Globals, RawGlobalFlags } from "./globals.js";
import type { Io } from "./io.js";
import type { OrgTarget } from "./org.js";

/** The options that make a run an organisation run (version 3). */
const ORG_FLAGS = ["accountsFrom", "accounts", "shard", "shardCount"] as const;

/** Does the command line ask for an organisation run (the accounts options, or --shard)? */
export function orgRequested(flags: RawGlobalFlags): boolean {
  const given = flags as unknown as Readonly<Record<string, unknown>>;
  return ORG_FLAGS.some((name) => given[name] !== undefined);
}

/** A command that works on one key refuses them: it works in one account. */
export function refuseOrgFlags(module: CommandModule, flags: RawGlobalFlags): void {
  if (module.fleet || !orgRequested(flags)) return;
  throw usageError(
    `${module.name} works on one key in one account: the accounts options and --shard are for the commands that work on a selection of keys.`,
    "Run it once per account (with --profile), or use a command that takes --all-primaries.",
  );
}

export async function planOrg(
  _flags: RawGlobalFlags,
  _globals: Globals,
  _io: Io,
  _emit: (event: ReplicaEvent) => void,
): Promise<{ readonly target: OrgTarget; readonly shard: Shard | undefined }> {
  return Promise.reject(usageError("The accounts options are not available yet."));
}
