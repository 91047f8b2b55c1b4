// What every command does over a selection of keys (a fleet): the selection (src/core/selection.ts),
// then each key's own work, the same as the command's for one key, with a bounded number of keys
// at work at once and one AWS adapter for all, so that every call of every key draws on the same
// request quotas (src/aws/quota-book.ts: per operation and Region, first come first served among the calls
// that fit). A key that fails is a result, not the end of the run; the JSON document is version 2.
import { setFlagsFromString } from "node:v8";
import { EXIT, describeError, usageError, type ExitCode, type ReportedError } from "../core/errors.js";
import type { Emit } from "../core/events.js";
import type { KmsPort } from "../aws/kms.js";
import type { ConnectionOptions, RawCommonFlags } from "../core/options.js";
import type { DescribeOptions } from "../core/plan.js";
import { createQuotaBook } from "../aws/quota-book.js";
import type { QuotaBook, QuotaOverrides } from "../aws/quotas.js";
import type { KmsReplicateDocument } from "./document.js";
import {
  entryOf,
  fleetDocument,
  fleetExitCode,
  type FleetCommand,
  type FleetKeyJson,
  type FleetKeyReport,
} from "../report/fleet.js";
import { createFleetReporter, type FleetReporter } from "../report/fleet-live.js";
import { readKeyList } from "../core/key-list.js";
import {
  connect,
  deadlineOf,
  inputsOf,
  runEndingError,
  type Command,
  type Io,
  type Session,
} from "./runner.js";
import {
  checkSelectionPlaces,
  checkSelectionRegions,
  emptySelection,
  selectKeys,
  streamPrimaries,
  type SelectedKey,
  type SelectionOptions,
  type SelectionStats,
} from "../core/selection.js";
import { stopOf, type Stop } from "./signals.js";
import { parseKeyRef, regionOfKeyRef } from "../core/keys.js";

/**
 * Is this a fleet run (JSON version 2, the fleet's progress display)? Decided by the command line,
 * never by how many keys an account happens to hold: a script that asks for --all-primaries always
 * gets the same shape, also when one key matches. One --key (with --select-tag or not) is not.
 */
export function fleetRequested(flags: RawCommonFlags): boolean {
  return listOf(flags.key).length > 1 || flags.keysFrom !== undefined || flags.allPrimaries === true;
}

const listOf = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : [...value];

/** --key, --keys-from, --all-primaries, --region, --select-tag → the selection's options. */
export function toSelectionOptions(flags: RawCommonFlags): SelectionOptions {
  const keys = listOf(flags.key).map(parseKeyRef);
  const regions = listOf(flags.region)
    .map((r) => r.trim())
    .filter((r) => r !== "");
  const allPrimaries = flags.allPrimaries === true;
  if (allPrimaries && (keys.length > 0 || flags.keysFrom !== undefined)) {
    throw usageError(
      "--all-primaries selects every primary of the --region(s); it does not combine with --key or --keys-from.",
      "Narrow it with --select-tag Key=Value instead.",
    );
  }
  if (!allPrimaries && regions.length > 1) {
    throw usageError(
      `--region is given ${regions.length} times; several Regions are for --all-primaries (a key list names keys of one Region, or ARNs).`,
    );
  }
  if (allPrimaries) checkSelectionRegions(regions);
  if (keys.length === 0 && flags.keysFrom === undefined && !allPrimaries) {
    throw usageError(
      "--key is required: the multi-Region primary key (key ID, key ARN, alias/NAME or alias ARN); or --keys-from FILE, or --all-primaries.",
    );
  }
  return {
    keys,
    keysFrom: flags.keysFrom,
    allPrimaries,
    regions,
    selectTags: flags.selectTag ?? [],
  };
}

/** What one key's work gets: the shared adapter and bounds, its own event sink. */
export interface KeyContext {
  readonly kms: KmsPort;
  /** This key's events (its warnings are prefixed with its key ID). */
  readonly emit: Emit;
  readonly signal: AbortSignal;
  /** performance.now() at the start of the process. */
  readonly startedAt: number;
  /** performance.now() after which waits stop and no write is sent (--timeout, from the start of the process). */
  readonly deadline: number;
  /**
   * The key has sent what it had to send and only waits now (replicas Creating): the next key may
   * start. Only the first call counts; a key that never calls it frees its place when it ends.
   */
  readonly waiting: () => void;
}

