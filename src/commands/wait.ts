// `wait`: follow existing replicas (all, or the named Regions) until they leave Creating.
import { waitStep } from "../engine/wait.js";
import { runUnits } from "../engine/work.js";
import { usageError, type ExitCode } from "../errors.js";
import { toWaitOptions, type RawWaitFlags } from "../options.js";
import { describePrimary, invalidRegionsError, primaryPlaceOf } from "../plan.js";
import { checkRegions } from "../regions.js";
import { connect, primaryRegionOf, runCommand, type Io } from "../runner.js";
import { regionCommand, regionResultOf } from "./regions.js";

export function runWait(flags: RawWaitFlags, io: Io): Promise<ExitCode> {
  const command = regionCommand("wait", false, async ({ emit }, setPrimary) => {
    const options = toWaitOptions(flags);
    const region = await primaryRegionOf(options, io);
    let regions: readonly string[] = [];
    if (options.regions.length > 0) {
      const check = checkRegions(options.regions, primaryPlaceOf(options.key, region), { strict: false });
      if (check.problems.length > 0) throw invalidRegionsError(check.problems);
      regions = check.regions;
    }
    const kms = await connect(options, emit);
    // Waiting only reads: any account allowed to describe the key may wait for it.
    const primary = await describePrimary(kms, options.key, region, io.signal, { sameAccount: false });
    setPrimary(primary);
    const replicaIn = new Map(primary.replicas.map((r) => [r.region, r.arn]));
    const missing = regions.filter((r) => !replicaIn.has(r));
    if (missing.length > 0) {
      throw usageError(
        `${primary.keyId} has no replica in ${missing.join(", ")}.`,
        `Its replicas are in: ${[...replicaIn.keys()].join(", ") || "no Region yet"}. Create them with kms-replicate --regions.`,
      );
    }
    const targets = regions.length > 0 ? regions : [...replicaIn.keys()];
    emit({ type: "plan", primary, regions: targets, waitOnly: true });
    return runUnits(
      targets.map((target) => ({
        primary,
        region: target,
        arn: replicaIn.get(target) ?? "",
        existing: true,
      })),
      () => [waitStep],
      {
        kms,
        emit,
        signal: io.signal,
        startedAt: io.startedAt,
        deadline: performance.now() + options.timeoutMs,
        wait: true,
        dryRun: false,
      },
      (result) => regionResultOf(result),
    );
  });
  return runCommand(command, flags, io);
}
