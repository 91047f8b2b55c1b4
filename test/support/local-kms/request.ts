// What the endpoint reads of a request's SigV4 signature: the credential scope (access key ID,
// Region, service) and the signing time, and KMS's check of that time against its clock.
import type { IncomingMessage } from "node:http";
import { KmsFault } from "./errors.js";

/** The credential scope of a SigV4-signed request: `Credential=AKID/20261122/eu-west-1/kms/aws4_request`. */
export interface Scope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

export function scopeOfRequest(authorization: string | undefined): Scope | undefined {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? "");
  if (match === null) return undefined;
  const [, accessKeyId = "", region = "", service = ""] = match;
  return { accessKeyId, region, service };
}

/** The Region of a SigV4-signed KMS request: `Credential=AKID/20261122/eu-west-1/kms/aws4_request`. */
export function regionOfRequest(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\/kms\/aws4_request/.exec(authorization ?? "")?.[1];
}

/** The access key ID of a SigV4-signed request (the part of Credential= before the date). */
export function accessKeyIdOfRequest(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? "")?.[1];
}

/** `20261122T101500Z` (the X-Amz-Date header) → epoch ms. */
export function parseAmzDate(value: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
  if (m === null) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

const amzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");

/** KMS refuses a request signed more than this far from its own clock. */
const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** InvalidSignatureException for a request signed at `signedAt`, more than 5 minutes from `now`. */
export function signatureOutOfTime(signedAt: number | undefined, now: number): KmsFault | undefined {
  if (signedAt === undefined || Math.abs(now - signedAt) <= SIGNATURE_WINDOW_MS) return undefined;
  const earliest = amzDate(now - SIGNATURE_WINDOW_MS);
  return new KmsFault(
    "InvalidSignatureException",
    signedAt < now
      ? `Signature expired: ${amzDate(signedAt)} is now earlier than ${earliest} (${amzDate(now)} - 5 min.)`
      : `Signature not yet current: ${amzDate(signedAt)} is still later than ${amzDate(now + SIGNATURE_WINDOW_MS)} (${amzDate(now)} + 5 min.)`,
  );
}

export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}
