// rotate-material's engine against a fake KMS: every way an import or the rotation ends (answered,
// refused, not sent, sent and never answered), and material the family already uses.
import type { ImportKeyMaterialCommandInput, KeyMetadata, RotationsListEntry } from "@aws-sdk/client-kms";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { rotate, type RotateInput } from "../../../../src/core/steps/rotate.js";
import { EXIT, NotSentError, isReplicateError } from "../../../../src/core/errors.js";
import { KmsCallError } from "../../../../src/core/call-error.js";
import type { KmsPort } from "../../../../src/aws/kms.js";
import { materialOf } from "../../../../src/core/material.js";
import {
  rotateExitCode,
  rotateJson,
  type RotateRerun,
} from "../../../../src/commands/rotate-material/render.js";
import { documentProblems } from "../../../support/consistency.js";
import { awsFailure, fakeKms } from "../../../support/fake-kms.js";
import { arnIn, KEY_ID, PRIMARY, PRIMARY_ARN } from "../../../support/fixtures.js";

const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PUBLIC_KEY = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
const OLD = "a".repeat(64);
const NEW = "b".repeat(64);
const EARLIER = "c".repeat(64);
const REPLICAS = ["eu-west-1", "ap-south-1"];

const metadata = (region: string, o: Partial<KeyMetadata> = {}): KeyMetadata => ({
  KeyId: KEY_ID,
  Arn: arnIn(region),
  KeyState: "Enabled",
  KeySpec: "SYMMETRIC_DEFAULT",
  Origin: "EXTERNAL",
  ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
  CurrentKeyMaterialId: OLD,
  ...o,
});

const RERUN: RotateRerun = {
  again: `kms-replicate rotate-material --key ${PRIMARY_ARN} --key-material fileb:///m.bin`,
  fromStdin: false,
  undo: (id) => `aws kms delete-imported-key-material --key-id ${PRIMARY_ARN} --key-material-id ${id}`,
  list: `aws kms list-key-rotations --key-id ${PRIMARY_ARN}`,
};

/** Sent, then cut by the run's signal: what the adapter throws. */
const cutAfterSending = (operation: string, region: string): KmsCallError =>
  new KmsCallError(new DOMException("The call was aborted.", "AbortError"), {
    operation,
    region,
    attempts: 1,
    wire: { sent: true, unanswered: true },
  });
/** Cut while it still waited for its quota: nothing was sent. */
const cutBeforeSending = (operation: string, region: string): KmsCallError =>
  new KmsCallError(new DOMException("The call was aborted.", "AbortError"), {
    operation,
    region,
    attempts: 0,
    wire: { sent: false, unanswered: false },
  });
const answered = (name: string, operation: string, region: string): KmsCallError =>
  new KmsCallError(awsFailure(name), {
    operation,
    region,
    attempts: 1,
    wire: { sent: true, unanswered: false },
  });

interface Calls {
  imports: { region: string; input: ImportKeyMaterialCommandInput }[];
  rotations: number;
}

/** A family in us-east-1, eu-west-1 and ap-south-1, all on OLD, and a fake KMS around it. */
function setup(parts: {
  readonly importKeyMaterial?: (
    region: string,
    input: ImportKeyMaterialCommandInput,
    signal?: AbortSignal,
  ) => Promise<{ keyMaterialId?: string }>;
  readonly getParametersForImport?: KmsPort["getParametersForImport"];
  readonly rotateKeyOnDemand?: KmsPort["rotateKeyOnDemand"];
  readonly rotations?: RotationsListEntry[];
  /** What ListKeyRotations answers the engine (default: `rotations`). */
  readonly rotationsLater?: RotationsListEntry[];
  readonly current?: (region: string) => string;
}): { input: RotateInput; calls: Calls; abort: AbortController } {
  const calls: Calls = { imports: [], rotations: 0 };
  const abort = new AbortController();
  const kms = fakeKms({
    getParametersForImport:
      parts.getParametersForImport ??
      (() => Promise.resolve({ importToken: new Uint8Array([1]), publicKey: PUBLIC_KEY })),
    importKeyMaterial: async (region, input, signal) => {
      calls.imports.push({ region, input });
      if (parts.importKeyMaterial !== undefined) return parts.importKeyMaterial(region, input, signal);
      return { keyMaterialId: input.ImportType === "NEW_KEY_MATERIAL" ? NEW : input.KeyMaterialId };
    },
    rotateKeyOnDemand: async (region, keyId, signal) => {
      calls.rotations += 1;
      return parts.rotateKeyOnDemand?.(region, keyId, signal);
    },
    // What the engine reads after the run's own first read (input.rotations).
    listKeyRotations: () => Promise.resolve(parts.rotationsLater ?? parts.rotations ?? []),
    describeKey: (region) =>
      Promise.resolve(
        metadata(region, {
          CurrentKeyMaterialId: parts.current?.(region) ?? (calls.rotations > 0 ? NEW : OLD),
        }),
      ),
  });
  const material = materialOf(randomBytes(32), "fileb:///m.bin");
  return {
    calls,
    abort,
    input: {
      primary: {
        ...PRIMARY,
        origin: "EXTERNAL",
        replicas: REPLICAS.map((r) => ({ region: r, arn: arnIn(r) })),
      },
      metadata: metadata("us-east-1"),
      replicas: REPLICAS.map((r) => ({ region: r, arn: arnIn(r), metadata: metadata(r) })),
      rotations: parts.rotations ?? [{ KeyMaterialId: OLD, KeyMaterialState: "CURRENT" }],
      settings: {
        material,
        wrapping: { algorithm: "RSAES_OAEP_SHA_256", keySpec: "RSA_2048" },
        expiration: { model: "KEY_MATERIAL_DOES_NOT_EXPIRE" },
      },
      ctx: { kms, signal: abort.signal, deadline: performance.now() + 5_000 },
      now: Date.now(),
    },
  };
}

