// A hostile string (every character a terminal may act on) in every field that reaches a person,
// through every renderer, as it is written (through forPeople): nothing raw comes out, and the
// value is shown in its escaped form.
import { PassThrough, Writable } from "node:stream";
import { CommanderError } from "commander";
import { describe, it, expect } from "vitest";
import { EXIT, usageError } from "../../../src/core/errors.js";
import type { PrimaryKey, RegionResult, ReplicaEvent, WorkResult } from "../../../src/core/events.js";
import type { Operation } from "../../../src/core/operation.js";
import { COPY_NOTHING } from "../../../src/core/options.js";
import { buildProgram } from "../../../src/cli/program.js";
import type { Io } from "../../../src/cli/io.js";
import { runCommand } from "../../../src/cli/runner.js";
import type { AnyWork, CommandModule, PrepareContext } from "../../../src/commands/contract.js";
import { COMMANDS } from "../../../src/commands/registry.js";
import { promoteLines, promoteStartLine } from "../../../src/commands/promote/render.js";
import { type PromoteReport } from "../../../src/commands/promote/json.js";
import { work as promote } from "../../../src/commands/promote/run.js";
import type { ReplicateOptions } from "../../../src/commands/replicate/flags.js";
import { work as replicate } from "../../../src/commands/replicate/run.js";
import {
  rotateText,
  type RotateRerun,
  type RotateResult,
} from "../../../src/commands/rotate-material/render.js";
import { fleetStatusOutput, statusOutput, type FamilyRow } from "../../../src/commands/status/table.js";
import { work as status } from "../../../src/commands/status/run.js";
import { syncPlanLine } from "../../../src/commands/sync/render.js";
import { work as sync } from "../../../src/commands/sync/run.js";
import { fleetBlock, fleetHeartbeat, type FleetProgress } from "../../../src/report/fleet-block.js";
import type { FleetKey } from "../../../src/report/fleet-key.js";
import { fleetKeyLines } from "../../../src/report/fleet-lines.js";
import { createTally, fleetSummaryLines, tallyKey } from "../../../src/report/fleet-summary.js";
import { createFleetReporter } from "../../../src/report/fleet-live.js";
import { createHumanReporter } from "../../../src/report/live.js";
import { planLine, regionLine } from "../../../src/report/lines.js";
import { noticeLine } from "../../../src/report/notices.js";
import { waitCommand } from "../../../src/report/resume.js";
import type { OutputMode } from "../../../src/report/mode.js";
import { forPeople, literal, paint } from "../../../src/report/terminal-text.js";
import { workLine } from "../../../src/report/work-lines.js";
import { keyRun } from "../../support/fleet-documents.js";
import { PRIMARY, PRIMARY_ARN, keyView } from "../../support/fixtures.js";
import { CONTROLS, FORGED, ORA, RAW, SGR, SHOWN, VALUE, VALUE_SHOWN } from "../../support/hostile-text.js";

/** Messages (an error's, a warning's, a note) are sentences of ours that may span lines: CONTROLS. */
const HOSTILE = CONTROLS;

/**
 * What a person sees of `text` once written, without and with colour. With colour, every ESC is
 * one of ours: without its SGR sequences it is the text written without colour, which has none.
 */
function written(text: string): string {
  const plain = forPeople(text, false);
  expect(forPeople(text, true).replace(SGR, "")).toBe(plain);
  return plain;
}

/** Nothing raw, the hostile value shown escaped (`shown`), no line forged. */
function expectSafe(text: string, shown: string = SHOWN): void {
  expect(text).not.toMatch(RAW);
  expect(text).toContain(shown);
  expect(text).not.toMatch(FORGED);
}

