// The consistency checker (test/support/consistency.ts) over what the renderers make: every
// command's version-1 document and the fleet's version-2 documents agree with themselves, and a
// contradiction planted in each is found (the checker can fail).
import { describe, expect, it } from "vitest";
import type { RotateRegion, RotateResult } from "../../../src/core/steps/rotate-result.js";
import { EXIT, type ErrorReport, type ExitCode } from "../../../src/core/errors.js";
import type { RegionResult, WorkResult } from "../../../src/core/events.js";
import { fleetDocument } from "../../../src/report/fleet.js";
import { runJson, usageJson } from "../../../src/report/json.js";
import { promoteJson, type PromoteKeyJson, type PromoteReport } from "../../../src/commands/promote/json.js";
import {
  rotateExitCode,
  rotateJson,
  type RotateRerun,
} from "../../../src/commands/rotate-material/render.js";
import { statusJson } from "../../../src/commands/status/render.js";
import type { FamilyRow } from "../../../src/commands/status/table.js";
import { syncJson } from "../../../src/commands/sync/render.js";
import { deletionJson, type DeletionReport } from "../../../src/commands/shared/deletion-render.js";
import type { MemberResult } from "../../../src/core/steps/deletion.js";
import { work as promoteWork } from "../../../src/commands/promote/run.js";
import { work as replicateWork } from "../../../src/commands/replicate/run.js";
import { work as statusWork } from "../../../src/commands/status/run.js";
import { work as syncWork } from "../../../src/commands/sync/run.js";
import { isUsableKey } from "../../../src/core/family.js";
import { documentProblems } from "../../support/consistency.js";
import { fleetParts, keyRun } from "../../support/fleet-documents.js";
import { arnIn, keyView, PRIMARY, PRIMARY_ARN } from "../../support/fixtures.js";

const DENIED: ErrorReport = { name: "AccessDeniedException", message: "no", hint: "grant it" };
const OLD = "a".repeat(64);
const NEW = "b".repeat(64);

