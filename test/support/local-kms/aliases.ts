// The alias calls (CreateAlias, UpdateAlias, DeleteAlias, ListAliases), with KMS's rules: alias
// names as input.ts checks them, targets in the request's Region that are not pending deletion,
// UpdateAlias only between keys of the same type and key usage; writes read back after the
// Region's read-after-write delay.
import { fault } from "./errors.js";
import { aliasName, required, str } from "./input.js";
import { manageableKey } from "./management.js";
import type { OperationContext } from "./operations.js";
import { page } from "./paging.js";
import type { AliasRecord, KeyRecord, RegionStore } from "./store.js";

type Body = Record<string, unknown>;
type Handler = (ctx: OperationContext, body: Body) => unknown;

const epochSeconds = (ms: number): number => ms / 1000;

/** The target of CreateAlias/UpdateAlias: a key ID or key ARN in this Region, not an alias. */
function aliasTarget(ctx: OperationContext, body: Body): KeyRecord {
  const ref = required(body, "TargetKeyId");
  if (ref.startsWith("alias/") || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(ref)) {
    throw fault.validation(`TargetKeyId ${ref} must be a key ID or key ARN, not an alias.`);
  }
  return manageableKey(ctx, ref);
}

function writeAlias(
  ctx: OperationContext,
  store: RegionStore,
  name: string,
  next: AliasRecord | undefined,
): void {
  store.aliasLag.wrote(name, store.aliases.get(name), ctx.now, ctx.readAfterWriteMs(ctx.region));
  if (next === undefined) store.aliases.delete(name);
  else store.aliases.set(name, next);
}

const createAlias: Handler = (ctx, body) => {
  const name = aliasName(body);
  const key = aliasTarget(ctx, body);
  const store = ctx.store.region(ctx.region);
  if (store.aliases.has(name))
    throw fault.alreadyExists(`An alias with the name ${store.arnOf(name)} already exists`);
  writeAlias(ctx, store, name, { name, targetKeyId: key.keyId, createdAt: ctx.now, updatedAt: ctx.now });
  return {};
};

/** The key type KMS requires UpdateAlias's old and new targets to share. */
const keyType = (key: KeyRecord): string =>
  key.keySpec === "SYMMETRIC_DEFAULT" ? "symmetric" : key.keySpec.startsWith("HMAC_") ? "HMAC" : "asymmetric";

/**
 * UpdateAlias: the alias must exist in this Region (NotFoundException), the new target is a key of
 * this Region of the same type (symmetric / asymmetric / HMAC) and key usage as the current one
 * (ValidationException otherwise).
 */
const updateAlias: Handler = (ctx, body) => {
  const name = aliasName(body);
  const store = ctx.store.region(ctx.region);
  const alias = store.aliases.get(name);
  if (alias === undefined) throw fault.notFound(`Alias '${store.arnOf(name)}'`);
  const key = aliasTarget(ctx, body);
  const current = store.keys.get(alias.targetKeyId);
  if (current !== undefined && (keyType(current) !== keyType(key) || current.keyUsage !== key.keyUsage)) {
    throw fault.validation(
      `${key.arn} is not of the same key type and key usage as ${current.arn}, the current target of ${name}.`,
    );
  }
  writeAlias(ctx, store, name, { ...alias, targetKeyId: key.keyId, updatedAt: ctx.now });
  return {};
};

const deleteAlias: Handler = (ctx, body) => {
  const name = aliasName(body);
  const store = ctx.store.region(ctx.region);
  if (!store.aliases.has(name)) throw fault.notFound(`Alias '${store.arnOf(name)}'`);
  writeAlias(ctx, store, name, undefined);
  return {};
};

const listAliases: Handler = (ctx, body) => {
  const store = ctx.store.region(ctx.region);
  const keyId = str(body, "KeyId");
  const target = keyId === undefined ? undefined : ctx.store.find(ctx.region, keyId).keyId;
  const aliases = store
    .visibleAliases(ctx.now)
    .filter((a) => target === undefined || a.targetKeyId === target);
  const { items, next } = page(aliases, body, "ListAliases", `${ctx.region} ${target ?? "*"}`);
  return {
    Aliases: items.map((a) => ({
      AliasName: a.name,
      AliasArn: store.arnOf(a.name),
      TargetKeyId: a.targetKeyId,
      CreationDate: epochSeconds(a.createdAt),
      LastUpdatedDate: epochSeconds(a.updatedAt),
    })),
    Truncated: next !== undefined,
    NextMarker: next,
  };
};

export const ALIAS_OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateAlias: createAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
};
