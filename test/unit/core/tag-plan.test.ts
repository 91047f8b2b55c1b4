import { describe, expect, it } from "vitest";
import { isReplicateError } from "../../../src/core/errors.js";
import { checkTagLimit, desiredTagCount, tagCountAfter, tagLimitError } from "../../../src/core/tag-plan.js";
import { fakeKms } from "../../support/fake-kms.js";

/** `n` tags k0=v … k(n-1)=v, from `from`. */
const tags = (n: number, from = 0): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${from + i}`, "v"]));

describe("tagCountAfter", () => {
  it.each([
    // 49 tags, 2 more wanted that it lacks: 51
    {
      now: tags(49),
      desired: tags(2, 100),
      prune: false,
      expected: { now: 49, added: 2, removed: 0, after: 51 },
    },
    // the desired ones it has already, with other values: no new key
    {
      now: tags(50),
      desired: { k0: "other", k1: "v" },
      prune: false,
      expected: { now: 50, added: 0, removed: 0, after: 50 },
    },
    // pruned: exactly the desired tags
    {
      now: tags(49),
      desired: tags(2, 100),
      prune: true,
      expected: { now: 49, added: 2, removed: 49, after: 2 },
    },
    { now: tags(3), desired: tags(5), prune: true, expected: { now: 3, added: 2, removed: 0, after: 5 } },
    { now: {}, desired: tags(50), prune: false, expected: { now: 0, added: 50, removed: 0, after: 50 } },
    // aws: tags are not user-created tags: they do not count (nor are they pruned)
    {
      now: { ...tags(49), "aws:cloudformation:stack-name": "s" },
      desired: tags(1, 100),
      prune: true,
      expected: { now: 49, added: 1, removed: 49, after: 1 },
    },
    {
      now: { ...tags(49), "aws:cloudformation:stack-name": "s" },
      desired: tags(1, 100),
      prune: false,
      expected: { now: 49, added: 1, removed: 0, after: 50 },
    },
  ])("$now.length → $expected.after", ({ now, desired, prune, expected }) => {
    expect(tagCountAfter("eu-west-1", now, desired, prune)).toEqual({ region: "eu-west-1", ...expected });
  });
});

describe("tagLimitError", () => {
  it("names each replica, its count, and what --prune-tags would leave (sync); exit 2", () => {
    const error = tagLimitError(
      "mrk-1",
      [
        { region: "eu-west-1", now: 49, added: 2, removed: 0, after: 51 },
        { region: "sa-east-1", now: 50, added: 2, removed: 0, after: 52 },
      ],
      3,
      "sync",
    );
    expect(isReplicateError(error)).toBe(true);
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe("TagLimitExceeded");
    expect(error.message).toBe(
      "2 replicas of mrk-1 would pass KMS's limit of 50 tags per key (a fixed limit: it cannot be raised); nothing was changed:\n" +
        "  eu-west-1: 51 tags (49 it has, 2 to add)\n" +
        "  sa-east-1: 52 tags (50 it has, 2 to add)",
    );
    expect(error.hint).toMatch(
      /^Add --prune-tags: it removes .*, and each replica then has the 3 desired tags\./,
    );
    expect(error.hint).not.toMatch(/quota increase/);
  });

  it("for replicate, which cannot prune, points to sync --prune-tags", () => {
    const error = tagLimitError(
      "mrk-1",
      [{ region: "eu-west-1", now: 49, added: 2, removed: 0, after: 51 }],
      2,
      "replicate",
    );
    expect(error.message).toMatch(/^1 replica of mrk-1 would pass/);
    expect(error.hint).toMatch(/'kms-replicate sync' .* --prune-tags/);
  });
});

describe("checkTagLimit", () => {
  const desired = { tags: tags(2, 100) };
  const replicas = [
    { region: "eu-west-1", arn: "arn:aws:kms:eu-west-1:111122223333:key/mrk-1" },
    { region: "sa-east-1", arn: "arn:aws:kms:sa-east-1:111122223333:key/mrk-1" },
  ];
  const listed = (byRegion: Record<string, Record<string, string>>) =>
    fakeKms({
      listResourceTags: (region) =>
        Promise.resolve(
          Object.entries(byRegion[region] ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
        ),
    });

  it("refuses when one replica would pass 50, naming only that one", async () => {
    const kms = listed({ "eu-west-1": tags(49), "sa-east-1": tags(10) });
    const refused = await checkTagLimit(kms, "mrk-1", replicas, {
      desired,
      prune: false,
      command: "sync",
    }).catch((error: unknown) => error);
    expect(isReplicateError(refused) && refused.message).toMatch(
      /^1 replica of mrk-1 .*\n {2}eu-west-1: 51 tags \(49 it has, 2 to add\)$/,
    );
  });

  it("passes at exactly 50", async () => {
    const kms = listed({
      "eu-west-1": tags(48),
      "sa-east-1": tags(48, 200),
    });
    await expect(
      checkTagLimit(kms, "mrk-1", replicas, { desired, prune: false, command: "sync" }),
    ).resolves.toBeUndefined();
  });

  it("reads nothing without managed tags, or with --prune-tags", async () => {
    const kms = fakeKms({}); // any call rejects
    await expect(
      checkTagLimit(kms, "mrk-1", replicas, { desired: {}, prune: false, command: "sync" }),
    ).resolves.toBeUndefined();
    await expect(
      checkTagLimit(kms, "mrk-1", replicas, { desired, prune: true, command: "sync" }),
    ).resolves.toBeUndefined();
  });

  it("leaves a replica whose tags cannot be read to the inspect step", async () => {
    const kms = fakeKms({ listResourceTags: () => Promise.reject(new Error("AccessDeniedException")) });
    await expect(
      checkTagLimit(kms, "mrk-1", replicas, { desired, prune: false, command: "sync" }),
    ).resolves.toBeUndefined();
  });

  it("desiredTagCount counts user tags only", () => {
    expect(desiredTagCount({ tags: { a: "1", "aws:x": "2" } })).toBe(1);
    expect(desiredTagCount({})).toBe(0);
  });
});
