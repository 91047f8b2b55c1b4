// One handler per KMS operation, with the validation and errors of the real API
// (see shared/kms-replicatekey.md for ReplicateKey's rules). Here: the keys and the family
// (CreateKey, DescribeKey, ReplicateKey, UpdatePrimaryRegion, ListKeys); aliases.ts, management.ts
// (tags, description, policy, Enable/DisableKey), deletion.ts and imports.ts hold the others;
// OPERATIONS maps every operation's name to its handler. input.ts checks the request members.
import { ALIAS_OPERATIONS } from "./aliases.js";
import { DELETION_OPERATIONS } from "./deletion.js";
import { fault } from "./errors.js";
import { IMPORT_OPERATIONS, materialMetadata } from "./imports.js";
import { checkDescription, checkPolicy, checkRegion, keyIdOrArn, required, str, tagsOf } from "./input.js";
import { MANAGEMENT_OPERATIONS } from "./management.js";
import { page } from "./paging.js";
import {
  newKeyId,
  ReadLag,
  stateOf,
  visibleStateOf,
  type KeyManager,
  type KeyRecord,
  type Store,
} from "./store.js";

export interface OperationContext {
  readonly region: string;
  readonly store: Store;
  /** When the request arrived, on the endpoint's clock (epoch ms). */
  readonly now: number;
  /** How long a new replica in `region` stays Creating (ms; Infinity: forever). */
  readonly creatingDelay: (region: string) => number;
  /** How many DescribeKey calls of a new replica in `region` answer NotFound first. */
  readonly hiddenDescribes: (region: string) => number;
  /** Regions where HMAC keys are not offered. */
  readonly hmacUnsupported: (region: string) => boolean;
  /** Opt-in Regions not enabled for the account: nothing can be created there. */
  readonly regionDisabled: (region: string) => boolean;
  /** A Region of the endpoint's table (partitions.ts) or of its config's regionPartitions. */
  readonly regionKnown: (region: string) => boolean;
  /** How long a write in `region` takes to read back (ms; 0: at once). */
  readonly readAfterWriteMs: (region: string) => number;
  /** How long both keys stay Updating after UpdatePrimaryRegion, by the key's Region (ms). */
  readonly updatingMs: (region: string) => number;
  /** While Updating, DescribeKey shows the new primary as a REPLICA too (as KMS may). */
  readonly updatingShowsReplicas: boolean;
  /** How long GetParametersForImport's public key and import token stay valid (ms). */
  readonly importTokenValidityMs: number;
  /** How long a day of a deletion window is (ms; KMS: 86,400,000). */
  readonly dayMs: number;
}

type Body = Record<string, unknown>;
export type Handler = (ctx: OperationContext, body: Body) => unknown;

const epochSeconds = (ms: number): number => ms / 1000;

function algorithms(keySpec: string, keyUsage: string): Record<string, string[]> {
  if (keySpec.startsWith("HMAC_")) return { MacAlgorithms: [`HMAC_SHA_${keySpec.slice(5)}`] };
  if (keySpec === "SYMMETRIC_DEFAULT") return { EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"] };
  if (keyUsage === "SIGN_VERIFY") {
    return keySpec.startsWith("RSA")
      ? { SigningAlgorithms: ["RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256"] }
      : { SigningAlgorithms: ["ECDSA_SHA_256"] };
  }
  return { EncryptionAlgorithms: ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] };
}

/**
 * A key's metadata as a read at `now` sees it: description and enabled state through the key's
 * read-after-write lag. `updatingShowsReplicas`: a new primary still Updating shows as a REPLICA.
 */
export function metadataOf(
  store: Store,
  key: KeyRecord,
  now = store.now(),
  updatingShowsReplicas = false,
): Record<string, unknown> {
  const state = visibleStateOf(key, now);
  const metadata: Record<string, unknown> = {
    AWSAccountId: store.account,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: epochSeconds(key.createdAt),
    Enabled: state === "Enabled",
    Description: key.lag.read("description", key.description, now),
    KeyUsage: key.keyUsage,
    KeyState: state,
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    MultiRegion: key.multiRegion,
    ...algorithms(key.keySpec, key.keyUsage),
    ...materialMetadata(key, now),
  };
  if (key.deletionDate !== undefined && state === "PendingDeletion") {
    metadata.DeletionDate = epochSeconds(key.deletionDate);
    metadata.PendingDeletionWindowInDays = key.pendingWindowInDays;
  }
  // A primary waiting for its replicas: no date yet, only the window that starts after them.
  if (state === "PendingReplicaDeletion") metadata.PendingDeletionWindowInDays = key.pendingWindowInDays;
  if (key.multiRegion) {
    const family = store.family(key.keyId);
    const primary = family.find((k) => k.role === "PRIMARY");
    const shownAsReplica = updatingShowsReplicas && state === "Updating";
    metadata.MultiRegionConfiguration = {
      MultiRegionKeyType: shownAsReplica ? "REPLICA" : key.role,
      PrimaryKey: primary === undefined ? undefined : { Arn: primary.arn, Region: primary.region },
      ReplicaKeys: family.filter((k) => k.role === "REPLICA").map((k) => ({ Arn: k.arn, Region: k.region })),
    };
  }
  return metadata;
}

