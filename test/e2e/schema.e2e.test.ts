// Real stdout of every command and outcome, from the built bin against the local endpoint, is valid
// by the committed JSON Schema (schema/kms-replicate.schema.json). Each run also checks that it
// produced the outcome it is about, so that a test cannot pass by validating something else.
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { schemaErrors } from "../support/schema.js";
import { runCli, useLocalKms, type CliRun, type FleetDocument, type RunOptions } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 150 });

function primaryArn(): string {
  return String(kms().createKey("us-east-1", { MultiRegion: true, Description: "Payments key" }).Arn);
}

/** A replica of `arn` in `region`, set up directly on the endpoint (not through the CLI). */
function replicaOf(arn: string, region: string): void {
  kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
}

/** Every Region status and every command whose real document was validated, for the last test. */
const seen = { statuses: new Set<string>(), commands: new Set<string>(), fleet: new Set<string>() };

/** Runs the CLI with --output json; stdout must be one document, valid by the schema, with the exit code. */
async function documentOf(
  args: readonly string[],
  code: number,
  options?: RunOptions,
): Promise<NonNullable<CliRun["json"]>> {
  const run = await runCli([...args, "--endpoint-url", kms().url, "-o", "json"], options);
  expect(run.json, `stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`).toBeDefined();
  expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
  expect(run.code).toBe(code);
  const doc = run.json as NonNullable<CliRun["json"]>;
  expect(doc.exitCode).toBe(code);
  seen.commands.add(doc.command);
  if (doc.version === 2) seen.fleet.add(doc.error?.name === "UsageError" ? "usage" : doc.command);
  for (const region of doc.regions ?? []) seen.statuses.add(region.status);
  return doc;
}

const statusesOf = (doc: NonNullable<CliRun["json"]>) => doc.regions.map((r) => [r.region, r.status]);

describe("replicate: every Region outcome", () => {
  it("created, then exists", async () => {
    const arn = primaryArn();
    const created = await documentOf(["--key", arn, "--regions", "eu-west-1", "--tag", "team=payments"], 0);
    expect(statusesOf(created)).toEqual([["eu-west-1", "created"]]);
    const exists = await documentOf(["--key", arn, "--regions", "eu-west-1"], 0);
    expect(statusesOf(exists)).toEqual([["eu-west-1", "exists"]]);
  });

  it("creating (--no-wait), then wait", async () => {
    const arn = primaryArn();
    const creating = await documentOf(["--key", arn, "--regions", "eu-west-1", "--no-wait"], 0);
    expect(statusesOf(creating)).toEqual([["eu-west-1", "creating"]]);
    const waited = await documentOf(["wait", "--key", arn], 0);
    expect(waited.command).toBe("wait");
    expect(statusesOf(waited)).toEqual([["eu-west-1", "exists"]]);
  });

  it("planned (--dry-run)", async () => {
    const doc = await documentOf(
      ["--key", primaryArn(), "--regions", "eu-west-1,ap-south-1", "--dry-run"],
      0,
    );
    expect(doc.dryRun).toBe(true);
    expect(statusesOf(doc)).toEqual([
      ["eu-west-1", "planned"],
      ["ap-south-1", "planned"],
    ]);
  });

  it("failed (a Region not enabled for the account) beside created", async () => {
    kms().configure({ disabledRegions: ["ap-south-2"] });
    const doc = await documentOf(["--key", primaryArn(), "--regions", "eu-west-1,ap-south-2"], 1);
    expect(statusesOf(doc)).toEqual([
      ["eu-west-1", "created"],
      ["ap-south-2", "failed"],
    ]);
    expect(doc.regions[1]?.error?.name).toBe("UnsupportedOperationException");
  });

  it("timeout (a replica that never leaves Creating)", async () => {
    kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
    const doc = await documentOf(["--key", primaryArn(), "--regions", "eu-west-1", "--timeout", "2s"], 3);
    expect(statusesOf(doc)).toEqual([["eu-west-1", "timeout"]]);
  });

  it("interrupted (SIGINT during the wait), exit 130", async () => {
    kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
    const sendWhenPolled = (child: ChildProcess): void => {
      const timer = setInterval(() => {
        if (kms().callCount("eu-west-1", "DescribeKey") > 1) {
          clearInterval(timer);
          child.kill("SIGINT");
        }
      }, 50);
      child.once("exit", () => clearInterval(timer));
    };
    const doc = await documentOf(["--key", primaryArn(), "--regions", "eu-west-1,eu-central-1"], 130, {
      onSpawn: sendWhenPolled,
    });
    expect(doc.regions.find((r) => r.region === "eu-west-1")?.status).toBe("interrupted");
  });

  it("a run-ending error: the key is not found (error set, no primary, no Regions)", async () => {
    const missing = "arn:aws:kms:us-east-1:111122223333:key/mrk-00000000000000000000000000000000";
    const doc = await documentOf(["--key", missing, "--regions", "eu-west-1"], 2);
    expect(doc.primary).toBeNull();
    expect(doc.regions).toEqual([]);
    expect(doc.error?.name).toMatch(/NotFound/);
  });

  it("a run-ending error with invalidRegions", async () => {
    const doc = await documentOf(["--key", primaryArn(), "--regions", "EU-WEST-1"], 2);
    expect(doc.error?.invalidRegions?.[0]?.region).toBe("EU-WEST-1");
  });
});

