// The SDK's own retry predicates, bundled on their own (see scripts/build.mjs): through @smithy/core/retry's
// barrel inside the split build they would drag the retry middleware and half of @smithy/core into start-up.
export {
  isClockSkewCorrectedError,
  isServerError,
  isThrottlingError,
  isTransientError,
} from "@smithy/core/retry";