/** A command's work over a fleet, as the command defines it for one key. */
export interface FleetPlan<R> {
  /** Where and how to reach AWS. */
  readonly connection: ConnectionOptions;
  /** Extra quota settings of the command (replicate's --rate) and its in-flight caps (--concurrency). */
  readonly quotas?: QuotaOverrides;
  readonly inFlight?: QuotaOverrides;
  /** How long the waits of the whole run may take (--timeout); undefined: no wait. */
  readonly timeoutMs?: number;
  /** How the command accepts one key (as for a single --key). */
  readonly accept: DescribeOptions;
  /** `promote`: keys whose primary is already in this Region count as done. */
  readonly movedTo?: string;
  /** After the selection, before any change: every key against the flags; throws one usage error naming all. */
  check?(keys: readonly SelectedKey[], warn: (message: string) => void): void;
  /** One key's work, from its primary on. A throw is that key's failure; the others go on. */
  runKey(key: SelectedKey, ctx: KeyContext): Promise<R>;
}

/** A command over a fleet: its name, and how one key's result is judged and documented (version 1). */
export interface FleetSpec<R> {
  readonly command: FleetCommand;
  readonly dryRun: boolean;
  /** promote's --to, for the document. */
  readonly to?: string;
  /** Once, before any call: the command's flags, its warnings, its plan for every key. */
  prepare(session: Session): Promise<FleetPlan<R>>;
  /** One key's exit code, as the command computes it for one key. */
  exitCode(result: R, stop: Stop | undefined): ExitCode;
  /** One key's version-1 document (its entry is this without the run's envelope). */
  document(run: {
    readonly key: SelectedKey;
    readonly exitCode: ExitCode;
    readonly result: R | undefined;
    readonly failure: ReportedError | null;
  }): KmsReplicateDocument;
  /** The data asked for on stdout in text mode, when the command has any (status's table). */
  output?(session: Session, runs: readonly KeyRun<R>[]): void;
}

/** One key of a fleet run, settled. */
export interface KeyRun<R> {
  readonly key: SelectedKey;
  readonly result?: R;
  /** The key's work ended with this error (it had no result). */
  readonly failure?: ReportedError;
  readonly exitCode: ExitCode;
}

export interface FleetResult<R> {
  readonly selection: SelectionOptions;
  readonly stats: SelectionStats;
  readonly runs: readonly KeyRun<R>[];
  /** The selection stopped early (a failure while --all-primaries was still reading keys): exit 1 at least. */
  readonly incomplete?: boolean;
}

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

/** At most this many keys at work at once (their requests being sent); waiting keys do not count. */
export const KEYS_AT_WORK = 128;
/** New keys start only while fewer calls than this wait for a quota slot: the queue stays fed, not flooded. */
export const QUEUE_TARGET = 512;

