// The fan-out: ReplicateKey for every new Region (paced, in parallel), then follow every replica.
// A failed Region is a result, not an exception: the others carry on.
import type { ReplicateKeyCommandInput } from "@aws-sdk/client-kms";
import { classify, describeError, isAbort, type ErrorReport } from "./errors.js";
import type { Applied, PrimaryKey, RegionResult } from "./events.js";
import { attemptsOf } from "./kms.js";
import type { Policy, Tag } from "./options.js";
import { createLimiter, createPacer, sleep } from "./pace.js";
import type { Plan } from "./plan.js";
import {
  INTERRUPTED_NOTE,
  NOT_FOUND_GRACE_MS,
  followReplica,
  lookOnce,
  settleState,
  type Follow,
  type WaitSettings,
} from "./wait.js";

export interface ReplicaProperties {
  readonly description?: string;
  readonly policy?: Policy;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  readonly tags: readonly Tag[];
  /** Alias names to create in each new replica's Region. */
  readonly aliases: readonly string[];
}

export function appliedOf(properties: ReplicaProperties): Applied {
  return {
    tags: properties.tags,
    description: properties.description ?? null,
    policySource: properties.policy?.source ?? "default",
    aliases: properties.aliases,
  };
}

export interface RunSettings extends FinishSettings {
  readonly properties: ReplicaProperties;
  readonly concurrency: number;
  /** ReplicateKey requests per second. */
  readonly rate: number;
}

/** The replica's ARN: the primary's, with the replica's Region (they share the key ID). */
export function replicaArn(primary: PrimaryKey, region: string): string {
  return primary.arn.replace(/^(arn:[^:]+:kms:)[^:]*(:.*)$/, `$1${region}$2`);
}

/** Runs every Region of the plan; results come back in the order the user gave the Regions. */
export async function replicateAll(
  plan: Plan,
  order: readonly string[],
  settings: RunSettings,
): Promise<RegionResult[]> {
  const { emit } = settings;
  const pacer = createPacer(settings.rate);
  const limit = createLimiter(settings.concurrency);
  const elapsed = (): number => Math.round(performance.now() - settings.startedAt);

  const settle = (result: RegionResult): RegionResult => {
    emit({ type: "settled", result });
    return result;
  };

  // Each Region works with its own signal, derived from the run's (Ctrl-C reaches it; AbortSignal.any
  // adds no listener to the run's signal): a Region's calls, retries and pauses listen on it, so a
  // dozen Regions at once do not pile abort listeners on one signal (MaxListenersExceededWarning).
  const forRegion = (): RunSettings => ({ ...settings, signal: AbortSignal.any([settings.signal]) });

  const existing = plan.existing.map(({ region, arn }) =>
    checkExisting(region, arn, "exists", forRegion()).then(settle),
  );

  const created = plan.create.map(async (region): Promise<RegionResult> => {
    const arn = replicaArn(plan.primary, region);
    const applied = appliedOf(settings.properties);
    if (settings.dryRun) {
      return settle({ region, status: "planned", replicaArn: arn, elapsedMs: elapsed(), applied });
    }
    const regional = forRegion();
    const { signal } = regional;
    emit({ type: "phase", region, phase: "queued" });
    let sent = false;
    try {
      const output = await limit(() =>
        settings.kms.replicateKey(
          plan.primary.region,
          replicateInput(plan.primary, region, settings.properties),
          signal,
          // Every attempt, retries included, takes a slot of the quota.
          async () => {
            await pacer.acquire(signal);
            if (!sent) emit({ type: "phase", region, phase: "requesting" });
            sent = true;
          },
        ),
      );
      const metadata = output.ReplicaKeyMetadata;
      return settle(
        await afterRequest(region, metadata?.Arn ?? arn, metadata?.KeyState ?? "Creating", plan, regional),
      );
    } catch (error) {
      if (isAbort(error) || signal.aborted) {
        return settle({
          region,
          status: "interrupted",
          replicaArn: sent ? arn : undefined,
          elapsedMs: elapsed(),
          note: sent
            ? "ReplicateKey was sent before the interruption; the replica may exist. Re-run to pick it up."
            : "Interrupted before ReplicateKey was sent; nothing was created here.",
        });
      }
      if (classify(error) === "AlreadyExistsException") {
        // Our own earlier attempt was executed and its answer lost (a dropped connection, a 5xx
        // after the work): the replica is ours, and gets everything a new one gets.
        if (attemptsOf(error) > 1) return settle(await afterRequest(region, arn, undefined, plan, regional));
        // A replica appeared between our DescribeKey and ReplicateKey (another run): follow it.
        return settle(await checkExisting(region, arn, "exists", regional));
      }
      return settle({
        region,
        status: "failed",
        elapsedMs: elapsed(),
        error: describeError(error, {
          operation: "ReplicateKey",
          region,
          primaryRegion: plan.primary.region,
          keyId: plan.primary.keyId,
        }),
      });
    }
  });

  const results = await Promise.all([...created, ...existing]);
  const byRegion = new Map(results.map((r) => [r.region, r]));
  return order.flatMap((region) => {
    const result = byRegion.get(region);
    return result === undefined ? [] : [result];
  });
}

