// The SDK never prints: every client, and every credential provider, logs through sdkLogger, which
// turns warnings and errors into `sdk-log` events (shown with --debug) and drops the rest; its
// notice about Node versions is turned off.
import type { Logger } from "@smithy/types";
import type { Emit } from "../core/events.js";
import { redactSecrets } from "../core/redact.js";

// Every KMSClient, also the one that only reads a profile's Region, warns under Node 20 that SDK
// releases after January 2027 need Node 22. Our lockfile pins a release that supports Node 20, so
// the notice is noise for our users: silence it for the whole process, before any client exists.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** The SDK's log, as events: warnings and errors become `sdk-log` (shown with --debug), the rest is dropped. */
export function sdkLogger(emit: Emit): Logger {
  const route =
    (level: "warn" | "error") =>
    (...content: unknown[]): void => {
      // The SDK's warnings are text. Objects are its logger middleware's record of each request
      // (input, output, error): the wire log, which our `call` events already summarise.
      if (!content.every((part) => typeof part === "string")) return;
      const message = redactSecrets(content.join(" ").replace(/\s+/g, " ").trim());
      emit({ type: "sdk-log", level, message });
    };
  const drop = (): void => undefined;
  const logger: Omit<Logger, "info"> = {
    trace: drop,
    debug: drop,
    warn: route("warn"),
    error: route("error"),
  };
  // No `info`: the SDK's logger middleware calls `logger?.info?.({ input, output })` after every
  // call, building a filtered copy of the request and the answer for it; without `info` it builds
  // nothing (1 to 2 % of a fleet's CPU). Nothing else in the SDK calls `info`.
  return logger as Logger;
}
