import { describe, it, expect } from "vitest";
import type { ReplicaEvent } from "../../../src/core/events.js";
import { debugLine, retryNotice } from "../../../src/report/notices.js";

type CallEvent = Extract<ReplicaEvent, { type: "call" }>;

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
