// `kms-replicate rotate-material`: rotate imported key material across the whole family.
import type { CommandModule } from "../contract.js";
import { defineRotateMaterial } from "./flags.js";

export const rotateMaterial: CommandModule = {
  name: "rotate-material",
  summary: "Rotate imported key material across the family",
  description:
    "Rotate imported key material across the family: NEW material into the primary, the same into every replica, then RotateKeyOnDemand; waits until every key uses it.",
  fleet: false,
  define: defineRotateMaterial,
  load: async () => (await import("./run.js")).work,
};
