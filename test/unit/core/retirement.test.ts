// retire's rules before any change, cancel-deletion's targets, and the earliest date a family goes.
import { describe, expect, it } from "vitest";
import {
  cancelTargets,
  checkRetireFleet,
  familyGoneAt,
  planRetirement,
} from "../../../src/core/retirement.js";
import { arnIn, PRIMARY } from "../../support/fixtures.js";

/** A family with its primary in us-east-1 and replicas in eu-west-1 and ap-south-1. */
const FAMILY = {
  ...PRIMARY,
  replicas: [
    { region: "eu-west-1", arn: arnIn("eu-west-1") },
    { region: "ap-south-1", arn: arnIn("ap-south-1") },
  ],
};

describe("planRetirement", () => {
  it("a replica's Region: that key, no promotion", () => {
    const plan = planRetirement(FAMILY, ["ap-south-1"], undefined);
    expect(plan).toEqual({
      retired: [{ region: "ap-south-1", arn: arnIn("ap-south-1") }],
      staying: ["us-east-1", "eu-west-1"],
    });
  });

  it("the primary's Region with --to: the promotion first, the old primary retired", () => {
    const plan = planRetirement(FAMILY, ["us-east-1"], "eu-west-1");
    expect(plan.promoteTo).toBe("eu-west-1");
    expect(plan.retired).toEqual([{ region: "us-east-1", arn: PRIMARY.arn }]);
  });

  it.each([
    [["us-east-1", "eu-west-1", "ap-south-1"], undefined, /every Region of .*delete-family/s],
    [["us-west-2"], undefined, /has no key in us-west-2/],
    [["us-east-1"], undefined, /holds the primary.*--to/s],
    [["us-east-1", "eu-west-1"], "eu-west-1", /--to eu-west-1 is one of the Regions retired/],
    [["us-east-1"], "us-west-2", /no replica in us-west-2 \(--to\)/],
  ] as [string[], string | undefined, RegExp][])(
    "refuses %j (--to %s), nothing changed",
    (regions, to, why) => {
      let error: unknown;
      try {
        planRetirement(FAMILY, regions, to);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ exitCode: 2 });
      const { message, hint } = error as { message: string; hint?: string };
      expect(`${message} ${hint ?? ""}`).toMatch(why);
    },
  );

  it("a fleet: one usage error naming every key refused", () => {
    const keys = [
      { given: "alias/a", primary: FAMILY },
      { given: "alias/b", primary: { ...FAMILY, replicas: [] } },
    ];
    expect(() => checkRetireFleet(keys, ["ap-south-1"], undefined)).toThrow(/1 key cannot be retired/);
  });
});

describe("cancelTargets", () => {
  it("no Region named: every key, the primary first", () => {
    expect(cancelTargets(FAMILY, []).map((t) => t.region)).toEqual(["us-east-1", "eu-west-1", "ap-south-1"]);
  });
  it("a Region with no key is refused", () => {
    expect(() => cancelTargets(FAMILY, ["us-west-2"])).toThrow(/no key in us-west-2/);
  });
});

describe("familyGoneAt", () => {
  const now = new Date("2031-01-01T00:00:00Z");
  it("the primary's window after its last replica's date", () => {
    const gone = familyGoneAt(
      ["2031-01-08T00:00:00.000Z", "2031-01-09T00:00:00.000Z"],
      { pendingWindowInDays: 7 },
      now,
    );
    expect(gone).toBe("2031-01-16T00:00:00.000Z");
  });
  it("a primary with its own date (no replica left): that date", () => {
    expect(familyGoneAt([], { deletionDate: "2031-01-31T00:00:00.000Z" }, now)).toBe(
      "2031-01-31T00:00:00.000Z",
    );
  });
  it("a replica date not known: unknown", () => {
    expect(familyGoneAt([undefined], { pendingWindowInDays: 7 }, now)).toBeUndefined();
  });
});
