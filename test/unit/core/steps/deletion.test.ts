// The deletion steps on one key in its Region, over a fake port: what each reads, what it sends,
// and how it ends (re-runs converge; a refusal at the deadline, a lost answer, a failed EnableKey).
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { NotSentError } from "../../../../src/core/errors.js";
import {
  aliasesOf,
  cancelDeletion,
  disableMember,
  scheduleDeletion,
} from "../../../../src/core/steps/deletion.js";
import { awsFailure, fakeKms } from "../../../support/fake-kms.js";
import { arnIn } from "../../../support/fixtures.js";

const TARGET = { region: "ap-south-1", arn: arnIn("ap-south-1") };
const DATE = new Date("2031-01-08T00:00:00Z");

/** A key that changes state as the port's writes say; `calls` records every call. */
function keyIn(state: string, extra: Partial<KeyMetadata> = {}) {
  const calls: string[] = [];
  let metadata: KeyMetadata = {
    KeyId: "mrk-1",
    KeyState: state as KeyMetadata["KeyState"],
    MultiRegionConfiguration: { MultiRegionKeyType: "REPLICA" },
    ...extra,
  };
  const set = (patch: Partial<KeyMetadata>): void => {
    metadata = { ...metadata, ...patch };
  };
  const kms = fakeKms({
    describeKey: () => {
      calls.push("DescribeKey");
      return Promise.resolve(metadata);
    },
    scheduleKeyDeletion: (_r, _k, days) => {
      calls.push(`ScheduleKeyDeletion(${days})`);
      set({ KeyState: "PendingDeletion", DeletionDate: DATE, PendingDeletionWindowInDays: days });
      return Promise.resolve({ keyState: "PendingDeletion", deletionDate: DATE, pendingWindowInDays: days });
    },
    cancelKeyDeletion: () => {
      calls.push("CancelKeyDeletion");
      set({ KeyState: "Disabled", DeletionDate: undefined, PendingDeletionWindowInDays: undefined });
      return Promise.resolve();
    },
    enableKey: () => {
      calls.push("EnableKey");
      set({ KeyState: "Enabled" });
      return Promise.resolve();
    },
    disableKey: () => {
      calls.push("DisableKey");
      set({ KeyState: "Disabled" });
      return Promise.resolve();
    },
    listAliases: () => Promise.resolve([{ AliasName: "alias/b" }, { AliasName: "alias/a" }]),
  });
  return { kms, calls, set };
}

const ctx = (kms: ReturnType<typeof keyIn>["kms"], dryRun = false) => ({
  kms,
  signal: new AbortController().signal,
  dryRun,
});

describe("scheduleDeletion", () => {
  it("schedules an Enabled key with the window, and reports its state and date as read back", async () => {
    // GIVEN
    const key = keyIn("Enabled");
    // WHEN
    const result = await scheduleDeletion(TARGET, 7, ctx(key.kms));
    // THEN
    expect(key.calls).toEqual(["DescribeKey", "ScheduleKeyDeletion(7)", "DescribeKey"]);
    expect(result).toMatchObject({
      status: "done",
      keyStateBefore: "Enabled",
      keyState: "PendingDeletion",
      deletionDate: DATE.toISOString(),
      pendingWindowInDays: 7,
      calls: ["ScheduleKeyDeletion"],
    });
  });

  it("a key already pending deletion is unchanged: no write (a re-run converges)", async () => {
    // GIVEN
    const key = keyIn("PendingDeletion", { DeletionDate: DATE });
    // WHEN
    const result = await scheduleDeletion(TARGET, 30, ctx(key.kms));
    // THEN
    expect(key.calls).toEqual(["DescribeKey"]);
    expect(result).toMatchObject({ status: "unchanged", deletionDate: DATE.toISOString(), calls: [] });
  });

  it("--dry-run reads and plans; it sends nothing", async () => {
    // GIVEN
    const key = keyIn("Enabled");
    // WHEN
    const result = await scheduleDeletion(TARGET, 30, ctx(key.kms, true));
    // THEN
    expect(key.calls).toEqual(["DescribeKey"]);
    expect(result.status).toBe("planned");
  });

  it("KMSInvalidStateException from a key found pending since (a lost answer) counts as done", async () => {
    // GIVEN a schedule whose answer is lost: the key is pending, KMS refuses the second
    const key = keyIn("Enabled");
    key.kms.scheduleKeyDeletion = () => {
      key.set({ KeyState: "PendingDeletion", DeletionDate: DATE });
      return Promise.reject(awsFailure("KMSInvalidStateException"));
    };
    // WHEN
    const result = await scheduleDeletion(TARGET, 30, ctx(key.kms));
    // THEN
    expect(result).toMatchObject({ status: "done", keyState: "PendingDeletion" });
  });

  it("a write refused at the deadline is notStarted, nothing changed, and says to re-run", async () => {
    // GIVEN
    const key = keyIn("Enabled");
    key.kms.scheduleKeyDeletion = () =>
      Promise.reject(
        new NotSentError({ operation: "ScheduleKeyDeletion", region: "ap-south-1", sentBefore: 0 }),
      );
    // WHEN
    const result = await scheduleDeletion(TARGET, 30, ctx(key.kms));
    // THEN
    expect(result.status).toBe("notStarted");
    expect(result.note).toMatch(
      /--timeout ran out before ScheduleKeyDeletion was sent; nothing was changed here/,
    );
  });

  it("KMS's other errors fail the Region with their advice", async () => {
    // GIVEN
    const key = keyIn("Enabled");
    key.kms.scheduleKeyDeletion = () => Promise.reject(awsFailure("AccessDeniedException"));
    // WHEN
    const result = await scheduleDeletion(TARGET, 30, ctx(key.kms));
    // THEN
    expect(result.status).toBe("failed");
    expect(result.error?.name).toBe("AccessDeniedException");
  });
});

