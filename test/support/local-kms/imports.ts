// Imported key material (Origin EXTERNAL), as the KMS API reference and developer guide describe it
// (shared/kms-lifecycle.md "Imported key material"): GetParametersForImport hands out a fresh RSA
// wrapping key and an import token bound to one key in one Region; ImportKeyMaterial really
// unwraps (RSAES_OAEP_SHA_1/256, RSA_AES_KEY_WRAP_SHA_1/256 with RFC 5649 AES key wrap with
// padding) and refuses material the family does not hold; expiration per key; ImportType /
// KeyMaterialId and RotateKeyOnDemand for on-demand rotation; ListKeyRotations;
// DeleteImportedKeyMaterial. Only a digest of the material is kept (the key material ID).
//
// Where KMS does not say, the choices made here: a replica cannot take material before its family
// has some (KMSInvalidStateException: "import into the primary first"); material whose shape does
// not fit the key spec is a ValidationException; an import token may be used more than once while
// it is valid.
import {
  constants,
  createDecipheriv,
  createHash,
  createPrivateKey,
  generateKeyPair,
  privateDecrypt,
  randomBytes,
} from "node:crypto";
import { promisify } from "node:util";
import { fault } from "./errors.js";
import { required, str } from "./input.js";
import { page } from "./paging.js";
import {
  currentMaterial,
  isPendingDeletion,
  liveImport,
  stateOf,
  type ImportParameters,
  type KeyRecord,
  type MaterialImport,
  type Store,
} from "./store.js";

const generateRsa = promisify(generateKeyPair);

/** What these handlers need of the operation context (operations.ts's OperationContext). */
interface ImportContext {
  readonly region: string;
  readonly store: Store;
  readonly now: number;
  readonly importTokenValidityMs: number;
}

type Body = Record<string, unknown>;
type Handler = (ctx: ImportContext, body: Body) => unknown;

const DAY_MS = 86_400_000;
const epochSeconds = (ms: number): number => ms / 1000;

/** A JSON 1.1 timestamp: epoch seconds (what the SDKs send), or an ISO string. */
function timestamp(body: Body, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === "number" ? value * 1000 : typeof value === "string" ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw fault.validation(`${name} is not a timestamp.`);
  return ms;
}

/** A blob: base64 in JSON 1.1. */
function blob(body: Body, name: string): Buffer {
  const text = required(body, name);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw fault.validation(`${name} is not base64.`);
  return Buffer.from(text, "base64");
}

const WRAPPING_ALGORITHMS = new Set([
  "RSAES_OAEP_SHA_1",
  "RSAES_OAEP_SHA_256",
  "RSA_AES_KEY_WRAP_SHA_1",
  "RSA_AES_KEY_WRAP_SHA_256",
]);
const WRAPPING_KEY_BITS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
/** RFC 5649's alternative initial value, the IV of AES key wrap with padding. */
const KWP_IV = Buffer.from("A65959A6", "hex");

function externalKey(ctx: ImportContext, body: Body): KeyRecord {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  if (key.origin !== "EXTERNAL") {
    throw fault.unsupported(`${key.arn} has key material origin ${key.origin}, not EXTERNAL.`);
  }
  const state = stateOf(key, ctx.now);
  if (isPendingDeletion(state) || state === "Creating" || state === "Updating") {
    throw fault.invalidState(`${key.arn} is ${state}.`);
  }
  return key;
}

const getParametersForImport: Handler = async (ctx, body) => {
  const key = externalKey(ctx, body);
  const algorithm = required(body, "WrappingAlgorithm");
  const spec = required(body, "WrappingKeySpec");
  if (algorithm === "SM2PKE" || spec === "SM2") {
    throw fault.unsupported("SM2 wrapping is offered only in the China Regions.");
  }
  if (algorithm === "RSAES_PKCS1_V1_5") {
    throw fault.validation("The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported.");
  }
  if (!WRAPPING_ALGORITHMS.has(algorithm)) {
    throw fault.validation(`Value '${algorithm}' at 'wrappingAlgorithm' failed to satisfy constraint.`);
  }
  const bits = WRAPPING_KEY_BITS[spec];
  if (bits === undefined) {
    throw fault.validation(`Value '${spec}' at 'wrappingKeySpec' failed to satisfy constraint.`);
  }
  const { publicKey, privateKey } = await generateRsa("rsa", { modulusLength: bits });
  const token = randomBytes(96).toString("base64");
  const expiresAt = ctx.now + ctx.importTokenValidityMs;
  ctx.store.importTokens.set(token, {
    keyId: key.keyId,
    region: ctx.region,
    privateKey,
    algorithm,
    modulusBytes: bits / 8,
    expiresAt,
  });
  return {
    KeyId: key.arn,
    ImportToken: token,
    PublicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    ParametersValidTo: epochSeconds(expiresAt),
  };
};