const ERROR = { name: HOSTILE, message: HOSTILE, hint: HOSTILE };
const HOSTILE_PRIMARY: PrimaryKey = {
  ...PRIMARY,
  keyId: VALUE,
  arn: HOSTILE,
  keySpec: HOSTILE,
  description: VALUE,
  replicas: [{ region: "eu-west-1", arn: HOSTILE }],
};
const OPERATIONS: Operation[] = [
  { op: "tag", key: VALUE, value: VALUE },
  { op: "tag", key: "team", value: VALUE, from: VALUE },
  { op: "untag", key: VALUE, value: VALUE },
  { op: "description", from: VALUE, to: VALUE },
  { op: "alias", name: VALUE },
  { op: "realias", name: VALUE, from: VALUE },
  { op: "unalias", name: VALUE },
];
const FAILED: RegionResult = {
  region: "eu-west-1",
  status: "failed",
  keyState: HOSTILE,
  replicaArn: HOSTILE,
  elapsedMs: 1_000,
  error: ERROR,
  note: HOSTILE,
};
const PLANNED: RegionResult = {
  region: "eu-west-1",
  status: "planned",
  elapsedMs: 0,
  applied: {
    tags: [{ TagKey: VALUE, TagValue: VALUE }],
    description: VALUE,
    policySource: HOSTILE,
    aliases: [VALUE],
  },
  converged: OPERATIONS,
  material: { imported: true, expirationModel: HOSTILE, validTo: HOSTILE, keyMaterialId: HOSTILE },
};
const SYNCED: WorkResult = {
  keyId: VALUE,
  region: "eu-west-1",
  keyState: HOSTILE,
  arn: HOSTILE,
  elapsedMs: 1_000,
  outcome: "failed",
  error: ERROR,
  changes: OPERATIONS,
  pending: OPERATIONS,
  note: HOSTILE,
};
const ROWS: FamilyRow[] = [
  {
    view: keyView("us-east-1", "PRIMARY", { description: VALUE, tags: { [VALUE]: VALUE }, aliases: [VALUE] }),
    drift: [],
  },
  {
    view: keyView("eu-west-1", "REPLICA", { keyState: HOSTILE, error: ERROR }),
    drift: [
      { field: "description", detail: `description "" ≠ primary's "${VALUE}"`, primary: VALUE, replica: "" },
    ],
  },
];
const MODE: OutputMode = {
  spinner: false,
  color: false,
  json: false,
  quiet: false,
  debug: true,
  table: { aligned: true, columns: 80, color: false },
  heartbeatMs: 0,
};

