// Key data that would drive a terminal: the local endpoint holds a key whose description and tags
// carry every character a terminal acts on (and a line break that would forge a line). The built
// bin shows them only escaped, on a terminal and to a pipe; the JSON keeps the value.
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ARGUMENT,
  ARGUMENT_SHOWN,
  CONTROLS,
  FORGED,
  ORA,
  RAW,
  SGR,
  VALUE,
  VALUE_SHOWN,
} from "../support/hostile-text.js";
import { hasScript, runOnTerminal } from "./pty.js";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({});

/** A primary whose description, a tag's value and a tag's key are VALUE; a replica in eu-west-1 without them. */
function hostileFamily(): string {
  const primary = kms().createKey("us-east-1", {
    MultiRegion: true,
    Description: VALUE,
    Tags: [
      { TagKey: "team", TagValue: VALUE },
      { TagKey: VALUE, TagValue: "x" },
    ],
  });
  const arn = String(primary.Arn);
  kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
  return arn;
}

/** A person's text: nothing raw, no forged line, VALUE shown escaped. */
function expectSafe(text: string, shown = VALUE_SHOWN): void {
  expect(text).not.toMatch(RAW);
  expect(text).not.toMatch(FORGED);
  expect(text).toContain(shown);
}

describe("status", () => {
  it("to a pipe: a TSV row per key with VALUE escaped in its field, the drift notes escaped on stderr", async () => {
    // GIVEN
    const arn = hostileFamily();
    // WHEN
    const run = await runCli(["status", "--key", arn, "--endpoint-url", kms().url]);
    // THEN
    expect(run.code).toBe(4); // drift
    const rows = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(rows.map((fields) => fields.length)).toEqual([6, 6, 6]);
    for (const field of rows.flat()) expect(field).not.toMatch(RAW);
    expect(rows[1]?.[3]).toBe(VALUE_SHOWN);
    expect(rows[1]?.[4]).toBe(`team=${VALUE_SHOWN},${VALUE_SHOWN}=x`);
    expectSafe(run.stderr);
    expect(run.stderr).toContain(`eu-west-1: drift: description "" ≠ primary's "${VALUE_SHOWN}"`);
  });

  it.skipIf(!hasScript)(
    "on a terminal: the aligned table and its notes, with and without colour",
    async () => {
      // GIVEN
      const arn = hostileFamily();
      const args = ["status", "--key", arn, "--endpoint-url", kms().url];
      // WHEN
      const plain = await runOnTerminal(args, 80, { NO_COLOR: "1" });
      const coloured = await runOnTerminal(args, 80, { NO_COLOR: undefined });
      // THEN no ESC at all without colour; with colour, only our SGR sequences around the same text
      expect(plain.code).toBe(4);
      expect(plain.screen).not.toContain("\u001b");
      expectSafe(plain.screen);
      const lines = plain.screen.split("\n");
      expect(lines[0]).toMatch(/^REGION {2,}ROLE/);
      expect(lines[1]).toMatch(/^us-east-1 {2,}PRIMARY {2,}Enabled {2,}A\\x1b\[31mRED/);
      expect(Math.max(...lines.slice(0, 3).map((l) => l.length))).toBeLessThanOrEqual(80);
      expect(coloured.screen).toMatch(SGR);
      expect(coloured.screen.replace(SGR, "")).toBe(plain.screen);
    },
  );

  it("-o json keeps the value; DEL, C1 and bidirectional characters written as \\u escapes", async () => {
    // GIVEN
    const arn = hostileFamily();
    // WHEN
    const run = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    // THEN
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stdout).toContain("\\u001b[31mRED\\u0007\\r\\u0000\\u007f\\u009b2J\\u202eevil");
    const doc = JSON.parse(run.stdout) as { keys: { description: string; tags: Record<string, string> }[] };
    expect(doc.keys[0]?.description).toBe(VALUE);
    expect(doc.keys[0]?.tags).toEqual({ team: VALUE, [VALUE]: "x" });
  });

  it.skipIf(!hasScript)(
    "of a fleet on a terminal: the live block, then the table and its notes",
    async () => {
      // GIVEN
      const [a, b] = [hostileFamily(), hostileFamily()];
      // WHEN
      const run = await runOnTerminal(["status", "--key", a, "--key", b, "--endpoint-url", kms().url], 80, {
        NO_COLOR: "1",
      });
      // THEN
      expect(run.code).toBe(4);
      expectSafe(run.screen.replace(ORA, ""));
      expect(run.screen.replace(ORA, "")).not.toContain("\u001b");
    },
  );

  it("of a fleet, to a pipe: the KEY column and every field escaped", async () => {
    // GIVEN
    const [a, b] = [hostileFamily(), hostileFamily()];
    // WHEN
    const run = await runCli(["status", "--key", a, "--key", b, "--endpoint-url", kms().url]);
    // THEN
    const rows = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(rows.map((fields) => fields.length)).toEqual([7, 7, 7, 7, 7]);
    for (const field of rows.flat()) expect(field).not.toMatch(RAW);
    expectSafe(run.stderr);
  });
});

