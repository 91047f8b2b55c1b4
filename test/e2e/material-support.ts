// What the end-to-end tests of imported key material share: material files (each one kept, so that
// a test can grep every output for every material), the test's own wrapping, and an EXTERNAL family
// set up directly on the local endpoint.
import { constants, createCipheriv, publicEncrypt, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KmsLocal } from "../support/local-kms/server.js";

export const DAY = 86_400_000;

/** Material files in a directory of their own; `all` is every material handed out. */
export function materialBox(prefix: string): {
  /** The directory of the files (only the owner can read it). */
  readonly dir: string;
  readonly all: Buffer[];
  readonly file: (bytes?: Buffer, mode?: number) => { arg: string; bytes: Buffer };
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const all: Buffer[] = [];
  return {
    dir,
    all,
    file: (bytes = randomBytes(32), mode = 0o600) => {
      all.push(bytes);
      const path = join(dir, `material-${all.length}.bin`);
      writeFileSync(path, bytes);
      chmodSync(path, mode);
      return { arg: `fileb://${path}`, bytes };
    },
  };
}

/** The test's own wrapping (not src/'s): RSA_AES_KEY_WRAP_SHA_256. */
export function wrap(material: Buffer, publicKey: string): string {
  const aes = randomBytes(32);
  const cipher = createCipheriv("id-aes256-wrap-pad", aes, Buffer.from("A65959A6", "hex"));
  const key = { key: Buffer.from(publicKey, "base64"), format: "der", type: "spki" } as const;
  const wrappedKey = publicEncrypt(
    { ...key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    aes,
  );
  return Buffer.concat([wrappedKey, cipher.update(material), cipher.final()]).toString("base64");
}

/** The family's key ARN in `region` (they share the key ID). */
export const arnIn = (arn: string, region: string): string => arn.replace(/:kms:[^:]+:/, `:kms:${region}:`);

/** Direct calls on the endpoint, in-process: setup steps and looks at what it holds. */
export function onEndpoint(kms: () => KmsLocal) {
  const describeKey = (region: string, arn: string): Record<string, unknown> =>
    (
      kms().invoke(region, "DescribeKey", { KeyId: arnIn(arn, region) }) as {
        KeyMetadata: Record<string, unknown>;
      }
    ).KeyMetadata;

  /** Imports `material` into the family's key in `region` (a setup step). */
  async function importDirectly(
    region: string,
    arn: string,
    material: Buffer,
    extra: Record<string, unknown> = {},
  ): Promise<{ KeyMaterialId: string }> {
    const keyArn = arnIn(arn, region);
    const params = (await kms().invoke(region, "GetParametersForImport", {
      KeyId: keyArn,
      WrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256",
      WrappingKeySpec: "RSA_2048",
    })) as { PublicKey: string; ImportToken: string };
    return kms().invoke(region, "ImportKeyMaterial", {
      KeyId: keyArn,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrap(material, params.PublicKey),
      ...extra,
    }) as { KeyMaterialId: string };
  }

  /** An EXTERNAL primary in us-east-1 holding `material`, expiring in 30 days unless told otherwise. */
  async function externalPrimary(
    material: Buffer,
    extra: Record<string, unknown> = {
      ExpirationModel: "KEY_MATERIAL_EXPIRES",
      ValidTo: (Date.now() + 30 * DAY) / 1000,
    },
  ): Promise<string> {
    const arn = String(kms().createKey("us-east-1", { MultiRegion: true, Origin: "EXTERNAL" }).Arn);
    await importDirectly("us-east-1", arn, material, extra);
    return arn;
  }

  /** Replicas of `arn` in `regions`, PendingImport once out of Creating. */
  function replicas(arn: string, regions: readonly string[]): void {
    for (const region of regions)
      kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
  }

  /** The states of every key material of the family, as ListKeyRotations shows them in the primary's Region. */
  const materialStates = (arn: string): Record<string, string> =>
    Object.fromEntries(
      (
        kms().invoke("us-east-1", "ListKeyRotations", {
          KeyId: arn,
          IncludeKeyMaterial: "ALL_KEY_MATERIAL",
        }) as {
          Rotations: { KeyMaterialId: string; KeyMaterialState: string }[];
        }
      ).Rotations.map((r) => [r.KeyMaterialId, r.KeyMaterialState]),
    );

  return { describeKey, importDirectly, externalPrimary, replicas, materialStates };
}
