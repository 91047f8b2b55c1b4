// The KMS port: what the core and the commands ask of KMS, one method per operation (each its own
// Region's call). createKms (src/aws/client.ts) builds it over the AWS SDK; tests give fakes.
import type {
  AliasListEntry,
  ImportKeyMaterialCommandInput,
  KeyListEntry,
  KeyMetadata,
  ReplicateKeyCommandInput,
  ReplicateKeyCommandOutput,
  RotationsListEntry,
  Tag,
} from "@aws-sdk/client-kms";

/** KMS's answer to ScheduleKeyDeletion. */
export interface ScheduledDeletion {
  readonly keyState?: string;
  /** Undefined for a primary in PendingReplicaDeletion: its window starts when its last replica is gone. */
  readonly deletionDate?: Date;
  readonly pendingWindowInDays?: number;
}

export interface KmsPort {
  describeKey(region: string, keyId: string, signal?: AbortSignal): Promise<KeyMetadata>;
  /**
   * Sent to the primary's Region; `input.ReplicaRegion` names the target. `onSent` runs when an
   * attempt's request has left the process (every attempt, retries included).
   */
  replicateKey(
    primaryRegion: string,
    input: ReplicateKeyCommandInput,
    signal?: AbortSignal,
    onSent?: () => void,
  ): Promise<ReplicateKeyCommandOutput>;
  /** Every key of the Region (ListKeys, all pages of 1000): key IDs and ARNs. */
  listKeys(region: string, signal?: AbortSignal): Promise<KeyListEntry[]>;
  /** Every tag of the key (all pages). */
  listResourceTags(region: string, keyId: string, signal?: AbortSignal): Promise<Tag[]>;
  /** The key's `default` policy document. */
  getKeyPolicy(region: string, keyId: string, signal?: AbortSignal): Promise<string>;
  /** Every alias that points at the key in that Region (all pages). */
  listAliases(region: string, keyId: string, signal?: AbortSignal): Promise<AliasListEntry[]>;
  createAlias(region: string, aliasName: string, targetKeyId: string, signal?: AbortSignal): Promise<void>;
  deleteAlias(region: string, aliasName: string, signal?: AbortSignal): Promise<void>;
  tagResource(region: string, keyId: string, tags: readonly Tag[], signal?: AbortSignal): Promise<void>;
  untagResource(
    region: string,
    keyId: string,
    tagKeys: readonly string[],
    signal?: AbortSignal,
  ): Promise<void>;
  updateKeyDescription(
    region: string,
    keyId: string,
    description: string,
    signal?: AbortSignal,
  ): Promise<void>;
  /** The key's `default` policy; BypassPolicyLockoutSafetyCheck only when `options` says so. */
  putKeyPolicy(
    region: string,
    keyId: string,
    policy: string,
    signal?: AbortSignal,
    options?: { readonly bypassPolicyLockoutSafetyCheck?: boolean },
  ): Promise<void>;
  /** Points an existing alias of the Region at another key (UpdateAlias). */
  updateAlias(region: string, aliasName: string, targetKeyId: string, signal?: AbortSignal): Promise<void>;
  enableKey(region: string, keyId: string, signal?: AbortSignal): Promise<void>;
  disableKey(region: string, keyId: string, signal?: AbortSignal): Promise<void>;
  /**
   * ScheduleKeyDeletion with a window of `pendingWindowInDays` (7–30). KMS answers with the key's
   * state (PendingDeletion, or PendingReplicaDeletion for a primary that still has replicas) and,
   * for PendingDeletion, the date it will be deleted.
   */
  scheduleKeyDeletion(
    region: string,
    keyId: string,
    pendingWindowInDays: number,
    signal?: AbortSignal,
  ): Promise<ScheduledDeletion>;
  /** CancelKeyDeletion: the key is Disabled afterwards (EnableKey to use it again). */
  cancelKeyDeletion(region: string, keyId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Sent to the current primary's Region (`region`); `primaryRegion` names the replica's Region that
   * becomes the primary. Its quota is charged in both Regions. `onSent` as for replicateKey.
   */
  updatePrimaryRegion(
    region: string,
    keyId: string,
    primaryRegion: string,
    signal?: AbortSignal,
    onSent?: () => void,
  ): Promise<void>;
  /**
   * A wrapping public key (DER SubjectPublicKeyInfo) and an import token for one key in `region`.
   * Neither is ever put in an event or a message.
   */
  getParametersForImport(
    region: string,
    keyId: string,
    wrapping: { readonly algorithm: string; readonly keySpec: string },
    signal?: AbortSignal,
  ): Promise<{ readonly importToken: Uint8Array; readonly publicKey: Uint8Array }>;
  /** The wrapped material into the key of `region`; the key material ID KMS answers, if any. */
  importKeyMaterial(
    region: string,
    input: ImportKeyMaterialCommandInput,
    signal?: AbortSignal,
  ): Promise<{ readonly keyMaterialId?: string }>;
  rotateKeyOnDemand(region: string, keyId: string, signal?: AbortSignal): Promise<void>;
  /** Every key material of the key (IncludeKeyMaterial ALL_KEY_MATERIAL, all pages). */
  listKeyRotations(region: string, keyId: string, signal?: AbortSignal): Promise<RotationsListEntry[]>;
  /** The caller's account, when the resolved credentials carry it (AWS_ACCOUNT_ID, aws_account_id, SSO, assume-role). */
  callerAccount?(): Promise<string | undefined>;
}
