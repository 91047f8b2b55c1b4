// Imported key material, interrupted and run again: the built bin against the local endpoint.
// An ImportKeyMaterial slowed in one Region (the endpoint carries it out at once and holds its
// answer) is cut by SIGTERM: that Region is "unknown: may have been applied", the commands printed
// cover it, and pasting the continue command converges; a re-run with the material the family
// already uses is a success with nothing to do. Every output is grepped for every material.
import type { ChildProcess } from "node:child_process";
import { execFile, spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { schemaErrors } from "../support/schema.js";
import { arnIn, materialBox, onEndpoint } from "./material-support.js";
import { runCli, useLocalKms, type CliRun, type RunOptions } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 100 });
const box = materialBox("kms-replicate-rerun-");
const { describeKey, importDirectly, externalPrimary, replicas, materialStates } = onEndpoint(kms);
const outputs: string[] = [];
const REPLICAS = ["eu-west-1", "ap-south-1"];

async function run(args: readonly string[], options?: RunOptions): Promise<CliRun> {
  const result = await runCli(args, options);
  outputs.push(result.stdout, result.stderr);
  if (result.json !== undefined) expect(schemaErrors(result.json), result.stdout).toEqual([]);
  return result;
}

/** A document's fields these tests read (the run's documents are checked whole by runCli). */
type Doc = Record<string, unknown> & {
  regions: Record<string, unknown>[];
  next: string | null;
  continueCommand: string | null;
  undoCommands: string[];
};
const docOf = (result: CliRun): Doc => result.json as unknown as Doc;
const regionOf = (doc: Doc, region: string) => doc.regions.find((r) => r.region === region);

/**
 * Sends SIGTERM once the endpoint has received `operation` in `region` and the run has seen the
 * answers to `answered` (its --debug lines on stderr): counted, not timed.
 */
const terminateAfter =
  (region: string, operation: string, answered: readonly string[] = []) =>
  (child: ChildProcess): void => {
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const seen = (): boolean =>
      kms().callCount(region, operation) > 0 &&
      answered.every((call) => new RegExp(`KMS\\.${call} attempt \\d+ \\[\\d+ms\\] -> OK`).test(stderr));
    void (async () => {
      while (!seen() && child.exitCode === null) await sleep(20);
      child.kill("SIGTERM");
    })();
  };

