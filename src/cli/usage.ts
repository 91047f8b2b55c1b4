// The JSON document of a run that commander refused (an unknown option, a missing value), for a
// script that asked for JSON: the command's usual shape (version 2 when the command line selects
// a fleet), exit 2, and the message in `error`.
import type { CommandModule } from "../commands/contract.js";
import { EXIT } from "../core/errors.js";
import { usageJson, type OtherCommand } from "../report/json.js";
import { renderJson, type KmsReplicateDocument } from "./document.js";
import { fleetDocumentOf } from "./fleet-report.js";

export async function usageDocument(
  module: CommandModule | undefined,
  name: OtherCommand,
  message: string,
  fleet = false,
): Promise<string> {
  const error = { name: "UsageError", message };
  if (module === undefined) return renderJson(usageJson(name, error));
  const loaded = { ...module, ...(await module.load()) };
  const run = { exitCode: EXIT.usage, failure: error, warnings: [], elapsedMs: 0, dryRun: false } as const;
  if (fleet && module.fleet) {
    return renderJson(
      fleetDocumentOf(loaded, {
        ...run,
        outcome: undefined,
        tracker: {},
        options: undefined,
      }) as KmsReplicateDocument,
    );
  }
  return renderJson(loaded.render.document(run) as KmsReplicateDocument);
}