/** The material inside `wrapped`, unwrapped with the token's private key. */
function unwrap(
  parameters: Pick<ImportParameters, "privateKey" | "algorithm" | "modulusBytes">,
  wrapped: Buffer,
): Buffer {
  const oaep = {
    key: parameters.privateKey,
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: parameters.algorithm.endsWith("SHA_1") ? "sha1" : "sha256",
  } as const;
  try {
    if (parameters.algorithm.startsWith("RSAES_OAEP")) return privateDecrypt(oaep, wrapped);
    const aesKey = privateDecrypt(oaep, wrapped.subarray(0, parameters.modulusBytes));
    try {
      const decipher = createDecipheriv("id-aes256-wrap-pad", aesKey, KWP_IV);
      return Buffer.concat([decipher.update(wrapped.subarray(parameters.modulusBytes)), decipher.final()]);
    } finally {
      aesKey.fill(0);
    }
  } catch {
    throw fault.invalidCiphertext();
  }
}

const HMAC_LENGTHS: Record<string, readonly [number, number]> = {
  HMAC_224: [28, 64],
  HMAC_256: [32, 64],
  HMAC_384: [48, 128],
  HMAC_512: [64, 128],
};
const CURVES: Record<string, string> = {
  ECC_NIST_P256: "prime256v1",
  ECC_NIST_P384: "secp384r1",
  ECC_NIST_P521: "secp521r1",
  ECC_SECG_P256K1: "secp256k1",
};

/** Material that fits the key spec: 32 bytes, an HMAC length, or a DER PKCS#8 key of the spec. */
function checkMaterialShape(keySpec: string, material: Buffer): void {
  const refuse = (why: string): never => {
    throw fault.validation(`The key material is not valid for a ${keySpec} key: ${why}.`);
  };
  if (keySpec === "SYMMETRIC_DEFAULT") {
    if (material.length !== 32) refuse(`it is ${material.length} bytes, not 32`);
    return;
  }
  const hmac = HMAC_LENGTHS[keySpec];
  if (hmac !== undefined) {
    if (material.length < hmac[0] || material.length > hmac[1]) refuse(`it is ${material.length} bytes`);
    return;
  }
  let details: { type?: string; bits?: number; curve?: string };
  try {
    const key = createPrivateKey({ key: material, format: "der", type: "pkcs8" });
    details = {
      type: key.asymmetricKeyType,
      bits: key.asymmetricKeyDetails?.modulusLength,
      curve: key.asymmetricKeyDetails?.namedCurve,
    };
  } catch {
    return refuse("it is not a DER-encoded PKCS#8 private key");
  }
  const rsa = /^RSA_(\d+)$/.exec(keySpec)?.[1];
  if (rsa !== undefined && (details.type !== "rsa" || details.bits !== Number(rsa))) {
    refuse(`it is a ${details.type ?? "?"} key of ${details.bits ?? "?"} bits`);
  }
  const curve = CURVES[keySpec];
  if (curve !== undefined && (details.type !== "ec" || details.curve !== curve)) {
    refuse(`it is a ${details.type ?? "?"} key on ${details.curve ?? "?"}`);
  }
}

/** The key material ID: a digest of the key ID and the material (KMS derives its ID from both). */
function materialId(keyId: string, material: Buffer): string {
  return createHash("sha256").update(keyId).update(material).digest("hex");
}

function expirationOf(ctx: ImportContext, body: Body): Omit<MaterialImport, "importedAt"> {
  const model = str(body, "ExpirationModel") ?? "KEY_MATERIAL_EXPIRES";
  const validTo = timestamp(body, "ValidTo");
  if (model === "KEY_MATERIAL_DOES_NOT_EXPIRE") {
    if (validTo !== undefined) {
      throw fault.validation("ValidTo must not be given with KEY_MATERIAL_DOES_NOT_EXPIRE.");
    }
    return { expirationModel: model };
  }
  if (model !== "KEY_MATERIAL_EXPIRES") {
    throw fault.validation(`Value '${model}' at 'expirationModel' failed to satisfy constraint.`);
  }
  if (validTo === undefined) throw fault.validation("ValidTo is required with KEY_MATERIAL_EXPIRES.");
  if (validTo <= ctx.now) throw fault.validation("ValidTo must be in the future.");
  if (validTo > ctx.now + 365 * DAY_MS) throw fault.validation("ValidTo is at most 365 days away.");
  return { expirationModel: model, validTo };
}