/** A printed kms-replicate command, as argv (the tests' paths and URLs need no quoting: checked). */
function argvOf(command: string): string[] {
  expect(command).not.toMatch(/['"\\$`]/);
  const [program, ...args] = command.split(" ");
  expect(program).toBe("kms-replicate");
  return args;
}

/** An EXTERNAL family on `current`: the primary in us-east-1, Enabled replicas in eu-west-1 and ap-south-1. */
async function family(): Promise<{ arn: string; current: Buffer }> {
  const current = box.file().bytes;
  const arn = await externalPrimary(current, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
  replicas(arn, REPLICAS);
  await sleep(150);
  for (const region of REPLICAS) {
    await importDirectly(region, arn, current, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
  }
  return { arn, current };
}

describe("rotate-material, interrupted and continued", () => {
  it("SIGTERM while ImportKeyMaterial is in flight in ap-south-1: exit 143, that Region unknown and in the commands; the continue command converges", async () => {
    const { arn } = await family();
    const before = describeKey("us-east-1", arn).CurrentKeyMaterialId;
    const next = box.file();
    kms().configure({
      faults: [{ region: "ap-south-1", operation: "ImportKeyMaterial", answerDelayMs: 600_000 }],
    });
    const args = [
      "rotate-material",
      "--key",
      arn,
      "--key-material",
      next.arg,
      "--wrapping-key-spec",
      "RSA_2048",
      "--endpoint-url",
      kms().url,
    ];
    const stopped = await run([...args, "-o", "json", "--debug"], {
      onSpawn: terminateAfter("ap-south-1", "ImportKeyMaterial", [
        "ImportKeyMaterial\\(us-east-1\\)",
        "ImportKeyMaterial\\(eu-west-1\\)",
      ]),
    });
    expect(stopped.code, stopped.stderr).toBe(143);
    const doc = docOf(stopped);
    const id = String(doc.keyMaterialId);
    expect(doc).toMatchObject({
      state: "pending-import",
      rotateKeyOnDemand: "not-sent",
      previousKeyMaterialId: before,
    });
    expect(doc.regions.map((r) => [r.region, r.status])).toEqual([
      ["us-east-1", "imported"],
      ["eu-west-1", "imported"],
      ["ap-south-1", "unknown"],
    ]);
    expect(regionOf(doc, "ap-south-1")).toMatchObject({ keyMaterial: { imported: null }, error: null });
    expect(String(regionOf(doc, "ap-south-1")?.note)).toContain("the material may have been applied here");
    // The endpoint did receive it: every key holds the new material, not rotated to.
    expect(materialStates(arn)).toMatchObject({ [String(before)]: "CURRENT", [id]: "PENDING_ROTATION" });
    expect(doc.next).toContain("ap-south-1 may hold it too");
    expect(doc.continueCommand).toBe(`kms-replicate ${args.join(" ")}`);
    expect(doc.undoCommands).toEqual([
      `aws kms delete-imported-key-material --key-id ${arn} --key-material-id ${id} --region us-east-1 --endpoint-url ${kms().url}`,
    ]);
    expect(kms().callCount("us-east-1", "RotateKeyOnDemand")).toBe(0);

    // The same, as a person sees it.
    kms().configure({ faults: [] });
    const continued = await run([...argvOf(String(doc.continueCommand)), "-o", "json"]);
    expect(continued.code, continued.stderr).toBe(0);
    expect(docOf(continued)).toMatchObject({ state: "rotated", keyMaterialId: id, resumed: true });
    for (const region of ["us-east-1", ...REPLICAS]) {
      expect(describeKey(region, arn).CurrentKeyMaterialId).toBe(id);
    }

    // Once more with the same material: nothing to do.
    const imports = kms().callCount(undefined, "ImportKeyMaterial");
    const again = await run(argvOf(String(doc.continueCommand)));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("Nothing to do: the family already uses this key material.");
    // The NEW that KMS refused, and (the key has an earlier material) the re-import of the current
    // ID with the primary's own expiration that tells the current from the earlier one.
    expect(kms().callCount(undefined, "ImportKeyMaterial")).toBe(imports + 2);
    expect(describeKey("us-east-1", arn)).toMatchObject({
      CurrentKeyMaterialId: id,
      ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
    });
    expect(kms().callCount("us-east-1", "RotateKeyOnDemand")).toBe(1);
  }, 60_000);

  it("the text output names the unknown Region and prints both commands, ready to paste", async () => {
    const { arn } = await family();
    const next = box.file();
    kms().configure({
      faults: [{ region: "ap-south-1", operation: "ImportKeyMaterial", answerDelayMs: 600_000 }],
    });
    const stopped = await run(
      ["rotate-material", "--key", arn, "--key-material", next.arg, "--endpoint-url", kms().url],
      { onSpawn: terminateAfter("ap-south-1", "ImportKeyMaterial") },
    );
    expect(stopped.code).toBe(143);
    expect(stopped.stderr).toMatch(/\? ap-south-1 +REPLICA +unknown/);
    expect(stopped.stderr).toContain("ap-south-1 may hold it too");
    expect(stopped.stderr).toContain(
      `To finish:\n  kms-replicate rotate-material --key ${arn} --key-material ${next.arg} --endpoint-url ${kms().url}\n`,
    );
    expect(stopped.stderr).toMatch(
      /To undo:\n {2}aws kms delete-imported-key-material --key-id \S+ --key-material-id [0-9a-f]{64} --region us-east-1/,
    );
  }, 60_000);

  it.skipIf(spawnSync("aws", ["--version"], { stdio: "ignore" }).status !== 0)(
    "the undo command, pasted into the AWS CLI, takes the pending material off every key, the unknown one too",
    async () => {
      const { arn } = await family();
      const before = describeKey("us-east-1", arn).CurrentKeyMaterialId;
      kms().configure({
        faults: [{ region: "ap-south-1", operation: "ImportKeyMaterial", answerDelayMs: 600_000 }],
      });
      const stopped = await run(
        [
          "rotate-material",
          "--key",
          arn,
          "--key-material",
          box.file().arg,
          "--endpoint-url",
          kms().url,
          "-o",
          "json",
        ],
        { onSpawn: terminateAfter("ap-south-1", "ImportKeyMaterial") },
      );
      const [undo] = docOf(stopped).undoCommands;
      expect(undo).toBeDefined();
      // Asynchronous: the endpoint answers from this very process.
      await promisify(execFile)("sh", ["-c", String(undo)], { env: isolatedAwsEnv(box.dir) });
      expect(materialStates(arn)).toEqual({ [String(before)]: "CURRENT" });
      for (const region of ["us-east-1", ...REPLICAS]) {
        expect(describeKey(region, arn)).toMatchObject({ KeyState: "Enabled", CurrentKeyMaterialId: before });
      }
    },
    60_000,
  );
});

describe("rotate-material with material the family already uses", () => {
  it("its current material: exit 0, 'already uses this material', no change; an earlier one: exit 2", async () => {
    const { arn, current } = await family();
    const again = box.file(current);
    const imports = kms().callCount(undefined, "ImportKeyMaterial");
    const same = await run([
      "rotate-material",
      "--key",
      arn,
      "--key-material",
      again.arg,
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(same.code, same.stderr).toBe(0);
    expect(docOf(same)).toMatchObject({
      state: "unchanged",
      keyMaterialId: describeKey("us-east-1", arn).CurrentKeyMaterialId,
      next: null,
      continueCommand: null,
      undoCommands: [],
    });
    expect(docOf(same).regions.map((r) => r.status)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(kms().callCount(undefined, "ImportKeyMaterial")).toBe(imports + 1);
    expect(kms().callCount(undefined, "RotateKeyOnDemand")).toBe(0);

    // Rotated to a new one, the first is an earlier material: KMS will not go back to it.
    const rotated = await run([
      "rotate-material",
      "--key",
      arn,
      "--key-material",
      box.file().arg,
      "--endpoint-url",
      kms().url,
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const back = await run([
      "rotate-material",
      "--key",
      arn,
      "--key-material",
      again.arg,
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(back.code).toBe(2);
    expect(back.json?.error?.message).toContain("had before (now NON_CURRENT)");
  }, 60_000);

  it("an error of rotate-material gets rotate-material's advice, not replicate's", async () => {
    const { arn } = await family();
    kms().configure({
      faults: [{ region: "ap-south-1", operation: "ImportKeyMaterial", internalError: { count: 99 } }],
    });
    const failed = await run([
      "rotate-material",
      "--key",
      arn,
      "--key-material",
      box.file().arg,
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(failed.code).toBe(1);
    const error = regionOf(docOf(failed), "ap-south-1")?.error as { name: string; hint: string };
    expect(error.name).toBe("KMSInternalException");
    expect(error.hint).toContain("re-run the same command: it reads where the rotation stands");
    expect(JSON.stringify(failed.json)).not.toContain("existing replicas count as done");
  }, 60_000);
});

describe("import-material, interrupted and continued", () => {
  it("SIGTERM while ImportKeyMaterial is in flight in ap-south-1: that Region unknown, with the command that makes sure; it converges", async () => {
    const m = box.file();
    const arn = await externalPrimary(m.bytes, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    replicas(arn, REPLICAS);
    await sleep(150);
    kms().configure({
      faults: [{ region: "ap-south-1", operation: "ImportKeyMaterial", answerDelayMs: 600_000 }],
    });
    const args = ["import-material", "--key", arn, "--key-material", m.arg, "--endpoint-url", kms().url];
    // SIGTERM once eu-west-1's import was answered: only ap-south-1's is in flight.
    const stopped = await run([...args, "-o", "json", "--debug"], {
      onSpawn: terminateAfter("ap-south-1", "ImportKeyMaterial", ["ImportKeyMaterial\\(eu-west-1\\)"]),
    });
    expect(stopped.code, stopped.stderr).toBe(143);
    const doc = docOf(stopped);
    const unknown = regionOf(doc, "ap-south-1");
    expect(unknown).toMatchObject({ status: "interrupted", keyMaterial: { imported: null } });
    const again = `kms-replicate import-material --key ${arn} --regions ap-south-1 --key-material ${m.arg} --endpoint-url ${kms().url}`;
    expect(unknown?.note).toBe(
      `Unknown: ImportKeyMaterial was sent and the run stopped before its answer came; the material may have been imported here. To make sure: ${again}`,
    );
    // It did arrive.
    expect(describeKey("ap-south-1", arn).KeyState).toBe("Enabled");

    kms().configure({ faults: [] });
    const sure = await run([...argvOf(again), "-o", "json"]);
    expect(sure.code, sure.stderr).toBe(0);
    expect(regionOf(docOf(sure), "ap-south-1")).toMatchObject({
      status: "exists",
      keyState: "Enabled",
      keyMaterial: { imported: false },
    });
    // The whole family again: every replica there already, nothing imported.
    const imports = kms().callCount(undefined, "ImportKeyMaterial");
    const all = await run([...args, "-o", "json"]);
    expect(all.code, all.stderr).toBe(0);
    expect(docOf(all).regions.map((r) => [r.region, r.status, r.keyState])).toEqual([
      ["eu-west-1", "exists", "Enabled"],
      ["ap-south-1", "exists", "Enabled"],
    ]);
    expect(kms().callCount(undefined, "ImportKeyMaterial")).toBe(imports);
  }, 60_000);

  it("replicate --key-material: SIGTERM during the import in one Region, the same note and command", async () => {
    const m = box.file();
    const arn = await externalPrimary(m.bytes, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    kms().configure({
      faults: [{ region: "ap-south-1", operation: "ImportKeyMaterial", answerDelayMs: 600_000 }],
    });
    const stopped = await run(
      [
        "--key",
        arn,
        "--regions",
        REPLICAS.join(","),
        "--key-material",
        m.arg,
        "--endpoint-url",
        kms().url,
        "-o",
        "json",
      ],
      { onSpawn: terminateAfter("ap-south-1", "ImportKeyMaterial") },
    );
    expect(stopped.code, stopped.stderr).toBe(143);
    const unknown = regionOf(docOf(stopped), "ap-south-1");
    expect(unknown).toMatchObject({ status: "interrupted", keyMaterial: { imported: null } });
    expect(String(unknown?.note)).toContain(
      `To make sure: kms-replicate import-material --key ${arn} --regions ap-south-1 --key-material ${m.arg}`,
    );
    kms().configure({ faults: [] });
    const sure = await run([...argvOf(String(unknown?.note).split("To make sure: ")[1] ?? ""), "-o", "json"]);
    expect(sure.code, sure.stderr).toBe(0);
    expect(arnIn(arn, "ap-south-1")).toBe(regionOf(docOf(sure), "ap-south-1")?.replicaArn);
  }, 60_000);
});

describe("secrecy", () => {
  it("no output of any run above holds any material, in hex or base64", () => {
    expect(outputs.length).toBeGreaterThan(10);
    const all = outputs.join("\n");
    for (const material of box.all) {
      for (const form of [
        material.toString("hex"),
        material.toString("base64"),
        material.subarray(8, 24).toString("hex"),
      ]) {
        expect(all.includes(form)).toBe(false);
      }
    }
  });
});
