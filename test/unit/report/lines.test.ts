import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import type { RegionResult, ReplicaEvent } from "../../../src/core/events.js";
import {
  clock,
  debugLine,
  durationFlag,
  heartbeatLine,
  planLine,
  rerunCommand,
  rerunLines,
  shellQuote,
  waitCommand,
  retryNotice,
  progressText,
  regionLine,
  seconds,
  summaryLine,
} from "../../../src/report/lines.js";
import { PRIMARY, PRIMARY_ARN, arnIn } from "../../support/fixtures.js";

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

type CallEvent = Extract<ReplicaEvent, { type: "call" }>;

describe("regionLine", () => {
  it("lines up symbol, Region, status, state and seconds", () => {
    // GIVEN
    const result: RegionResult = {
      region: "eu-west-1",
      status: "created",
      keyState: "Enabled",
      elapsedMs: 4_200,
    };
    // WHEN / THEN
    expect(regionLine(result, plain)).toBe("✔ eu-west-1      created     Enabled         4.2s");
  });

  it("ends with the replica's ARN when it is known", () => {
    // GIVEN
    const result: RegionResult = {
      region: "eu-west-1",
      status: "created",
      keyState: "Enabled",
      replicaArn: arnIn("eu-west-1"),
      elapsedMs: 4_200,
    };
    // WHEN / THEN
    expect(regionLine(result, plain)).toBe(
      `✔ eu-west-1      created     Enabled         4.2s  ${arnIn("eu-west-1")}`,
    );
  });

  it.each<{ result: RegionResult; parts: string[] }>([
    {
      result: { region: "eu-west-1", status: "exists", keyState: "Enabled", elapsedMs: 300 },
      parts: ["✔", "exists", "Enabled", "0.3s"],
    },
    {
      result: { region: "eu-west-1", status: "planned", elapsedMs: 0 },
      parts: ["○", "planned", " - ", "0.0s"],
    },
    {
      result: {
        region: "eu-west-1",
        status: "timeout",
        keyState: "Creating",
        elapsedMs: 1_200_000,
        note: "It may still finish.",
      },
      parts: ["⏱", "timeout", "Creating", "1200.0s", "\n    → It may still finish."],
    },
    {
      result: {
        region: "eu-west-1",
        status: "interrupted",
        elapsedMs: 1_500,
        note: "Nothing was created here.",
      },
      parts: ["■", "interrupted", "1.5s", "\n    → Nothing was created here."],
    },
    {
      result: {
        region: "eu-west-1",
        status: "created",
        keyState: "PendingImport",
        elapsedMs: 2_000,
        note: "Import the key material.",
      },
      parts: ["✔", "created", "PendingImport", "2.0s", "\n    → Import the key material."],
    },
  ])("shows $result.status with its state, seconds and note", ({ result, parts }) => {
    // GIVEN / WHEN
    const line = regionLine(result, plain);
    // THEN
    expect(line.startsWith(`${parts[0]} eu-west-1 `)).toBe(true);
    for (const part of parts) expect(line).toContain(part);
  });

  it("shows a failure's error name, message and hint on their own lines", () => {
    // GIVEN
    const result: RegionResult = {
      region: "ap-southeast-2",
      status: "failed",
      elapsedMs: 800,
      error: { name: "AccessDeniedException", message: "not allowed", hint: "Grant kms:ReplicateKey." },
    };
    // WHEN
    const lines = regionLine(result, plain).split("\n");
    // THEN
    expect(lines).toEqual([
      "✖ ap-southeast-2 failed      -               0.8s",
      "    AccessDeniedException: not allowed",
      "    → Grant kms:ReplicateKey.",
    ]);
  });

  it("widens the Region column for long Region names", () => {
    // GIVEN
    const result: RegionResult = {
      region: "ap-southeast-2",
      status: "created",
      keyState: "Enabled",
      elapsedMs: 0,
    };
    // WHEN / THEN
    expect(regionLine(result, plain, 20)).toContain("ap-southeast-2       created");
  });

  it("has no escape codes with colours off, and has them with colours on", () => {
    // GIVEN
    const result: RegionResult = {
      region: "eu-west-1",
      status: "failed",
      elapsedMs: 0,
      error: { name: "X", message: "y" },
    };
    // WHEN / THEN
    expect(regionLine(result, plain)).not.toContain("\u001b[");
    expect(regionLine(result, coloured)).toContain("\u001b[31m");
  });
});

