// Where KMS and STS calls go, as the AWS CLI orders the settings (AWS CLI User Guide,
// "Service-specific endpoints"; botocore's configprovider.ConfiguredEndpointProvider):
//   1. --endpoint-url (KMS only: it is a flag of this command's calls);
//   2. AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL_STS (the service's own variable);
//   3. AWS_ENDPOINT_URL;
//   4. the profile's `services` section: `kms =` / `sts =` with `endpoint_url = …` under it;
//   5. the profile's `endpoint_url`;
//   6. none: the SDK's endpoint for the Region (https://kms.REGION.amazonaws.com, …).
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, or the profile's ignore_configured_endpoint_urls = true
// (the variable, when set, wins over the profile), turns off 2 to 5; --endpoint-url still counts.
//
// The JavaScript SDK reads 2 to 5 itself, but from the profile named by AWS_PROFILE (or `default`),
// never from the client's `profile` (@smithy/core endpoints: getEndpointFromConfig calls loadConfig
// without one): with --profile it would read another profile's endpoint_url. So we resolve the
// endpoint here, with the run's profile, and give the clients the result (an endpoint, or
// ignoreConfiguredEndpointUrls): what --debug and the messages name is where the calls go.
import { usageError } from "../core/errors.js";

export type EndpointService = "kms" | "sts";

/** An endpoint from the configuration, and where it was set (for --debug). */
export interface ConfiguredEndpoint {
  readonly url: string;
  readonly source: string;
}

/** The parts of the shared config file the rule reads: the run's profile, and its services section. */
export interface EndpointConfig {
  /** The profile's name (for messages) and its settings, if it exists. */
  readonly profile: {
    readonly name: string;
    readonly settings?: Readonly<Record<string, string | undefined>>;
  };
  /** `[services NAME]`'s settings (`kms.endpoint_url`, …), if the profile names one and it exists. */
  readonly services?: Readonly<Record<string, string | undefined>>;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/** AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's ignore_configured_endpoint_urls: "true" (any case). */
export function ignoresConfiguredEndpoints(env: NodeJS.ProcessEnv, config: EndpointConfig): boolean {
  const value =
    nonEmpty(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) ??
    nonEmpty(config.profile.settings?.ignore_configured_endpoint_urls);
  return value?.toLowerCase() === "true";
}

/** The endpoint `service`'s calls go to, or undefined (the SDK's endpoint for the Region). */
export function configuredEndpoint(
  service: EndpointService,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  config: EndpointConfig,
): ConfiguredEndpoint | undefined {
  if (service === "kms" && flag !== undefined) return { url: flag, source: "--endpoint-url" };
  if (ignoresConfiguredEndpoints(env, config)) return undefined;
  const own = `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
  const profile = `profile ${config.profile.name}`;
  const servicesName = nonEmpty(config.profile.settings?.services);
  const candidates: [string | undefined, string][] = [
    [env[own], own],
    [env.AWS_ENDPOINT_URL, "AWS_ENDPOINT_URL"],
    [
      config.services?.[`${service}.endpoint_url`],
      `[services ${servicesName ?? ""}] ${service} endpoint_url (${profile})`,
    ],
    [config.profile.settings?.endpoint_url, `endpoint_url (${profile})`],
  ];
  for (const [value, source] of candidates) {
    const url = nonEmpty(value);
    if (url !== undefined) return { url: checkedUrl(url, source), source };
  }
  return undefined;
}

/** The port of a URL as written (`:99999`), before URL parsing refuses it without saying why. */
const URL_PORT = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)(?:[/?#]|$)/i;

/** An http(s) URL with a port in range; the value itself is not shown (it may hold a password). */
function checkedUrl(url: string, source: string): string {
  const port = URL_PORT.exec(url)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) {
    throw usageError(`${source}: the port ${port} is out of range; a port is 1 to 65535.`);
  }
  if (!URL.canParse(url) || !["http:", "https:"].includes(new URL(url).protocol)) {
    throw usageError(`${source} is not an http(s) URL.`, "Set it like http://127.0.0.1:4566, or unset it.");
  }
  return url;
}

/**
 * The run's profile (--profile, else AWS_PROFILE, else `default`) and its services section, from
 * the shared config file. A profile that names a services section the file lacks is a usage
 * error, as in the SDK and the AWS CLI.
 */
export async function endpointConfig(
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<EndpointConfig> {
  const { loadSharedConfigFiles } = await import("@smithy/core/config");
  const name = profile ?? nonEmpty(env.AWS_PROFILE) ?? "default";
  const files = await loadSharedConfigFiles();
  const settings = files.configFile[name];
  const servicesName = nonEmpty(settings?.services);
  if (servicesName === undefined) return { profile: { name, settings } };
  const services = files.configFile[`services.${servicesName}`];
  if (services === undefined) {
    throw usageError(
      `The profile ${name} names the services section "${servicesName}", which the config file does not have.`,
      `Add a [services ${servicesName}] section, or remove services = ${servicesName} from the profile.`,
    );
  }
  return { profile: { name, settings }, services };
}
