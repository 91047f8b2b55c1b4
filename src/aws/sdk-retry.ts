// The SDK's own retry predicates (@smithy/core's service-error classification, used by
// core/retryable.ts), imported by path: through @smithy/core/retry's barrel they would bring the
// retry middleware and half of @smithy/core (about 35 kB) into every command's work, usage errors
// included. Typed from the barrel's declarations.
import type * as Retry from "@smithy/core/retry";
// @ts-expect-error -- the ES build has no declaration file beside it; typed just below
import * as classification from "../../node_modules/@smithy/core/dist-es/submodules/retry/service-error-classification/service-error-classification.js";

const sdk = classification as Pick<
  typeof Retry,
  "isClockSkewCorrectedError" | "isServerError" | "isThrottlingError" | "isTransientError"
>;

export const { isClockSkewCorrectedError, isServerError, isThrottlingError, isTransientError } = sdk;
