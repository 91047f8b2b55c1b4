// argv → typed options → run. Parsing only: the AWS SDK, ora and the run itself load lazily, so
// `--help` and `--version` stay close to bare-node start-up time.
import { Command, CommanderError, Option } from "commander";
import pkg from "../package.json" with { type: "json" };
import { EXIT, EXIT_HELP } from "./errors.js";
import {
  collect,
  collectTag,
  DEFAULT_TIMEOUT_MS,
  parseDuration,
  parsePositiveInt,
  parsePositiveNumber,
  parseTimeoutSeconds,
  type RawCommonFlags,
  type RawReplicateFlags,
  type RawWaitFlags,
} from "./options.js";

const startedAt = performance.now();

// A reader that goes away (`--help | head -1`, `--output json | head -c 80`) is not our error: the
// rest of that output is dropped, and the run still ends with its own exit code, no stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  });
}

const EXAMPLES = `
Examples:
  kms-replicate --key mrk-1234abcd12ab34cd56ef1234567890ab --region us-east-1 --regions eu-west-1,ap-southeast-2
  kms-replicate --key arn:aws:kms:us-east-1:111122223333:key/mrk-… --regions eu-west-1 --output json | jq .
  kms-replicate --key alias/payments --region us-east-1 --regions eu-west-1 \\
      --tag team=payments --description "DR copy" --policy file://policy.json
  kms-replicate --key alias/payments --region us-east-1 --regions eu-west-1,eu-central-1 --copy-all --dry-run
  kms-replicate status --key alias/payments --region us-east-1
  kms-replicate wait --key alias/payments --region us-east-1 --timeout 30m

Key: a key ID, key ARN, alias name (alias/…) or alias ARN of a multi-Region primary key. Its Region
comes from the ARN, else --region, else AWS_REGION / AWS_DEFAULT_REGION / the profile's region.
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
`;

const WAIT_HELP = `
Example:
  kms-replicate --key alias/payments --region us-east-1 --regions eu-west-1,ap-southeast-2 --no-wait
  kms-replicate wait --key alias/payments --region us-east-1 --regions eu-west-1,ap-southeast-2

${EXIT_HELP}
`;

function addConnectionOptions(command: Command): Command {
  return command
    .option(
      "-k, --key <key>",
      "the multi-Region primary key: key ID, key ARN, alias/NAME or alias ARN (required)",
    )
    .option("--region <region>", "the primary key's Region, when --key is not an ARN")
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
      new Option("-o, --output <format>", "text on stderr, or one JSON document on stdout")
        .choices(["text", "json"])
        .default("text"),
    )
    .option("-q, --quiet", "print only errors on stderr")
    .option(
      "--debug",
      "log every AWS call (operation, Region, attempt, duration, error) on stderr; never credentials",
    )
    .option("--no-color", "no colours (NO_COLOR is honoured too)");
}

function timeoutOption(description: string): Option {
  return new Option("--timeout <duration>", description)
    .argParser(parseDuration)
    .default(DEFAULT_TIMEOUT_MS, "20m");
}

export interface Commands {
  replicate(flags: RawReplicateFlags): Promise<number>;
  wait(flags: RawWaitFlags): Promise<number>;
  status(flags: RawCommonFlags): Promise<number>;
}

