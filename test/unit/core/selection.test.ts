import type { KeyMetadata, Tag as KmsTag } from "@aws-sdk/client-kms";
import { describe, expect, it, vi } from "vitest";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import { parseKeyList } from "../../../src/core/key-list.js";
import { parseKeyRef } from "../../../src/core/keys.js";
import type { KmsPort } from "../../../src/aws/kms.js";
import { emptySelection } from "../../../src/core/selection-checks.js";
import { requireSelectTags } from "../../../src/core/select-tags.js";
import { selectKeys, type SelectionContext, type SelectionOptions } from "../../../src/core/selection.js";
import { awsFailure, fakeKms } from "../../support/fake-kms.js";

const ACCOUNT = "111122223333";
const keyId = (n: number): string => `mrk-${String(n).padStart(32, "0")}`;
const arnOf = (region: string, id: string): string => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;

interface FakeKey {
  readonly id: string;
  readonly region: string;
  readonly role?: "PRIMARY" | "REPLICA";
  readonly state?: KeyMetadata["KeyState"];
  readonly manager?: "CUSTOMER" | "AWS";
  readonly multiRegion?: boolean;
  readonly tags?: Record<string, string>;
  /** For a replica: its primary's Region. */
  readonly primaryRegion?: string;
}

/** An account of keys, by Region, behind a KmsPort: ListKeys, DescribeKey, ListResourceTags. */
function account(keys: readonly FakeKey[]): { kms: KmsPort; calls: string[] } {
  const calls: string[] = [];
  const find = (region: string, ref: string): FakeKey | undefined =>
    keys.find((k) => k.region === region && (ref === k.id || ref === arnOf(region, k.id)));
  const metadata = (k: FakeKey): KeyMetadata => {
    const multiRegion = k.multiRegion ?? true;
    const primaryRegion = k.role === "REPLICA" ? (k.primaryRegion ?? "us-east-1") : k.region;
    return {
      KeyId: k.id,
      Arn: arnOf(k.region, k.id),
      AWSAccountId: ACCOUNT,
      KeyState: k.state ?? "Enabled",
      KeyManager: k.manager ?? "CUSTOMER",
      MultiRegion: multiRegion,
      MultiRegionConfiguration: multiRegion
        ? {
            MultiRegionKeyType: k.role ?? "PRIMARY",
            PrimaryKey: { Arn: arnOf(primaryRegion, k.id), Region: primaryRegion },
            ReplicaKeys: keys
              .filter((o) => o.id === k.id && o.role === "REPLICA")
              .map((o) => ({ Arn: arnOf(o.region, o.id), Region: o.region })),
          }
        : undefined,
    };
  };
  const kms = fakeKms({
    listKeys: vi.fn((region: string) => {
      calls.push(`ListKeys ${region}`);
      return Promise.resolve(
        keys.filter((k) => k.region === region).map((k) => ({ KeyId: k.id, KeyArn: arnOf(region, k.id) })),
      );
    }),
    describeKey: vi.fn((region: string, ref: string) => {
      calls.push(`DescribeKey ${region} ${ref}`);
      const key = find(region, ref);
      return key === undefined
        ? Promise.reject(awsFailure("NotFoundException"))
        : Promise.resolve(metadata(key));
    }),
    listResourceTags: vi.fn((region: string, ref: string) => {
      calls.push(`ListResourceTags ${region}`);
      const key = find(region, ref);
      const tags: KmsTag[] = Object.entries(key?.tags ?? {}).map(([TagKey, TagValue]) => ({
        TagKey,
        TagValue,
      }));
      return Promise.resolve(tags);
    }),
  });
  return { kms, calls };
}

function options(overrides: Partial<SelectionOptions> = {}): SelectionOptions {
  return { keys: [], allPrimaries: false, regions: [], selectTags: [], ...overrides };
}

function context(kms: KmsPort, overrides: Partial<SelectionContext> = {}): SelectionContext {
  return {
    kms,
    signal: new AbortController().signal,
    accept: { sameAccount: true },
    warn: () => undefined,
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<ReplicateError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isReplicateError(error)) throw new Error(`expected a ReplicateError, got ${String(error)}`);
  return error;
}

