// Keys and aliases per Region, with key states evaluated lazily from timestamps (no timers).
import { randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { fault } from "./errors.js";

export type KeyState =
  | "Creating"
  | "Updating"
  | "Enabled"
  | "Disabled"
  | "PendingDeletion"
  | "PendingReplicaDeletion"
  | "PendingImport";

/** Scheduled for deletion: a date set (PendingDeletion), or waiting for the replicas to go first. */
export const isPendingDeletion = (state: KeyState): boolean =>
  state === "PendingDeletion" || state === "PendingReplicaDeletion";

/** DescribeKey's KeyManager: CUSTOMER for every key the API makes; AWS only for setup-made keys. */
export type KeyManager = "CUSTOMER" | "AWS";

/**
 * Writes that reads do not see yet (KMS is eventually consistent: a changed value can take a while
 * to read back). For each property, the value before each write and when the write shows; a read
 * answers the value before the oldest write not yet visible, or the truth when all are.
 */
export class ReadLag<V extends Record<string, unknown>> {
  private readonly pending = new Map<keyof V, { previous: V[keyof V]; visibleAt: number }[]>();

  /** A write of `property` at `now`, whose old value was `previous`, shows after `delayMs`. */
  wrote<K extends keyof V>(property: K, previous: V[K], now: number, delayMs: number): void {
    if (delayMs <= 0) {
      // Visible at once, and so is everything written before it.
      this.pending.delete(property);
      return;
    }
    const list = this.pending.get(property) ?? [];
    list.push({ previous, visibleAt: now + delayMs });
    this.pending.set(property, list);
  }

  /** What a read of `property` at `now` answers, given its true value. */
  read<K extends keyof V>(property: K, truth: V[K], now: number): V[K] {
    const list = this.pending.get(property);
    if (list === undefined) return truth;
    const waiting = list.find((entry) => entry.visibleAt > now);
    if (waiting === undefined) {
      this.pending.delete(property);
      return truth;
    }
    return waiting.previous as V[K];
  }

  /** The properties with a write not yet visible at `now`. */
  lagging(now: number): (keyof V)[] {
    return [...this.pending].filter(([, list]) => list.some((e) => e.visibleAt > now)).map(([k]) => k);
  }
}

/** The properties of a key that read-after-write delays apply to. */
export interface KeyProperties extends Record<string, unknown> {
  tags: ReadonlyMap<string, string>;
  description: string;
  policy: string;
  /** The state set by EnableKey/DisableKey (undefined: the state it was born to). */
  state: KeyState | undefined;
}

export interface KeyRecord {
  readonly keyId: string;
  readonly arn: string;
  readonly region: string;
  readonly createdAt: number;
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly origin: "AWS_KMS" | "EXTERNAL";
  /** AWS: an AWS managed key, as AWS services create them (never through CreateKey). */
  readonly keyManager: KeyManager;
  readonly multiRegion: boolean;
  /** Changes with UpdatePrimaryRegion. */
  role?: "PRIMARY" | "REPLICA";
  description: string;
  tags: Map<string, string>;
  policy: string;
  /** State set by EnableKey/DisableKey/ScheduleKeyDeletion…; undefined: the state it was born to. */
  setState?: KeyState;
  /** While now < creatingUntil the key is Creating (Infinity: it never leaves). */
  creatingUntil?: number;
  /** While now < updatingUntil the key is Updating (UpdatePrimaryRegion; Infinity: never leaves). */
  updatingUntil?: number;
  /** Where a replica goes after Creating: Enabled, or PendingImport for imported material. */
  readonly bornState: KeyState;
  /** PendingDeletion: when the key is gone (epoch ms). */
  deletionDate?: number;
  /** ScheduleKeyDeletion's PendingWindowInDays, and that window in ms on the endpoint's clock. */
  pendingWindowInDays?: number;
  pendingWindowMs?: number;
  /** DescribeKey answers NotFoundException this many more times (eventual consistency). */
  hiddenDescribes: number;
  /** Writes of tags, description, policy and enabled state that reads do not see yet. */
  readonly lag: ReadLag<KeyProperties>;
  /** Imported material (Origin EXTERNAL): the family's list, shared by reference by every key of it. */
  readonly materials: FamilyMaterial[];
  /** What was imported into this key, by key material ID (expiration is per key). */
  readonly imports: Map<string, MaterialImport>;
}

/** KMS's KeyMaterialState (ListKeyRotations). */
export type KeyMaterialState =
  "CURRENT" | "NON_CURRENT" | "PENDING_ROTATION" | "PENDING_MULTI_REGION_IMPORT_AND_ROTATION";

/**
 * A key material the family knows. Its ID is a digest of the key ID and the material, so the
 * endpoint never keeps the material itself and still tells the same material from another.
 */
export interface FamilyMaterial {
  readonly id: string;
  state: KeyMaterialState;
  readonly description?: string;
  /** When RotateKeyOnDemand made it current (epoch ms). */
  rotatedAt?: number;
}

/** One ImportKeyMaterial into one key. */
export interface MaterialImport {
  readonly expirationModel: "KEY_MATERIAL_EXPIRES" | "KEY_MATERIAL_DOES_NOT_EXPIRE";
  /** Epoch ms; undefined: does not expire. */
  readonly validTo?: number;
  readonly importedAt: number;
}

/** What GetParametersForImport handed out: valid for one key in one Region until `expiresAt`. */
export interface ImportParameters {
  readonly keyId: string;
  readonly region: string;
  readonly privateKey: KeyObject;
  readonly algorithm: string;
  /** The wrapping key's modulus length in bytes (where RSA_AES's wrapped AES key ends). */
  readonly modulusBytes: number;
  readonly expiresAt: number;
}

/** The family's current material, if any. */
export function currentMaterial(key: KeyRecord): FamilyMaterial | undefined {
  return key.materials.find((m) => m.state === "CURRENT");
}

/** This key's import of material `id`, if it has one that has not expired at `now`. */
export function liveImport(key: KeyRecord, id: string, now: number): MaterialImport | undefined {
  const found = key.imports.get(id);
  return found !== undefined && (found.validTo === undefined || now < found.validTo) ? found : undefined;
}

export interface AliasRecord {
  readonly name: string;
  readonly targetKeyId: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The true state of a key at `now`. */
export function stateOf(key: KeyRecord, now: number): KeyState {
  return stateWith(key, now, key.setState);
}

/** The state a read sees at `now`: an EnableKey/DisableKey may not show yet. */
export function visibleStateOf(key: KeyRecord, now: number): KeyState {
  return stateWith(key, now, key.lag.read("state", key.setState, now));
}

/** Creating and Updating come from timestamps; otherwise the state set (undefined: born to). */
function stateWith(key: KeyRecord, now: number, setState: KeyState | undefined): KeyState {
  if (key.creatingUntil !== undefined && now < key.creatingUntil) return "Creating";
  if (key.updatingUntil !== undefined && now < key.updatingUntil) return "Updating";
  if (key.origin === "EXTERNAL" && !(setState !== undefined && isPendingDeletion(setState))) {
    // Imported material: usable while this key holds the family's current material, unexpired.
    const current = currentMaterial(key);
    if (current === undefined || liveImport(key, current.id, now) === undefined) return "PendingImport";
    return setState ?? "Enabled";
  }
  return setState ?? key.bornState;
}

export class RegionStore {
  readonly keys = new Map<string, KeyRecord>();
  /** The true aliases; reads go through visibleAliases(). */
  readonly aliases = new Map<string, AliasRecord>();
  /** Alias writes that ListAliases does not see yet, by alias name. */
  readonly aliasLag = new ReadLag<Record<string, AliasRecord | undefined>>();
  constructor(
    readonly region: string,
    readonly account: string,
    private readonly partitionOf: (region: string) => string,
  ) {}

  get partition(): string {
    return this.partitionOf(this.region);
  }

  arnOf(resource: string): string {
    return `arn:${this.partition}:kms:${this.region}:${this.account}:${resource}`;
  }

  /** The aliases a read sees at `now`. */
  visibleAliases(now: number): AliasRecord[] {
    const names = new Set([...this.aliases.keys(), ...this.aliasLag.lagging(now)]);
    return [...names].flatMap((name) => this.aliasLag.read(name, this.aliases.get(name), now) ?? []);
  }
}

export class Store {
  private readonly regions = new Map<string, RegionStore>();
  /** Every key by key ID, in every Region (a multi-Region family), in the order they were made. */
  private readonly families = new Map<string, KeyRecord[]>();
  /** GetParametersForImport's answers, by import token (base64). */
  readonly importTokens = new Map<string, ImportParameters>();
  /** The keys PendingDeletion with a date (deletion.ts removes them when it passes). */
  readonly scheduled = new Set<KeyRecord>();
  constructor(
    readonly account: string,
    /** The endpoint's clock (epoch ms). */
    readonly now: () => number,
    /** The partition of a Region (partitions.ts plus the configured extra Regions). */
    readonly partitionOf: (region: string) => string,
  ) {}

  region(region: string): RegionStore {
    let store = this.regions.get(region);
    if (store === undefined) {
      store = new RegionStore(region, this.account, this.partitionOf);
      this.regions.set(region, store);
    }
    return store;
  }

  /** A new key, in its Region and in its family. */
  add(key: KeyRecord): void {
    this.region(key.region).keys.set(key.keyId, key);
    const family = this.families.get(key.keyId);
    if (family === undefined) this.families.set(key.keyId, [key]);
    else family.push(key);
  }

  /** Every key with this ID, in every Region: a multi-Region family (oldest first). */
  family(keyId: string): readonly KeyRecord[] {
    return this.families.get(keyId) ?? [];
  }

  /** A key is gone: from its Region, its family and the schedule, and its aliases with it. */
  remove(key: KeyRecord): void {
    const store = this.region(key.region);
    store.keys.delete(key.keyId);
    for (const alias of [...store.aliases.values()]) {
      // Gone at once for reads too: nothing is left for an older answer to show.
      if (alias.targetKeyId === key.keyId) {
        store.aliasLag.wrote(alias.name, alias, 0, 0);
        store.aliases.delete(alias.name);
      }
    }
    const family = this.families.get(key.keyId)?.filter((k) => k !== key) ?? [];
    if (family.length === 0) this.families.delete(key.keyId);
    else this.families.set(key.keyId, family);
    this.scheduled.delete(key);
  }

  clear(): void {
    this.regions.clear();
    this.families.clear();
    this.importTokens.clear();
    this.scheduled.clear();
  }

  /** Key ID, key ARN, alias name or alias ARN → the key, as seen from `region`. */
  find(region: string, keyIdOrAlias: string): KeyRecord {
    const store = this.region(region);
    let ref = keyIdOrAlias;
    if (ref.startsWith("arn:")) {
      const match = /^arn:([^:]+):kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(ref);
      if (match === null) throw fault.invalidArn(ref);
      const [, partition, arnRegion, account, type, rest = ""] = match;
      if (arnRegion !== region || account !== this.account || partition !== store.partition) {
        throw fault.notFound(`Key '${ref}'`);
      }
      ref = type === "alias" ? `alias/${rest}` : rest;
    }
    if (ref.startsWith("alias/")) {
      const alias = store.aliases.get(ref);
      const key = alias === undefined ? undefined : store.keys.get(alias.targetKeyId);
      if (key === undefined) throw fault.notFound(`Alias '${store.arnOf(ref)}'`);
      return key;
    }
    const key = store.keys.get(ref);
    if (key === undefined) throw fault.notFound(`Key '${store.arnOf(`key/${ref}`)}'`);
    return key;
  }

  /** The default key policy of a new key in `region`: the account's root may do everything. */
  defaultPolicy(region: string): string {
    return JSON.stringify(
      {
        Version: "2012-10-17",
        Id: "key-default-1",
        Statement: [
          {
            Sid: "Enable IAM User Permissions",
            Effect: "Allow",
            Principal: { AWS: `arn:${this.partitionOf(region)}:iam::${this.account}:root` },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      },
      null,
      2,
    );
  }
}

export function newKeyId(multiRegion: boolean): string {
  return multiRegion ? `mrk-${randomBytes(16).toString("hex")}` : randomUUID();
}
