// Every JSON document kms-replicate writes on stdout (--output json), as one type. The JSON Schema
// schema/kms-replicate.schema.json is generated from it (scripts/schema.mjs, run by the build).
import type { DeletionJson, FleetDeletionJson } from "../commands/shared/deletion-json.js";
import type { FleetRunJson, RunKeyJson } from "../commands/shared/region-render.js";
import type { FleetPromoteJson, PromoteJson } from "../commands/promote/json.js";
import type { RotateJson } from "../commands/rotate-material/render.js";
import type { FleetStatusJson, StatusJson } from "../commands/status/render.js";
import type { FleetSyncJson, SyncJson } from "../commands/sync/render.js";
import type { OtherCommand, RunCommand, RunJson, UsageJson } from "../report/json.js";
import type { OrgJson } from "../report/org.js";

/** A run over a selection of keys: version 2, an entry per key. */
export type FleetJson = FleetRunJson | FleetSyncJson | FleetStatusJson | FleetPromoteJson | FleetDeletionJson;

/**
 * An organisation run (the accounts flags, --shard) and `merge`'s output: version 3, an entry per
 * account, each that account's version-2 document without the run's envelope.
 */
export type OrganisationJson =
  | OrgJson<FleetRunJson>
  | OrgJson<FleetSyncJson>
  | OrgJson<FleetStatusJson>
  | OrgJson<FleetPromoteJson>
  | OrgJson<FleetDeletionJson>;

/** One key's entry of a fleet document (its version-1 document without the run's envelope). */
export type FleetKeyJson = FleetJson["keys"][number] | RunKeyJson;

/**
 * One document per run, on stdout, also after a failure, a timeout or a signal. `command` tells
 * which shape it is: `replicate` and `wait` the run document, `status` the status document,
 * `promote` the promote document, `sync` the sync document, `import-material` the run document,
 * `rotate-material` its own, `retire`, `delete-family` and `cancel-deletion` the deletion document, `help` and `completion` (only for their usage errors, exit 2) the run
 * document's shape. A run over a selection of keys (--key given more than once, --keys-from,
 * --all-primaries) writes version 2 (FleetJson): an entry per key, each the version-1 document of
 * that key without the run's envelope. A run over accounts (--accounts-from, --accounts) or a shard
 * (--shard), and `merge`, write version 3 (OrganisationJson): an entry per account, each the
 * version-2 document of that account without the run's envelope.
 * @title kms-replicate --output json
 */
export type KmsReplicateDocument =
  | RunJson
  | StatusJson
  | UsageJson
  | PromoteJson
  | SyncJson
  | RotateJson
  | DeletionJson
  | FleetJson
  | OrganisationJson;

/** Every value of `command`: the commands of the program (a test checks it knows them all). */
export type DocumentCommand =
  | RunCommand
  | StatusJson["command"]
  | OtherCommand
  | PromoteJson["command"]
  | SyncJson["command"]
  | RotateJson["command"]
  | DeletionJson["command"];

/**
 * What JSON.stringify writes as is but a terminal acts on: DEL, the C1 controls, the line and
 * paragraph separators, the bidirectional marks and overrides (it escapes the C0 controls itself).
 */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The document as written on stdout: indented JSON and a newline. Every value keeps what KMS or the
 * user gave (JSON.parse reads back the same strings), but the characters of RAW_IN_JSON are
 * written as `\u` escapes, so that `cat` or a terminal showing the document cannot be driven by
 * them. A program that prints a value raw (`jq -r`) prints them raw.
 */
export function renderJson(doc: KmsReplicateDocument): string {
  return renderJsonValue(doc);
}

/** Any JSON value as renderJson writes a document (--query's result): escaped the same way. */
export function renderJsonValue(value: unknown): string {
  const text = JSON.stringify(value ?? null, null, 2).replace(
    RAW_IN_JSON,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
  return `${text}\n`;
}
