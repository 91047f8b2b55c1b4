// Each operation of the KMS port as one call through the adapter (src/aws/call.ts): the SDK command
// it sends, built afresh for every attempt, and what the port returns from KMS's answer. Grouped by
// what they act on; createKms (src/aws/client.ts) puts the groups together.
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  UpdatePrimaryRegionCommand,
  ScheduleKeyDeletionCommand,
  CancelKeyDeletionCommand,
  type GetParametersForImportCommandInput,
} from "@aws-sdk/client-kms";
import { EXIT, ReplicateError } from "../core/errors.js";
import type { Call } from "./call.js";
import type { KmsPort } from "./kms.js";

/** The keys themselves: read one, list a Region's, replicate, promote, enable and disable. */
export function keyOperations(
  call: Call,
): Pick<
  KmsPort,
  "describeKey" | "listKeys" | "replicateKey" | "updatePrimaryRegion" | "enableKey" | "disableKey"
> {
  return { ...readAndReplicate(call), ...stateOperations(call) };
}

function readAndReplicate(
  call: Call,
): Pick<KmsPort, "describeKey" | "listKeys" | "replicateKey" | "updatePrimaryRegion"> {
  return {
    async describeKey(region, keyId, signal) {
      const output = await call("DescribeKey", region, signal, (client, track) =>
        client.send(track(new DescribeKeyCommand({ KeyId: keyId })), { abortSignal: signal }),
      );
      if (output.KeyMetadata === undefined) {
        // KMS always returns KeyMetadata; treat its absence like a key that is not visible yet.
        throw new ReplicateError(`DescribeKey returned no KeyMetadata for ${keyId} in ${region}.`, {
          fault: "aws",
          exitCode: EXIT.failed,
          code: "NotFoundException",
        });
      }
      return output.KeyMetadata;
    },
    listKeys(region, signal) {
      return allPages(async (marker) => {
        const page = await call("ListKeys", region, signal, (client, track) =>
          client.send(track(new ListKeysCommand({ Limit: 1000, Marker: marker })), { abortSignal: signal }),
        );
        return { items: page.Keys ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    replicateKey(primaryRegion, input, signal, onSent) {
      return call(
        "ReplicateKey",
        primaryRegion,
        signal,
        (client, track) => client.send(track(new ReplicateKeyCommand(input)), { abortSignal: signal }),
        { onSent, target: input.ReplicaRegion },
      );
    },
    async updatePrimaryRegion(region, keyId, primaryRegion, signal, onSent) {
      await call(
        "UpdatePrimaryRegion",
        region,
        signal,
        (client, track) =>
          client.send(track(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: primaryRegion })), {
            abortSignal: signal,
          }),
        { onSent, target: primaryRegion },
      );
    },
  };
}

/** A key's state: enable, disable. */
function stateOperations(call: Call): Pick<KmsPort, "enableKey" | "disableKey"> {
  return {
    async enableKey(region, keyId, signal) {
      await call("EnableKey", region, signal, (client, track) =>
        client.send(track(new EnableKeyCommand({ KeyId: keyId })), { abortSignal: signal }),
      );
    },
    async disableKey(region, keyId, signal) {
      await call("DisableKey", region, signal, (client, track) =>
        client.send(track(new DisableKeyCommand({ KeyId: keyId })), { abortSignal: signal }),
      );
    },
  };
}

/** A key's end: schedule its deletion, and cancel it (the key is Disabled afterwards). */
export function deletionOperations(call: Call): Pick<KmsPort, "scheduleKeyDeletion" | "cancelKeyDeletion"> {
  return {
    async scheduleKeyDeletion(region, keyId, pendingWindowInDays, signal) {
      const output = await call("ScheduleKeyDeletion", region, signal, (client, track) =>
        client.send(
          track(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: pendingWindowInDays })),
          { abortSignal: signal },
        ),
      );
      return {
        ...(output.KeyState !== undefined ? { keyState: output.KeyState } : {}),
        ...(output.DeletionDate !== undefined ? { deletionDate: output.DeletionDate } : {}),
        ...(output.PendingWindowInDays !== undefined
          ? { pendingWindowInDays: output.PendingWindowInDays }
          : {}),
      };
    },
    async cancelKeyDeletion(region, keyId, signal) {
      await call("CancelKeyDeletion", region, signal, (client, track) =>
        client.send(track(new CancelKeyDeletionCommand({ KeyId: keyId })), { abortSignal: signal }),
      );
    },
  };
}

/** What sync brings in line on each key: tags, the policy, the description and aliases. */
export function settingOperations(
  call: Call,
): Pick<
  KmsPort,
  | "listResourceTags"
  | "tagResource"
  | "untagResource"
  | "getKeyPolicy"
  | "putKeyPolicy"
  | "updateKeyDescription"
  | "listAliases"
  | "createAlias"
  | "deleteAlias"
  | "updateAlias"
