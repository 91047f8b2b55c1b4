// After a promotion (and in its dry run), the new primary's key policy is read: a policy that cannot
// allow kms:ReplicateKey would refuse every new replica, so the run warns with the command that fixes it.
import { describeError, isAbort } from "../../core/errors.js";
import { accountOfArn, policyAllowsReplicateKey, type Member } from "../../core/promotion.js";
import type { KmsPort } from "../../aws/kms.js";

/** A warning when the new primary's key policy cannot allow kms:ReplicateKey; undefined: it can. */
export async function policyWarning(
  kms: KmsPort,
  primary: Member,
  signal: AbortSignal,
  future = false,
): Promise<string | undefined> {
  const who = `${future ? "the would-be primary" : "the new primary"} in ${primary.region}`;
  const fix = `Add a statement that allows kms:ReplicateKey (aws kms put-key-policy --key-id ${primary.arn} --region ${primary.region} --policy-name default --policy file://policy.json).`;
  let policy: string;
  try {
    policy = await kms.getKeyPolicy(primary.region, primary.arn, signal);
  } catch (error) {
    if (signal.aborted || isAbort(error)) return undefined;
    const report = describeError(error, {
      operation: "GetKeyPolicy",
      region: primary.region,
      keyId: primary.arn,
    });
    return `Could not read the key policy of ${who} (GetKeyPolicy: ${report.name}); check that it allows kms:ReplicateKey, or new replicas will be refused.`;
  }
  const verdict = policyAllowsReplicateKey(policy, accountOfArn(primary.arn) ?? "");
  if (verdict.kind === "allows") return undefined;
  return verdict.kind === "refuses"
    ? `The key policy of ${who} does not allow kms:ReplicateKey (${verdict.reason}): new replicas would be refused. ${fix}`
    : `The key policy of ${who} could not be checked for kms:ReplicateKey (${verdict.reason}). ${fix}`;
}
