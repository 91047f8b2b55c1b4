// While Regions are in progress: the spinner's text (on a terminal) and the heartbeat line (without one).
import type { RegionPhase } from "../core/events.js";
import { seconds } from "./lines.js";
import type { Paint } from "./terminal-text.js";

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
