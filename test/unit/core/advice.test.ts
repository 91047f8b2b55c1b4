import { describe, it, expect } from "vitest";
import {
  ADVICE,
  GENERAL_ADVICE,
  adviseAs,
  type CommandAdvice,
  type ErrorContext,
} from "../../../src/core/advice.js";
import { KmsCallError } from "../../../src/core/call-error.js";
import { describeError } from "../../../src/core/errors.js";
import { awsFailure, REPLICATE } from "../../support/sdk-errors.js";

describe("LimitExceededException's advice depends on the call", () => {
  it.each([
    {
      operation: "TagResource",
      hint: /more than 50 tags, KMS's limit per key, which cannot be raised.*--prune-tags/,
    },
    { operation: "CreateAlias", hint: /aliases.*Service Quotas: Aliases per KMS key/ },
    { operation: "ReplicateKey", hint: /resource quota is exhausted in eu-west-1.*quota increase/ },
  ])("$operation", ({ operation, hint }) => {
    const report = describeError(awsFailure("LimitExceededException"), { ...REPLICATE, operation });
    expect(report.hint).toMatch(hint);
    if (operation === "TagResource") expect(report.hint).not.toMatch(/quota increase/);
  });
});

describe("ADVICE", () => {
  it.each(Object.keys(ADVICE))("%s has a non-empty hint", (name) => {
    // GIVEN
    const advice = ADVICE[name as keyof typeof ADVICE];
    // WHEN
    const hint = advice.hint(REPLICATE);
    // THEN
    expect(hint.trim().length).toBeGreaterThan(10);
    expect(hint).not.toContain("undefined");
  });
});

describe("messages name the Region, the endpoint, the timeout and the flag", () => {
  const transport = {
    region: "us-east-1",
    endpoint: "http://127.0.0.1:4566",
    connectTimeoutMs: 10_000,
    readTimeoutMs: 30_000,
  };
  /** An error as the SDK throws it, with the facts the adapter (src/aws/call.ts) notes on it. */
  const sent = (error: Error): Error =>
    new KmsCallError(error, { operation: "ReplicateKey", region: transport.region, attempts: 1, transport });

  it("the throttling hint names the Region that throttled: ReplicateKey's is the primary's", () => {
    // GIVEN / WHEN
    const replicate = describeError(awsFailure("ThrottlingException"), REPLICATE);
    const describe = describeError(awsFailure("ThrottlingException"), {
      operation: "DescribeKey",
      region: "eu-west-1",
    });
    // THEN
    expect(replicate.hint).toMatch(/throttled ReplicateKey requests in us-east-1\b/);
    expect(replicate.hint).not.toContain("eu-west-1");
    expect(describe.hint).toMatch(/throttled DescribeKey requests in eu-west-1\b/);
  });

  it("a read timeout says which timeout fired, where, and the flag", () => {
    // GIVEN
    const error = sent(
      Object.assign(
        new Error("@smithy/node-http-handler - the request socket timed out after 30000 ms of inactivity"),
        {
          name: "TimeoutError",
        },
      ),
    );
    // WHEN
    const report = describeError(error, REPLICATE);
    // THEN
    expect(report.name).toBe("ReadTimeout");
    expect(report.message).toBe(
      "KMS in us-east-1 (http://127.0.0.1:4566) did not answer within 30 s (--cli-read-timeout); the request may have been carried out.",
    );
    expect(report.hint).toContain("--cli-read-timeout");
  });

  it("a read-only call that timed out does not say it may have been carried out", () => {
    // GIVEN
    const error = sent(
      Object.assign(new Error("requestTimeout"), { name: "TimeoutError", code: "ETIMEDOUT" }),
    );
    // WHEN
    const report = describeError(error, { operation: "DescribeKey", region: "us-east-1" });
    // THEN
    expect(report.message).toBe(
      "KMS in us-east-1 (http://127.0.0.1:4566) did not answer within 30 s (--cli-read-timeout).",
    );
  });

  it("a connect timeout names --cli-connect-timeout", () => {
    // GIVEN
    const error = sent(
      Object.assign(
        new Error(
          "@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 10000 ms.",
        ),
        { name: "TimeoutError" },
      ),
    );
    // WHEN
    const report = describeError(error, { operation: "DescribeKey", region: "us-east-1" });
    // THEN
    expect(report.name).toBe("ConnectTimeout");
    expect(report.message).toBe(
      "Could not connect to KMS in us-east-1 (http://127.0.0.1:4566) within 10 s (--cli-connect-timeout).",
    );
  });

  it("a dropped connection is not called a timeout", () => {
    // GIVEN: the SDK renames a reset TimeoutError; its code says what happened
    const error = sent(
      Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" }),
    );
    // WHEN
    const report = describeError(error, REPLICATE);
    // THEN
    expect(report.name).toBe("ConnectionClosed");
    expect(report.message).toBe(
      "The connection to KMS in us-east-1 (http://127.0.0.1:4566) was closed before KMS answered; the request may have been carried out.",
    );
    expect(`${report.message} ${report.hint}`).not.toMatch(/time/i);
  });
});