/** The document of `result`, checked for contradictions. */
function documentOf(result: Awaited<ReturnType<typeof rotate>>, stop?: 143) {
  const exitCode = rotateExitCode(result, stop);
  const doc = rotateJson({ exitCode, result, rerun: RERUN, error: null, warnings: [], elapsedMs: 1 });
  expect(documentProblems(JSON.parse(JSON.stringify(doc)))).toEqual([]);
  return doc;
}

const statuses = (result: Awaited<ReturnType<typeof rotate>>): string[][] =>
  result.regions.map((r) => [r.region, r.status]);

describe("rotate", () => {
  it("NEW into the primary, EXISTING with its ID into each replica, RotateKeyOnDemand: rotated", async () => {
    const { input, calls } = setup({});
    const result = await rotate(input);
    expect(result.state).toBe("rotated");
    expect(calls.imports.map((c) => [c.region, c.input.ImportType, c.input.KeyMaterialId])).toEqual([
      ["us-east-1", "NEW_KEY_MATERIAL", undefined],
      ["eu-west-1", "EXISTING_KEY_MATERIAL", NEW],
      ["ap-south-1", "EXISTING_KEY_MATERIAL", NEW],
    ]);
    expect(result.regions.every((r) => r.status === "imported" && r.keyMaterial?.imported === true)).toBe(
      true,
    );
    expect(documentOf(result)).toMatchObject({ ok: true, keyMaterialId: NEW, next: null, undoCommands: [] });
  });

  it("a signal while a replica's ImportKeyMaterial is in flight: that Region is unknown, and the undo covers it", async () => {
    const { input, calls, abort } = setup({
      importKeyMaterial: (region, input_, signal) => {
        if (region !== "ap-south-1") {
          return Promise.resolve({ keyMaterialId: input_.ImportType === "NEW_KEY_MATERIAL" ? NEW : NEW });
        }
        // Sent; the answer never comes before the signal.
        return new Promise((_, reject) => {
          signal?.addEventListener("abort", () => reject(cutAfterSending("ImportKeyMaterial", region)));
          abort.abort();
        });
      },
    });
    const result = await rotate(input);
    expect(statuses(result)).toEqual([
      ["us-east-1", "imported"],
      ["eu-west-1", "imported"],
      ["ap-south-1", "unknown"],
    ]);
    expect(result).toMatchObject({ state: "pending-import", keyMaterialId: NEW, interrupted: true });
    expect(result.regions[2]?.keyMaterial?.imported).toBeNull();
    expect(result.regions[2]?.note).toMatch(/may have been applied/);
    expect(calls.rotations).toBe(0);
    const doc = documentOf(result, 143);
    expect(doc.exitCode).toBe(EXIT.terminated);
    expect(doc.next).toContain("ap-south-1 may hold it too");
    expect(doc.continueCommand).toBe(RERUN.again);
    expect(doc.undoCommands).toEqual([RERUN.undo(NEW)]);
  });

  it("a signal while a replica still waited for its parameters: not sent, so interrupted (not unknown)", async () => {
    const { input, abort } = setup({
      getParametersForImport: (region) => {
        if (region !== "ap-south-1") {
          return Promise.resolve({ importToken: new Uint8Array([1]), publicKey: PUBLIC_KEY });
        }
        abort.abort();
        return Promise.reject(cutBeforeSending("GetParametersForImport", region));
      },
    });
    const result = await rotate(input);
    expect(statuses(result)).toEqual([
      ["us-east-1", "imported"],
      ["eu-west-1", "imported"],
      ["ap-south-1", "interrupted"],
    ]);
    expect(result.regions[2]?.keyMaterial?.imported).toBe(false);
    documentOf(result, 143);
  });

  it("an answer lost on its way back (connection closed): unknown, not failed", async () => {
    const { input } = setup({
      importKeyMaterial: (region) =>
        region === "eu-west-1"
          ? Promise.reject(
              new KmsCallError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), {
                operation: "ImportKeyMaterial",
                region,
                attempts: 3,
                wire: { sent: true, unanswered: true },
              }),
            )
          : Promise.resolve({ keyMaterialId: NEW }),
    });
    const result = await rotate(input);
    expect(result.regions[1]).toMatchObject({ status: "unknown", error: null });
    expect(result.regions[1]?.note).toContain("its answer was lost (ConnectionClosed");
    expect(documentOf(result).exitCode).toBe(EXIT.failed);
  });

  it("RotateKeyOnDemand sent and cut: unknown, and nothing offered to undo (the family may use it already)", async () => {
    const { input, abort } = setup({
      rotateKeyOnDemand: (region) => {
        abort.abort();
        return Promise.reject(cutAfterSending("RotateKeyOnDemand", region));
      },
    });
    const result = await rotate(input);
    expect(result).toMatchObject({ state: "unknown", rotation: "unknown", keyMaterialId: NEW });
    const doc = documentOf(result, 143);
    expect(doc.undoCommands).toEqual([]);
    expect(doc.continueCommand).toBe(RERUN.again);
  });

  it("a second signal reads what is known so far: the import under way is unknown, the family pending", async () => {
    // GIVEN an import into ap-south-1 that does not end until the run is aborted
    let arrived: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const { input, abort } = setup({
      importKeyMaterial: (region, _input, signal) => {
        if (region !== "ap-south-1") return Promise.resolve({ keyMaterialId: NEW });
        arrived();
        return new Promise((_, reject) =>
          signal?.addEventListener("abort", () => reject(cutAfterSending("ImportKeyMaterial", region))),
        );
      },
    });
    let snapshot: (() => Awaited<ReturnType<typeof rotate>>) | undefined;
    const running = rotate({ ...input, watch: (read) => (snapshot = read) });
    await inFlight;
    while (snapshot?.().regions[1]?.status !== "imported") await new Promise((r) => setImmediate(r));
    // WHEN the second signal's document is made
    const partial = snapshot();
    // THEN
    expect(partial).toMatchObject({ state: "pending-import", keyMaterialId: NEW, interrupted: true });
    expect(partial.regions.map((r) => r.status)).toEqual(["imported", "imported", "unknown"]);
    documentOf(partial, 143);
    abort.abort();
    await running;
  });

  it("--timeout refused a replica's import before it was sent: not-attempted, pending-import, exit 3", async () => {
    const { input, calls } = setup({
      importKeyMaterial: (region, input_) =>
        region === "ap-south-1"
          ? Promise.reject(new NotSentError({ operation: "ImportKeyMaterial", region, sentBefore: 0 }))
          : Promise.resolve({ keyMaterialId: input_.ImportType === "NEW_KEY_MATERIAL" ? NEW : NEW }),
    });
    const result = await rotate(input);
    expect(statuses(result)).toEqual([
      ["us-east-1", "imported"],
      ["eu-west-1", "imported"],
      ["ap-south-1", "not-attempted"],
    ]);
    expect(result).toMatchObject({ state: "pending-import", timedOut: true, interrupted: false });
    expect(calls.rotations).toBe(0);
    const doc = documentOf(result);
    expect(doc.exitCode).toBe(EXIT.timeout);
    expect(doc.next).toMatch(/^--timeout ran out before every import was sent/);
    expect(doc.continueCommand).toBe(RERUN.again);
  });

  it("--timeout refused a retry after an attempt that got no answer: unknown, not not-attempted", async () => {
    const { input } = setup({
      importKeyMaterial: (region) =>
        region === "eu-west-1"
          ? Promise.reject(
              new NotSentError({ operation: "ImportKeyMaterial", region, sentBefore: 1, unanswered: true }),
            )
          : Promise.resolve({ keyMaterialId: NEW }),
    });
    const result = await rotate(input);
    expect(result.regions[1]).toMatchObject({ status: "unknown", keyMaterial: { imported: null } });
    expect(documentOf(result).exitCode).toBe(EXIT.timeout);
  });

  it("RotateKeyOnDemand refused: pending-import, its error apart from the Regions' imports", async () => {
    const { input } = setup({
      rotateKeyOnDemand: (region) =>
        Promise.reject(answered("AccessDeniedException", "RotateKeyOnDemand", region)),
    });
    const result = await rotate(input);
    expect(result.state).toBe("pending-import");
    expect(result.rotationError?.name).toBe("AccessDeniedException");
    expect(result.regions.every((r) => r.status === "imported")).toBe(true);
    expect(documentOf(result).next).toMatch(/^RotateKeyOnDemand failed/);
  });
});