describe("every renderer shows a hostile value escaped", () => {
  it.each<{ what: string; text: () => string; shown?: string }>([
    {
      what: "replicate: a failed Region (error, hint, state, ARN, note)",
      text: () => regionLine(FAILED, paint),
    },
    {
      what: "import-material: a Region's key material",
      text: () => regionLine({ ...FAILED, material: PLANNED.material }, paint),
    },
    {
      what: "replicate --dry-run: what a replica would get",
      text: () => regionLine(PLANNED, paint, 14, true),
      shown: VALUE_SHOWN,
    },
    {
      what: "replicate: what a replica that was there got",
      text: () => regionLine({ ...PLANNED, status: "exists", applied: undefined }, paint, 14, false),
      shown: SHOWN,
    },
    {
      what: "replicate: the plan",
      text: () => planLine(HOSTILE_PRIMARY, ["eu-west-1"], false, paint),
      shown: VALUE_SHOWN,
    },
    {
      what: "wait: the plan",
      text: () => planLine(HOSTILE_PRIMARY, ["eu-west-1"], false, paint, "wait"),
      shown: VALUE_SHOWN,
    },
    {
      what: "sync: the plan line",
      text: () => syncPlanLine(HOSTILE_PRIMARY, ["eu-west-1"], true, paint),
      shown: VALUE_SHOWN,
    },
    {
      what: "sync: a Region's diff, failure and what was not applied",
      text: () => workLine(SYNCED, paint),
      shown: VALUE_SHOWN,
    },
    {
      what: "status: the drift notes beside a TSV table",
      text: () =>
        statusOutput(
          ROWS,
          1,
          { ...MODE, table: { ...MODE.table, aligned: false } },
          { stdout: paint, stderr: paint },
        ).stderr,
      shown: VALUE_SHOWN,
    },
    {
      what: "status: the aligned table and its notes",
      text: () => statusOutput(ROWS, 1, MODE, { stdout: paint, stderr: paint }).stdout,
      shown: VALUE_SHOWN.slice(0, 20),
    },
    {
      what: "status of a fleet: the aligned table",
      text: () =>
        fleetStatusOutput([{ keyId: HOSTILE, rows: ROWS }], MODE, { stdout: paint, stderr: paint }).stdout,
      shown: VALUE_SHOWN,
    },
    {
      what: "status of a fleet: the notes beside a TSV table",
      text: () =>
        fleetStatusOutput(
          [{ keyId: HOSTILE, rows: ROWS }],
          { ...MODE, table: { ...MODE.table, aligned: false } },
          { stdout: paint, stderr: paint },
        ).stderr,
      shown: VALUE_SHOWN,
    },
    {
      what: "promote: the start line",
      text: () => promoteStartLine(VALUE, "us-east-1", "eu-west-1", false, paint),
      shown: VALUE_SHOWN,
    },
    {
      what: "promote: the keys, the outcome, the error and the note",
      text: () => promoteLines(PROMOTE, 1_000, paint, false).join("\n"),
    },
    {
      what: "rotate-material: the keys, their errors and material, what to do next",
      text: () => rotateText(ROTATE, ROTATE_RERUN, 1_000, paint),
    },
    {
      what: "a fleet's failed key (replicate)",
      text: () => fleetKeyLines(replicate.render.fleet, REPLICATE_KEY, paint).join("\n"),
      shown: VALUE_SHOWN,
    },
    {
      what: "a fleet's failed key (sync)",
      text: () => fleetKeyLines(sync.render.fleet, SYNC_KEY, paint).join("\n"),
      shown: VALUE_SHOWN,
    },
    {
      what: "a fleet's unreadable key (status)",
      text: () => fleetKeyLines(status.render.fleet, STATUS_KEY, paint).join("\n"),
      shown: VALUE_SHOWN,
    },
    {
      what: "a fleet's failed key (promote)",
      text: () => fleetKeyLines(promote.render.fleet, PROMOTE_KEY, paint).join("\n"),
      shown: VALUE_SHOWN,
    },
    { what: "a fleet's summary and its failures", text: () => fleetSummary(), shown: VALUE_SHOWN },
    { what: "a fleet's live block", text: () => fleetBlock(PROGRESS, paint) },
    { what: "a fleet's heartbeat", text: () => fleetHeartbeat(PROGRESS) },
    {
      what: "a warning",
      text: () => noticeLine({ type: "warning", message: HOSTILE }, MODE, paint, new Set()) ?? "",
    },
    {
      what: "an SDK log line (--debug)",
      text: () =>
        noticeLine({ type: "sdk-log", level: "warn", message: HOSTILE }, MODE, paint, new Set()) ?? "",
    },
    {
      what: "a --debug call line",
      text: () => noticeLine(CALL, MODE, paint, new Set()) ?? "",
      shown: VALUE_SHOWN,
    },
    {
      what: "a retry notice",
      text: () => noticeLine(CALL, { ...MODE, debug: false }, paint, new Set()) ?? "",
      shown: VALUE_SHOWN,
    },
    {
      what: "the command to keep waiting",
      text: () => literal(waitCommand(VALUE, ["eu-west-1"], { timeoutMs: 60_000 })),
      shown: VALUE_SHOWN,
    },
  ])("$what", ({ text, shown }) => {
    expectSafe(written(text()), shown);
  });

  it("status's TSV on stdout: each field escaped, tabs and line breaks too, one line per key", () => {
    // GIVEN / WHEN the table for a program (written as is)
    const { stdout } = statusOutput(
      ROWS,
      1,
      { ...MODE, table: { ...MODE.table, aligned: false } },
      { stdout: paint, stderr: paint },
    );
    // THEN
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.split("\t")).toHaveLength(6);
    for (const field of lines.flatMap((l) => l.split("\t"))) expect(field).not.toMatch(RAW);
    expect(lines[1]?.split("\t")[3]).toBe(VALUE_SHOWN);
    const fleet = fleetStatusOutput(
      [{ keyId: HOSTILE, rows: ROWS }],
      { ...MODE, table: { ...MODE.table, aligned: false } },
      { stdout: paint, stderr: paint },
    );
    expect(
      fleet.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split("\t").length),
    ).toEqual([7, 7, 7]);
    expect(fleet.stdout.replaceAll("\t", " ")).not.toMatch(RAW);
  });
});

