// A run over a selection of keys (a fleet): the selection (src/core/selection.ts), then each key's
// own work, the same as the command's for one key, with a bounded number of keys at work at once
// (src/cli/schedule.ts) and one AWS adapter for all, so that every call of every key draws on the
// same request quotas (src/aws/quotas.ts). A key that fails is a result, not the end of the run;
// the JSON document is version 2.
import { setFlagsFromString } from "node:v8";
import { createQuotaBook } from "../aws/quota-book.js";
import type { QuotaBook } from "../aws/quotas.js";
import type { KmsPort } from "../aws/kms.js";
import type { Loaded, KeyRun, RunPlan } from "../commands/contract.js";
import { EXIT, describeError, usageError } from "../core/errors.js";
import type { Emit } from "../core/events.js";
import { readKeyList } from "../core/key-list.js";
import { regionOfKeyRef } from "../core/keys.js";
import { checkSelectionPlaces, emptySelection } from "../core/selection-checks.js";
import { selectKeys, streamPrimaries, type SelectedKey, type SelectionOptions } from "../core/selection.js";
import { stopOf } from "../core/stop.js";
import { connect, deadlineOf, inputsOf } from "./connect.js";
import { sessionScope, type FleetScope } from "./fleet-scope.js";
import type { Globals } from "./globals.js";
import {
  interruptedRun,
  lateRun,
  type FleetOutcome,
  type FleetState,
  type FleetTracker,
} from "./fleet-report.js";
import { runEndingError, type Session } from "./session.js";
import type { Io } from "./io.js";
import { keyQueue, runKeys } from "./schedule.js";

/**
 * At most this many calls in flight at once, all keys, operations and Regions together: what the
 * SDK holds per request in flight stays bounded however high an account's quotas are raised.
 */
export const MAX_IN_FLIGHT = 128;

/**
 * A fleet makes tens of thousands of calls, and the AWS SDK leaves garbage for each. V8 lets the
 * heap grow to 3 or 4 times what is alive between two collections: 230 MB peak RSS for 5,000
 * replicas with 21 MB alive (measured, `npm run bench`). Growing it by 10 % instead keeps the peak
 * under 150 MB for about 10 % more CPU. The flag is read at each collection, so setting it here,
 * for a fleet run only, takes effect.
 */
function keepTheHeapSmall(): void {
  setFlagsFromString("--heap-growing-percent=10");
}

/** A fleet of the session's account (its events, reporter and credentials). */
export function runFleet(
  module: Loaded,
  options: unknown,
  globals: Globals,
  session: Session,
  tracker: FleetTracker,
): Promise<FleetOutcome> {
  return runFleetIn(module, options, globals, sessionScope(session), tracker);
}