export function fleetCommand<R>(
  spec: FleetSpec<R>,
  flags: RawCommonFlags & { readonly timeout?: number },
  io: Io,
): Command<FleetResult<R>> {
  let selection: SelectionOptions | undefined;
  let stats: SelectionStats | undefined;
  let keys: readonly SelectedKey[] = [];
  const settled = new Map<number, KeyRun<R>>();
  let reporter: FleetReporter | undefined;

  /** Keys whose work began (by rank): a second signal reports the others as not started. */
  const started = new Set<number>();
  /** --timeout ran out before this key's turn: nothing was done on it. */
  const lateRun = (key: SelectedKey): KeyRun<R> => ({
    key,
    exitCode: EXIT.timeout,
    failure: {
      name: "NotStarted",
      message:
        "--timeout ran out before this key's turn; nothing was changed on it. Re-run (keys already done count as done) with a longer --timeout.",
    },
  });
  const interruptedRun = (key: SelectedKey, stop: Stop, started: boolean): KeyRun<R> => ({
    key,
    exitCode: stop.exitCode,
    failure: {
      name: "Interrupted",
      message: started
        ? `Stopped by a second ${stop.signalName} while this key was worked on; 'kms-replicate status' shows where it is.`
        : `Stopped by ${stop.signalName} before this key was started; nothing was changed on it. Re-run to do it.`,
    },
  });

  const reportOf = (run: KeyRun<R>): FleetKeyReport => {
    const doc = spec.document({
      key: run.key,
      exitCode: run.exitCode,
      result: run.result,
      failure: run.failure ?? null,
    });
    return {
      keyId: run.key.primary.keyId,
      primaryRegion: run.key.primary.region,
      // The command's own document of this key: its entry has that command's shape.
      entry: entryOf(run.key.given, doc) as FleetKeyJson,
    };
  };

  return {
    name: spec.command,
    dryRun: spec.dryRun,
    reporter: async (options) => {
      reporter = await createFleetReporter({ ...options, command: spec.command });
      return reporter;
    },
    async work(session) {
      keepTheHeapSmall();
      const { emit } = session;
      const warn = (message: string): void => emit({ type: "warning", message });
      selection = toSelectionOptions(flags);
      const plan = await spec.prepare(session);
      const keyList =
        selection.keysFrom === undefined
          ? undefined
          : await readKeyList(selection.keysFrom, inputsOf(io, plan.timeoutMs));
      const book = createQuotaBook({
        overrides: { ...plan.connection.quotas, ...plan.quotas },
        inFlight: plan.inFlight,
        maxInFlight: MAX_IN_FLIGHT,
      });
      const deadline = deadlineOf(io, plan.timeoutMs);
      const kms = await connect(plan.connection, emit, { deadline }, book);
      // Keys named without an ARN, and --all-primaries without --region: AWS_REGION or the profile's.
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
            ).regionFromEnvironment(plan.connection.profile, io.env)
          : undefined);
      if (selection.allPrimaries && defaultRegion === undefined) {
        throw usageError(
          "--all-primaries needs the Region(s) to look in: --region (repeatable), AWS_REGION or a profile's region.",
        );
      }
      const regions =
        selection.regions.length > 0 || defaultRegion === undefined ? selection.regions : [defaultRegion];
      selection = { ...selection, regions: selection.allPrimaries ? regions : selection.regions };
      const chosen: SelectionOptions = selection;
      checkSelectionPlaces(chosen, keyList, defaultRegion, plan.connection.unknownRegions, warn);
      const selecting = {
        kms,
        signal: io.signal,
        keyList,
        defaultRegion,
        accept: plan.accept,
        movedTo: plan.movedTo,
        warn,
      };
      const quotas = Object.fromEntries(
        (["ReplicateKey", "CreateKey", "UpdatePrimaryRegion"] as const).map((name) => [
          name,
          book.rateOf(name),
        ]),
      );
      const announce = (count: number, streaming: boolean): void =>
        emit({
          type: "fleet",
          command: spec.command,
          keys: count,
          selecting: streaming,
          dryRun: spec.dryRun,
          selection: { ...chosen, keys: chosen.keys.map((k) => k.value) },
          quotas,
        });
      // With --all-primaries, keys start as the selection finds them: each is checked on its own
      // (a key the flags do not fit fails alone), its warnings said once.
      const said = new Set<string>();
      const sayOnce = (message: string): void => {
        if (said.has(message)) return;
        said.add(message);
        warn(message);
      };
      const run = async (key: SelectedKey, waiting: () => void, streaming: boolean): Promise<KeyRun<R>> => {
        started.add(key.rank);
        if (key.failure !== undefined) return { key, failure: key.failure, exitCode: EXIT.failed };
        const keyEmit: Emit = (event) =>
          emit(
            event.type === "warning"
              ? { ...event, message: `${key.primary.keyId}: ${event.message}` }
              : event,
          );
        try {
          if (streaming) plan.check?.([key], sayOnce);
          const result = await plan.runKey(key, {
            kms,
            emit: keyEmit,
            // Each key listens on its own signal, derived from the run's (Ctrl-C reaches it):
            // hundreds of keys at once do not pile abort listeners on one signal.
            signal: AbortSignal.any([io.signal]),
            startedAt: io.startedAt,
            deadline,
            waiting,
          });
          return {
            key,
            result,
            exitCode: spec.exitCode(result, io.signal.aborted ? stopOf(io.signal) : undefined),
          };
        } catch (error) {
          const { failure, exitCode } = runEndingError(error, io.signal, key.given);
          return { key, failure, exitCode };
        }
      };
      const options = {
        book,
        signal: io.signal,
        deadline,
        settled: (rank: number, done: KeyRun<R>) => {
          settled.set(rank, done);
          reporter?.key(reportOf(done));
        },
        notStarted: (key: SelectedKey): KeyRun<R> =>
          io.signal.aborted ? interruptedRun(key, stopOf(io.signal), false) : lateRun(key),
      };
      if (!selection.allPrimaries) {
        const picked = await selectKeys(selection, selecting);
        keys = picked.keys;
        stats = picked.stats;
        if (keys.length === 0) throw emptySelection(selection, stats);
        plan.check?.(keys, warn);
        announce(keys.length, false);
        const order = keyQueue();
        for (const key of keys) order.push(key);
        order.end();
        const runs = await runKeys<KeyRun<R>>(order, {
          ...options,
          run: (key, waiting) => run(key, waiting, false),
        });
        return { selection, stats, runs };
      }
      const found = keyQueue();
      const list: SelectedKey[] = [];
      keys = list;
      announce(0, true);
      /** Why the selection stopped before it had read every key (a signal, or a failure). */
      let stopped: Error | undefined;
      const streamed = streamPrimaries(selection, selecting, (key) => {
        list.push(key);
        found.push(key);
      }).then(
        (done) => {
          stats = done;
        },
        (error: unknown) => {
          // What the adapter throws is an Error (ReplicateError, the SDK's, an AbortError).
          stopped = error as Error;
        },
      );
      void streamed.finally(() => found.end());
      const runs = await runKeys<KeyRun<R>>(found, {
        ...options,
        run: (key, waiting) => run(key, waiting, true),
      });
      await streamed;
      // Stopped before any key was found: as a run stopped before its work (130, or the failure).
      if (stopped !== undefined && runs.length === 0) throw stopped;
      if (stopped !== undefined && !io.signal.aborted) {
        // The selection ended early: what it found was worked on; the run still fails with why.
        warn(
          `The selection stopped early (${describeError(stopped, { operation: "ListKeys", region: selection.regions.join(", "), keyId: "*" }).message}); only the keys found before were worked on.`,
        );
      }
      stats ??= { listed: 0, multiRegion: 0, candidates: list.length, selected: list.length };
      if (runs.length === 0 && !io.signal.aborted) throw emptySelection(selection, stats);
      announce(runs.length, false);
      return {
        selection,
        stats,
        runs,
        ...(stopped !== undefined && !io.signal.aborted ? { incomplete: true } : {}),
      };
    },
    exitCode: (result, stop) =>
      fleetExitCode(
        [...result.runs.map((r) => r.exitCode), ...(result.incomplete === true ? [EXIT.failed] : [])],
        stop?.exitCode ?? EXIT.interrupted,
      ),
    document: ({ exitCode, result, failure, warnings, elapsedMs }) =>
      fleetDocument({
        command: spec.command,
        exitCode,
        dryRun: spec.dryRun,
        to: spec.to,
        selection: result?.selection ?? selection,
        stats: result?.stats ?? stats,
        keys: (result?.runs ?? []).map(reportOf).map((r) => r.entry),
        error: failure,
        warnings,
        elapsedMs,
      }),
    partial: () =>
      selection === undefined || stats === undefined
        ? undefined
        : {
            selection,
            stats,
            runs: [...keys]
              .sort((x, y) => x.rank - y.rank)
              .map(
                (key) =>
                  settled.get(key.rank) ?? interruptedRun(key, stopOf(io.signal), started.has(key.rank)),
              ),
          },
    stoppedLine: (stop, result) => {
      const open = result.runs.filter((r) => r.failure?.name === "Interrupted").length;
      return `Stopped by a second ${stop.signalName}: ${open} of ${result.runs.length} keys had not settled (listed as interrupted).`;
    },
    finish(session, result, elapsedMs) {
      if (result !== undefined) spec.output?.(session, result.runs);
      reporter?.finishFleet(result === undefined ? [] : result.runs.map(reportOf), elapsedMs);
    },
  };
}

