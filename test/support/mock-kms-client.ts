// The AWS adapter over a KMSClient whose answers aws-sdk-client-mock gives (every KMSClient's send
// is stubbed while a test file uses it), for the adapter's unit tests.
import { KMSClient, type KeyMetadata } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { vi } from "vitest";
import type { RetryPolicy } from "../../src/aws/backoff.js";
import { createKms } from "../../src/aws/client.js";
import type { ReplicaEvent } from "../../src/core/events.js";
import { KEY_ID, PRIMARY_ARN } from "./fixtures.js";

export const METADATA: KeyMetadata = {
  KeyId: KEY_ID,
  Arn: PRIMARY_ARN,
  KeyState: "Enabled",
};

/** 2 retries, 1 ms apart: 3 attempts at most, and fast. */
export const TINY: RetryPolicy = { retries: 2, minTimeout: 1, factor: 1, maxTimeout: 1, randomize: false };

export const kmsMock = mockClient(KMSClient);
export const client = new KMSClient({
  region: "us-east-1",
  credentials: { accessKeyId: "AKID", secretAccessKey: "s" },
});

export function setup(): {
  kms: ReturnType<typeof createKms>;
  events: ReplicaEvent[];
  clientFor: (region: string) => KMSClient;
} {
  const events: ReplicaEvent[] = [];
  const clientFor = vi.fn((_region: string) => client);
  const kms = createKms({ clientFor, retry: TINY, emit: (event) => events.push(event) });
  return { kms, events, clientFor };
}

/** The call events, without their durations. */
export function calls(events: readonly ReplicaEvent[]): unknown[] {
  return events.flatMap((e) =>
    e.type === "call"
      ? [
          {
            operation: e.operation,
            region: e.region,
            ...(e.target !== undefined ? { target: e.target } : {}),
            attempt: e.attempt,
            errorName: e.errorName,
            willRetry: e.willRetry,
          },
        ]
      : [],
  );
}
