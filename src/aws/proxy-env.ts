// Which proxy a request goes through, read from the environment as the AWS CLI reads it. The AWS
// CLI (botocore) asks Python's urllib: getproxies_environment() and proxy_bypass_environment().
//   - HTTPS_PROXY / https_proxy for https endpoints (a CONNECT tunnel), HTTP_PROXY / http_proxy for
//     http endpoints (absolute-form requests). When both spellings are set, the lowercase one wins,
//     and a lowercase one set to "" turns the proxy off whatever the uppercase one says.
//   - NO_PROXY / no_proxy (same rule): "*" alone bypasses every host; otherwise a comma-separated
//     list, each entry trimmed, its leading dots dropped, compared without case: the host equals it
//     or ends with "." + it (so "example.com" and ".example.com" both match example.com and
//     a.example.com), where the host is compared both without and with the port the endpoint URL
//     names ("127.0.0.1:4566"). An IP address matches as text; there are no CIDR ranges (curl
//     has them since 7.86; the AWS CLI does not).
//   - A proxy URL without a scheme is taken as http:// (botocore's _fix_proxy_url).
import { usageError } from "../core/errors.js";
import { redactUrl } from "../core/redact.js";

/** The proxy for one scheme of endpoint, and the variable it came from (for --debug). */
export interface ProxySetting {
  readonly url: URL;
  readonly source: string;
}

/** What the environment says about proxies. */
export interface ProxyEnvironment {
  readonly http?: ProxySetting;
  readonly https?: ProxySetting;
  /** NO_PROXY's value as set (undefined: none). */
  readonly noProxy?: string;
}

/** `name` as urllib reads it: the lowercase variable if set (an empty one unsets), else the uppercase one. */
function lowercaseFirst(env: NodeJS.ProcessEnv, name: string): { value: string; source: string } | undefined {
  const lower = env[name];
  if (lower !== undefined) return lower === "" ? undefined : { value: lower, source: name };
  const upper = env[name.toUpperCase()];
  return upper === undefined || upper === "" ? undefined : { value: upper, source: name.toUpperCase() };
}

/** A proxy URL as botocore takes it: `host:port` and `//host:port` are http://; only http(s) proxies. */
export function parseProxyUrl(value: string, source: string): URL {
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
    ? trimmed
    : trimmed.startsWith("//")
      ? `http:${trimmed}`
      : `http://${trimmed}`;
  const url = URL.canParse(withScheme) ? new URL(withScheme) : undefined;
  if (url === undefined || !["http:", "https:"].includes(url.protocol) || url.hostname === "") {
    throw usageError(
      `${source} (${redactUrl(trimmed)}) is not a proxy URL.`,
      "Set it like http://proxy.example.com:3128 (http://USER:PASSWORD@HOST:PORT with credentials), or unset it.",
    );
  }
  return url;
}

export function proxyEnvironment(env: NodeJS.ProcessEnv): ProxyEnvironment {
  const read = (name: string): ProxySetting | undefined => {
    const found = lowercaseFirst(env, name);
    return found === undefined
      ? undefined
      : { url: parseProxyUrl(found.value, found.source), source: found.source };
  };
  const http = read("http_proxy");
  const https = read("https_proxy");
  const noProxy = lowercaseFirst(env, "no_proxy")?.value;
  return {
    ...(http !== undefined ? { http } : {}),
    ...(https !== undefined ? { https } : {}),
    ...(noProxy !== undefined ? { noProxy } : {}),
  };
}

/**
 * Whether NO_PROXY sends a request for `hostname` (with `port` when the endpoint URL names one)
 * past the proxy: urllib's proxy_bypass_environment, on the URL's netloc as botocore gives it.
 */
export function bypassesProxy(noProxy: string | undefined, hostname: string, port?: number): boolean {
  if (noProxy === undefined) return false;
  if (noProxy === "*") return true;
  const hostOnly = hostname.toLowerCase();
  const host = port === undefined ? hostOnly : `${hostOnly}:${port}`;
  return noProxy.split(",").some((entry) => {
    const name = entry.trim().replace(/^\.+/, "").toLowerCase();
    if (name === "") return false;
    return hostOnly === name || host === name || hostOnly.endsWith(`.${name}`) || host.endsWith(`.${name}`);
  });
}

/** The proxy a request to `protocol//hostname[:port]` goes through, or undefined: straight to it. */
export function proxyFor(
  proxies: ProxyEnvironment,
  target: { readonly protocol: string; readonly hostname: string; readonly port?: number },
): ProxySetting | undefined {
  const proxy = target.protocol === "https:" ? proxies.https : proxies.http;
  if (proxy === undefined) return undefined;
  return bypassesProxy(proxies.noProxy, target.hostname, target.port) ? undefined : proxy;
}

/** A proxy as shown (--debug, messages): its user and password hidden. */
export const shownProxy = (proxy: ProxySetting): string =>
  `${redactUrl(proxy.url.href.replace(/\/$/, ""))} (${proxy.source})`;
