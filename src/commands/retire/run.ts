// `retire`: take the named Regions out of a family. Every refusal before any change (exit 2); then,
// when the primary's Region is retired, the promotion to --to (waiting out Updating), then each
// named key scheduled for deletion (or disabled: --disable-only), its aliases listed, and the
// command that undoes it. Re-runs converge: a key already pending deletion is `unchanged`.
import { parseKeyRef } from "../../core/keys.js";
import { checkPromoteTarget, memberIn, readPromotion } from "../../core/promotion.js";
import { checkRetireFleet, planRetirement } from "../../core/retirement.js";
import type { CommandAdvice } from "../../core/advice.js";
import type { SelectedKey } from "../../core/selection.js";
import {
  aliasesOf,
  disableMember,
  scheduleDeletion,
  type MemberResult,
  type MemberTarget,
} from "../../core/steps/deletion.js";
import { handOver, type HandoverEnd } from "../../core/steps/handover.js";
import { cancelDeletionCommand, keyCommand, type Reach } from "../../report/rerun.js";
import type { CommandWork, Confirmation, KeyContext, PrepareContext, RunPlan } from "../contract.js";
import type { DeletionReport } from "../shared/deletion-render.js";
import { DeletionTracker } from "../shared/deletion-run.js";
import { namedRegions } from "../shared/regions.js";
import { parseRetire, type RetireOptions } from "./flags.js";
import { retireRendering, retirePlanLines } from "./render.js";
import type { DeletionJson } from "../shared/deletion-json.js";

/** How retire accepts its key: a replica followed to its primary, any state, this account. */
const RETIRE_ACCEPTS = { sameAccount: true, followReplica: true, requireEnabled: false } as const;

/** The flags that say what retire does, for the command that finishes it. */
function retireFlags(regions: readonly string[], options: RetireOptions): string[] {
  return [
    "--regions",
    regions.join(","),
    ...(options.to !== undefined ? ["--to", options.to] : []),
    ...(options.disableOnly ? ["--disable-only"] : ["--pending-days", String(options.pendingDays), "--yes"]),
  ];
}

/** The question before scheduling deletions: the plan, and the key ID or alias (a fleet: the count). */
function retireConfirmation(
  keys: readonly SelectedKey[],
  regions: readonly string[],
  options: RetireOptions,
): Confirmation {
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    const plan = planRetirement(only.primary, regions, options.to); // a refusal throws: nothing asked
    const answers = [...new Set([only.primary.keyId, only.given, only.primary.arn])];
    return {
      plan: retirePlanLines(only.primary, plan, options),
      ask: `the key ID (${only.primary.keyId})${only.given !== only.primary.keyId && !only.given.startsWith("arn:") ? ` or ${only.given}` : ""}`,
      answers,
      hint: "Add --yes to schedule the deletions without the question (--dry-run shows the plan).",
    };
  }
  return {
    plan: [
      `Plan: schedule the deletion of the keys in ${regions.join(", ")} of ${keys.length} families, in ${options.pendingDays} days:`,
      ...keys.slice(0, 10).map((k) => `  ${k.primary.keyId} (primary in ${k.primary.region})`),
      ...(keys.length > 10 ? [`  … and ${keys.length - 10} more`] : []),
      "Their aliases in those Regions are deleted with them.",
    ],
    ask: `the number of keys (${keys.length})`,
    answers: [String(keys.length)],
    hint: "Add --yes to schedule the deletions without the question (--dry-run shows the plan).",
  };
}