/**
 * Runs every key of `source`, in the order it gives them (keyQueue's, as a selection finds them):
 * at most KEYS_AT_WORK at work (a key that only waits no longer counts), and a new key only while
 * the quota queue holds fewer than QUEUE_TARGET calls, so that every quota with work stays busy
 * without a queue of thousands. Keys not started when the run is stopped, or after the
 * deadline, are `notStarted`. Results in the order of the keys' ranks (the selection's); nothing of
 * a settled key is kept but its result.
 */
export async function runKeys<T>(
  source: Iterable<SelectedKey> | AsyncIterable<SelectedKey>,
  options: {
    readonly book: QuotaBook;
    readonly signal: AbortSignal;
    /** performance.now() after which no key starts (--timeout): the rest are `notStarted`. */
    readonly deadline?: number;
    readonly atWork?: number;
    readonly queueTarget?: number;
    run(key: SelectedKey, waiting: () => void): Promise<T>;
    settled(rank: number, result: T): void;
    notStarted(key: SelectedKey): T;
  },
): Promise<T[]> {
  const atWork = options.atWork ?? KEYS_AT_WORK;
  const queueTarget = options.queueTarget ?? QUEUE_TARGET;
  const results = new Map<number, T>();
  const settle = (key: SelectedKey, result: T): void => {
    results.set(key.rank, result);
    options.settled(key.rank, result);
  };
  let busy = 0;
  let freed: (() => void) | undefined;
  const running = new Set<Promise<void>>();
  const over = (): boolean =>
    options.signal.aborted || performance.now() >= (options.deadline ?? Number.POSITIVE_INFINITY);
  for await (const key of source) {
    if (over()) {
      settle(key, options.notStarted(key));
      continue;
    }
    while (busy >= atWork && !options.signal.aborted) {
      await new Promise<void>((resolve) => (freed = resolve));
    }
    await options.book.whenWaitingBelow(queueTarget, options.signal).catch(() => undefined);
    if (over()) {
      settle(key, options.notStarted(key));
      continue;
    }
    busy += 1;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      busy -= 1;
      const wake = freed;
      freed = undefined;
      wake?.();
    };
    const task = options
      .run(key, release)
      .then((result) => settle(key, result))
      .finally(() => {
        release();
        running.delete(task);
      });
    running.add(task);
    // Let this key's first calls reach the quota queue before the next key is considered.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(running);
  return [...results].sort(([a], [b]) => a - b).map(([, result]) => result);
}

