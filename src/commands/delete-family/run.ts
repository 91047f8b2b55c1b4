// `delete-family`: every replica scheduled for deletion, then the primary (only once every replica
// is pending deletion: a primary scheduled with a replica left standing would wait for it
// forever). The report says the earliest date the family can be gone and the command that undoes it.
import { familyGoneAt } from "../../core/retirement.js";
import type { CommandAdvice } from "../../core/advice.js";
import type { SelectedKey } from "../../core/selection.js";
import {
  aliasesOf,
  scheduleDeletion,
  type MemberResult,
  type MemberTarget,
} from "../../core/steps/deletion.js";
import { cancelDeletionCommand, keyCommand, type Reach } from "../../report/rerun.js";
import type { CommandWork, Confirmation, KeyContext, PrepareContext, RunPlan } from "../contract.js";
import type { DeletionJson } from "../shared/deletion-json.js";
import { dateText, type DeletionReport } from "../shared/deletion-render.js";
import { DeletionTracker } from "../shared/deletion-run.js";
import { parseDeleteFamily, type DeleteFamilyOptions } from "./flags.js";
import { deleteFamilyPlanLines, deleteFamilyRendering, UNDECRYPTABLE } from "./render.js";

/** How delete-family accepts its key: a replica followed to its primary, any state, this account. */
const DELETE_ACCEPTS = { sameAccount: true, followReplica: true, requireEnabled: false } as const;

function deleteConfirmation(keys: readonly SelectedKey[], options: DeleteFamilyOptions): Confirmation {
  const hint = "Add --yes to schedule the deletions without the question (--dry-run shows the plan).";
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    const named = only.given !== only.primary.keyId && !only.given.startsWith("arn:");
    return {
      plan: deleteFamilyPlanLines(only.primary, options),
      ask: `the key ID (${only.primary.keyId})${named ? ` or ${only.given}` : ""}`,
      answers: [...new Set([only.primary.keyId, only.given, only.primary.arn])],
      hint,
    };
  }
  return {
    plan: [
      `Plan: delete ${keys.length} families, every replica then the primary, in ${options.pendingDays} days:`,
      ...keys
        .slice(0, 10)
        .map(
          (k) =>
            `  ${k.primary.keyId} (primary in ${k.primary.region}, ${k.primary.replicas.length} replicas)`,
        ),
      ...(keys.length > 10 ? [`  … and ${keys.length - 10} more`] : []),
      UNDECRYPTABLE,
    ],
    ask: `the number of families to delete (${keys.length})`,
    answers: [String(keys.length)],
    hint,
  };
}

async function deleteKey(
  key: SelectedKey,
  options: DeleteFamilyOptions,
  run: KeyContext,
  reach: Reach,
): Promise<DeletionReport> {
  const { primary } = key;
  const base = {
    keyId: primary.keyId,
    primaryRegion: primary.region,
    primaryArn: primary.arn,
    ...(options.dryRun ? {} : { undo: cancelDeletionCommand({ key: primary.arn, regions: [], reach }) }),
    finish: keyCommand({
      command: "delete-family",
      key: primary.arn,
      flags: ["--pending-days", String(options.pendingDays), "--yes"],
      reach,
      timeoutMs: options.timeoutMs,
    }),
  };
  const tracker = new DeletionTracker(run, base);
  const replicas: readonly MemberTarget[] = [...primary.replicas].sort((a, b) =>
    a.region.localeCompare(b.region),
  );
  const first: MemberTarget = { region: primary.region, arn: primary.arn };
  tracker.announce(primary, [...replicas, first], "schedule");
  run.say(deleteFamilyPlanLines(primary, options)[0] ?? "");
  const ctx = { kms: run.kms, signal: run.signal, dryRun: options.dryRun };
  const step = async (target: MemberTarget): Promise<MemberResult> => {
    const result = await scheduleDeletion(target, options.pendingDays, ctx);
    const aliases = await aliasesOf(run.kms, target, run.signal);
    return aliases === undefined ? result : { ...result, aliases };
  };
  const done = await tracker.work(replicas, step);
  const standing = done.filter((r) => !["done", "unchanged", "planned"].includes(r.status));
  let last: MemberResult;
  if (standing.length > 0) {
    last = {
      region: first.region,
      arn: first.arn,
      action: "schedule",
      status: "notStarted",
      role: "PRIMARY",
      keyState: null,
      keyStateBefore: null,
      calls: [],
      note: `Not scheduled: ${standing.map((r) => r.region).join(", ")} ${standing.length === 1 ? "is" : "are"} not pending deletion, and a primary waits for every replica. Nothing was changed here.`,
    };
    tracker.settle(last);
  } else {
    [last] = await tracker.work([first], step);
  }
  const regions = last === undefined ? done : [...done, last];
  const goneAt =
    last === undefined || options.dryRun
      ? undefined
      : familyGoneAt(
          done.map((r) => r.deletionDate),
          last,
          new Date(),
        );
  return {
    ...base,
    regions,
    ...(goneAt !== undefined ? { familyGoneAt: goneAt } : {}),
    note:
      goneAt !== undefined
        ? `The family can be gone on ${dateText(goneAt)} at the earliest. ${UNDECRYPTABLE}`
        : UNDECRYPTABLE,
  };
}

export function prepareDeleteFamily(
  options: DeleteFamilyOptions,
  ctx: PrepareContext,
): Promise<RunPlan<DeletionReport>> {
  const asks = !options.dryRun && !options.yes;
  return Promise.resolve({
    timeoutMs: options.timeoutMs,
    accept: DELETE_ACCEPTS,
    ...(asks ? { confirm: (keys: readonly SelectedKey[]) => deleteConfirmation(keys, options) } : {}),
    runKey: (key, run) => deleteKey(key, options, run, ctx.reach),
  });
}

const ADVICE: CommandAdvice = {
  rerun: "re-run: a key already pending deletion counts as done",
  stateRule: " (a key still Creating or Updating cannot be scheduled for deletion yet)",
};

export const work: CommandWork<DeleteFamilyOptions, DeletionReport, DeletionJson> = {
  advice: ADVICE,
  parse: parseDeleteFamily,
  dryRun: (options) => options.dryRun,
  prepare: prepareDeleteFamily,
  render: deleteFamilyRendering,
};
