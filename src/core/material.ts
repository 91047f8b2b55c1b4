// Imported key material: read once into memory (never to disk, never printed), checked against the
// key spec before anything is changed, and overwritten with zeros after the last import. The
// expiration (ExpirationModel / ValidTo) each import is given, from the primary or the flags.
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { InvalidArgumentError } from "commander";
import { usageError } from "./errors.js";
import { readInput, STDIN, type InputContext } from "./input.js";
import { nodeCrypto } from "./lazy-crypto.js";

/** No key material is this long (an RSA_4096 PKCS#8 key is about 2.4 KB). */
export const MATERIAL_MAX_BYTES = 16 * 1024;

/** The material, in memory only. */
export interface KeyMaterial {
  /** Where it came from, for messages (`fileb://material.bin`, `stdin`): never its content. */
  readonly source: string;
  /** The bytes: read by the checks and the wrapping only. Throws once disposed. */
  bytes(): Buffer;
  /** Overwrites the bytes with zeros; idempotent. */
  dispose(): void;
}

export function materialOf(bytes: Buffer, source: string): KeyMaterial {
  let live = true;
  return {
    source,
    bytes() {
      if (!live) throw new TypeError("the key material was used after it was disposed");
      return bytes;
    },
    dispose() {
      bytes.fill(0);
      live = false;
    },
  };
}

/**
 * --key-material: `fileb://PATH` (binary, as in the AWS CLI), `fileb:///dev/stdin` or `-` for a
 * pipe. `file://` would be read as text by the AWS CLI: refused, so nobody guesses.
 */
export function parseMaterialSource(value: string): string {
  if (value === "-" || (value.startsWith("fileb://") && value.length > "fileb://".length)) return value;
  if (value.startsWith("file://")) {
    throw new InvalidArgumentError(`key material is binary: write fileb://${value.slice("file://".length)}.`);
  }
  throw new InvalidArgumentError(
    `'${value}' is not fileb://PATH or - (stdin); the material is never given on the command line.`,
  );
}

/**
 * Reads the material once, through the bounded reader: a regular file, a FIFO or pipe (process
 * substitution too), a device or stdin, at most MATERIAL_MAX_BYTES. A terminal is refused (the
 * material is never typed). `warn` hears of a file that group or others can read.
 */
export async function readMaterial(
  value: string,
  ctx: InputContext,
  warn: (message: string) => void,
): Promise<KeyMaterial> {
  const stdin = value === "-";
  const source = stdin ? "stdin" : value;
  const read = await readInput(
    {
      label: `--key-material ${value}`,
      path: stdin ? STDIN : value.slice("fileb://".length),
      maxBytes: MATERIAL_MAX_BYTES,
      cap: "the cap for key material (an RSA_4096 private key is about 2.4 KB)",
      secret: true,
      terminalHint: "Pipe it in (vault-cli get … | kms-replicate … --key-material -) or give fileb://PATH.",
    },
    ctx,
  );
  if (read.bytes.length === 0) throw usageError(`--key-material ${value} is empty.`);
  if (read.mode !== undefined && (read.mode & 0o077) !== 0) {
    warn(
      `${source} can be read or written by group or others (mode ${(read.mode & 0o777).toString(8)}); key material belongs in a file only you can read (chmod 600), or better in a pipe.`,
    );
  }
  return materialOf(read.bytes, source);
}

/** HMAC material lengths in bytes, by key spec (KMS developer guide). */
export const HMAC_MATERIAL_BYTES: Readonly<Record<string, readonly [number, number]>> = {
  HMAC_224: [28, 64],
  HMAC_256: [32, 64],
  HMAC_384: [48, 128],
  HMAC_512: [64, 128],
};

const CURVES: Readonly<Record<string, string>> = {
  ECC_NIST_P256: "prime256v1",
  ECC_NIST_P384: "secp384r1",
  ECC_NIST_P521: "secp521r1",
  ECC_SECG_P256K1: "secp256k1",
};

/**
 * The material fits the key spec, or a usage error (exit 2) says why, never showing the material:
 * symmetric exactly 32 bytes; HMAC within its spec's range; asymmetric a DER PKCS#8 private key of
 * the spec's algorithm and size. (Parsing a private key copies it into OpenSSL's memory, which no
 * JavaScript can zero; that copy is released with the KeyObject.)
 */
