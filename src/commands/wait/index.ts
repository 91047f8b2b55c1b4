// `kms-replicate wait`: follow existing replicas until they leave Creating (after --no-wait).
import type { CommandModule } from "../contract.js";
import { defineWait } from "./flags.js";

export const wait: CommandModule = {
  name: "wait",
  summary: "Wait until existing replicas leave Creating",
  description:
    "Wait until existing replicas (all, or the named Regions) leave Creating; for scripts that used --no-wait.",
  fleet: true,
  define: defineWait,
  load: async () => (await import("./run.js")).work,
};
