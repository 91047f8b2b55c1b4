// `rotate-material`'s options and help: the NEW material (required), how long to wait for the
// rotation to show in every Region.
import type { Command } from "commander";
import { usageError } from "../../core/errors.js";
import type { ImportOptions } from "../../core/options.js";
import { materialFlagsOf, type MaterialFlags, type Reach } from "../../report/rerun.js";
import type { ParseContext, RawFlags } from "../contract.js";
import { importOptions, timeoutOption, toImportOptions, type RawImportFlags } from "../flags.js";

/** What `rotate-material` does. */
export interface RotateOptions {
  readonly importing: ImportOptions;
  readonly timeoutMs: number;
  /** For the commands the result names (the same again, undo): the material's source, made absolute, and how the run reached AWS. */
  readonly material: MaterialFlags;
  readonly reach: Reach;
}

const HELP = `
Every replica must be usable first (exit 2 otherwise, before anything is
imported). If an import fails, RotateKeyOnDemand is not called: the output says
where the new material is, and the commands that finish (the same again) or undo
(aws kms delete-imported-key-material).

Example:
  kms-replicate rotate-material --key alias/payments \\
      --key-material fileb://new-material.bin

Exit codes: 0 rotated (or already this material) · 1 an import or the rotation
failed · 2 usage error or a replica not usable: nothing imported · 3 --timeout
ran out · 130/143/129 SIGINT/SIGTERM/SIGHUP
`;

export function defineRotateMaterial(command: Command): void {
  command.addOption(timeoutOption("deadline for every wait and write"));
  importOptions(command, "the NEW material (required)");
  command.addHelpText("after", HELP);
}

export function parseRotateMaterial(raw: RawFlags, ctx: ParseContext): Promise<RotateOptions> {
  const flags = raw as RawImportFlags & { timeout: number };
  const importing = toImportOptions(flags);
  if (importing === undefined) {
    throw usageError("--key-material is required: the NEW material (fileb://PATH, or - for stdin).");
  }
  return Promise.resolve({
    importing,
    timeoutMs: flags.timeout,
    material: materialFlagsOf(importing, ctx.inputs(flags.timeout).cwd),
    reach: ctx.reach,
  });
}