describe("a command's advice", () => {
  const hintOf = (error: unknown, context: ErrorContext): string => describeError(error, context).hint ?? "";
  const OWN: CommandAdvice = {
    rerun: "re-run: done is done",
    stateRule: " (the keys must be Enabled)",
    errors: { ThrottlingException: { hint: () => "Lower --rate." } },
  };
  const ctx: ErrorContext = { operation: "ImportKeyMaterial", region: "eu-west-1" };

  it("ends the hints with its re-run, adds its state rule, and its own words replace the table's", () => {
    expect(hintOf(awsFailure("KMSInternalException", 500), { ...ctx, advice: OWN })).toBe(
      "KMS had an internal error. Wait a moment, then re-run: done is done.",
    );
    expect(hintOf(awsFailure("KMSInvalidStateException"), { ...ctx, advice: OWN })).toMatch(
      / \(the keys must be Enabled\)\.$/,
    );
    expect(hintOf(awsFailure("ThrottlingException"), { ...ctx, advice: OWN })).toBe("Lower --rate.");
  });

  it("outside any command: the general re-run", () => {
    expect(hintOf(awsFailure("KMSInternalException", 500), ctx)).toBe(
      `KMS had an internal error. Wait a moment, then ${GENERAL_ADVICE.rerun}.`,
    );
  });

  it("adviseAs: an error described inside the command's work gets its advice; an explicit one wins", async () => {
    const throttled = awsFailure("DependencyTimeoutException", 503);
    const inside = await adviseAs(OWN, async () => {
      await Promise.resolve();
      return [hintOf(throttled, ctx), hintOf(throttled, { ...ctx, advice: GENERAL_ADVICE })];
    });
    expect(inside[0]).toContain("re-run: done is done");
    expect(inside[1]).toContain(GENERAL_ADVICE.rerun);
    expect(hintOf(throttled, ctx)).toContain(GENERAL_ADVICE.rerun);
  });

  it("ValidationException names the flags behind the operation's parameters", () => {
    const validation = awsFailure("ValidationException");
    expect(hintOf(validation, ctx)).toBe(
      "KMS rejected a parameter of ImportKeyMaterial. Check --valid-to (in the future, at most 365 days away) or --no-expiry, --wrapping-algorithm and --wrapping-key-spec.",
    );
    expect(hintOf(validation, REPLICATE)).toBe(
      "KMS rejected a parameter of ReplicateKey. Check --regions, --tag, --description and --policy.",
    );
    expect(hintOf(validation, { operation: "TagResource", region: "eu-west-1" })).toBe(
      "KMS rejected a parameter of TagResource. Check --tag.",
    );
    expect(hintOf(validation, { operation: "ListKeyRotations", region: "us-east-1" })).toBe(
      "KMS rejected a parameter of ListKeyRotations.",
    );
  });

  it("AlreadyExistsException from CreateAlias is about the alias, not a replica", () => {
    const hint = hintOf(awsFailure("AlreadyExistsException"), {
      operation: "CreateAlias",
      region: "eu-west-1",
    });
    expect(hint).toBe(
      "The alias exists already in eu-west-1; 'kms-replicate status' shows which key it names.",
    );
  });
});