const KEY_SPECS = new Set([
  "SYMMETRIC_DEFAULT",
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
  "HMAC_224",
  "HMAC_256",
  "HMAC_384",
  "HMAC_512",
]);

function newKey(
  ctx: OperationContext,
  fields: Omit<
    KeyRecord,
    "arn" | "region" | "createdAt" | "hiddenDescribes" | "lag" | "materials" | "imports" | "keyManager"
  > &
    Partial<Pick<KeyRecord, "hiddenDescribes" | "materials" | "keyManager">>,
  region: string,
): KeyRecord {
  const key: KeyRecord = {
    hiddenDescribes: 0,
    materials: [],
    keyManager: "CUSTOMER",
    ...fields,
    imports: new Map(),
    arn: ctx.store.region(region).arnOf(`key/${fields.keyId}`),
    region,
    createdAt: ctx.now,
    lag: new ReadLag(),
  };
  ctx.store.add(key);
  return key;
}

const createKey: Handler = (ctx, body) => makeKey(ctx, body, "CUSTOMER");

/**
 * CreateKey's work, for a key managed by `keyManager`. KMS's CreateKey makes CUSTOMER keys only; an
 * AWS managed key (made by an AWS service for the account) is a test's setup step, and such keys
 * are never multi-Region.
 */
export function makeKey(
  ctx: OperationContext,
  body: Body,
  keyManager: KeyManager,
): { KeyMetadata: Record<string, unknown> } {
  const keySpec = str(body, "KeySpec") ?? str(body, "CustomerMasterKeySpec") ?? "SYMMETRIC_DEFAULT";
  if (!KEY_SPECS.has(keySpec)) throw fault.validation(`Unsupported KeySpec ${keySpec}.`);
  const keyUsage =
    str(body, "KeyUsage") ?? (keySpec.startsWith("HMAC_") ? "GENERATE_VERIFY_MAC" : "ENCRYPT_DECRYPT");
  const origin = str(body, "Origin") ?? "AWS_KMS";
  if (origin !== "AWS_KMS" && origin !== "EXTERNAL")
    throw fault.unsupported(`Origin ${origin} is not supported here.`);
  const description = str(body, "Description") ?? "";
  checkDescription(description);
  const policy = str(body, "Policy");
  if (policy !== undefined) checkPolicy(policy);
  const multiRegion = body.MultiRegion === true;
  if (multiRegion && keyManager === "AWS") {
    throw new Error("kms-local setup: AWS managed keys are single-Region keys; drop MultiRegion");
  }
  const key = newKey(
    ctx,
    {
      keyId: newKeyId(multiRegion),
      keySpec,
      keyUsage,
      origin,
      keyManager,
      multiRegion,
      role: multiRegion ? "PRIMARY" : undefined,
      description,
      tags: tagsOf(body),
      policy: policy ?? ctx.store.defaultPolicy(ctx.region),
      bornState: origin === "EXTERNAL" ? "PendingImport" : "Enabled",
    },
    ctx.region,
  );
  return { KeyMetadata: metadataOf(ctx.store, key, ctx.now) };
}

const describeKey: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  if (key.hiddenDescribes > 0) {
    key.hiddenDescribes -= 1;
    throw fault.notFound(`Key '${key.arn}'`);
  }
  return { KeyMetadata: metadataOf(ctx.store, key, ctx.now, ctx.updatingShowsReplicas) };
};