describe("the reporters write only escaped text", () => {
  it.each([{ spinner: false }, { spinner: true }])(
    "one key's run, the spinner $spinner",
    async ({ spinner }) => {
      // GIVEN / WHEN a run whose every event carries the hostile values, with and without colour
      const run = async (color: boolean): Promise<string> => {
        const { stream, text } = recording();
        const resume = { endpointUrl: "http://user:s3cret@127.0.0.1:4566" };
        const mode = { ...MODE, spinner, debug: !spinner, color };
        const r = await createHumanReporter({
          mode,
          stream,
          chalk: paint,
          dryRun: false,
          now: () => 0,
          planLine: (event, c, dryRun) => replicate.render.planLine?.(event, c, dryRun) ?? "",
        });
        const primary = { ...HOSTILE_PRIMARY, arn: VALUE };
        r.event({ type: "plan", primary, regions: ["eu-west-1", "ap-south-1"] });
        r.event({ type: "phase", keyId: VALUE, region: "eu-west-1", phase: "creating", keyState: HOSTILE });
        r.event({ type: "warning", message: HOSTILE });
        r.event({ type: "sdk-log", level: "error", message: HOSTILE });
        r.event(CALL);
        r.event({ type: "settled", keyId: VALUE, result: FAILED });
        const late: RegionResult = {
          region: "ap-south-1",
          status: "timeout",
          elapsedMs: 1_000,
          keyState: HOSTILE,
        };
        r.event({ type: "settled", keyId: VALUE, result: late });
        r.event({ type: "worked", result: SYNCED });
        r.error({ name: HOSTILE, message: HOSTILE, hint: HOSTILE });
        // The end, as the runner writes it: the reporter stopped, then the command's closing view.
        r.stop();
        const closing = replicate.render.finish(
          keyRun(VALUE, EXIT.failed, { primary, results: [FAILED, late] }, undefined, primary),
          OPTIONS,
          { mode, paint, resume: { ...resume, timeoutMs: 1_200_000 }, elapsedMs: 1_000, dryRun: false },
        );
        stream.write(forPeople(closing.stderr, color));
        return text();
      };
      const [plain, coloured] = [await run(false), await run(true)];
      // THEN
      if (spinner) expectSafe(plain.replace(ORA, ""), VALUE_SHOWN);
      else {
        expect(coloured.replace(SGR, "")).toBe(plain);
        expectSafe(plain, VALUE_SHOWN);
      }
      expect(plain).not.toContain("s3cret");
      expect(plain).toContain("--endpoint-url 'http://***@127.0.0.1:4566'");
    },
  );

  it.each([{ spinner: false }, { spinner: true }])(
    "a fleet's run, the spinner $spinner",
    async ({ spinner }) => {
      // GIVEN / WHEN
      const run = async (color: boolean): Promise<string> => {
        const { stream, text } = recording();
        const mode = { ...MODE, spinner, color };
        const r = await createFleetReporter({
          mode,
          stream,
          chalk: paint,
          dryRun: false,
          now: () => 0,
          look: replicate.render.fleet,
        });
        const selection = { keys: [VALUE], allPrimaries: false, regions: [], selectTags: [] };
        r.event({
          type: "fleet",
          keys: 1,
          selecting: false,
          dryRun: false,
          quotas: {},
          selection,
        });
        r.event({ type: "plan", primary: HOSTILE_PRIMARY, regions: ["eu-west-1"] });
        r.event({ type: "phase", keyId: VALUE, region: "eu-west-1", phase: "creating", keyState: HOSTILE });
        r.event({ type: "warning", message: HOSTILE });
        r.event({ type: "settled", keyId: VALUE, result: FAILED });
        r.key(REPLICATE_KEY);
        r.error({ name: HOSTILE, message: HOSTILE, hint: HOSTILE });
        r.finish([REPLICATE_KEY], 1_000);
        return text();
      };
      const [plain, coloured] = [await run(false), await run(true)];
      // THEN
      if (spinner) expectSafe(plain.replace(ORA, ""), VALUE_SHOWN);
      else {
        expect(coloured.replace(SGR, "")).toBe(plain);
        expectSafe(plain, VALUE_SHOWN);
      }
    },
  );
});

