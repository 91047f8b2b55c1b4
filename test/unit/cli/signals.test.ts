import { describe, expect, it } from "vitest";
import { isAbort } from "../../../src/core/errors.js";
import { createSignalHub, type Ending } from "../../../src/cli/signals.js";
import { Stop, stopOf } from "../../../src/core/stop.js";

function recordingHub() {
  const ended: Ending[] = [];
  const exited: number[] = [];
  const hub = createSignalHub({ end: (ending) => ended.push(ending), exitNow: (code) => exited.push(code) });
  return { hub, ended, exited };
}

describe("Stop", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s exits %i (128 + the signal's number), and is an abort", (name, code) => {
    const stop = new Stop(name);
    expect(stop.exitCode).toBe(code);
    expect(isAbort(stop)).toBe(true);
  });

  it("an abort for another reason counts as Ctrl-C", () => {
    expect(stopOf(AbortSignal.abort()).exitCode).toBe(130);
    expect(stopOf(AbortSignal.abort(new Stop("SIGHUP"))).signalName).toBe("SIGHUP");
  });
});

describe("createSignalHub", () => {
  it("the first signal aborts the run with a Stop, and ends nothing", () => {
    // GIVEN
    const { hub, ended, exited } = recordingHub();
    // WHEN
    hub.receive("SIGTERM");
    // THEN
    expect(hub.signal.aborted).toBe(true);
    expect(stopOf(hub.signal)).toMatchObject({ signalName: "SIGTERM", exitCode: 143 });
    expect(ended).toEqual([]);
    expect(exited).toEqual([]);
  });

  it("the second signal ends with the run's last words, rendered for that signal", () => {
    // GIVEN a run that says what it knows
    const { hub, ended } = recordingHub();
    hub.setLastWords((stop) => ({ exitCode: stop.exitCode, stdout: `{"by":"${stop.signalName}"}\n` }));
    // WHEN
    hub.receive("SIGINT");
    hub.receive("SIGHUP");
    // THEN
    expect(ended).toEqual([{ exitCode: 129, stdout: '{"by":"SIGHUP"}\n' }]);
  });

  it("the second signal without last words ends with its own code", () => {
    const { hub, ended } = recordingHub();
    hub.receive("SIGINT");
    hub.receive("SIGINT");
    expect(ended).toEqual([{ exitCode: 130 }]);
  });

  it("last words are replaced as the run goes on (after its own document: its exit code only)", () => {
    const { hub, ended } = recordingHub();
    hub.setLastWords(() => ({ exitCode: 130, stdout: "partial" }));
    hub.setLastWords(() => ({ exitCode: 3 }));
    hub.receive("SIGTERM");
    hub.receive("SIGTERM");
    expect(ended).toEqual([{ exitCode: 3 }]);
  });

  it("a third signal exits at once (the ending could not be written)", () => {
    const { hub, ended, exited } = recordingHub();
    for (const name of ["SIGINT", "SIGINT", "SIGTERM"] as const) hub.receive(name);
    expect(ended).toHaveLength(1);
    expect(exited).toEqual([143]);
  });
});