describe("selectKeys --all-primaries", () => {
  const fleet: FakeKey[] = [
    { id: keyId(1), region: "us-east-1", tags: { dr: "true" } },
    { id: keyId(2), region: "us-east-1", tags: { dr: "false" } },
    { id: keyId(3), region: "us-east-1", state: "Disabled", tags: { dr: "true" } },
    { id: keyId(4), region: "us-east-1", manager: "AWS", tags: { dr: "true" } },
    { id: "1234abcd-12ab-34cd-56ef-1234567890ab", region: "us-east-1", multiRegion: false },
    { id: keyId(5), region: "us-east-1", role: "REPLICA", primaryRegion: "us-west-2" },
    { id: keyId(5), region: "us-west-2", tags: { dr: "true" } },
    { id: keyId(6), region: "us-west-2", tags: { dr: "true", team: "payments" } },
  ];

  it("keeps the Enabled customer-managed multi-Region primaries of each Region, in ListKeys' order", async () => {
    // GIVEN
    const { kms, calls } = account(fleet);
    // WHEN
    const { keys, stats } = await selectKeys(
      options({ allPrimaries: true, regions: ["us-east-1", "us-west-2"] }),
      context(kms),
    );
    // THEN
    expect(keys.map((k) => [k.primary.keyId, k.primary.region])).toEqual([
      [keyId(1), "us-east-1"],
      [keyId(2), "us-east-1"],
      [keyId(5), "us-west-2"],
      [keyId(6), "us-west-2"],
    ]);
    expect(stats).toEqual({ listed: 8, multiRegion: 7, candidates: 4, selected: 4 });
    // Only the mrk- keys are described.
    expect(calls.filter((c) => c.startsWith("DescribeKey"))).toHaveLength(7);
  });

  it("narrows by --select-tag: every tag must match, by value", async () => {
    // GIVEN
    const { kms } = account(fleet);
    // WHEN
    const { keys } = await selectKeys(
      options({
        allPrimaries: true,
        regions: ["us-east-1", "us-west-2"],
        selectTags: [
          { TagKey: "dr", TagValue: "true" },
          { TagKey: "team", TagValue: "payments" },
        ],
      }),
      context(kms),
    );
    // THEN
    expect(keys.map((k) => k.primary.keyId)).toEqual([keyId(6)]);
  });

  it("selects nothing when nothing matches, and the refusal says what was looked at", async () => {
    // GIVEN
    const { kms } = account(fleet);
    const selection = options({
      allPrimaries: true,
      regions: ["us-east-1"],
      selectTags: [{ TagKey: "dr", TagValue: "yes" }],
    });
    // WHEN
    const { keys, stats } = await selectKeys(selection, context(kms));
    const error = emptySelection(selection, stats);
    // THEN
    expect(keys).toEqual([]);
    expect(stats).toEqual({ listed: 6, multiRegion: 5, candidates: 2, selected: 0 });
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe("EmptySelection");
    expect(error.message).toMatch(
      /--all-primaries listed 6 keys in us-east-1, 5 of them multi-Region, 2 of those Enabled customer-managed primaries; none of them carries dr=yes/,
    );
  });

  it("an empty key list is told as such", () => {
    // GIVEN / WHEN
    const error = emptySelection(options({ keysFrom: "-" }), {
      listed: 0,
      multiRegion: 0,
      candidates: 0,
      selected: 0,
    });
    // THEN
    expect(error.message).toMatch(/^No key selected: 0 keys were named/);
    expect(error.hint).toMatch(/The key list names no key/);
  });

  it("for promote's failover, counts a key of the Region whose family already moved to --to", async () => {
    // GIVEN key 5's primary is in us-west-2 already; us-east-1 holds its replica
    const { kms } = account(fleet);
    // WHEN
    const { keys } = await selectKeys(
      options({ allPrimaries: true, regions: ["us-east-1"] }),
      context(kms, { movedTo: "us-west-2", accept: { sameAccount: false, followReplica: true } }),
    );
    // THEN
    const moved = keys.find((k) => k.primary.keyId === keyId(5));
    expect(moved).toMatchObject({
      moved: true,
      primary: { region: "us-west-2", arn: arnOf("us-west-2", keyId(5)) },
    });
    expect(keys).toHaveLength(3);
  });

  it("ends the run when ListKeys fails, naming the call", async () => {
    // GIVEN
    const kms = fakeKms({ listKeys: () => Promise.reject(awsFailure("AccessDeniedException")) });
    // WHEN
    const error = await refusal(
      selectKeys(options({ allPrimaries: true, regions: ["us-east-1"] }), context(kms)),
    );
    // THEN
    expect(error.message).toMatch(/^ListKeys in us-east-1 failed: AccessDeniedException/);
  });
});

