// The command line: every command, option and help text, built by one pure function (no side
// effects at import, so tests and the completion script can read it). src/cli/main.ts runs it.
//
// The global options (where the key is, how to reach AWS, how to report) are defined once, on the
// program, and commander parses them wherever they are typed: before or after the command name.
// Each command defines only its own options and reads the global ones with optsWithGlobals().
import { Command, Option } from "commander";
import { EXIT, EXIT_HELP } from "../core/errors.js";
import { redactSecrets } from "../core/redact.js";
import { forPeople } from "../report/terminal-text.js";
import { parseMaterialSource, parseValidTo } from "../core/material.js";
import { parseWrappingAlgorithm, parseWrappingKeySpec } from "../core/wrap.js";
import {
  collect,
  collectQuota,
  collectTag,
  DEFAULT_TIMEOUT_MS,
  parseDuration,
  parsePositiveInt,
  parsePositiveNumber,
  parseTimeoutSeconds,
  type RawCommonFlags,
  type RawPromoteFlags,
  type RawImportFlags,
  type RawReplicateFlags,
  type RawSyncFlags,
  type RawWaitFlags,
} from "../core/options.js";
import { versionLine } from "./version.js";

const EXAMPLES = `
Examples:
  kms-replicate --key mrk-1234abcd12ab34cd56ef1234567890ab --region us-east-1 --regions eu-west-1,ap-southeast-2
  kms-replicate --key arn:aws:kms:us-east-1:111122223333:key/mrk-… --regions eu-west-1 --output json | jq .
  kms-replicate --key alias/payments --region us-east-1 --regions eu-west-1 \\
      --tag team=payments --description "DR copy" --policy file://policy.json
  kms-replicate --key alias/payments --region us-east-1 --regions eu-west-1,eu-central-1 --copy-all --dry-run
  kms-replicate status --key alias/payments --region us-east-1
  kms-replicate wait --key alias/payments --region us-east-1 --timeout 30m
  kms-replicate promote --key alias/payments --region us-east-1 --to eu-west-1
  kms-replicate sync --key alias/payments --region us-east-1 --dry-run

Fleets (every command but the import ones; JSON version 2):
  kms-replicate --all-primaries --region us-east-1 --select-tag dr=true --regions eu-west-1 --dry-run
  kms-replicate --keys-from dr-keys.txt --region us-east-1 --regions eu-west-1,ap-southeast-2
  kms-replicate promote --all-primaries --region us-east-1 --to us-west-2      # a regional failover

Key: a key ID, key ARN, alias name (alias/…) or alias ARN of a multi-Region primary key. Its Region
comes from the ARN, else --region, else AWS_REGION / AWS_DEFAULT_REGION / the profile's region.
Regions: every Region named (--regions, --to, --region, a key ARN's, AWS_REGION's) is checked
against the AWS SDK's list before any call. One the SDK does not list is refused (exit 2, "did you
mean") when it is within two edits of one it lists, and tried with a warning when farther.
--allow-unknown-regions tries it however near (a Region newer than the SDK); --strict-regions
refuses it however far. The two exclude each other.
Credentials: --profile, else the AWS CLI's default chain (environment, SSO, config files, roles).

${EXIT_HELP}
`;

const STATUS_HELP = `
Example:
  kms-replicate status --key alias/payments --region us-east-1 --output json | jq '.keys[] | {region, keyState, drift}'

Exit codes:
  0  every key usable (Enabled) and no drift
  1  a key is not usable, or could not be read in its Region
  2  usage or validation error
  4  every key usable, but a replica's description, tags, aliases or policy differ from the primary's
  130, 143, 129  stopped by SIGINT (Ctrl-C), SIGTERM, SIGHUP
`;

const WAIT_HELP = `
Example:
  kms-replicate --key alias/payments --region us-east-1 --regions eu-west-1,ap-southeast-2 --no-wait
  kms-replicate wait --key alias/payments --region us-east-1 --regions eu-west-1,ap-southeast-2

${EXIT_HELP}
`;

