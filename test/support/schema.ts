// The committed JSON Schema of --output json (schema/kms-replicate.schema.json), compiled once with
// ajv in strict mode, for the tests that check real documents against it.
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";

export const SCHEMA_PATH = new URL("../../schema/kms-replicate.schema.json", import.meta.url);

const ajv = new Ajv({ strict: true, allErrors: true });
const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object);

function describe(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(document)" : error.instancePath;
  const extra = "additionalProperty" in error.params ? ` '${String(error.params.additionalProperty)}'` : "";
  return `${where} ${error.message ?? error.keyword}${extra}`;
}

/** What is wrong with `document` by the schema: nothing (an empty list) when it is valid. */
export function schemaErrors(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map(describe);
}
