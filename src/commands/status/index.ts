// `kms-replicate status`: the family's keys as a table (stdout), the drift from the primary.
import type { CommandModule } from "../contract.js";
import { defineStatus } from "./flags.js";

export const status: CommandModule = {
  name: "status",
  summary: "Show the family's keys and their drift",
  description:
    "Show the primary and every replica (state, description, tags, aliases), each read in its own Region, and what drifts from the primary.",
  fleet: true,
  define: defineStatus,
  load: async () => (await import("./run.js")).work,
};
