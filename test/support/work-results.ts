// Two of sync's units of work as they settle, for the tests of their lines and documents: one done,
// one failed with what it had applied and what it had not.
import type { WorkResult } from "../../src/core/events.js";
import { PRIMARY, arnIn } from "./fixtures.js";

export const DONE = {
  keyId: PRIMARY.keyId,
  region: "eu-west-1",
  arn: arnIn("eu-west-1"),
  keyState: "Enabled",
  changes: [{ op: "tag", key: "cost", value: "42" }],
  elapsedMs: 1200,
  outcome: "done",
} as const satisfies WorkResult;
export const FAILED = {
  keyId: PRIMARY.keyId,
  region: "ap-southeast-2",
  arn: arnIn("ap-southeast-2"),
  keyState: "Enabled",
  changes: [{ op: "description", from: "a", to: "b" }],
  pending: [{ op: "tag", key: "cost", value: "42" }],
  elapsedMs: 900,
  outcome: "failed",
  error: {
    name: "AccessDeniedException",
    message: "denied",
    hint: "Grant kms:TagResource in ap-southeast-2.",
  },
} as const satisfies WorkResult;
