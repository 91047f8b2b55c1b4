// What a run says besides its results: warnings, the SDK's log and the calls (with --debug), and
// the one notice that a call is being retried.
import type { ReplicaEvent } from "../core/events.js";
import { literal, type Paint } from "./terminal-text.js";

type CallEvent = Extract<ReplicaEvent, { type: "call" }>;

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
      if (!mode.debug) return undefined;
      return c.dim(
        event.level === "debug" ? `[debug] ${event.message}` : `sdk ${event.level}: ${event.message}`,
      );
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
