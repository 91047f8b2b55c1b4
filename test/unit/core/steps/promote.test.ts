import type { KeyMetadata } from "@aws-sdk/client-kms";
import { describe, expect, it, vi } from "vitest";
import { sendPromotion, type PromoteContext } from "../../../../src/core/steps/promote.js";
import type { KmsPort } from "../../../../src/aws/kms.js";
import type { Member, Promotion } from "../../../../src/core/promotion.js";
import { awsFailure, fakeKms, TINY_POLL } from "../../../support/fake-kms.js";
import { arnIn, KEY_ID } from "../../../support/fixtures.js";

const member = (region: string, o: Partial<Member> = {}): Member => ({
  region,
  arn: arnIn(region),
  role: region === "us-east-1" ? "PRIMARY" : "REPLICA",
  keyState: "Enabled",
  primaryRegion: "us-east-1",
  ...o,
});
const before: Promotion = { keyId: KEY_ID, primary: member("us-east-1"), replicas: [member("eu-west-1")] };
const after: Promotion = {
  keyId: KEY_ID,
  primary: member("eu-west-1", { role: "PRIMARY", primaryRegion: "eu-west-1", keyState: "Updating" }),
  replicas: [member("us-east-1", { role: "REPLICA", primaryRegion: "eu-west-1", keyState: "Updating" })],
};

function context(kms: KmsPort, deadlineMs = 5_000): PromoteContext {
  return {
    kms,
    emit: () => undefined,
    keyId: KEY_ID,
    signal: new AbortController().signal,
    deadline: performance.now() + deadlineMs,
    schedule: TINY_POLL,
    retrySchedule: TINY_POLL,
    random: () => 0,
  };
}

const notPrimary = (): Error =>
  Object.assign(awsFailure("UnsupportedOperationException"), {
    message: `${arnIn("us-east-1")} is not a multi-Region primary key.`,
  });

describe("sendPromotion", () => {
  it("sends UpdatePrimaryRegion to the primary's Region with the target", async () => {
    const updatePrimaryRegion = vi.fn<KmsPort["updatePrimaryRegion"]>(() => Promise.resolve());
    const end = await sendPromotion(
      before,
      "eu-west-1",
      () => Promise.resolve(before),
      context(fakeKms({ updatePrimaryRegion })),
    );
    expect(end).toMatchObject({ kind: "accepted", calls: 1, foundDone: false });
    expect(updatePrimaryRegion).toHaveBeenCalledWith(
      "us-east-1",
      arnIn("us-east-1"),
      "eu-west-1",
      expect.anything(),
      expect.any(Function),
    );
  });

  it("retries 'not a multi-Region primary key' (re-reading the family in between) until KMS accepts", async () => {
    let n = 0;
    const updatePrimaryRegion = vi.fn<KmsPort["updatePrimaryRegion"]>(() =>
      n++ < 2 ? Promise.reject(notPrimary()) : Promise.resolve(),
    );
    const reread = vi.fn(() => Promise.resolve(before));
    const end = await sendPromotion(before, "eu-west-1", reread, context(fakeKms({ updatePrimaryRegion })));
    expect(end).toMatchObject({ kind: "accepted", calls: 3 });
    expect(reread).toHaveBeenCalledTimes(2);
  });

  it("gives up after the bound, with KMS's answer and what to do (exit 1)", async () => {
    const updatePrimaryRegion = vi.fn<KmsPort["updatePrimaryRegion"]>(() => Promise.reject(notPrimary()));
    const ctx = { ...context(fakeKms({ updatePrimaryRegion })), maxCalls: 3 };
    const end = await sendPromotion(before, "eu-west-1", () => Promise.resolve(before), ctx);
    expect(end.kind).toBe("failed");
    expect(end.kind === "failed" && end.error.message).toMatch(
      /refused 3 times.*not a multi-Region primary key/,
    );
    expect(updatePrimaryRegion).toHaveBeenCalledTimes(3);
  });

  it("a failed call after which the target is the primary counts as done (a lost answer)", async () => {
    const updatePrimaryRegion = vi.fn<KmsPort["updatePrimaryRegion"]>(() =>
      Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })),
    );
    const end = await sendPromotion(
      before,
      "eu-west-1",
      () => Promise.resolve(after),
      context(fakeKms({ updatePrimaryRegion })),
    );
    expect(end).toMatchObject({ kind: "accepted", calls: 1, foundDone: true });
  });

  it("any other refusal fails at once", async () => {
    const updatePrimaryRegion = vi.fn<KmsPort["updatePrimaryRegion"]>(() =>
      Promise.reject(awsFailure("AccessDeniedException")),
    );
    const end = await sendPromotion(
      before,
      "eu-west-1",
      () => Promise.resolve(before),
      context(fakeKms({ updatePrimaryRegion })),
    );
    expect(end.kind === "failed" && end.error.name).toBe("AccessDeniedException");
    expect(updatePrimaryRegion).toHaveBeenCalledTimes(1);
  });

  it("waits for a Creating target first, then sends", async () => {
    const creating: Promotion = { ...before, replicas: [member("eu-west-1", { keyState: "Creating" })] };
    let looks = 0;
    const describeKey = vi.fn<KmsPort["describeKey"]>((region) =>
      Promise.resolve({
        KeyId: KEY_ID,
        Arn: arnIn(region),
        KeyState: region === "eu-west-1" && looks++ < 2 ? "Creating" : "Enabled",
        MultiRegionConfiguration: {
          MultiRegionKeyType: region === "us-east-1" ? "PRIMARY" : "REPLICA",
          PrimaryKey: { Region: "us-east-1" },
        },
      } satisfies KeyMetadata),
    );
    const updatePrimaryRegion = vi.fn<KmsPort["updatePrimaryRegion"]>(() => Promise.resolve());
    const end = await sendPromotion(
      creating,
      "eu-west-1",
      () => Promise.resolve(before),
      context(fakeKms({ describeKey, updatePrimaryRegion })),
    );
    expect(end.kind).toBe("accepted");
    expect(describeKey).toHaveBeenCalledTimes(3);
  });

  it("a target Creating past the deadline: timeout, no call", async () => {
    const creating: Promotion = { ...before, replicas: [member("eu-west-1", { keyState: "Creating" })] };
    const describeKey = vi.fn<KmsPort["describeKey"]>(() =>
      Promise.resolve({ KeyId: KEY_ID, KeyState: "Creating" }),
    );
    const updatePrimaryRegion = vi.fn<KmsPort["updatePrimaryRegion"]>(() => Promise.resolve());
    const end = await sendPromotion(
      creating,
      "eu-west-1",
      () => Promise.resolve(creating),
      context(fakeKms({ describeKey, updatePrimaryRegion }), 50),
    );
    expect(end).toMatchObject({ kind: "timeout", calls: 0, inFlight: false });
    expect(updatePrimaryRegion).not.toHaveBeenCalled();
  });
});
