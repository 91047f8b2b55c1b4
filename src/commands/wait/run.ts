// `wait`: follow existing replicas (all, or the named Regions) until they leave Creating; for one
// key, or for each key of a selection (a fleet).
import { EXIT, usageError, type ExitCode } from "../../core/errors.js";
import type { PrimaryKey, RegionResult } from "../../core/events.js";
import { toConnectionOptions, toWaitChoices, toWaitOptions, type RawWaitFlags } from "../../core/options.js";
import { describePrimary, primaryPlaceOf } from "../../core/plan.js";
import { runJson } from "../../report/json.js";
import { connect, deadlineOf, primaryRegionOf, runCommand, type Io } from "../../cli/runner.js";
import { requireSelectTags } from "../../core/selection.js";
import { fleetCommand, fleetRequested, type FleetSpec } from "../../cli/fleet.js";
import {
  existingReplicas,
  exitCodeFor,
  followReplicas,
  namedRegions,
  regionCommand,
} from "../shared/regions.js";

const CREATE_THEM = "Create them with kms-replicate --regions.";

export function runWait(flags: RawWaitFlags, io: Io): Promise<ExitCode> {
  if (fleetRequested(flags)) return runCommand(fleetCommand(waitFleet(flags), flags, io), flags, io);
  const command = regionCommand("wait", false, async ({ emit }, setPrimary) => {
    const options = toWaitOptions(flags);
    const warn = (message: string): void => emit({ type: "warning", message });
    const region = await primaryRegionOf(options, io, warn);
    const regions = namedRegions(
      options.regions,
      primaryPlaceOf(options.key, region),
      options.unknownRegions,
      warn,
    );
    const deadline = deadlineOf(io, options.timeoutMs);
    const kms = await connect(options, emit, { deadline });
    // Waiting only reads: any account allowed to describe the key may wait for it.
    const primary = await describePrimary(kms, options.key, region, io.signal, { sameAccount: false });
    await requireSelectTags(kms, primary, flags.selectTag ?? [], io.signal);
    setPrimary(primary);
    const units = existingReplicas(primary, regions, CREATE_THEM);
    emit({ type: "plan", primary, regions: units.map((u) => u.region), waitOnly: true });
    return followReplicas(units, {
      kms,
      emit,
      signal: io.signal,
      startedAt: io.startedAt,
      deadline,
    });
  });
  return runCommand(command, flags, io);
}

/** `wait` over a selection of keys: every key must hold a replica in each named Region. */
function waitFleet(
  flags: RawWaitFlags,
): FleetSpec<{ readonly primary: PrimaryKey; readonly results: RegionResult[] }> {
  return {
    command: "wait",
    dryRun: false,
    prepare({ emit }) {
      const choices = toWaitChoices(flags);
      const connection = toConnectionOptions(flags);
      const regions = namedRegions(
        choices.regions,
        { region: "", partition: undefined },
        connection.unknownRegions,
        (message) => emit({ type: "warning", message }),
      );
      return Promise.resolve({
        connection,
        timeoutMs: choices.timeoutMs,
        accept: { sameAccount: false },
        check(keys) {
          const problems = keys.flatMap((key) => {
            const has = new Set(key.primary.replicas.map((r) => r.region));
            const missing = regions.filter((r) => !has.has(r));
            return missing.length === 0 ? [] : [`  ${key.given}: no replica in ${missing.join(", ")}`];
          });
          if (problems.length > 0) {
            throw usageError(
              `${problems.length === 1 ? "1 key has" : `${problems.length} keys have`} no replica to wait for in a named Region; nothing was waited for:\n${problems.join("\n")}`,
              CREATE_THEM,
            );
          }
        },
        async runKey(key, ctx) {
          // Waiting is all this key does: the next key may start at once.
          ctx.waiting();
          const units = existingReplicas(key.primary, regions, CREATE_THEM);
          ctx.emit({
            type: "plan",
            primary: key.primary,
            regions: units.map((u) => u.region),
            waitOnly: true,
          });
          const results = await followReplicas(units, ctx);
          return { primary: key.primary, results };
        },
      });
    },
    exitCode: (result, stop) => exitCodeFor(result.results, stop?.exitCode ?? EXIT.interrupted),
    document: ({ key, exitCode, result, failure }) =>
      runJson({
        command: "wait",
        exitCode,
        dryRun: false,
        primary: result?.primary ?? key.primary,
        results: result?.results ?? [],
        error: failure,
        warnings: [],
        elapsedMs: 0,
      }),
  };
}
