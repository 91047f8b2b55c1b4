// One handler per KMS operation, with the validation and errors of the real API
// (see shared/kms-replicatekey.md for ReplicateKey's rules).
import { fault } from "./errors.js";
import { defaultPolicy, newKeyId, partitionName, stateOf, type KeyRecord, type Store } from "./store.js";

export interface OperationContext {
  readonly region: string;
  readonly store: Store;
  /** How long a new replica in `region` stays Creating (ms; Infinity: forever). */
  readonly creatingDelay: (region: string) => number;
  /** How many DescribeKey calls of a new replica in `region` answer NotFound first. */
  readonly hiddenDescribes: (region: string) => number;
  /** Regions where HMAC keys are not offered. */
  readonly hmacUnsupported: (region: string) => boolean;
  /** Opt-in Regions not enabled for the account: nothing can be created there. */
  readonly regionDisabled: (region: string) => boolean;
}

type Body = Record<string, unknown>;
export type Handler = (ctx: OperationContext, body: Body) => unknown;

/** KMS's own pattern for a Region ID, kept apart from src/regions.ts: the fake must not share the
 * code it tests. */
export const REGION_PATTERN = /^([a-z]+-){2,3}\d+$/;
const POLICY_CHARACTERS = /^[\t\n\r\u0020-\u00FF]*$/;
const epochSeconds = (ms: number): number => ms / 1000;

function str(body: Body, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" ? value : undefined;
}

