// `retire`, `delete-family` and `cancel-deletion` end to end: the built bin against the local
// endpoint (which keeps KMS's deletion rules), checking what the endpoint holds afterwards, the exit
// code, the JSON (valid by the committed schema, consistent with itself) and what people read.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { fleetTools, inRegion, keyIdOf } from "./fleet-support.js";
import { hasScript } from "./pty.js";
import { BIN, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ updatingMs: 300 });
const { primary, cli, fleet } = fleetTools(kms);

interface RegionDoc {
  region: string;
  status: string;
  keyState: string | null;
  deletionDate: string | null;
  aliases: string[] | null;
  calls: string[];
  note: string | null;
}
interface DeletionDoc {
  command: string;
  exitCode: number;
  outcome: string | null;
  primaryRegion: string | null;
  promotion: { from: string; to: string; outcome: string } | null;
  regions: RegionDoc[];
  familyDeletionDate: string | null;
  undoCommand: string | null;
  finishCommand: string | null;
  note: string | null;
  error: { name: string; message: string; hint?: string } | null;
}

/** A primary in us-east-1 with replicas in `regions` (alias/NAME in ap-south-1 when given); its ARN. */
function family(regions: readonly string[] = ["eu-west-1", "ap-south-1"], alias?: string): string {
  const arn = primary();
  for (const region of regions) {
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
  }
  if (alias !== undefined) {
    kms().invoke("ap-south-1", "CreateAlias", { AliasName: alias, TargetKeyId: inRegion(arn, "ap-south-1") });
  }
  return arn;
}

const stateIn = (region: string, arn: string): string | undefined =>
  kms()
    .keys(region)
    .find((k) => k.keyId === keyIdOf(arn))?.state;

async function run(args: readonly string[], code: number): Promise<{ doc: DeletionDoc; stderr: string }> {
  const result = await cli([...args, "-o", "json"]);
  expect(result.code, result.stderr).toBe(code);
  return { doc: JSON.parse(result.stdout) as DeletionDoc, stderr: result.stderr };
}

