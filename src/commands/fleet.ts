// What every command does over a selection of keys (a fleet): the selection (src/selection.ts),
// then each key's own work, the same as the command's for one key, with a bounded number of keys
// at work at once and one AWS adapter for all, so that every call of every key draws on the same
// request quotas (src/quotas.ts: per operation and Region, first come first served among the calls
// that fit). A key that fails is a result, not the end of the run; the JSON document is version 2.
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { EXIT, isReplicateError, usageError, type ExitCode, type ReportedError } from "../errors.js";
import type { Emit } from "../events.js";
import type { KmsPort } from "../kms.js";
import type { ConnectionOptions, RawCommonFlags } from "../options.js";
import type { DescribeOptions } from "../plan.js";
import type { QuotaBook, QuotaOverrides } from "../quotas.js";
import type { KmsReplicateDocument } from "../report/document.js";
import {
  entryOf,
  fleetDocument,
  fleetExitCode,
  type FleetCommand,
  type FleetKeyJson,
  type FleetKeyReport,
} from "../report/fleet.js";
import { createFleetReporter, type FleetReporter } from "../report/fleet-live.js";
import { connect, runEndingError, type Command, type Io, type Session } from "../runner.js";
import { createQuotaBook } from "../quotas.js";
import {
  checkSelectionRegions,
  emptySelection,
  parseKeyList,
  selectKeys,
  type SelectedKey,
  type SelectionOptions,
  type SelectionStats,
} from "../selection.js";
import { stopOf, type Stop } from "../signals.js";
import { parseKeyRef, regionOfKeyRef } from "../keys.js";

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
  /** performance.now() after which waits stop (--timeout, from the start of the run). */
  readonly deadline: number;
  /**
   * The key has sent what it had to send and only waits now (replicas Creating): the next key may
   * start. Called at most once matters; later calls are ignored. A key that never calls it frees
   * its place when it ends.
   */
  readonly waiting: () => void;
}

/** A command's work over a fleet, as the command defines it for one key. */
export interface FleetPlan {
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
  runKey(key: SelectedKey, ctx: KeyContext): Promise<unknown>;
}

/** A command over a fleet: its name, and how one key's result is judged and documented (version 1). */
export interface FleetSpec<R> {
  readonly command: FleetCommand;
  readonly dryRun: boolean;
  /** promote's --to, for the document. */
  readonly to?: string;
  /** Once, before any call: the command's flags, its warnings, its plan for every key. */
  prepare(session: Session): Promise<FleetPlan>;
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

