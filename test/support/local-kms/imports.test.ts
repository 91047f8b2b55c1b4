// The endpoint's imported key material: EXTERNAL keys, GetParametersForImport, ImportKeyMaterial
// (every wrapping algorithm, really unwrapped), expiration, rotation, and the AWS CLI + OpenSSL
// procedure of the KMS developer guide.
import {
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  type AlgorithmSpec,
  type ImportKeyMaterialCommandInput,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { constants, createCipheriv, generateKeyPairSync, publicEncrypt, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectKmsError, harness, type Harness } from "./harness.js";

/** The test's own wrapping, as the developer guide describes it (not src/'s code). */
function wrap(material: Buffer, publicKeyDer: Uint8Array, algorithm: string): Buffer {
  const oaep = {
    key: Buffer.from(publicKeyDer),
    format: "der",
    type: "spki",
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: algorithm.endsWith("SHA_1") ? "sha1" : "sha256",
  } as const;
  if (algorithm.startsWith("RSAES_OAEP")) return publicEncrypt(oaep, material);
  const aes = randomBytes(32);
  const cipher = createCipheriv("id-aes256-wrap-pad", aes, Buffer.from("A65959A6", "hex"));
  return Buffer.concat([publicEncrypt(oaep, aes), cipher.update(material), cipher.final()]);
}

const DAY = 86_400_000;

describe("imported key material", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ importTokenValidityMs: 60_000 });
  });
  afterEach(async () => {
    await h.close();
  });

  async function importInto(
    client: KMSClient,
    keyId: string,
    material: Buffer,
    extra: Partial<ImportKeyMaterialCommandInput> = {},
    algorithm: AlgorithmSpec = "RSAES_OAEP_SHA_256",
  ): Promise<string | undefined> {
    const params = await client.send(
      new GetParametersForImportCommand({
        KeyId: keyId,
        WrappingAlgorithm: algorithm,
        WrappingKeySpec: "RSA_2048",
      }),
    );
    const answer = await client.send(
      new ImportKeyMaterialCommand({
        KeyId: keyId,
        ImportToken: params.ImportToken,
        EncryptedKeyMaterial: wrap(material, params.PublicKey ?? new Uint8Array(), algorithm),
        ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        ...extra,
      }),
    );
    return answer.KeyMaterialId;
  }

  it("EXTERNAL primary and replica: PendingImport until the same material is imported into each", async () => {
    const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
    expect((await h.describe("us-east-1", arn)).KeyState).toBe("PendingImport");
    const material = randomBytes(32);
    const id = await importInto(h.kms("us-east-1"), arn, material);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const primary = await h.describe("us-east-1", arn);
    expect(primary).toMatchObject({ KeyState: "Enabled", ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    expect(primary.CurrentKeyMaterialId).toBe(id);

    const replicaArn = h.replica(arn, "eu-west-1");
    expect((await h.describe("eu-west-1", replicaArn)).KeyState).toBe("PendingImport");
    // Another material: refused, nothing imported.
    await expectKmsError(
      importInto(h.kms("eu-west-1"), replicaArn, randomBytes(32)),
      "IncorrectKeyMaterialException",
    );
    expect((await h.describe("eu-west-1", replicaArn)).KeyState).toBe("PendingImport");
    expect(await importInto(h.kms("eu-west-1"), replicaArn, material, {}, "RSA_AES_KEY_WRAP_SHA_1")).toBe(id);
    expect((await h.describe("eu-west-1", replicaArn)).KeyState).toBe("Enabled");
  });

  it("unwraps every algorithm, and refuses a token of another key, Region or an expired one", async () => {
    for (const algorithm of [
      "RSAES_OAEP_SHA_1",
      "RSAES_OAEP_SHA_256",
      "RSA_AES_KEY_WRAP_SHA_1",
      "RSA_AES_KEY_WRAP_SHA_256",
    ] as const) {
      const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
      await importInto(h.kms("us-east-1"), arn, randomBytes(32), {}, algorithm);
      expect((await h.describe("us-east-1", arn)).KeyState).toBe("Enabled");
    }
    const a = h.primary("us-east-1", { Origin: "EXTERNAL" });
    const b = h.primary("us-east-1", { Origin: "EXTERNAL" });
    const client = h.kms("us-east-1");
    const params = await client.send(
      new GetParametersForImportCommand({
        KeyId: a.arn,
        WrappingAlgorithm: "RSAES_OAEP_SHA_256",
        WrappingKeySpec: "RSA_2048",
      }),
    );
    const input = {
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrap(randomBytes(32), params.PublicKey ?? new Uint8Array(), "RSAES_OAEP_SHA_256"),
      ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
    } as const;
    await expectKmsError(
      client.send(new ImportKeyMaterialCommand({ KeyId: b.arn, ...input })),
      "InvalidImportTokenException",
    );
    h.advance(60_000);
    await expectKmsError(
      client.send(new ImportKeyMaterialCommand({ KeyId: a.arn, ...input })),
      "ExpiredImportTokenException",
    );
    await expectKmsError(
      client.send(
        new GetParametersForImportCommand({
          KeyId: a.arn,
          WrappingAlgorithm: "RSAES_PKCS1_V1_5",
          WrappingKeySpec: "RSA_2048",
        }),
      ),
      "ValidationException",
    );
    const kmsKey = h.primary("us-east-1");
    await expectKmsError(
      client.send(
        new GetParametersForImportCommand({
          KeyId: kmsKey.arn,
          WrappingAlgorithm: "RSAES_OAEP_SHA_256",
          WrappingKeySpec: "RSA_2048",
        }),
      ),
      "UnsupportedOperationException",
    );
  });

  it("an asymmetric key takes a DER PKCS#8 private key of its spec, wrapped with RSA_AES", async () => {
    const { arn } = h.primary("us-east-1", {
      Origin: "EXTERNAL",
      KeySpec: "ECC_NIST_P256",
      KeyUsage: "SIGN_VERIFY",
    });
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey.export({
      type: "pkcs8",
      format: "der",
    });
    await expectKmsError(
      importInto(h.kms("us-east-1"), arn, p384, {}, "RSA_AES_KEY_WRAP_SHA_256"),
      "ValidationException",
    );
    const p256 = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({
      type: "pkcs8",
      format: "der",
    });
    await importInto(h.kms("us-east-1"), arn, p256, {}, "RSA_AES_KEY_WRAP_SHA_256");
    expect((await h.describe("us-east-1", arn)).KeyState).toBe("Enabled");
  });

  it("expiration: ValidTo at most 365 days, and the key is PendingImport again once it passes", async () => {
    const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
    const material = randomBytes(32);
    const client = h.kms("us-east-1");
    await expectKmsError(
      importInto(client, arn, material, {
        ExpirationModel: "KEY_MATERIAL_EXPIRES",
        ValidTo: new Date(h.now() + 366 * DAY),
      }),
      "ValidationException",
    );
    await expectKmsError(
      importInto(client, arn, material, { ExpirationModel: "KEY_MATERIAL_EXPIRES" }),
      "ValidationException",
    );
    const validTo = new Date(h.now() + DAY);
    await importInto(client, arn, material, { ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: validTo });
    expect(await h.describe("us-east-1", arn)).toMatchObject({
      KeyState: "Enabled",
      ExpirationModel: "KEY_MATERIAL_EXPIRES",
      ValidTo: validTo,
    });
    h.advance(DAY);
    expect((await h.describe("us-east-1", arn)).KeyState).toBe("PendingImport");
    await importInto(client, arn, material);
    expect((await h.describe("us-east-1", arn)).KeyState).toBe("Enabled");
  });

  it("rotation: NEW into the primary, EXISTING into each replica, then RotateKeyOnDemand", async () => {
    const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
    const first = randomBytes(32);
    const firstId = await importInto(h.kms("us-east-1"), arn, first);
    const replicas = ["eu-west-1", "ap-southeast-2"].map((region) => ({
      region,
      arn: h.replica(arn, region),
    }));
    for (const r of replicas) await importInto(h.kms(r.region), r.arn, first);

    const second = randomBytes(32);
    const newId = await importInto(h.kms("us-east-1"), arn, second, { ImportType: "NEW_KEY_MATERIAL" });
    const states = async (): Promise<Record<string, string | undefined>> => {
      const { Rotations } = await h
        .kms("us-east-1")
        .send(new ListKeyRotationsCommand({ KeyId: arn, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }));
      const entries: [string, string | undefined][] = (Rotations ?? []).map((r) => [
        String(r.KeyMaterialId),
        r.KeyMaterialState,
      ]);
      return Object.fromEntries(entries);
    };
    expect(await states()).toEqual({
      [String(firstId)]: "CURRENT",
      [String(newId)]: "PENDING_MULTI_REGION_IMPORT_AND_ROTATION",
    });
    await expectKmsError(
      h.kms("us-east-1").send(new RotateKeyOnDemandCommand({ KeyId: arn })),
      "KMSInvalidStateException",
    );
    const [one, two] = replicas;
    if (one === undefined || two === undefined) throw new Error("two replicas");
    await importInto(h.kms(one.region), one.arn, second, {
      ImportType: "EXISTING_KEY_MATERIAL",
      KeyMaterialId: newId,
    });
    expect((await states())[String(newId)]).toBe("PENDING_MULTI_REGION_IMPORT_AND_ROTATION");
    // NEW into a replica, and a KeyMaterialId that is not this material's, are refused.
    await expectKmsError(
      importInto(h.kms(two.region), two.arn, second, { ImportType: "NEW_KEY_MATERIAL" }),
      "ValidationException",
    );
    await expectKmsError(
      importInto(h.kms(two.region), two.arn, second, {
        ImportType: "EXISTING_KEY_MATERIAL",
        KeyMaterialId: firstId,
      }),
      "IncorrectKeyMaterialException",
    );
    await importInto(h.kms(two.region), two.arn, second, {
      ImportType: "EXISTING_KEY_MATERIAL",
      KeyMaterialId: newId,
    });
    expect((await states())[String(newId)]).toBe("PENDING_ROTATION");
    await expectKmsError(
      h.kms(two.region).send(new RotateKeyOnDemandCommand({ KeyId: two.arn })),
      "UnsupportedOperationException",
    );
    await h.kms("us-east-1").send(new RotateKeyOnDemandCommand({ KeyId: arn }));
    expect(await states()).toEqual({ [String(firstId)]: "NON_CURRENT", [String(newId)]: "CURRENT" });
    for (const r of [{ region: "us-east-1", arn }, ...replicas]) {
      expect((await h.describe(r.region, r.arn)).CurrentKeyMaterialId).toBe(newId);
    }
  });

  it("NEW_KEY_MATERIAL of material the key has had (current, earlier or pending): IncorrectKeyMaterialException, nothing changes", async () => {
    const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
    const first = randomBytes(32);
    const second = randomBytes(32);
    const third = randomBytes(32);
    const firstId = await importInto(h.kms("us-east-1"), arn, first);
    const secondId = await importInto(h.kms("us-east-1"), arn, second, { ImportType: "NEW_KEY_MATERIAL" });
    await h.kms("us-east-1").send(new RotateKeyOnDemandCommand({ KeyId: arn }));
    const thirdId = await importInto(h.kms("us-east-1"), arn, third, { ImportType: "NEW_KEY_MATERIAL" });
    const list = async () =>
      (
        await h
          .kms("us-east-1")
          .send(new ListKeyRotationsCommand({ KeyId: arn, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }))
      ).Rotations?.map((r) => [r.KeyMaterialId, r.KeyMaterialState]);
    const before = await list();
    expect(before).toEqual([
      [firstId, "NON_CURRENT"],
      [secondId, "CURRENT"],
      [thirdId, "PENDING_ROTATION"],
    ]);
    for (const material of [first, second, third]) {
      const error = await expectKmsError(
        importInto(h.kms("us-east-1"), arn, material, { ImportType: "NEW_KEY_MATERIAL" }),
        "IncorrectKeyMaterialException",
      );
      expect(error.message).toContain("already associated");
    }
    expect(await list()).toEqual(before);
  });

  it("the import-token faults answer the next N ImportKeyMaterial calls", async () => {
    h.server.configure({ faults: [{ operation: "ImportKeyMaterial", expiredImportToken: { count: 1 } }] });
    const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
    await expectKmsError(importInto(h.kms("us-east-1"), arn, randomBytes(32)), "ExpiredImportTokenException");
    await importInto(h.kms("us-east-1"), arn, randomBytes(32));
  });
});

