// What each step makes of a write the adapter refused at the run's deadline (a NotSentError):
// notStarted when nothing was changed and nothing sent may have been, else timeout, with what was
// applied and what was not; and what a promotion makes of it.
import { describe, expect, it, vi } from "vitest";
import { convergeStep } from "../../../../src/core/steps/converge.js";
import { createStep } from "../../../../src/core/steps/create.js";
import { withImport } from "../../../../src/core/steps/import.js";
import { sendPromotion, type PromoteContext } from "../../../../src/core/steps/promote.js";
import type { WorkResult } from "../../../../src/core/events.js";
import type { Progress, Step, Unit } from "../../../../src/core/steps/work.js";
import { awsFailure, fakeKms, TINY_POLL, waitSettings } from "../../../support/fake-kms.js";
import { NotSentError } from "../../../../src/core/errors.js";
import type { KmsPort } from "../../../../src/aws/kms.js";
import type { Operation } from "../../../../src/core/operation.js";
import type { Member, Promotion } from "../../../../src/core/promotion.js";
import { exitCodeFor, regionResultOf } from "../../../../src/commands/shared/regions.js";
import { PRIMARY, arnIn, KEY_ID } from "../../../support/fixtures.js";
import { materialOf } from "../../../../src/core/material.js";

const NEW: Unit = { primary: PRIMARY, region: "eu-west-1", arn: arnIn("eu-west-1"), existing: false };
const THERE: Unit = { ...NEW, existing: true };
const START: Progress = { arn: arnIn("eu-west-1"), since: 0, changes: [], requested: false };

const refused = (operation: string, call: Partial<NotSentError["call"]> = {}): NotSentError =>
  new NotSentError({ operation, region: "eu-west-1", sentBefore: 0, ...call });

async function settle(step: Step, unit: Unit, progress: Progress, kms: KmsPort): Promise<WorkResult> {
  const { settings } = waitSettings(kms);
  const result = await step(unit, progress, settings);
  if (!("outcome" in result)) throw new Error("the step did not settle the unit");
  return result;
}

describe("createStep at the deadline", () => {
  it("ReplicateKey never sent: notStarted, no replica, and it says nothing was changed", async () => {
    // GIVEN
    const kms = fakeKms({ replicateKey: () => Promise.reject(refused("ReplicateKey")) });
    // WHEN
    const result = await settle(
      createStep({ desired: {}, bypassPolicyLockoutSafetyCheck: false }),
      NEW,
      START,
      kms,
    );
    // THEN
    expect(result).toMatchObject({ outcome: "notStarted", changes: [], unsent: true });
    expect(result.arn).toBeUndefined();
    expect(result.keyState).toBeUndefined();
    expect(result.note).toBe(
      "--timeout ran out before ReplicateKey was sent; nothing was changed here. Re-run the same command with a longer --timeout: what is done counts as done.",
    );
    // …and replicate reports it so: notStarted, exit 3
    const shown = regionResultOf(result);
    expect(shown).toMatchObject({ status: "notStarted", unsent: true });
    expect(exitCodeFor([shown])).toBe(3);
  });

  it("throttled, and the retry not sent: still notStarted (KMS answered; nothing was made)", async () => {
    const kms = fakeKms({
      replicateKey: () =>
        Promise.reject(
          refused("ReplicateKey", { sentBefore: 1, lastError: awsFailure("ThrottlingException") }),
        ),
    });
    const result = await settle(
      createStep({ desired: {}, bypassPolicyLockoutSafetyCheck: false }),
      NEW,
      START,
      kms,
    );
    expect(result.outcome).toBe("notStarted");
    expect(result.note).toMatch(
      /^--timeout ran out before ReplicateKey could be sent again \(its last attempt: ThrottlingException\); nothing was changed here\./,
    );
  });

  it("an earlier attempt got no answer, the retry not sent: timeout, the replica may exist", async () => {
    const kms = fakeKms({
      replicateKey: () =>
        Promise.reject(
          refused("ReplicateKey", { sentBefore: 1, unanswered: true, lastError: awsFailure("TimeoutError") }),
        ),
    });
    const result = await settle(
      createStep({ desired: {}, bypassPolicyLockoutSafetyCheck: false }),
      NEW,
      START,
      kms,
    );
    expect(result).toMatchObject({ outcome: "timeout", arn: arnIn("eu-west-1"), unsent: true });
    expect(result.note).toContain("the replica may exist, and a re-run picks it up");
  });
});