  /** Keys whose work began (by index): a second signal reports the others as not started. */
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
      const { emit } = session;
      const warn = (message: string): void => emit({ type: "warning", message });
      selection = toSelectionOptions(flags);
      const plan = await spec.prepare(session);
      const keyList =
        selection.keysFrom === undefined
          ? undefined
          : parseKeyList(await readKeyList(selection.keysFrom, io), selection.keysFrom);
      const book = createQuotaBook({
        overrides: { ...plan.connection.quotas, ...plan.quotas },
        inFlight: plan.inFlight,
      });
      const kms = await connect(plan.connection, emit, {}, book);
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
          ? await (await import("../kms.js")).regionFromEnvironment(plan.connection.profile, io.env)
          : undefined);
      if (selection.allPrimaries && defaultRegion === undefined) {
        throw usageError(
          "--all-primaries needs the Region(s) to look in: --region (repeatable), AWS_REGION or a profile's region.",
        );
      }
      const regions =
        selection.regions.length > 0 || defaultRegion === undefined ? selection.regions : [defaultRegion];
      selection = { ...selection, regions: selection.allPrimaries ? regions : selection.regions };
      const picked = await selectKeys(selection, {
        kms,
        signal: io.signal,
        keyList,
        defaultRegion,
        accept: plan.accept,
        movedTo: plan.movedTo,
        warn,
      });
      keys = picked.keys;
      stats = picked.stats;
      if (keys.length === 0) throw emptySelection(selection, stats);
      plan.check?.(keys, warn);
      emit({
        type: "fleet",
        command: spec.command,
        keys: keys.length,
        dryRun: spec.dryRun,
        selection: { ...selection, keys: selection.keys.map((k) => k.value) },
        quotas: Object.fromEntries(
          (["ReplicateKey", "CreateKey", "UpdatePrimaryRegion"] as const).map((name) => [
            name,
            book.rateOf(name),
          ]),
        ),
      });
      const deadline = performance.now() + (plan.timeoutMs ?? Number.POSITIVE_INFINITY);
      const runs = await runKeys<KeyRun<R>>(keys, {
        book,
        signal: io.signal,
        deadline,
        run: async (key, waiting, index): Promise<KeyRun<R>> => {
          started.add(index);
          const keyEmit: Emit = (event) =>
            emit(
              event.type === "warning"
                ? { ...event, message: `${key.primary.keyId}: ${event.message}` }
                : event,
            );
          try {
            const result = (await plan.runKey(key, {
              kms,
              emit: keyEmit,
              // Each key listens on its own signal, derived from the run's (Ctrl-C reaches it):
              // hundreds of keys at once do not pile abort listeners on one signal.
              signal: AbortSignal.any([io.signal]),
              startedAt: io.startedAt,
              deadline,
              waiting,
            })) as R;
            return {
              key,
              result,
              exitCode: spec.exitCode(result, io.signal.aborted ? stopOf(io.signal) : undefined),
            };
          } catch (error) {
            const { failure, exitCode } = runEndingError(error, io.signal, key.given);
            return { key, failure, exitCode };
          }
        },
        settled: (index, run) => {
          settled.set(index, run);
          reporter?.key(reportOf(run));
        },
        notStarted: (key) =>
          io.signal.aborted ? interruptedRun(key, stopOf(io.signal), false) : lateRun(key),
      });
      return { selection, stats, runs };
    },
    exitCode: (result, stop) =>
      fleetExitCode(
        result.runs.map((r) => r.exitCode),
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
            runs: keys.map(
              (key, i) => settled.get(i) ?? interruptedRun(key, stopOf(io.signal), started.has(i)),
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
 * The order keys start in: one of each primary Region in turn (round-robin), each Region's keys in
 * the order given. Every primary Region has its own ReplicateKey quota, and first come first served
 * on the replica Regions' shared CreateKey quota would otherwise hand each of their windows to the
 * first primary Region's keys, leaving the other primaries' quotas idle until the first is done
 * (measured: 10 s of sending instead of 8 for 4 × 50 keys).
 */
export function startOrder(keys: readonly SelectedKey[]): number[] {
  const byRegion = new Map<string, number[]>();
  keys.forEach((key, index) => {
    const list = byRegion.get(key.primary.region) ?? [];
    list.push(index);
    byRegion.set(key.primary.region, list);
  });
  const lists = [...byRegion.values()];
  const order: number[] = [];
  for (let i = 0; order.length < keys.length; i += 1) {
    for (const list of lists) {
      const index = list[i];
      if (index !== undefined) order.push(index);
    }
  }
  return order;
}

/**
 * Runs every key (in startOrder): at most KEYS_AT_WORK at work (a key that only waits no longer counts), and a new
 * key only while the quota queue holds fewer than QUEUE_TARGET calls, so that every quota with
 * work stays busy without a queue of thousands. Keys not started when the run is stopped are
 * `notStarted`. Results in the order of `keys` (the selection's); nothing of a settled key is
 * kept but its result.
 */
export async function runKeys<T>(
  keys: readonly SelectedKey[],
  options: {
    readonly book: QuotaBook;
    readonly signal: AbortSignal;
    /** performance.now() after which no key starts (--timeout): the rest are `notStarted`. */
    readonly deadline?: number;
    readonly atWork?: number;
    readonly queueTarget?: number;
    run(key: SelectedKey, waiting: () => void, index: number): Promise<T>;
    settled(index: number, result: T): void;
    notStarted(key: SelectedKey): T;
  },
): Promise<T[]> {
  const atWork = options.atWork ?? KEYS_AT_WORK;
  const queueTarget = options.queueTarget ?? QUEUE_TARGET;
  const results: T[] = new Array<T>(keys.length);
  let busy = 0;
  let freed: (() => void) | undefined;
  const running = new Set<Promise<void>>();
  const over = (): boolean =>
    options.signal.aborted || performance.now() >= (options.deadline ?? Number.POSITIVE_INFINITY);
  for (const index of startOrder(keys)) {
    const key = keys[index];
    if (key === undefined) continue;
    if (over()) {
      results[index] = options.notStarted(key);
      options.settled(index, results[index]);
      continue;
    }
    while (busy >= atWork && !options.signal.aborted) {
      await new Promise<void>((resolve) => (freed = resolve));
    }
    await options.book.whenWaitingBelow(queueTarget, options.signal).catch(() => undefined);
    if (over()) {
      results[index] = options.notStarted(key);
      options.settled(index, results[index]);
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
      .run(key, release, index)
      .then((result) => {
        results[index] = result;
        options.settled(index, result);
      })
      .finally(() => {
        release();
        running.delete(task);
      });
    running.add(task);
    // Let this key's first calls reach the quota queue before the next key is considered.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(running);
  return results;
}

/** A key list is at most this long (about 400,000 key ARNs): anything longer is not a key list. */
const KEY_LIST_MAX_BYTES = 64 * 2 ** 20;

/** The key list of --keys-from: a file, or stdin (`-`). */
async function readKeyList(source: string, io: Io): Promise<string> {
  const tooLong = (): never => {
    throw usageError(
      `--keys-from ${source} is more than ${KEY_LIST_MAX_BYTES} bytes; that is not a key list.`,
    );
  };
  try {
    if (source === "-") {
      if (process.stdin.isTTY) {
        throw usageError(
          "--keys-from -: stdin is a terminal.",
          "Pipe the list in (… | kms-replicate --keys-from -) or give a file.",
        );
      }
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of process.stdin) {
        length += (chunk as Buffer).length;
        if (length > KEY_LIST_MAX_BYTES) tooLong();
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks).toString("utf8");
    }
    const path = resolve(io.cwd, source);
    if ((await stat(path)).size > KEY_LIST_MAX_BYTES) tooLong();
    return await readFile(path, "utf8");
  } catch (error) {
    if (isReplicateError(error)) throw error;
    throw usageError(
      `--keys-from ${source}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
    );
  }
}