const importKeyMaterial: Handler = (ctx, body) => {
  const key = externalKey(ctx, body);
  const token = required(body, "ImportToken");
  const parameters = ctx.store.importTokens.get(token);
  if (parameters === undefined || parameters.keyId !== key.keyId || parameters.region !== ctx.region) {
    throw fault.invalidImportToken();
  }
  if (ctx.now >= parameters.expiresAt) throw fault.expiredImportToken();
  const expiration = expirationOf(ctx, body);
  const importType = str(body, "ImportType");
  const givenId = str(body, "KeyMaterialId");
  const description = str(body, "KeyMaterialDescription");
  if (
    importType !== undefined &&
    importType !== "NEW_KEY_MATERIAL" &&
    importType !== "EXISTING_KEY_MATERIAL"
  ) {
    throw fault.validation(`Value '${importType}' at 'importType' failed to satisfy constraint.`);
  }
  if (
    (importType !== undefined || givenId !== undefined || description !== undefined) &&
    key.keySpec !== "SYMMETRIC_DEFAULT"
  ) {
    throw fault.validation(
      "ImportType, KeyMaterialId and KeyMaterialDescription are for symmetric keys only.",
    );
  }
  const material = unwrap(parameters, blob(body, "EncryptedKeyMaterial"));
  let id: string;
  try {
    checkMaterialShape(key.keySpec, material);
    id = materialId(key.keyId, material);
  } finally {
    material.fill(0);
  }
  const type = importType ?? (key.materials.length === 0 ? "NEW_KEY_MATERIAL" : "EXISTING_KEY_MATERIAL");
  const known = key.materials.find((m) => m.id === id);
  if (type === "NEW_KEY_MATERIAL") {
    if (givenId !== undefined) throw fault.validation("KeyMaterialId cannot be given with NEW_KEY_MATERIAL.");
    if (key.role === "REPLICA") {
      throw fault.validation(
        "New key material is imported into the primary key; a replica takes EXISTING_KEY_MATERIAL.",
      );
    }
    // KMS (IncorrectKeyMaterialException): "KMS expected new key material but the key material
    // being imported is already associated with the KMS key" — current, earlier or pending alike.
    if (known !== undefined) throw fault.materialNotNew();
    if (key.materials.length === 0) {
      key.materials.push({ id, state: "CURRENT", description });
    } else {
      if (key.materials.some((m) => m.state.startsWith("PENDING"))) {
        throw fault.invalidState(`${key.arn} already has key material pending rotation.`);
      }
      const replicas = ctx.store.family(key.keyId).filter((k) => k !== key);
      key.materials.push({
        id,
        state: replicas.length > 0 ? "PENDING_MULTI_REGION_IMPORT_AND_ROTATION" : "PENDING_ROTATION",
        description,
      });
    }
  } else {
    if (key.materials.length === 0) {
      throw fault.invalidState(`${key.arn} has no key material yet: import it into the primary key first.`);
    }
    if (known === undefined || (givenId !== undefined && givenId !== id)) throw fault.incorrectKeyMaterial();
  }
  key.imports.set(id, { ...expiration, importedAt: ctx.now });
  const entry = key.materials.find((m) => m.id === id);
  if (
    entry?.state === "PENDING_MULTI_REGION_IMPORT_AND_ROTATION" &&
    ctx.store.family(key.keyId).every((k) => k.imports.has(id))
  ) {
    entry.state = "PENDING_ROTATION";
  }
  return { KeyId: key.arn, KeyMaterialId: id };
};

/**
 * RotateKeyOnDemand: symmetric keys only, sent to the primary of a multi-Region key. For imported
 * material, the material pending rotation becomes current; material not yet in every replica
 * (PENDING_MULTI_REGION_IMPORT_AND_ROTATION) cannot be rotated to.
 */