/** A fleet in `scope`: an account's own adapter, quota book and events (see FleetScope). */
export async function runFleetIn(
  module: Loaded,
  options: unknown,
  globals: Globals,
  scope: FleetScope,
  tracker: FleetTracker,
): Promise<FleetOutcome> {
  keepTheHeapSmall();
  const { io, emit } = scope;
  const inShard = (key: SelectedKey): boolean => scope.shard?.keyIn(key.primary.keyId) ?? true;
  const warn = (message: string): void => emit({ type: "warning", message });
  const state: FleetState = {
    selection: globals.selection,
    stats: undefined,
    keys: [],
    settled: new Map(),
    started: new Map(),
  };
  tracker.state = state;
  const plan = await module.prepare(options, {
    fleet: true,
    connection: globals.connection,
    reach: globals.reach,
    warn,
    inputs: (timeoutMs) => inputsOf(io, timeoutMs),
  });
  try {
    const keyList =
      state.selection.keysFrom === undefined
        ? undefined
        : await readKeyList(state.selection.keysFrom, inputsOf(io, plan.timeoutMs));
    const quotas = { ...globals.connection.quotas, ...plan.quotas };
    const book = createQuotaBook({
      // Shards of one account's keys share its quotas: each takes its share of every one.
      overrides: scope.shard?.share(quotas) ?? quotas,
      inFlight: plan.inFlight,
      maxInFlight: MAX_IN_FLIGHT,
    });
    const deadline = deadlineOf(io, plan.timeoutMs);
    const kms = await connect(globals.connection, emit, { deadline }, book, scope.reach);
    await scope.ready?.(kms);
    const defaultRegion = await defaultRegionOf(state.selection, keyList, globals, io);
    checkSelectionPlaces(state.selection, keyList, defaultRegion, globals.connection.unknownRegions, warn);
    const run = keyRunner(module, plan, { state, kms, deadline, io, emit });
    const selecting = {
      kms,
      signal: io.signal,
      keyList,
      defaultRegion,
      accept: plan.accept,
      movedTo: plan.movedTo,
      warn,
    };
    const announce = announcer(state.selection, book, emit, module.dryRun(options));
    const scheduling = {
      book,
      signal: io.signal,
      deadline,
      settled: (rank: number, done: KeyRun<unknown>) => {
        state.settled.set(rank, done);
        scope.settled(module.render.view(done, options));
      },
      notStarted: (key: SelectedKey): KeyRun<unknown> =>
        io.signal.aborted ? interruptedRun(key, stopOf(io.signal), false) : lateRun(key),
    };
    // A plan to confirm needs every key first: --all-primaries then selects before it starts.
    if (!state.selection.allPrimaries || plan.confirm !== undefined) {
      const all = await selectKeys(state.selection, selecting);
      if (all.keys.length === 0) throw emptySelection(state.selection, all.stats);
      // A shard of the account's keys: its own (the other shards do the rest); may be none.
      const keys = all.keys.filter(inShard);
      const picked = { keys, stats: { ...all.stats, selected: keys.length } };
      state.keys = picked.keys;
      state.stats = picked.stats;
      plan.check?.(picked.keys, warn);
      const confirmation = picked.keys.length === 0 ? undefined : plan.confirm?.(picked.keys);
      if (confirmation !== undefined) await scope.confirm(confirmation);
      announce(picked.keys.length, false);
      const order = keyQueue();
      for (const key of picked.keys) order.push(key);
      order.end();
      const runs = await runKeys<KeyRun<unknown>>(order, {
        ...scheduling,
        run: (key, waiting) => run(key, waiting, false),
      });
      return { selection: state.selection, stats: picked.stats, runs };
    }
    return await streamFleet(state, { selecting, scheduling, announce, run, io, emit, inShard });
  } finally {
    plan.dispose?.();
  }
}

/** Keys named without an ARN, and --all-primaries without --region: AWS_REGION or the profile's. */
async function defaultRegionOf(
  selection: SelectionOptions,
  keyList: readonly { readonly ref: SelectionOptions["keys"][number] }[] | undefined,
  globals: Globals,
  io: Io,
): Promise<string | undefined> {
  const needsRegion =
    selection.regions.length === 0 &&
    (selection.allPrimaries ||
      [...selection.keys, ...(keyList ?? []).map((e) => e.ref)].some(
        (ref) => regionOfKeyRef(ref) === undefined,
      ));
  const defaultRegion =
    selection.regions[0] ??
    (needsRegion
      ? await (
          await import("../aws/environment.js")
        ).regionFromEnvironment(globals.connection.profile, io.env)
      : undefined);
  if (selection.allPrimaries && defaultRegion === undefined) {
    throw usageError(
      "--all-primaries needs the Region(s) to look in: --region (repeatable), AWS_REGION or a profile's region.",
    );
  }
  return defaultRegion;
}

/** Tells the reporter how many keys the run has (a first time while --all-primaries still looks). */
function announcer(
  selection: SelectionOptions,
  book: QuotaBook,
  emit: Emit,
  dryRun: boolean,
): (count: number, streaming: boolean) => void {
  const quotas = Object.fromEntries(
    (["ReplicateKey", "CreateKey", "UpdatePrimaryRegion"] as const).map((name) => [name, book.rateOf(name)]),
  );
  return (count, streaming) =>
    emit({
      type: "fleet",
      keys: count,
      selecting: streaming,
      dryRun,
      selection: { ...selection, keys: selection.keys.map((k) => k.value) },
      quotas,
    });
}

