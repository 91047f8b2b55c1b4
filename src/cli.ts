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
  type RawReplicateFlags,
} from "./options.js";

const startedAt = performance.now();

const EXAMPLES = `
Examples:
  kms-replicate --key mrk-1234abcd12ab34cd56ef1234567890ab --region us-east-1 --regions eu-west-1,ap-southeast-2
  kms-replicate --key arn:aws:kms:us-east-1:111122223333:key/mrk-… --regions eu-west-1 --output json | jq .
  kms-replicate --key alias/payments --region us-east-1 --regions eu-west-1 \\
      --tag team=payments --description "DR copy" --policy file://policy.json
  kms-replicate --key alias/payments --region us-east-1 --regions eu-west-1,eu-central-1 --dry-run

Key: a key ID, key ARN, alias name (alias/…) or alias ARN of a multi-Region primary key. Its Region
comes from the ARN, else --region, else AWS_REGION / AWS_DEFAULT_REGION / the profile's region.

${EXIT_HELP}
`;

function addConnectionOptions(command: Command): Command {
  return command
    .requiredOption(
      "-k, --key <key>",
      "the multi-Region primary key: key ID, key ARN, alias/NAME or alias ARN",
    )
    .option("--region <region>", "the primary key's Region, when --key is not an ARN")
    .option(
      "--profile <name>",
      "AWS profile to use (SSO, assume-role and credential_process work as in the AWS CLI)",
    )
    .option("--endpoint-url <url>", "send every KMS call to this endpoint (e.g. a local KMS emulator)")
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

export function buildProgram(run: (flags: RawReplicateFlags) => Promise<number>): Command {
  const program = new Command("kms-replicate")
    .description(
      "Replicate an AWS KMS multi-Region primary key into many Regions in one command, and wait until every replica is usable.",
    )
    .version(pkg.version, "-V, --version")
    .showHelpAfterError("(run kms-replicate --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  addConnectionOptions(program)
    .option("-r, --regions <regions>", "target Regions, comma-separated; repeatable", collect)
    .option("--strict-regions", "refuse Regions this AWS SDK does not know (default: warn and try)")
    .option("--description <text>", "description of each replica (never put secrets here)")
    .option(
      "--policy <json|file://path>",
      "key policy of each replica, inline JSON or file://path (default: KMS's default key policy)",
    )
    .option(
      "--bypass-policy-lockout-safety-check",
      "skip KMS's check that the policy lets you manage the key (dangerous)",
    )
    .option("--tag <Key=Value>", "tag each replica; repeatable; Key= for an empty value", collectTag)
    .addOption(
      new Option("--timeout <duration>", "how long to wait for replicas to leave Creating (90s, 2m, 1h)")
        .argParser(parseDuration)
        .default(DEFAULT_TIMEOUT_MS, "20m"),
    )
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
      if (flags.regions === undefined) {
        program.error("error: required option '-r, --regions <regions>' not specified", {
          exitCode: EXIT.usage,
        });
      }
      process.exitCode = await run(flags);
    });
  return program;
}

/** Ctrl-C aborts the run (which still reports every Region); a second Ctrl-C quits at once. */
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
  const program = buildProgram(async (flags) => {
    const controller = interruptController();
    const io = {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
      startedAt,
    };
    const { runReplicate } = await import("./main.js");
    return runReplicate(flags, io);
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
