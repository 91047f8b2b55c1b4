import { describe, expect, it, vi } from "vitest";
import { watchKeys, type WatchContext } from "../../../../src/core/steps/watch-keys.js";
import type { KmsPort } from "../../../../src/aws/kms.js";
import { isSettled, type Member, type Promotion } from "../../../../src/core/promotion.js";
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
const after: Promotion = {
  keyId: KEY_ID,
  primary: member("eu-west-1", { role: "PRIMARY", primaryRegion: "eu-west-1", keyState: "Updating" }),
  replicas: [member("us-east-1", { role: "REPLICA", primaryRegion: "eu-west-1", keyState: "Updating" })],
};

function context(kms: KmsPort, deadlineMs = 5_000): WatchContext {
  return {
    kms,
    emit: () => undefined,
    keyId: KEY_ID,
    signal: new AbortController().signal,
    deadline: performance.now() + deadlineMs,
    schedule: TINY_POLL,
    random: () => 0,
  };
}

describe("watchKeys (the settle wait)", () => {
  it("polls both Regions until the target is PRIMARY and both have left Updating", async () => {
    let looks = 0;
    const describeKey = vi.fn<KmsPort["describeKey"]>((region) => {
      const n = Math.floor(looks++ / 2);
      return Promise.resolve({
        KeyId: KEY_ID,
        Arn: arnIn(region),
        KeyState: n < 2 ? "Updating" : "Enabled",
        // KMS may show both as replicas while Updating
        MultiRegionConfiguration: {
          MultiRegionKeyType: region === "eu-west-1" && n >= 1 ? "PRIMARY" : "REPLICA",
          PrimaryKey: { Region: "eu-west-1" },
        },
      });
    });
    const end = await watchKeys(
      [after.primary, after.replicas[0]],
      ([t, o]) => t !== undefined && o !== undefined && isSettled(t, [o], "eu-west-1"),
      context(fakeKms({ describeKey })),
    );
    expect(end.kind).toBe("done");
    expect(end.members.map((m) => [m.region, m.role, m.keyState])).toEqual([
      ["eu-west-1", "PRIMARY", "Enabled"],
      ["us-east-1", "REPLICA", "Enabled"],
    ]);
    expect(describeKey.mock.calls.map((c) => c[0])).toEqual(Array(3).fill(["eu-west-1", "us-east-1"]).flat());
  });

  it("keeps polling through throttling, ends on AccessDenied", async () => {
    let n = 0;
    const describeKey = vi.fn<KmsPort["describeKey"]>(() =>
      Promise.reject(n++ < 2 ? awsFailure("ThrottlingException") : awsFailure("AccessDeniedException")),
    );
    const end = await watchKeys([after.primary], () => false, context(fakeKms({ describeKey })));
    expect(end.kind === "failed" && end.error.name).toBe("AccessDeniedException");
  });

  it("times out with the last states seen", async () => {
    const describeKey = vi.fn<KmsPort["describeKey"]>(() =>
      Promise.resolve({ KeyId: KEY_ID, KeyState: "Updating" }),
    );
    const end = await watchKeys([after.primary], () => false, context(fakeKms({ describeKey }), 30));
    expect(end).toMatchObject({ kind: "timeout", members: [{ region: "eu-west-1", keyState: "Updating" }] });
  });

  it("stops on Ctrl-C", async () => {
    const controller = new AbortController();
    const describeKey = vi.fn<KmsPort["describeKey"]>(() => {
      controller.abort();
      return Promise.resolve({ KeyId: KEY_ID, KeyState: "Updating" });
    });
    const end = await watchKeys([after.primary], () => false, {
      ...context(fakeKms({ describeKey })),
      signal: controller.signal,
    });
    expect(end.kind).toBe("interrupted");
  });
});
