// What the environment says about where calls go: the Region for a key given without one
// (regionFromEnvironment), and the endpoint a call to a Region went to (endpointFor, for messages).
import { KMSClient } from "@aws-sdk/client-kms";
import { nonEmpty, profileData } from "./credentials.js";
import { sdkLogger } from "./sdk-logger.js";

/**
 * The Region for a key given without an ARN and without --region: AWS_REGION, AWS_DEFAULT_REGION
 * (the AWS CLI's name, which the JavaScript SDK does not read), then the profile's `region`.
 */
export async function regionFromEnvironment(
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const fromEnvironment = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnvironment !== undefined && fromEnvironment !== "") return fromEnvironment;
  const named = profile ?? nonEmpty(env.AWS_PROFILE);
  if (named !== undefined) await profileData(named, env, true);
  const probe = new KMSClient({ profile, logger: sdkLogger(() => undefined) });
  try {
    return await probe.config.region();
  } catch {
    return undefined; // the SDK throws "Region is missing" when nothing names one
  } finally {
    probe.destroy();
  }
}

/**
 * For messages: where a call to `region` went, when the error does not say. `endpointUrl`: the
 * endpoint the adapter gave its clients (src/aws/endpoints.ts, with an empty `env`); without one
 * (a unit test's adapter), AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL, as the SDK then reads them.
 */
export function endpointFor(endpointUrl: string | undefined, region: string, env: NodeJS.ProcessEnv): string {
  return (
    endpointUrl ?? env.AWS_ENDPOINT_URL_KMS ?? env.AWS_ENDPOINT_URL ?? `https://kms.${region}.amazonaws.com`
  );
}