function required(body: Body, name: string): string {
  const value = str(body, name);
  if (value === undefined || value === "") {
    throw fault.validation(
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function tagsOf(body: Body): Map<string, string> {
  const tags = new Map<string, string>();
  const list = body.Tags;
  if (list === undefined) return tags;
  if (!Array.isArray(list)) throw fault.tag("Tags must be a list.");
  for (const item of list as { TagKey?: unknown; TagValue?: unknown }[]) {
    if (typeof item.TagKey !== "string" || item.TagKey === "" || typeof item.TagValue !== "string") {
      throw fault.tag("Each tag needs a TagKey and a TagValue.");
    }
    if (tags.has(item.TagKey)) throw fault.tag(`Duplicate tag key ${item.TagKey}.`);
    if (item.TagKey.startsWith("aws:")) throw fault.tag("Tag keys may not start with aws:.");
    tags.set(item.TagKey, item.TagValue);
  }
  return tags;
}

function checkPolicy(policy: string): void {
  if (policy.length < 1 || policy.length > 32_768) {
    throw fault.validation(
      "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 32768",
    );
  }
  if (!POLICY_CHARACTERS.test(policy)) {
    throw fault.malformedPolicy("The policy contains characters that are not allowed.");
  }
  try {
    JSON.parse(policy);
  } catch {
    throw fault.malformedPolicy(
      "The new key policy will not allow you to update the key policy in the future.",
    );
  }
}

function checkDescription(description: string | undefined): void {
  if (description !== undefined && description.length > 8192) {
    throw fault.validation(
      "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192",
    );
  }
}

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

export function metadataOf(store: Store, key: KeyRecord): Record<string, unknown> {
  const state = stateOf(key);
  const metadata: Record<string, unknown> = {
    AWSAccountId: store.account,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: epochSeconds(key.createdAt),
    Enabled: state === "Enabled",
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: state,
    Origin: key.origin,
    KeyManager: "CUSTOMER",
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    MultiRegion: key.multiRegion,
    ...algorithms(key.keySpec, key.keyUsage),
  };
  if (key.deletionDate !== undefined && state === "PendingDeletion") {
    metadata.DeletionDate = epochSeconds(key.deletionDate);
    metadata.PendingDeletionWindowInDays = key.pendingWindowInDays;
  }
  if (key.multiRegion) {
    const family = store.family(key.keyId);
    const primary = family.find((k) => k.role === "PRIMARY");
    metadata.MultiRegionConfiguration = {
      MultiRegionKeyType: key.role,
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

const createKey: Handler = (ctx, body) => {
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
  const store = ctx.store.region(ctx.region);
  const keyId = newKeyId(multiRegion);
  const key: KeyRecord = {
    keyId,
    arn: store.arnOf(`key/${keyId}`),
    region: ctx.region,
    createdAt: Date.now(),
    keySpec,
    keyUsage,
    origin,
    multiRegion,
    role: multiRegion ? "PRIMARY" : undefined,
    description,
    tags: tagsOf(body),
    policy: policy ?? defaultPolicy(ctx.region, ctx.store.account),
    bornState: origin === "EXTERNAL" ? "PendingImport" : "Enabled",
    hiddenDescribes: 0,
  };
  store.keys.set(keyId, key);
  return { KeyMetadata: metadataOf(ctx.store, key) };
};

const describeKey: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  if (key.hiddenDescribes > 0) {
    key.hiddenDescribes -= 1;
    throw fault.notFound(`Key '${key.arn}'`);
  }
  return { KeyMetadata: metadataOf(ctx.store, key) };
};

const replicateKey: Handler = (ctx, body) => {
  const keyId = required(body, "KeyId");
  if (keyId.length > 2048) throw fault.validation("KeyId must be at most 2048 characters.");
  const target = required(body, "ReplicaRegion");
  if (target.length > 32 || !REGION_PATTERN.test(target)) {
    throw fault.validation(
      `1 validation error detected: Value '${target}' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$`,
    );
  }
  // KeyId is a key ID or key ARN: ReplicateKey does not resolve aliases.
  if (keyId.startsWith("alias/") || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(keyId)) {
    throw fault.notFound(`Key '${keyId}'`);
  }
  const primary = ctx.store.find(ctx.region, keyId);
  if (!primary.multiRegion || primary.role !== "PRIMARY") {
    throw fault.unsupported(`${primary.arn} is not a multi-Region primary key.`);
  }
  const state = stateOf(primary);
  if (state === "Disabled") throw fault.disabled(primary.arn);
  if (state !== "Enabled" && state !== "PendingImport") {
    throw fault.invalidState(`${primary.arn} is ${state}.`);
  }
  // The real service answers ValidationException for these two; we do the same.
  if (target === primary.region)
    throw fault.validation(`The replica Region ${target} is the primary key's Region.`);
  if (partitionName(target) !== partitionName(primary.region)) {
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

  const store = ctx.store.region(target);
  const now = Date.now();
  const replica: KeyRecord = {
    keyId: primary.keyId,
    arn: store.arnOf(`key/${primary.keyId}`),
    region: target,
    createdAt: now,
    keySpec: primary.keySpec,
    keyUsage: primary.keyUsage,
    origin: primary.origin,
    multiRegion: true,
    role: "REPLICA",
    description,
    tags,
    policy: policy ?? defaultPolicy(target, ctx.store.account),
    creatingUntil: now + ctx.creatingDelay(target),
    bornState: primary.origin === "EXTERNAL" ? "PendingImport" : "Enabled",
    hiddenDescribes: ctx.hiddenDescribes(target),
  };
  store.keys.set(replica.keyId, replica);
  return {
    ReplicaKeyMetadata: metadataOf(ctx.store, replica),
    ReplicaPolicy: replica.policy,
    ReplicaTags: [...tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
  };
};

function page<T>(items: T[], body: Body): { items: T[]; next?: string } {
  const limit = typeof body.Limit === "number" ? body.Limit : 100;
  const start = Number(str(body, "Marker") ?? "0");
  const next = start + limit < items.length ? String(start + limit) : undefined;
  return { items: items.slice(start, start + limit), next };
}

const listKeys: Handler = (ctx, body) => {
  const keys = [...ctx.store.region(ctx.region).keys.values()];
  const { items, next } = page(keys, body);
  return {
    Keys: items.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
    Truncated: next !== undefined,
    NextMarker: next,
  };
};

const createAlias: Handler = (ctx, body) => {
  const name = required(body, "AliasName");
  if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(name) || name.startsWith("alias/aws/")) {
    throw fault.validation(`Alias name ${name} is not valid.`);
  }
  const key = ctx.store.find(ctx.region, required(body, "TargetKeyId"));
  const store = ctx.store.region(ctx.region);
  if (store.aliases.has(name))
    throw fault.alreadyExists(`An alias with the name ${store.arnOf(name)} already exists`);
  store.aliases.set(name, { name, targetKeyId: key.keyId, createdAt: Date.now() });
  return {};
};

const listAliases: Handler = (ctx, body) => {
  const store = ctx.store.region(ctx.region);
  const keyId = str(body, "KeyId");
  const target = keyId === undefined ? undefined : ctx.store.find(ctx.region, keyId).keyId;
  const aliases = [...store.aliases.values()].filter((a) => target === undefined || a.targetKeyId === target);
  const { items, next } = page(aliases, body);
  return {
    Aliases: items.map((a) => ({
      AliasName: a.name,
      AliasArn: store.arnOf(a.name),
      TargetKeyId: a.targetKeyId,
      CreationDate: epochSeconds(a.createdAt),
    })),
    Truncated: next !== undefined,
    NextMarker: next,
  };
};

const tagResource: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  for (const [k, v] of tagsOf(body)) key.tags.set(k, v);
  return {};
};

const listResourceTags: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const { items, next } = page([...key.tags], body);
  return {
    Tags: items.map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    Truncated: next !== undefined,
    NextMarker: next,
  };
};

const getKeyPolicy: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const name = str(body, "PolicyName") ?? "default";
  if (name !== "default") throw fault.notFound(`Policy ${name}`);
  return { Policy: key.policy, PolicyName: "default" };
};

const putKeyPolicy: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const policy = required(body, "Policy");
  checkPolicy(policy);
  key.policy = policy;
  return {};
};

function settledKey(ctx: OperationContext, body: Body): KeyRecord {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const state = stateOf(key);
  if (state === "Creating") throw fault.invalidState(`${key.arn} is Creating.`);
  return key;
}

const enableKey: Handler = (ctx, body) => {
  const key = settledKey(ctx, body);
  if (stateOf(key) === "PendingDeletion") throw fault.invalidState(`${key.arn} is pending deletion.`);
  key.setState = "Enabled";
  return {};
};

const disableKey: Handler = (ctx, body) => {
  const key = settledKey(ctx, body);
  if (stateOf(key) === "PendingDeletion") throw fault.invalidState(`${key.arn} is pending deletion.`);
  key.setState = "Disabled";
  return {};
};

const scheduleKeyDeletion: Handler = (ctx, body) => {
  const key = settledKey(ctx, body);
  const days = typeof body.PendingWindowInDays === "number" ? body.PendingWindowInDays : 30;
  if (!Number.isInteger(days) || days < 7 || days > 30) {
    throw fault.validation("PendingWindowInDays must be between 7 and 30.");
  }
  key.setState = "PendingDeletion";
  key.pendingWindowInDays = days;
  key.deletionDate = Date.now() + days * 86_400_000;
  return {
    KeyId: key.arn,
    DeletionDate: epochSeconds(key.deletionDate),
    KeyState: "PendingDeletion",
    PendingWindowInDays: days,
  };
};

const cancelKeyDeletion: Handler = (ctx, body) => {
  const key = settledKey(ctx, body);
  if (stateOf(key) !== "PendingDeletion") throw fault.invalidState(`${key.arn} is not pending deletion.`);
  key.setState = "Disabled";
  key.deletionDate = undefined;
  return { KeyId: key.arn };
};

export const OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ReplicateKey: replicateKey,
  ListKeys: listKeys,
  CreateAlias: createAlias,
  ListAliases: listAliases,
  TagResource: tagResource,
  ListResourceTags: listResourceTags,
  GetKeyPolicy: getKeyPolicy,
  PutKeyPolicy: putKeyPolicy,
  EnableKey: enableKey,
  DisableKey: disableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
};
