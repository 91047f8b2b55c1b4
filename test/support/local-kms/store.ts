// Keys and aliases per Region, with key states evaluated lazily from timestamps (no timers).
import { randomBytes, randomUUID } from "node:crypto";
import { partition } from "@aws-sdk/core/client";
import { fault } from "./errors.js";

export type KeyState = "Creating" | "Enabled" | "Disabled" | "PendingDeletion" | "PendingImport";

export interface KeyRecord {
  readonly keyId: string;
  readonly arn: string;
  readonly region: string;
  readonly createdAt: number;
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly origin: "AWS_KMS" | "EXTERNAL";
  readonly multiRegion: boolean;
  readonly role?: "PRIMARY" | "REPLICA";
  description: string;
  tags: Map<string, string>;
  policy: string;
  /** State set by EnableKey/DisableKey/ScheduleKeyDeletion…; undefined: the state it was born to. */
  setState?: KeyState;
  /** While Date.now() < creatingUntil the key is Creating (Infinity: it never leaves). */
  creatingUntil?: number;
  /** Where a replica goes after Creating: Enabled, or PendingImport for imported material. */
  readonly bornState: KeyState;
  deletionDate?: number;
  pendingWindowInDays?: number;
  /** DescribeKey answers NotFoundException this many more times (eventual consistency). */
  hiddenDescribes: number;
}

export interface AliasRecord {
  readonly name: string;
  targetKeyId: string;
  readonly createdAt: number;
}

export function partitionName(region: string): string {
  return (partition(region) as { name: string }).name;
}

export function stateOf(key: KeyRecord, now = Date.now()): KeyState {
  if (key.creatingUntil !== undefined && now < key.creatingUntil) return "Creating";
  return key.setState ?? key.bornState;
}

export class RegionStore {
  readonly keys = new Map<string, KeyRecord>();
  readonly aliases = new Map<string, AliasRecord>();
  constructor(
    readonly region: string,
    readonly account: string,
  ) {}

  arnOf(resource: string): string {
    return `arn:${partitionName(this.region)}:kms:${this.region}:${this.account}:${resource}`;
  }
}

export class Store {
  private readonly regions = new Map<string, RegionStore>();
  constructor(readonly account: string) {}

  region(region: string): RegionStore {
    let store = this.regions.get(region);
    if (store === undefined) {
      store = new RegionStore(region, this.account);
      this.regions.set(region, store);
    }
    return store;
  }

  allRegions(): RegionStore[] {
    return [...this.regions.values()];
  }

  /** Every key with this ID, in every Region: a multi-Region family. */
  family(keyId: string): KeyRecord[] {
    return this.allRegions().flatMap((r) => {
      const key = r.keys.get(keyId);
      return key === undefined ? [] : [key];
    });
  }

  clear(): void {
    this.regions.clear();
  }

  /** Key ID, key ARN, alias name or alias ARN → the key, as seen from `region`. */
  find(region: string, keyIdOrAlias: string): KeyRecord {
    const store = this.region(region);
    let ref = keyIdOrAlias;
    if (ref.startsWith("arn:")) {
      const match = /^arn:([^:]+):kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(ref);
      if (match === null) throw fault.invalidArn(ref);
      const [, , arnRegion, account, type, rest = ""] = match;
      if (arnRegion !== region || account !== this.account) throw fault.notFound(`Key '${ref}'`);
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
}

export function newKeyId(multiRegion: boolean): string {
  return multiRegion ? `mrk-${randomBytes(16).toString("hex")}` : randomUUID();
}

export function defaultPolicy(region: string, account: string): string {
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: `arn:${partitionName(region)}:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    },
    null,
    2,
  );
}
