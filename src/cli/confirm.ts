// The one question the program asks: a change that deletes keys shows its plan and waits for the
// person to type what the command names (a key ID or alias, a count of keys). Without a terminal
// on stdin and stderr there is nobody to ask: the run is refused (exit 2), the plan shown, and the
// command's hint says how to go on (--yes). The time spent answering counts against --timeout.
import { createInterface } from "node:readline";
import type { Confirmation } from "../commands/contract.js";
import { usageError } from "../core/errors.js";
import { fitted } from "../report/fit.js";
import type { Io } from "./io.js";

/** What asking needs: the streams, the stop signal, and where the plan is shown (the session's stderr). */
export interface Asking extends Pick<Io, "stdin" | "stderr" | "signal"> {
  readonly show: (text: string) => void;
}

/** Shows the plan and asks; returns once confirmed, throws a usage error (exit 2) otherwise. */
export async function confirmPlan(confirmation: Confirmation, asking: Asking): Promise<void> {
  const { stdin, stderr, signal } = asking;
  asking.show(confirmation.plan.map((line) => `${line}\n`).join(""));
  const interactive = stdin?.isTTY === true && (stderr as { isTTY?: boolean }).isTTY === true;
  if (stdin === undefined || !interactive) {
    throw usageError(
      "This change needs to be confirmed, and there is no terminal to ask on; nothing was changed.",
      confirmation.hint,
    );
  }
  const answer = (await ask(`Type ${confirmation.ask} to go on: `, stdin, stderr, signal)).trim();
  if (!confirmation.answers.includes(answer)) {
    throw usageError(`'${answer}' is not ${confirmation.ask}; nothing was changed.`, confirmation.hint);
  }
}

/** How a run asks: the session's streams, and its stderr for the plan (written for people). */
export function asking(session: {
  readonly io: Pick<Io, "stdin" | "stderr" | "signal">;
  readonly mode: { readonly columns?: number };
  output(text: { readonly stdout: string; readonly stderr: string }): void;
}): Asking {
  const { stdin, stderr, signal } = session.io;
  // On a terminal the plan is fitted to its width (broken at spaces), as every line for people.
  const show = (text: string): void =>
    session.output({ stdout: "", stderr: fitted(text.split("\n"), session.mode.columns, 0).join("\n") });
  return { stdin, stderr, signal, show };
}

/** One line typed on the terminal; a stop signal ends the wait (the runner reports the signal). */
function ask(
  question: string,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  signal: AbortSignal,
): Promise<string> {
  const reader = createInterface({ input, output, terminal: true });
  return new Promise<string>((resolve, reject) => {
    const stop = (): void => {
      reader.close();
      reject(signal.reason as Error);
    };
    if (signal.aborted) return stop();
    signal.addEventListener("abort", stop, { once: true });
    reader.question(question, (answer) => {
      signal.removeEventListener("abort", stop);
      reader.close();
      resolve(answer);
    });
  });
}
