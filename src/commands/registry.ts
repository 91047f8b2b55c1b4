// Every command of the program, in the order `--help` lists them: the program defines each from
// here (src/cli/program.ts) and the runner runs each the same way (src/cli/runner.ts). A new
// command is its folder and one line here.
import type { CommandModule } from "./contract.js";
import { cancelDeletion } from "./cancel-deletion/index.js";
import { deleteFamily } from "./delete-family/index.js";
import { importMaterial } from "./import-material/index.js";
import { promote } from "./promote/index.js";
import { replicate } from "./replicate/index.js";
import { retire } from "./retire/index.js";
import { rotateMaterial } from "./rotate-material/index.js";
import { status } from "./status/index.js";
import { sync } from "./sync/index.js";
import { wait } from "./wait/index.js";

export const COMMANDS: readonly CommandModule[] = [
  replicate,
  wait,
  importMaterial,
  rotateMaterial,
  status,
  promote,
  sync,
  retire,
  deleteFamily,
  cancelDeletion,
];
