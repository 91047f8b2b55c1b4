// `kms-replicate sync`: existing replicas brought in line with their primary, then read back.
import type { CommandModule } from "../contract.js";
import { SYNC_GUIDE, defineSync } from "./flags.js";

export const sync: CommandModule = {
  name: "sync",
  summary: "Bring replicas in line with their primary",
  description:
    "Bring existing replicas (all, or the named Regions) in line with their primary: tags, description, key policy, aliases, and with --copy-enabled the enabled state; then read them back to verify.",
  guide: SYNC_GUIDE,
  fleet: true,
  define: defineSync,
  load: async () => (await import("./run.js")).work,
};
