// One replica held in memory behind a KmsPort: reads and writes as KMS does them, with an optional
// read-after-write lag (reads answer the old value for the next `lagReads` reads after a write),
// scripted key states, other keys' aliases, and failures per operation. For the sync tests.
import type { KeyState } from "@aws-sdk/client-kms";
import type { KmsPort } from "../../src/aws/kms.js";
import { awsFailure, fakeKms } from "./fake-kms.js";
import { KEY_ID, arnIn } from "./fixtures.js";

export interface ReplicaState {
  tags: Record<string, string>;
  description: string;
  policy: string;
  aliases: string[];
  enabled: boolean;
}

export interface FakeReplica {
  readonly kms: KmsPort;
  readonly state: ReplicaState;
  /** Every call, `Operation(args)`, in order. */
  readonly calls: string[];
  readonly writes: () => string[];
}

export interface FakeReplicaOptions {
  readonly region?: string;
  readonly state?: Partial<ReplicaState>;
  /** DescribeKey's KeyState, in turn (the last repeats); default: from `enabled`. */
  readonly keyStates?: readonly KeyState[];
  /** Aliases of other keys in the Region: name → key ID. */
  readonly otherAliases?: Readonly<Record<string, string>>;
  /** After each write, this many reads still answer what was there before. */
  readonly lagReads?: number;
  /** Operations that always fail, with this AWS error name. */
  readonly failing?: Readonly<Record<string, string>>;
}

const WRITES = new Set([
  "TagResource",
  "UntagResource",
  "UpdateKeyDescription",
  "PutKeyPolicy",
  "CreateAlias",
  "UpdateAlias",
  "DeleteAlias",
  "EnableKey",
  "DisableKey",
]);

export function fakeReplica(options: FakeReplicaOptions = {}): FakeReplica {
  const region = options.region ?? "eu-west-1";
  const state: ReplicaState = {
    tags: {},
    description: "",
    policy: "{}",
    aliases: [],
    enabled: true,
    ...options.state,
  };
  const otherAliases = { ...options.otherAliases };
  const calls: string[] = [];
  let seenState = 0;
  let lagLeft = 0;
  let before: ReplicaState = structuredClone(state);
  /** What a read sees: the state before the last write while the lag lasts. */
  const visible = (): ReplicaState => {
    if (lagLeft > 0) {
      lagLeft -= 1;
      return before;
    }
    return state;
  };
  const run = <T>(operation: string, args: string, body: () => T): Promise<T> => {
    calls.push(`${operation}(${args})`);
    const failure = options.failing?.[operation];
    if (failure !== undefined) return Promise.reject(awsFailure(failure));
    if (WRITES.has(operation)) {
      before = structuredClone(state);
      lagLeft = options.lagReads ?? 0;
    }
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const keyState = (): KeyState => {
    const scripted = options.keyStates;
    if (scripted !== undefined && scripted.length > 0) {
      const s = scripted[Math.min(seenState, scripted.length - 1)] ?? "Enabled";
      seenState += 1;
      if (s !== "Enabled" && s !== "Disabled") return s;
    }
    return visible().enabled ? "Enabled" : "Disabled";
  };
  const kms = fakeKms({
    describeKey: (_region, keyId) =>
      run("DescribeKey", keyId, () => {
        if (keyId.startsWith("alias/")) {
          if (state.aliases.includes(keyId)) return { KeyId: KEY_ID, Arn: arnIn(region) };
          const other = otherAliases[keyId];
          if (other === undefined) throw awsFailure("NotFoundException");
          return { KeyId: other, Arn: `arn:aws:kms:${region}:111122223333:key/${other}` };
        }
        const seen = visible();
        const s = keyState();
        return {
          KeyId: KEY_ID,
          Arn: arnIn(region),
          KeyState: s,
          Enabled: s === "Enabled",
          Description: seen.description,
        };
      }),
    listResourceTags: (_region, keyId) =>
      run("ListResourceTags", keyId, () =>
        Object.entries(visible().tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      ),
    listAliases: (_region, keyId) =>
      run("ListAliases", keyId, () => visible().aliases.map((AliasName) => ({ AliasName }))),
    getKeyPolicy: (_region, keyId) => run("GetKeyPolicy", keyId, () => visible().policy),
    tagResource: (_region, _keyId, tags) =>
      run("TagResource", tags.map((t) => `${t.TagKey}=${t.TagValue}`).join(","), () => {
        for (const t of tags) state.tags[t.TagKey ?? ""] = t.TagValue ?? "";
      }),
    untagResource: (_region, _keyId, keys) =>
      run("UntagResource", keys.join(","), () => {
        for (const k of keys) delete state.tags[k];
      }),
    updateKeyDescription: (_region, _keyId, description) =>
      run("UpdateKeyDescription", description, () => {
        state.description = description;
      }),
    putKeyPolicy: (_region, _keyId, policy, _signal, settings) =>
      run("PutKeyPolicy", settings?.bypassPolicyLockoutSafetyCheck === true ? "bypass" : "", () => {
        state.policy = policy;
      }),
    createAlias: (_region, name) =>
      run("CreateAlias", name, () => {
        if (state.aliases.includes(name) || otherAliases[name] !== undefined) {
          throw awsFailure("AlreadyExistsException");
        }
        state.aliases.push(name);
      }),
    updateAlias: (_region, name) =>
      run("UpdateAlias", name, () => {
        delete otherAliases[name];
        state.aliases.push(name);
      }),
    deleteAlias: (_region, name) =>
      run("DeleteAlias", name, () => {
        state.aliases = state.aliases.filter((a) => a !== name);
      }),
    enableKey: () =>
      run("EnableKey", "", () => {
        state.enabled = true;
      }),
    disableKey: () =>
      run("DisableKey", "", () => {
        state.enabled = false;
      }),
  });
  return {
    kms,
    state,
    calls,
    writes: () => calls.filter((c) => WRITES.has(c.slice(0, c.indexOf("(")))),
  };
}