export function checkMaterial(keySpec: string, material: KeyMaterial): void {
  const bytes = material.bytes();
  const refuse = (why: string, hint?: string): never => {
    throw usageError(
      `--key-material ${material.source} is not key material for a ${keySpec} key: ${why}.`,
      hint,
    );
  };
  if (keySpec === "SYMMETRIC_DEFAULT") {
    if (bytes.length !== 32) {
      refuse(
        `it is ${bytes.length} bytes; symmetric key material is exactly 32 bytes (256 bits)`,
        "Give the raw 32 bytes (not hex, not base64, no newline).",
      );
    }
    return;
  }
  const hmac = HMAC_MATERIAL_BYTES[keySpec];
  if (hmac !== undefined) {
    if (bytes.length < hmac[0] || bytes.length > hmac[1]) {
      refuse(`it is ${bytes.length} bytes; ${keySpec} material is ${hmac[0]} to ${hmac[1]} bytes`);
    }
    return;
  }
  if (keySpec.startsWith("SM2")) refuse("SM2 keys (China Regions) are not supported by kms-replicate");
  const rsaBits = /^RSA_(\d+)$/.exec(keySpec)?.[1];
  const curve = CURVES[keySpec];
  if (rsaBits === undefined && curve === undefined) {
    refuse("kms-replicate does not know how to check material of this key spec");
  }
  let found: { type?: string; bits?: number; curve?: string };
  try {
    const key = nodeCrypto().createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
    found = {
      type: key.asymmetricKeyType,
      bits: key.asymmetricKeyDetails?.modulusLength,
      curve: key.asymmetricKeyDetails?.namedCurve,
    };
  } catch {
    return refuse(
      "it is not a DER-encoded PKCS#8 private key",
      "Convert it: openssl pkcs8 -topk8 -nocrypt -outform DER -in key.pem -out key.der",
    );
  }
  if (rsaBits !== undefined && (found.type !== "rsa" || found.bits !== Number(rsaBits))) {
    refuse(
      `it is ${found.type === "rsa" ? `an RSA key of ${found.bits ?? "?"} bits` : `a ${found.type ?? "?"} key`}`,
    );
  }
  if (curve !== undefined && (found.type !== "ec" || found.curve !== curve)) {
    refuse(
      `it is ${found.type === "ec" ? `an EC key on ${found.curve ?? "?"}` : `a ${found.type ?? "?"} key`}, not on ${curve}`,
    );
  }
}

/** What ImportKeyMaterial is given: the material expires at `validTo`, or never. */
export type Expiration =
  | { readonly model: "KEY_MATERIAL_DOES_NOT_EXPIRE" }
  | { readonly model: "KEY_MATERIAL_EXPIRES"; readonly validTo: Date };

const DAY_MS = 86_400_000;
/** KMS: ValidTo is at most 365 days after the request. */
export const MAX_VALID_DAYS = 365;

/** --valid-to: an ISO 8601 date (2027-01-31, midnight UTC) or date and time. */
export function parseValidTo(value: string): Date {
  const text = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(
      `'${value}' is not an ISO 8601 date (2027-01-31 or 2027-01-31T12:00:00Z).`,
    );
  }
  return new Date(ms);
}

/**
 * The expiration of each import: --no-expiry, else --valid-to (in the future, at most 365 days
 * away), else the primary's own (its ExpirationModel and ValidTo, from DescribeKey). Usage errors
 * (exit 2) otherwise.
 */
export function expirationFor(input: {
  readonly validTo?: Date;
  readonly noExpiry: boolean;
  readonly primary: Pick<KeyMetadata, "ExpirationModel" | "ValidTo">;
  readonly now: number;
}): Expiration {
  const { validTo, noExpiry, primary, now } = input;
  if (noExpiry && validTo !== undefined) throw usageError("--valid-to and --no-expiry exclude each other.");
  if (noExpiry) return { model: "KEY_MATERIAL_DOES_NOT_EXPIRE" };
  const inRange = (date: Date, what: string): Date => {
    if (date.getTime() <= now) throw usageError(`${what} ${date.toISOString()} is in the past.`);
    if (date.getTime() > now + MAX_VALID_DAYS * DAY_MS) {
      throw usageError(
        `${what} ${date.toISOString()} is more than ${MAX_VALID_DAYS} days away; KMS allows at most ${MAX_VALID_DAYS}.`,
      );
    }
    return date;
  };
  if (validTo !== undefined)
    return { model: "KEY_MATERIAL_EXPIRES", validTo: inRange(validTo, "--valid-to") };
  if (primary.ExpirationModel === "KEY_MATERIAL_DOES_NOT_EXPIRE")
    return { model: "KEY_MATERIAL_DOES_NOT_EXPIRE" };
  if (primary.ExpirationModel === "KEY_MATERIAL_EXPIRES" && primary.ValidTo !== undefined) {
    return { model: "KEY_MATERIAL_EXPIRES", validTo: inRange(primary.ValidTo, "The primary's ValidTo") };
  }
  throw usageError(
    "The primary's key material expiration is not known (DescribeKey shows no ExpirationModel).",
    "Say how long the imported material is valid: --valid-to 2027-01-31, or --no-expiry.",
  );
}
