// The management calls on one key: tags, description, key policy, EnableKey and DisableKey, with
// KMS's key state rules (a key pending deletion refuses tags, description, aliases and
// Enable/DisableKey; its policy may still be read and changed). Writes read back after the Region's
// read-after-write delay.
import { fault } from "./errors.js";
import {
  MAX_TAG_KEY,
  MAX_TAGS,
  chars,
  checkDescription,
  checkPolicy,
  required,
  str,
  tagsOf,
} from "./input.js";
import type { OperationContext } from "./operations.js";
import { page } from "./paging.js";
import { isPendingDeletion, stateOf, type KeyRecord, type KeyState } from "./store.js";

type Body = Record<string, unknown>;
type Handler = (ctx: OperationContext, body: Body) => unknown;

/**
 * A key a management call may change: found, and not pending deletion (KMS's key state table
 * refuses tags, description and aliases on a key PendingDeletion or PendingReplicaDeletion;
 * PutKeyPolicy and DeleteAlias pass).
 */
export function manageableKey(ctx: OperationContext, ref: string): KeyRecord {
  const key = ctx.store.find(ctx.region, ref);
  const state = stateOf(key, ctx.now);
  if (isPendingDeletion(state)) throw fault.invalidState(`${key.arn} is ${state}.`);
  return key;
}

/** Records a write of a key property for read-after-write, then applies it. */
function writeTags(ctx: OperationContext, key: KeyRecord, next: Map<string, string>): void {
  key.lag.wrote("tags", new Map(key.tags), ctx.now, ctx.readAfterWriteMs(ctx.region));
  key.tags = next;
}

const tagResource: Handler = (ctx, body) => {
  const key = manageableKey(ctx, required(body, "KeyId"));
  if (!Array.isArray(body.Tags)) {
    throw fault.validation(
      "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
    );
  }
  const next = new Map(key.tags);
  for (const [k, v] of tagsOf(body)) next.set(k, v);
  if (next.size > MAX_TAGS) throw fault.limitExceeded();
  writeTags(ctx, key, next);
  return {};
};

/** UntagResource: TagKeys is a list of tag keys (1–128 characters); keys the key lacks are ignored. */
const untagResource: Handler = (ctx, body) => {
  const key = manageableKey(ctx, required(body, "KeyId"));
  const list = body.TagKeys;
  if (!Array.isArray(list)) {
    throw fault.validation(
      "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
    );
  }
  const next = new Map(key.tags);
  for (const tagKey of list as unknown[]) {
    if (typeof tagKey !== "string" || tagKey === "" || chars(tagKey) > MAX_TAG_KEY) {
      throw fault.tag(`Tag key ${String(tagKey)} is not valid.`);
    }
    next.delete(tagKey);
  }
  writeTags(ctx, key, next);
  return {};
};

const listResourceTags: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const tags = [...key.lag.read("tags", key.tags, ctx.now)];
  const { items, next } = page(tags, body, "ListResourceTags", `${ctx.region} ${key.keyId}`);
  return {
    Tags: items.map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    Truncated: next !== undefined,
    NextMarker: next,
  };
};

/** UpdateKeyDescription: Description is required but may be empty (0–8192 characters). */
const updateKeyDescription: Handler = (ctx, body) => {
  const key = manageableKey(ctx, required(body, "KeyId"));
  const description = str(body, "Description");
  if (description === undefined) {
    throw fault.validation(
      "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null",
    );
  }
  checkDescription(description);
  key.lag.wrote("description", key.description, ctx.now, ctx.readAfterWriteMs(ctx.region));
  key.description = description;
  return {};
};

function policyName(body: Body): void {
  const name = str(body, "PolicyName") ?? "default";
  if (name !== "default") throw fault.notFound(`Policy ${name}`);
}

const getKeyPolicy: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  policyName(body);
  return { Policy: key.lag.read("policy", key.policy, ctx.now), PolicyName: "default" };
};

const putKeyPolicy: Handler = (ctx, body) => {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  policyName(body);
  const policy = required(body, "Policy");
  checkPolicy(policy);
  const bypass = body.BypassPolicyLockoutSafetyCheck;
  if (bypass !== undefined && typeof bypass !== "boolean") {
    throw fault.validation("BypassPolicyLockoutSafetyCheck must be a boolean.");
  }
  key.lag.wrote("policy", key.policy, ctx.now, ctx.readAfterWriteMs(ctx.region));
  key.policy = policy;
  return {};
};

/** A key whose state may be changed: not Creating, not Updating (shared/kms-lifecycle.md). */
function settledKey(ctx: OperationContext, body: Body): KeyRecord {
  const key = ctx.store.find(ctx.region, required(body, "KeyId"));
  const state = stateOf(key, ctx.now);
  if (state === "Creating" || state === "Updating") throw fault.invalidState(`${key.arn} is ${state}.`);
  return key;
}

/** EnableKey/DisableKey: any key (primary or replica) that is Enabled or Disabled. */
function setEnabled(ctx: OperationContext, body: Body, next: KeyState): unknown {
  const key = settledKey(ctx, body);
  const state = stateOf(key, ctx.now);
  if (isPendingDeletion(state)) throw fault.invalidState(`${key.arn} is ${state}.`);
  if (state === "PendingImport") throw fault.invalidState(`${key.arn} is pending import.`);
  key.lag.wrote("state", key.setState, ctx.now, ctx.readAfterWriteMs(ctx.region));
  key.setState = next;
  return {};
}

const enableKey: Handler = (ctx, body) => setEnabled(ctx, body, "Enabled");
const disableKey: Handler = (ctx, body) => setEnabled(ctx, body, "Disabled");

export const MANAGEMENT_OPERATIONS: Readonly<Record<string, Handler>> = {
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
  UpdateKeyDescription: updateKeyDescription,
  GetKeyPolicy: getKeyPolicy,
  PutKeyPolicy: putKeyPolicy,
  EnableKey: enableKey,
  DisableKey: disableKey,
};