const rotateKeyOnDemand: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  if (key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw fault.unsupported(`${key.arn} is not a symmetric encryption key; only those can be rotated.`);
  }
  if (key.multiRegion && key.role !== "PRIMARY") {
    throw fault.unsupported(`${key.arn} is a replica: rotate the multi-Region primary key.`);
  }
  const state = stateOf(key, ctx.now);
  if (state === "Disabled") throw fault.disabled(key.arn);
  if (state !== "Enabled") throw fault.invalidState(`${key.arn} is ${state}.`);
  const current = currentMaterial(key);
  let next = key.materials.find((m) => m.state === "PENDING_ROTATION");
  if (key.origin === "EXTERNAL") {
    if (next === undefined) {
      throw fault.invalidState(
        key.materials.some((m) => m.state === "PENDING_MULTI_REGION_IMPORT_AND_ROTATION")
          ? `The new key material of ${key.arn} is not imported into every replica yet.`
          : `${key.arn} has no key material pending rotation: import NEW_KEY_MATERIAL first.`,
      );
    }
  } else {
    next = { id: randomBytes(32).toString("hex"), state: "PENDING_ROTATION" };
    key.materials.push(next);
  }
  if (current !== undefined) current.state = "NON_CURRENT";
  next.state = "CURRENT";
  next.rotatedAt = ctx.now;
  return { KeyId: key.arn };
};

const listKeyRotations: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const include = str(body, "IncludeKeyMaterial") ?? "ROTATIONS_ONLY";
  if (include !== "ALL_KEY_MATERIAL" && include !== "ROTATIONS_ONLY") {
    throw fault.validation(`Value '${include}' at 'includeKeyMaterial' failed to satisfy constraint.`);
  }
  const entries = key.materials
    .filter((m) => include === "ALL_KEY_MATERIAL" || m.rotatedAt !== undefined)
    .map((m) => {
      const held = liveImport(key, m.id, ctx.now);
      return {
        KeyId: key.arn,
        KeyMaterialId: m.id,
        ...(m.description !== undefined ? { KeyMaterialDescription: m.description } : {}),
        ...(key.origin === "EXTERNAL"
          ? {
              ImportState: held !== undefined ? "IMPORTED" : "PENDING_IMPORT",
              ...(held !== undefined ? { ExpirationModel: held.expirationModel } : {}),
              ...(held?.validTo !== undefined ? { ValidTo: epochSeconds(held.validTo) } : {}),
            }
          : {}),
        KeyMaterialState: m.state,
        ...(m.rotatedAt !== undefined
          ? { RotationDate: epochSeconds(m.rotatedAt), RotationType: "ON_DEMAND" }
          : {}),
      };
    });
  const { items, next } = page(entries, body, "ListKeyRotations", `${ctx.region} ${key.keyId} ${include}`);
  return { Rotations: items, Truncated: next !== undefined, NextMarker: next };
};

/**
 * DeleteImportedKeyMaterial: this key's import of KeyMaterialId (default: the current material).
 * Deleting material still pending rotation from the primary forgets it for the whole family (the
 * undo of an unfinished rotation).
 */
const deleteImportedKeyMaterial: Handler = (ctx, body) => {
  const key = externalKey(ctx, body);
  const id = str(body, "KeyMaterialId") ?? currentMaterial(key)?.id;
  const entry = key.materials.find((m) => m.id === id);
  if (id === undefined || entry === undefined) throw fault.notFound(`Key material ${id ?? "(current)"}`);
  key.imports.delete(id);
  if (entry.state.startsWith("PENDING") && key.role !== "REPLICA") {
    for (const member of ctx.store.family(key.keyId)) member.imports.delete(id);
    key.materials.splice(key.materials.indexOf(entry), 1);
  }
  return { KeyId: key.arn, KeyMaterialId: id };
};

/** DescribeKey's fields for imported material: this key's expiration and the current material. */
export function materialMetadata(key: KeyRecord, now: number): Record<string, unknown> {
  const current = currentMaterial(key);
  const fields: Record<string, unknown> = {};
  if (current !== undefined && key.keySpec === "SYMMETRIC_DEFAULT") fields.CurrentKeyMaterialId = current.id;
  if (key.origin !== "EXTERNAL") return fields;
  const held = current === undefined ? undefined : liveImport(key, current.id, now);
  if (held !== undefined) {
    fields.ExpirationModel = held.expirationModel;
    if (held.validTo !== undefined) fields.ValidTo = epochSeconds(held.validTo);
  }
  return fields;
}

export const IMPORT_OPERATIONS: Readonly<Record<string, Handler>> = {
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
};
