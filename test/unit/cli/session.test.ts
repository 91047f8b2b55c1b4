// What an error that ends a run, or one key of a fleet, becomes (src/cli/session.ts).
import { describe, it, expect } from "vitest";
import { ReplicateError, usageError } from "../../../src/core/errors.js";
import { runEndingError, stoppedEarly } from "../../../src/cli/session.js";
import { Stop } from "../../../src/core/stop.js";

function awsFailure(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });
}

describe("runEndingError", () => {
  const live = new AbortController().signal;

  it("after Ctrl-C reports Interrupted with 130, whatever the error", () => {
    // GIVEN / WHEN
    const { failure, exitCode } = runEndingError(usageError("x"), AbortSignal.abort(), "k");
    // THEN
    expect(exitCode).toBe(130);
    expect(failure.name).toBe("Interrupted");
    expect(failure.message).toContain("nothing was changed");
  });

  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("after %s exits %i and names the signal", (name, code) => {
    const { failure, exitCode } = runEndingError(usageError("x"), AbortSignal.abort(new Stop(name)), "k");
    expect(exitCode).toBe(code);
    expect(failure.message).toContain(`Stopped by ${name}`);
  });

  it("keeps our own error's code, exit code, hint and invalid Regions", () => {
    // GIVEN
    const error = new ReplicateError("2 target Regions are not valid", {
      fault: "user",
      exitCode: 2,
      code: "InvalidRegion",
      hint: "fix them",
      invalidRegions: [{ region: "EU-WEST-1", reason: "not a Region ID" }],
    });
    // WHEN
    const { failure, exitCode } = runEndingError(error, live, "k");
    // THEN
    expect(exitCode).toBe(2);
    expect(failure).toEqual({
      name: "InvalidRegion",
      message: "2 target Regions are not valid",
      hint: "fix them",
      invalidRegions: [{ region: "EU-WEST-1", reason: "not a Region ID" }],
    });
  });

  it("calls anything unknown a bug, exit 1", () => {
    // GIVEN
    const error = new TypeError("Cannot read properties of undefined");
    // WHEN
    const { failure, exitCode } = runEndingError(error, live, "k");
    // THEN
    expect(exitCode).toBe(1);
    expect(failure.name).toBe("TypeError");
    expect(failure.message).toContain("Cannot read properties of undefined");
    expect(failure.hint).toContain("bug in kms-replicate");
  });

  it("does not call a known AWS error a bug (e.g. AccessDenied from --copy-tags' ListResourceTags)", () => {
    // GIVEN a KMS error that reached the top without being wrapped
    const error = awsFailure("AccessDeniedException");
    // WHEN
    const { failure, exitCode } = runEndingError(error, live, "k");
    // THEN it keeps its name and advice, and exits 1
    expect(exitCode).toBe(1);
    expect(failure.name).toBe("AccessDeniedException");
    expect(failure.message).not.toContain("unexpectedly");
    expect(failure.hint ?? "").not.toContain("bug in kms-replicate");
  });
});

describe("stoppedEarly", () => {
  it("names the signal, says nothing was changed, and whether it was the second", () => {
    expect(stoppedEarly(new Stop("SIGINT"))).toEqual({
      name: "Interrupted",
      message: "Stopped by SIGINT before any Region was worked on; nothing was changed.",
    });
    expect(stoppedEarly(new Stop("SIGHUP"), true).message).toBe(
      "Stopped by a second SIGHUP before any Region was worked on; nothing was changed.",
    );
  });
});
