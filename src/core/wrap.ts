// Wrapping key material for ImportKeyMaterial with the public key GetParametersForImport returned
// (KMS developer guide, "Encrypt key material"): RSAES_OAEP_SHA_1/256 (RSA-OAEP, MGF1 with the same
// hash, empty label), or RSA_AES_KEY_WRAP_SHA_1/256 (a fresh AES-256 key wrapped with RSA-OAEP,
// followed by the material wrapped with AES key wrap with padding, RFC 5649). Node's own crypto
// does both; SM2PKE (China Regions) is refused.
import { nodeCrypto } from "./lazy-crypto.js";
import { InvalidArgumentError } from "commander";
import { usageError } from "./errors.js";

export const WRAPPING_ALGORITHMS = [
  "RSAES_OAEP_SHA_1",
  "RSAES_OAEP_SHA_256",
  "RSA_AES_KEY_WRAP_SHA_1",
  "RSA_AES_KEY_WRAP_SHA_256",
] as const;
export type WrappingAlgorithm = (typeof WRAPPING_ALGORITHMS)[number];

export const WRAPPING_KEY_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096"] as const;
export type WrappingKeySpec = (typeof WRAPPING_KEY_SPECS)[number];

export interface Wrapping {
  readonly algorithm: WrappingAlgorithm;
  readonly keySpec: WrappingKeySpec;
}

const SM2 =
  "SM2 wrapping (SM2PKE, wrapping key spec SM2) is offered only in the China Regions, which kms-replicate does not support for imports.";

export function parseWrappingAlgorithm(value: string): WrappingAlgorithm {
  if (value === "SM2PKE") throw new InvalidArgumentError(SM2);
  if (value === "RSAES_PKCS1_V1_5") {
    throw new InvalidArgumentError("KMS no longer accepts RSAES_PKCS1_V1_5; use RSAES_OAEP_SHA_256.");
  }
  const found = WRAPPING_ALGORITHMS.find((a) => a === value);
  if (found === undefined)
    throw new InvalidArgumentError(`'${value}' is not one of ${WRAPPING_ALGORITHMS.join(", ")}.`);
  return found;
}

export function parseWrappingKeySpec(value: string): WrappingKeySpec {
  if (value === "SM2") throw new InvalidArgumentError(SM2);
  const found = WRAPPING_KEY_SPECS.find((s) => s === value);
  if (found === undefined)
    throw new InvalidArgumentError(`'${value}' is not one of ${WRAPPING_KEY_SPECS.join(", ")}.`);
  return found;
}

const hashOf = (algorithm: WrappingAlgorithm): "sha1" | "sha256" =>
  algorithm.endsWith("SHA_1") ? "sha1" : "sha256";

/** The longest plaintext RSA-OAEP wraps with this key size and hash: k - 2·hLen - 2 bytes. */
export function oaepCapacity(keySpec: WrappingKeySpec, algorithm: WrappingAlgorithm): number {
  const modulusBytes = Number(keySpec.slice("RSA_".length)) / 8;
  return modulusBytes - 2 * (hashOf(algorithm) === "sha1" ? 20 : 32) - 2;
}

/**
 * By the key's spec: symmetric and HMAC material with RSAES_OAEP_SHA_256, RSA and ECC private keys
 * with RSA_AES_KEY_WRAP_SHA_256 (KMS requires an RSA_AES algorithm for RSA private keys); RSA_4096
 * by default. Overrides are checked: an RSAES_OAEP algorithm must be able to hold the material.
 */
export function chooseWrapping(
  keySpec: string,
  materialBytes: number,
  overrides: { readonly algorithm?: WrappingAlgorithm; readonly keySpec?: WrappingKeySpec } = {},
): Wrapping {
  const asymmetric = keySpec.startsWith("RSA_") || keySpec.startsWith("ECC_");
  const algorithm = overrides.algorithm ?? (asymmetric ? "RSA_AES_KEY_WRAP_SHA_256" : "RSAES_OAEP_SHA_256");
  const wrappingKeySpec = overrides.keySpec ?? "RSA_4096";
  if (algorithm.startsWith("RSAES_OAEP")) {
    if (keySpec.startsWith("RSA_")) {
      throw usageError(
        `--wrapping-algorithm ${algorithm} cannot wrap an RSA private key; KMS requires RSA_AES_KEY_WRAP_SHA_256 or _SHA_1 for it.`,
      );
    }
    const capacity = oaepCapacity(wrappingKeySpec, algorithm);
    if (materialBytes > capacity) {
      throw usageError(
        `--wrapping-algorithm ${algorithm} with ${wrappingKeySpec} holds at most ${capacity} bytes; the material is ${materialBytes}.`,
        "Use --wrapping-algorithm RSA_AES_KEY_WRAP_SHA_256 (the default for asymmetric keys).",
      );
    }
  }
  return { algorithm, keySpec: wrappingKeySpec };
}

/** RFC 5649's alternative initial value: the IV of AES key wrap with padding. */
const KWP_IV = Buffer.from("A65959A6", "hex");

/** The material wrapped for ImportKeyMaterial. Temporary AES keys are zeroed before returning. */
export function wrapMaterial(
  material: Buffer,
  publicKeyDer: Uint8Array,
  algorithm: WrappingAlgorithm,
): Buffer {
  const { constants, createCipheriv, publicEncrypt, randomBytes } = nodeCrypto();
  const oaep = {
    key: Buffer.from(publicKeyDer),
    format: "der",
    type: "spki",
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: hashOf(algorithm),
  } as const;
  if (algorithm === "RSAES_OAEP_SHA_1" || algorithm === "RSAES_OAEP_SHA_256")
    return publicEncrypt(oaep, material);
  const aesKey = randomBytes(32);
  try {
    const cipher = createCipheriv("id-aes256-wrap-pad", aesKey, KWP_IV);
    return Buffer.concat([publicEncrypt(oaep, aesKey), cipher.update(material), cipher.final()]);
  } finally {
    aesKey.fill(0);
  }
}
