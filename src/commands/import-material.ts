// `import-material`: the same key material into existing replicas (all, or the named Regions), e.g.
// after their material expired: each replica is followed out of Creating, imported into when it is
// PendingImport, and waited for until Enabled; replicas that hold it already are reported with their
// expiration.
import { withImport } from "../engine/import.js";
import { waitStep } from "../engine/wait.js";
import { runUnits } from "../engine/work.js";
import { usageError, type ExitCode } from "../errors.js";
import { planImport } from "../import-plan.js";
import { readMaterial, type KeyMaterial } from "../material.js";
import { toImportOptions, toWaitOptions, type RawImportFlags, type RawWaitFlags } from "../options.js";
import { describePrimary, invalidRegionsError, primaryPlaceOf } from "../plan.js";
import { checkRegions } from "../regions.js";
import { connect, primaryRegionOf, runCommand, type Io } from "../runner.js";
import { regionCommand, regionResultOf } from "./regions.js";

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
    const region = await primaryRegionOf(options, io);
    let regions: readonly string[] = [];
    if (options.regions.length > 0) {
      const check = checkRegions(options.regions, primaryPlaceOf(options.key, region), { strict: false });
      if (check.problems.length > 0) throw invalidRegionsError(check.problems);
      regions = check.regions;
    }
    material = await readMaterial(importing.keyMaterial, io.cwd, (message) =>
      emit({ type: "warning", message }),
    );
    const kms = await connect(options, emit);
    const primary = await describePrimary(kms, options.key, region, io.signal);
    setPrimary(primary);
    const settings = planImport(
      material,
      importing,
      await kms.describeKey(primary.region, primary.arn, io.signal),
      Date.now(),
    );
    const replicaIn = new Map(primary.replicas.map((r) => [r.region, r.arn]));
    const missing = regions.filter((r) => !replicaIn.has(r));
    if (missing.length > 0) {
      throw usageError(
        `${primary.keyId} has no replica in ${missing.join(", ")}.`,
        `Its replicas are in: ${[...replicaIn.keys()].join(", ") || "no Region yet"}. Create them with kms-replicate --regions … --key-material.`,
      );
    }
    const targets = regions.length > 0 ? regions : [...replicaIn.keys()];
    if (targets.length === 0) {
      throw usageError(
        `${primary.keyId} has no replicas yet.`,
        "Create them with kms-replicate --regions … --key-material.",
      );
    }
    emit({ type: "plan", primary, regions: targets, waitOnly: true });
    const step = withImport(waitStep, settings);
    const results = await runUnits(
      targets.map((target) => ({
        primary,
        region: target,
        arn: replicaIn.get(target) ?? "",
        existing: true,
      })),
      () => [step],
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
    material.dispose();
    return results;
  });
  try {
    return await runCommand(command, flags, io);
  } finally {
    material?.dispose();
  }
}
