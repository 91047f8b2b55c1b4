// What the fleet e2e files share: keys made on the endpoint as a test's setup, and the CLI run
// against it with its version-2 document checked by the committed schema.
import { expect } from "vitest";
import { schemaErrors } from "../support/schema.js";
import type { KmsLocal } from "../support/local-kms/server.js";
import { fleetOf, runCli, type CliRun, type FleetDocument, type RunOptions } from "./run-cli.js";

export const keyIdOf = (arn: string): string => arn.slice(arn.indexOf("/") + 1);
/** The ARN of the same key in another Region (a us-east-1 primary's replica there). */
export const inRegion = (arn: string, region: string): string => arn.replace("us-east-1", region);

export interface FleetTools {
  /** A multi-Region primary key in us-east-1 (tags as an object); its ARN. */
  readonly primary: (tags?: Record<string, string>, input?: Record<string, unknown>) => string;
  /** The key IDs the endpoint holds in `region`, sorted. */
  readonly held: (region: string) => string[];
  /** Runs the CLI against the endpoint; with `-o json`, stdout must be one document, valid by the schema. */
  readonly cli: (args: readonly string[], options?: RunOptions) => Promise<CliRun>;
  /** Runs the CLI with `-o json`: its version-2 document, and the run. */
  readonly fleet: (
    args: readonly string[],
    options?: RunOptions,
  ) => Promise<{ doc: FleetDocument; run: CliRun }>;
}

export function fleetTools(kms: () => KmsLocal): FleetTools {
  const cli = async (args: readonly string[], options?: RunOptions): Promise<CliRun> => {
    const run = await runCli([...args, "--endpoint-url", kms().url], options);
    if (args.includes("json")) {
      expect(
        run.json,
        `stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`,
      ).toBeDefined();
      expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
      expect(run.json?.exitCode, run.stderr).toBe(run.code);
    }
    return run;
  };
  return {
    primary: (tags = {}, input = {}) =>
      String(
        kms().createKey("us-east-1", {
          MultiRegion: true,
          Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
          ...input,
        }).Arn,
      ),
    held: (region) =>
      kms()
        .keys(region)
        .map((k) => k.keyId)
        .sort(),
    cli,
    fleet: async (args, options) => {
      const run = await cli([...args, "-o", "json"], options);
      const doc = fleetOf(run);
      expect(doc, `not a version-2 document:\n${run.stdout}`).toBeDefined();
      return { doc: doc as FleetDocument, run };
    },
  };
}
