// The confirmation before a deletion: refused without a terminal (the plan shown), refused on a
// wrong answer, and going on when the answer is one of those the command accepts.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { confirmPlan } from "../../../src/cli/confirm.js";
import type { Confirmation } from "../../../src/commands/contract.js";

const CONFIRMATION: Confirmation = {
  plan: ["Plan: schedule the deletion of the key in ap-south-1."],
  ask: "the key ID (mrk-1)",
  answers: ["mrk-1", "alias/payments"],
  hint: "Add --yes.",
};

/** A stdin and stderr that say they are terminals (or not); `typed` is what the person types. */
function terminal(tty: boolean, typed?: string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: tty, setRawMode: () => undefined });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty, columns: 80 });
  let shown = "";
  stderr.on("data", (chunk: Buffer) => (shown += chunk.toString()));
  if (typed !== undefined) setTimeout(() => stdin.write(`${typed}\n`), 10);
  const show = (text: string): void => void stderr.write(text);
  return { io: { stdin, stderr, signal: new AbortController().signal, show }, shown: () => shown };
}

describe("confirmPlan", () => {
  it("without a terminal: the plan shown, then refused (exit 2) with the hint", async () => {
    const t = terminal(false);
    await expect(confirmPlan(CONFIRMATION, t.io)).rejects.toMatchObject({ exitCode: 2, hint: "Add --yes." });
    expect(t.shown()).toContain("Plan: schedule the deletion");
  });

  it("on a terminal, an accepted answer goes on", async () => {
    const t = terminal(true, "alias/payments");
    await expect(confirmPlan(CONFIRMATION, t.io)).resolves.toBeUndefined();
    expect(t.shown()).toContain("Type the key ID (mrk-1) to go on:");
  });

  it("on a terminal, another answer is refused: nothing changed", async () => {
    const t = terminal(true, "mrk-2");
    await expect(confirmPlan(CONFIRMATION, t.io)).rejects.toThrow(
      /'mrk-2' is not the key ID \(mrk-1\); nothing was changed/,
    );
  });
});
