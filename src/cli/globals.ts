// The options every command shares, defined once on the program (commander parses them before or
// after the command's name), and their raw values turned into typed ones once: how to reach AWS,
// how to report, and which keys the run works on (one --key, or a fleet).
import { Option, type Command } from "commander";
import { DEFAULT_TIMEOUTS } from "../aws/backoff.js";
import type { QuotaOverrides } from "../aws/quotas.js";
import { collect, collectQuota, collectTag, parseTimeoutSeconds } from "../commands/flags.js";
import { usageError } from "../core/errors.js";
import { parseKeyRef, type KeyRef } from "../core/keys.js";
import { checkEndpoint, type ConnectionOptions, type OutputFormat, type Tag } from "../core/options.js";
import type { UnknownRegionRule } from "../core/regions.js";
import { checkSelectionRegions } from "../core/selection-checks.js";
import type { SelectionOptions } from "../core/selection.js";
import { reachOf, type Reach } from "../report/rerun.js";
import { ACCOUNT_FLAG_NAMES } from "./account-flags.js";

/** Which keys: shown with each command's own options (the first thing a command needs). */
export const KEY_OPTIONS = ["key", "region", "keysFrom", "allPrimaries", "selectTag"] as const;

/** Raw commander values of the global options (strings as typed, or what our parsers made of them). */
export interface RawGlobalFlags {
  /** --key, repeatable (a fleet when given more than once). */
  key?: string | readonly string[];
  /** --region, repeatable for --all-primaries. */
  region?: string | readonly string[];
  /** --keys-from FILE or - (stdin). */
  keysFrom?: string;
  allPrimaries?: boolean;
  /** --select-tag Key=Value, repeatable. */
  selectTag?: Tag[];
  profile?: string;
  endpointUrl?: string;
  /** --ca-bundle PATH */
  caBundle?: string;
  /** false: --no-verify-ssl */
  verifySsl?: boolean;
  /** ms, from parseTimeoutSeconds. */
  cliConnectTimeout?: number;
  /** ms, from parseTimeoutSeconds. */
  cliReadTimeout?: number;
  output: OutputFormat;
  /** --query: a JMESPath expression over the JSON document (compiled by src/cli/query.ts). */
  query?: string;
  quiet?: boolean;
  debug?: boolean;
  color: boolean;
  quota?: QuotaOverrides;
  strictRegions?: boolean;
  allowUnknownRegions?: boolean;
}

/** The names commander gives the global options' values (everything else is a command's own). */
export const GLOBAL_NAMES: ReadonlySet<string> = new Set([
  ...KEY_OPTIONS,
  "profile",
  "endpointUrl",
  "caBundle",
  "verifySsl",
  "cliConnectTimeout",
  "cliReadTimeout",
  "output",
  "query",
  "quiet",
  "debug",
  "color",
  "quota",
  "strictRegions",
  "allowUnknownRegions",
  ...ACCOUNT_FLAG_NAMES,
]);

/** The global options, on the program: the keys, then how to reach AWS, then how to report. */
export function defineGlobals(program: Command): Command {
  return (
    program
      .option("-k, --key <key>", "key ID, ARN or alias; repeatable (a fleet)", collect)
      .option("--region <region>", "its Region, if not an ARN; --all-primaries: where", collect)
      .option("--keys-from <file|->", "a fleet: keys, one per line, from a file or -")
      .option("--all-primaries", "a fleet: every Enabled primary in the --region(s)")
      .option("--select-tag <Key=Value>", "only keys whose primary has it; repeatable", collectTag)
      .option(
        "--profile <name>",
        "AWS profile (SSO, assume-role and credential_process work as in the AWS CLI)",
      )
      .option("--endpoint-url <url>", "send every KMS call to this endpoint (e.g. a local KMS emulator)")
      // In `help globals` only: most runs need neither (docs/network.md).
      .addOption(
        new Option(
          "--ca-bundle <path>",
          "CA certificates (PEM) to trust besides Node's, e.g. a TLS-inspecting proxy's (also AWS_CA_BUNDLE)",
        ).hideHelp(),
      )
      .addOption(
        new Option("--no-verify-ssl", "do not check TLS certificates (a warning on every run)").hideHelp(),
      )
      .option(
        "--cli-connect-timeout <seconds>",
        "per attempt: connect within (default: 10; 0 is refused)",
        parseTimeoutSeconds,
      )
      .option(
        "--cli-read-timeout <seconds>",
        "per attempt: KMS answers within (default: 30; 0 is refused)",
        parseTimeoutSeconds,
      )
      .addOption(
        new Option(
          "-o, --output <format>",
          "text (progress on stderr; status's table on stdout), or one JSON document on stdout",
        )
          .choices(["text", "json"])
          .default("text"),
      )
      .addOption(
        new Option(
          "--query <expression>",
          "JMESPath applied to the JSON document, as the AWS CLI's --query; implies -o json",
        ).implies({ output: "json" }),
      )
      .option("-q, --quiet", "print only errors on stderr (and, without a terminal, the heartbeat)")
      .option(
        "--debug",
        "log every AWS call (operation, Region, attempt, duration, error) on stderr; never credentials",
      )
      .option("--no-color", "no colours (NO_COLOR is honoured too)")
      .option(
        "--quota <Operation=N>",
        "a KMS request quota your account has raised, per second (e.g. ReplicateKey=10); repeatable",
        collectQuota,
      )
      .option(
        "--strict-regions",
        "refuse every Region this AWS SDK does not know (default: refuse only a typo of one it knows)",
      )
      .option(
        "--allow-unknown-regions",
        "try a Region this AWS SDK does not know even when it is two edits or fewer from one it knows (a Region newer than the SDK)",
      )
  );
}

