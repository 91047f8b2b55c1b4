// Imported key material end to end: the built bin against the local endpoint, which really unwraps.
// Every output of every run in this file is kept, and the last test greps all of it for every
// material used, in hex and in base64.
import { randomBytes } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { schemaErrors } from "../support/schema.js";
import { materialBox, onEndpoint } from "./material-support.js";
import { runBash, runCli, useLocalKms, type CliRun, type RunOptions } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 100 });
const box = materialBox("kms-replicate-import-");
const outputs: string[] = [];
const materials = box.all;
const materialFile = box.file;
const { describeKey, importDirectly, externalPrimary } = onEndpoint(kms);

async function run(args: readonly string[], options?: RunOptions): Promise<CliRun> {
  const result = await runCli([...args, "--endpoint-url", kms().url], options);
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** A JSON run: valid by the schema, with the exit code. */
async function json(
  args: readonly string[],
  code: number,
): Promise<Record<string, unknown> & NonNullable<CliRun["json"]>> {
  const result = await run([...args, "-o", "json"]);
  expect(schemaErrors(JSON.parse(result.stdout)), result.stdout).toEqual([]);
  expect(result.code, result.stderr).toBe(code);
  return result.json as Record<string, unknown> & NonNullable<CliRun["json"]>;
}

interface MaterialJson {
  imported: boolean;
  expirationModel: string | null;
  validTo: string | null;
  keyMaterialId: string | null;
}
const materialOf = (region: object | undefined): MaterialJson =>
  (region as { keyMaterial?: MaterialJson } | undefined)?.keyMaterial as MaterialJson;

describe("replicate --key-material", () => {
  it("an EXTERNAL primary into 3 Regions: every replica Enabled, with the primary's ValidTo", async () => {
    const m = materialFile();
    const arn = await externalPrimary(m.bytes);
    const doc = await json(
      ["--key", arn, "--regions", "eu-west-1,ap-southeast-2,eu-central-1", "--key-material", m.arg],
      0,
    );
    const validTo = new Date(Number(describeKey("us-east-1", arn).ValidTo) * 1000).toISOString();
    expect(doc.regions.map((r) => [r.region, r.status, r.keyState])).toEqual([
      ["eu-west-1", "created", "Enabled"],
      ["ap-southeast-2", "created", "Enabled"],
      ["eu-central-1", "created", "Enabled"],
    ]);
    for (const r of doc.regions) {
      expect(materialOf(r)).toMatchObject({
        imported: true,
        expirationModel: "KEY_MATERIAL_EXPIRES",
        validTo,
      });
      expect(r.note).toBeNull();
      expect(describeKey(r.region, arn).KeyState).toBe("Enabled");
    }
    // GetParametersForImport's 1/s quota per Region: one call in each Region, all at once.
    for (const region of ["eu-west-1", "ap-southeast-2", "eu-central-1"]) {
      expect(kms().callCount(region, "GetParametersForImport")).toBe(1);
    }
  }, 60_000);

  it("text output: each Region's key material line; a re-run reports the replicas with their ValidTo", async () => {
    const m = materialFile();
    const arn = await externalPrimary(m.bytes, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    const first = await run([
      "--key",
      arn,
      "--regions",
      "eu-west-1",
      "--key-material",
      m.arg,
      "--wrapping-key-spec",
      "RSA_2048",
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("key material: imported now; does not expire");
    const again = await run(["--key", arn, "--regions", "eu-west-1", "--key-material", m.arg, "--debug"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("key material: already there; does not expire");
  });

  it("wrong material: every Region fails with the message, nothing is imported, exit 1", async () => {
    const arn = await externalPrimary(randomBytes(32));
    const wrong = materialFile();
    const doc = await json(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1,ap-southeast-2",
        "--key-material",
        wrong.arg,
        "--wrapping-key-spec",
        "RSA_2048",
      ],
      1,
    );
    for (const r of doc.regions) {
      expect(r.status).toBe("failed");
      expect(r.error?.name).toBe("IncorrectKeyMaterialException");
      expect(r.error?.message).toBe(
        `This is not the material of the primary; nothing was imported into ${r.region}.`,
      );
      expect(describeKey(r.region, arn).KeyState).toBe("PendingImport");
    }
  });

  it("a Region whose import fails fails alone; the others are Enabled", async () => {
    const m = materialFile();
    const arn = await externalPrimary(m.bytes);
    kms().configure({
      faults: [{ region: "ap-southeast-2", operation: "ImportKeyMaterial", accessDenied: true }],
    });
    const doc = await json(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1,ap-southeast-2",
        "--key-material",
        m.arg,
        "--wrapping-key-spec",
        "RSA_2048",
      ],
      1,
    );
    expect(doc.regions.map((r) => [r.region, r.status, r.keyState])).toEqual([
      ["eu-west-1", "created", "Enabled"],
      ["ap-southeast-2", "failed", "PendingImport"],
    ]);
    expect(doc.regions[1]?.error?.hint).toContain("kms:ImportKeyMaterial in ap-southeast-2");
  });

  it("an expired import token: new parameters once, and the import goes through", async () => {
    const m = materialFile();
    const arn = await externalPrimary(m.bytes);
    kms().configure({
      faults: [{ region: "eu-west-1", operation: "ImportKeyMaterial", expiredImportToken: { count: 1 } }],
    });
    const doc = await json(
      ["--key", arn, "--regions", "eu-west-1", "--key-material", m.arg, "--wrapping-key-spec", "RSA_2048"],
      0,
    );
    expect(doc.regions[0]?.keyState).toBe("Enabled");
    expect(kms().callCount("eu-west-1", "GetParametersForImport")).toBe(2);
    expect(kms().callCount("eu-west-1", "ImportKeyMaterial")).toBe(2);
  });

  it("checks before any change (exit 2): length, KMS-generated material, both expiry flags, --no-wait", async () => {
    const arn = await externalPrimary(randomBytes(32));
    const short = materialFile(randomBytes(31));
    const tooShort = await json(["--key", arn, "--regions", "eu-west-1", "--key-material", short.arg], 2);
    expect(tooShort.error?.message).toContain("it is 31 bytes; symmetric key material is exactly 32 bytes");
    const kmsKey = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
    const generated = await json(
      ["--key", kmsKey, "--regions", "eu-west-1", "--key-material", materialFile().arg],
      2,
    );
    expect(generated.error?.message).toContain("material is generated by KMS");
    const both = await json(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1",
        "--key-material",
        materialFile().arg,
        "--no-expiry",
        "--valid-to",
        "2030-01-01",
      ],
      2,
    );
    expect(both.error?.message).toContain("exclude each other");
    expect(
      (
        await json(
          ["--key", arn, "--regions", "eu-west-1", "--key-material", materialFile().arg, "--no-wait"],
          2,
        )
      ).error?.message,
    ).toContain("--no-wait");
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(0);
    expect(kms().callCount(undefined, "ImportKeyMaterial")).toBe(0);
  });

  it("a pipe on stdin, and a warning for a material file others can read", async () => {
    const m = materialFile(randomBytes(32), 0o644);
    const arn = await externalPrimary(m.bytes);
    const warned = await json(
      ["--key", arn, "--regions", "eu-west-1", "--key-material", m.arg, "--wrapping-key-spec", "RSA_2048"],
      0,
    );
    expect(warned.warnings.join("\n")).toContain("can be read or written by group or others (mode 644)");
    const piped = await run(
      [
        "--key",
        arn,
        "--regions",
        "eu-central-1",
        "--key-material",
        "-",
        "--wrapping-key-spec",
        "RSA_2048",
        "-o",
        "json",
      ],
      { stdin: m.bytes },
    );
    expect(piped.code, piped.stderr).toBe(0);
    expect(describeKey("eu-central-1", arn).KeyState).toBe("Enabled");
  });
  it("process substitution (fileb://<(…)) and a FIFO whose writer comes later: read as pipes, imported", async () => {
    // GIVEN an EXTERNAL primary, its material in a file only the test reads from
    const m = materialFile();
    const arn = await externalPrimary(m.bytes);
    const path = m.arg.slice("fileb://".length);
    // WHEN the material comes through a process substitution, as a shell gives it
    const substituted = await runBash(
      `"$NODE" "$BIN" --key "$ARN" --regions eu-west-1 --key-material fileb://<(cat "$MATERIAL") --wrapping-key-spec RSA_2048 --endpoint-url "$URL" -o json`,
      { ARN: arn, MATERIAL: path, URL: kms().url },
    );
    outputs.push(substituted.stdout, substituted.stderr);
    // …and through a named pipe whose writer comes a second after the run started
    const fifo = join(box.dir, "material.fifo");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("sh", ["-c", `sleep 1; cat "${path}" > "${fifo}"`], { stdio: "ignore" });
    const piped = await run([
      "--key",
      arn,
      "--regions",
      "ap-southeast-2",
      "--key-material",
      `fileb://${fifo}`,
      "--wrapping-key-spec",
      "RSA_2048",
    ]);
    writer.kill();
    // THEN both imported, with no warning about the file's mode (a pipe has none)
    expect(substituted.code, substituted.stderr).toBe(0);
    expect(piped.code, piped.stderr).toBe(0);
    expect(describeKey("eu-west-1", arn).KeyState).toBe("Enabled");
    expect(describeKey("ap-southeast-2", arn).KeyState).toBe("Enabled");
    expect(substituted.stderr + piped.stderr).not.toMatch(/group or others/);
  });
});

describe("import-material", () => {
  it("material expired in a replica: import-material restores it", async () => {
    const m = materialFile();
    const arn = await externalPrimary(m.bytes, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    // Far enough ahead that the first run ends before it, however busy the machine.
    const soon = new Date(Date.now() + 10_000).toISOString();
    const first = await json(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1,ap-southeast-2",
        "--key-material",
        m.arg,
        "--valid-to",
        soon,
        "--wrapping-key-spec",
        "RSA_2048",
      ],
      0,
    );
    expect(materialOf(first.regions[0]).validTo).toBe(soon);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(soon) - Date.now()) + 100));
    expect(describeKey("eu-west-1", arn).KeyState).toBe("PendingImport");
    const restored = await json(
      [
        "import-material",
        "--key",
        arn,
        "--regions",
        "eu-west-1",
        "--key-material",
        m.arg,
        "--wrapping-key-spec",
        "RSA_2048",
      ],
      0,
    );
    expect(restored.command).toBe("import-material");
    expect(restored.regions.map((r) => [r.region, r.keyState])).toEqual([["eu-west-1", "Enabled"]]);
    expect(materialOf(restored.regions[0])).toMatchObject({
      imported: true,
      expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
      validTo: null,
    });
    expect(describeKey("ap-southeast-2", arn).KeyState).toBe("PendingImport");
  }, 45_000);
});

