// The one question the program asks: a change that deletes keys shows its plan and waits for the
// person to type what the command names (a key ID or alias, a count of keys). Without a terminal
// on stdin and stderr there is nobody to ask: the run is refused (exit 2), the plan shown, and the
// command's hint says how to go on (--yes). The time spent answering counts against --timeout.
import { createInterface } from "node:readline/promises";
import type { Confirmation } from "../commands/contract.js";
import { usageError } from "../core/errors.js";
import { forPeople } from "../report/terminal-text.js";
import type { Io } from "./io.js";

/** Shows the plan and asks; returns once confirmed, throws a usage error (exit 2) otherwise. */
export async function confirmPlan(
  confirmation: Confirmation,
  io: Pick<Io, "stdin" | "stderr" | "signal">,
): Promise<void> {
  const { stdin, stderr, signal } = io;
  const plan = confirmation.plan.map((line) => `${line}\n`).join("");
  stderr.write(forPeople(plan, false));
  const interactive = stdin?.isTTY === true && (stderr as { isTTY?: boolean }).isTTY === true;
  if (stdin === undefined || !interactive) {
    throw usageError(
      "This change needs to be confirmed, and there is no terminal to ask on; nothing was changed.",
      confirmation.hint,
    );
  }
  const reader = createInterface({ input: stdin, output: stderr, terminal: true });
  try {
    const answer = await reader.question(`Type ${confirmation.ask} to go on: `, { signal });
    if (!confirmation.answers.includes(answer.trim())) {
      throw usageError(
        `'${answer.trim()}' is not ${confirmation.ask}; nothing was changed.`,
        confirmation.hint,
      );
    }
  } finally {
    reader.close();
  }
}
