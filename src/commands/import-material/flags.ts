// `import-material`'s options and help: the material (required), the replicas (all, or these
// Regions), how long to wait for each.
import type { Command } from "commander";
import { EXIT_LINES, usageError } from "../../core/errors.js";
import type { ImportOptions } from "../../core/options.js";
import type { RawFlags } from "../contract.js";
import {
  importOptions,
  replicaRegionsOption,
  splitRegionArgs,
  timeoutOption,
  toImportOptions,
  type RawImportFlags,
} from "../flags.js";

/** What `import-material` does. */
export interface ImportMaterialOptions {
  /** Empty: every replica of the key. */
  readonly regions: readonly string[];
  readonly timeoutMs: number;
  readonly importing: ImportOptions;
}

const HELP = `
The material is read once into memory, wrapped in each Region with that Region's
own public key, and overwritten with zeros after the last import; never written,
logged or put in the JSON.

Examples:
  kms-replicate import-material --key alias/payments \\
      --key-material fileb://material.bin
  vault kv get -field=material secret/kms | base64 -d |
      kms-replicate import-material --key alias/payments --key-material -

${EXIT_LINES}
`;

export function defineImportMaterial(command: Command): void {
  replicaRegionsOption(command).addOption(timeoutOption("deadline for every wait and write"));
  importOptions(command, "the primary's material (required)");
  command.addHelpText("after", HELP);
}

export function parseImportMaterial(raw: RawFlags): Promise<ImportMaterialOptions> {
  const flags = raw as RawImportFlags & { regions?: string[]; timeout: number };
  const importing = toImportOptions(flags);
  if (importing === undefined) {
    throw usageError(
      "--key-material is required: the material the primary holds (fileb://PATH, or - for stdin).",
    );
  }
  return Promise.resolve({
    regions: splitRegionArgs(flags.regions ?? []),
    timeoutMs: flags.timeout,
    importing,
  });
}