const PROMOTE_HELP = `
Examples:
  kms-replicate promote --key alias/payments --region us-east-1 --to eu-west-1
  kms-replicate promote --key arn:aws:kms:eu-west-1:111122223333:key/mrk-… --to eu-west-1 --dry-run
  kms-replicate promote --key alias/payments --region eu-west-1 --to eu-west-1 --output json | jq -r .outcome

--key may name the primary or any replica; the current primary is found from the family. Both
keys must be Enabled (a replica still Creating, or a family still Updating, is waited for first).
Already the primary: nothing to do, exit 0 (safe to run twice). Needs kms:UpdatePrimaryRegion on
both keys, and kms:DescribeKey and kms:GetKeyPolicy.

Exit codes:
  0  the target is the primary and both keys have left Updating (or it was the primary already;
     with --dry-run: every check passed)
  1  UpdatePrimaryRegion or a read failed
  2  usage or a check refused (no replica there, a key Disabled, PendingDeletion, PendingImport):
     nothing was changed
  3  timed out: before the call (or with it not sent before --timeout ran out: notStarted),
     nothing was changed; after it, the promotion was accepted and may still complete: re-run
     promote or status
  130, 143, 129  stopped by SIGINT (Ctrl-C), SIGTERM, SIGHUP; the JSON says what was seen
`;

const SYNC_HELP = `
The desired state: the primary's tags, description, key policy and aliases (as --copy-all), or only
what the --copy-* flags name; --tag, --description and --policy override them, as in 'replicate'.
The enabled state is copied only with --copy-enabled. Extra tags and aliases on a replica are kept
(and shown) unless --prune-tags / --prune-aliases. A replica still Creating is waited for first.

Plan (--dry-run), and what was applied, per Region:
  + tag cost=42                      TagResource: a missing tag
  ~ tag team=old → team=payments     TagResource: another value
  - tag scratch=1                    UntagResource (--prune-tags)
  ~ description "a" → "b"            UpdateKeyDescription
  ~ policy (3 statements differ)     PutKeyPolicy (compared as JSON)
  + alias alias/payments             CreateAlias
  ~ alias alias/payments (moved from mrk-…)   UpdateAlias (--force-aliases)
  - alias alias/old                  DeleteAlias (--prune-aliases)
  ~ state Disabled → Enabled         EnableKey / DisableKey (--copy-enabled)

Examples:
  kms-replicate status --key alias/payments --region us-east-1      # exit 4: a replica drifts
  kms-replicate sync --key alias/payments --region us-east-1 --dry-run
  kms-replicate sync --key alias/payments --region us-east-1
  kms-replicate sync --key alias/payments --region us-east-1 --regions eu-west-1 --copy-tags --prune-tags
  kms-replicate sync --key alias/payments --region us-east-1 --tag env=dr --output json | jq '.regions[] | {region, status, operations}'

Exit codes:
  0    every replica in line (unchanged, or done and read back); with --dry-run: the plan was made
  1    at least one Region failed (the others were still synced): see its error and 'pending'
  2    usage or validation error: nothing was changed
  3    a replica was still Creating when --timeout ran out, or --timeout ran out before a change was
       sent (notStarted: re-run the same command)
  130  interrupted (Ctrl-C, SIGINT); what was already applied stays applied
  143  terminated (SIGTERM), 129 hung up (SIGHUP): as 130; each still writes the JSON document
`;

/**
 * The global options: defined once, on the program; every command reads them with
 * optsWithGlobals(), and they may be typed before or after the command name.
 */
function addConnectionOptions(command: Command): Command {
  return command
    .option(
      "-k, --key <key>",
      "the multi-Region primary key: key ID, key ARN, alias/NAME or alias ARN; repeatable (a fleet)",
      collect,
    )
    .option(
      "--region <region>",
      "the primary key's Region, when --key is not an ARN; with --all-primaries, where to look (repeatable)",
      collect,
    )
    .option(
      "--strict-regions",
      "refuse every Region this AWS SDK does not know (default: refuse only a typo of one it knows)",
    )
    .option(
      "--allow-unknown-regions",
      "try a Region this AWS SDK does not know even when it is two edits or fewer from one it knows (a Region newer than the SDK)",
    )
    .option(
      "--keys-from <file|->",
      "a fleet: one key ID, key ARN or alias per line (# comments), from a file or - (stdin)",
    )
    .option(
      "--all-primaries",
      "a fleet: every Enabled customer-managed multi-Region primary key in the --region(s)",
    )
    .option(
      "--select-tag <Key=Value>",
      "only the keys whose primary carries this tag; repeatable (all must match)",
      collectTag,
    )
    .option(
      "--profile <name>",
      "AWS profile (SSO, assume-role and credential_process work as in the AWS CLI)",
    )
    .option("--endpoint-url <url>", "send every KMS call to this endpoint (e.g. a local KMS emulator)")
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
    );
}

