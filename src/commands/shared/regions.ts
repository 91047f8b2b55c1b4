// What the commands that report a result per Region (replicate, wait) share: how a unit's result
// is shown (created / exists / creating …), the snapshot a second signal reports from, the JSON
// document, the exit code, and the summary.
import { waitStep } from "../../core/steps/wait.js";
import { runUnits, type Step, type Unit } from "../../core/steps/work.js";
import { EXIT, usageError, type ExitCode } from "../../core/errors.js";
import type { KmsPort } from "../../aws/kms.js";
import { invalidRegionsError } from "../../core/plan.js";
import { checkRegions, type PrimaryPlace, type UnknownRegionRule } from "../../core/regions.js";
import type {
  Applied,
  Emit,
  PrimaryKey,
  RegionPhase,
  RegionResult,
  ReplicaEvent,
} from "../../core/events.js";
import type { WorkResult } from "../../core/events.js";
import type { Operation } from "../../core/operation.js";
import type { KeyContext } from "../contract.js";

/**
 * A unit's result as `replicate`, `wait` and `import-material` report it (JSON version 1):
 * `created` when this run made the replica, `imported` when it imported the material into one that
 * was there, `ready` when it waited for one until usable, `exists` when it was there and usable,
 * `creating` when it was seen Creating and not waited for; `applied` (what a new replica was given)
 * for replicas this run requested or planned.
 */
export function regionResultOf(result: WorkResult, given?: Applied): RegionResult {
  const created = result.changes.some((c) => c.op === "replicate");
  // What was changed on a replica that was there: the diff's operations (not an import).
  const converged = created
    ? []
    : result.changes.filter((c): c is Operation => c.op !== "replicate" && c.op !== "import");
  const base = {
    region: result.region,
    keyState: result.keyState,
    replicaArn: result.arn,
    elapsedMs: result.elapsedMs,
    ...(result.note !== undefined ? { note: result.note } : {}),
    ...(result.material !== undefined ? { material: result.material } : {}),
    ...(result.unsent === true ? { unsent: true } : {}),
    ...(given !== undefined && created ? { applied: given } : {}),
    ...(converged.length > 0 ? { converged } : {}),
  };
  switch (result.outcome) {
    case "failed":
      return { ...base, status: "failed", error: result.error };
    case "planned":
      // An existing replica a dry run would change (`converged`): still `exists` (or `creating`).
      if (!created && converged.length > 0) {
        return { ...base, status: result.keyState === "Creating" ? "creating" : "exists" };
      }
      return { ...base, status: "planned" };
    case "timeout":
    case "notStarted":
    case "interrupted":
      return { ...base, status: result.outcome };
    case "done":
    case "unchanged":
      return { ...base, status: usableStatus(result, created) };
  }
}

/** A unit that settled well: what this run did to it (events.ts STATUSES says what each means). */
function usableStatus(
  result: WorkResult,
  created: boolean,
): "created" | "imported" | "ready" | "exists" | "creating" {
  if (result.keyState === "Creating") return "creating";
  if (created) return "created";
  if (result.changes.some((c) => c.op === "import")) return "imported";
  return result.waited === true ? "ready" : "exists";
}

/**
 * The stop signal's code if interrupted (130 for SIGINT, 143 SIGTERM, 129 SIGHUP), else 1 if a
 * Region failed, else 3 if one timed out or was not started before --timeout ran out, else 0.
 */
export function exitCodeFor(
  results: readonly RegionResult[],
  interrupted: ExitCode = EXIT.interrupted,
): ExitCode {
  const has = (status: RegionResult["status"]): boolean => results.some((r) => r.status === status);
  if (has("interrupted")) return interrupted;
  if (has("failed")) return EXIT.failed;
  if (has("timeout") || has("notStarted")) return EXIT.timeout;
  return EXIT.ok;
}

/** What an unsettled Region was doing when a second signal ended the run, for its note. */
const UNSETTLED_NOTE: Record<RegionPhase, string> = {
  queued: "Stopped while queued; ReplicateKey was not sent here.",
  requesting: "Stopped while ReplicateKey was in flight; the replica may exist. Re-run to pick it up.",
  creating: "Stopped while the replica was Creating; it exists in AWS. 'kms-replicate wait' follows it.",
  checking: "Stopped while the existing replica was being read; it exists in AWS.",
  importing:
    "Stopped while its key material was being imported; it may be imported already. Re-run 'kms-replicate import-material' to be sure.",
};

/**
 * What a run knows while it works, from its own events: the primary, the planned Regions, the last
 * phase of each, and every settled result. A second signal renders the JSON document from this.
 */
