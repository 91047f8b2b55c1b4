// The AWS SDK's own partition metadata (which Regions belong to aws, aws-cn, aws-us-gov, …).
// Its own module so the build can tree-shake it out of the SDK's barrel file: validating Regions
// must not load the whole SDK (see scripts/build.mjs).
export { partition } from "@aws-sdk/core/client";
