// The machine's view: one versioned JSON document on stdout, also after failure, timeout or Ctrl-C.
import type { ErrorReport } from "../errors.js";
import type { Applied, PrimaryKey, RegionResult, RegionStatus } from "../events.js";

export const JSON_VERSION = 1;

export interface RegionJson {
  readonly region: string;
  readonly status: RegionStatus;
  readonly keyState: string | null;
  readonly replicaArn: string | null;
  readonly elapsedMs: number;
  readonly error: ErrorReport | null;
  readonly note: string | null;
  readonly applied: Applied | null;
}

export interface RunJson {
  readonly version: typeof JSON_VERSION;
  readonly command: string;
  readonly ok: boolean;
  readonly exitCode: number;
  readonly dryRun: boolean;
  readonly primary: {
    readonly keyId: string;
    readonly arn: string;
    readonly region: string;
    readonly partition: string;
    readonly keySpec: string | null;
    readonly keyUsage: string | null;
    readonly origin: string | null;
  } | null;
  readonly regions: readonly RegionJson[];
  readonly summary: Readonly<Record<RegionStatus, number>>;
  /** Set when the whole run stopped before the Regions could be worked on (bad input, no key). */
  readonly error:
    (ErrorReport & { readonly invalidRegions?: readonly { region: string; reason: string }[] }) | null;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}

export function regionJson(result: RegionResult): RegionJson {
  return {
    region: result.region,
    status: result.status,
    keyState: result.keyState ?? null,
    replicaArn: result.replicaArn ?? null,
    elapsedMs: result.elapsedMs,
    error: result.status === "failed" ? result.error : null,
    note: result.note ?? null,
    applied: result.applied ?? null,
  };
}

export function primaryJson(primary: PrimaryKey | undefined): RunJson["primary"] {
  if (primary === undefined) return null;
  return {
    keyId: primary.keyId,
    arn: primary.arn,
    region: primary.region,
    partition: primary.partition,
    keySpec: primary.keySpec ?? null,
    keyUsage: primary.keyUsage ?? null,
    origin: primary.origin ?? null,
  };
}

export function runJson(input: {
  readonly command: string;
  readonly exitCode: number;
  readonly dryRun: boolean;
  readonly primary?: PrimaryKey;
  readonly results: readonly RegionResult[];
  readonly error?: RunJson["error"];
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}): RunJson {
  const summary: Record<RegionStatus, number> = {
    created: 0,
    exists: 0,
    creating: 0,
    planned: 0,
    failed: 0,
    timeout: 0,
    interrupted: 0,
  };
  for (const r of input.results) summary[r.status] += 1;
  return {
    version: JSON_VERSION,
    command: input.command,
    ok: input.exitCode === 0,
    exitCode: input.exitCode,
    dryRun: input.dryRun,
    primary: primaryJson(input.primary),
    regions: input.results.map(regionJson),
    summary,
    error: input.error ?? null,
    warnings: input.warnings,
    elapsedMs: Math.round(input.elapsedMs),
  };
}

export function renderJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
