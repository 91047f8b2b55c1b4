// The versions `--version` reports, fixed at build time by esbuild's `define` (scripts/build.mjs),
// so the bundle does not embed package.json. Unbundled (vitest, tsc) they fall back.
declare const __KMS_REPLICATE_VERSION__: string | undefined;
declare const __AWS_SDK_KMS_VERSION__: string | undefined;

export const TOOL_VERSION =
  typeof __KMS_REPLICATE_VERSION__ === "string" ? __KMS_REPLICATE_VERSION__ : "0.0.0-dev";
export const AWS_SDK_KMS_VERSION =
  typeof __AWS_SDK_KMS_VERSION__ === "string" ? __AWS_SDK_KMS_VERSION__ : "0.0.0-dev";