describe("the runner writes only escaped text", () => {
  /**
   * A command whose preparation warns with the hostile value and then fails with it (before any
   * call to AWS), and whose closing view and second-signal line carry it: replicate's render
   * otherwise (its JSON document).
   */
  const hostileCommand: CommandModule = {
    name: "replicate",
    summary: HOSTILE,
    description: HOSTILE,
    fleet: false,
    define: () => undefined,
    load: () =>
      Promise.resolve<AnyWork>({
        parse: () => Promise.resolve(OPTIONS),
        dryRun: () => false,
        advice: { rerun: HOSTILE },
        prepare: (_options: ReplicateOptions, ctx: PrepareContext) => {
          ctx.warn(HOSTILE);
          return Promise.reject(usageError(HOSTILE, HOSTILE));
        },
        render: {
          ...replicate.render,
          finish: () => ({ stdout: "", stderr: `${HOSTILE}\n` }),
          stoppedLine: () => HOSTILE,
        },
      }),
  };
  const globals = { key: PRIMARY_ARN, color: true } as const;

  it("a command's output, its warnings and its run-ending error", async () => {
    // GIVEN
    const { io, stderr, stdout } = recordingIo();
    // WHEN
    const code = await runCommand(hostileCommand, { globals: { ...globals, output: "text" }, own: {} }, io);
    // THEN
    expect(code).toBe(EXIT.usage);
    expect(stderr.join("")).toContain("✖ ");
    expectSafe(stderr.join(""));
    expect(stdout.join("")).toBe("");
  });

  it("the JSON document keeps the value, with DEL, C1 and bidirectional characters as \\u escapes", async () => {
    // GIVEN
    const { io, stdout } = recordingIo();
    // WHEN
    await runCommand(hostileCommand, { globals: { ...globals, output: "json" }, own: {} }, io);
    // THEN
    const json = stdout.join("");
    expect(json).not.toMatch(RAW);
    expect(json).toContain("\\u001b[31mRED\\u0007\\r\\u0000\\u007f\\u009b2J\\u202eevil");
    const document = JSON.parse(json) as { warnings: string[]; error: { message: string; hint: string } };
    expect(document.warnings).toEqual([HOSTILE]);
    expect(document.error).toMatchObject({ message: HOSTILE, hint: HOSTILE });
  });
});

describe("commander's usage errors", () => {
  it("show what was typed escaped, and a URL's password hidden", async () => {
    // GIVEN the program, its error output recorded
    let written = "";
    const program = buildProgram(COMMANDS, () => Promise.resolve(0));
    for (const command of [program, ...program.commands]) {
      command.configureOutput({ writeErr: (text) => (written += text) });
    }
    // WHEN an unknown option carries the hostile value and a URL with a password
    const args = ["node", "kms-replicate", "status", `--x${CONTROLS}`, "--endpoint-urll=http://u:s3cret@h"];
    const thrown = await program.parseAsync(args).catch((error: unknown) => error);
    // THEN
    expect(thrown).toBeInstanceOf(CommanderError);
    expectSafe(written);
    expect(written).not.toContain("s3cret");
  });
});

// ---- fixtures of the cases above ----

const CALL = {
  type: "call",
  operation: "DescribeKey",
  region: "us-east-1",
  attempt: 2,
  durationMs: 3,
  errorName: VALUE,
  willRetry: true,
} as const satisfies ReplicaEvent;

