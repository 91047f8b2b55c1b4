// `wait`: follow existing replicas (all, or the named Regions) until they leave Creating.
import type { ExitCode } from "../errors.js";
import { toWaitOptions, type RawWaitFlags } from "../options.js";
import { describePrimary, primaryPlaceOf } from "../plan.js";
import { connect, primaryRegionOf, runCommand, type Io } from "../runner.js";
import { existingReplicas, followReplicas, namedRegions, regionCommand } from "./regions.js";

export function runWait(flags: RawWaitFlags, io: Io): Promise<ExitCode> {
  const command = regionCommand("wait", false, async ({ emit }, setPrimary) => {
    const options = toWaitOptions(flags);
    const region = await primaryRegionOf(options, io);
    const regions = namedRegions(options.regions, primaryPlaceOf(options.key, region));
    const kms = await connect(options, emit);
    // Waiting only reads: any account allowed to describe the key may wait for it.
    const primary = await describePrimary(kms, options.key, region, io.signal, { sameAccount: false });
    setPrimary(primary);
    const units = existingReplicas(primary, regions, "Create them with kms-replicate --regions.");
    emit({ type: "plan", primary, regions: units.map((u) => u.region), waitOnly: true });
    return followReplicas(units, { kms, emit, io, timeoutMs: options.timeoutMs });
  });
  return runCommand(command, flags, io);
}
