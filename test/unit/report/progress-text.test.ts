import { Chalk } from "chalk";
import { describe, it, expect } from "vitest";
import { clock, heartbeatLine, progressText } from "../../../src/report/progress-text.js";

const plain = new Chalk({ level: 0 });

describe("progressText", () => {
  it("has one line per Region in progress, with its phase and time", () => {
    // GIVEN
    const inProgress = new Map([
      ["eu-west-1", { phase: "creating" as const, keyState: "Creating", since: 0 }],
      ["ap-southeast-2", { phase: "requesting" as const, since: 1_000 }],
    ]);
    // WHEN
    const text = progressText(inProgress, 3_000, plain);
    // THEN
    expect(text.split("\n")).toEqual([
      "Waiting for 2 Regions",
      "  eu-west-1      Creating        3.0s",
      "  ap-southeast-2 ReplicateKey…   2.0s",
    ]);
  });
});

describe("clock", () => {
  it.each([
    { ms: 0, text: "0s" },
    { ms: 45_900, text: "45s" },
    { ms: 60_000, text: "1m00s" },
    { ms: 270_000, text: "4m30s" },
    { ms: 3_725_000, text: "1h02m05s" },
  ])("$ms ms → $text", ({ ms, text }) => {
    expect(clock(ms)).toBe(text);
  });
});

describe("heartbeatLine", () => {
  it("names every Region still in progress, its last state and how long it has taken", () => {
    // GIVEN
    const inProgress = new Map([
      ["eu-west-1", { phase: "creating" as const, keyState: "Creating", since: 0 }],
      ["ap-southeast-2", { phase: "creating" as const, since: 0 }],
      ["sa-east-1", { phase: "queued" as const, since: 260_000 }],
    ]);
    // WHEN
    const line = heartbeatLine(inProgress, 270_000);
    // THEN
    expect(line).toBe(
      "waiting: eu-west-1 Creating 4m30s, ap-southeast-2 Creating 4m30s, sa-east-1 queued 10s",
    );
  });
});
