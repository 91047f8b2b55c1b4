// Plain text for people, pure: one line per settled Region, a summary, debug lines.
import {
  REGION_STATUSES,
  type Applied,
  type KeyMaterialInfo,
  type ReplicaEvent,
  type PrimaryKey,
  type RegionPhase,
  type RegionResult,
  type RegionStatus,
} from "../core/events.js";
import { policyDifference } from "../core/diff.js";
import type { Outcome } from "../core/events.js";
import type { Operation } from "../core/operation.js";
import { redactUrl } from "../core/redact.js";
import { fitted } from "./fit.js";
import { literal, type Paint } from "./terminal-text.js";

type CallEvent = Extract<ReplicaEvent, { type: "call" }>;

/** Every status a Region line shows (replicate's and wait's, and the engine's own for sync). */
export type LineStatus = RegionStatus | Outcome;

/** How each status looks: its symbol and its colour. */
const LOOK: Record<
  LineStatus,
  { readonly symbol: string; readonly colour: "green" | "blue" | "cyan" | "red" | "yellow" }
> = {
  created: { symbol: "✔", colour: "green" },
  imported: { symbol: "✔", colour: "green" },
  ready: { symbol: "✔", colour: "green" },
  exists: { symbol: "✔", colour: "green" },
  done: { symbol: "✔", colour: "green" },
  unchanged: { symbol: "✔", colour: "green" },
  creating: { symbol: "◐", colour: "blue" },
  planned: { symbol: "○", colour: "cyan" },
  failed: { symbol: "✖", colour: "red" },
  timeout: { symbol: "⏱", colour: "yellow" },
  notStarted: { symbol: "⏱", colour: "yellow" },
  interrupted: { symbol: "■", colour: "yellow" },
};

export function symbolOf(status: LineStatus): string {
  return LOOK[status].symbol;
}

