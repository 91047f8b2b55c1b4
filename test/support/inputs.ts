// The context a unit test reads inputs in: a working directory, a signal nobody aborts, no deadline.
import type { InputContext } from "../../src/core/input.js";

export function inputsAt(cwd: string, overrides: Partial<InputContext> = {}): InputContext {
  return {
    cwd,
    signal: new AbortController().signal,
    deadline: Number.POSITIVE_INFINITY,
    deadlineName: "--timeout 20m",
    ...overrides,
  };
}
