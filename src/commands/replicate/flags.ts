// `replicate`'s options and help (the default command), and its raw flags turned into typed
// options once: the target Regions, what each replica is given, how long to wait, the pace.
import type { Command } from "commander";
import { EXIT_LINES, usageError } from "../../core/errors.js";
import {
  checkDescription,
  loadPolicy,
  type CopyFlags,
  type ImportOptions,
  type Policy,
  type Tag,
} from "../../core/options.js";
import type { ParseContext, RawFlags } from "../contract.js";
import {
  collect,
  collectTag,
  importOptions,
  parsePositiveInt,
  parsePositiveNumber,
  splitRegionArgs,
  timeoutOption,
  toImportOptions,
  type RawImportFlags,
} from "../flags.js";

/** What `replicate` does, whatever the key (one, or each of a fleet). */
export interface ReplicateOptions {
  readonly regions: readonly string[];
  readonly description?: string;
  readonly policy?: Policy;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  readonly tags: readonly Tag[];
  readonly timeoutMs: number;
  readonly wait: boolean;
  readonly dryRun: boolean;
  /** ReplicateKey calls in flight at once per primary Region (--concurrency; default: the quota per second, at least 5). */
  readonly concurrency: number;
  /** ReplicateKey requests per second at most (--rate; undefined: the quota's). */
  readonly rate?: number;
  readonly copy: CopyFlags;
  /** --key-material: imported into every replica that reaches PendingImport. */
  readonly importing?: ImportOptions;
}

/** Raw commander values of `replicate`'s own options. */
interface RawReplicateFlags extends RawImportFlags {
  regions?: string[];
  description?: string;
  policy?: string;
  bypassPolicyLockoutSafetyCheck?: boolean;
  tag?: Tag[];
  timeout?: number;
  wait: boolean;
  dryRun?: boolean;
  concurrency?: number;
  rate?: number;
  copyTags?: boolean;
  copyDescription?: boolean;
  copyPolicy?: boolean;
  copyAliases?: boolean;
  copyEnabled?: boolean;
  copyAll?: boolean;
}

const HELP = `
Examples:
  kms-replicate --key alias/payments --region us-east-1 \\
      --regions eu-west-1,sa-east-1
  kms-replicate --key alias/payments --regions eu-west-1 --copy-all
  kms-replicate --all-primaries --region us-east-1 --regions eu-west-1 --dry-run

${EXIT_LINES}
`;

/** What the docs say of replicate beyond --help: where the key is, how Regions are checked. */
export const REPLICATE_GUIDE = `Key: a key ID, key ARN, alias name (alias/…) or alias ARN of a multi-Region key
(a replica is followed to its primary). Its Region comes from the ARN, else
--region, else AWS_REGION / AWS_DEFAULT_REGION / the profile's region.

Regions: every Region named (--regions, --to, --region, a key ARN's,
AWS_REGION's) is checked against the AWS SDK's list before any call. One the SDK
does not list is refused (exit 2, "did you mean") when it is within two edits of
one it lists, and tried with a warning when farther. --allow-unknown-regions
tries it however near (a Region newer than the SDK); --strict-regions refuses it
however far. The two exclude each other.

Credentials: --profile, else the AWS CLI's default chain (environment, SSO,
config files, roles).`;

export function defineReplicate(command: Command): void {
  command
    .option("-r, --regions <regions>", "target Regions, comma-separated (required)", collect)
    .option("--description <text>", "each replica's description (never secrets)")
    .option("--policy <policy>", "each replica's key policy: JSON or file://PATH")
    .option("--bypass-policy-lockout-safety-check", "KMS skips its policy lockout check (dangerous)")
    .option("--tag <Key=Value>", "tag each replica; repeatable; Key= for empty", collectTag)
    .option("--copy-tags", "the primary's tags (--tag wins)")
    .option("--copy-description", "the primary's description (--description wins)")
    .option("--copy-policy", "the primary's key policy (--policy wins)")
    .option("--copy-aliases", "the primary's aliases, in each replica's Region")
    .option("--copy-enabled", "enable disabled replicas, as the primary is")
    .option("--copy-all", "tags, description, policy and aliases");
  importOptions(command, "the primary's material");
  command
    .addOption(timeoutOption("deadline for every wait and write"))
    .option("--no-wait", "return once ReplicateKey was accepted")
    .option("--dry-run", "check everything, print the plan, create nothing")
    .option("--concurrency <n>", "ReplicateKey calls in flight per primary Region", parsePositiveInt)
    .option("--rate <per-second>", "ReplicateKey calls per second (a quota)", parsePositiveNumber)
    .addHelpText("after", HELP);
}

export async function parseReplicate(raw: RawFlags, ctx: ParseContext): Promise<ReplicateOptions> {
  const flags = raw as RawReplicateFlags;
  if (flags.regions === undefined) {
    throw usageError(
      "required option '-r, --regions <regions>' not specified",
      "Example: --regions eu-west-1,ap-southeast-2",
    );
  }
  const regions = splitRegionArgs(flags.regions);
  if (regions.length === 0) {
    throw usageError("--regions names no Region.", "Example: --regions eu-west-1,ap-southeast-2");
  }
  checkDescription(flags.description);
  const copyPolicy = flags.copyAll === true || flags.copyPolicy === true;
  if (flags.bypassPolicyLockoutSafetyCheck === true && flags.policy === undefined && !copyPolicy) {
    throw usageError(
      "--bypass-policy-lockout-safety-check only applies together with --policy or --copy-policy.",
    );
  }
  const importing = toImportOptions(flags);
  if (importing !== undefined && !flags.wait) {
    throw usageError(
      "--key-material and --no-wait exclude each other: the material is imported once a replica is PendingImport.",
    );
  }
  const timeoutMs = flags.timeout as number;
  const rate = flags.rate ?? ctx.connection.quotas.ReplicateKey ?? 5;
  return {
    regions,
    description: flags.description,
    policy: flags.policy === undefined ? undefined : await loadPolicy(flags.policy, ctx.inputs(timeoutMs)),
    bypassPolicyLockoutSafetyCheck: flags.bypassPolicyLockoutSafetyCheck ?? false,
    tags: flags.tag ?? [],
    timeoutMs,
    wait: flags.wait,
    dryRun: flags.dryRun ?? false,
    // One second's worth of the quota in flight keeps it busy up to a second of round trip.
    concurrency: flags.concurrency ?? Math.max(5, Math.ceil(rate)),
    rate: flags.rate,
    copy: {
      tags: flags.copyAll === true || flags.copyTags === true,
      description: flags.copyAll === true || flags.copyDescription === true,
      policy: flags.copyAll === true || flags.copyPolicy === true,
      aliases: flags.copyAll === true || flags.copyAliases === true,
      enabled: flags.copyEnabled === true,
    },
    ...(importing !== undefined ? { importing } : {}),
  };
}
