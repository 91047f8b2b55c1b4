import { describe, it, expect } from "vitest";
import {
  durationFlag,
  rerunCommand,
  rerunLines,
  shellQuote,
  waitCommand,
} from "../../../src/report/resume.js";
import { PRIMARY_ARN } from "../../support/fixtures.js";

describe("shellQuote", () => {
  it.each([
    { word: PRIMARY_ARN, quoted: PRIMARY_ARN },
    { word: "eu-west-1,ap-southeast-2", quoted: "eu-west-1,ap-southeast-2" },
    { word: "http://127.0.0.1:4566", quoted: "http://127.0.0.1:4566" },
    { word: "my profile", quoted: "'my profile'" },
    { word: "it's", quoted: "'it'\\''s'" },
    { word: "$HOME", quoted: "'$HOME'" },
    { word: "", quoted: "''" },
  ])("$word → $quoted", ({ word, quoted }) => {
    expect(shellQuote(word)).toBe(quoted);
  });
});

describe("durationFlag", () => {
  it.each([
    { ms: 1_200_000, flag: "20m" },
    { ms: 3_600_000, flag: "1h" },
    { ms: 90_000, flag: "90s" },
    { ms: 1_500, flag: "1500ms" },
  ])("$ms ms → --timeout $flag", ({ ms, flag }) => {
    expect(durationFlag(ms)).toBe(flag);
  });
});

describe("waitCommand", () => {
  it("names the key, the Regions and the --timeout", () => {
    // GIVEN / WHEN
    const command = waitCommand(PRIMARY_ARN, ["eu-central-1", "sa-east-1"], { timeoutMs: 1_200_000 });
    // THEN
    expect(command).toBe(
      `kms-replicate wait --key ${PRIMARY_ARN} --regions eu-central-1,sa-east-1 --timeout 20m`,
    );
  });

  it("keeps the options that reach the same account the same way, quoted for the shell", () => {
    // GIVEN / WHEN
    const command = waitCommand(PRIMARY_ARN, ["eu-central-1"], {
      profile: "prod admin",
      endpointUrl: "http://127.0.0.1:4566",
      connectTimeoutMs: 5_000,
      readTimeoutMs: 2_500,
      timeoutMs: 3_600_000,
    });
    // THEN
    expect(command).toBe(
      `kms-replicate wait --key ${PRIMARY_ARN} --regions eu-central-1 --profile 'prod admin' --endpoint-url http://127.0.0.1:4566 --cli-connect-timeout 5 --cli-read-timeout 2.5 --timeout 1h`,
    );
  });
});

describe("rerunCommand", () => {
  it("is the run's own command with the suggested --timeout instead of its own, quoted for the shell", () => {
    // GIVEN / WHEN
    const command = rerunCommand({
      timeoutMs: 1_200_000,
      argv: [
        "promote",
        "--all-primaries",
        "--region",
        "eu-west-1",
        "--timeout",
        "3s",
        "--select-tag",
        "team=a b",
      ],
    });
    // THEN
    expect(command).toBe(
      "kms-replicate promote --all-primaries --region eu-west-1 --select-tag 'team=a b' --timeout 20m",
    );
  });

  it("drops --timeout=VALUE too, and adds --timeout when the run had none", () => {
    expect(rerunCommand({ timeoutMs: 3_600_000, argv: ["--key", "k", "--timeout=2s"] })).toBe(
      "kms-replicate --key k --timeout 1h",
    );
    expect(rerunCommand({ timeoutMs: 1_200_000, argv: ["sync", "--key", "k"] })).toBe(
      "kms-replicate sync --key k --timeout 20m",
    );
  });

  it("never prints a password given in a URL (--endpoint-url http://user:pass@host)", () => {
    expect(
      rerunCommand({
        timeoutMs: 1_200_000,
        argv: [
          "--key",
          "k",
          "--endpoint-url",
          "http://me:s3cret@127.0.0.1:4566",
          "--endpoint-url=https://a:b@h",
        ],
      }),
    ).toBe(
      "kms-replicate --key k --endpoint-url 'http://***@127.0.0.1:4566' '--endpoint-url=https://***@h' --timeout 20m",
    );
  });

  it("is undefined without the command line", () => {
    expect(rerunCommand({ timeoutMs: 1_200_000 })).toBeUndefined();
  });
});

describe("rerunLines", () => {
  it("names the Regions and gives the command; nothing when no Region needs it", () => {
    expect(rerunLines(["eu-west-1", "sa-east-1"], { timeoutMs: 1_200_000, argv: ["--key", "k"] })).toEqual([
      "--timeout ran out before every change was sent (eu-west-1, sa-east-1). To finish (what is done counts as done):",
      "  kms-replicate --key k --timeout 20m",
    ]);
    expect(rerunLines([], { timeoutMs: 1_200_000, argv: ["--key", "k"] })).toEqual([]);
    expect(rerunLines(["eu-west-1"], undefined)).toEqual([
      "--timeout ran out before every change was sent (eu-west-1): run the same command again with a longer --timeout.",
    ]);
  });
});