const IMPORT_HELP = `
Example:
  kms-replicate import-material --key alias/payments --region us-east-1 --key-material fileb://material.bin
  vault kv get -field=material secret/kms | base64 -d | kms-replicate import-material --key alias/payments --key-material -

The material is read once into memory, wrapped in each Region with that Region's own public key
(GetParametersForImport), and overwritten with zeros after the last import. It is never written,
logged or put in the JSON. Needs kms:GetParametersForImport and kms:ImportKeyMaterial in each Region.

${EXIT_HELP}
`;

const ROTATE_HELP = `
Example:
  kms-replicate rotate-material --key alias/payments --region us-east-1 --key-material fileb://new-material.bin

Every replica must be usable first (exit 2 otherwise, before anything is imported). If an import
into a replica fails, RotateKeyOnDemand is not called: the output says which keys hold the new
material (PENDING_MULTI_REGION_IMPORT_AND_ROTATION) and how to finish (run the same command again)
or undo (aws kms delete-imported-key-material). Needs kms:GetParametersForImport, kms:ImportKeyMaterial
in every Region, kms:ListKeyRotations and kms:RotateKeyOnDemand on the primary.

Exit codes:
  0  rotated: every key uses the new material
  1  an import or the rotation failed (see the state and what to do next)
  2  usage or validation error, or a replica not usable: nothing was imported
  3  rotated, but not every key showed the new material before --timeout; or --timeout ran out
     before an import or the rotation was sent (see the state and what to do next)
  130, 143, 129  stopped by SIGINT (Ctrl-C), SIGTERM, SIGHUP
`;

/** --key-material and the options that shape the imports (replicate, import-material, rotate-material). */
function addImportOptions(command: Command, what: string): Command {
  return command
    .option(
      "--key-material <fileb://path|->",
      `${what}: fileb://PATH, or - (stdin) for a pipe`,
      parseMaterialSource,
    )
    .option(
      "--wrapping-algorithm <algorithm>",
      "RSAES_OAEP_SHA_256 (default for symmetric and HMAC), RSA_AES_KEY_WRAP_SHA_256 (default for RSA/ECC), RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_1",
      parseWrappingAlgorithm,
    )
    .option("--wrapping-key-spec <spec>", "RSA_2048, RSA_3072 or RSA_4096 (default)", parseWrappingKeySpec)
    .option(
      "--valid-to <date>",
      "the imported material expires then (ISO 8601, at most 365 days; default: as the primary's)",
      parseValidTo,
    )
    .option("--no-expiry", "the imported material never expires (default: as the primary's)");
}

/**
 * --timeout: what the command waits for, and, for a command that changes keys, the rule they share:
 * the run's deadline, after which no change is sent.
 */
function timeoutOption(description: string, changes = true): Option {
  return new Option(
    "--timeout <duration>",
    changes ? `${description}; no change is sent after it` : description,
  )
    .argParser(parseDuration)
    .default(DEFAULT_TIMEOUT_MS, "20m");
}

export interface Commands {
  replicate(flags: RawReplicateFlags & RawImportFlags): Promise<number>;
  importMaterial(flags: RawWaitFlags & RawImportFlags): Promise<number>;
  rotateMaterial(flags: RawCommonFlags & RawImportFlags & { timeout?: number }): Promise<number>;
  wait(flags: RawWaitFlags): Promise<number>;
  status(flags: RawCommonFlags): Promise<number>;
  promote(flags: RawPromoteFlags): Promise<number>;
  sync(flags: RawSyncFlags): Promise<number>;
}

