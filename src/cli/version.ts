// The versions `--version` prints, injected by scripts/build.mjs (esbuild `define`), so that start-up
// reads neither package.json nor the AWS SDK. Without a build (vitest), they say so.
declare const __KMS_REPLICATE_VERSION__: string | undefined;
declare const __AWS_SDK_KMS_VERSION__: string | undefined;

export const TOOL_VERSION: string =
  typeof __KMS_REPLICATE_VERSION__ === "string" ? __KMS_REPLICATE_VERSION__ : "0.0.0-dev";
export const SDK_VERSION: string =
  typeof __AWS_SDK_KMS_VERSION__ === "string" ? __AWS_SDK_KMS_VERSION__ : "unknown";

/** `kms-replicate 0.1.0 (node v20.20.2, @aws-sdk/client-kms 3.1164.0)` */
export function versionLine(node: string = process.version): string {
  return `kms-replicate ${TOOL_VERSION} (node ${node}, @aws-sdk/client-kms ${SDK_VERSION})`;
}