describe("import-material after --timeout", () => {
  it("sends no import after the deadline: the replicas stay PendingImport, notStarted (exit 3), and the same command finishes", async () => {
    // GIVEN two replicas in PendingImport
    const m = materialFile();
    const arn = await externalPrimary(m.bytes, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    for (const region of ["eu-west-1", "ap-southeast-2"]) {
      kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    const args = [
      "import-material",
      "--key",
      arn,
      "--key-material",
      m.arg,
      "--wrapping-key-spec",
      "RSA_2048",
    ];
    // WHEN the run's deadline has passed before any import could be sent
    const late = await json([...args, "--timeout", "1ms"], 3);
    // THEN no import call reached the endpoint, and each replica is notStarted, still PendingImport
    expect(kms().callCount(undefined, "GetParametersForImport")).toBe(0);
    expect(kms().callCount(undefined, "ImportKeyMaterial")).toBe(0);
    expect(late.regions.map((r) => [r.region, r.status, r.keyState])).toEqual([
      ["eu-west-1", "notStarted", "PendingImport"],
      ["ap-southeast-2", "notStarted", "PendingImport"],
    ]);
    expect(late.regions[0]?.note).toMatch(
      /^--timeout ran out before GetParametersForImport was sent; nothing was changed here\./,
    );
    for (const region of ["eu-west-1", "ap-southeast-2"]) {
      expect(describeKey(region, arn).KeyState).toBe("PendingImport");
    }
    // AND the same command, with the default --timeout, finishes it
    const again = await json(args, 0);
    expect(again.regions.map((r) => r.keyState)).toEqual(["Enabled", "Enabled"]);
  }, 30_000);
});

describe("rotate-material", () => {
  async function family(): Promise<{ arn: string; current: Buffer }> {
    const current = randomBytes(32);
    materials.push(current);
    const arn = await externalPrimary(current, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    for (const region of ["eu-west-1", "ap-southeast-2"]) {
      kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    for (const region of ["eu-west-1", "ap-southeast-2"]) {
      await importDirectly(region, arn.replace("us-east-1", region), current, {
        ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
      });
    }
    return { arn, current };
  }

  it("--timeout passed before the first import: nothing imported or rotated, state not-started, exit 3", async () => {
    // GIVEN a family whose keys all hold the current material
    const { arn } = await family();
    const before = describeKey("us-east-1", arn).CurrentKeyMaterialId;
    const next = materialFile();
    // WHEN the deadline passes before the first import could be sent
    const doc = await json(
      [
        "rotate-material",
        "--key",
        arn,
        "--key-material",
        next.arg,
        "--wrapping-key-spec",
        "RSA_2048",
        "--timeout",
        "1ms",
      ],
      3,
    );
    // THEN nothing was sent, and the document says so
    for (const operation of ["GetParametersForImport", "ImportKeyMaterial", "RotateKeyOnDemand"]) {
      expect(kms().callCount(undefined, operation)).toBe(0);
    }
    expect(doc).toMatchObject({ command: "rotate-material", state: "not-started", keyMaterialId: null });
    expect((doc.regions as unknown as { status: string }[]).map((r) => r.status)).toEqual([
      "not-attempted",
      "not-attempted",
      "not-attempted",
    ]);
    expect(String(doc.next)).toMatch(
      /^--timeout ran out before the new key material was sent to the primary; nothing was imported\./,
    );
    expect(describeKey("us-east-1", arn).CurrentKeyMaterialId).toBe(before);
  }, 30_000);

  it("NEW into the primary, EXISTING into every replica, RotateKeyOnDemand: every key uses it", async () => {
    const { arn } = await family();
    const before = describeKey("us-east-1", arn).CurrentKeyMaterialId;
    const next = materialFile();
    const doc = await json(
      ["rotate-material", "--key", arn, "--key-material", next.arg, "--wrapping-key-spec", "RSA_2048"],
      0,
    );
    expect(doc).toMatchObject({
      command: "rotate-material",
      state: "rotated",
      previousKeyMaterialId: before,
      resumed: false,
      next: null,
    });
    const id = doc.keyMaterialId as string;
    expect(id).not.toBe(before);
    for (const region of ["us-east-1", "eu-west-1", "ap-southeast-2"]) {
      expect(describeKey(region, arn.replace("us-east-1", region)).CurrentKeyMaterialId).toBe(id);
    }
    const text = await run(["status", "--key", arn]);
    expect(text.code).toBe(0);
  }, 30_000);

  it("a replica import fails: no rotation, the state and how to finish; the same command then finishes", async () => {
    const { arn } = await family();
    const before = describeKey("us-east-1", arn).CurrentKeyMaterialId;
    const next = materialFile();
    kms().configure({
      faults: [{ region: "ap-southeast-2", operation: "ImportKeyMaterial", accessDenied: true }],
    });
    const stopped = await json(
      ["rotate-material", "--key", arn, "--key-material", next.arg, "--wrapping-key-spec", "RSA_2048"],
      1,
    );
    expect(stopped.state).toBe("pending-import");
    expect(String(stopped.next)).toContain("Stopped before RotateKeyOnDemand");
    expect(String(stopped.next)).toContain("PENDING_MULTI_REGION_IMPORT_AND_ROTATION");
    expect(String(stopped.next)).toContain("not in ap-southeast-2");
    expect(stopped.undoCommands).toEqual([
      `aws kms delete-imported-key-material --key-id ${arn} --key-material-id ${String(stopped.keyMaterialId)} --region us-east-1 --endpoint-url ${kms().url}`,
    ]);
    expect(String(stopped.continueCommand)).toBe(
      `kms-replicate rotate-material --key ${arn} --key-material ${next.arg} --wrapping-key-spec RSA_2048 --endpoint-url ${kms().url}`,
    );
    expect(kms().callCount("us-east-1", "RotateKeyOnDemand")).toBe(0);
    expect(describeKey("us-east-1", arn).CurrentKeyMaterialId).toBe(before);
    kms().configure({ faults: [] });
    const text = await run([
      "rotate-material",
      "--key",
      arn,
      "--key-material",
      next.arg,
      "--wrapping-key-spec",
      "RSA_2048",
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toContain("Rotated: every key uses the new key material.");
    expect(
      describeKey("ap-southeast-2", arn.replace("us-east-1", "ap-southeast-2")).CurrentKeyMaterialId,
    ).toBe(stopped.keyMaterialId);
  }, 30_000);

  it("refused before the first import when a replica is not usable (exit 2)", async () => {
    const m = materialFile();
    const arn = await externalPrimary(m.bytes, { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const doc = await json(["rotate-material", "--key", arn, "--key-material", materialFile().arg], 2);
    expect(doc.error?.message).toContain("eu-west-1 (PendingImport)");
    expect(kms().callCount(undefined, "ImportKeyMaterial")).toBe(0);
  });
});

describe("secrecy", () => {
  it("no output of any run above holds any material, in hex or base64", () => {
    expect(outputs.length).toBeGreaterThan(20);
    const all = outputs.join("\n");
    for (const material of materials) {
      for (const form of [
        material.toString("hex"),
        material.toString("hex").toUpperCase(),
        material.toString("base64"),
        material.toString("base64url"),
        // Any 16-byte stretch, in case a part of it leaked.
        material.subarray(8, 24).toString("hex"),
        material.subarray(0, 24).toString("base64"),
      ]) {
        expect(all.includes(form)).toBe(false);
      }
    }
  });
});
