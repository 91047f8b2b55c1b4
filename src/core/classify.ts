// Which of our names (the advice table's, src/core/advice.ts) a thrown value is: KMS's error names,
// and our own for transport failures (a closed connection, no network, a connect or read timeout,
// a Region KMS does not serve).
import { ADVICE, type AwsErrorName } from "./advice.js";
import { errorFacts, sdkErrorOf, type ErrorFacts } from "./call-error.js";

/** A connection that closed before the answer: the request may have been carried out. */
const CLOSED_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);
/** No connection at all: nothing was sent. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);
/**
 * A TLS certificate the client does not trust (Node's and OpenSSL's codes): an endpoint or a
 * TLS-inspecting proxy with a CA that is not in Node's roots nor in --ca-bundle / AWS_CA_BUNDLE, or
 * a certificate that is expired or for another name. Nothing was sent; another attempt fails alike.
 */
const CERTIFICATE_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "INVALID_CA",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);
/** KMS's public endpoint of a Region (kms.REGION.amazonaws.com, kms-fips.…, ….amazonaws.com.cn). */
const KMS_HOST = /\bkms(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\b/;

/**
 * KMS does not serve the Region the call was for: its public host has no DNS name (a Region that
 * does not exist has no endpoint), or an endpoint refused a credential scoped to a Region it does
 * not serve ("Credential should be scoped to a valid region").
 */
function regionNotServed(error: object, facts: ErrorFacts): boolean {
  if (facts.code === "ENOTFOUND") {
    const hostname = (error as { hostname?: unknown }).hostname;
    return KMS_HOST.test(typeof hostname === "string" ? hostname : facts.message);
  }
  return facts.name === "InvalidSignatureException" && /scoped to a valid region/i.test(facts.message);
}

/**
 * Which timeout fired. @smithy/node-http-handler names every timeout `TimeoutError` (and renames
 * ECONNRESET, ECONNREFUSED and EPIPE to it too, so the code is checked first): its connection
 * timeout says "did not establish a connection"; its request and socket timeouts fire once
 * connected. An operating-system ETIMEDOUT from connect() carries `syscall: "connect"`.
 */
function timeoutKind(error: object, facts: ErrorFacts): "ConnectTimeout" | "ReadTimeout" | undefined {
  if (facts.name !== "TimeoutError" && facts.code !== "ETIMEDOUT" && facts.code !== "ERR_SOCKET_TIMEOUT") {
    return undefined;
  }
  const syscall = (error as { syscall?: unknown }).syscall;
  return syscall === "connect" || facts.message.includes("establish a connection")
    ? "ConnectTimeout"
    : "ReadTimeout";
}

/** Maps any thrown value to one of our names (or undefined when we have no advice for it). */
export function classify(thrown: unknown): AwsErrorName | undefined {
  const error = sdkErrorOf(thrown);
  if (typeof error !== "object" || error === null) return undefined;
  // An AbortSignal's reason (Ctrl-C; AbortSignal.timeout's "TimeoutError" is a caller's deadline).
  if (error instanceof DOMException) return undefined;
  const facts = errorFacts(error);
  if (facts.code !== undefined && CERTIFICATE_CODES.has(facts.code)) return "UntrustedCertificate";
  // A proxy that wants credentials answers 407 (to a CONNECT, or to a plain request) in KMS's place.
  if (facts.httpStatus === 407) return "ProxyAuthenticationRequired";
  if (facts.code !== undefined && CLOSED_CODES.has(facts.code)) return "ConnectionClosed";
  if (facts.message === "socket hang up") return "ConnectionClosed";
  if (regionNotServed(error, facts)) return "RegionNotServed";
  if (facts.code !== undefined && NETWORK_CODES.has(facts.code)) return "NetworkError";
  const timeout = timeoutKind(error, facts);
  if (timeout !== undefined) return timeout;
  if (facts.name in ADVICE) return facts.name as AwsErrorName;
  if (facts.name === "ProviderError" || facts.name === "TokenProviderError")
    return "CredentialsProviderError";
  // The SDK names unmodelled 5xx errors after their HTTP status or gives them a generic name.
  if (facts.httpStatus !== undefined && facts.httpStatus >= 500) return "KMSInternalException";
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? classify(cause) : undefined;
}
