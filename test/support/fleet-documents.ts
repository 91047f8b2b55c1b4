// What a fleet's version-2 document is made of, as the fleet runner makes it (src/cli/fleet.ts
// fleetDocumentOf): each key's version-1 document from its command's own render, without the
// envelope, its outcome from the command's view of the key, and the command's own totals.
import type { CommandWork, KeyRun } from "../../src/commands/contract.js";
import type { ErrorReport, ExitCode } from "../../src/core/errors.js";
import type { PrimaryKey } from "../../src/core/events.js";
import type { SelectedKey } from "../../src/core/selection.js";
import { entryOf, type KeyEntry } from "../../src/report/fleet.js";
import type { KeyOutcome } from "../../src/report/outcomes.js";
import { PRIMARY } from "./fixtures.js";

/** A selected key: `given` as the user named it, PRIMARY (or `primary`) as its family's primary. */
export const selectedKey = (given: string, primary: PrimaryKey = PRIMARY, rank = 0): SelectedKey => ({
  given,
  primary,
  rank,
});

/** One key's settled work: its result (undefined: it ended with `failure` before it had one). */
export function keyRun<R>(
  given: string,
  exitCode: ExitCode,
  result: R | undefined,
  failure?: ErrorReport,
  primary: PrimaryKey = PRIMARY,
): KeyRun<R> {
  return {
    key: selectedKey(given, primary),
    exitCode,
    ...(result !== undefined ? { result } : {}),
    ...(failure !== undefined ? { failure } : {}),
  };
}

/** The fields of fleetDocument's input that come from the command: its head, entries, outcomes, totals. */
export interface FleetParts {
  readonly head?: Readonly<Record<string, unknown>>;
  readonly keys: readonly (object & KeyEntry)[];
  readonly outcomes: readonly KeyOutcome[];
  readonly totals: Readonly<Record<string, unknown>>;
}

/** The command's part of a fleet document, from its render, over `runs` (in the selection's order). */
export function fleetParts<O, R, D extends object>(
  work: Pick<CommandWork<O, R, D>, "render">,
  options: O | undefined,
  runs: readonly KeyRun<R>[],
  dryRun = false,
): FleetParts {
  const { render } = work;
  const documents = runs.map((run) =>
    render.document({ ...run, failure: run.failure ?? null, options, dryRun, warnings: [], elapsedMs: 0 }),
  );
  return {
    head: render.fleetHead?.(options),
    keys: documents.map((document, i) => entryOf(runs[i]?.key.given ?? "", document)),
    outcomes: runs.map((run) => render.view(run, options).outcome),
    totals: render.totals(documents),
  };
}