/**
 * Keys as a selection finds them, for runKeys to take: one of each primary Region in turn among the
 * keys waiting (each Region's in the order found). Every primary Region has its own ReplicateKey
 * quota, while the replica Regions' CreateKey quotas are shared; first come first served there would
 * otherwise hand their windows to the Region whose keys were found first (the fastest to answer),
 * and leave the other primaries' quotas idle until its keys are done (measured: 10 s of sending
 * instead of 8 for 4 × 50 keys).
 */
export function keyQueue(): AsyncIterable<SelectedKey> & {
  push(key: SelectedKey): void;
  end(): void;
} {
  const byRegion = new Map<string, SelectedKey[]>();
  let turn = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const next = wake;
    wake = undefined;
    next?.();
  };
  const next = (): SelectedKey | undefined => {
    const lists = [...byRegion.values()];
    for (let i = 0; i < lists.length; i += 1) {
      const key = lists[(turn + i) % lists.length]?.shift();
      if (key !== undefined) {
        turn = (turn + i + 1) % lists.length;
        return key;
      }
    }
    return undefined;
  };
  return {
    push(key) {
      const list = byRegion.get(key.primary.region) ?? [];
      list.push(key);
      byRegion.set(key.primary.region, list);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const key = next();
        if (key !== undefined) yield key;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
