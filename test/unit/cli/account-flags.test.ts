import { Command } from "commander";
import { describe, expect, it } from "vitest";
import {
  defaultAccountsInFlight,
  defineAccountFlags,
  parseAccountFlags,
  type RawAccountFlags,
} from "../../../src/cli/account-flags.js";
import { completionScript } from "../../../src/cli/completion.js";
import { isReplicateError } from "../../../src/core/errors.js";
import { recordingProgram } from "../../support/command-line.js";

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error("expected a usage error");
}

/** What commander makes of `args` with the accounts options on a program. */
function raw(args: readonly string[]): RawAccountFlags {
  const program = defineAccountFlags(new Command("kms-replicate").exitOverride());
  program.parse(args, { from: "user" });
  return program.opts<RawAccountFlags>();
}

describe("parseAccountFlags", () => {
  it("no accounts: undefined (and --shard alone splits the keys)", () => {
    expect(parseAccountFlags(raw([]), {})).toEqual({ accounts: undefined, shard: undefined });
    expect(parseAccountFlags(raw(["--shard", "1/2"]), {})).toEqual({
      accounts: undefined,
      shard: { index: 1, count: 2 },
    });
  });

  it("--accounts-from with its defaults", () => {
    expect(parseAccountFlags(raw(["--accounts-from", "org.yml"]), {})).toEqual({
      accounts: {
        source: { kind: "file", path: "org.yml" },
        externalId: undefined,
        roleSessionName: "kms-replicate",
        selectTags: [],
        notAccounts: [],
        maxFailedAccounts: undefined,
        maxAccountsInFlight: defaultAccountsInFlight(),
      },
      shard: undefined,
    });
  });

  it("every flag, the lists split at commas and repeatable", () => {
    const flags = raw([
      "--accounts",
      "111122223333, 444455556666",
      "--accounts",
      "777788889999",
      "--role-name",
      "team/OrgKms",
      "--external-id",
      "ext-1",
      "--role-session-name",
      "dr-drill",
      "--not-accounts",
      "444455556666",
      "--max-failed-accounts",
      "2",
      "--max-accounts-in-flight",
      "3",
      "--shard-count",
      "2",
    ]);
    expect(parseAccountFlags(flags, { AWS_BATCH_JOB_ARRAY_INDEX: "1" })).toEqual({
      accounts: {
        source: {
          kind: "list",
          accountIds: ["111122223333", "444455556666", "777788889999"],
          roleName: "team/OrgKms",
        },
        externalId: "ext-1",
        roleSessionName: "dr-drill",
        selectTags: [],
        notAccounts: ["444455556666"],
        maxFailedAccounts: 2,
        maxAccountsInFlight: 3,
      },
      shard: { index: 2, count: 2 },
    });
  });

  it("--select-account-tag Key=Value, repeatable; c7n-org's key:value gets a hint", () => {
    const flags = raw([
      "--accounts-from",
      "-",
      "--select-account-tag",
      "env=prod",
      "--select-account-tag",
      "note=",
    ]);
    expect(parseAccountFlags(flags, {}).accounts?.selectTags).toEqual([
      { TagKey: "env", TagValue: "prod" },
      { TagKey: "note", TagValue: "" },
    ]);
    try {
      parseAccountFlags(raw(["--accounts-from", "f", "--select-account-tag", "env:prod"]), {});
    } catch (error) {
      expect(isReplicateError(error) && error.hint).toBe(
        "For c7n-org's tag env:prod: --select-account-tag env=prod",
      );
    }
  });

  it.each([
    [
      ["--accounts-from", "f", "--accounts", "111122223333"],
      /--accounts-from and --accounts both name the accounts/,
    ],
    [["--role-name", "R"], /--role-name is for --accounts ID/],
    [["--accounts-from", "f", "--role-name", "R"], /the accounts file names each account's role/],
    [["--accounts", "111122223333,444455556666"], /--accounts names 2 accounts and no --role-name/],
    [["--accounts", "111122223333", "--external-id", "abc"], /--external-id is for a role/],
    [["--accounts", " , "], /--accounts is empty/],
    [["--accounts", "1234", "--role-name", "R"], /--accounts: '1234': an AWS account ID is 12 digits/],
    [["--accounts", "111122223333,111122223333", "--role-name", "R"], /111122223333 is given twice/],
    [["--accounts", "111122223333", "--role-name", "a b"], /--role-name 'a b': a role name is/],
    [
      ["--accounts", "111122223333", "--role-name", "R", "--select-account-tag", "a=b"],
      /--select-account-tag picks accounts by the tags/,
    ],
    [
      ["--accounts-from", "f", "--role-session-name", "x"],
      /--role-session-name 'x': a role session name is 2 to 64/,
    ],
    [["--accounts-from", "f", "--external-id", "a b"], /--external-id 'a b': an external ID/],
    [
      ["--accounts-from", "f", "--max-failed-accounts", "0"],
      /--max-failed-accounts 0: not a whole number of at least 1/,
    ],
    [
      ["--accounts-from", "f", "--max-accounts-in-flight", "2.5"],
      /--max-accounts-in-flight 2.5: not a whole number/,
    ],
    [["--accounts-from", ""], /--accounts-from is empty/],
    [
      ["--max-failed-accounts", "2", "--not-accounts", "111122223333"],
      /^--not-accounts, --max-failed-accounts: are for a run over accounts/,
    ],
    [["--select-account-tag", "a=b"], /^--select-account-tag: is for a run over accounts/],
    [["--accounts-from", "f", "--select-account-tag", "=b"], /'=b' is not Key=Value/],
    [["--shard", "0/2"], /--shard 0\/2: the shard is 1 to 2/],
    [["--shard-count", "2"], /neither JOB_COMPLETION_INDEX nor AWS_BATCH_JOB_ARRAY_INDEX is set/],
  ])("refuses %j", (args, message) => {
    expect(usageMessage(() => parseAccountFlags(raw(args), {}))).toMatch(message);
  });

  it("one account without --role-name: the run's own credentials (the run checks it is the caller's)", () => {
    expect(parseAccountFlags(raw(["--accounts", "111122223333"]), {}).accounts?.source).toEqual({
      kind: "list",
      accountIds: ["111122223333"],
      roleName: undefined,
    });
  });

  it("the default in flight: 4 per CPU", () => {
    expect(defaultAccountsInFlight()).toBeGreaterThanOrEqual(4);
    expect(defaultAccountsInFlight() % 4).toBe(0);
  });
});

describe("the accounts options on the program", () => {
  it("are offered by the completion scripts, after a command too", () => {
    const { program } = recordingProgram();
    for (const shell of ["bash", "zsh", "fish"] as const) {
      const script = completionScript(program, shell);
      for (const flag of ["accounts-from", "role-name", "select-account-tag", "shard-count"]) {
        expect(script, `${shell} ${flag}`).toContain(flag);
      }
    }
  });
});
