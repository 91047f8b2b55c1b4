// `kms-replicate delete-family`: schedule the deletion of every key of a family, replicas first.
import type { CommandModule } from "../contract.js";
import { defineDeleteFamily } from "./flags.js";

export const deleteFamily: CommandModule = {
  name: "delete-family",
  summary: "Schedule the deletion of a whole family",
  description:
    "Schedule every replica of the family for deletion, then the primary (PendingReplicaDeletion until its last replica is gone), and say the earliest date the family can be gone. Prints the command that undoes it.",
  fleet: true,
  define: defineDeleteFamily,
  load: async () => (await import("./run.js")).work,
};
