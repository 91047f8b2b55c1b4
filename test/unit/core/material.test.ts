import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isReplicateError } from "../../../src/core/errors.js";
import { redactSecrets } from "../../../src/core/redact.js";
import {
  checkMaterial,
  expirationFor,
  materialOf,
  parseMaterialSource,
  parseValidTo,
  readMaterial,
} from "../../../src/core/material.js";
import { inputsAt } from "../../support/inputs.js";

const der = (type: "rsa" | "ec", option: number | string): Buffer =>
  (type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: Number(option) })
    : generateKeyPairSync("ec", { namedCurve: String(option) })
  ).privateKey.export({ type: "pkcs8", format: "der" });

/** The usage error's message (exit 2), or "ok". */
function check(spec: string, bytes: Buffer): string {
  try {
    checkMaterial(spec, materialOf(bytes, "fileb://m.bin"));
    return "ok";
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error.message;
    throw error;
  }
}

describe("checkMaterial", () => {
  const p256 = der("ec", "prime256v1");
  it.each([
    ["SYMMETRIC_DEFAULT", randomBytes(32), "ok"],
    ["SYMMETRIC_DEFAULT", randomBytes(33), "it is 33 bytes; symmetric key material is exactly 32 bytes"],
    ["HMAC_224", randomBytes(28), "ok"],
    ["HMAC_224", randomBytes(27), "it is 27 bytes; HMAC_224 material is 28 to 64 bytes"],
    ["HMAC_256", randomBytes(64), "ok"],
    ["HMAC_384", randomBytes(47), "HMAC_384 material is 48 to 128 bytes"],
    ["HMAC_512", randomBytes(129), "HMAC_512 material is 64 to 128 bytes"],
    ["ECC_NIST_P256", p256, "ok"],
    ["ECC_NIST_P384", p256, "an EC key on prime256v1, not on secp384r1"],
    ["RSA_2048", p256, "a ec key"],
    ["RSA_2048", der("rsa", 2048), "ok"],
    ["RSA_3072", der("rsa", 2048), "an RSA key of 2048 bits"],
    ["ECC_NIST_P256", randomBytes(32), "not a DER-encoded PKCS#8 private key"],
    ["SM2", randomBytes(32), "SM2 keys (China Regions) are not supported"],
  ])("%s", (spec, bytes, expected) => {
    const message = check(spec, bytes);
    if (expected === "ok") expect(message).toBe("ok");
    else expect(message).toContain(expected);
    // Never the material itself.
    expect(message).not.toContain(bytes.toString("hex").slice(0, 16));
  });
});

describe("expirationFor", () => {
  const now = Date.UTC(2026, 0, 1);
  const day = 86_400_000;
  const primaryExpires = {
    ExpirationModel: "KEY_MATERIAL_EXPIRES" as const,
    ValidTo: new Date(now + 10 * day),
  };
  it("defaults to the primary's model and ValidTo", () => {
    expect(expirationFor({ noExpiry: false, primary: primaryExpires, now })).toEqual({
      model: "KEY_MATERIAL_EXPIRES",
      validTo: primaryExpires.ValidTo,
    });
    expect(
      expirationFor({ noExpiry: false, primary: { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }, now }),
    ).toEqual({ model: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
  });
  it("--valid-to and --no-expiry override it; the bounds are checked", () => {
    expect(expirationFor({ noExpiry: true, primary: primaryExpires, now })).toEqual({
      model: "KEY_MATERIAL_DOES_NOT_EXPIRE",
    });
    const validTo = new Date(now + 365 * day);
    expect(expirationFor({ validTo, noExpiry: false, primary: {}, now })).toEqual({
      model: "KEY_MATERIAL_EXPIRES",
      validTo,
    });
    expect(() =>
      expirationFor({ validTo: new Date(now + 366 * day), noExpiry: false, primary: {}, now }),
    ).toThrow(/365 days/);
    expect(() => expirationFor({ validTo: new Date(now - 1), noExpiry: false, primary: {}, now })).toThrow(
      /in the past/,
    );
    expect(() => expirationFor({ validTo, noExpiry: true, primary: {}, now })).toThrow(/exclude each other/);
    expect(() => expirationFor({ noExpiry: false, primary: {}, now })).toThrow(/expiration is not known/);
  });
  it("parses ISO dates only", () => {
    expect(parseValidTo("2027-01-31").toISOString()).toBe("2027-01-31T00:00:00.000Z");
    expect(parseValidTo("2027-01-31T12:00:00Z").toISOString()).toBe("2027-01-31T12:00:00.000Z");
    expect(() => parseValidTo("next week")).toThrow(/ISO 8601/);
  });
});

describe("reading the material", () => {
  const dir = mkdtempSync(join(tmpdir(), "kms-replicate-material-"));
  it("fileb:// or -, never file:// or a value", () => {
    expect(parseMaterialSource("fileb://m.bin")).toBe("fileb://m.bin");
    expect(parseMaterialSource("-")).toBe("-");
    expect(() => parseMaterialSource("file://m.bin")).toThrow(/fileb:\/\/m.bin/);
    expect(() => parseMaterialSource("00112233")).toThrow(/never given on the command line/);
  });
  it("reads once, warns for a file others can read, and zeroes on dispose", async () => {
    const bytes = randomBytes(32);
    const path = join(dir, "m.bin");
    writeFileSync(path, bytes);
    chmodSync(path, 0o640);
    const warnings: string[] = [];
    const material = await readMaterial(`fileb://${path}`, inputsAt(dir), (w) => warnings.push(w));
    expect(material.bytes().equals(bytes)).toBe(true);
    expect(warnings).toEqual([expect.stringContaining("mode 640")]);
    const held = material.bytes();
    material.dispose();
    expect(held.every((b) => b === 0)).toBe(true);
    expect(() => material.bytes()).toThrow(/disposed/);
  });
  it("refuses an empty file, a directory and a missing one (exit 2)", async () => {
    const empty = join(dir, "empty.bin");
    writeFileSync(empty, "");
    for (const [arg, message] of [
      [`fileb://${empty}`, "is empty"],
      [`fileb://${dir}`, "is a directory"],
      ["fileb://nope.bin", "--key-material fileb://nope.bin: cannot read it (ENOENT)"],
    ]) {
      await expect(readMaterial(arg ?? "", inputsAt(dir), () => undefined)).rejects.toThrow(message);
    }
  });
});

describe("redactSecrets", () => {
  it("takes out base64 and hex runs, keeps ARNs, key IDs and words", () => {
    const material = randomBytes(32);
    const arn = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    expect(redactSecrets(`bad ${material.toString("base64")} for ${arn}`)).toBe(`bad [redacted] for ${arn}`);
    expect(redactSecrets(`bad ${material.toString("hex")}.`)).toBe("bad [redacted].");
    expect(redactSecrets("kms/latest/developerguide/importing-keys.html")).toBe(
      "kms/latest/developerguide/importing-keys.html",
    );
  });
});