describe("material the family already uses", () => {
  const refusedAsNew = (region: string, input: ImportKeyMaterialCommandInput) =>
    input.ImportType === "NEW_KEY_MATERIAL"
      ? Promise.reject(answered("IncorrectKeyMaterialException", "ImportKeyMaterial", region))
      : Promise.resolve({ keyMaterialId: input.KeyMaterialId });

  it("the only material of the key: nothing to do, no other write after KMS refused it as NEW", async () => {
    const { input, calls } = setup({ importKeyMaterial: refusedAsNew });
    const result = await rotate(input);
    expect(result).toMatchObject({ state: "unchanged", keyMaterialId: OLD, rotation: "not-sent" });
    expect(statuses(result).map(([, s]) => s)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(calls.imports).toHaveLength(1);
    expect(calls.rotations).toBe(0);
    expect(documentOf(result)).toMatchObject({ exitCode: 0, next: null, continueCommand: null });
  });

  it("with earlier materials: a re-import of the current ID with the primary's own expiration tells", async () => {
    const rotations = [
      { KeyMaterialId: EARLIER, KeyMaterialState: "NON_CURRENT" as const },
      { KeyMaterialId: OLD, KeyMaterialState: "CURRENT" as const },
    ];
    const { input, calls } = setup({ importKeyMaterial: refusedAsNew, rotations });
    const result = await rotate({
      ...input,
      settings: {
        ...input.settings,
        expiration: { model: "KEY_MATERIAL_EXPIRES", validTo: new Date(Date.now() + 9e8) },
      },
    });
    expect(result.state).toBe("unchanged");
    expect(
      calls.imports.map((c) => [c.input.ImportType, c.input.KeyMaterialId, c.input.ExpirationModel]),
    ).toEqual([
      ["NEW_KEY_MATERIAL", undefined, "KEY_MATERIAL_EXPIRES"],
      ["EXISTING_KEY_MATERIAL", OLD, "KEY_MATERIAL_DOES_NOT_EXPIRE"],
    ]);
    documentOf(result);
  });

  it("an earlier material of the key: refused before any change (exit 2)", async () => {
    const rotations = [
      { KeyMaterialId: EARLIER, KeyMaterialState: "NON_CURRENT" as const },
      { KeyMaterialId: OLD, KeyMaterialState: "CURRENT" as const },
    ];
    const { input } = setup({
      rotations,
      importKeyMaterial: (region) =>
        Promise.reject(answered("IncorrectKeyMaterialException", "ImportKeyMaterial", region)),
    });
    const error = await rotate(input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isReplicateError(error) && error.exitCode).toBe(EXIT.usage);
    expect((error as Error).message).toContain("had before (now NON_CURRENT)");
  });

  it("NEW refused because its own lost answer left it pending: continues with it to the end", async () => {
    const { input, calls } = setup({
      importKeyMaterial: refusedAsNew,
      rotationsLater: [
        { KeyMaterialId: OLD, KeyMaterialState: "CURRENT" },
        { KeyMaterialId: NEW, KeyMaterialState: "PENDING_MULTI_REGION_IMPORT_AND_ROTATION" },
      ],
    });
    const result = await rotate(input);
    expect(result).toMatchObject({ state: "rotated", keyMaterialId: NEW, resumed: true });
    expect(calls.imports.map((c) => [c.region, c.input.ImportType, c.input.KeyMaterialId])).toEqual([
      ["us-east-1", "NEW_KEY_MATERIAL", undefined],
      ["us-east-1", "EXISTING_KEY_MATERIAL", NEW],
      ["eu-west-1", "EXISTING_KEY_MATERIAL", NEW],
      ["ap-south-1", "EXISTING_KEY_MATERIAL", NEW],
    ]);
    documentOf(result);
  });

  it("current in the primary, a replica not showing it yet: waits for it, nothing imported", async () => {
    let looks = 0;
    const { input, calls } = setup({
      importKeyMaterial: refusedAsNew,
      current: (region) => (region === "ap-south-1" && (looks += 1) < 3 ? EARLIER : OLD),
    });
    const result = await rotate({
      ...input,
      replicas: input.replicas.map((r) =>
        r.region === "ap-south-1" ? { ...r, metadata: { ...r.metadata, CurrentKeyMaterialId: EARLIER } } : r,
      ),
    });
    expect(result.state).toBe("rotated");
    expect(calls.imports).toHaveLength(1);
    expect(looks).toBe(3);
    documentOf(result);
  });
});
