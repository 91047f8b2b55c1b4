// `kms-replicate promote`: make the replica in --to the family's primary, and wait until it settles.
import type { CommandModule } from "../contract.js";
import { definePromote } from "./flags.js";

export const promote: CommandModule = {
  name: "promote",
  summary: "Make the replica in --to the family's primary",
  description:
    "Make the replica in --to the primary of its family (UpdatePrimaryRegion) and wait until both keys have settled.",
  fleet: true,
  define: definePromote,
  load: async () => (await import("./run.js")).work,
};
