// `sync`'s options and help, and its raw flags turned into typed options once: the replicas to bring
// in line (all, or these Regions), what they should have (the primary's properties, --tag,
// --description, --policy), what to prune, how long to wait for replicas still Creating.
import type { Command } from "commander";
import { usageError } from "../../core/errors.js";
import { checkDescription, loadPolicy, type CopyFlags, type Policy, type Tag } from "../../core/options.js";
import type { ParseContext, RawFlags } from "../contract.js";
import { collectTag, replicaRegionsOption, splitRegionArgs, timeoutOption } from "../flags.js";

/** What `sync` does, whatever the key. */
export interface SyncOptions {
  /** Empty: every replica of the key. */
  readonly regions: readonly string[];
  readonly description?: string;
  readonly policy?: Policy;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  readonly tags: readonly Tag[];
  /** Without any --copy-* flag: --copy-all (the enabled state only with --copy-enabled). */
  readonly copy: CopyFlags;
  readonly pruneTags: boolean;
  readonly pruneAliases: boolean;
  readonly forceAliases: boolean;
  readonly dryRun: boolean;
  /** How long to wait for replicas that are Creating (or Updating) before syncing them. */
  readonly timeoutMs: number;
}

/** Raw commander values of `sync`'s own options. */
interface RawSyncFlags {
  regions?: string[];
  timeout: number;
  description?: string;
  policy?: string;
  bypassPolicyLockoutSafetyCheck?: boolean;
  tag?: Tag[];
  copyTags?: boolean;
  copyDescription?: boolean;
  copyPolicy?: boolean;
  copyAliases?: boolean;
  copyEnabled?: boolean;
  copyAll?: boolean;
  pruneTags?: boolean;
  pruneAliases?: boolean;
  forceAliases?: boolean;
  dryRun?: boolean;
}

const HELP = `
Examples:
  kms-replicate sync --key alias/payments --region us-east-1 --dry-run
  kms-replicate sync --key alias/payments --copy-tags --prune-tags
  kms-replicate sync --all-primaries --region us-east-1 --select-tag dr=true

Exit codes: 0 every replica in line (or the plan made) · 1 a Region failed ·
2 usage error, nothing changed · 3 --timeout ran out · 130/143/129 a signal
`;

/** What the docs say of sync beyond --help: the desired state, and the plan's lines. */
export const SYNC_GUIDE = `The desired state: the primary's tags, description, key policy and aliases (as
--copy-all), or only what the --copy-* flags name; --tag, --description and
--policy override them, as in 'replicate'. The enabled state is copied only with
--copy-enabled. Extra tags and aliases on a replica are kept (and shown) unless
--prune-tags / --prune-aliases. A replica still Creating is waited for first.

Plan (--dry-run), and what was applied, per Region:

    + tag cost=42                      TagResource: a missing tag
    ~ tag team=old → team=payments     TagResource: another value
    - tag scratch=1                    UntagResource (--prune-tags)
    ~ description "a" → "b"            UpdateKeyDescription
    ~ policy (3 statements differ)     PutKeyPolicy (compared as JSON)
    + alias alias/payments             CreateAlias
    ~ alias alias/payments (moved from mrk-…)   UpdateAlias (--force-aliases)
    - alias alias/old                  DeleteAlias (--prune-aliases)
    ~ state Disabled → Enabled         EnableKey / DisableKey (--copy-enabled)`;

export function defineSync(command: Command): void {
  replicaRegionsOption(command)
    .option("--copy-tags", "the primary's tags (--tag wins)")
    .option("--copy-description", "the primary's description (--description wins)")
    .option("--copy-policy", "the primary's key policy (--policy wins)")
    .option("--copy-aliases", "the primary's aliases, in each replica's Region")
    .option("--copy-enabled", "the primary's enabled state (Enable/DisableKey)")
    .option("--copy-all", "tags, description, policy, aliases (the default)")
    .option("--tag <Key=Value>", "a tag every replica must have; repeatable", collectTag)
    .option("--description <text>", "the description every replica must have")
    .option("--policy <policy>", "the key policy every replica must have")
    .option("--bypass-policy-lockout-safety-check", "PutKeyPolicy skips KMS's lockout check (dangerous)")
    .option("--prune-tags", "remove tags the desired state does not have")
    .option("--prune-aliases", "delete aliases the primary does not have")
    .option("--force-aliases", "move an alias that names another key (UpdateAlias)")
    .option("--dry-run", "print the plan per Region; change nothing")
    .addOption(timeoutOption("deadline for every wait and write"))
    .addHelpText("after", HELP);
}

