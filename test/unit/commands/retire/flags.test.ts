// retire's flags → options, and its usage errors.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { defineRetire, parseRetire } from "../../../../src/commands/retire/flags.js";
import { parsePendingDays } from "../../../../src/commands/flags.js";

/** The raw flags commander makes of `args`, through retire's own definitions. */
function rawOf(args: string[]) {
  const command = new Command("retire").exitOverride();
  defineRetire(command);
  command.parse(args, { from: "user" });
  return command.opts();
}

describe("parseRetire", () => {
  it("reads the Regions, --to, the window and the switches", async () => {
    const options = await parseRetire(
      rawOf([
        "--regions",
        "ap-south-1,us-east-1",
        "--regions",
        "ap-south-1",
        "--to",
        " eu-west-1 ",
        "--pending-days",
        "7",
        "--yes",
      ]),
    );
    expect(options).toMatchObject({
      regions: ["ap-south-1", "us-east-1"],
      to: "eu-west-1",
      pendingDays: 7,
      disableOnly: false,
      dryRun: false,
      yes: true,
    });
  });

  it("defaults to KMS's 30-day window", async () => {
    expect((await parseRetire(rawOf(["--regions", "ap-south-1"]))).pendingDays).toBe(30);
  });

  it.each([
    [[], /--regions is required/],
    [["--regions", "ap-south-1", "--disable-only", "--pending-days", "7"], /--disable-only deletes nothing/],
    [["--regions", "ap-south-1", "--to", " "], /--to is empty/],
  ])("refuses %j", (args, why) => {
    expect(() => parseRetire(rawOf(args))).toThrow(why);
  });
});

describe("parsePendingDays", () => {
  it.each(["7", "30", "14"])("takes %s", (value) => expect(parsePendingDays(value)).toBe(Number(value)));
  it.each(["6", "31", "7.5", "x"])("refuses %s", (value) =>
    expect(() => parsePendingDays(value)).toThrow(/7 to 30/),
  );
});
