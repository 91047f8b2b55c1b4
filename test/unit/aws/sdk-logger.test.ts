// The SDK's log as events: text warnings and errors only, never the wire log, and no `info`.
import { beforeEach, describe, expect, it } from "vitest";
import type { ReplicaEvent } from "../../../src/core/events.js";
import { sdkLogger } from "../../../src/aws/sdk-logger.js";

let events: ReplicaEvent[];
beforeEach(() => {
  events = [];
});

describe("sdkLogger", () => {
  it("routes text warnings and errors into events, and drops the wire log", () => {
    // GIVEN
    const logger = sdkLogger((e) => events.push(e));
    // WHEN
    logger.warn("@smithy/node-http-handler:WARN - socket usage\n   at capacity");
    logger.error({ clientName: "KMSClient", input: { Policy: "..." } });
    logger.debug("chain");
    // THEN
    expect(events).toEqual([
      {
        type: "sdk-log",
        level: "warn",
        message: "@smithy/node-http-handler:WARN - socket usage at capacity",
      },
    ]);
  });

  it("has no info: the SDK's logger middleware then builds no filtered copy of each request and answer", () => {
    // GIVEN, WHEN
    const logger = sdkLogger((e) => events.push(e));
    // THEN: loggerMiddleware calls logger?.info?.(…), whose arguments are built only if info exists
    expect(Object.hasOwn(logger, "info")).toBe(false);
  });
});
