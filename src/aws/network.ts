// How the run's requests reach AWS, worked out once before any call (resolveNetwork) and turned
// into the http(s) agents every client uses (agentsFor): the endpoints of KMS and STS (see
// endpoints.ts), the proxies (proxy-env.ts) and the certificates a TLS endpoint is checked
// against (--ca-bundle, AWS_CA_BUNDLE, the profile's ca_bundle; --no-verify-ssl).
//
// The proxies are agents of the proxy-agents project (https-proxy-agent: a CONNECT tunnel for
// https endpoints; http-proxy-agent: absolute-form requests for http ones), put under the SDK's
// node HTTP handler as its httpsAgent / httpAgent: the handler's connect and read timeouts, our
// request watch (sent.ts) and our keep-alive and socket settings stay as they are. A request whose
// host NO_PROXY names goes to a plain agent of the same settings instead, decided per request.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import * as tls from "node:tls";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";
import { usageError } from "../core/errors.js";
import { redactUrl } from "../core/redact.js";
import { configuredEndpoint, endpointConfig, type ConfiguredEndpoint } from "./endpoints.js";
import { bypassesProxy, proxyEnvironment, shownProxy, type ProxyEnvironment } from "./proxy-env.js";

/** What the run was given: the flags (the rest comes from the environment and the profile). */
export interface NetworkOptions {
  readonly profile?: string;
  /** --endpoint-url */
  readonly endpointUrl?: string;
  /** --ca-bundle */
  readonly caBundle?: string;
  /** false: --no-verify-ssl. */
  readonly verifySsl?: boolean;
}

/** The certificates a TLS endpoint may be signed by, besides Node's own roots. */
export interface CaBundle {
  readonly file: string;
  /** --ca-bundle, AWS_CA_BUNDLE or `ca_bundle (profile NAME)`. */
  readonly source: string;
  /** Each certificate, PEM. */
  readonly certificates: readonly string[];
}

export interface Network {
  /** Where KMS calls go; undefined: KMS's endpoint of each Region. */
  readonly kms?: ConfiguredEndpoint;
  /** Where the credential providers' STS calls go; undefined: the SDK's STS endpoint. */
  readonly sts?: ConfiguredEndpoint;
  readonly proxies: ProxyEnvironment;
  readonly ca?: CaBundle;
  /** false: --no-verify-ssl (certificates are not checked). */
  readonly verify: boolean;
}

/** No proxy, no CA bundle, no configured endpoint: how a unit test's adapter reaches its endpoint. */
export const DIRECT: Network = { proxies: {}, verify: true };

/**
 * Everything the run's requests need from the flags, the environment and the config file; a
 * setting that cannot work (a URL that is not one, a CA file that cannot be read or holds no
 * certificate) is a usage error here, before any call.
 */
export async function resolveNetwork(options: NetworkOptions, env: NodeJS.ProcessEnv): Promise<Network> {
  const config = await endpointConfig(options.profile, env);
  const kms = configuredEndpoint("kms", options.endpointUrl, env, config);
  // The credential providers' STS client resolves its endpoint itself, with the profile
  // AWS_PROFILE names (or default), whatever --profile says (see endpoints.ts): named as it goes.
  const sts = configuredEndpoint(
    "sts",
    undefined,
    env,
    options.profile === undefined ? config : await endpointConfig(undefined, env),
  );
  const bundle =
    given(options.caBundle, "--ca-bundle") ??
    given(env.AWS_CA_BUNDLE, "AWS_CA_BUNDLE") ??
    given(config.profile.settings?.ca_bundle, `ca_bundle (profile ${config.profile.name})`);
  return {
    ...(kms !== undefined ? { kms } : {}),
    ...(sts !== undefined ? { sts } : {}),
    proxies: proxyEnvironment(env),
    ...(bundle !== undefined ? { ca: readCaBundle(bundle.file, bundle.source) } : {}),
    verify: options.verifySsl !== false,
  };
}

const given = (file: string | undefined, source: string): { file: string; source: string } | undefined =>
  file === undefined || file.trim() === "" ? undefined : { file: file.trim(), source };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates of a PEM file; a file that cannot be read, or holds none or a broken one: usage error. */
export function readCaBundle(file: string, source: string): CaBundle {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw usageError(
      `${source} ${file}: the file cannot be read${typeof code === "string" ? ` (${code})` : ""}.`,
      "Give the path of a PEM file that holds the CA certificates (-----BEGIN CERTIFICATE-----).",
    );
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    throw usageError(
      `${source} ${file}: no PEM certificate in the file (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----).`,
      "Give the CA certificates in PEM form (convert a DER file with: openssl x509 -inform der -in FILE -out FILE.pem).",
    );
  }
  certificates.forEach((pem, index) => {
    try {
      new X509Certificate(pem);
    } catch {
      throw usageError(
        `${source} ${file}: certificate ${index + 1} of ${certificates.length} is not valid PEM.`,
      );
    }
  });
  return { file, source, certificates };
}

