// Every JSON document kms-replicate writes on stdout (--output json), as one type. The JSON Schema
// schema/kms-replicate.schema.json is generated from it (scripts/schema.mjs, run by the build).
import type { FleetJson } from "./fleet.js";
import type { OtherCommand, RunCommand, RunJson, UsageJson } from "./json.js";
import type { PromoteJson } from "./promote.js";
import type { RotateJson } from "./rotate.js";
import type { StatusJson } from "./status.js";
import type { SyncJson } from "./sync.js";

/**
 * One document per run, on stdout, also after a failure, a timeout or a signal. `command` tells
 * which shape it is: `replicate` and `wait` the run document, `status` the status document,
 * `promote` the promote document, `sync` the sync document, `import-material` the run document,
 * `rotate-material` its own, `help` and `completion` (only for their usage errors, exit 2) the run
 * document's shape. A run over a selection of keys (--key given more than once, --keys-from,
 * --all-primaries) writes version 2 (FleetJson): an entry per key, each the version-1 document of
 * that key without the run's envelope.
 * @title kms-replicate --output json
 */
export type KmsReplicateDocument =
  RunJson | StatusJson | UsageJson | PromoteJson | SyncJson | RotateJson | FleetJson;

/** Every value of `command`: the commands of the program (a test checks it knows them all). */
export type DocumentCommand =
  | RunCommand
  | StatusJson["command"]
  | OtherCommand
  | PromoteJson["command"]
  | SyncJson["command"]
  | RotateJson["command"];

export const DOCUMENT_COMMANDS: readonly DocumentCommand[] = [
  "replicate",
  "wait",
  "status",
  "help",
  "completion",
  "promote",
  "sync",
  "import-material",
  "rotate-material",
] satisfies readonly DocumentCommand[];

export function isDocumentCommand(name: string): name is DocumentCommand {
  return (DOCUMENT_COMMANDS as readonly string[]).includes(name);
}

/** The document as written on stdout: indented JSON and a newline. */
export function renderJson(doc: KmsReplicateDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