export function buildProgram(run: Commands): Command {
  const program = new Command("kms-replicate")
    .description(
      "Replicate an AWS KMS multi-Region primary key into many Regions in one command, and wait until every replica is usable.",
    )
    .version(versionLine(), "-V, --version", "print the versions of kms-replicate, Node.js and the AWS SDK")
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .addHelpText("after", `${EXAMPLES}\nRun 'kms-replicate help <command>' for the options of a command.\n`);
  addConnectionOptions(program.optionsGroup("Global Options:"));

  const replicate = program
    .command("replicate", { isDefault: true })
    .description(
      "(the default command) Replicate the primary key into every named Region and wait until each replica is usable.",
    )
    .option("-r, --regions <regions>", "target Regions, comma-separated; repeatable (required)", collect)
    .option("--description <text>", "description of each replica (never put secrets here)")
    .option(
      "--policy <json|file://path>",
      "key policy of each replica, inline JSON or file://path (default: KMS's default policy)",
    )
    .option(
      "--bypass-policy-lockout-safety-check",
      "skip KMS's check that the policy lets you manage the key (dangerous)",
    )
    .option(
      "--tag <Key=Value>",
      "tag each replica; repeatable; Key= for an empty value, or the AWS CLI shorthand Key=K,Value=V; no aws: keys, at most 50",
      collectTag,
    )
    .option("--copy-tags", "give each replica the primary's tags (--tag values win)")
    .option("--copy-description", "give each replica the primary's description (--description wins)")
    .option("--copy-policy", "give each replica the primary's key policy (--policy wins); never rewritten")
    .option("--copy-aliases", "create the primary's aliases in each replica's Region")
    .option("--copy-enabled", "existing replicas that are disabled are enabled, as the primary is")
    .option("--copy-all", "all four --copy-… options above (tags, description, policy, aliases)")
    .optionsGroup("Imported key material (a primary with Origin EXTERNAL):");
  addImportOptions(
    replicate,
    "the primary's key material, imported into every replica that is PendingImport",
  );
  replicate
    .optionsGroup("Options:")
    .addOption(timeoutOption("how long to wait for replicas to leave Creating (90s, 2m, 1h)"))
    .option("--no-wait", "return once ReplicateKey was accepted, without waiting")
    .option("--dry-run", "resolve, describe and validate, print the plan, create nothing")
    .option(
      "--concurrency <n>",
      "ReplicateKey calls in flight at once per primary Region (default: its quota per second, at least 5)",
      parsePositiveInt,
    )
    .option(
      "--rate <per-second>",
      "ReplicateKey calls per second (default: KMS's quota, 5/s per account and Region; as --quota ReplicateKey=N)",
      parsePositiveNumber,
    )
    .addHelpText("after", EXAMPLES)
    // The default command receives what its parent could not place, a mistyped command name among
    // it: refused below with a suggestion, never ignored.
    .allowExcessArguments()
    .action(async (_flags, command: Command) => {
      rejectStrayArgument(program, command);
      const flags = command.optsWithGlobals<RawReplicateFlags & RawImportFlags>();
      if (flags.regions === undefined) {
        command.error("error: required option '-r, --regions <regions>' not specified", {
          exitCode: EXIT.usage,
        });
      }
      process.exitCode = await run.replicate(flags);
    });

  const wait = program
    .command("wait")
    .description(
      "Wait until existing replicas (all, or the named Regions) leave Creating; for scripts that used --no-wait.",
    )
    .option(
      "-r, --regions <regions>",
      "only these Regions, comma-separated; repeatable (default: every replica)",
      collect,
    )
    .addOption(timeoutOption("how long to wait (90s, 2m, 1h)", false))
    .addHelpText("after", WAIT_HELP)
    .action(async (_flags, command: Command) => {
      process.exitCode = await run.wait(command.optsWithGlobals<RawWaitFlags>());
    });

  const importMaterial = program
    .command("import-material")
    .description(
      "Import the primary's key material into existing replicas (all, or the named Regions) that are PendingImport, e.g. after it expired, and wait until each is Enabled.",
    )
    .option(
      "-r, --regions <regions>",
      "only these Regions, comma-separated; repeatable (default: every replica)",
      collect,
    )
    .addOption(timeoutOption("how long to wait for each replica (90s, 2m, 1h)"));
  addImportOptions(importMaterial, "the primary's key material (required)");
  importMaterial.addHelpText("after", IMPORT_HELP).action(async (_flags, command: Command) => {
    process.exitCode = await run.importMaterial(command.optsWithGlobals<RawWaitFlags & RawImportFlags>());
  });

  const rotateMaterial = program
    .command("rotate-material")
    .description(
      "Rotate imported key material across the family: NEW material into the primary, the same into every replica, then RotateKeyOnDemand; waits until every key uses it.",
    )
    .addOption(timeoutOption("how long to wait for the rotation to show in every Region (90s, 2m, 1h)"));
  addImportOptions(rotateMaterial, "the NEW key material (required; symmetric keys only)");
  rotateMaterial.addHelpText("after", ROTATE_HELP).action(async (_flags, command: Command) => {
    process.exitCode = await run.rotateMaterial(
      command.optsWithGlobals<RawCommonFlags & RawImportFlags & { timeout?: number }>(),
    );
  });

  const status = program
    .command("status")
    .description(
      "Show the primary and every replica (state, description, tags, aliases), each read in its own Region, and what drifts from the primary.",
    )
    .addHelpText("after", STATUS_HELP)
    .action(async (_flags, command: Command) => {
      process.exitCode = await run.status(command.optsWithGlobals<RawCommonFlags>());
    });

  const promote = program
    .command("promote")
    .description(
      "Make the replica in --to the primary of its family (UpdatePrimaryRegion) and wait until both keys have settled.",
    )
    .option("--to <region>", "the Region whose replica becomes the primary (required)")
    .addOption(timeoutOption("how long to wait for the keys to be Enabled and to settle (90s, 2m, 1h)"))
    .option("--dry-run", "read and check everything, print what would happen, change nothing")
    .addHelpText("after", PROMOTE_HELP)
    .action(async (_flags, command: Command) => {
      const flags = command.optsWithGlobals<RawPromoteFlags>();
      if (flags.to === undefined) {
        command.error("error: required option '--to <region>' not specified", { exitCode: EXIT.usage });
      }
      process.exitCode = await run.promote(flags);
    });

  const sync = program
    .command("sync")
    .description(
      "Bring existing replicas (all, or the named Regions) in line with their primary: tags, description, key policy, aliases, and with --copy-enabled the enabled state; then read them back to verify.",
    )
    .option(
      "-r, --regions <regions>",
      "only these Regions, comma-separated; repeatable (default: every replica)",
      collect,
    )
    .option("--copy-tags", "the primary's tags (--tag values win)")
    .option("--copy-description", "the primary's description (--description wins)")
    .option("--copy-policy", "the primary's key policy (--policy wins); never rewritten")
    .option("--copy-aliases", "the primary's aliases, in each replica's Region")
    .option("--copy-enabled", "the primary's enabled state (EnableKey / DisableKey)")
    .option("--copy-all", "tags, description, policy and aliases (the default when no --copy-… is given)")
    .option("--tag <Key=Value>", "a tag every replica must have; repeatable; as in replicate", collectTag)
    .option("--description <text>", "the description every replica must have")
    .option(
      "--policy <json|file://path>",
      "the key policy every replica must have, inline JSON or file://path",
    )
    .option(
      "--bypass-policy-lockout-safety-check",
      "passed to PutKeyPolicy: skip KMS's check that the policy lets you manage the key (dangerous)",
    )
    .option("--prune-tags", "remove tags the desired state does not have (default: keep and show them)")
    .option("--prune-aliases", "delete aliases of a replica that the primary does not have")
    .option(
      "--force-aliases",
      "an alias that names another key in a replica's Region is moved to the replica (UpdateAlias); default: that Region fails",
    )
    .option("--dry-run", "read, diff and print the plan per Region; change nothing")
    .addOption(
      timeoutOption("how long to wait for replicas still Creating before syncing them (90s, 2m, 1h)"),
    )
    .addHelpText("after", SYNC_HELP)
    .action(async (_flags, command: Command) => {
      process.exitCode = await run.sync(command.optsWithGlobals<RawSyncFlags>());
    });

  // Our own `help [command]`, so that a mistyped name gets a suggestion as everywhere else.
  program
    .helpCommand(false)
    .command("help")
    .argument("[command]")
    .description("display help for command")
    .action((name: string | undefined) => {
      if (name === undefined) program.help();
      const found = program.commands.find((c) => c.name() === name && c.name() !== "help");
      if (found !== undefined) found.help();
      const similar = suggestCommand(
        name ?? "",
        program.commands.map((c) => c.name()),
      );
      program.error(
        `error: unknown command '${name}'${similar === undefined ? "" : `\n(Did you mean ${similar}?)`}`,
        { code: "commander.unknownCommand", exitCode: EXIT.usage },
      );
    });

  // `kms-replicate completion bash|zsh|fish`, read from this very program (src/cli/completion.ts).
  program
    .command("completion")
    .description("Print a completion script for bash, zsh or fish: source <(kms-replicate completion bash)")
    .addArgument(program.createArgument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"]))
    .action(async (shell: "bash" | "zsh" | "fish", _flags, command: Command) => {
      const { completionScript } = await import("./completion.js");
      command.configureOutput().writeOut?.(completionScript(program, shell));
    });

  // Usage errors quote what was typed (an option, a value from a script): for people, like every
  // other line, and with any URL's credentials hidden.
  for (const command of [program, ...program.commands]) {
    command.configureOutput({ outputError: (text, write) => write(forPeople(redactSecrets(text), false)) });
  }
  for (const command of [program, replicate, wait, status, sync, promote, importMaterial, rotateMaterial]) {
    command.showHelpAfterError(
      `(run ${command === program ? "kms-replicate" : `kms-replicate ${command.name()}`} --help for usage)`,
    );
  }
  return program;
}

/**
 * An argument the default command cannot use: a mistyped command (`statsu`), a command typed after
 * options that are not global (`--timeout 5m wait`), or a stray word. Always an error, exit 2.
 */
function rejectStrayArgument(program: Command, command: Command): void {
  const stray = command.args[0];
  if (stray === undefined) return;
  const names = program.commands.map((c) => c.name());
  const explicit = program.args[0] === command.name();
  if (names.includes(stray)) {
    program.error(
      `error: '${stray}' comes after options that are not global; write the command first: kms-replicate ${stray} [options]`,
      { code: "commander.unknownCommand", exitCode: EXIT.usage },
    );
  }
  const similar = suggestCommand(stray, names);
  const suggestion = similar === undefined ? "" : `\n(Did you mean ${similar}?)`;
  (explicit ? command : program).error(
    explicit
      ? `error: unexpected argument '${stray}' for '${command.name()}'${suggestion}`
      : `error: unknown command '${stray}'${suggestion}`,
    { code: "commander.unknownCommand", exitCode: EXIT.usage },
  );
}

/** The command name one or two edits away from `typed` (a swap of two letters is one edit). */
export function suggestCommand(typed: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(typed.toLowerCase(), name);
    if (
      distance <= Math.min(2, Math.floor(name.length / 3)) &&
      (best === undefined || distance < best.distance)
    ) {
      best = { name, distance };
    }
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1);
      }
      const row = d[i];
      if (row !== undefined) row[j] = value;
    }
  }
  return at(a.length, b.length);
}

/** Did the user ask for JSON? What commander parsed, else (a parse error came first) what argv says. */
export function jsonRequested(program: Command, argv: readonly string[]): boolean {
  if (program.getOptionValueSource("output") === "cli") return program.getOptionValue("output") === "json";
  const args = argv.slice(2);
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some(
    (arg, i, all) =>
      arg === "--output=json" ||
      arg === "-ojson" ||
      ((arg === "--output" || arg === "-o") && all[i + 1] === "json"),
  );
}

/**
 * Does the command line select a fleet (JSON version 2)? For a usage error that came before
 * commander could parse it: --all-primaries, --keys-from, or --key given more than once.
 */
export function fleetInArgv(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf("--");
  const words = end === -1 ? args : args.slice(0, end);
  const keys = words.filter((w) => w === "--key" || w === "-k" || w.startsWith("--key=")).length;
  return (
    keys > 1 ||
    words.some((w) => w === "--all-primaries" || w === "--keys-from" || w.startsWith("--keys-from="))
  );
}
