// The converge step: apply the operations of the diff (src/core/diff.ts) to one key in its Region, one
// KMS call each, through the AWS adapter's quotas. A failed operation is the unit's failure (the
// later steps still run, so a new replica is still waited for) and stops the operations after it.
import type { Operation } from "../diff.js";
import { classify } from "../classify.js";
import { describeError, isNotSent, mayHaveBeenApplied, type ErrorReport } from "../errors.js";
import { OPERATION_CALL } from "../operation.js";
import { sleep } from "../../aws/pace.js";
import { refusedResult } from "./deadline.js";
import { NOT_FOUND_GRACE_MS } from "./wait.js";
import type { Progress, Step, StepContext, Unit } from "./work.js";

/** The operations for a unit, given what the steps before found; an empty list: nothing to do. */
export type OperationsFor = (unit: Unit, progress: Progress) => readonly Operation[];

export interface ConvergeSettings {
  /** Passed to PutKeyPolicy (--bypass-policy-lockout-safety-check). */
  readonly bypassPolicyLockoutSafetyCheck?: boolean;
}

/**
 * Applies the unit's operations in order. What did not apply (the failed operation and those after
 * it, or those an interruption stopped) is the unit's `pending`. An operation the adapter refused
 * at the deadline (--timeout) settles the unit here: `notStarted` if nothing was changed on it,
 * else `timeout`.
 */
export function convergeStep(operationsFor: OperationsFor, settings: ConvergeSettings = {}): Step {
  return async (unit, progress, ctx) => {
    let changes = progress.changes;
    const operations = operationsFor(unit, progress);
    for (const [index, operation] of operations.entries()) {
      const pending = operations.slice(index);
      let failure: ErrorReport | undefined;
      try {
        failure = await apply(operation, unit, progress, ctx, settings);
      } catch (error) {
        if (isNotSent(error)) {
          return refusedResult(unit, progress, ctx, error, {
            changes,
            pending,
            what: callOf(operation),
          });
        }
        // Interrupted (a pause or a call cut by Ctrl-C): the next step settles the unit as such,
        // saying whether this operation's request had left (then it may have been applied).
        if (ctx.signal.aborted) {
          return {
            ...progress,
            changes,
            pending,
            ...(mayHaveBeenApplied(error) ? { unanswered: operation } : {}),
          };
        }
        throw error;
      }
      if (failure !== undefined) return { ...progress, changes, failure, pending };
      changes = [...changes, operation];
    }
    return { ...progress, changes, pending: [] };
  };
}

/** The call that applies `operation`, with what it names: `TagResource cost`, `CreateAlias alias/app`. */
function callOf(operation: Operation): string {
  const call = OPERATION_CALL[operation.op];
  switch (operation.op) {
    case "tag":
    case "untag":
      return `${call} ${operation.key}`;
    case "alias":
    case "realias":
    case "unalias":
      return `${call} ${operation.name}`;
    default:
      return call;
  }
}

/** An alias the key should have already names another key in its Region. */
export function aliasTaken(
  name: string,
  region: string,
  owner: string | undefined,
  requested: boolean,
): ErrorReport {
  return {
    name: "AliasTaken",
    message: `${requested ? "The replica was created, but " : ""}${name} already exists in ${region} and points to ${owner ?? "another key"}.`,
    hint: `Choose which key ${name} should name in ${region}: delete that alias and re-run with --copy-aliases, or let 'kms-replicate sync --force-aliases' point it at this key (UpdateAlias).`,
  };
}

/** One operation; undefined when it was applied (or already in force), else why not. */
async function apply(
  operation: Operation,
  unit: Unit,
  progress: Progress,
  ctx: StepContext,
  settings: ConvergeSettings,
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
        return kms.putKeyPolicy(region, arn, operation.to, signal, {
          bypassPolicyLockoutSafetyCheck: settings.bypassPolicyLockoutSafetyCheck,
        });
      case "alias":
        return kms.createAlias(region, operation.name, arn, signal);
      case "realias":
        return kms.updateAlias(region, operation.name, arn, signal);
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
      // Refused at the deadline: the step settles the unit (see convergeStep).
      if (isNotSent(error)) throw error;
      const name = classify(error);
      if (operation.op === "alias" && name === "AlreadyExistsException") {
        const owner = await kms.describeKey(region, operation.name, signal).catch(() => undefined);
        if (owner?.KeyId === keyId) return undefined; // already ours: a re-run
        return aliasTaken(operation.name, region, owner?.KeyId, progress.requested);
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
      return describeError(error, { operation: OPERATION_CALL[operation.op], region, keyId });
    }
  }
}