describe("retire", () => {
  it("a replica's Region: scheduled for deletion with its date, its aliases listed, the undo printed; a re-run is unchanged", async () => {
    const arn = family(undefined, "alias/payments-ap");
    const { doc, stderr } = await run(
      ["retire", "--key", arn, "--regions", "ap-south-1", "--pending-days", "7", "--yes"],
      0,
    );
    expect(doc.regions).toEqual([
      expect.objectContaining({
        region: "ap-south-1",
        status: "done",
        keyState: "PendingDeletion",
        aliases: ["alias/payments-ap"],
        calls: ["ScheduleKeyDeletion"],
      }),
    ]);
    const days = (Date.parse(doc.regions[0]?.deletionDate ?? "") - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    expect(doc.undoCommand).toBe(
      `kms-replicate cancel-deletion --key ${arn} --regions ap-south-1 --endpoint-url ${kms().url}`,
    );
    expect(stderr).toContain("aliases (deleted with the key): alias/payments-ap");
    expect(stateIn("ap-south-1", arn)).toBe("PendingDeletion");
    expect(stateIn("eu-west-1", arn)).toBe("Enabled");
    // again: unchanged, no call
    const before = kms().callCount(undefined, "ScheduleKeyDeletion");
    const again = await run(["retire", "--key", arn, "--regions", "ap-south-1", "--yes"], 0);
    expect(again.doc.regions[0]).toMatchObject({ status: "unchanged", calls: [] });
    expect(kms().callCount(undefined, "ScheduleKeyDeletion")).toBe(before);
  });

  it("the primary's Region with --to: promoted away first (Updating waited out), then retired", async () => {
    const arn = family();
    const { doc } = await run(
      ["retire", "--key", arn, "--regions", "us-east-1", "--to", "eu-west-1", "--yes"],
      0,
    );
    expect(doc.promotion).toMatchObject({ from: "us-east-1", to: "eu-west-1", outcome: "promoted" });
    expect(doc.primaryRegion).toBe("eu-west-1");
    expect(doc.regions).toEqual([
      expect.objectContaining({ region: "us-east-1", status: "done", keyState: "PendingDeletion" }),
    ]);
    expect(
      kms()
        .keys("eu-west-1")
        .find((k) => k.keyId === keyIdOf(arn)),
    ).toMatchObject({ role: "PRIMARY", state: "Enabled" });
    expect(stateIn("us-east-1", arn)).toBe("PendingDeletion");
    expect(stateIn("ap-south-1", arn)).toBe("Enabled");
  });

  it("the disable-only trial and its undo: cancel-deletion --regions enables it again", async () => {
    const arn = family();
    const trial = await run(["retire", "--key", arn, "--regions", "ap-south-1", "--disable-only"], 0);
    expect(trial.doc.regions[0]).toMatchObject({
      status: "done",
      keyState: "Disabled",
      calls: ["DisableKey"],
    });
    expect(stateIn("ap-south-1", arn)).toBe("Disabled");
    expect(kms().callCount(undefined, "ScheduleKeyDeletion")).toBe(0);
    const undoArgs = (trial.doc.undoCommand ?? "").split(" ").slice(1);
    const undo = await run(
      [...undoArgs.filter((w, i, all) => w !== "--endpoint-url" && all[i - 1] !== "--endpoint-url")],
      0,
    );
    expect(undo.doc.regions[0]).toMatchObject({ status: "done", keyState: "Enabled", calls: ["EnableKey"] });
    expect(stateIn("ap-south-1", arn)).toBe("Enabled");
  });

  it.each([
    [["--regions", "us-east-1,eu-west-1,ap-south-1"], /every Region of/, /delete-family --key/],
    [["--regions", "us-west-2"], /has no key in us-west-2/, /Its keys are in/],
    [["--regions", "us-east-1"], /holds the primary/, /--to/],
    [
      ["--regions", "us-east-1,eu-west-1", "--to", "eu-west-1"],
      /--to eu-west-1 is one of the Regions retired/,
      /stays/,
    ],
  ])("refuses %j before any change (exit 2)", async (flags, message, hint) => {
    const arn = family();
    const { doc } = await run(["retire", "--key", arn, ...flags, "--yes"], 2);
    expect(doc.error?.message).toMatch(message);
    expect(doc.error?.hint).toMatch(hint);
    expect(
      kms().callCount(undefined, "ScheduleKeyDeletion") + kms().callCount(undefined, "UpdatePrimaryRegion"),
    ).toBe(0);
  });

  it("without --yes and without a terminal: the plan printed, refused (exit 2), nothing changed", async () => {
    const arn = family();
    const { doc, stderr } = await run(["retire", "--key", arn, "--regions", "ap-south-1"], 2);
    expect(stderr).toContain("schedule the deletion of the keys in ap-south-1 in 30 days");
    expect(doc.error?.message).toMatch(/no terminal to ask on; nothing was changed/);
    expect(doc.error?.hint).toMatch(/--yes/);
    expect(stateIn("ap-south-1", arn)).toBe("Enabled");
  });

  it("--dry-run never asks and changes nothing", async () => {
    const arn = family();
    const { doc } = await run(["retire", "--key", arn, "--regions", "ap-south-1", "--dry-run"], 0);
    expect(doc.regions[0]).toMatchObject({ status: "planned" });
    expect(doc.undoCommand).toBeNull();
    expect(stateIn("ap-south-1", arn)).toBe("Enabled");
  });
});

describe("cut short", () => {
  it("Ctrl-C while ScheduleKeyDeletion is in flight: each Region as seen, and the command that finishes the job", async () => {
    const arn = family();
    kms().configure({ faults: [{ operation: "ScheduleKeyDeletion", latencyMs: 10_000 }] });
    const result = await cli(
      ["retire", "--key", arn, "--regions", "ap-south-1,eu-west-1", "--yes", "-o", "json"],
      {
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (kms().callCount(undefined, "ScheduleKeyDeletion") >= 2) {
              clearInterval(poll);
              child.kill("SIGINT");
            }
          }, 20);
        },
      },
    );
    expect(result.code, result.stderr).toBe(130);
    const doc = JSON.parse(result.stdout) as DeletionDoc;
    expect(doc.regions.map((r) => [r.region, r.status])).toEqual([
      ["ap-south-1", "interrupted"],
      ["eu-west-1", "interrupted"],
    ]);
    expect(doc.regions[0]?.note).toMatch(/may have been carried out/);
    expect(doc.finishCommand).toBe(
      `kms-replicate retire --key ${arn} --regions ap-south-1,eu-west-1 --pending-days 30 --yes --endpoint-url ${kms().url}`,
    );
    expect(result.stderr).toContain("To finish the job:");
  });
});

