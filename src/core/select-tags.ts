// --select-tag Key=Value: does a key's primary carry every tag asked for (ListResourceTags in its
// Region)? A selection of keys leaves out the ones that do not; one --key that does not is refused.
import { EXIT, ReplicateError, awsError } from "./errors.js";
import type { PrimaryKey } from "./events.js";
import type { Tag } from "./options.js";
import type { KmsPort } from "../aws/kms.js";

/** Does the primary carry every tag asked for, with that value? ListResourceTags in its Region. */
export async function carriesTags(
  key: { readonly primary: PrimaryKey },
  wanted: readonly Tag[],
  ctx: { readonly kms: KmsPort; readonly signal: AbortSignal },
): Promise<boolean> {
  if (wanted.length === 0) return true;
  const { region, arn } = key.primary;
  let tags;
  try {
    tags = await ctx.kms.listResourceTags(region, arn, ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    throw awsError(error, { operation: "ListResourceTags", region, keyId: arn }, EXIT.failed);
  }
  const has = new Map(tags.map((t) => [t.TagKey ?? "", t.TagValue ?? ""]));
  return wanted.every((t) => has.get(t.TagKey) === t.TagValue);
}

/**
 * One --key with --select-tag: the key is worked on only if its primary carries every tag (exit 2
 * otherwise, nothing done), as a selection of keys would have left it out.
 */
export async function requireSelectTags(
  kms: KmsPort,
  primary: PrimaryKey,
  wanted: readonly Tag[],
  signal: AbortSignal,
): Promise<void> {
  if (wanted.length === 0) return;
  if (await carriesTags({ primary }, wanted, { kms, signal })) return;
  throw noTags(primary.arn, wanted);
}

/** The one key named does not carry the --select-tag tags: nothing is selected (exit 2). */
export function noTags(arn: string, wanted: readonly Tag[]): ReplicateError {
  const tags = wanted.map((t) => `${t.TagKey}=${t.TagValue}`).join(", ");
  return new ReplicateError(`No key selected: ${arn} does not carry ${tags}. Nothing was changed.`, {
    fault: "user",
    exitCode: EXIT.usage,
    code: "EmptySelection",
    hint: "Check the tag with 'aws kms list-resource-tags', or drop --select-tag.",
  });
}