describe("convergeStep at the deadline", () => {
  const ops: Operation[] = [
    { op: "tag", key: "a", value: "1" },
    { op: "tag", key: "b", value: "2" },
    { op: "alias", name: "alias/app" },
  ];

  it("the first change refused: notStarted, every change pending", async () => {
    const tagResource = vi.fn<KmsPort["tagResource"]>(() => Promise.reject(refused("TagResource")));
    const result = await settle(
      convergeStep(() => ops),
      THERE,
      START,
      fakeKms({ tagResource }),
    );
    expect(result).toMatchObject({ outcome: "notStarted", changes: [], pending: ops, unsent: true });
    expect(result.note).toMatch(
      /^--timeout ran out before TagResource a was sent; nothing was changed here\./,
    );
    expect(tagResource).toHaveBeenCalledTimes(1);
  });

  it("a change after others refused: timeout, what was applied and what was not", async () => {
    const tagResource = vi
      .fn<KmsPort["tagResource"]>()
      .mockResolvedValueOnce()
      .mockRejectedValueOnce(refused("TagResource"));
    const createAlias = vi.fn<KmsPort["createAlias"]>();
    const result = await settle(
      convergeStep(() => ops),
      THERE,
      START,
      fakeKms({ tagResource, createAlias }),
    );
    expect(result).toMatchObject({
      outcome: "timeout",
      changes: [ops[0]],
      pending: ops.slice(1),
      unsent: true,
    });
    expect(result.note).toBe(
      "--timeout ran out before TagResource b was sent. What is listed as applied was; nothing after it was sent. Re-run the same command with a longer --timeout: what is done counts as done.",
    );
    expect(createAlias).not.toHaveBeenCalled();
  });

  it("on a replica this run created: timeout, and it says the replica was created", async () => {
    const createAlias = vi.fn<KmsPort["createAlias"]>(() => Promise.reject(refused("CreateAlias")));
    const created: Progress = {
      ...START,
      requested: true,
      keyState: "Creating",
      changes: [{ op: "replicate" }],
    };
    const result = await settle(
      convergeStep(() => [{ op: "alias", name: "alias/app" }]),
      NEW,
      created,
      fakeKms({ createAlias }),
    );
    expect(result).toMatchObject({ outcome: "timeout", keyState: "Creating", arn: arnIn("eu-west-1") });
    expect(result.note).toMatch(
      /^--timeout ran out before CreateAlias alias\/app was sent\. The replica was created; nothing after it was sent\./,
    );
  });
});

describe("the import at the deadline", () => {
  it("an existing replica in PendingImport whose import was not sent: notStarted", async () => {
    // GIVEN a wait that settles the replica in PendingImport, and GetParametersForImport refused
    const wait: Step = (unit) =>
      Promise.resolve({
        keyId: KEY_ID,
        region: unit.region,
        arn: unit.arn,
        keyState: "PendingImport",
        changes: [],
        outcome: "unchanged",
        elapsedMs: 1,
      });
    const material = materialOf(Buffer.alloc(32, 7), "test");
    const kms = fakeKms({ getParametersForImport: () => Promise.reject(refused("GetParametersForImport")) });
    // WHEN
    const result = await settle(
      withImport(wait, {
        material,
        wrapping: { algorithm: "RSAES_OAEP_SHA_256", keySpec: "RSA_2048" },
        expiration: { model: "KEY_MATERIAL_DOES_NOT_EXPIRE" },
      }),
      THERE,
      START,
      kms,
    );
    // THEN
    expect(result).toMatchObject({ outcome: "notStarted", keyState: "PendingImport", unsent: true });
    expect(result.note).toMatch(
      /^--timeout ran out before GetParametersForImport was sent; nothing was changed here\./,
    );
  });
});

describe("sendPromotion at the deadline", () => {
  const member = (region: string): Member => ({
    region,
    arn: arnIn(region),
    role: region === "us-east-1" ? "PRIMARY" : "REPLICA",
    keyState: "Enabled",
    primaryRegion: "us-east-1",
  });
  const before: Promotion = { keyId: KEY_ID, primary: member("us-east-1"), replicas: [member("eu-west-1")] };
  const context = (kms: KmsPort): PromoteContext => ({
    kms,
    emit: () => undefined,
    keyId: KEY_ID,
    signal: new AbortController().signal,
    deadline: performance.now() + 5_000,
    schedule: TINY_POLL,
    retrySchedule: TINY_POLL,
    random: () => 0,
  });

  it("UpdatePrimaryRegion never sent: notStarted, no call counted", async () => {
    const kms = fakeKms({ updatePrimaryRegion: () => Promise.reject(refused("UpdatePrimaryRegion")) });
    const end = await sendPromotion(before, "eu-west-1", () => Promise.resolve(before), context(kms));
    expect(end).toMatchObject({ kind: "notStarted", calls: 0 });
  });

  it("sent, no answer, the retry not sent; the family read again shows it done: accepted", async () => {
    const after: Promotion = {
      keyId: KEY_ID,
      primary: { ...member("eu-west-1"), role: "PRIMARY", primaryRegion: "eu-west-1" },
      replicas: [{ ...member("us-east-1"), role: "REPLICA", primaryRegion: "eu-west-1" }],
    };
    const kms = fakeKms({
      updatePrimaryRegion: () =>
        Promise.reject(refused("UpdatePrimaryRegion", { sentBefore: 1, unanswered: true })),
    });
    const end = await sendPromotion(before, "eu-west-1", () => Promise.resolve(after), context(kms));
    expect(end).toMatchObject({ kind: "accepted", calls: 1, foundDone: true });
  });

  it("sent, no answer, the retry not sent, not done when read: timeout, it may still be carried out", async () => {
    const kms = fakeKms({
      updatePrimaryRegion: () =>
        Promise.reject(refused("UpdatePrimaryRegion", { sentBefore: 1, unanswered: true })),
    });
    const end = await sendPromotion(before, "eu-west-1", () => Promise.resolve(before), context(kms));
    expect(end).toMatchObject({ kind: "timeout", calls: 1, inFlight: true });
  });
});