> {
  return {
    listResourceTags(region, keyId, signal) {
      return allPages(async (marker) => {
        const page = await call("ListResourceTags", region, signal, (client, track) =>
          client.send(track(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker })), {
            abortSignal: signal,
          }),
        );
        return { items: page.Tags ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    async tagResource(region, keyId, tags, signal) {
      await call("TagResource", region, signal, (client, track) =>
        client.send(track(new TagResourceCommand({ KeyId: keyId, Tags: [...tags] })), {
          abortSignal: signal,
        }),
      );
    },
    async untagResource(region, keyId, tagKeys, signal) {
      await call("UntagResource", region, signal, (client, track) =>
        client.send(track(new UntagResourceCommand({ KeyId: keyId, TagKeys: [...tagKeys] })), {
          abortSignal: signal,
        }),
      );
    },
    async getKeyPolicy(region, keyId, signal) {
      const output = await call("GetKeyPolicy", region, signal, (client, track) =>
        client.send(track(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" })), {
          abortSignal: signal,
        }),
      );
      return output.Policy ?? "";
    },
    async putKeyPolicy(region, keyId, policy, signal, options) {
      const bypass =
        options?.bypassPolicyLockoutSafetyCheck === true ? { BypassPolicyLockoutSafetyCheck: true } : {};
      await call("PutKeyPolicy", region, signal, (client, track) =>
        client.send(
          track(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: policy, ...bypass })),
          { abortSignal: signal },
        ),
      );
    },
    async updateKeyDescription(region, keyId, description, signal) {
      await call("UpdateKeyDescription", region, signal, (client, track) =>
        client.send(track(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: description })), {
          abortSignal: signal,
        }),
      );
    },
    listAliases(region, keyId, signal) {
      return allPages(async (marker) => {
        const page = await call("ListAliases", region, signal, (client, track) =>
          client.send(track(new ListAliasesCommand({ KeyId: keyId, Marker: marker })), {
            abortSignal: signal,
          }),
        );
        return { items: page.Aliases ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
    async createAlias(region, aliasName, targetKeyId, signal) {
      await call("CreateAlias", region, signal, (client, track) =>
        client.send(track(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: targetKeyId })), {
          abortSignal: signal,
        }),
      );
    },
    async deleteAlias(region, aliasName, signal) {
      await call("DeleteAlias", region, signal, (client, track) =>
        client.send(track(new DeleteAliasCommand({ AliasName: aliasName })), { abortSignal: signal }),
      );
    },
    async updateAlias(region, aliasName, targetKeyId, signal) {
      await call("UpdateAlias", region, signal, (client, track) =>
        client.send(track(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: targetKeyId })), {
          abortSignal: signal,
        }),
      );
    },
  };
}

/** Imported key material: the import's parameters, the import, on-demand rotation and its list. */
export function materialOperations(
  call: Call,
): Pick<KmsPort, "getParametersForImport" | "importKeyMaterial" | "rotateKeyOnDemand" | "listKeyRotations"> {
  return {
    async getParametersForImport(region, keyId, wrapping, signal) {
      const output = await call("GetParametersForImport", region, signal, (client, track) =>
        client.send(
          track(
            new GetParametersForImportCommand({
              KeyId: keyId,
              WrappingAlgorithm:
                wrapping.algorithm as GetParametersForImportCommandInput["WrappingAlgorithm"],
              WrappingKeySpec: wrapping.keySpec as GetParametersForImportCommandInput["WrappingKeySpec"],
            }),
          ),
          { abortSignal: signal },
        ),
      );
      if (output.ImportToken === undefined || output.PublicKey === undefined) {
        throw new ReplicateError(
          `GetParametersForImport in ${region} returned no public key or import token.`,
          {
            fault: "aws",
            exitCode: EXIT.failed,
            code: "InvalidImportTokenException",
          },
        );
      }
      return { importToken: output.ImportToken, publicKey: output.PublicKey };
    },
    async importKeyMaterial(region, input, signal) {
      const output = await call("ImportKeyMaterial", region, signal, (client, track) =>
        client.send(track(new ImportKeyMaterialCommand(input)), { abortSignal: signal }),
      );
      return output.KeyMaterialId !== undefined ? { keyMaterialId: output.KeyMaterialId } : {};
    },
    async rotateKeyOnDemand(region, keyId, signal) {
      await call("RotateKeyOnDemand", region, signal, (client, track) =>
        client.send(track(new RotateKeyOnDemandCommand({ KeyId: keyId })), { abortSignal: signal }),
      );
    },
    listKeyRotations(region, keyId, signal) {
      return allPages(async (marker) => {
        const page = await call("ListKeyRotations", region, signal, (client, track) =>
          client.send(
            track(
              new ListKeyRotationsCommand({
                KeyId: keyId,
                IncludeKeyMaterial: "ALL_KEY_MATERIAL",
                Marker: marker,
              }),
            ),
            { abortSignal: signal },
          ),
        );
        return { items: page.Rotations ?? [], next: page.Truncated === true ? page.NextMarker : undefined };
      });
    },
  };
}

/** Follows KMS's Marker / NextMarker paging to the end. */
async function allPages<T>(
  fetchPage: (marker: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    items.push(...page.items);
    marker = page.next;
  } while (marker !== undefined);
  return items;
}