export interface RunSnapshot {
  readonly primary: PrimaryKey | undefined;
  /** The plan was made: Regions are being worked on. */
  readonly planned: boolean;
  setPrimary(primary: PrimaryKey): void;
  record(event: ReplicaEvent): void;
  /** Every planned Region in plan order: its result if settled, else `interrupted` with what was last seen. */
  results(elapsedMs: number): RegionResult[];
}

export function createRunSnapshot(): RunSnapshot {
  let primary: PrimaryKey | undefined;
  let regions: readonly string[] | undefined;
  const phases = new Map<string, { phase: RegionPhase; keyState?: string }>();
  const settled = new Map<string, RegionResult>();
  return {
    get primary() {
      return primary;
    },
    get planned() {
      return regions !== undefined;
    },
    setPrimary(p) {
      primary = p;
    },
    record(event) {
      if (event.type === "plan") {
        primary = event.primary;
        regions = event.regions;
      } else if (event.type === "phase") {
        phases.set(event.region, {
          phase: event.phase,
          keyState: event.keyState ?? phases.get(event.region)?.keyState,
        });
      } else if (event.type === "settled") {
        settled.set(event.result.region, event.result);
      }
    },
    results(elapsedMs) {
      return (regions ?? []).map((region): RegionResult => {
        const result = settled.get(region);
        if (result !== undefined) return result;
        const seen = phases.get(region) ?? { phase: "queued" as const };
        return {
          region,
          status: "interrupted",
          keyState: seen.keyState,
          replicaArn: primary?.replicas.find((r) => r.region === region)?.arn,
          elapsedMs: Math.round(elapsedMs),
          note: UNSETTLED_NOTE[seen.phase],
        };
      });
    },
  };
}

/**
 * A key's work that reports a result per Region, as a second signal sees it: its events recorded
 * (the plan, each Region's phase and result), and what they say registered as the key's partial
 * result. Returns the sink the work emits to.
 */
export function trackRegions(ctx: KeyContext, primary: PrimaryKey): Emit {
  const snapshot = createRunSnapshot();
  snapshot.setPrimary(primary);
  ctx.partial((elapsedMs): RegionRun | undefined =>
    snapshot.planned
      ? { primary: snapshot.primary ?? primary, results: snapshot.results(elapsedMs) }
      : undefined,
  );
  return (event) => {
    snapshot.record(event);
    ctx.emit(event);
  };
}

/** The result of a key's work per Region (replicate, wait, import-material). */
export interface RegionRun {
  readonly primary: PrimaryKey;
  readonly results: readonly RegionResult[];
}

/**
 * `--regions` of a command that works on existing replicas: checked (warnings to `warn`), or
 * empty (every replica).
 */
export function namedRegions(
  regions: readonly string[],
  place: PrimaryPlace,
  unknown: UnknownRegionRule,
  warn: (message: string) => void,
): readonly string[] {
  if (regions.length === 0) return [];
  const check = checkRegions(regions, place, { unknown });
  if (check.problems.length > 0) throw invalidRegionsError(check.problems);
  for (const message of check.warnings) warn(message);
  return check.regions;
}

/**
 * The existing replicas to work on: those of the named Regions (each must hold one: else exit 2,
 * `create` saying how to make them), or every replica of the family.
 */
export function existingReplicas(primary: PrimaryKey, regions: readonly string[], create: string): Unit[] {
  const replicaIn = new Map(primary.replicas.map((r) => [r.region, r.arn]));
  const missing = regions.filter((r) => !replicaIn.has(r));
  if (missing.length > 0) {
    throw usageError(
      `${primary.keyId} has no replica in ${missing.join(", ")}.`,
      `Its replicas are in: ${[...replicaIn.keys()].join(", ") || "no Region yet"}. ${create}`,
    );
  }
  const targets = regions.length > 0 ? regions : [...replicaIn.keys()];
  return targets.map((region) => ({ primary, region, arn: replicaIn.get(region) ?? "", existing: true }));
}

/** Follows existing replicas through `step` (the wait, or the wait with an import) until each settles. */
export function followReplicas(
  units: readonly Unit[],
  run: {
    readonly kms: KmsPort;
    readonly emit: Emit;
    readonly signal: AbortSignal;
    readonly startedAt: number;
    /** performance.now() after which the waits stop (--timeout). */
    readonly deadline: number;
  },
  step: Step = waitStep,
): Promise<RegionResult[]> {
  return runUnits(
    units,
    () => [step],
    { ...run, wait: true, dryRun: false },
    (result) => regionResultOf(result),
  );
}