/**
 * A replica this run requested (ReplicateKey answered, or its lost answer was found by
 * AlreadyExistsException): its aliases, then wait (or one look), and what was applied to it.
 * `knownState`: ReplicateKey's answer; undefined when it was lost (describe it instead).
 */
async function afterRequest(
  region: string,
  arn: string,
  knownState: string | undefined,
  plan: Plan,
  settings: RunSettings,
): Promise<RegionResult> {
  const since = performance.now();
  settings.emit({ type: "phase", region, phase: "creating", keyState: knownState ?? "Creating" });
  const aliasError = await createAliases(region, arn, plan.primary.keyId, settings);
  const follow = { region, arn, status: "created" as const, knownState, since };
  const result = { ...(await finish(follow, settings)), applied: appliedOf(settings.properties) };
  if (aliasError === undefined || result.status === "interrupted") return result;
  return { ...result, status: "failed", error: aliasError };
}

/** A Region that already holds a replica: describe it, then wait for it if it is still Creating. */
export async function checkExisting(
  region: string,
  arn: string,
  status: "created" | "exists",
  settings: FinishSettings,
): Promise<RegionResult> {
  settings.emit({ type: "phase", region, phase: "checking" });
  return finish({ region, arn, status, since: performance.now() }, settings);
}

/** Wait, or with --no-wait / --dry-run take one look and report what is there. */
export interface FinishSettings extends WaitSettings {
  readonly wait: boolean;
  readonly dryRun: boolean;
}

export const NOT_WAITED_NOTE =
  "Requested; not waited for (--no-wait). 'kms-replicate wait' waits until it is usable.";

/**
 * The outcome is what was seen: waiting, the state the wait ends on; otherwise one look (or
 * ReplicateKey's own answer). A replica seen Creating and not waited for is `creating`, never
 * `created`/`exists`; one that could not be read is `failed`, with why.
 */
async function finish(follow: Follow, settings: FinishSettings): Promise<RegionResult> {
  if (settings.wait && !settings.dryRun) return followReplica(follow, settings);
  const elapsedMs = (): number => Math.round(performance.now() - settings.startedAt);
  const base = { region: follow.region, replicaArn: follow.arn };
  let state = follow.knownState;
  if (state === undefined) {
    const look = await lookOnce(follow, settings);
    if ("interrupted" in look) {
      return { ...base, status: "interrupted", elapsedMs: elapsedMs(), note: INTERRUPTED_NOTE };
    }
    if ("error" in look) return { ...base, status: "failed", elapsedMs: elapsedMs(), error: look.error };
    state = look.state;
  }
  if (state !== "Creating") return settleState(follow, state, elapsedMs());
  const flag = settings.dryRun ? "--dry-run" : "--no-wait";
  return {
    ...base,
    status: "creating",
    keyState: state,
    elapsedMs: elapsedMs(),
    note:
      follow.status === "created"
        ? NOT_WAITED_NOTE
        : `Was there already, still Creating; not waited for (${flag}). 'kms-replicate wait' waits until it is usable.`,
  };
}

/**
 * Creates the copied aliases in a new replica's Region (allowed while it is Creating). A name taken
 * there by another key is this Region's failure; an alias already on this key is fine (a re-run).
 */
async function createAliases(
  region: string,
  replicaArn: string,
  keyId: string,
  settings: RunSettings,
): Promise<ErrorReport | undefined> {
  const { kms, signal } = settings;
  const since = performance.now();
  for (const alias of settings.properties.aliases) {
    for (;;) {
      try {
        await kms.createAlias(region, alias, replicaArn, signal);
        break;
      } catch (error) {
        const name = classify(error);
        if (name === "AlreadyExistsException") {
          const owner = await kms.describeKey(region, alias, signal).catch(() => undefined);
          if (owner?.KeyId === keyId) break;
          return {
            name: "AliasTaken",
            message: `The replica was created, but ${alias} already exists in ${region} and points to ${owner?.KeyId ?? "another key"}.`,
            hint: `Choose which key ${alias} should name in ${region} (aws kms update-alias), or delete that alias and re-run with --copy-aliases.`,
          };
        }
        // The new replica may not be visible in its Region for a moment (eventual consistency).
        if (
          name === "NotFoundException" &&
          performance.now() - since < (settings.notFoundGraceMs ?? NOT_FOUND_GRACE_MS)
        ) {
          await sleep(250, signal);
          continue;
        }
        return describeError(error, { operation: "CreateAlias", region, keyId });
      }
    }
  }
  return undefined;
}

export function replicateInput(
  primary: PrimaryKey,
  region: string,
  properties: ReplicaProperties,
): ReplicateKeyCommandInput {
  return {
    KeyId: primary.arn,
    ReplicaRegion: region,
    Description: properties.description,
    Policy: properties.policy?.text,
    BypassPolicyLockoutSafetyCheck:
      properties.policy !== undefined ? properties.bypassPolicyLockoutSafetyCheck : undefined,
    Tags:
      properties.tags.length > 0
        ? properties.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue }))
        : undefined,
  };
}
