// `kms-replicate cancel-deletion`: cancel the deletions retire or delete-family scheduled, and enable the keys.
import type { CommandModule } from "../contract.js";
import { defineCancelDeletion } from "./flags.js";

export const cancelDeletion: CommandModule = {
  name: "cancel-deletion",
  summary: "Cancel scheduled deletions; enable the keys again",
  description:
    "CancelKeyDeletion, then EnableKey, for each key of the family pending deletion (every Region, or the named ones); a named Region whose key is Disabled (retire --disable-only) is enabled.",
  fleet: true,
  define: defineCancelDeletion,
  load: async () => (await import("./run.js")).work,
};