/**
 * Node's roots: tls.getCACertificates("default") where Node has it (22.15 and later: also
 * NODE_EXTRA_CA_CERTS and, with --use-system-ca, the system's), else tls.rootCertificates.
 */
function defaultRoots(): readonly string[] {
  // eslint-disable-next-line n/no-unsupported-features/node-builtins -- looked up, undefined before 22.15
  const get = (tls as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  return get?.("default") ?? tls.rootCertificates;
}

/** The lines --debug shows about how calls are sent (never a proxy's credentials). */
export function describeNetwork(network: Network): string[] {
  const endpoint = (name: string, e: ConfiguredEndpoint | undefined, otherwise: string): string =>
    `${name} endpoint: ${e === undefined ? otherwise : `${redactUrl(e.url)} (${e.source})`}`;
  const { http, https, noProxy } = network.proxies;
  return [
    endpoint("KMS", network.kms, "KMS's endpoint of each Region"),
    endpoint("STS", network.sts, "the SDK's"),
    `proxy for https endpoints: ${https === undefined ? "none" : shownProxy(https)}; for http endpoints: ${http === undefined ? "none" : shownProxy(http)}${noProxy === undefined ? "" : `; NO_PROXY: ${noProxy}`}`,
    `certificates: ${network.verify ? "checked" : "NOT checked (--no-verify-ssl)"} against Node's roots${network.ca === undefined ? "" : ` and ${network.ca.certificates.length} from ${network.ca.file} (${network.ca.source})`}`,
  ];
}

/** Node's defaults in the SDK's node HTTP handler (keep-alive, 50 sockets per origin), per agent. */
export const AGENT_OPTIONS = { keepAlive: true, maxSockets: 50 } as const;

/** What an agent does with a request (Node's http.Agent and agents built on it have it). */
interface Routable {
  addRequest(request: unknown, options: { host?: string; port?: number | string }): unknown;
  destroy(): void;
}

/**
 * `proxied`, except that a request for a host NO_PROXY names goes to `direct`. The port counts
 * only when it is not the scheme's default (botocore compares the URL's host[:port] as written).
 */
function routed<A extends object>(
  proxied: A,
  direct: HttpAgent,
  noProxy: string | undefined,
  defaultPort: number,
): A {
  if (noProxy === undefined) return proxied;
  const agent = proxied as A & Routable;
  const viaProxy = agent.addRequest.bind(agent);
  const destroy = agent.destroy.bind(agent);
  const straight = direct as unknown as Routable;
  agent.addRequest = (request, options) => {
    const port = Number(options.port ?? defaultPort);
    const bypass = bypassesProxy(noProxy, options.host ?? "", port === defaultPort ? undefined : port);
    return bypass ? straight.addRequest(request, options) : viaProxy(request, options);
  };
  agent.destroy = () => {
    direct.destroy();
    destroy();
  };
  return agent;
}

/**
 * https-proxy-agent checks the endpoint's certificate (through the tunnel) with the request's
 * options only: its constructor resets the agent's own options (`this.options = { path:
 * undefined }`), so a `ca` given to it reaches the proxy's TLS, never the endpoint's. This one adds
 * the run's checks to every tunnel's TLS.
 */
class CheckedHttpsProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: URL,
    private readonly checks: tls.ConnectionOptions,
  ) {
    super(proxy, { ...AGENT_OPTIONS, ...checks });
  }

  override connect(
    ...[request, options]: Parameters<HttpsProxyAgent<string>["connect"]>
  ): ReturnType<HttpsProxyAgent<string>["connect"]> {
    return super.connect(request, { ...options, ...this.checks });
  }
}

/** The agents a client's requests go through (each new: a client's sockets are its own). */
export function agentsFor(network: Network): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  const checks = {
    ...(network.ca === undefined ? {} : { ca: [...defaultRoots(), ...network.ca.certificates] }),
    ...(network.verify ? {} : { rejectUnauthorized: false }),
  };
  const http = new HttpAgent(AGENT_OPTIONS);
  const https = new HttpsAgent({ ...AGENT_OPTIONS, ...checks });
  const { http: httpProxy, https: httpsProxy, noProxy } = network.proxies;
  return {
    httpAgent:
      httpProxy === undefined
        ? http
        : routed(new HttpProxyAgent(httpProxy.url, AGENT_OPTIONS), http, noProxy, 80),
    // The checks apply to the endpoint's certificate through the tunnel (and to an https proxy's own).
    httpsAgent:
      httpsProxy === undefined
        ? https
        : routed(new CheckedHttpsProxyAgent(httpsProxy.url, checks), https, noProxy, 443),
  };
}
