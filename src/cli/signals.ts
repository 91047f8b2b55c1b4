// Stop signals: SIGINT, SIGTERM and SIGHUP end a run the same way, each with the shell's exit code
// (128 + the signal's number). The first one aborts the run, which still reports every Region; a
// second one writes what the run knows so far and exits; a third one exits at once.
import type { ExitCode } from "../core/errors.js";
import { Stop, type StopSignalName } from "../core/stop.js";

/** How the process ends on a second signal: what to write first, and the exit code. */
export interface Ending {
  readonly exitCode: ExitCode;
  /** The JSON document, rendered from what the run knows so far. */
  readonly stdout?: string;
  /** One line for the person. */
  readonly stderr?: string;
}

/** Set by the running command: renders its ending from what it knows when the second signal comes. */
export type LastWords = (stop: Stop) => Ending;

export interface SignalHub {
  /** Aborted by the first stop signal; its reason is a {@link Stop}. */
  readonly signal: AbortSignal;
  /** The command says what a second signal writes (replaced as the run learns more). */
  setLastWords(words: LastWords | undefined): void;
  receive(name: StopSignalName): void;
}

export interface SignalHubHooks {
  /** Write the ending, then exit with its code once it is written. */
  end(ending: Ending): void;
  /** Exit now: the ending could not be written in time (a third signal). */
  exitNow(code: ExitCode): void;
}

export function createSignalHub(hooks: SignalHubHooks): SignalHub {
  const controller = new AbortController();
  let lastWords: LastWords | undefined;
  let received = 0;
  return {
    signal: controller.signal,
    setLastWords(words) {
      lastWords = words;
    },
    receive(name) {
      received += 1;
      const stop = new Stop(name);
      if (received === 1) {
        controller.abort(stop);
        return;
      }
      if (received === 2) {
        hooks.end(lastWords?.(stop) ?? { exitCode: stop.exitCode });
        return;
      }
      hooks.exitNow(stop.exitCode);
    },
  };
}
