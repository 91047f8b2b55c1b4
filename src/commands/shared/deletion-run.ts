// What `retire`, `delete-family` and `cancel-deletion` share when they work on one key: every
// (key, Region) through its step (core/steps/deletion.ts), in parallel, told to the fleet's block as
// it settles, and known to a second signal (each Region as seen, the command that finishes the job).
import type { PrimaryKey, WorkResult } from "../../core/events.js";
import type { MemberResult, MemberTarget } from "../../core/steps/deletion.js";
import type { KeyContext } from "../contract.js";
import type { DeletionReport } from "./deletion-render.js";

/** The report as known so far, for a second signal: `base` with every unsettled Region interrupted. */
export class DeletionTracker {
  private readonly settled = new Map<string, MemberResult>();
  private targets: readonly MemberTarget[] = [];
  private action: MemberResult["action"] = "schedule";
  private primary: PrimaryKey | undefined;

  constructor(
    private readonly ctx: KeyContext,
    private base: Omit<DeletionReport, "regions">,
  ) {
    ctx.partial(() => ({ ...this.base, regions: this.regions() }));
  }

  /** What the report says besides its Regions, as it changes (a promotion made, the undo known). */
  update(base: Omit<DeletionReport, "regions">): void {
    this.base = base;
  }

  /** The keys the run will work on (told once to the fleet's block). */
  announce(primary: PrimaryKey, targets: readonly MemberTarget[], action: MemberResult["action"]): void {
    this.targets = targets;
    this.action = action;
    this.primary = primary;
    if (this.ctx.fleet) this.ctx.emit({ type: "plan", primary, regions: targets.map((t) => t.region) });
  }

  /** Every key of `targets` (announced) through `step`, in parallel; results in the order given. */
  async work(
    targets: readonly MemberTarget[],
    step: (target: MemberTarget) => Promise<MemberResult>,
  ): Promise<MemberResult[]> {
    const { ctx } = this;
    const keyId = this.primary?.keyId ?? "";
    return Promise.all(
      targets.map(async (target) => {
        if (ctx.fleet) ctx.emit({ type: "phase", keyId, region: target.region, phase: "checking" });
        const result = await step(target);
        this.settled.set(target.region, result);
        if (ctx.fleet) ctx.emit({ type: "worked", result: workOf(keyId, result, ctx.startedAt) });
        return result;
      }),
    );
  }

  /** A key the run settles without working on it (the promotion before it did not complete). */
  settle(result: MemberResult): void {
    this.settled.set(result.region, result);
    if (this.ctx.fleet) {
      this.ctx.emit({
        type: "worked",
        result: workOf(this.primary?.keyId ?? "", result, this.ctx.startedAt),
      });
    }
  }

  /** Every Region so far: settled, or interrupted with what it was doing. */
  regions(): MemberResult[] {
    return this.targets.map(
      (t) =>
        this.settled.get(t.region) ?? {
          region: t.region,
          arn: t.arn,
          action: this.action,
          status: "interrupted",
          role: null,
          keyState: null,
          keyStateBefore: null,
          calls: [],
          note: "Stopped while this key was read or changed: its state is not known. Re-run the same command to finish.",
        },
    );
  }
}

/** A Region's result as the fleet's block counts it. */
function workOf(keyId: string, r: MemberResult, startedAt: number): WorkResult {
  const base = {
    keyId,
    region: r.region,
    arn: r.arn,
    ...(r.keyState !== null ? { keyState: r.keyState } : {}),
    changes: [],
    ...(r.note !== undefined ? { note: r.note } : {}),
    elapsedMs: Math.round(performance.now() - startedAt),
  };
  if (r.status === "failed") {
    return {
      ...base,
      outcome: "failed",
      error: r.error ?? { name: "Failed", message: `The key in ${r.region} failed.` },
    };
  }
  return { ...base, outcome: r.status };
}
