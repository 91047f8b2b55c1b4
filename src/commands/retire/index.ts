// `kms-replicate retire`: take Regions out of a family (their keys scheduled for deletion, or only
// disabled), promoting another Region first when the primary's Region is one of them.
import type { CommandModule } from "../contract.js";
import { defineRetire } from "./flags.js";

export const retire: CommandModule = {
  name: "retire",
  summary: "Take Regions out of a family (delete their keys)",
  description:
    "Take the named Regions out of the family: schedule each key there for deletion (or, with --disable-only, disable it), after promoting --to first when the primary's Region is one of them. Prints the command that undoes it.",
  fleet: true,
  define: defineRetire,
  load: async () => (await import("./run.js")).work,
};