describe("sync", () => {
  it("--dry-run: the plan lines show the description and the tags escaped", async () => {
    // GIVEN
    const arn = hostileFamily();
    // WHEN
    const run = await runCli(["sync", "--key", arn, "--dry-run", "--endpoint-url", kms().url]);
    // THEN
    expect(run.code).toBe(0);
    expectSafe(run.stderr);
    expect(run.stderr).toContain(`~ description "" → "${VALUE_SHOWN}"`);
    expect(run.stderr).toContain(`+ tag team=${VALUE_SHOWN}`);
    expect(run.stderr).toContain(`+ tag ${VALUE_SHOWN}=x`);
  });

  it("applies the value intact and shows it escaped", async () => {
    // GIVEN
    const arn = hostileFamily();
    // WHEN
    const run = await runCli(["sync", "--key", arn, "--endpoint-url", kms().url]);
    // THEN
    expect(run.code).toBe(0);
    expectSafe(run.stderr);
    const replica = kms().keys("eu-west-1")[0];
    expect(replica?.description).toBe(VALUE);
    expect(replica?.tags).toEqual({ team: VALUE, [VALUE]: "x" });
  });

  it.skipIf(!hasScript)("--dry-run on a terminal (the spinner drawing) shows only escaped text", async () => {
    // GIVEN
    const arn = hostileFamily();
    // WHEN
    const run = await runOnTerminal(["sync", "--key", arn, "--dry-run", "--endpoint-url", kms().url], 80, {
      NO_COLOR: "1",
    });
    // THEN
    expect(run.code).toBe(0);
    // A line longer than the terminal is broken at spaces, its continuation indented: joined again
    expectSafe(run.screen.replace(ORA, "").replace(/\n {2,}(?![~+-] )/g, " "));
  });
});

describe("what the user gives", () => {
  it("replicate --dry-run --description: the plan shows it escaped; the JSON keeps it", async () => {
    // GIVEN
    const arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
    // WHEN
    const args = ["--key", arn, "--regions", "ap-south-1", "--dry-run", "--description", ARGUMENT];
    const run = await runCli([...args, "--endpoint-url", kms().url]);
    const json = await runCli([...args, "--endpoint-url", kms().url, "-o", "json"]);
    // THEN
    expect(run.code).toBe(0);
    expectSafe(run.stderr, `description "${ARGUMENT_SHOWN}"`);
    expect(json.json?.regions[0]?.applied?.description).toBe(ARGUMENT);
  });

  it("a --keys-from line and a --key value are quoted in the usage error escaped", async () => {
    // GIVEN a key list with a hostile line (a line cannot hold a line break, nor a NUL: binary)
    const dir = mkdtempSync(join(tmpdir(), "kms-replicate-hostile-"));
    const list = join(dir, "keys.txt");
    writeFileSync(list, `alias/ok\nmrk-${CONTROLS.replace("\u0000", "")}\n`);
    // WHEN
    const fromFile = await runCli(["status", "--keys-from", list, "--endpoint-url", kms().url]);
    const fromFlag = await runCli([
      "status",
      "--key",
      `arn:aws:kms:${ARGUMENT}`,
      "--endpoint-url",
      kms().url,
    ]);
    // THEN (a value typed with a line break is quoted as typed, on two lines: nothing raw but that)
    for (const run of [fromFile, fromFlag]) {
      expect(run.code).toBe(2);
      expect(run.stderr).not.toMatch(RAW);
      expect(run.stderr).toContain("A\\x1b[31mRED\\x07\\x0d");
    }
    expect(kms().calls()).toEqual([]);
  });
});