describe("wait: outcomes", () => {
  it("timeout while a replica stays Creating, exit 3", async () => {
    kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    const doc = await documentOf(["wait", "--key", arn, "--timeout", "2s"], 3);
    expect(statusesOf(doc)).toEqual([["eu-west-1", "timeout"]]);
  });
});

describe("status", () => {
  it("ok: every key usable, no drift (exit 0)", async () => {
    kms().configure({ creatingDelayMs: 0 });
    const arn = primaryArn();
    await runCli(["--key", arn, "--regions", "eu-west-1", "--copy-all", "--endpoint-url", kms().url]);
    const doc = await documentOf(["status", "--key", arn], 0);
    expect(doc.command).toBe("status");
    expect(doc.keys?.map((k) => [k.region, k.role, k.usable])).toEqual([
      ["us-east-1", "PRIMARY", true],
      ["eu-west-1", "REPLICA", true],
    ]);
  });

  it("drift in every compared field (exit 4)", async () => {
    kms().configure({ creatingDelayMs: 0 });
    const arn = primaryArn();
    await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1",
      "--description",
      "other",
      "--tag",
      "team=payments",
      "--policy",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }],
      }),
      "--endpoint-url",
      kms().url,
    ]);
    kms().invoke("us-east-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: arn });
    const doc = await documentOf(["status", "--key", arn], 4);
    expect(doc.drift).toBe(true);
    const west = doc.keys?.find((k) => k.region === "eu-west-1");
    expect(west?.drift.map((d) => d.field)).toEqual(["description", "tags", "aliases", "policy"]);
  });

  it("a field that could not be read (exit 1)", async () => {
    kms().configure({ creatingDelayMs: 0 });
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    kms().configure({ faults: [{ region: "eu-west-1", operation: "GetKeyPolicy", accessDenied: true }] });
    const doc = await documentOf(["status", "--key", arn], 1);
    const west = doc.keys?.find((k) => k.region === "eu-west-1") as { fieldErrors?: { policy: unknown } };
    expect(west.fieldErrors?.policy).toMatchObject({ name: "AccessDeniedException" });
  });

  it("a replica that could not be read at all (its error set, its fields null)", async () => {
    kms().configure({ creatingDelayMs: 0 });
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    kms().configure({ faults: [{ region: "eu-west-1", operation: "DescribeKey", accessDenied: true }] });
    const doc = await documentOf(["status", "--key", arn], 1);
    expect(doc.keys?.find((k) => k.region === "eu-west-1")).toMatchObject({ keyState: null, usable: false });
  });

  it("a run-ending error: the key is not found (exit 2)", async () => {
    const missing = "arn:aws:kms:us-east-1:111122223333:key/mrk-00000000000000000000000000000000";
    const doc = await documentOf(["status", "--key", missing], 2);
    expect(doc.keys).toEqual([]);
    expect(doc.error?.name).toMatch(/NotFound/);
  });
});

describe("usage errors with --output json: the exit 2 document", () => {
  it.each([
    ["replicate", ["--key", "k", "--regions", "eu-west-1", "--bogus"]],
    ["replicate", ["--key", "k"]],
    ["wait", ["wait", "--key", "k", "--timeout", "soon"]],
    ["wait", ["wait"]],
    ["status", ["status", "--key", "k", "--tag", "a=b"]],
    ["help", ["help", "statsu"]],
    ["completion", ["completion", "tcsh"]],
    ["import-material", ["import-material", "--key", "k", "--key-material", "file://m.bin"]],
    ["import-material", ["import-material", "--key", "k"]],
    ["rotate-material", ["rotate-material", "--key", "k", "--wrapping-algorithm", "SM2PKE"]],
    ["rotate-material", ["rotate-material", "--key", "k", "--valid-to", "2027-01-01", "--no-expiry"]],
    ["retire", ["retire", "--key", "k"]],
    ["retire", ["retire", "--key", "k", "--regions", "ap-south-1", "--disable-only", "--pending-days", "7"]],
    ["delete-family", ["delete-family", "--key", "k", "--pending-days", "3"]],
    ["cancel-deletion", ["cancel-deletion", "--key", "k", "--bogus"]],
  ])("%s: %j", async (command, args) => {
    const doc = await documentOf(args, 2);
    expect(doc.command).toBe(command);
    expect(doc.ok).toBe(false);
    expect(doc.error?.name).toBe("UsageError");
  });
});

