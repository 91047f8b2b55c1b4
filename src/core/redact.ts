// Secrets out of everything shown: messages, hints, --debug and SDK log lines, the JSON document.
// Two kinds. A URL we know is a URL (--endpoint-url, AWS_ENDPOINT_URL…) goes through redactUrl
// wherever it is shown. Any other text that may carry one (an error's message, an SDK warning)
// goes through redactSecrets, which finds secrets by their shape: no copy of a secret is kept to
// look for.

const HIDDEN = "***";

/** A URL: scheme, authority (its user information up to the last `@`), path, query, fragment. */
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^/?#]*)@)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/is;

/**
 * `url` as it may be shown: its user information (`user:password@`, or a token as the user name)
 * becomes `***@`, the value of every query parameter `***` (a signed URL or an API key travels
 * there), a fragment `***`. The rest stays as written, so the reader still sees where the calls
 * went. A value that is not a URL is redacted as text.
 */
export function redactUrl(url: string): string {
  return URL_PARTS.test(url) ? redactParts(url, true) : redactUrlsIn(url);
}

function redactParts(url: string, fragment: boolean): string {
  const [, scheme = "", user, rest = "", query, hash] = URL_PARTS.exec(url) ?? [];
  const params = query
    ?.split("&")
    .map((p) => (p.includes("=") ? `${p.slice(0, p.indexOf("="))}=${HIDDEN}` : p === "" ? p : HIDDEN));
  return [
    scheme,
    user === undefined ? "" : `${HIDDEN}@`,
    rest,
    params === undefined ? "" : `?${params.join("&")}`,
    hash === undefined ? "" : `#${fragment ? HIDDEN : hash}`,
  ].join("");
}

/** A URL in a text: up to a blank, a quote, a bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;

/** Every URL in `text` with its user information and query values hidden (a fragment is kept: a link to a page's part). */
function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactParts(url, false));
}

/**
 * Long runs of base64 or hex: key material, a wrapped one or an import token if a service or a
 * library ever echoed one, a secret access key (40 characters), a session token, a SigV4
 * signature. No message we show needs them (key IDs are 32 hex digits, below the threshold).
 */
const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/g;
const HEX_RUN = /\b[0-9a-fA-F]{48,}\b/g;
/**
 * An access key ID (AKIA… long-term, ASIA… temporary): not a secret on its own, but AWS asks that
 * it not be shared. Shown as the AWS CLI's `aws configure list` shows it: its last 4 characters.
 */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{12}([A-Z0-9]{4})\b/g;

/**
 * `text` with every run that may be a secret (see BASE64_RUN) replaced by `[redacted]`, the
 * credentials and query values of every URL in it by `***`, and every access key ID cut to its
 * last 4 characters.
 */
export function redactSecrets(text: string): string {
  return redactUrlsIn(text)
    .replace(HEX_RUN, "[redacted]")
    .replace(BASE64_RUN, (run) =>
      /[0-9]/.test(run) && /[A-Z]/.test(run) && /[a-z]/.test(run) ? "[redacted]" : run,
    )
    .replace(ACCESS_KEY_ID, "****************$1");
}
