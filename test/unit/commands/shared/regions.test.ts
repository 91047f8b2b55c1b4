// What the commands that report per Region share (src/commands/shared/regions.ts): the exit code
// from the Regions' statuses, and what a second signal finds of a run over one key.
import { describe, it, expect } from "vitest";
import type { PrimaryKey, RegionResult, RegionStatus } from "../../../../src/core/events.js";
import { createRunSnapshot, exitCodeFor } from "../../../../src/commands/shared/regions.js";
import { KEY_ID } from "../../../support/fixtures.js";

function result(region: string, status: RegionStatus): RegionResult {
  return status === "failed"
    ? { region, status, elapsedMs: 0, error: { name: "AccessDeniedException", message: "denied" } }
    : { region, status, elapsedMs: 0 };
}

describe("exitCodeFor", () => {
  it.each<{ statuses: RegionStatus[]; code: number }>([
    { statuses: [], code: 0 },
    { statuses: ["created", "exists", "planned"], code: 0 },
    { statuses: ["created", "timeout"], code: 3 },
    { statuses: ["timeout", "failed", "created"], code: 1 },
    { statuses: ["failed"], code: 1 },
    { statuses: ["failed", "timeout", "interrupted"], code: 130 },
    { statuses: ["created", "interrupted"], code: 130 },
  ])("$statuses → $code", ({ statuses, code }) => {
    // GIVEN
    const results = statuses.map((status, i) => result(`region-${i}`, status));
    // WHEN / THEN
    expect(exitCodeFor(results)).toBe(code);
  });

  it("an interrupted run exits with the stop signal's code", () => {
    const results = [result("a", "created"), result("b", "interrupted")];
    expect(exitCodeFor(results, 143)).toBe(143);
    expect(exitCodeFor([result("a", "failed")], 129)).toBe(1);
  });
});

const PRIMARY: PrimaryKey = {
  keyId: "mrk-1",
  arn: "arn:aws:kms:us-east-1:111122223333:key/mrk-1",
  region: "us-east-1",
  partition: "aws",
  replicas: [{ region: "eu-central-1", arn: "arn:aws:kms:eu-central-1:111122223333:key/mrk-1" }],
};

describe("createRunSnapshot", () => {
  it("knows nothing before the plan", () => {
    const snapshot = createRunSnapshot();
    expect(snapshot.planned).toBe(false);
    expect(snapshot.results(10)).toEqual([]);
  });

  it("lists every planned Region in plan order: settled results as they are, the others interrupted", () => {
    // GIVEN a run that settled one Region and is at different phases in the others
    const snapshot = createRunSnapshot();
    const regions = ["eu-west-1", "eu-central-1", "ap-south-1", "sa-east-1", "us-west-2"];
    snapshot.record({ type: "plan", primary: PRIMARY, regions });
    snapshot.record({ type: "phase", keyId: KEY_ID, region: "eu-west-1", phase: "requesting" });
    snapshot.record({ type: "phase", keyId: KEY_ID, region: "eu-central-1", phase: "checking" });
    snapshot.record({
      type: "phase",
      keyId: KEY_ID,
      region: "ap-south-1",
      phase: "creating",
      keyState: "Creating",
    });
    snapshot.record({ type: "phase", keyId: KEY_ID, region: "ap-south-1", phase: "creating" });
    const settled: RegionResult = {
      region: "us-west-2",
      status: "created",
      keyState: "Enabled",
      elapsedMs: 5,
    };
    snapshot.record({ type: "settled", keyId: KEY_ID, result: settled });
    snapshot.record({ type: "warning", message: "ignored" });
    // WHEN
    const results = snapshot.results(1234.4);
    // THEN
    expect(snapshot.planned).toBe(true);
    expect(snapshot.primary).toBe(PRIMARY);
    expect(results.map((r) => [r.region, r.status, r.keyState, r.elapsedMs])).toEqual([
      ["eu-west-1", "interrupted", undefined, 1234],
      ["eu-central-1", "interrupted", undefined, 1234],
      ["ap-south-1", "interrupted", "Creating", 1234],
      ["sa-east-1", "interrupted", undefined, 1234],
      ["us-west-2", "created", "Enabled", 5],
    ]);
    expect(results[0]?.note).toMatch(/in flight; the replica may exist/);
    expect(results[1]?.replicaArn).toBe(PRIMARY.replicas[0]?.arn);
    expect(results[1]?.note).toMatch(/exists in AWS/);
    expect(results[2]?.note).toMatch(/it exists in AWS/);
    expect(results[3]?.note).toMatch(/ReplicateKey was not sent/);
  });

  it("keeps the primary set before any plan (a run that failed after DescribeKey)", () => {
    const snapshot = createRunSnapshot();
    snapshot.setPrimary(PRIMARY);
    expect(snapshot.primary).toBe(PRIMARY);
    expect(snapshot.planned).toBe(false);
  });
});
