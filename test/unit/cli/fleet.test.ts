// What a run over a selection of keys reports (src/cli/fleet.ts): what a second signal finds, the
// run's exit code from its keys', and the version-2 document built from each key's own document.
// The selection and the keys' turns are test/unit/cli/globals.test.ts's and schedule.test.ts's.
import { describe, expect, it } from "vitest";
import {
  fleetDocumentOf,
  fleetExitCodeOf,
  fleetPartial,
  type FleetOutcome,
  type FleetState,
} from "../../../src/cli/fleet.js";
import type { KeyRun, Loaded } from "../../../src/commands/contract.js";
import { sync } from "../../../src/commands/sync/index.js";
import { EXIT } from "../../../src/core/errors.js";
import type { WorkResult } from "../../../src/core/events.js";
import type { SelectedKey, SelectionOptions } from "../../../src/core/selection.js";
import { Stop } from "../../../src/core/stop.js";
import { PRIMARY, arnIn } from "../../support/fixtures.js";
import { schemaErrors } from "../../support/schema.js";

const key = (n: number): SelectedKey => ({
  given: `key-${n}`,
  rank: n,
  primary: { ...PRIMARY, keyId: `mrk-${n}`, arn: `${PRIMARY.arn}-${n}` },
});

const SELECTION: SelectionOptions = {
  keys: [],
  allPrimaries: true,
  regions: ["us-east-1"],
  selectTags: [],
};
const STATS = { listed: 4, multiRegion: 3, candidates: 3, selected: 3 };

const done = (region: string): WorkResult => ({
  keyId: "mrk-0",
  region,
  arn: arnIn(region),
  keyState: "Enabled",
  changes: [{ op: "description", from: "a", to: "b" }],
  elapsedMs: 10,
  outcome: "done",
});

function stateOf(keys: readonly SelectedKey[], more: Partial<FleetState> = {}): FleetState {
  return {
    selection: SELECTION,
    stats: STATS,
    keys,
    settled: new Map(),
    started: new Map(),
    ...more,
  };
}

describe("fleetPartial: what a second signal reports", () => {
  it("knows nothing before the selection has found a key", () => {
    expect(fleetPartial({}, new Stop("SIGINT"), performance.now())).toBeUndefined();
    expect(
      fleetPartial({ state: stateOf([], { stats: undefined }) }, new Stop("SIGINT"), performance.now()),
    ).toBeUndefined();
  });

  it("every key in rank order: settled as it is, in flight with what its work knows, the others interrupted", () => {
    // GIVEN four keys: 0 settled, 1 in flight and knowing, 2 started (knowing nothing yet), 3 not started
    const settled: KeyRun<unknown> = { key: key(0), result: [done("eu-west-1")], exitCode: EXIT.ok };
    const state = stateOf([key(3), key(1), key(0), key(2)]);
    state.settled.set(0, settled);
    state.started.set(1, (elapsedMs) => ({ knownAt: Math.round(elapsedMs) > -1 }));
    state.started.set(2, undefined);
    // WHEN
    const partial = fleetPartial({ state }, new Stop("SIGTERM"), performance.now());
    // THEN
    expect(partial?.selection).toBe(SELECTION);
    expect(partial?.stats).toBe(STATS);
    const runs = partial?.runs ?? [];
    expect(runs.map((r) => r.key.rank)).toEqual([0, 1, 2, 3]);
    expect(runs[0]).toBe(settled);
    expect(runs[1]).toEqual({ key: key(1), result: { knownAt: true }, exitCode: EXIT.terminated });
    expect(runs[2]?.failure?.name).toBe("Interrupted");
    expect(runs[2]?.failure?.message).toMatch(/^Stopped by a second SIGTERM while this key was worked on/);
    expect(runs[3]?.failure?.message).toMatch(
      /^Stopped by SIGTERM before this key was started; nothing was changed on it/,
    );
    expect(runs.slice(1).map((r) => r.exitCode)).toEqual([143, 143, 143]);
  });
});