describe("selectKeys with named keys (--key, --keys-from)", () => {
  const fleet: FakeKey[] = [
    { id: keyId(1), region: "us-east-1" },
    { id: keyId(2), region: "us-east-1", state: "Disabled" },
    { id: keyId(3), region: "eu-west-1", role: "REPLICA", primaryRegion: "us-east-1" },
    { id: keyId(3), region: "us-east-1" },
  ];

  it("resolves each key (ID in the default Region, or an ARN's own Region) and keeps the order given", async () => {
    // GIVEN
    const { kms } = account(fleet);
    const keyList = parseKeyList(`${arnOf("us-east-1", keyId(3))}\n`, "keys.txt");
    // WHEN
    const { keys } = await selectKeys(options({ keys: [parseKeyRef(keyId(1))] }), {
      ...context(kms),
      keyList,
      defaultRegion: "us-east-1",
    });
    // THEN
    expect(keys.map((k) => [k.given, k.primary.keyId])).toEqual([
      [keyId(1), keyId(1)],
      [arnOf("us-east-1", keyId(3)), keyId(3)],
    ]);
  });

  it("refuses, before any change, every key the command cannot use, all at once", async () => {
    // GIVEN a disabled primary, a replica (replicate needs the primary) and an unknown key
    const { kms } = account(fleet);
    const keyList = parseKeyList([keyId(2), arnOf("eu-west-1", keyId(3)), keyId(9)].join("\n"), "keys.txt");
    // WHEN
    const error = await refusal(
      selectKeys(options({ keysFrom: "keys.txt" }), { ...context(kms), keyList, defaultRegion: "us-east-1" }),
    );
    // THEN
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^3 keys of the selection cannot be used; nothing was changed:/);
    expect(error.message).toMatch(/line 1 .*Disabled/);
    expect(error.message).toMatch(/line 2 .*is a replica, not the primary/);
    expect(error.message).toMatch(/line 3 .*NotFoundException/);
  });

  it("follows a replica to its primary when the command does (sync, status, promote)", async () => {
    // GIVEN
    const { kms } = account(fleet);
    // WHEN
    const { keys } = await selectKeys(options({ keys: [parseKeyRef(arnOf("eu-west-1", keyId(3)))] }), {
      ...context(kms),
      accept: { sameAccount: true, followReplica: true, requireEnabled: false },
    });
    // THEN
    expect(keys[0]?.primary).toMatchObject({ region: "us-east-1", keyId: keyId(3) });
  });

  it("works on a key named twice once, and says so", async () => {
    // GIVEN
    const { kms } = account(fleet);
    const warn = vi.fn();
    // WHEN
    const { keys } = await selectKeys(
      options({ keys: [parseKeyRef(keyId(1)), parseKeyRef(arnOf("us-east-1", keyId(1)))] }),
      { ...context(kms), defaultRegion: "us-east-1", warn },
    );
    // THEN
    expect(keys).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/are the same key .* worked on once/));
  });

  it("needs a Region for keys named without an ARN", async () => {
    // GIVEN
    const { kms, calls } = account(fleet);
    // WHEN
    const error = await refusal(selectKeys(options({ keys: [parseKeyRef(keyId(1))] }), context(kms)));
    // THEN
    expect(error.message).toMatch(/^No Region for mrk-0+1/);
    expect(calls).toEqual([]);
  });
});

describe("requireSelectTags (one --key with --select-tag)", () => {
  it("lets a key that carries the tags through, and refuses one that does not (exit 2)", async () => {
    // GIVEN
    const { kms } = account([{ id: keyId(1), region: "us-east-1", tags: { dr: "true" } }]);
    const primary = {
      keyId: keyId(1),
      arn: arnOf("us-east-1", keyId(1)),
      region: "us-east-1",
      partition: "aws",
      replicas: [],
    };
    const signal = new AbortController().signal;
    // WHEN / THEN
    await expect(requireSelectTags(kms, primary, [{ TagKey: "dr", TagValue: "true" }], signal)).resolves.toBe(
      undefined,
    );
    const error = await refusal(requireSelectTags(kms, primary, [{ TagKey: "dr", TagValue: "" }], signal));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/does not carry dr=\. Nothing was changed/);
  });
});