const PROMOTE: PromoteReport = {
  outcome: "failed",
  keyId: VALUE,
  to: "eu-west-1",
  oldPrimary: {
    region: "us-east-1",
    arn: HOSTILE,
    role: "PRIMARY",
    keyState: HOSTILE,
    primaryRegion: HOSTILE,
  },
  keys: [{ region: "us-east-1", arn: HOSTILE, role: "PRIMARY", keyState: HOSTILE, primaryRegion: HOSTILE }],
  accepted: false,
  calls: 0,
  note: HOSTILE,
  error: ERROR,
};

const ROTATE: RotateResult = {
  primary: HOSTILE_PRIMARY,
  keyMaterialId: HOSTILE,
  previousKeyMaterialId: HOSTILE,
  resumed: false,
  state: "pending-import",
  regions: [
    {
      region: "us-east-1",
      role: "PRIMARY",
      status: "failed",
      keyState: HOSTILE,
      keyMaterial: { imported: false, expirationModel: null, validTo: HOSTILE, keyMaterialId: HOSTILE },
      note: null,
      error: ERROR,
    },
    {
      region: HOSTILE,
      role: "REPLICA",
      status: "unknown",
      keyState: HOSTILE,
      keyMaterial: { imported: null, expirationModel: null, validTo: HOSTILE, keyMaterialId: HOSTILE },
      note: HOSTILE,
      error: null,
    },
  ],
  rotation: "failed",
  rotationError: ERROR,
  timedOut: false,
  interrupted: false,
};
const ROTATE_RERUN: RotateRerun = {
  again: HOSTILE,
  fromStdin: false,
  undo: (id) => `${HOSTILE} ${id}`,
  list: HOSTILE,
};

/** `replicate --regions … --timeout 20m`, as its flags.ts makes it. */
const OPTIONS: ReplicateOptions = {
  regions: ["eu-west-1", "ap-south-1"],
  bypassPolicyLockoutSafetyCheck: false,
  tags: [],
  timeoutMs: 1_200_000,
  wait: true,
  dryRun: false,
  concurrency: 5,
  copy: COPY_NOTHING,
};

// A fleet's settled keys, each as its command's render shows it (given as HOSTILE, its primary HOSTILE_PRIMARY).
const REPLICATE_KEY: FleetKey = replicate.render.view(
  keyRun(HOSTILE, EXIT.failed, { primary: HOSTILE_PRIMARY, results: [FAILED] }, undefined, HOSTILE_PRIMARY),
  undefined,
);
const SYNC_KEY: FleetKey = sync.render.view(
  keyRun(HOSTILE, EXIT.failed, [SYNCED], undefined, HOSTILE_PRIMARY),
  undefined,
);
const STATUS_KEY: FleetKey = status.render.view(
  keyRun<FamilyRow[]>(HOSTILE, EXIT.failed, undefined, ERROR, HOSTILE_PRIMARY),
  undefined,
);
const PROMOTE_KEY: FleetKey = promote.render.view(
  keyRun(HOSTILE, EXIT.failed, PROMOTE, ERROR, HOSTILE_PRIMARY),
  { to: "eu-west-1", timeoutMs: 1_200_000, dryRun: false },
);
const PROGRESS: FleetProgress = {
  look: replicate.render.fleet,
  dryRun: false,
  selecting: false,
  keys: 2,
  settled: 1,
  bad: 1,
  atWork: 1,
  plannedKeys: 1,
  regions: [
    {
      region: HOSTILE,
      expected: 2,
      done: 1,
      failed: 1,
      timeout: 0,
      interrupted: 0,
      notStarted: 0,
      inProgress: 0,
    },
  ],
  outcomes: [],
  elapsedMs: 1_000,
  leftMs: 1_000,
};

function fleetSummary(): string {
  const tally = createTally();
  tallyKey(tally, REPLICATE_KEY);
  return fleetSummaryLines(replicate.render.fleet, tally, 1_000, false, paint).join("\n");
}

function recording(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

function recordingIo(): { io: Io; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = {
    stdout: { write: (text: string) => stdout.push(text) > 0 },
    stderr: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        stderr.push(chunk.toString());
        callback();
      },
    }),
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
    startedAt: performance.now(),
  };
  return { io, stdout, stderr };
}
