// Each command's own advice (its work's `advice`): a re-run of each command does something else, so
// the hints of its errors end with its own promise and name only its own flags.
import { describe, expect, it } from "vitest";
import type { ErrorContext } from "../../../src/core/advice.js";
import { describeError } from "../../../src/core/errors.js";
import { COMMANDS } from "../../../src/commands/registry.js";
import { awsFailure, networkFailure } from "../../support/sdk-errors.js";

const adviceOf = async (name: string) => {
  const module = COMMANDS.find((m) => m.name === name);
  if (module === undefined) throw new TypeError(`no command ${name}`);
  return (await module.load()).advice;
};
const hintOf = (error: unknown, context: ErrorContext): string => describeError(error, context).hint ?? "";
const AT = { operation: "ImportKeyMaterial", region: "eu-west-1" };

describe("each command gets its own advice", () => {
  it.each(COMMANDS.map((m) => m.name))(
    "%s: a re-run's promise and the flags named are its own",
    async (name) => {
      const advice = await adviceOf(name);
      for (const error of [
        awsFailure("ThrottlingException"),
        awsFailure("KMSInternalException", 500),
        awsFailure("DependencyTimeoutException", 503),
        networkFailure("ECONNREFUSED"),
        networkFailure("ECONNRESET"),
      ]) {
        const hint = hintOf(error, { ...AT, advice });
        if (name === "replicate") {
          expect(hint).toContain("existing replicas count as done");
        } else {
          expect(hint).not.toContain("replicas count as done");
          expect(hint).not.toContain("--rate");
          expect(hint).not.toContain("--concurrency");
          expect(hint).not.toContain("a replica the lost request created");
        }
      }
    },
  );

  it("replicate: throttling names --rate and --concurrency; a lost request's replica is picked up", async () => {
    const advice = await adviceOf("replicate");
    expect(hintOf(awsFailure("ThrottlingException"), { ...AT, advice })).toMatch(
      /Lower --rate or --concurrency/,
    );
    expect(hintOf(networkFailure("ECONNRESET"), { ...AT, advice })).toContain(
      "a replica the lost request created is picked up",
    );
  });

  it("rotate-material's re-run continues the rotation", async () => {
    const advice = await adviceOf("rotate-material");
    expect(hintOf(awsFailure("KMSInternalException", 500), { ...AT, advice })).toBe(
      "KMS had an internal error. Wait a moment, then re-run the same command: it reads where the rotation stands (ListKeyRotations) and continues from there.",
    );
  });

  it("IncorrectKeyMaterialException under rotate-material speaks of the material pending rotation", async () => {
    const advice = await adviceOf("rotate-material");
    const report = describeError(awsFailure("IncorrectKeyMaterialException"), { ...AT, advice });
    expect(report.message).toBe(
      "This is not the key material KMS expected in eu-west-1 (the new material pending rotation); nothing was imported there.",
    );
    expect(report.hint).toContain("undo that import");
    const plain = describeError(awsFailure("IncorrectKeyMaterialException"), AT);
    expect(plain.message).toBe(
      "This is not the material of the primary; nothing was imported into eu-west-1.",
    );
  });
});