export function buildProgram(run: Commands): Command {
  const program = new Command("kms-replicate")
    .description(
      "Replicate an AWS KMS multi-Region primary key into many Regions in one command, and wait until every replica is usable.",
    )
    .version(pkg.version, "-V, --version")
    .enablePositionalOptions();

  addConnectionOptions(program)
    .option("-r, --regions <regions>", "target Regions, comma-separated; repeatable", collect)
    .option("--strict-regions", "refuse Regions this AWS SDK does not know (default: warn and try)")
    .option("--description <text>", "description of each replica (never put secrets here)")
    .option(
      "--policy <json|file://path>",
      "key policy of each replica, inline JSON or file://path (default: KMS's default policy)",
    )
    .option(
      "--bypass-policy-lockout-safety-check",
      "skip KMS's check that the policy lets you manage the key (dangerous)",
    )
    .option("--tag <Key=Value>", "tag each replica; repeatable; Key= for an empty value", collectTag)
    .option("--copy-tags", "give each replica the primary's tags (--tag values win)")
    .option("--copy-description", "give each replica the primary's description (--description wins)")
    .option("--copy-policy", "give each replica the primary's key policy (--policy wins); never rewritten")
    .option("--copy-aliases", "create the primary's aliases in each replica's Region")
    .option("--copy-all", "all four --copy-… options")
    .addOption(timeoutOption("how long to wait for replicas to leave Creating (90s, 2m, 1h)"))
    .option("--no-wait", "return once ReplicateKey was accepted, without waiting")
    .option("--dry-run", "resolve, describe and validate, print the plan, create nothing")
    .option("--concurrency <n>", "ReplicateKey calls in flight at once", parsePositiveInt, 5)
    .option(
      "--rate <per-second>",
      "ReplicateKey calls per second (KMS allows 5/s per account and Region)",
      parsePositiveNumber,
      5,
    )
    .addHelpText("after", EXAMPLES)
    .action(async (flags: RawReplicateFlags) => {
      requireKey(program, flags);
      if (flags.regions === undefined) {
        program.error("error: required option '-r, --regions <regions>' not specified", {
          exitCode: EXIT.usage,
        });
      }
      process.exitCode = await run.replicate(flags);
    });

  const wait = addConnectionOptions(new Command("wait"))
    .description(
      "Wait until existing replicas (all, or the named Regions) leave Creating; for scripts that used --no-wait.",
    )
    .option(
      "-r, --regions <regions>",
      "only these Regions, comma-separated; repeatable (default: every replica)",
      collect,
    )
    .addOption(timeoutOption("how long to wait (90s, 2m, 1h)"))
    .addHelpText("after", WAIT_HELP)
    .action(async (flags: RawWaitFlags) => {
      requireKey(wait, flags);
      process.exitCode = await run.wait(flags);
    });

  const status = addConnectionOptions(new Command("status"))
    .description(
      "Show the primary and every replica (state, description, tags, aliases), each read in its own Region, and what drifts from the primary.",
    )
    .addHelpText("after", STATUS_HELP)
    .action(async (flags: RawCommonFlags) => {
      requireKey(status, flags);
      process.exitCode = await run.status(flags);
    });

  program.addCommand(wait).addCommand(status);
  for (const command of [program, wait, status]) {
    command
      .exitOverride()
      .showHelpAfterError(
        `(run ${command === program ? "kms-replicate" : `kms-replicate ${command.name()}`} --help for usage)`,
      );
  }
  return program;
}

function requireKey(command: Command, flags: RawCommonFlags): void {
  if (flags.key === undefined) {
    command.error("error: required option '-k, --key <key>' not specified", { exitCode: EXIT.usage });
  }
}

/** Ctrl-C (or SIGTERM) aborts the run, which still reports every Region; a second one quits at once. */
function interruptController(): AbortController {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller;
}

async function main(argv: string[]): Promise<void> {
  const io = async () => {
    const controller = interruptController();
    const main = await import("./main.js");
    const streams = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
    return { main, io: { ...streams, signal: controller.signal, startedAt } };
  };
  const program = buildProgram({
    replicate: async (flags) => {
      const { main, io: ctx } = await io();
      return main.runReplicate(flags, ctx);
    },
    wait: async (flags) => {
      const { main, io: ctx } = await io();
      return main.runWait(flags, ctx);
    },
    status: async (flags) => {
      const { main, io: ctx } = await io();
      return main.runStatus(flags, ctx);
    },
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code);
      process.exitCode = ok ? EXIT.ok : EXIT.usage;
      return;
    }
    throw error;
  }
}

await main(process.argv);
