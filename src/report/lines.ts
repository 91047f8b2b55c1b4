// Plain text for people, pure: one line per settled Region, a summary, debug lines.
import type { ChalkInstance } from "chalk";
import type {
  Applied,
  ReplicaEvent,
  PrimaryKey,
  RegionPhase,
  RegionResult,
  RegionStatus,
} from "../events.js";

type CallEvent = Extract<ReplicaEvent, { type: "call" }>;

const SYMBOL: Record<RegionStatus, string> = {
  created: "✔",
  exists: "✔",
  creating: "◐",
  planned: "○",
  failed: "✖",
  timeout: "⏱",
  interrupted: "■",
};

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function paint(c: ChalkInstance, status: RegionStatus, text: string): string {
  switch (status) {
    case "created":
    case "exists":
      return c.green(text);
    case "creating":
      return c.blue(text);
    case "planned":
      return c.cyan(text);
    case "failed":
      return c.red(text);
    case "timeout":
    case "interrupted":
      return c.yellow(text);
  }
}

/** `✔ eu-west-1       created      Enabled        4.2s` plus indented detail lines. */
export function regionLine(result: RegionResult, c: ChalkInstance, width = 14): string {
  const head = `${SYMBOL[result.status]} ${result.region.padEnd(width)} ${result.status.padEnd(11)}`;
  const state = (result.keyState ?? "-").padEnd(15);
  const lines = [`${paint(c, result.status, head)} ${state} ${c.dim(seconds(result.elapsedMs))}`];
  if (result.status === "failed") {
    lines.push(`    ${c.red(`${result.error.name}: ${result.error.message}`)}`);
    if (result.error.hint !== undefined) lines.push(`    ${c.dim("→")} ${result.error.hint}`);
  }
  if (result.note !== undefined) lines.push(`    ${c.dim("→")} ${result.note}`);
  if (result.status === "planned" && result.applied !== undefined) {
    lines.push(`    ${c.dim("would get:")} ${appliedText(result.applied)}`);
  }
  return lines.join("\n");
}

/** `tags team=payments; description "DR copy"; policy from primary; aliases alias/payments` */
export function appliedText(applied: Applied): string {
  const tags = applied.tags.map((t) => `${t.TagKey}=${t.TagValue}`).join(", ");
  return [
    `tags ${tags === "" ? "none" : tags}`,
    `description ${applied.description === null ? "none" : JSON.stringify(applied.description)}`,
    `policy ${applied.policySource === "default" ? "KMS default" : applied.policySource === "inline" ? "from --policy" : `from ${applied.policySource}`}`,
    `aliases ${applied.aliases.length === 0 ? "none" : applied.aliases.join(", ")}`,
  ].join("; ");
}

export function planLine(
  primary: PrimaryKey,
  regions: readonly string[],
  dryRun: boolean,
  c: ChalkInstance,
  waitOnly = false,
): string {
  const facts = [primary.keySpec, primary.keyUsage, primary.origin].filter((f) => f !== undefined).join(", ");
  const where = `${regions.length} Region${regions.length === 1 ? "" : "s"}: ${regions.join(", ")}`;
  if (waitOnly) {
    return `Waiting for the replicas of ${c.bold(primary.keyId)} (primary in ${c.bold(primary.region)}, ${facts}) in ${where}`;
  }
  const verb = dryRun ? "Dry run: would replicate" : "Replicating";
  return `${verb} ${c.bold(primary.keyId)} from ${c.bold(primary.region)} (${facts}) into ${where}`;
}

export function summaryLine(
  results: readonly RegionResult[],
  elapsedMs: number,
  dryRun: boolean,
  c: ChalkInstance,
): string {
  const counts = new Map<RegionStatus, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const order: RegionStatus[] = [
    "created",
    "exists",
    "creating",
    "planned",
    "failed",
    "timeout",
    "interrupted",
  ];
  const parts = order.flatMap((s) => {
    const n = counts.get(s);
    return n === undefined ? [] : [paint(c, s, `${n} ${s}`)];
  });
  const tail = dryRun ? " Dry run: nothing was changed." : "";
  return `${parts.join(", ")} in ${seconds(elapsedMs)}.${tail}`;
}

const PHASE_TEXT: Record<RegionPhase, string> = {
  queued: "queued",
  requesting: "ReplicateKey…",
  checking: "checking…",
  creating: "Creating",
};

/** The spinner's text: one line per Region still in progress. */
export function progressText(
  inProgress: ReadonlyMap<string, { phase: RegionPhase; keyState?: string; since: number }>,
  now: number,
  c: ChalkInstance,
  width = 14,
): string {
  const lines = [...inProgress].map(([region, p]) => {
    const what = p.phase === "creating" ? (p.keyState ?? "Creating") : PHASE_TEXT[p.phase];
    return `${region.padEnd(width)} ${what.padEnd(15)} ${c.dim(seconds(now - p.since))}`;
  });
  return `Waiting for ${inProgress.size} Region${inProgress.size === 1 ? "" : "s"}\n  ${lines.join("\n  ")}`;
}

/** `KMS.ReplicateKey(us-east-1 → eu-west-1) attempt 2 [412ms] -> ThrottlingException, retrying` */
export function debugLine(call: CallEvent): string {
  const outcome =
    call.errorName === undefined ? "OK" : `${call.errorName}${call.willRetry ? ", retrying" : ""}`;
  const where = call.target === undefined ? call.region : `${call.region} → ${call.target}`;
  return `[debug] KMS.${call.operation}(${where}) attempt ${call.attempt} [${Math.round(call.durationMs)}ms] -> ${outcome}`;
}

/**
 * Without --debug, a call that failed twice in a row and is retried again gets one line, so a
 * person knows why nothing moves (a network outage is retried for about 15 s). `undefined` for
 * every other call: one failure is routine, and the final failure is reported anyway.
 */
export function retryNotice(call: CallEvent): string | undefined {
  if (!call.willRetry || call.attempt !== 2 || call.errorName === undefined) return undefined;
  const where = call.target === undefined ? call.region : `${call.region} (for ${call.target})`;
  return `${call.operation} in ${where} failed twice (${call.errorName}); retrying with backoff. --debug shows every attempt.`;
}
