// `kms-replicate import-material`: the primary's key material into existing replicas.
import type { CommandModule } from "../contract.js";
import { defineImportMaterial } from "./flags.js";

export const importMaterial: CommandModule = {
  name: "import-material",
  summary: "Import key material into replicas that wait for it",
  description:
    "Import the primary's key material into existing replicas (all, or the named Regions) that are PendingImport, e.g. after it expired, and wait until each is Enabled.",
  fleet: false,
  define: defineImportMaterial,
  load: async () => (await import("./run.js")).work,
};