export function paint(c: Paint, status: LineStatus, text: string): string {
  return c[LOOK[status].colour](text);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * A settled unit's first line: `✔ eu-west-1      created     Enabled         4.2s  arn:aws:kms:…`.
 * On a terminal (`columns`: its width) it fits: the state and time in narrower columns, and the
 * key ID (the family's, in the plan line too) instead of the ARN only when the line has room; the
 * full ARN stays in JSON and in output for a pipe or a file.
 */
export function resultHead(
  line: {
    readonly status: LineStatus;
    readonly region: string;
    readonly keyState?: string;
    readonly elapsedMs: number;
    readonly arn?: string;
  },
  c: Paint,
  width: number,
  columns?: number,
): string {
  const head = `${symbolOf(line.status)} ${line.region.padEnd(width)} ${line.status.padEnd(11)}`;
  if (columns === undefined) {
    // The replica's ARN last: what a person copies into the next command.
    const arn = line.arn === undefined ? "" : `  ${line.arn}`;
    return `${paint(c, line.status, head)} ${(line.keyState ?? "-").padEnd(15)} ${c.dim(seconds(line.elapsedMs))}${arn}`;
  }
  const state = (line.keyState ?? "-").padEnd(13);
  const time = seconds(line.elapsedMs).padStart(6);
  // Before the key ID: the symbol and a space, the Region, the status, the state, the time.
  const before = 2 + width + 1 + 11 + 1 + 13 + 1 + 6;
  const keyId = line.arn?.slice(line.arn.lastIndexOf("/") + 1);
  const tail = keyId !== undefined && before + 2 + keyId.length <= columns ? `  ${keyId}` : "";
  return `${paint(c, line.status, head)} ${state} ${c.dim(time)}${tail}`;
}

/** `✔ eu-west-1       created      Enabled        4.2s  arn:aws:kms:eu-west-1:…` plus indented detail lines. */
export function regionLine(
  result: RegionResult,
  c: Paint,
  width = 14,
  dryRun = false,
  columns?: number,
): string {
  const lines = [
    resultHead(
      {
        status: result.status,
        region: result.region,
        keyState: result.keyState,
        elapsedMs: result.elapsedMs,
        arn: result.replicaArn,
      },
      c,
      width,
      columns,
    ),
  ];
  if (result.status === "failed") {
    lines.push(`    ${c.red(literal(`${result.error.name}: ${result.error.message}`))}`);
    if (result.error.hint !== undefined) lines.push(`    ${c.dim("→")} ${result.error.hint}`);
  }
  const converged = result.converged ?? [];
  if (converged.length > 0 && dryRun) {
    lines.push(`    ${result.status}, would change:`);
    for (const op of converged) lines.push(`      ${operationLine(op)}`);
  } else if (converged.length > 0) {
    lines.push(`    ${result.status}, ${changeSummary(converged)}`);
  }
  if (result.material !== undefined)
    lines.push(`    ${c.dim("key material:")} ${materialText(result.material)}`);
  if (result.note !== undefined) lines.push(`    ${c.dim("→")} ${result.note}`);
  if (result.status === "planned" && result.applied !== undefined) {
    lines.push(`    ${c.dim("would get:")} ${appliedText(result.applied)}`);
  }
  return fitted(lines, columns).join("\n");
}

/** A value in quotes (`"say \"hi\""`); its line breaks, like every control character, shown escaped. */
const quoted = (text: string): string => `"${literal(text).replaceAll('"', '\\"')}"`;

/** `team=payments`: a tag as a line shows it. */
const tagText = (key: string, value: string): string => literal(`${key}=${value}`);

/** One operation as a line of the plan: `+ tag cost=42`, `~ description "a" → "b"`, … */
export function operationLine(op: Operation): string {
  switch (op.op) {
    case "tag":
      return op.from === undefined
        ? `+ tag ${tagText(op.key, op.value)}`
        : `~ tag ${tagText(op.key, op.from)} → ${tagText(op.key, op.value)}`;
    case "untag":
      return `- tag ${tagText(op.key, op.value)}`;
    case "description":
      return `~ description ${quoted(op.from)} → ${quoted(op.to)}`;
    case "policy": {
      const difference = policyDifference(op.from, op.to);
      const from =
        op.source === "primary" ? "" : op.source === "inline" ? ", from --policy" : `, from ${op.source}`;
      if (difference === undefined) return `~ policy (replaced${from})`;
      const parts = [
        ...(difference.statements > 0
          ? [`${difference.statements} statement${difference.statements === 1 ? " differs" : "s differ"}`]
          : []),
        ...difference.fields.map((f) => `${f} differs`),
      ];
      return `~ policy (${parts.join("; ") || "rewritten"}${from})`;
    }
    case "alias":
      return `+ alias ${literal(op.name)}`;
    case "realias":
      return `~ alias ${literal(op.name)} (moved from ${literal(op.from)})`;
    case "unalias":
      return `- alias ${literal(op.name)}`;
    case "enable":
      return "~ state Disabled → Enabled";
    case "disable":
      return "~ state Enabled → Disabled";
  }
}

/** `2 tags added, description updated`: what a list of operations did, in a few words. */
export function changeSummary(ops: readonly Operation[]): string {
  const count = (test: (o: Operation) => boolean): number => ops.filter(test).length;
  const n = (k: number, one: string, many: string, what: string): string[] =>
    k === 0 ? [] : [`${k} ${k === 1 ? one : many} ${what}`];
  return [
    ...n(
      count((o) => o.op === "tag" && o.from === undefined),
      "tag",
      "tags",
      "added",
    ),
    ...n(
      count((o) => o.op === "tag" && o.from !== undefined),
      "tag",
      "tags",
      "changed",
    ),
    ...n(
      count((o) => o.op === "untag"),
      "tag",
      "tags",
      "removed",
    ),
    ...(ops.some((o) => o.op === "description") ? ["description updated"] : []),
    ...(ops.some((o) => o.op === "policy") ? ["policy replaced"] : []),
    ...n(
      count((o) => o.op === "alias"),
      "alias",
      "aliases",
      "created",
    ),
    ...n(
      count((o) => o.op === "realias"),
      "alias",
      "aliases",
      "moved",
    ),
    ...n(
      count((o) => o.op === "unalias"),
      "alias",
      "aliases",
      "deleted",
    ),
    ...(ops.some((o) => o.op === "enable") ? ["enabled"] : []),
    ...(ops.some((o) => o.op === "disable") ? ["disabled"] : []),
  ].join(", ");
}

/** `imported; valid to 2027-01-31T00:00:00.000Z` */
export function materialText(material: KeyMaterialInfo): string {
  const expiry =
    material.validTo !== null
      ? `valid to ${material.validTo}`
      : material.expirationModel === "KEY_MATERIAL_DOES_NOT_EXPIRE"
        ? "does not expire"
        : "expiration not shown";
  const imported =
    material.imported === null
      ? "unknown: may have been imported (no answer came)"
      : material.imported
        ? "imported now"
        : "already there";
  return `${imported}; ${expiry}`;
}

/** `tags team=payments; description "DR copy"; policy from primary; aliases alias/payments` */
export function appliedText(applied: Applied): string {
  const tags = applied.tags.map((t) => tagText(t.TagKey, t.TagValue)).join(", ");
  return [
    `tags ${tags === "" ? "none" : tags}`,
    `description ${applied.description === null ? "none" : quoted(applied.description)}`,
    `policy ${applied.policySource === "default" ? "KMS default" : applied.policySource === "inline" ? "from --policy" : `from ${applied.policySource}`}`,
    `aliases ${applied.aliases.length === 0 ? "none" : literal(applied.aliases.join(", "))}`,
  ].join("; ");
}

/**
 * What a run over one key is about to do: `replicate` (Replicating … into), `wait` (Waiting for the
 * replicas of … in), `import` (Importing key material into the replicas of … in).
 */
export function planLine(
  primary: PrimaryKey,
  regions: readonly string[],
  dryRun: boolean,
  c: Paint,
  what: "replicate" | "wait" | "import" = "replicate",
): string {
  const facts = [primary.keySpec, primary.keyUsage, primary.origin].filter((f) => f !== undefined).join(", ");
  const where = `${regions.length} Region${regions.length === 1 ? "" : "s"}: ${regions.join(", ")}`;
  const key = c.bold(literal(primary.keyId));
  if (what !== "replicate") {
    const verb = what === "wait" ? "Waiting for" : "Importing key material into";
    return `${verb} the replicas of ${key} (primary in ${c.bold(primary.region)}, ${facts}) in ${where}`;
  }
  const verb = dryRun ? "Dry run: would replicate" : "Replicating";
  return `${verb} ${key} from ${c.bold(primary.region)} (${facts}) into ${where}`;
}

export function summaryLine(
  results: readonly RegionResult[],
  elapsedMs: number,
  dryRun: boolean,
  c: Paint,
): string {
  const counts = new Map<RegionStatus, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const parts = REGION_STATUSES.flatMap((s) => {
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
  importing: "importing…",
};

/** The spinner's text: one line per Region still in progress. */
export function progressText(
  inProgress: ReadonlyMap<string, { phase: RegionPhase; keyState?: string; label?: string; since: number }>,
  now: number,
  c: Paint,
  width = 14,
): string {
  const lines = [...inProgress].map(([region, p]) => {
    const what = p.label ?? (p.phase === "creating" ? (p.keyState ?? "Creating") : PHASE_TEXT[p.phase]);
    return `${region.padEnd(width)} ${what.padEnd(15)} ${c.dim(seconds(now - p.since))}`;
  });
  return `Waiting for ${inProgress.size} Region${inProgress.size === 1 ? "" : "s"}\n  ${lines.join("\n  ")}`;
}

/** `45s`, `4m30s`, `1h02m05s`: an elapsed time in a heartbeat line. */
export function clock(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number): string => String(n).padStart(2, "0");
  if (h > 0) return `${h}h${two(m)}m${two(s)}s`;
  if (m > 0) return `${m}m${two(s)}s`;
  return `${s}s`;
}

const HEARTBEAT_TEXT: Record<RegionPhase, string> = {
  queued: "queued",
  requesting: "ReplicateKey",
  checking: "checking",
  creating: "Creating",
  importing: "importing",
};

/**
 * Without a spinner, every so often: `waiting: eu-west-1 Creating 4m30s, ap-southeast-2 Creating
 * 4m30s`, each Region still in progress with its last state and how long it has been worked on.
 */
export function heartbeatLine(
  inProgress: ReadonlyMap<string, { phase: RegionPhase; keyState?: string; label?: string; since: number }>,
  now: number,
): string {
  const regions = [...inProgress].map(([region, p]) => {
    const what =
      p.label?.replace(/…$/, "") ??
      (p.phase === "creating" ? (p.keyState ?? "Creating") : HEARTBEAT_TEXT[p.phase]);
    return `${region} ${what} ${clock(now - p.since)}`;
  });
  return `waiting: ${regions.join(", ")}`;
}

/** The options a `kms-replicate wait` needs to pick up where a run stopped. */
export interface ResumeOptions {
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly connectTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  /** The --timeout to suggest. */
  readonly timeoutMs: number;
  /** The run's own arguments (after `kms-replicate`), for "run the same command again". */
  readonly argv?: readonly string[];
}

/** A word as a POSIX shell reads it back: as is when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A duration as --timeout reads it: `20m`, `90s`, `1h`, `1500ms`. */
export function durationFlag(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * The run's own command with the suggested --timeout (`kms-replicate promote --all-primaries …
 * --timeout 20m`): what finishes the work --timeout kept from being sent; undefined without argv.
 */
export function rerunCommand(options: ResumeOptions): string | undefined {
  if (options.argv === undefined) return undefined;
  const words: string[] = [];
  for (let i = 0; i < options.argv.length; i += 1) {
    const word = options.argv[i] ?? "";
    if (word === "--timeout") i += 1;
    else if (!word.startsWith("--timeout=")) words.push(redactUrl(word));
  }
  return ["kms-replicate", ...words, "--timeout", durationFlag(options.timeoutMs)].map(shellQuote).join(" ");
}

/** The lines that tell how to finish what --timeout kept from being sent (`regions`: where). */
export function rerunLines(regions: readonly string[], options: ResumeOptions | undefined): string[] {
  if (regions.length === 0) return [];
  const again = options === undefined ? undefined : rerunCommand(options);
  const where = regions.join(", ");
  return again === undefined
    ? [
        `--timeout ran out before every change was sent (${where}): run the same command again with a longer --timeout.`,
      ]
    : [
        `--timeout ran out before every change was sent (${where}). To finish (what is done counts as done):`,
        `  ${again}`,
      ];
}

/** `kms-replicate wait --key ARN --regions eu-west-1 … --timeout 20m`: to follow `regions` further. */
export function waitCommand(key: string, regions: readonly string[], options: ResumeOptions): string {
  return ["kms-replicate", "wait", "--key", key, ...waitFlags(regions, options)].map(shellQuote).join(" ");
}

/** The flags of a `kms-replicate wait` after its keys: the Regions, how to reach AWS, the timeout. */
export function waitFlags(regions: readonly string[], options: ResumeOptions): string[] {
  const words = ["--regions", regions.join(",")];
  if (options.profile !== undefined) words.push("--profile", options.profile);
  // Its password or token is not shown (`http://***@host`): the person puts it back.
  if (options.endpointUrl !== undefined) words.push("--endpoint-url", redactUrl(options.endpointUrl));
  if (options.connectTimeoutMs !== undefined) {
    words.push("--cli-connect-timeout", String(options.connectTimeoutMs / 1000));
  }
  if (options.readTimeoutMs !== undefined)
    words.push("--cli-read-timeout", String(options.readTimeoutMs / 1000));
  words.push("--timeout", durationFlag(options.timeoutMs));
  return words;
}

/** `KMS.ReplicateKey(us-east-1 → eu-west-1) attempt 2 [412ms] -> ThrottlingException, retrying` */
export function debugLine(call: CallEvent): string {
  const outcome =
    call.errorName === undefined ? "OK" : `${literal(call.errorName)}${call.willRetry ? ", retrying" : ""}`;
  const where = call.target === undefined ? call.region : `${call.region} → ${call.target}`;
  return `[debug] KMS.${call.operation}(${where}) attempt ${call.attempt} [${Math.round(call.durationMs)}ms] -> ${outcome}`;
}

/**
 * What every reporter prints for a warning (unless --quiet), an SDK log line (with --debug) and a
 * call (with --debug its line; else, once per operation and Region, the retry notice); undefined:
 * nothing. `noticed` holds the calls whose retries were already announced.
 */
export function noticeLine(
  event: Extract<ReplicaEvent, { type: "warning" | "sdk-log" | "call" }>,
  mode: { readonly quiet: boolean; readonly debug: boolean },
  c: Paint,
  noticed: Set<string>,
): string | undefined {
  switch (event.type) {
    case "warning":
      return mode.quiet ? undefined : c.yellow(`⚠ ${event.message}`);
    case "sdk-log":
      return mode.debug ? c.dim(`sdk ${event.level}: ${event.message}`) : undefined;
    case "call": {
      if (mode.debug) return c.dim(debugLine(event));
      const notice = retryNotice(event);
      const key = `${event.operation} ${event.region} ${event.target ?? ""}`;
      if (notice === undefined || mode.quiet || noticed.has(key)) return undefined;
      noticed.add(key);
      return c.yellow(`⚠ ${notice}`);
    }
  }
}

/**
 * Without --debug, a call that failed twice in a row and is retried again gets one line, so a
 * person knows why nothing moves (a network outage is retried for about 15 s). `undefined` for
 * every other call: one failure is routine, and the final failure is reported anyway.
 */
export function retryNotice(call: CallEvent): string | undefined {
  if (!call.willRetry || call.attempt !== 2 || call.errorName === undefined) return undefined;
  const where = call.target === undefined ? call.region : `${call.region} (for ${call.target})`;
  return `${call.operation} in ${where} failed twice (${literal(call.errorName)}); retrying with backoff. --debug shows every attempt.`;
}
