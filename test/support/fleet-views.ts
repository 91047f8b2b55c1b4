// Settled keys of a fleet as the fleet's renderers get them: each made by its command's own
// render (work.render.view), from the same results the command's run returns.
import type { ErrorReport, ExitCode } from "../../src/core/errors.js";
import { EXIT } from "../../src/core/errors.js";
import type { PrimaryKey, RegionResult, WorkResult } from "../../src/core/events.js";
import type { SelectedKey } from "../../src/core/selection.js";
import type { KeyRun } from "../../src/commands/contract.js";
import type { FamilyRow } from "../../src/commands/status/table.js";
import type { PromoteReport } from "../../src/commands/promote/json.js";
import { work as promote } from "../../src/commands/promote/run.js";
import { work as replicate } from "../../src/commands/replicate/run.js";
import { work as status } from "../../src/commands/status/run.js";
import { work as sync } from "../../src/commands/sync/run.js";
import { work as wait } from "../../src/commands/wait/run.js";
import type { FleetKey } from "../../src/report/fleet-key.js";
import { PRIMARY } from "./fixtures.js";

export { promote, replicate, status, sync, wait };

/** The test's key i: PRIMARY with its own key ID. */
export const keyId = (i: number): string => `mrk-${String(i).padStart(32, "0")}`;
export const primaryOf = (i: number): PrimaryKey => ({
  ...PRIMARY,
  keyId: keyId(i),
  arn: PRIMARY.arn.replace(PRIMARY.keyId, keyId(i)),
});

export const selected = (primary: PrimaryKey = PRIMARY, rank = 0): SelectedKey => ({
  given: primary.arn,
  primary,
  rank,
});

function run<R>(
  primary: PrimaryKey,
  result: R | undefined,
  exitCode: ExitCode,
  failure?: ErrorReport,
): KeyRun<R> {
  return {
    key: selected(primary),
    exitCode,
    ...(result !== undefined ? { result } : {}),
    ...(failure !== undefined ? { failure } : {}),
  };
}

/** A replicate (or wait) key that settled with `results`. */
export function regionKey(
  primary: PrimaryKey,
  results: readonly RegionResult[],
  exitCode: ExitCode = EXIT.ok,
  command: typeof replicate | typeof wait = replicate,
): FleetKey {
  return command.render.view(run(primary, { primary, results }, exitCode), undefined);
}

/** A key whose work ended before it had a result (the key could not be read, a signal, …). */
export function failedKey(
  primary: PrimaryKey,
  failure: ErrorReport,
  exitCode: ExitCode = EXIT.failed,
  command: typeof replicate | typeof wait | typeof status = replicate,
): FleetKey {
  const settled = run<never>(primary, undefined, exitCode, failure);
  return command === status
    ? status.render.view(settled, undefined)
    : command.render.view(settled, undefined);
}

export function syncKey(primary: PrimaryKey, results: WorkResult[], exitCode: ExitCode = EXIT.ok): FleetKey {
  return sync.render.view(run(primary, results, exitCode), undefined);
}

export function promoteKey(primary: PrimaryKey, report: PromoteReport, exitCode: ExitCode): FleetKey {
  return promote.render.view(run(primary, report, exitCode), undefined);
}

export function statusKey(primary: PrimaryKey, rows: FamilyRow[], exitCode: ExitCode): FleetKey {
  return status.render.view(run(primary, rows, exitCode), undefined);
}
