// `kms-replicate [replicate]` (the default command): a replica of the key in every named Region,
// waited for until usable.
import type { CommandModule } from "../contract.js";
import { REPLICATE_GUIDE, defineReplicate } from "./flags.js";

export const replicate: CommandModule = {
  name: "replicate",
  summary: "(default) Replicate into Regions, wait until usable",
  description:
    "(the default command) Replicate the primary key into every named Region and wait until each replica is usable.",
  guide: REPLICATE_GUIDE,
  isDefault: true,
  fleet: true,
  define: defineReplicate,
  load: async () => (await import("./run.js")).work,
};