const replicateKey: Handler = (ctx, body) => {
  const keyId = keyIdOrArn(body);
  const target = required(body, "ReplicaRegion");
  checkRegion(target, "replicaRegion");
  const primary = ctx.store.find(ctx.region, keyId);
  if (!primary.multiRegion || primary.role !== "PRIMARY") throw notPrimary(primary.arn);
  const state = stateOf(primary, ctx.now);
  if (state === "Disabled") throw fault.disabled(primary.arn);
  if (state !== "Enabled" && state !== "PendingImport") {
    throw fault.invalidState(`${primary.arn} is ${state}.`);
  }
  // The real service answers ValidationException for these two; we do the same.
  if (target === primary.region)
    throw fault.validation(`The replica Region ${target} is the primary key's Region.`);
  if (!ctx.regionKnown(target)) throw fault.regionNotOffered(target);
  if (ctx.store.partitionOf(target) !== ctx.store.partitionOf(primary.region)) {
    throw fault.validation(`${target} is not in the same partition as ${primary.region}.`);
  }
  if (ctx.regionDisabled(target)) {
    throw fault.unsupported(`The Region ${target} is not enabled for this account.`);
  }
  if (ctx.store.region(target).keys.has(primary.keyId)) {
    throw fault.alreadyExists(`A replica of ${primary.arn} already exists in ${target}.`);
  }
  if (primary.keySpec.startsWith("HMAC_") && ctx.hmacUnsupported(target)) {
    throw fault.unsupported(`HMAC keys are not supported in ${target}.`);
  }
  const policy = str(body, "Policy");
  if (policy !== undefined) checkPolicy(policy);
  const description = str(body, "Description") ?? "";
  checkDescription(description);
  const tags = tagsOf(body);

  const replica = newKey(
    ctx,
    {
      keyId: primary.keyId,
      keySpec: primary.keySpec,
      keyUsage: primary.keyUsage,
      origin: primary.origin,
      multiRegion: true,
      role: "REPLICA",
      description,
      tags,
      policy: policy ?? ctx.store.defaultPolicy(target),
      creatingUntil: ctx.now + ctx.creatingDelay(target),
      bornState: primary.origin === "EXTERNAL" ? "PendingImport" : "Enabled",
      hiddenDescribes: ctx.hiddenDescribes(target),
      // The family's materials, shared; the replica holds none of them until they are imported.
      materials: primary.materials,
    },
    target,
  );
  return {
    ReplicaKeyMetadata: metadataOf(ctx.store, replica, ctx.now),
    ReplicaPolicy: replica.policy,
    ReplicaTags: [...tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
  };
};

/** KMS's answer when KeyId names a replica or a single-Region key where a primary is needed. */
export function notPrimary(arn: string): Error {
  return fault.unsupported(`${arn} is not a multi-Region primary key.`);
}

/** DisabledException for a Disabled key, KMSInvalidStateException for any other state but Enabled. */
function mustBeEnabled(key: KeyRecord, now: number): void {
  const state = stateOf(key, now);
  if (state === "Disabled") throw fault.disabled(key.arn);
  if (state !== "Enabled") throw fault.invalidState(`${key.arn} is ${state}.`);
}

/**
 * UpdatePrimaryRegion (shared/kms-lifecycle.md): sent to the primary's Region. The replica in
 * PrimaryRegion becomes the primary, the primary a replica, every other replica follows (the family
 * is found by key ID, so their MultiRegionConfiguration names the new primary at once); both keys
 * are Updating for `updatingMs` of their Region. Choices where KMS does not say: no replica in
 * PrimaryRegion → NotFoundException (the API reference lists it; "there must be an existing replica
 * key in this Region"); PrimaryRegion is the primary's own Region or of another partition →
 * ValidationException, as ReplicateKey answers for the same mistakes.
 */
const updatePrimaryRegion: Handler = (ctx, body) => {
  const keyId = keyIdOrArn(body);
  const target = required(body, "PrimaryRegion");
  checkRegion(target, "primaryRegion");
  const primary = ctx.store.find(ctx.region, keyId);
  if (!primary.multiRegion || primary.role !== "PRIMARY") throw notPrimary(primary.arn);
  if (target === primary.region) {
    throw fault.validation(`${target} is already the primary Region of ${primary.arn}.`);
  }
  if (ctx.store.partitionOf(target) !== ctx.store.partitionOf(primary.region)) {
    throw fault.validation(`${target} is not in the same partition as ${primary.region}.`);
  }
  const replica = ctx.store.region(target).keys.get(primary.keyId);
  if (replica === undefined) {
    throw fault.notFound(`Key '${ctx.store.region(target).arnOf(`key/${primary.keyId}`)}'`);
  }
  mustBeEnabled(primary, ctx.now);
  mustBeEnabled(replica, ctx.now);
  primary.role = "REPLICA";
  replica.role = "PRIMARY";
  for (const key of [primary, replica]) key.updatingUntil = ctx.now + ctx.updatingMs(key.region);
  return {};
};

/** Every key of the Region, in any state: primaries, replicas, single-Region and AWS managed keys. */
const listKeys: Handler = (ctx, body) => {
  const keys = [...ctx.store.region(ctx.region).keys.values()];
  const { items, next } = page(keys, body, "ListKeys", ctx.region);
  return {
    Keys: items.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
    Truncated: next !== undefined,
    NextMarker: next,
  };
};

export const OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ReplicateKey: replicateKey,
  UpdatePrimaryRegion: updatePrimaryRegion,
  ListKeys: listKeys,
  ...ALIAS_OPERATIONS,
  ...MANAGEMENT_OPERATIONS,
  ...DELETION_OPERATIONS,
  ...IMPORT_OPERATIONS,
};