// `openssl version`, not `--version` (OpenSSL 3 refuses it).
const hasTools =
  spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0 &&
  spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;

describe.skipIf(!hasTools)("the AWS CLI + OpenSSL procedure of the KMS developer guide", () => {
  it("imports material into a replica, unchanged", async () => {
    const h = await harness();
    try {
      const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
      const dir = mkdtempSync(join(tmpdir(), "kms-local-cli-"));
      const material = randomBytes(32);
      writeFileSync(join(dir, "PlaintextKeyMaterial.bin"), material);
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_CONFIG_FILE: join(dir, "none"),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      };
      // Asynchronous: the endpoint answers from this very process.
      const exec = promisify(execFile);
      const aws = async (region: string, ...args: string[]): Promise<string> =>
        (
          await exec("aws", ["--endpoint-url", h.server.url, "--region", region, "kms", ...args], {
            env,
            cwd: dir,
          })
        ).stdout;
      const run = async (command: string, ...args: string[]): Promise<void> => {
        await exec(command, args, { env, cwd: dir });
      };
      for (const [region, keyArn] of [
        ["us-east-1", arn],
        ["eu-west-1", h.replica(arn, "eu-west-1")],
      ] as const) {
        // The guide's steps: get the parameters, decode them, wrap with OpenSSL, import.
        const params = JSON.parse(
          await aws(
            region,
            "get-parameters-for-import",
            "--key-id",
            keyArn,
            "--wrapping-algorithm",
            "RSAES_OAEP_SHA_256",
            "--wrapping-key-spec",
            "RSA_2048",
          ),
        ) as { PublicKey: string; ImportToken: string };
        writeFileSync(join(dir, "WrappingPublicKey.bin"), Buffer.from(params.PublicKey, "base64"));
        writeFileSync(join(dir, "ImportToken.bin"), Buffer.from(params.ImportToken, "base64"));
        await run(
          "openssl",
          "pkeyutl",
          "-encrypt",
          "-in",
          "PlaintextKeyMaterial.bin",
          "-out",
          "EncryptedKeyMaterial.bin",
          "-inkey",
          "WrappingPublicKey.bin",
          "-keyform",
          "DER",
          "-pubin",
          "-pkeyopt",
          "rsa_padding_mode:oaep",
          "-pkeyopt",
          "rsa_oaep_md:sha256",
          "-pkeyopt",
          "rsa_mgf1_md:sha256",
        );
        await aws(
          region,
          "import-key-material",
          "--key-id",
          keyArn,
          "--encrypted-key-material",
          "fileb://EncryptedKeyMaterial.bin",
          "--import-token",
          "fileb://ImportToken.bin",
          "--expiration-model",
          "KEY_MATERIAL_DOES_NOT_EXPIRE",
        );
        expect((await h.describe(region, keyArn)).KeyState).toBe("Enabled");
      }
      expect(readFileSync(join(dir, "PlaintextKeyMaterial.bin")).equals(material)).toBe(true);
    } finally {
      await h.close();
    }
  }, 30_000);
});
