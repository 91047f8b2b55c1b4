import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isReplicateError } from "../../../src/core/errors.js";
import {
  chooseWrapping,
  oaepCapacity,
  parseWrappingAlgorithm,
  parseWrappingKeySpec,
  WRAPPING_ALGORITHMS,
  wrapMaterial,
} from "../../../src/core/wrap.js";

// GIVEN a wrapping key pair made in the test (as GetParametersForImport's would be)
const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicDer = pair.publicKey.export({ type: "spki", format: "der" });

/** The test's own unwrapping, as KMS does it. */
function unwrap(wrapped: Buffer, algorithm: string): Buffer {
  const oaep = {
    key: pair.privateKey,
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: algorithm.endsWith("SHA_1") ? "sha1" : "sha256",
  };
  if (algorithm.startsWith("RSAES_OAEP")) return privateDecrypt(oaep, wrapped);
  const aes = privateDecrypt(oaep, wrapped.subarray(0, 256));
  const decipher = createDecipheriv("id-aes256-wrap-pad", aes, Buffer.from("A65959A6", "hex"));
  return Buffer.concat([decipher.update(wrapped.subarray(256)), decipher.final()]);
}

describe("wrapMaterial: a round trip for every algorithm", () => {
  const ecKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({
    type: "pkcs8",
    format: "der",
  });
  it.each(
    WRAPPING_ALGORITHMS.flatMap(
      (a) =>
        [
          [a, 32],
          [a, 64],
        ] as const,
    ),
  )("%s, %i bytes", (algorithm, n) => {
    const material = randomBytes(n);
    // WHEN
    const wrapped = wrapMaterial(material, publicDer, algorithm);
    // THEN
    expect(wrapped.includes(material)).toBe(false);
    expect(unwrap(wrapped, algorithm).equals(material)).toBe(true);
  });
  it.each(["RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"] as const)(
    "%s: a PKCS#8 private key",
    (algorithm) => {
      expect(unwrap(wrapMaterial(ecKey, publicDer, algorithm), algorithm).equals(ecKey)).toBe(true);
    },
  );
});

describe("chooseWrapping", () => {
  it.each([
    ["SYMMETRIC_DEFAULT", 32, {}, "RSAES_OAEP_SHA_256", "RSA_4096"],
    ["HMAC_512", 128, {}, "RSAES_OAEP_SHA_256", "RSA_4096"],
    ["RSA_2048", 1200, {}, "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096"],
    ["ECC_NIST_P256", 138, {}, "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096"],
    [
      "SYMMETRIC_DEFAULT",
      32,
      { algorithm: "RSAES_OAEP_SHA_1", keySpec: "RSA_2048" },
      "RSAES_OAEP_SHA_1",
      "RSA_2048",
    ],
  ] as const)("%s (%i bytes) %j → %s %s", (spec, bytes, overrides, algorithm, keySpec) => {
    expect(chooseWrapping(spec, bytes, overrides)).toEqual({ algorithm, keySpec });
  });
  it("refuses RSAES_OAEP for an RSA private key, and material that does not fit", () => {
    const refused = (f: () => unknown): string => {
      try {
        f();
      } catch (error) {
        if (isReplicateError(error)) return `${error.exitCode} ${error.message}`;
      }
      return "accepted";
    };
    expect(refused(() => chooseWrapping("RSA_2048", 1200, { algorithm: "RSAES_OAEP_SHA_256" }))).toMatch(
      /^2 .*RSA_AES_KEY_WRAP/,
    );
    expect(oaepCapacity("RSA_2048", "RSAES_OAEP_SHA_256")).toBe(190);
    expect(
      refused(() =>
        chooseWrapping("ECC_NIST_P521", 241, { algorithm: "RSAES_OAEP_SHA_256", keySpec: "RSA_2048" }),
      ),
    ).toMatch(/^2 .*at most 190 bytes/);
  });
  it("SM2 and PKCS1 are refused with a reason", () => {
    expect(() => parseWrappingAlgorithm("SM2PKE")).toThrow(/China Regions/);
    expect(() => parseWrappingKeySpec("SM2")).toThrow(/China Regions/);
    expect(() => parseWrappingAlgorithm("RSAES_PKCS1_V1_5")).toThrow(/no longer accepts/);
    expect(parseWrappingKeySpec("RSA_3072")).toBe("RSA_3072");
  });
});