describe("fleetExitCodeOf", () => {
  const outcome = (codes: number[], incomplete?: boolean): FleetOutcome => ({
    selection: SELECTION,
    stats: STATS,
    runs: codes.map((exitCode, i) => ({ key: key(i), exitCode: exitCode as KeyRun<unknown>["exitCode"] })),
    ...(incomplete !== undefined ? { incomplete } : {}),
  });

  it.each<[number[], number]>([
    [[0, 0], 0],
    [[0, 4], 4],
    [[0, 3, 4], 3],
    [[2, 3], 1],
    [[1, 130], 130],
  ])("keys %j → %i", (codes, code) => {
    expect(fleetExitCodeOf(outcome(codes), undefined)).toBe(code);
  });

  it("a key interrupted: the stop signal's code", () => {
    expect(fleetExitCodeOf(outcome([0, 143]), new Stop("SIGTERM"))).toBe(143);
  });

  it("a selection that stopped early fails the run, whatever its keys did", () => {
    expect(fleetExitCodeOf(outcome([0, 0], true), undefined)).toBe(EXIT.failed);
  });
});

describe("fleetDocumentOf", () => {
  const load = async (): Promise<Loaded> => ({ ...sync, ...(await sync.load()) });

  it("version 2: each key's own document without the envelope, the totals, valid by the schema", async () => {
    // GIVEN a sync over two keys: one done, one failed before it had a result
    const module = await load();
    const runs: KeyRun<unknown>[] = [
      { key: key(0), result: [done("eu-west-1")], exitCode: EXIT.ok },
      { key: key(1), failure: { name: "AccessDeniedException", message: "denied" }, exitCode: EXIT.failed },
    ];
    // WHEN
    const doc = fleetDocumentOf(module, {
      exitCode: EXIT.failed,
      failure: null,
      outcome: { selection: SELECTION, stats: STATS, runs },
      tracker: {},
      options: undefined,
      warnings: ["w"],
      elapsedMs: 1234.5,
      dryRun: false,
    }) as Record<string, unknown> & { keys: Record<string, unknown>[]; totals: Record<string, unknown> };
    // THEN
    expect(doc).toMatchObject({
      version: 2,
      command: "sync",
      ok: false,
      exitCode: 1,
      dryRun: false,
      selection: { allPrimaries: true, regions: ["us-east-1"], keysFrom: null },
      error: null,
      warnings: ["w"],
      elapsedMs: 1235,
    });
    expect(doc.keys.map((k) => [k.key, k.exitCode])).toEqual([
      ["key-0", 0],
      ["key-1", 1],
    ]);
    expect(doc.keys[0]).not.toHaveProperty("version");
    expect(doc.keys[0]).not.toHaveProperty("command");
    expect(doc.keys[1]?.error).toEqual({ name: "AccessDeniedException", message: "denied" });
    expect(doc.totals.keys).toMatchObject({ ok: 1, failed: 1 });
    expect(schemaErrors(JSON.parse(JSON.stringify(doc)))).toEqual([]);
  });

  it("a run that failed before its keys: what the selection knew, no key, the error", async () => {
    const module = await load();
    const doc = fleetDocumentOf(module, {
      exitCode: EXIT.usage,
      failure: { name: "UsageError", message: "no key matched" },
      outcome: undefined,
      tracker: { state: stateOf([]) },
      options: undefined,
      warnings: [],
      elapsedMs: 3,
      dryRun: true,
    }) as Record<string, unknown>;
    expect(doc).toMatchObject({
      version: 2,
      exitCode: 2,
      dryRun: true,
      keys: [],
      error: { name: "UsageError", message: "no key matched" },
      selection: { regions: ["us-east-1"] },
    });
    expect(schemaErrors(JSON.parse(JSON.stringify(doc)))).toEqual([]);
  });
});