describe("fleets (version 2): a selection of keys", () => {
  /** Primaries of us-east-1 tagged fleet=yes with replicas in eu-west-1, set up on the endpoint. */
  function fleetOfKeys(n: number): string[] {
    kms().configure({ creatingDelayMs: 0 });
    return Array.from({ length: n }, () => {
      const arn = String(
        kms().createKey("us-east-1", { MultiRegion: true, Tags: [{ TagKey: "fleet", TagValue: "yes" }] }).Arn,
      );
      replicaOf(arn, "eu-west-1");
      return arn;
    });
  }
  const ALL = ["--all-primaries", "--region", "us-east-1"];
  const fleetOf = (doc: NonNullable<CliRun["json"]>): FleetDocument => {
    expect(doc.version).toBe(2);
    return doc as unknown as FleetDocument;
  };

  it("replicate (a failed key beside created ones), then wait", async () => {
    const [denied = ""] = fleetOfKeys(3);
    kms().configure({ faults: [{ keyId: denied, operation: "ReplicateKey", accessDenied: true }] });
    const doc = fleetOf(await documentOf([...ALL, "--regions", "eu-west-1,ap-south-1"], 1));
    expect(doc).toMatchObject({ version: 2, command: "replicate" });
    expect(doc.totals.regions).toMatchObject({ exists: 3, created: 2, failed: 1 });
    const waited = fleetOf(await documentOf(["wait", ...ALL, "--regions", "eu-west-1"], 0));
    expect(waited).toMatchObject({ version: 2, command: "wait" });
    expect(waited.totals.regions).toMatchObject({ exists: 3 });
  });

  it("replicate --dry-run and --no-wait", async () => {
    fleetOfKeys(2);
    const planned = fleetOf(await documentOf([...ALL, "--regions", "ap-south-1", "--dry-run"], 0));
    expect(planned.totals.regions).toMatchObject({ planned: 2 });
    kms().configure({ creatingDelayMs: 1_000 });
    const creating = fleetOf(await documentOf([...ALL, "--regions", "ap-south-1", "--no-wait"], 0));
    expect(creating.totals.regions).toMatchObject({ creating: 2 });
  });

  it("replicate timed out, then interrupted", async () => {
    fleetOfKeys(2);
    kms().configure({ creatingDelayByRegion: { "ap-south-1": null } });
    const late = fleetOf(await documentOf([...ALL, "--regions", "ap-south-1", "--timeout", "2s"], 3));
    expect(late.totals.regions).toMatchObject({ timeout: 2 });
    // SIGINT once this run polls the replicas still Creating (the run above polled them too)
    const polled = kms().callCount("ap-south-1", "DescribeKey");
    const sendWhenPolled = (child: ChildProcess): void => {
      const timer = setInterval(() => {
        if (kms().callCount("ap-south-1", "DescribeKey") > polled + 1) {
          clearInterval(timer);
          child.kill("SIGINT");
        }
      }, 50);
      child.once("exit", () => clearInterval(timer));
    };
    const stopped = fleetOf(await documentOf(["wait", ...ALL], 130, { onSpawn: sendWhenPolled }));
    expect(stopped.totals.keys).toMatchObject({ interrupted: 2 });
  });

  it("status (drift), sync, promote", async () => {
    const keys = fleetOfKeys(2);
    const status = fleetOf(await documentOf(["status", ...ALL], 4));
    expect(status).toMatchObject({ command: "status", totals: { members: 4, drifting: 2 } });
    const sync = fleetOf(await documentOf(["sync", ...ALL], 0));
    expect(sync).toMatchObject({ command: "sync", totals: { regions: { done: 2 } } });
    const promote = fleetOf(
      await documentOf(["promote", "--key", keys[0] ?? "", "--key", keys[1] ?? "", "--to", "eu-west-1"], 0),
    );
    expect(promote).toMatchObject({
      command: "promote",
      to: "eu-west-1",
      totals: { outcomes: { promoted: 2 } },
    });
  });

  it("a run-ending error (an empty selection), and commander's usage errors", async () => {
    fleetOfKeys(1);
    const empty = fleetOf(
      await documentOf([...ALL, "--select-tag", "fleet=no", "--regions", "ap-south-1"], 2),
    );
    expect(empty).toMatchObject({ keys: [], error: { name: "EmptySelection" } });
    for (const command of ["replicate", "wait", "status", "sync", "promote"]) {
      const args = command === "replicate" ? [] : [command];
      const usage = fleetOf(await documentOf([...args, ...ALL, "--bogus"], 2));
      expect(usage).toMatchObject({ version: 2, command, selection: null, error: { name: "UsageError" } });
    }
  });
});

describe("coverage of this file", () => {
  it("validated a real document of every command and of every Region status", () => {
    expect([...seen.commands].sort()).toEqual(
      [
        "cancel-deletion",
        "completion",
        "delete-family",
        "help",
        "import-material",
        "promote",
        "replicate",
        "retire",
        "rotate-material",
        "status",
        "sync",
        "wait",
      ].sort(),
    );
    expect([...seen.fleet].sort()).toEqual(["promote", "replicate", "status", "sync", "usage", "wait"]);
    expect([...seen.statuses].sort()).toEqual(
      ["created", "creating", "exists", "failed", "interrupted", "planned", "timeout"].sort(),
    );
  });
});
