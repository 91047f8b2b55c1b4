// The commands a run prints to finish or undo its work: the run's own values, shell-quoted.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  importHintLines,
  interruptedLines,
  timedOutLines,
  deleteImportedMaterialCommand,
  importAgain,
  materialFlagsOf,
  reachOf,
  rotateMaterialCommand,
} from "../../../src/report/rerun.js";
import { PRIMARY_ARN } from "../../support/fixtures.js";

const importing = {
  keyMaterial: "fileb://keys/new material.bin",
  wrapping: { keySpec: "RSA_2048" as const },
  noExpiry: false,
  validTo: new Date("2027-01-31T00:00:00Z"),
};

describe("the commands to paste", () => {
  it("rotate-material again: the material's path made absolute and quoted, the import and reach flags as given", () => {
    // GIVEN
    const material = materialFlagsOf(importing, join(tmpdir(), "o'neil"));
    const reach = reachOf({
      profile: " prod ",
      endpointUrl: "http://127.0.0.1:4566",
      cliReadTimeout: 30_000,
    });
    // WHEN
    const command = rotateMaterialCommand({ key: PRIMARY_ARN, material, reach, timeoutMs: 3_600_000 });
    // THEN
    expect(command).toBe(
      `kms-replicate rotate-material --key ${PRIMARY_ARN} --key-material 'fileb://${tmpdir()}/o'\\''neil/keys/new material.bin' --wrapping-key-spec RSA_2048 --valid-to 2027-01-31T00:00:00.000Z --profile prod --endpoint-url http://127.0.0.1:4566 --cli-read-timeout 30 --timeout 1h`,
    );
  });

  it("import-material into one Region; from stdin, a reminder to pipe the material in again", () => {
    // GIVEN
    const again = importAgain(
      PRIMARY_ARN,
      { ...importing, keyMaterial: "-", validTo: undefined, noExpiry: true },
      { reach: {}, timeoutMs: 1_200_000 },
      "/",
    );
    // WHEN / THEN
    expect(again("ap-south-1")).toBe(
      `kms-replicate import-material --key ${PRIMARY_ARN} --regions ap-south-1 --key-material - --wrapping-key-spec RSA_2048 --no-expiry (with the same material piped in again)`,
    );
  });

  it("the undo: delete-imported-key-material of that ID on the primary, with the run's reach", () => {
    expect(
      deleteImportedMaterialCommand({
        keyArn: PRIMARY_ARN,
        region: "us-east-1",
        keyMaterialId: "b".repeat(64),
        reach: { profile: "prod" },
      }),
    ).toBe(
      `aws kms delete-imported-key-material --key-id ${PRIMARY_ARN} --key-material-id ${"b".repeat(64)} --region us-east-1 --profile prod`,
    );
  });
});

describe("the closing hints of a run over one key", () => {
  const resume = {
    endpointUrl: "http://127.0.0.1:4566",
    timeoutMs: 1_200_000,
    argv: ["--key", "mrk-1", "--regions", "eu-west-1", "--tag", "team=a b"],
  };

  it("after a signal: the same command again, as typed, shell-quoted", () => {
    expect(interruptedLines(["eu-west-1"], resume)).toEqual([
      "To pick up where it stopped (what is done counts as done):",
      "  kms-replicate --key mrk-1 --regions eu-west-1 --tag 'team=a b'",
    ]);
    expect(interruptedLines([], resume)).toEqual([]);
  });

  it("after --timeout: the same command again with a longer --timeout (never replicate for sync)", () => {
    const sync = { ...resume, argv: ["sync", "--key", "mrk-1", "--timeout", "1s"] };
    expect(timedOutLines(["eu-west-1"], sync)).toEqual([
      "To finish (what is done counts as done):",
      "  kms-replicate sync --key mrk-1 --timeout 20m",
    ]);
  });

  it("replicas without key material: import-material with the key, the Regions and the reach; the file named", () => {
    const [title, command] = importHintLines(
      "arn:aws:kms:us-east-1:1:key/mrk-1",
      ["eu-west-1", "sa-east-1"],
      resume,
    );
    expect(title).toContain("MATERIAL_FILE");
    expect(command).toBe(
      "  kms-replicate import-material --key arn:aws:kms:us-east-1:1:key/mrk-1 --regions eu-west-1,sa-east-1 --key-material fileb://MATERIAL_FILE --endpoint-url http://127.0.0.1:4566",
    );
  });
});