/**
 * Why the primary's tags or aliases are not copied: the --copy-… options given name what is
 * copied, and the default --copy-all applies only when none is given.
 */
function whatIsCopied(flags: RawSyncFlags): string {
  const named = (
    [
      ["--copy-tags", flags.copyTags],
      ["--copy-description", flags.copyDescription],
      ["--copy-policy", flags.copyPolicy],
      ["--copy-aliases", flags.copyAliases],
      ["--copy-enabled", flags.copyEnabled],
    ] as const
  ).flatMap(([flag, given]) => (given === true ? [flag] : []));
  return `${named.join(" and ")} ${named.length === 1 ? "names" : "name"} what is copied (--copy-all is the default only when no --copy-… option is given)`;
}

export async function parseSync(raw: RawFlags, ctx: ParseContext): Promise<SyncOptions> {
  const flags = raw as RawSyncFlags;
  checkDescription(flags.description);
  const named =
    flags.copyAll === true ||
    flags.copyTags === true ||
    flags.copyDescription === true ||
    flags.copyPolicy === true ||
    flags.copyAliases === true;
  // No --copy-* flag at all: the primary's tags, description, policy and aliases (--copy-all).
  const all = flags.copyAll === true || (!named && flags.copyEnabled !== true);
  const copy: CopyFlags = {
    tags: all || flags.copyTags === true,
    description: all || flags.copyDescription === true,
    policy: all || flags.copyPolicy === true,
    aliases: all || flags.copyAliases === true,
    enabled: flags.copyEnabled === true,
  };
  if (flags.bypassPolicyLockoutSafetyCheck === true && flags.policy === undefined && !copy.policy) {
    throw usageError(
      "--bypass-policy-lockout-safety-check only applies together with --policy or --copy-policy.",
    );
  }
  if (flags.pruneTags === true && !copy.tags && (flags.tag ?? []).length === 0) {
    throw usageError(
      `--prune-tags removes every tag not in the desired state, but this run has no tags to keep: ${whatIsCopied(flags)}, and no --tag was given.`,
      "Add --copy-tags (or --copy-all) to keep the primary's tags, or --tag for the tags to keep.",
    );
  }
  if (flags.pruneAliases === true && !copy.aliases) {
    throw usageError(
      `--prune-aliases deletes the aliases the primary does not have, but this run does not copy the primary's aliases: ${whatIsCopied(flags)}.`,
      "Add --copy-aliases (or --copy-all).",
    );
  }
  if (flags.forceAliases === true && !copy.aliases) {
    throw usageError(
      `--force-aliases moves the primary's aliases onto the replicas, but this run does not copy the primary's aliases: ${whatIsCopied(flags)}.`,
      "Add --copy-aliases (or --copy-all).",
    );
  }
  return {
    regions: splitRegionArgs(flags.regions ?? []),
    description: flags.description,
    policy:
      flags.policy === undefined ? undefined : await loadPolicy(flags.policy, ctx.inputs(flags.timeout)),
    bypassPolicyLockoutSafetyCheck: flags.bypassPolicyLockoutSafetyCheck ?? false,
    tags: flags.tag ?? [],
    copy,
    pruneTags: flags.pruneTags ?? false,
    pruneAliases: flags.pruneAliases ?? false,
    forceAliases: flags.forceAliases ?? false,
    dryRun: flags.dryRun ?? false,
    timeoutMs: flags.timeout,
  };
}