describe("summaryLine", () => {
  it("counts each status in a fixed order, skipping those with none", () => {
    // GIVEN
    const results: RegionResult[] = [
      { region: "a-b-1", status: "failed", elapsedMs: 0, error: { name: "X", message: "y" } },
      { region: "a-b-2", status: "created", elapsedMs: 0 },
      { region: "a-b-3", status: "exists", elapsedMs: 0 },
      { region: "a-b-4", status: "created", elapsedMs: 0 },
      { region: "a-b-5", status: "timeout", elapsedMs: 0 },
    ];
    // WHEN / THEN
    expect(summaryLine(results, 12_345, false, plain)).toBe(
      "2 created, 1 exists, 1 failed, 1 timeout in 12.3s.",
    );
  });

  it("says a dry run changed nothing", () => {
    // GIVEN
    const results: RegionResult[] = [{ region: "a-b-1", status: "planned", elapsedMs: 0 }];
    // WHEN / THEN
    expect(summaryLine(results, 100, true, plain)).toBe("1 planned in 0.1s. Dry run: nothing was changed.");
  });
});

describe("planLine", () => {
  it.each([
    { dryRun: false, start: "Replicating " },
    { dryRun: true, start: "Dry run: would replicate " },
  ])("names the key, its Region, its facts and the targets (dry run: $dryRun)", ({ dryRun, start }) => {
    // GIVEN / WHEN
    const line = planLine(PRIMARY, ["eu-west-1", "ap-southeast-2"], dryRun, plain);
    // THEN
    expect(line).toBe(
      `${start}${PRIMARY.keyId} from us-east-1 (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT, AWS_KMS) into 2 Regions: eu-west-1, ap-southeast-2`,
    );
  });

  it("says that `wait` waits for existing replicas instead of replicating", () => {
    // GIVEN / WHEN
    const line = planLine(PRIMARY, ["eu-west-1"], false, plain, "wait");
    // THEN
    expect(line).toBe(
      `Waiting for the replicas of ${PRIMARY.keyId} (primary in us-east-1, SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT, AWS_KMS) in 1 Region: eu-west-1`,
    );
  });
});

describe("progressText", () => {
  it("has one line per Region in progress, with its phase and time", () => {
    // GIVEN
    const inProgress = new Map([
      ["eu-west-1", { phase: "creating" as const, keyState: "Creating", since: 0 }],
      ["ap-southeast-2", { phase: "requesting" as const, since: 1_000 }],
    ]);
    // WHEN
    const text = progressText(inProgress, 3_000, plain);
    // THEN
    expect(text.split("\n")).toEqual([
      "Waiting for 2 Regions",
      "  eu-west-1      Creating        3.0s",
      "  ap-southeast-2 ReplicateKey…   2.0s",
    ]);
  });
});

describe("debugLine", () => {
  it.each<{ call: CallEvent; line: string }>([
    {
      call: {
        type: "call",
        operation: "ReplicateKey",
        region: "eu-west-1",
        attempt: 2,
        durationMs: 411.6,
        errorName: "ThrottlingException",
        willRetry: true,
      },
      line: "[debug] KMS.ReplicateKey(eu-west-1) attempt 2 [412ms] -> ThrottlingException, retrying",
    },
    {
      call: {
        type: "call",
        operation: "ReplicateKey",
        region: "us-east-1",
        target: "ap-southeast-2",
        attempt: 1,
        durationMs: 80,
        willRetry: false,
      },
      line: "[debug] KMS.ReplicateKey(us-east-1 → ap-southeast-2) attempt 1 [80ms] -> OK",
    },
    {
      call: {
        type: "call",
        operation: "DescribeKey",
        region: "ap-southeast-2",
        attempt: 1,
        durationMs: 35,
        willRetry: false,
      },
      line: "[debug] KMS.DescribeKey(ap-southeast-2) attempt 1 [35ms] -> OK",
    },
    {
      call: {
        type: "call",
        operation: "ReplicateKey",
        region: "eu-west-1",
        attempt: 1,
        durationMs: 90,
        errorName: "AccessDeniedException",
        willRetry: false,
      },
      line: "[debug] KMS.ReplicateKey(eu-west-1) attempt 1 [90ms] -> AccessDeniedException",
    },
  ])("$line", ({ call, line }) => {
    // GIVEN / WHEN / THEN
    expect(debugLine(call)).toBe(line);
  });

  it("shows only the call's own fields, never credentials that travel with it", () => {
    // GIVEN an event object that happens to carry credentials
    const withSecrets = {
      type: "call" as const,
      operation: "ReplicateKey",
      region: "eu-west-1",
      attempt: 1,
      durationMs: 10,
      willRetry: false,
      credentials: {
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        sessionToken: "FQoGZXIvYXdzEXAMPLE",
      },
    };
    const call: CallEvent = withSecrets;
    // WHEN
    const line = debugLine(call);
    // THEN
    expect(line).toBe("[debug] KMS.ReplicateKey(eu-west-1) attempt 1 [10ms] -> OK");
    expect(line).not.toMatch(/AKIA|wJalr|FQoG|secret|token|credential/i);
  });
});

