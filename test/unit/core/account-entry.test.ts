import { describe, expect, it } from "vitest";
import { readEntry } from "../../../src/core/account-entry.js";

const ctx = { nodeOf: () => undefined, partition: "aws" };

describe("readEntry", () => {
  it("an entry → its account; unknown fields named, c7n-org's own ignored", () => {
    const read = readEntry({ account_id: "111122223333", name: 7, role: "R", vars: {}, colour: "x" }, ctx);
    expect(read.problems).toEqual([]);
    expect(read.unknown).toEqual(["colour"]);
    expect(read.who).toBe(" (111122223333 7)");
    expect(read.account).toMatchObject({
      accountId: "111122223333",
      name: "7",
      roles: ["arn:aws:iam::111122223333:role/R"],
    });
  });

  it("every problem of an entry, and no account", () => {
    const read = readEntry({ account_id: 111122223333, role: 5, profile: "", tags: [1], regions: [] }, ctx);
    expect(read.account).toBeUndefined();
    expect(read.problems).toEqual([
      "account_id: 111122223333 is a YAML number, not text (a number loses its leading zeros): put it in quotes, account_id: '111122223333'.",
      "role: is not a role ARN.",
      "profile: is empty.",
      "regions: is a list of Regions, e.g. [us-east-1, eu-west-1].",
      "tags: every tag of the list is text, key:value.",
    ]);
  });

  it("tags as a mapping: scalars as text, an empty value for null, a nested value refused", () => {
    expect(
      readEntry({ account_id: "111122223333", tags: { a: 1, b: true, c: null } }, ctx).account?.tags,
    ).toEqual({
      a: "1",
      b: "true",
      c: "",
    });
    expect(readEntry({ account_id: "111122223333", tags: { a: [1] } }, ctx).problems).toEqual([
      "tags: 'a' has no single value.",
    ]);
  });
});
