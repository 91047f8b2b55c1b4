// The converge step: apply the operations of the diff (src/diff.ts) to one key in its Region, one
// KMS call each, through the AWS adapter's quotas. A failed operation is the unit's failure (the
// later steps still run, so a new replica is still waited for) and stops the operations after it.
import type { Operation } from "../diff.js";
import { classify, describeError, type ErrorReport } from "../errors.js";
import { sleep } from "../pace.js";
import { NOT_FOUND_GRACE_MS } from "./wait.js";
import type { Progress, Step, StepContext, Unit } from "./work.js";

/** The operations for a unit, given what the steps before found; an empty list: nothing to do. */
export type OperationsFor = (unit: Unit, progress: Progress) => readonly Operation[];

export function convergeStep(operationsFor: OperationsFor): Step {
  return async (unit, progress, ctx) => {
    let changes = progress.changes;
    for (const operation of operationsFor(unit, progress)) {
      let failure: ErrorReport | undefined;
      try {
        failure = await apply(operation, unit, progress, ctx);
      } catch (error) {
        // Interrupted (a pause or a call cut by Ctrl-C): the next step settles the unit as such.
        if (ctx.signal.aborted) return { ...progress, changes };
        throw error;
      }
      if (failure !== undefined) return { ...progress, changes, failure };
      changes = [...changes, operation];
    }
    return { ...progress, changes };
  };
}

/** The KMS call behind an operation. */
const CALL: Record<Operation["op"], string> = {
  tag: "TagResource",
  untag: "UntagResource",
  description: "UpdateKeyDescription",
  policy: "PutKeyPolicy",
  alias: "CreateAlias",
  unalias: "DeleteAlias",
  enable: "EnableKey",
  disable: "DisableKey",
};

/** One operation; undefined when it was applied (or already in force), else why not. */
async function apply(
  operation: Operation,
  unit: Unit,
  progress: Progress,
  ctx: StepContext,
): Promise<ErrorReport | undefined> {
  const { kms, signal } = ctx;
  const { region } = unit;
  const arn = progress.arn;
  const keyId = unit.primary.keyId;
  const send = (): Promise<void> => {
    switch (operation.op) {
      case "tag":
        return kms.tagResource(region, arn, [{ TagKey: operation.key, TagValue: operation.value }], signal);
      case "untag":
        return kms.untagResource(region, arn, [operation.key], signal);
      case "description":
        return kms.updateKeyDescription(region, arn, operation.to, signal);
      case "policy":
        return kms.putKeyPolicy(region, arn, operation.to, signal);
      case "alias":
        return kms.createAlias(region, operation.name, arn, signal);
      case "unalias":
        return kms.deleteAlias(region, operation.name, signal);
      case "enable":
        return kms.enableKey(region, arn, signal);
      case "disable":
        return kms.disableKey(region, arn, signal);
    }
  };
  for (;;) {
    try {
      await send();
      return undefined;
    } catch (error) {
      const name = classify(error);
      if (operation.op === "alias" && name === "AlreadyExistsException") {
        const owner = await kms.describeKey(region, operation.name, signal).catch(() => undefined);
        if (owner?.KeyId === keyId) return undefined; // already ours: a re-run
        return {
          name: "AliasTaken",
          message: `${progress.requested ? "The replica was created, but " : ""}${operation.name} already exists in ${region} and points to ${owner?.KeyId ?? "another key"}.`,
          hint: `Choose which key ${operation.name} should name in ${region} (aws kms update-alias), or delete that alias and re-run with --copy-aliases.`,
        };
      }
      // A new replica may not be visible in its Region for a moment (eventual consistency).
      if (
        name === "NotFoundException" &&
        progress.requested &&
        performance.now() - progress.since < (ctx.notFoundGraceMs ?? NOT_FOUND_GRACE_MS)
      ) {
        await sleep(250, signal);
        continue;
      }
      return describeError(error, { operation: CALL[operation.op], region, keyId });
    }
  }
}
