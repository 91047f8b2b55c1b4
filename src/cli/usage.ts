// The JSON document of a run that commander refused (an unknown option, a missing value), for a
// script that asked for JSON: the command's usual shape (version 2 when the command line selects
// a fleet), exit 2, and the message in `error`. A valid --query applies to it as to any document;
// an invalid one cannot, and the document is written as it is.
import type { CommandModule } from "../commands/contract.js";
import { EXIT } from "../core/errors.js";
import { usageJson, type OtherCommand } from "../report/json.js";
import type { KmsReplicateDocument } from "./document.js";
import { fleetDocumentOf } from "./fleet-report.js";
import { compileQuery, writeDocument, type DocumentText } from "./query.js";

export async function usageDocument(
  module: CommandModule | undefined,
  name: OtherCommand,
  message: string,
  fleet = false,
): Promise<string> {
  return (await usageText(module, name, message, { fleet })).stdout;
}

/** The usage document as written: filtered by --query when the expression is valid. */
export async function usageText(
  module: CommandModule | undefined,
  name: OtherCommand,
  message: string,
  asked: { readonly fleet?: boolean; readonly query?: string },
): Promise<DocumentText> {
  const query = asked.query === undefined ? undefined : (await compileQuery(asked.query)).query;
  return writeDocument(await documentOf(module, name, message, asked.fleet ?? false), query);
}

async function documentOf(
  module: CommandModule | undefined,
  name: OtherCommand,
  message: string,
  fleet: boolean,
): Promise<KmsReplicateDocument> {
  const error = { name: "UsageError", message };
  if (module === undefined) return usageJson(name, error);
  const loaded = { ...module, ...(await module.load()) };
  const run = { exitCode: EXIT.usage, failure: error, warnings: [], elapsedMs: 0, dryRun: false } as const;
  if (fleet && module.fleet) {
    return fleetDocumentOf(loaded, {
      ...run,
      outcome: undefined,
      tracker: {},
      options: undefined,
    }) as KmsReplicateDocument;
  }
  return loaded.render.document(run) as KmsReplicateDocument;
}
