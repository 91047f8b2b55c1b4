// The create step: ReplicateKey for a Region that has no replica yet, with the desired tags,
// description and policy. The AWS adapter paces every attempt within KMS's quotas.
import type { ReplicateKeyCommandInput } from "@aws-sdk/client-kms";
import { tagList, type Desired } from "../desired.js";
import { attemptsOf } from "../call-error.js";
import { classify } from "../classify.js";
import { describeError, isAbort, isNotSent, mayHaveBeenApplied } from "../errors.js";
import type { PrimaryKey } from "../events.js";
import { refusedResult } from "./deadline.js";
import type { Step } from "./work.js";
import { elapsedSince } from "./work.js";

export interface CreateSettings {
  readonly desired: Desired;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
}

/** The replica's ARN: the primary's, with the replica's Region (they share the key ID). */
export function replicaArn(primary: PrimaryKey, region: string): string {
  return primary.arn.replace(/^(arn:[^:]+:kms:)[^:]*(:.*)$/, `$1${region}$2`);
}

/**
 * A unit whose Region already holds a replica passes through. Otherwise: in a dry run, `planned`;
 * else ReplicateKey, after which the unit is this run's (`requested`, a `replicate` change). An
 * AlreadyExistsException after an earlier attempt of ours means that attempt was executed and its
 * answer lost: the replica is ours too. On the first attempt, another run made it: followed as found.
 */
export function createStep(settings: CreateSettings): Step {
  return async (unit, progress, ctx) => {
    if (unit.existing) return progress;
    const { primary, region } = unit;
    const keyId = primary.keyId;
    if (ctx.dryRun) {
      return {
        keyId,
        region,
        arn: unit.arn,
        changes: [{ op: "replicate" }],
        outcome: "planned",
        elapsedMs: elapsedSince(ctx),
      };
    }
    ctx.emit({ type: "phase", keyId, region, phase: "queued" });
    /** An attempt's request has left the process (the adapter says when). */
    let sent = false;
    const requested = (keyState: string | undefined, arn: string): typeof progress => {
      ctx.emit({ type: "phase", keyId, region, phase: "creating", keyState: keyState ?? "Creating" });
      return {
        ...progress,
        arn,
        keyState,
        since: performance.now(),
        requested: true,
        changes: [{ op: "replicate" }],
      };
    };
    try {
      // Stopped while queued: nothing is sent after Ctrl-C. The adapter holds the call until its
      // quotas and the in-flight cap (--concurrency) let it go, and sends none after --timeout.
      ctx.signal.throwIfAborted();
      const output = await ctx.kms.replicateKey(
        primary.region,
        replicateInput(primary, region, settings),
        ctx.signal,
        () => {
          if (!sent) ctx.emit({ type: "phase", keyId, region, phase: "requesting" });
          sent = true;
        },
      );
      const metadata = output.ReplicaKeyMetadata;
      return requested(metadata?.KeyState ?? "Creating", metadata?.Arn ?? unit.arn);
    } catch (error) {
      if (isNotSent(error)) {
        return refusedResult(unit, progress, ctx, error, {
          unanswered: "An earlier attempt got no answer: the replica may exist, and a re-run picks it up.",
        });
      }
      if (isAbort(error) || ctx.signal.aborted) {
        // In flight means sent: a request that never left (queued, signing, waiting for a socket)
        // created nothing; one that left and got no answer may have.
        const maybe = sent && mayHaveBeenApplied(error);
        return {
          keyId,
          region,
          arn: maybe ? unit.arn : undefined,
          changes: [],
          outcome: "interrupted",
          elapsedMs: elapsedSince(ctx),
          note: maybe
            ? "ReplicateKey was sent and not answered before the interruption; the replica may exist. Re-run to pick it up."
            : sent
              ? "Interrupted after KMS answered ReplicateKey with an error; nothing was created here."
              : "Interrupted before ReplicateKey was sent; nothing was created here.",
        };
      }
      if (classify(error) === "AlreadyExistsException") {
        // Our own earlier attempt was executed and its answer lost (a dropped connection, a 5xx
        // after the work): the replica is ours, and gets everything a new one gets.
        if (attemptsOf(error) > 1) return requested(undefined, unit.arn);
        // A replica appeared between our DescribeKey and ReplicateKey (another run): follow it.
        return { ...progress, since: performance.now() };
      }
      return {
        keyId,
        region,
        changes: [],
        outcome: "failed",
        elapsedMs: elapsedSince(ctx),
        error: describeError(error, {
          operation: "ReplicateKey",
          region,
          primaryRegion: primary.region,
          keyId,
        }),
      };
    }
  };
}

export function replicateInput(
  primary: PrimaryKey,
  region: string,
  settings: Pick<CreateSettings, "desired" | "bypassPolicyLockoutSafetyCheck">,
): ReplicateKeyCommandInput {
  const { desired } = settings;
  const tags = tagList(desired);
  return {
    KeyId: primary.arn,
    ReplicaRegion: region,
    Description: desired.description,
    Policy: desired.policy?.text,
    BypassPolicyLockoutSafetyCheck:
      desired.policy !== undefined ? settings.bypassPolicyLockoutSafetyCheck : undefined,
    Tags: tags.length > 0 ? tags : undefined,
  };
}
