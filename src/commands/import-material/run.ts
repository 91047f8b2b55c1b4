// `import-material`: the same key material into existing replicas (all, or the named Regions), e.g.
// after their material expired: each replica is followed out of Creating, imported into when it is
// PendingImport, and waited for until Enabled; replicas that hold it already are reported with their
// expiration.
import { withImport } from "../../core/steps/import.js";
import { waitStep } from "../../core/steps/wait.js";
import { usageError, type ExitCode } from "../../core/errors.js";
import { planImport } from "../../core/import-plan.js";
import { readMaterial, type KeyMaterial } from "../../core/material.js";
import {
  toImportOptions,
  toWaitOptions,
  type RawImportFlags,
  type RawWaitFlags,
} from "../../core/options.js";
import { describePrimary, primaryPlaceOf } from "../../core/plan.js";
import { importAgain } from "../../report/rerun.js";
import { connect, deadlineOf, inputsOf, primaryRegionOf, runCommand, type Io } from "../../cli/runner.js";
import { existingReplicas, followReplicas, namedRegions, regionCommand } from "../shared/regions.js";

export async function runImportMaterial(flags: RawWaitFlags & RawImportFlags, io: Io): Promise<ExitCode> {
  let material: KeyMaterial | undefined;
  const command = regionCommand("import-material", false, async ({ emit }, setPrimary) => {
    const options = toWaitOptions(flags);
    const importing = toImportOptions(flags);
    if (importing === undefined) {
      throw usageError(
        "--key-material is required: the material the primary holds (fileb://PATH, or - for stdin).",
      );
    }
    const warn = (message: string): void => emit({ type: "warning", message });
    const region = await primaryRegionOf(options, io, warn);
    const regions = namedRegions(
      options.regions,
      primaryPlaceOf(options.key, region),
      options.unknownRegions,
      warn,
    );
    material = await readMaterial(importing.keyMaterial, inputsOf(io, options.timeoutMs), warn);
    const deadline = deadlineOf(io, options.timeoutMs);
    const kms = await connect(options, emit, { deadline });
    const primary = await describePrimary(kms, options.key, region, io.signal);
    setPrimary(primary);
    const settings = {
      ...planImport(
        material,
        importing,
        await kms.describeKey(primary.region, primary.arn, io.signal),
        Date.now(),
      ),
      again: importAgain(primary.arn, importing, flags, io.cwd),
    };
    const units = existingReplicas(
      primary,
      regions,
      "Create them with kms-replicate --regions … --key-material.",
    );
    if (units.length === 0) {
      throw usageError(
        `${primary.keyId} has no replicas yet.`,
        "Create them with kms-replicate --regions … --key-material.",
      );
    }
    emit({ type: "plan", primary, regions: units.map((u) => u.region), waitOnly: true });
    const results = await followReplicas(
      units,
      {
        kms,
        emit,
        signal: io.signal,
        startedAt: io.startedAt,
        deadline,
      },
      withImport(waitStep, settings),
    );
    material.dispose();
    return results;
  });
  try {
    return await runCommand(command, flags, io);
  } finally {
    material?.dispose();
  }
}