describe("status and replicate with keys pending deletion", () => {
  it("status shows the date and counts them neither usable nor drifting (exit 0)", async () => {
    const arn = family();
    await run(["retire", "--key", arn, "--regions", "ap-south-1", "--yes"], 0);
    const status = await cli(["status", "--key", arn]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/ap-south-1\tREPLICA\tPendingDeletion \(deleted \d{4}-\d\d-\d\d\)/);
    expect(status.stderr).toMatch(/1 pending deletion/);
  });

  it("replicate into a Region whose replica is pending deletion names cancel-deletion", async () => {
    const arn = family();
    await run(["retire", "--key", arn, "--regions", "ap-south-1", "--yes"], 0);
    const again = await cli(["--key", arn, "--regions", "ap-south-1"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("kms-replicate cancel-deletion --key");
    expect(again.stderr).not.toMatch(/AlreadyExists/);
  });
});

describe("delete-family and cancel-deletion", () => {
  it("replicas first, then the primary (PendingReplicaDeletion); the earliest date; cancel brings every key back Enabled", async () => {
    const arn = family();
    const { doc, stderr } = await run(["delete-family", "--key", arn, "--pending-days", "7", "--yes"], 0);
    expect(doc.regions.map((r) => [r.region, r.keyState])).toEqual([
      ["ap-south-1", "PendingDeletion"],
      ["eu-west-1", "PendingDeletion"],
      ["us-east-1", "PendingReplicaDeletion"],
    ]);
    const last = Math.max(...doc.regions.slice(0, 2).map((r) => Date.parse(r.deletionDate ?? "")));
    expect(Date.parse(doc.familyDeletionDate ?? "")).toBeGreaterThanOrEqual(last + 7 * 86_400_000 - 1000);
    expect(stderr).toMatch(/cannot be decrypted once it is gone/);
    expect(doc.undoCommand).toBe(`kms-replicate cancel-deletion --key ${arn} --endpoint-url ${kms().url}`);
    const cancel = await run(["cancel-deletion", "--key", arn], 0);
    expect(cancel.doc.regions.every((r) => r.status === "done" && r.keyState === "Enabled")).toBe(true);
    for (const region of ["us-east-1", "eu-west-1", "ap-south-1"])
      expect(stateIn(region, arn)).toBe("Enabled");
  });

  it("with short days: the replica goes, then the primary's own window starts, then it goes", async () => {
    kms().configure({ dayMs: 400 }); // 7 "days": 2.8 s
    const arn = family(["eu-west-1"]);
    await run(["delete-family", "--key", arn, "--pending-days", "7", "--yes"], 0);
    expect(stateIn("us-east-1", arn)).toBe("PendingReplicaDeletion");
    const until = async (holds: () => boolean): Promise<void> => {
      const end = Date.now() + 8_000;
      while (!holds() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
    };
    await until(() => stateIn("eu-west-1", arn) === undefined);
    expect(stateIn("eu-west-1", arn)).toBeUndefined();
    expect(stateIn("us-east-1", arn)).toBe("PendingDeletion"); // its window has started
    await until(() => stateIn("us-east-1", arn) === undefined);
    expect(stateIn("us-east-1", arn)).toBeUndefined();
  }, 20_000);
});

describe("a fleet", () => {
  it("an interrupted retirement (--timeout while one key is throttled) reports each Region as seen; the re-run finishes it", async () => {
    const keys = [family(), family(), family()];
    const slow = keys[1] ?? "";
    kms().configure({
      faults: [{ keyId: slow, operation: "ScheduleKeyDeletion", throttle: { count: 1000 } }],
    });
    const args = keys.flatMap((k) => ["--key", k]);
    const first = await fleet(["retire", ...args, "--regions", "ap-south-1", "--yes", "--timeout", "3s"]);
    expect(first.run.code).toBe(3);
    const entry = (doc: typeof first.doc, arn: string) =>
      (doc.keys as unknown as (DeletionDoc & { key: string })[]).find((k) => k.key === arn);
    expect(entry(first.doc, slow)?.regions[0]).toMatchObject({ region: "ap-south-1", keyState: "Enabled" });
    expect(["notStarted", "timeout"]).toContain(entry(first.doc, slow)?.regions[0]?.status);
    expect(entry(first.doc, slow)?.finishCommand).toMatch(
      /^kms-replicate retire --key .* --regions ap-south-1 .*--yes/,
    );
    expect(stateIn("ap-south-1", keys[0] ?? "")).toBe("PendingDeletion");
    // the re-run: the throttling over, the done keys unchanged
    kms().configure({ faults: [] });
    const second = await fleet(["retire", ...args, "--regions", "ap-south-1", "--yes"]);
    expect(second.run.code, second.run.stderr).toBe(0);
    expect(keys.map((k) => entry(second.doc, k)?.regions[0]?.status)).toEqual([
      "unchanged",
      "done",
      "unchanged",
    ]);
    for (const k of keys) expect(stateIn("ap-south-1", k)).toBe("PendingDeletion");
  }, 30_000);

  it("cancel-deletion over the fleet brings the Region back", async () => {
    const keys = [family(), family()];
    const args = keys.flatMap((k) => ["--key", k]);
    await fleet(["retire", ...args, "--regions", "ap-south-1", "--yes"]);
    const { doc, run: result } = await fleet(["cancel-deletion", ...args, "--regions", "ap-south-1"]);
    expect(result.code).toBe(0);
    expect(doc.command).toBe("cancel-deletion");
    for (const k of keys) expect(stateIn("ap-south-1", k)).toBe("Enabled");
  });

  it("delete-family over a fleet without --yes and without a terminal is refused, nothing changed", async () => {
    const keys = [family(), family()];
    const { doc, run: result } = await fleet(["delete-family", ...keys.flatMap((k) => ["--key", k])]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Plan: delete 2 families");
    expect(doc.error?.message).toMatch(/no terminal/);
    expect(kms().callCount(undefined, "ScheduleKeyDeletion")).toBe(0);
  });
});

/** The bin on a pseudo-terminal (util-linux `script`), typing `answer` once the question shows. */
function onTerminal(
  args: readonly string[],
  answer: string,
): Promise<{ code: number | null; screen: string }> {
  const home = mkdtempSync(join(tmpdir(), "kms-replicate-retire-pty-"));
  const env: NodeJS.ProcessEnv = { ...isolatedAwsEnv(home), TERM: "xterm", NO_COLOR: "1" };
  delete env.CI;
  const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;
  const command = `stty cols 120 rows 24; exec ${[process.execPath, BIN, ...args].map(quote).join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let typed = false;
    const look = (chunk: Buffer): void => {
      screen += chunk.toString();
      if (!typed && screen.includes("to go on:")) {
        typed = true;
        child.stdin.write(`${answer}\r`);
      }
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, screen: screen.replaceAll("\r\n", "\n") }));
  });
}

describe.skipIf(!hasScript)("confirmation on a terminal", () => {
  it("the key ID typed: the deletion is scheduled", async () => {
    const arn = family();
    const { code, screen } = await onTerminal(
      ["retire", "--key", arn, "--regions", "ap-south-1", "--endpoint-url", kms().url],
      keyIdOf(arn),
    );
    expect(code, screen).toBe(0);
    expect(screen).toContain(`Type the key ID (${keyIdOf(arn)}) to go on:`);
    expect(stateIn("ap-south-1", arn)).toBe("PendingDeletion");
  });

  it("another answer: refused, nothing changed", async () => {
    const arn = family();
    const { code, screen } = await onTerminal(
      ["retire", "--key", arn, "--regions", "ap-south-1", "--endpoint-url", kms().url],
      "mrk-not-this-one",
    );
    expect(code, screen).toBe(2);
    expect(screen).toMatch(/'mrk-not-this-one' is not the key ID/);
    expect(stateIn("ap-south-1", arn)).toBe("Enabled");
  });

  it("delete-family over a fleet asks for the number of families", async () => {
    const keys = [family(), family()];
    const { code, screen } = await onTerminal(
      ["delete-family", ...keys.flatMap((k) => ["--key", k]), "--endpoint-url", kms().url],
      "2",
    );
    expect(code, screen).toBe(0);
    expect(screen).toContain("Type the number of families to delete (2) to go on:");
    for (const k of keys) expect(stateIn("us-east-1", k)).toBe("PendingReplicaDeletion");
  });
});
