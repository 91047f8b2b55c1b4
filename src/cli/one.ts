// A run over one --key: where the key is (before any call), the command's local checks, the
// adapter, the key resolved to its family's primary (a replica is followed, with a note), then the
// command's work on that key. An error ends the run (the runner reports it); a second signal
// writes what the work knows so far.
import { fitted } from "../report/fit.js";
import type { Loaded, KeyContext, KeyRun } from "../commands/contract.js";
import { describePrimary, primaryPlaceOf } from "../core/plan.js";
import { requireSelectTags } from "../core/select-tags.js";
import type { SelectedKey } from "../core/selection.js";
import { stopOf, type Stop } from "../core/stop.js";
import { asking, confirmPlan } from "./confirm.js";
import { connect, deadlineOf, inputsOf, keyRegionOf } from "./connect.js";
import type { Globals } from "./globals.js";
import type { Session } from "./session.js";

export interface OneOutcome {
  readonly run: KeyRun<unknown>;
}

/** Where the runner finds what the key's work knows so far, for a second signal. */
export interface OneTracker {
  partial?: (stop: Stop) => OneOutcome | undefined;
}

export async function runOne(
  module: Loaded,
  options: unknown,
  globals: Globals,
  session: Session,
  tracker: OneTracker,
): Promise<OneOutcome> {
  const { io, emit } = session;
  const warn = (message: string): void => emit({ type: "warning", message });
  const one = globals.one;
  if (one === undefined) throw new TypeError("a run over one key without its key"); // parseGlobals gives one
  // Before any call: the key's Region (an ARN's, --region, the environment's), then the command's own checks.
  const region = await keyRegionOf(one, globals.connection, io, warn);
  const plan = await module.prepare(options, {
    place: primaryPlaceOf(one.key, region),
    fleet: false,
    connection: globals.connection,
    reach: globals.reach,
    warn,
    inputs: (timeoutMs) => inputsOf(io, timeoutMs),
  });
  try {
    const deadline = deadlineOf(io, plan.timeoutMs);
    const kms = await connect(globals.connection, emit, {
      deadline,
      quotas: plan.quotas,
      inFlight: plan.inFlight,
    });
    const primary = await describePrimary(kms, one.key, region, io.signal, plan.accept);
    if (primary.region !== region) {
      emit({
        type: "note",
        message: `${one.key.value} is a replica of the family; working from its primary in ${primary.region}.`,
      });
    }
    await requireSelectTags(kms, primary, globals.selection.selectTags, io.signal);
    const key: SelectedKey = { given: one.key.value, primary, rank: 0 };
    const confirmation = plan.confirm?.([key]);
    if (confirmation !== undefined) await confirmPlan(confirmation, asking(session));
    let known: ((elapsedMs: number) => unknown) | undefined;
    tracker.partial = (stop) =>
      known === undefined
        ? undefined
        : { run: { key, result: known(performance.now() - io.startedAt), exitCode: stop.exitCode } };
    const ctx: KeyContext = {
      kms,
      emit,
      signal: io.signal,
      startedAt: io.startedAt,
      deadline,
      fleet: false,
      waiting: () => undefined,
      partial: (thunk) => {
        known = thunk;
      },
      say: (text) => {
        if (session.mode.quiet) return;
        session.output({ stdout: "", stderr: `${fitted([text], session.mode.columns, 0).join("\n")}\n` });
      },
    };
    const result: unknown = await plan.runKey(key, ctx);
    const stop = io.signal.aborted ? stopOf(io.signal) : undefined;
    const exitCode = module.render.exitCode(result, stop);
    return { run: { key, result, exitCode } };
  } finally {
    plan.dispose?.();
  }
}