describe("disableMember", () => {
  it.each([
    ["Enabled", "done", ["DescribeKey", "DisableKey", "DescribeKey"]],
    ["Disabled", "unchanged", ["DescribeKey"]],
    ["PendingDeletion", "failed", ["DescribeKey"]],
  ])("a key %s → %s", async (state, status, calls) => {
    // GIVEN
    const key = keyIn(state);
    // WHEN
    const result = await disableMember(TARGET, ctx(key.kms));
    // THEN
    expect(result.status).toBe(status);
    expect(key.calls).toEqual(calls);
  });
});

describe("cancelDeletion", () => {
  it("a key pending deletion: CancelKeyDeletion (it is Disabled then), then EnableKey", async () => {
    // GIVEN
    const key = keyIn("PendingDeletion", { DeletionDate: DATE });
    // WHEN
    const result = await cancelDeletion(TARGET, { ...ctx(key.kms), enableDisabled: false });
    // THEN
    expect(key.calls).toEqual(["DescribeKey", "CancelKeyDeletion", "EnableKey", "DescribeKey"]);
    expect(result).toMatchObject({
      status: "done",
      keyState: "Enabled",
      calls: ["CancelKeyDeletion", "EnableKey"],
    });
    expect(result.deletionDate).toBeUndefined();
  });

  it("a Disabled key is enabled only when its Region is named", async () => {
    // GIVEN
    const named = keyIn("Disabled");
    const notNamed = keyIn("Disabled");
    // WHEN
    const enabled = await cancelDeletion(TARGET, { ...ctx(named.kms), enableDisabled: true });
    const left = await cancelDeletion(TARGET, { ...ctx(notNamed.kms), enableDisabled: false });
    // THEN
    expect(enabled).toMatchObject({ status: "done", calls: ["EnableKey"], keyState: "Enabled" });
    expect(left).toMatchObject({ status: "unchanged", keyState: "Disabled" });
    expect(left.note).toMatch(/--regions ap-south-1/);
  });

  it("EnableKey failing after the cancellation says the key is Disabled and how to finish", async () => {
    // GIVEN
    const key = keyIn("PendingReplicaDeletion");
    key.kms.enableKey = () => Promise.reject(awsFailure("AccessDeniedException"));
    // WHEN
    const result = await cancelDeletion(TARGET, { ...ctx(key.kms), enableDisabled: false });
    // THEN
    expect(result).toMatchObject({ status: "failed", keyState: "Disabled", calls: ["CancelKeyDeletion"] });
    expect(result.note).toMatch(/deletion was cancelled, but it is Disabled/);
  });

  it("an Enabled key is unchanged", async () => {
    // GIVEN
    const key = keyIn("Enabled");
    // WHEN
    const result = await cancelDeletion(TARGET, { ...ctx(key.kms), enableDisabled: true });
    // THEN
    expect(result.status).toBe("unchanged");
    expect(key.calls).toEqual(["DescribeKey"]);
  });
});

describe("aliasesOf", () => {
  it("lists the key's aliases in its Region, sorted", async () => {
    const key = keyIn("Enabled");
    expect(await aliasesOf(key.kms, TARGET, new AbortController().signal)).toEqual(["alias/a", "alias/b"]);
  });
});
