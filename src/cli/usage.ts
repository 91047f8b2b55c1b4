// The JSON document of a run that commander refused (an unknown option, a missing value), for a
// script that asked for JSON: the command's usual shape, exit 2, and the message in `error`.
import { EXIT } from "../core/errors.js";
import { isUsableKey } from "../core/family.js";
import { renderJson, type DocumentCommand } from "./document.js";
import { fleetDocument, type FleetCommand } from "../report/fleet.js";
import { runJson, usageJson } from "../report/json.js";
import { promoteJson } from "../commands/promote/render.js";
import { rotateJson } from "../commands/rotate-material/render.js";
import { statusJson } from "../commands/status/render.js";
import { syncJson } from "../commands/sync/render.js";

export function usageDocument(command: DocumentCommand, message: string, fleet = false): string {
  const error = { name: "UsageError", message };
  if (fleet && isFleetCommand(command)) {
    return renderJson(
      fleetDocument({
        command,
        exitCode: EXIT.usage,
        dryRun: false,
        keys: [],
        error,
        warnings: [],
        elapsedMs: 0,
      }),
    );
  }
  switch (command) {
    case "status":
      return renderJson(statusJson([], isUsableKey, EXIT.usage, error));
    case "replicate":
    case "wait":
    case "import-material":
      return renderJson(
        runJson({
          command,
          exitCode: EXIT.usage,
          dryRun: false,
          results: [],
          error,
          warnings: [],
          elapsedMs: 0,
        }),
      );
    case "promote":
      return renderJson(
        promoteJson({
          exitCode: EXIT.usage,
          dryRun: false,
          report: undefined,
          error,
          warnings: [],
          elapsedMs: 0,
        }),
      );
    case "sync":
      return renderJson(
        syncJson({ exitCode: EXIT.usage, dryRun: false, results: [], error, warnings: [], elapsedMs: 0 }),
      );
    case "rotate-material":
      return renderJson(rotateJson({ exitCode: EXIT.usage, error, warnings: [], elapsedMs: 0 }));
    case "help":
    case "completion":
      return renderJson(usageJson(command, error));
  }
}

const FLEET_COMMANDS: readonly string[] = [
  "replicate",
  "wait",
  "status",
  "sync",
  "promote",
] satisfies readonly FleetCommand[];

function isFleetCommand(command: DocumentCommand): command is FleetCommand {
  return FLEET_COMMANDS.includes(command);
}
