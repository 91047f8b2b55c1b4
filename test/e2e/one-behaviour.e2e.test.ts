// One behaviour for every command, over one key (issue 21): one vocabulary of statuses, hints that
// are commands with the run's values, result lines that fit 80 columns on a terminal, status's one
// state column, rotate-material's progress from its first write, no summary after a usage error.
import { describe, expect, it } from "vitest";
import { materialBox, onEndpoint } from "./material-support.js";
import { hasScript, runOnTerminal } from "./pty.js";
import { runCli, useLocalKms, type CliRun } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 300 });
const box = materialBox("kms-replicate-one-behaviour-");
const { externalPrimary, replicas } = onEndpoint(kms);

const run = (args: readonly string[]): Promise<CliRun> =>
  runCli([...args, "--endpoint-url", kms().url], { env: { FORCE_COLOR: "0" } });
const primary = (): string => String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
/** What a terminal showed, one line per line: colours taken out, a cursor move ends a line. */
const screenLines = (screen: string): string[] =>
  screen
    // eslint-disable-next-line no-control-regex -- the terminal's own control sequences
    .replace(/\u001b\[[0-9;]*m/g, "")
    // eslint-disable-next-line no-control-regex -- the terminal's own control sequences
    .replace(/\u001b\[[0-9;?]*[a-zA-Z]/g, "\n")
    .split(/\r|\n/)
    .filter((line) => line.trim() !== "");

describe("one vocabulary of statuses", () => {
  it("import-material into 2 replicas of 4: 'Importing key material into', 2 imported, 2 exists", async () => {
    // GIVEN an EXTERNAL family with 4 replicas, 2 of which hold the material already
    const m = box.file();
    const arn = await externalPrimary(m.bytes, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    const first = await run(["--key", arn, "--regions", "eu-west-1,eu-central-1", "--key-material", m.arg]);
    expect(first.code, first.stderr).toBe(0);
    replicas(arn, ["sa-east-1", "ap-south-1"]);
    // WHEN the material is imported into every replica
    const imported = await run(["import-material", "--key", arn, "--key-material", m.arg]);
    // THEN the words say what was done: imported where it was, exists where it was there already
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/^Importing key material into the replicas of mrk-/m);
    expect(imported.stderr).not.toMatch(/Waiting for the replicas/);
    expect(imported.stderr).toMatch(/^✔ sa-east-1 +imported +Enabled/m);
    expect(imported.stderr).toMatch(/^✔ eu-west-1 +exists +Enabled/m);
    expect(imported.stderr).toMatch(/^2 imported, 2 exists in /m);
  }, 30_000);
});

describe("every hint is a command with the run's values", () => {
  it("a replica created without key material: import-material with the ARN, the Regions and the flags; the file named", async () => {
    // GIVEN an EXTERNAL primary
    const arn = await externalPrimary(box.file().bytes);
    // WHEN it is replicated without --key-material
    const result = await run(["--key", arn, "--regions", "eu-west-1,ap-south-1"]);
    // THEN the command to paste has every value the run knows, and names the one it does not
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.at(-2)).toBe(
      "To import the primary's key material (MATERIAL_FILE: its file, not read here):",
    );
    expect(lines.at(-1)).toBe(
      `  kms-replicate import-material --key ${arn} --regions eu-west-1,ap-south-1 --key-material fileb://MATERIAL_FILE --endpoint-url ${kms().url}`,
    );
    expect(result.stderr).not.toMatch(/--key KEY|fileb:\/\/PATH/);
  }, 30_000);

  it("sync's timeout re-runs sync, not replicate or wait", async () => {
    // GIVEN a replica still Creating for longer than the run's --timeout
    kms().configure({ creatingDelayMs: 5000 });
    const arn = primary();
    replicas(arn, ["eu-west-1"]);
    // WHEN sync runs out of time waiting for it
    const result = await run(["sync", "--key", arn, "--timeout", "1s"]);
    // THEN the hint is the same sync again, with a longer --timeout
    expect(result.code, result.stderr).toBe(3);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(`  kms-replicate sync --key ${arn} --endpoint-url ${kms().url} --timeout 20m`);
    expect(result.stderr).not.toMatch(/re-run kms-replicate|'kms-replicate wait'/);
  }, 30_000);
});

describe("no summary after a usage error", () => {
  it.each(["replicate", "wait", "status", "sync", "promote", "import-material", "rotate-material"])(
    "%s without --key: the usage error alone",
    async (command) => {
      const result = await run([command]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^✖ --key is required/);
      expect(result.stderr).not.toMatch(/ in \d+\.\ds\.|Nothing to/);
    },
  );
});

describe("status: one state column; a PendingImport replica is not usable", () => {
  it("shows STATE only and counts the replica waiting for its material as not usable (exit 1)", async () => {
    // GIVEN an EXTERNAL family whose replica has no material yet
    const arn = await externalPrimary(box.file().bytes);
    replicas(arn, ["eu-west-1"]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // WHEN
    const result = await run(["status", "--key", arn]);
    // THEN
    expect(result.stdout.split("\n")[0]).toBe("REGION\tROLE\tSTATE\tDESCRIPTION\tTAGS\tALIASES");
    expect(result.stdout).toMatch(/^eu-west-1\tREPLICA\tPendingImport\t/m);
    expect(result.stderr).toMatch(/1 not usable/);
    expect(result.code).toBe(1);
  }, 30_000);
});

describe.skipIf(!hasScript)("on a terminal 80 columns wide", () => {
  it("result lines fit (the key ID, not the ARN); through a pipe the full ARN stays", async () => {
    // GIVEN a primary
    const arn = primary();
    const args = ["--key", arn, "--regions", "ap-southeast-2,eu-west-1", "--endpoint-url", kms().url];
    // WHEN it is replicated on a terminal, then again through a pipe
    const terminal = await runOnTerminal(args, 80);
    const piped = await run(["--key", arn, "--regions", "ap-southeast-2,eu-west-1"]);
    // THEN every result line fits the terminal and names no ARN ...
    expect(terminal.code, terminal.screen).toBe(0);
    const results = screenLines(terminal.screen).filter((line) => /^[✔✖⏱■○◐] /.test(line));
    expect(results).toHaveLength(2);
    for (const line of results) {
      expect([...line].length, line).toBeLessThanOrEqual(80);
      expect(line).not.toMatch(/arn:aws:kms/);
    }
    // ... and a pipe gets the full ARN
    expect(piped.stderr).toMatch(
      /^✔ ap-southeast-2 +exists +Enabled +\d+\.\ds {2}arn:aws:kms:ap-southeast-2:/m,
    );
  }, 30_000);

  it("rotate-material shows each key's step while it runs, before its results", async () => {
    // GIVEN an EXTERNAL family with a replica that holds the material
    const m = box.file();
    const arn = await externalPrimary(m.bytes, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    const first = await run(["--key", arn, "--regions", "eu-west-1", "--key-material", m.arg]);
    expect(first.code, first.stderr).toBe(0);
    // WHEN new material is rotated to on a terminal
    const next = box.file();
    const rotated = await runOnTerminal(
      ["rotate-material", "--key", arn, "--key-material", next.arg, "--endpoint-url", kms().url],
      80,
    );
    // THEN the plan, then the steps (importing…), come before the results
    expect(rotated.code, rotated.screen).toBe(0);
    const lines = screenLines(rotated.screen);
    const plan = lines.findIndex((l) => l.startsWith("Rotating the key material of mrk-"));
    const step = lines.findIndex((l) => /^ {2}us-east-1 +importing…/.test(l));
    const result = lines.findIndex((l) => /^✔ us-east-1 +PRIMARY +imported/.test(l));
    expect(plan, rotated.screen).toBeGreaterThanOrEqual(0);
    expect(step, rotated.screen).toBeGreaterThan(plan);
    expect(result, rotated.screen).toBeGreaterThan(step);
  }, 30_000);
});