/** One key's work, as a fleet runs it: its own signal and event sink, a failure as its result. */
function keyRunner(
  module: Loaded,
  plan: RunPlan<unknown>,
  run: {
    readonly state: FleetState;
    readonly kms: KmsPort;
    readonly deadline: number;
    readonly io: Io;
    readonly emit: Emit;
  },
): (key: SelectedKey, waiting: () => void, streaming: boolean) => Promise<KeyRun<unknown>> {
  const { state, io, emit } = run;
  // With --all-primaries, keys start as the selection finds them: each is checked on its own (a key
  // the flags do not fit fails alone), its warnings said once.
  const said = new Set<string>();
  const sayOnce = (message: string): void => {
    if (said.has(message)) return;
    said.add(message);
    emit({ type: "warning", message });
  };
  return async (key, waiting, streaming) => {
    state.started.set(key.rank, undefined);
    if (key.failure !== undefined) return { key, failure: key.failure, exitCode: EXIT.failed };
    const keyEmit: Emit = (event) =>
      emit(
        event.type === "warning" ? { ...event, message: `${key.primary.keyId}: ${event.message}` } : event,
      );
    try {
      if (streaming) plan.check?.([key], sayOnce);
      const result: unknown = await plan.runKey(key, {
        kms: run.kms,
        emit: keyEmit,
        // Each key listens on its own signal, derived from the run's (Ctrl-C reaches it):
        // hundreds of keys at once do not pile abort listeners on one signal.
        signal: AbortSignal.any([io.signal]),
        startedAt: io.startedAt,
        deadline: run.deadline,
        fleet: true,
        waiting,
        partial: (known) => {
          state.started.set(key.rank, known);
        },
        say: () => undefined,
      });
      const stop = io.signal.aborted ? stopOf(io.signal) : undefined;
      return { key, result, exitCode: module.render.exitCode(result, stop) };
    } catch (error) {
      const { failure, exitCode } = runEndingError(error, io.signal, key.given);
      return { key, failure, exitCode };
    } finally {
      state.started.set(key.rank, undefined);
    }
  };
}

/** --all-primaries: keys start as the selection finds them, one primary Region's after another's. */
async function streamFleet(
  state: FleetState,
  run: {
    readonly selecting: Parameters<typeof streamPrimaries>[1];
    readonly scheduling: Omit<Parameters<typeof runKeys<KeyRun<unknown>>>[1], "run">;
    readonly announce: (count: number, streaming: boolean) => void;
    readonly run: (key: SelectedKey, waiting: () => void, streaming: boolean) => Promise<KeyRun<unknown>>;
    readonly io: Io;
    readonly emit: Emit;
    readonly inShard: (key: SelectedKey) => boolean;
  },
): Promise<FleetOutcome> {
  const { selection } = state;
  const { io } = run;
  const found = keyQueue();
  const list: SelectedKey[] = [];
  state.keys = list;
  run.announce(0, true);
  /** Why the selection stopped before it had read every key (a signal, or a failure). */
  let stopped: Error | undefined;
  let counted = false;
  /** Keys found, this shard's or not: an empty selection is the account's, not the shard's. */
  let anyFound = false;
  const streamed = streamPrimaries(selection, run.selecting, (key) => {
    anyFound = true;
    if (!run.inShard(key)) return;
    list.push(key);
    found.push(key);
  }).then(
    (done) => {
      state.stats = { ...done, selected: list.length };
      // Every key is found: from now on the progress knows the work, and its time left.
      counted = true;
      run.announce(list.length, false);
    },
    (error: unknown) => {
      // What the adapter throws is an Error (ReplicateError, the SDK's, an AbortError).
      stopped = error as Error;
    },
  );
  void streamed.finally(() => found.end());
  const runs = await runKeys<KeyRun<unknown>>(found, {
    ...run.scheduling,
    run: (key, waiting) => run.run(key, waiting, true),
  });
  await streamed;
  // Stopped before any key was found: as a run stopped before its work (130, or the failure).
  if (stopped !== undefined && runs.length === 0) throw stopped;
  if (stopped !== undefined && !io.signal.aborted) {
    // The selection ended early: what it found was worked on; the run still fails with why.
    run.emit({
      type: "warning",
      message: `The selection stopped early (${describeError(stopped, { operation: "ListKeys", region: selection.regions.join(", "), keyId: "*" }).message}); only the keys found before were worked on.`,
    });
  }
  const stats = state.stats ?? { listed: 0, multiRegion: 0, candidates: list.length, selected: list.length };
  state.stats = stats;
  if (runs.length === 0 && !anyFound && !io.signal.aborted) throw emptySelection(selection, stats);
  if (!counted) run.announce(runs.length, false);
  return {
    selection,
    stats,
    runs,
    ...(stopped !== undefined && !io.signal.aborted ? { incomplete: true } : {}),
  };
}