/** One key: the checks, the promotion when the primary's Region is retired, then each named key. */
async function retireKey(
  key: SelectedKey,
  regions: readonly string[],
  options: RetireOptions,
  run: KeyContext,
  reach: Reach,
): Promise<DeletionReport> {
  const { primary } = key;
  const plan = planRetirement(primary, regions, options.to); // a fleet checked every key already
  const base = {
    keyId: primary.keyId,
    primaryRegion: primary.region,
    primaryArn: primary.arn,
    ...(options.dryRun ? {} : { undo: cancelDeletionCommand({ key: primary.arn, regions, reach }) }),
    finish: keyCommand({
      command: "retire",
      key: primary.arn,
      flags: retireFlags(regions, options),
      reach,
      timeoutMs: options.timeoutMs,
    }),
    ...(plan.promoteTo !== undefined && !options.dryRun
      ? {
          note: `The promotion stays when the deletions are cancelled (kms-replicate promote --to ${primary.region} moves the primary back).`,
        }
      : {}),
  };
  const tracker = new DeletionTracker(run, base);
  run.say(retirePlanLines(primary, plan, options)[0] ?? "");
  tracker.announce(primary, plan.retired, options.disableOnly ? "disable" : "schedule");
  let head: Omit<DeletionReport, "regions"> = base;
  if (plan.promoteTo !== undefined) {
    const promotion = await promoteFirst(primary.arn, primary.region, plan.promoteTo, options, run);
    const newPrimary = primary.replicas.find((r) => r.region === plan.promoteTo);
    head = {
      ...base,
      promotion,
      ...(promotion.outcome === "promoted" || promotion.outcome === "unchanged"
        ? { primaryRegion: plan.promoteTo, primaryArn: newPrimary?.arn ?? primary.arn }
        : {}),
    };
    tracker.update(head);
    if (!["promoted", "unchanged", "planned"].includes(promotion.outcome)) {
      const untouched = plan.retired.map((t) => notRetired(t, options));
      for (const result of untouched) tracker.settle(result);
      return { ...head, regions: untouched };
    }
  }
  const regionsDone = await tracker.work(plan.retired, (t) => retireMember(t, options, run));
  return { ...head, regions: regionsDone };
}

/** The promotion before the retirement: the family read, then handOver (a refusal throws: exit 2). */
async function promoteFirst(
  arn: string,
  region: string,
  to: string,
  options: RetireOptions,
  run: KeyContext,
): Promise<HandoverEnd> {
  const family = await readPromotion(run.kms, parseKeyRef(arn), region, run.signal);
  const targetArn = memberIn(family, to)?.arn ?? arn;
  return handOver(family, to, {
    kms: run.kms,
    emit: run.emit,
    keyId: family.keyId,
    signal: run.signal,
    deadline: run.deadline,
    dryRun: options.dryRun,
    reread: (signal) => readPromotion(run.kms, parseKeyRef(targetArn), to, signal),
  });
}

/** One named key: scheduled for deletion (its aliases listed), or disabled. */
async function retireMember(
  target: MemberTarget,
  options: RetireOptions,
  run: KeyContext,
): Promise<MemberResult> {
  const ctx = { kms: run.kms, signal: run.signal, dryRun: options.dryRun };
  if (options.disableOnly) return disableMember(target, ctx);
  const result = await scheduleDeletion(target, options.pendingDays, ctx);
  const aliases = await aliasesOf(run.kms, target, run.signal);
  return aliases === undefined ? result : { ...result, aliases };
}

/** A key the run did not reach: the promotion before it did not complete. */
function notRetired(target: MemberTarget, options: RetireOptions): MemberResult {
  return {
    region: target.region,
    arn: target.arn,
    action: options.disableOnly ? "disable" : "schedule",
    status: "notStarted",
    role: null,
    keyState: null,
    keyStateBefore: null,
    calls: [],
    note: "Not retired: the promotion before it did not complete. Nothing was changed here.",
  };
}

export function prepareRetire(options: RetireOptions, ctx: PrepareContext): Promise<RunPlan<DeletionReport>> {
  const place = ctx.place ?? { region: "", partition: undefined };
  // Any Region of the family may be named, the primary's too: only the Region IDs are checked here.
  const anyRegion = { region: "", partition: place.partition };
  const regions = namedRegions(options.regions, anyRegion, ctx.connection.unknownRegions, ctx.warn);
  if (options.to !== undefined) {
    const { warning } = checkPromoteTarget(options.to, place, ctx.connection.unknownRegions);
    if (warning !== undefined) ctx.warn(warning);
  }
  const asks = !options.dryRun && !options.yes && !options.disableOnly;
  return Promise.resolve({
    timeoutMs: options.timeoutMs,
    accept: RETIRE_ACCEPTS,
    check: (keys) => checkRetireFleet(keys, regions, options.to),
    ...(asks
      ? { confirm: (keys: readonly SelectedKey[]) => retireConfirmation(keys, regions, options) }
      : {}),
    runKey: (key, run) => retireKey(key, regions, options, run, ctx.reach),
  });
}

const ADVICE: CommandAdvice = {
  rerun: "re-run: a key already pending deletion (or disabled, with --disable-only) counts as done",
  stateRule: " (a key still Updating after a promotion cannot be scheduled for deletion yet)",
};

export const work: CommandWork<RetireOptions, DeletionReport, DeletionJson> = {
  advice: ADVICE,
  parse: parseRetire,
  dryRun: (options) => options.dryRun,
  prepare: prepareRetire,
  render: retireRendering,
};