/** The global options, typed. */
export interface Globals {
  readonly connection: ConnectionOptions;
  /** Which keys (flags → typed, nothing read yet). */
  readonly selection: SelectionOptions;
  /**
   * A run over a selection of keys (JSON version 2, the fleet's progress display)? Decided by the
   * command line, never by how many keys an account happens to hold: a script that asks for
   * --all-primaries always gets the same shape, also when one key matches. One --key (with
   * --select-tag or not) is not.
   */
  readonly fleet: boolean;
  /** One --key: the key and its --region, if given. */
  readonly one?: { readonly key: KeyRef; readonly region?: string };
  /** How the run reaches AWS, as given (the defaults left out), for the commands it prints. */
  readonly reach: Reach;
}

const listOf = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];

/** Does the command line select a fleet? (Also before the flags could be parsed: fleetInArgv.) */
export function fleetRequested(flags: Pick<RawGlobalFlags, "key" | "keysFrom" | "allPrimaries">): boolean {
  return listOf(flags.key).length > 1 || flags.keysFrom !== undefined || flags.allPrimaries === true;
}

/** The global flags → typed; a command that works on one key (`fleet: false`) refuses a selection. */
export function parseGlobals(
  flags: RawGlobalFlags,
  fleetAllowed: boolean,
  ownOptions: readonly string[] = [],
): Globals {
  const connection = toConnectionOptions(flags);
  const fleet = fleetRequested(flags);
  if (fleet && !fleetAllowed) {
    const many = listOf(flags.key).length > 1;
    throw usageError(
      `${many ? "--key is given more than once" : flags.allPrimaries === true ? "--all-primaries" : "--keys-from"}: this command works on one key.`,
      "Give one --key.",
    );
  }
  const selection = toSelectionOptions(flags, ownOptions.includes("--regions"));
  const [key] = selection.keys;
  const one = fleet || key === undefined ? undefined : { key, region: selection.regions[0] };
  return { connection, selection, fleet, reach: reachOf(flags), ...(one !== undefined ? { one } : {}) };
}

export function toConnectionOptions(flags: RawGlobalFlags): ConnectionOptions {
  return {
    profile: emptyToUndefined(flags.profile),
    endpointUrl: checkEndpoint(flags.endpointUrl),
    ...(emptyToUndefined(flags.caBundle) !== undefined ? { caBundle: emptyToUndefined(flags.caBundle) } : {}),
    ...(flags.verifySsl === false ? { verifySsl: false } : {}),
    connectTimeoutMs: flags.cliConnectTimeout ?? DEFAULT_TIMEOUTS.connectMs,
    readTimeoutMs: flags.cliReadTimeout ?? DEFAULT_TIMEOUTS.readMs,
    output: flags.output,
    quiet: flags.quiet ?? false,
    debug: flags.debug ?? false,
    color: flags.color,
    quotas: flags.quota ?? {},
    unknownRegions: unknownRegionRule(flags),
  };
}

/** --strict-regions and --allow-unknown-regions ask for opposite things: both is a usage error. */
function unknownRegionRule(flags: RawGlobalFlags): UnknownRegionRule {
  if (flags.strictRegions === true && flags.allowUnknownRegions === true) {
    throw usageError(
      "--strict-regions and --allow-unknown-regions exclude each other: the first refuses every Region this AWS SDK does not know, the second tries each one.",
      "Keep --allow-unknown-regions for a Region newer than the SDK; drop it to have typos refused.",
    );
  }
  if (flags.strictRegions === true) return "refuse";
  return flags.allowUnknownRegions === true ? "allow" : "typos";
}

/** --key, --keys-from, --all-primaries, --region, --select-tag → the selection's options. */
export function toSelectionOptions(flags: RawGlobalFlags, takesRegions = false): SelectionOptions {
  const keys = listOf(flags.key).map(parseKeyRef);
  const regions = listOf(flags.region)
    .map((r) => r.trim())
    .filter((r) => r !== "");
  const allPrimaries = flags.allPrimaries === true;
  if (allPrimaries && (keys.length > 0 || flags.keysFrom !== undefined)) {
    throw usageError(
      "--all-primaries selects every primary of the --region(s); it does not combine with --key or --keys-from.",
      "Narrow it with --select-tag Key=Value instead.",
    );
  }
  if (!allPrimaries && regions.length > 1) {
    throw usageError(
      keys.length === 1 && flags.keysFrom === undefined
        ? `--region is given ${regions.length} times; a key is in one Region (several Regions are for --all-primaries).`
        : `--region is given ${regions.length} times; several Regions are for --all-primaries (a key list names keys of one Region, or ARNs).`,
      takesRegions
        ? `Did you mean --regions ${regions.join(",")}? (--regions: where to work; --region: where the key is.)`
        : undefined,
    );
  }
  if (allPrimaries) checkSelectionRegions(regions);
  if (keys.length === 0 && flags.keysFrom === undefined && !allPrimaries) {
    throw usageError(
      "--key is required: the multi-Region primary key (key ID, key ARN, alias/NAME or alias ARN); or --keys-from FILE, or --all-primaries.",
    );
  }
  return { keys, keysFrom: flags.keysFrom, allPrimaries, regions, selectTags: flags.selectTag ?? [] };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