/** `value` as a reader of stdout gets it. */
const plain = (value: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

const results: RegionResult[] = [
  {
    region: "eu-west-1",
    status: "created",
    keyState: "Enabled",
    replicaArn: arnIn("eu-west-1"),
    elapsedMs: 9,
  },
  { region: "ap-south-1", status: "failed", elapsedMs: 9, error: DENIED },
  {
    region: "eu-central-1",
    status: "interrupted",
    keyState: "PendingImport",
    elapsedMs: 9,
    material: { imported: null, expirationModel: null, validTo: null, keyMaterialId: null },
    note: "Unknown: ImportKeyMaterial was sent and the run stopped before its answer came; the material may have been imported here.",
  },
];
const run = (exitCode: ExitCode, regions: readonly RegionResult[] = results) =>
  runJson({
    command: "import-material",
    exitCode,
    dryRun: false,
    primary: PRIMARY,
    results: regions,
    warnings: [],
    elapsedMs: 9,
  });

const work = (region: string, o: Partial<WorkResult>): WorkResult =>
  ({ keyId: PRIMARY.keyId, region, changes: [], elapsedMs: 9, outcome: "unchanged", ...o }) as WorkResult;
const SYNCED: WorkResult[] = [
  work("eu-west-1", { outcome: "done", changes: [{ op: "tag", key: "a", value: "b" }] }),
  work("ap-south-1", { outcome: "unchanged" }),
];
const sync = (exitCode: ExitCode) =>
  syncJson({
    exitCode,
    dryRun: false,
    primary: PRIMARY,
    results: SYNCED,
    warnings: [],
    elapsedMs: 9,
  });

const key = (region: string, role: "PRIMARY" | "REPLICA"): PromoteKeyJson => ({
  region,
  arn: arnIn(region),
  role,
  keyState: "Enabled",
  primaryRegion: "eu-west-1",
});
const PROMOTED: PromoteReport = {
  outcome: "promoted",
  keyId: PRIMARY.keyId,
  to: "eu-west-1",
  oldPrimary: key("us-east-1", "REPLICA"),
  newPrimary: key("eu-west-1", "PRIMARY"),
  keys: [key("eu-west-1", "PRIMARY"), key("us-east-1", "REPLICA")],
  accepted: true,
  calls: 1,
  settleMs: 900,
};
const promote = (exitCode: ExitCode) =>
  promoteJson({
    exitCode,
    dryRun: false,
    report: PROMOTED,
    error: null,
    warnings: [],
    elapsedMs: 9,
  });

const FAMILY: FamilyRow[] = [
  { view: keyView("us-east-1", "PRIMARY"), drift: [] },
  {
    view: keyView("eu-west-1", "REPLICA"),
    drift: [{ field: "description", detail: "differs" } as never],
  },
];
const status = (exitCode: ExitCode) => statusJson(FAMILY, isUsableKey, exitCode, null);

const RERUN: RotateRerun = {
  again: `kms-replicate rotate-material --key ${PRIMARY_ARN} --key-material fileb:///m.bin`,
  fromStdin: false,
  undo: (id) => `aws kms delete-imported-key-material --key-id ${PRIMARY_ARN} --key-material-id ${id}`,
  list: `aws kms list-key-rotations --key-id ${PRIMARY_ARN}`,
};
const row = (
  region: string,
  status: RotateRegion["status"],
  imported: boolean | null,
  id = OLD,
): RotateRegion => ({
  region,
  role: region === "us-east-1" ? "PRIMARY" : "REPLICA",
  status,
  keyState: "Enabled",
  keyMaterial: {
    imported,
    expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
    validTo: null,
    keyMaterialId: id,
  },
  note: status === "unknown" ? "Unknown: sent; the material may have been applied here." : null,
  error: status === "failed" ? DENIED : null,
});
const rotation = (o: Partial<RotateResult>): RotateResult => ({
  primary: PRIMARY,
  previousKeyMaterialId: OLD,
  resumed: false,
  state: "pending-import",
  keyMaterialId: NEW,
  regions: [
    row("us-east-1", "imported", true),
    row("eu-west-1", "imported", true),
    row("ap-south-1", "unknown", null),
  ],
  rotation: "not-sent",
  timedOut: false,
  interrupted: true,
  ...o,
});
const rotate = (result: RotateResult, stop?: ExitCode) =>
  rotateJson({
    exitCode: rotateExitCode(result, stop),
    result,
    rerun: RERUN,
    error: null,
    warnings: [],
    elapsedMs: 9,
  });

const ROTATIONS: Record<string, RotateResult> = {
  "interrupted with a Region unknown": rotation({}),
  rotated: rotation({
    state: "rotated",
    interrupted: false,
    rotation: "accepted",
    regions: ["us-east-1", "eu-west-1"].map((r) => row(r, "imported", true, NEW)),
  }),
  unchanged: rotation({
    state: "unchanged",
    keyMaterialId: OLD,
    interrupted: false,
    regions: ["us-east-1", "eu-west-1"].map((r) => row(r, "unchanged", false)),
  }),
  "RotateKeyOnDemand unknown": rotation({
    state: "unknown",
    rotation: "unknown",
    regions: ["us-east-1", "eu-west-1"].map((r) => row(r, "imported", true)),
  }),
  "the primary's NEW import unknown": rotation({
    state: "unknown",
    keyMaterialId: undefined,
    regions: [row("us-east-1", "unknown", null), row("eu-west-1", "not-attempted", false)],
  }),
  "not started, a failure": rotation({
    state: "not-started",
    keyMaterialId: undefined,
    interrupted: false,
    regions: [row("us-east-1", "failed", false), row("eu-west-1", "not-attempted", false)],
  }),
};

const member = (region: string, o: Partial<MemberResult>): MemberResult => ({
  region,
  arn: arnIn(region),
  action: "schedule",
  status: "done",
  role: "REPLICA",
  keyState: "PendingDeletion",
  keyStateBefore: "Enabled",
  deletionDate: "2031-01-08T00:00:00.000Z",
  pendingWindowInDays: 7,
  calls: ["ScheduleKeyDeletion"],
  aliases: ["alias/payments"],
  ...o,
});
const RETIRED: DeletionReport = {
  keyId: PRIMARY.keyId,
  primaryRegion: "us-east-1",
  primaryArn: PRIMARY_ARN,
  regions: [
    member("ap-south-1", {}),
    member("eu-west-1", { status: "unchanged", keyStateBefore: "PendingDeletion", calls: [] }),
  ],
  undo: "kms-replicate cancel-deletion --key K --regions ap-south-1,eu-west-1",
};
const deletion = (exitCode: ExitCode, report: DeletionReport = RETIRED) =>
  deletionJson("retire", {
    key: { given: "alias/a", primary: PRIMARY, rank: 0 },
    result: report,
    exitCode,
    dryRun: false,
    warnings: [],
    elapsedMs: 9,
  });

describe("every renderer's document agrees with itself", () => {
  it.each([
    ["replicate / import-material", run(EXIT.terminated)],
    [
      "a run refused before the Regions",
      runJson({
        command: "replicate",
        exitCode: EXIT.usage,
        dryRun: false,
        results: [],
        error: DENIED,
        warnings: [],
        elapsedMs: 1,
      }),
    ],
    ["sync", sync(EXIT.ok)],
    ["promote", promote(EXIT.ok)],
    ["status (drift)", status(EXIT.drift)],
    ["usage error of help", usageJson("help", { name: "UsageError", message: "bad" })],
    ["retire", deletion(EXIT.ok)],
    ...Object.entries(ROTATIONS).map(([what, result]) => [
      `rotate-material: ${what}`,
      rotate(result, EXIT.terminated),
    ]),
  ] as [string, unknown][])("%s", (_, doc) => {
    expect(documentProblems(plain(doc))).toEqual([]);
  });

  it("fleet documents: every command's entries and totals, as its render makes them", () => {
    const envelope = { dryRun: false, error: null, warnings: [], elapsedMs: 9 } as const;
    const replicate = fleetDocument({
      command: "replicate",
      exitCode: EXIT.failed,
      ...envelope,
      ...fleetParts(replicateWork, undefined, [
        keyRun("alias/a", EXIT.failed, { primary: PRIMARY, results: results.slice(0, 2) }),
        keyRun("alias/b", EXIT.ok, { primary: PRIMARY, results: results.slice(0, 1) }),
      ]),
    });
    expect(documentProblems(plain(replicate))).toEqual([]);
    const promoted = fleetDocument({
      command: "promote",
      exitCode: EXIT.ok,
      ...envelope,
      ...fleetParts(promoteWork, { to: "eu-west-1", timeoutMs: 1_200_000, dryRun: false }, [
        keyRun("alias/a", EXIT.ok, PROMOTED),
      ]),
    });
    expect(documentProblems(plain(promoted))).toEqual([]);
    const synced = fleetDocument({
      command: "sync",
      exitCode: EXIT.ok,
      ...envelope,
      ...fleetParts(syncWork, undefined, [keyRun("alias/a", EXIT.ok, SYNCED)]),
    });
    expect(documentProblems(plain(synced))).toEqual([]);
    const read = fleetDocument({
      command: "status",
      // A family that drifts and one that could not be read: the worse, failed.
      exitCode: EXIT.failed,
      ...envelope,
      ...fleetParts(statusWork, undefined, [
        keyRun("alias/a", EXIT.drift, FAMILY),
        keyRun<FamilyRow[]>("alias/b", EXIT.failed, undefined, DENIED),
      ]),
    });
    expect(documentProblems(plain(read))).toEqual([]);
  });
});

describe("a contradiction planted in a document is found", () => {
  /** The document as JSON, with the value at each dotted path (`regions.0.error`) replaced. */
  const plant = (doc: unknown, ...changes: [string, unknown][]): Record<string, unknown> => {
    const copy = plain(doc);
    for (const [path, value] of changes) {
      const names = path.split(".");
      const last = names.pop() ?? "";
      const parent = names.reduce<unknown>((at, name) => (at as Record<string, unknown>)[name], copy);
      (parent as Record<string, unknown>)[last] = value;
    }
    return copy;
  };
  const rotated = (result: RotateResult | undefined) => rotate(result ?? rotation({}));
  it.each([
    ["ok with a failing exit code", plant(run(EXIT.failed), ["ok", true]), /ok: is true with exitCode 1/],
    ["a summary off by one", plant(run(EXIT.terminated), ["summary.created", 2]), /summary.created/],
    [
      "an error on a Region that did not fail",
      plant(run(EXIT.terminated), ["regions.0.error", DENIED]),
      /status created with error set/,
    ],
    [
      "exit 0 with a failed Region",
      plant(run(EXIT.terminated), ["exitCode", 0], ["ok", true]),
      /statuses call for signal/,
    ],
    [
      "an unknown import with status created",
      plant(run(EXIT.terminated), ["regions.2.status", "created"]),
      /imported null\), yet its status is created/,
    ],
    [
      "status imported, keyMaterial.imported false (the reported defect)",
      plant(rotated(undefined), ["regions.0.keyMaterial.imported", false]),
      /status imported with keyMaterial.imported false/,
    ],
    [
      "an unknown Region left out of the words",
      plant(rotated(undefined), ["next", "Stopped."]),
      /does not name ap-south-1/,
    ],
    [
      "no undo for pending material",
      plant(rotated(undefined), ["undoCommands", []]),
      /no command takes back/,
    ],
    [
      "an undo after RotateKeyOnDemand was sent",
      plant(rotated(ROTATIONS["RotateKeyOnDemand unknown"]), [
        "undoCommands",
        ["aws kms delete-imported-key-material"],
      ]),
      /may use already/,
    ],
    [
      "unchanged with a Region imported",
      plant(rotated(ROTATIONS.unchanged), ["regions.1.status", "imported"]),
      /not unchanged/,
    ],
    [
      "sync: done with no operation",
      plant(sync(EXIT.ok), ["regions.0.operations", []]),
      /is done, yet lists no operation/,
    ],
    [
      "retire: scheduled, yet the key is Enabled",
      plant(deletion(EXIT.ok), ["regions.0.keyState", "Enabled"]),
      /scheduled\), yet its key is Enabled/,
    ],
    [
      "retire: exit 0 with a Region not started",
      plant(
        deletion(EXIT.ok),
        ["regions.0.status", "notStarted"],
        ["summary.notStarted", 1],
        ["summary.done", 0],
      ),
      /statuses call for 3/,
    ],
    ["promote: promoted, not accepted", plant(promote(EXIT.ok), ["accepted", false]), /accepted: is false/],
    [
      "status: drift false with a drifting key",
      plant(status(EXIT.drift), ["drift", false]),
      /drift: is false/,
    ],
  ] as [string, Record<string, unknown>, RegExp][])("%s", (_, doc, problem) => {
    expect(documentProblems(doc).join("\n")).toMatch(problem);
  });

  it("a fleet whose totals miscount its keys", () => {
    const doc = fleetDocument({
      command: "replicate",
      exitCode: EXIT.ok,
      dryRun: false,
      ...fleetParts(replicateWork, undefined, [
        keyRun("alias/b", EXIT.ok, { primary: PRIMARY, results: results.slice(0, 1) }),
      ]),
      error: null,
      warnings: [],
      elapsedMs: 9,
    });
    expect(documentProblems(plant(doc, ["totals.keys.ok", 2])).join("\n")).toMatch(/totals.keys.ok/);
    expect(documentProblems(plant(doc, ["totals.regions.created", 0])).join("\n")).toMatch(
      /totals.regions.created/,
    );
  });
});