describe("seconds", () => {
  it.each([
    { ms: 0, text: "0.0s" },
    { ms: 49, text: "0.0s" },
    { ms: 50, text: "0.1s" },
    { ms: 61_000, text: "61.0s" },
  ])("$ms ms → $text", ({ ms, text }) => {
    // GIVEN / WHEN / THEN
    expect(seconds(ms)).toBe(text);
  });
});

describe("retryNotice", () => {
  const failed = (attempt: number, willRetry: boolean, errorName?: string): CallEvent => ({
    type: "call",
    operation: "DescribeKey",
    region: "us-east-1",
    attempt,
    durationMs: 5,
    willRetry,
    ...(errorName !== undefined ? { errorName } : {}),
  });

  it("speaks up when a call failed twice in a row and is retried again", () => {
    // GIVEN / WHEN / THEN
    expect(retryNotice(failed(2, true, "ECONNREFUSED"))).toBe(
      "DescribeKey in us-east-1 failed twice (ECONNREFUSED); retrying with backoff. --debug shows every attempt.",
    );
  });

  it("names the replica's Region of a ReplicateKey", () => {
    // GIVEN
    const call: CallEvent = {
      ...failed(2, true, "ThrottlingException"),
      operation: "ReplicateKey",
      target: "eu-west-1",
    };
    // WHEN / THEN
    expect(retryNotice(call)).toMatch(/^ReplicateKey in us-east-1 \(for eu-west-1\) failed twice/);
  });

  it.each([
    { name: "a first failure (routine)", call: failed(1, true, "ThrottlingException") },
    { name: "a later failure (already announced)", call: failed(3, true, "ThrottlingException") },
    {
      name: "a failure that is not retried (reported anyway)",
      call: failed(2, false, "ThrottlingException"),
    },
    { name: "a success", call: failed(2, false) },
  ])("stays quiet for $name", ({ call }) => {
    // GIVEN / WHEN / THEN
    expect(retryNotice(call)).toBeUndefined();
  });
});

describe("clock", () => {
  it.each([
    { ms: 0, text: "0s" },
    { ms: 45_900, text: "45s" },
    { ms: 60_000, text: "1m00s" },
    { ms: 270_000, text: "4m30s" },
    { ms: 3_725_000, text: "1h02m05s" },
  ])("$ms ms → $text", ({ ms, text }) => {
    expect(clock(ms)).toBe(text);
  });
});

describe("heartbeatLine", () => {
  it("names every Region still in progress, its last state and how long it has taken", () => {
    // GIVEN
    const inProgress = new Map([
      ["eu-west-1", { phase: "creating" as const, keyState: "Creating", since: 0 }],
      ["ap-southeast-2", { phase: "creating" as const, since: 0 }],
      ["sa-east-1", { phase: "queued" as const, since: 260_000 }],
    ]);
    // WHEN
    const line = heartbeatLine(inProgress, 270_000);
    // THEN
    expect(line).toBe(
      "waiting: eu-west-1 Creating 4m30s, ap-southeast-2 Creating 4m30s, sa-east-1 queued 10s",
    );
  });
});

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
