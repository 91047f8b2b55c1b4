// The deletion commands' lines for people and their exit codes, from a report.
import { describe, expect, it } from "vitest";
import {
  deletionExitCode,
  deletionLines,
  outcomeOf,
  type DeletionReport,
  type DeletionWords,
} from "../../../../src/commands/shared/deletion-render.js";
import { EXIT } from "../../../../src/core/errors.js";
import type { MemberResult } from "../../../../src/core/steps/deletion.js";
import { noPaint as noColor } from "../../../../src/report/terminal-text.js";
import { arnIn, PRIMARY, PRIMARY_ARN } from "../../../support/fixtures.js";

const member = (region: string, o: Partial<MemberResult> = {}): MemberResult => ({
  region,
  arn: arnIn(region),
  action: "schedule",
  status: "done",
  role: "REPLICA",
  keyState: "PendingDeletion",
  keyStateBefore: "Enabled",
  deletionDate: "2031-01-08T12:00:00.000Z",
  calls: ["ScheduleKeyDeletion"],
  aliases: ["alias/payments"],
  ...o,
});

const report = (regions: MemberResult[]): DeletionReport => ({
  keyId: PRIMARY.keyId,
  primaryRegion: "us-east-1",
  primaryArn: PRIMARY_ARN,
  regions,
  undo: "kms-replicate cancel-deletion --key K --regions ap-south-1",
  finish: "kms-replicate retire --key K --regions ap-south-1 --pending-days 30 --yes",
});

const WORDS: DeletionWords = {
  command: "retire",
  fleet: { run: "Retiring", dry: "Dry run: would retire" },
  headline: () => "ap-south-1 retired.",
};
const lines = (r: DeletionReport, dryRun = false) =>
  deletionLines(r, WORDS, { paint: noColor, elapsedMs: 1200, dryRun, quiet: false }).join("\n");

describe("deletionLines", () => {
  it("each Region's state and date, its aliases, the headline and the command that undoes it", () => {
    const text = lines(report([member("ap-south-1")]));
    expect(text).toContain("ap-south-1");
    expect(text).toContain("PendingDeletion, deleted on 2031-01-08 12:00 UTC");
    expect(text).toContain("aliases (deleted with the key): alias/payments");
    expect(text).toContain("ap-south-1 retired. (1.2s)");
    expect(text).toContain("To undo:\n  kms-replicate cancel-deletion --key K --regions ap-south-1");
    expect(text).not.toContain("To finish");
  });

  it("a primary waiting for its replicas says when its window starts", () => {
    const text = lines(
      report([
        member("us-east-1", {
          role: "PRIMARY",
          keyState: "PendingReplicaDeletion",
          deletionDate: undefined,
          pendingWindowInDays: 7,
        }),
      ]),
    );
    expect(text).toContain("PendingReplicaDeletion: its 7-day window starts when its last replica is gone");
  });

  it("timed out: what was seen, and the command that finishes the job", () => {
    const text = lines(
      report([
        member("ap-south-1", {
          status: "notStarted",
          keyState: "Enabled",
          deletionDate: undefined,
          calls: [],
        }),
      ]),
    );
    expect(text).toContain(
      "To finish the job:\n  kms-replicate retire --key K --regions ap-south-1 --pending-days 30 --yes",
    );
  });

  it("a dry run offers no undo", () => {
    expect(lines(report([member("ap-south-1", { status: "planned" })]), true)).not.toContain("To undo");
  });
});

describe("deletionExitCode", () => {
  it.each([
    [["done", "unchanged"], EXIT.ok],
    [["done", "notStarted"], EXIT.timeout],
    [["failed", "timeout"], EXIT.failed],
    [["interrupted", "failed"], EXIT.interrupted],
  ] as const)("%j → %i", (statuses, code) => {
    const r = report(statuses.map((status, i) => member(`r-${i}`, { status })));
    expect(deletionExitCode(r)).toBe(code);
  });

  it("a promotion that failed fails the key", () => {
    const r: DeletionReport = {
      ...report([member("us-east-1", { status: "notStarted" })]),
      promotion: { outcome: "failed", from: "us-east-1", to: "eu-west-1", calls: 1, members: [] },
    };
    expect(outcomeOf(r)).toBe("failed");
    expect(deletionExitCode(r)).toBe(EXIT.failed);
  });
});
