// `sync` over real HTTP: the built bin against the local KMS endpoint, checking what the endpoint
// holds afterwards, the exit code, the JSON (valid by the committed schema) and stderr.
import { describe, expect, it } from "vitest";
import { schemaErrors } from "../support/schema.js";
import { runCli, useLocalKms, type CliRun } from "./run-cli.js";

const kms = useLocalKms({});

const REGIONS = ["ap-southeast-2", "eu-west-1", "sa-east-1"];
const WRITES = [
  "TagResource",
  "UntagResource",
  "UpdateKeyDescription",
  "PutKeyPolicy",
  "CreateAlias",
  "UpdateAlias",
  "DeleteAlias",
  "EnableKey",
  "DisableKey",
];

const POLICY = (sid: string): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Id: "payments",
    Statement: [
      {
        Sid: "Root",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
        Action: "kms:Decrypt",
        Resource: "*",
      },
    ],
  });

/** A primary in us-east-1 with tags, a description, a policy and an alias; replicas in `regions`, as ReplicateKey makes them. */
function family(regions: readonly string[] = REGIONS): string {
  const primary = kms().createKey("us-east-1", {
    MultiRegion: true,
    Description: "Payments key",
    Policy: POLICY("App"),
    Tags: [
      { TagKey: "team", TagValue: "payments" },
      { TagKey: "cost", TagValue: "42" },
    ],
  });
  const arn = String(primary.Arn);
  kms().invoke("us-east-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: arn });
  for (const region of regions)
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
  return arn;
}

const inRegion = (arn: string, region: string): string => arn.replace("us-east-1", region);

/** Drift in every field KMS does not share, in `region`. */
function drift(arn: string, region: string): void {
  const replica = inRegion(arn, region);
  kms().invoke(region, "TagResource", {
    KeyId: replica,
    Tags: [
      { TagKey: "team", TagValue: "old" },
      { TagKey: "scratch", TagValue: "1" },
    ],
  });
  kms().invoke(region, "UpdateKeyDescription", { KeyId: replica, Description: "stale copy" });
  kms().invoke(region, "CreateAlias", { AliasName: "alias/legacy", TargetKeyId: replica });
}

async function cli(args: readonly string[], json = true): Promise<CliRun> {
  const run = await runCli([...args, "--endpoint-url", kms().url, ...(json ? ["-o", "json"] : [])]);
  if (json) {
    expect(run.json, `stdout is not one JSON document:\n${run.stdout}\n${run.stderr}`).toBeDefined();
    expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
    expect(run.json?.exitCode).toBe(run.code);
  }
  return run;
}

interface SyncRegion {
  region: string;
  status: string;
  keyState: string | null;
  operations: { op: string; key?: string; name?: string; from?: string }[];
  pending: { op: string }[];
  error: { name: string; message: string; hint?: string } | null;
  note: string | null;
}
const regionsOf = (run: CliRun): SyncRegion[] => (run.json?.regions ?? []) as unknown as SyncRegion[];
const writes = (): number => WRITES.reduce((n, op) => n + kms().callCount(undefined, op), 0);
const keyIn = (region: string) => {
  const key = kms().keys(region)[0];
  if (key === undefined) throw new TypeError(`no key in ${region}`);
  return key;
};

describe("sync", () => {
  it("status exit 4 → sync → status exit 0: drift in every field is brought in line", async () => {
    // GIVEN replicas made by ReplicateKey alone (no tags, no description, default policy, no alias),
    // and in eu-west-1 a wrong tag value, an extra tag, another description and an extra alias
    const arn = family();
    drift(arn, "eu-west-1");
    expect((await cli(["status", "--key", arn])).code).toBe(4);
    // WHEN
    const run = await cli(["sync", "--key", arn, "--prune-tags", "--prune-aliases"]);
    // THEN every replica is done, and says what was applied
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ command: "sync", ok: true, dryRun: false });
    expect(regionsOf(run).map((r) => [r.region, r.status])).toEqual(REGIONS.map((r) => [r, "done"]));
    const west = regionsOf(run).find((r) => r.region === "eu-west-1");
    expect(west?.operations.map((o) => [o.op, o.key ?? o.name ?? ""])).toEqual([
      ["policy", ""],
      ["description", ""],
      ["untag", "scratch"],
      ["tag", "team"],
      ["tag", "cost"],
      ["alias", "alias/payments"],
      ["unalias", "alias/legacy"],
    ]);
    // AND the endpoint holds the primary's values in every Region
    for (const region of REGIONS) {
      const key = keyIn(region);
      expect(key.tags).toEqual({ team: "payments", cost: "42" });
      expect(key.description).toBe("Payments key");
      expect(JSON.parse(key.policy)).toEqual(JSON.parse(POLICY("App")));
      expect(key.aliases).toEqual(["alias/payments"]);
    }
    expect((await cli(["status", "--key", arn])).code).toBe(0);
    // AND a second sync changes nothing
    const before = writes();
    const again = await cli(["sync", "--key", arn, "--prune-tags", "--prune-aliases"]);
    expect(again.code).toBe(0);
    expect(regionsOf(again).map((r) => r.status)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(writes()).toBe(before);
  });

  it("keeps extra tags and aliases by default, and says so", async () => {
    const arn = family(["eu-west-1"]);
    drift(arn, "eu-west-1");
    const run = await cli(["sync", "--key", arn]);
    expect(run.code).toBe(0);
    expect(keyIn("eu-west-1").tags).toEqual({ team: "payments", cost: "42", scratch: "1" });
    expect(keyIn("eu-west-1").aliases.sort()).toEqual(["alias/legacy", "alias/payments"]);
    expect(regionsOf(run)[0]?.note).toMatch(/Kept a tag not in the desired state: scratch=1 \(--prune-tags/);
    expect(regionsOf(run)[0]?.note).toMatch(/alias\/legacy \(--prune-aliases/);
  });

  it("--dry-run prints the plan as a diff per Region and changes nothing on the endpoint", async () => {
    // GIVEN
    const arn = family(["eu-west-1"]);
    drift(arn, "eu-west-1");
    const held = JSON.stringify(kms().keys("eu-west-1"));
    // WHEN
    const text = await cli(["sync", "--key", arn, "--dry-run", "--prune-tags"], false);
    const json = await cli(["sync", "--key", arn, "--dry-run", "--prune-tags"]);
    // THEN
    expect(text.code).toBe(0);
    expect(text.stdout).toBe("");
    expect(text.stderr).toMatch(/Dry run: would sync mrk-/);
    expect(text.stderr).toMatch(/○ eu-west-1\s+planned\s+Enabled/);
    for (const line of [
      "~ policy (3 statements differ; Id differs)",
      '~ description "stale copy" → "Payments key"',
      "~ tag team=old → team=payments",
      "+ tag cost=42",
      "- tag scratch=1",
      "+ alias alias/payments",
    ]) {
      expect(text.stderr).toContain(`    ${line}`);
    }
    expect(text.stderr).toMatch(/1 planned in \d+\.\ds\. Dry run: nothing was changed\./);
    expect(json.json?.dryRun).toBe(true);
    expect(regionsOf(json)[0]).toMatchObject({ status: "planned", pending: [] });
    expect(regionsOf(json)[0]?.operations).toHaveLength(6);
    expect(writes()).toBe(0);
    expect(JSON.stringify(kms().keys("eu-west-1"))).toBe(held);
  });

  it("tolerates KMS's read-after-write delay: verifies by reading again until the changes show", async () => {
    // GIVEN writes in eu-west-1 read back as the old value for 1.5 s
    const arn = family(["eu-west-1"]);
    kms().configure({ readAfterWriteMs: { "eu-west-1": 1_500 } });
    // WHEN
    const started = performance.now();
    const run = await cli(["sync", "--key", arn]);
    const took = performance.now() - started;
    // THEN done, after more than one read-back
    expect(run.code).toBe(0);
    expect(regionsOf(run)[0]?.status).toBe("done");
    expect(took).toBeGreaterThan(1_500);
    const lastWrite = Math.max(
      ...kms()
        .calls({ region: "eu-west-1" })
        .filter((c) => WRITES.includes(c.operation))
        .map((c) => c.at),
    );
    const readsAfter = kms()
      .calls({ region: "eu-west-1", operation: "ListResourceTags" })
      .filter((c) => c.at > lastWrite).length;
    expect(readsAfter).toBeGreaterThan(1);
    expect((await cli(["status", "--key", arn])).code).toBe(0);
  });

  it("a Region denied TagResource fails alone, with what was not applied; the others are done (exit 1)", async () => {
    const arn = family();
    kms().configure({ faults: [{ region: "eu-west-1", operation: "TagResource", accessDenied: true }] });
    const run = await cli(["sync", "--key", arn]);
    expect(run.code).toBe(1);
    expect(regionsOf(run).map((r) => [r.region, r.status])).toEqual([
      ["ap-southeast-2", "done"],
      ["eu-west-1", "failed"],
      ["sa-east-1", "done"],
    ]);
    const west = regionsOf(run)[1];
    expect(west?.error?.name).toBe("AccessDeniedException");
    expect(west?.error?.hint).toMatch(/kms:TagResource in eu-west-1/);
    expect(west?.operations.map((o) => o.op)).toEqual(["policy", "description"]);
    expect(west?.pending.map((o) => o.op)).toEqual(["tag", "tag", "alias"]);
    expect(run.json?.summary).toMatchObject({ done: 2, failed: 1 });
    expect(keyIn("eu-west-1").description).toBe("Payments key");
    expect(keyIn("sa-east-1").tags).toEqual({ team: "payments", cost: "42" });
    // AND in text: the failure and what was not applied
    kms().configure({ faults: [{ region: "eu-west-1", operation: "TagResource", accessDenied: true }] });
    const text = await cli(["sync", "--key", arn, "--regions", "eu-west-1"], false);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/✖ eu-west-1\s+failed/);
    expect(text.stderr).toMatch(/not applied:\n\s+\+ tag team=payments/);
  });

  it("an alias that names another key fails that Region, naming the key; --force-aliases moves it", async () => {
    const arn = family(["eu-west-1"]);
    const other = kms().createKey("eu-west-1", {});
    kms().invoke("eu-west-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: other.Arn });
    const refused = await cli(["sync", "--key", arn]);
    expect(refused.code).toBe(1);
    expect(regionsOf(refused)[0]?.error).toMatchObject({ name: "AliasTaken" });
    expect(regionsOf(refused)[0]?.error?.message).toContain(String(other.KeyId));
    expect(regionsOf(refused)[0]?.error?.hint).toContain("--force-aliases");
    // the rest was still applied
    expect(keyIn("eu-west-1").description).toBe("Payments key");
    const forced = await cli(["sync", "--key", arn, "--force-aliases"]);
    expect(forced.code).toBe(0);
    expect(regionsOf(forced)[0]?.operations).toEqual([
      { op: "realias", name: "alias/payments", from: String(other.KeyId) },
    ]);
    const replica = kms()
      .keys("eu-west-1")
      .find((k) => k.role === "REPLICA");
    expect(replica?.aliases).toEqual(["alias/payments"]);
  });

  it("--copy-enabled enables a disabled replica; a replica pending deletion fails with how to recover", async () => {
    const arn = family(["eu-west-1", "sa-east-1"]);
    kms().invoke("eu-west-1", "DisableKey", { KeyId: inRegion(arn, "eu-west-1") });
    kms().invoke("sa-east-1", "ScheduleKeyDeletion", {
      KeyId: inRegion(arn, "sa-east-1"),
      PendingWindowInDays: 7,
    });
    const run = await cli(["sync", "--key", arn, "--copy-enabled"]);
    expect(run.code).toBe(1);
    expect(regionsOf(run)[0]).toMatchObject({ region: "eu-west-1", status: "done", keyState: "Enabled" });
    expect(regionsOf(run)[0]?.operations).toEqual([{ op: "enable" }]);
    expect(regionsOf(run)[1]).toMatchObject({
      region: "sa-east-1",
      status: "failed",
      error: { name: "ReplicaPendingDeletion" },
    });
    expect(regionsOf(run)[1]?.error?.hint).toMatch(/kms-replicate cancel-deletion --key/);
    expect(keyIn("eu-west-1").state).toBe("Enabled");
  });

  it("--key may name a replica; --regions limits the run; a Region without a replica is a usage error", async () => {
    const arn = family(["eu-west-1", "sa-east-1"]);
    const run = await cli(["sync", "--key", inRegion(arn, "sa-east-1"), "--regions", "eu-west-1"]);
    expect(run.code).toBe(0);
    expect(run.json?.primary?.arn).toBe(arn);
    expect(regionsOf(run).map((r) => r.region)).toEqual(["eu-west-1"]);
    expect(keyIn("sa-east-1").tags).toEqual({});
    const missing = await cli(["sync", "--key", arn, "--regions", "ap-south-1"]);
    expect(missing.code).toBe(2);
    expect(missing.json?.error?.message).toMatch(/no replica in ap-south-1/);
    const bad = await cli(["sync", "--key", arn, "--prune-aliases", "--copy-tags"]);
    expect(bad.code).toBe(2);
  });
});

describe("sync, interrupted", () => {
  it("Ctrl-C: exit 130, valid JSON, and each Region says what was already applied", async () => {
    // GIVEN TagResource in eu-west-1 takes 1.5 s
    const arn = family(["eu-west-1"]);
    kms().configure({ faults: [{ region: "eu-west-1", operation: "TagResource", latencyMs: 1_500 }] });
    // WHEN SIGINT arrives while the first tag is in flight
    const run = await runCli(["sync", "--key", arn, "--endpoint-url", kms().url, "-o", "json"], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (kms().callCount("eu-west-1", "TagResource") > 0) {
            clearInterval(poll);
            child.kill("SIGINT");
          }
        }, 20);
      },
    });
    // THEN
    expect(run.code).toBe(130);
    expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
    const west = regionsOf(run)[0];
    expect(west?.status).toBe("interrupted");
    expect(west?.operations.map((o) => o.op)).toEqual(["policy", "description"]);
    expect(west?.pending.map((o) => o.op)).toEqual(["tag", "tag", "alias"]);
    expect(keyIn("eu-west-1").description).toBe("Payments key");
  });
});

describe("replicate converges existing replicas", () => {
  it("a re-run of replicate --copy-all after a tag is added to the primary converges (exists, 1 tag added)", async () => {
    // GIVEN replicas made with --copy-all
    const arn = family([]);
    const first = await cli(["--key", arn, "--regions", "eu-west-1,sa-east-1", "--copy-all"]);
    expect(first.code).toBe(0);
    // WHEN a tag is added to the primary and the same command runs again
    kms().invoke("us-east-1", "TagResource", { KeyId: arn, Tags: [{ TagKey: "tier", TagValue: "gold" }] });
    const again = await cli(["--key", arn, "--regions", "eu-west-1,sa-east-1", "--copy-all"], false);
    // THEN
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/✔ eu-west-1\s+exists/);
    expect(again.stderr).toContain("    exists, 1 tag added");
    for (const region of ["eu-west-1", "sa-east-1"])
      expect(keyIn(region).tags).toMatchObject({ tier: "gold" });
    expect((await cli(["status", "--key", arn])).code).toBe(0);
    // AND the JSON says what was converged
    kms().invoke("us-east-1", "UpdateKeyDescription", { KeyId: arn, Description: "Payments key v2" });
    const json = await cli(["--key", arn, "--regions", "eu-west-1", "--copy-all"]);
    expect(json.json?.regions[0]).toMatchObject({ status: "exists", applied: null });
    expect((json.json?.regions[0] as unknown as { converged: unknown[] }).converged).toEqual([
      { op: "description", from: "Payments key", to: "Payments key v2" },
    ]);
  });

  it("without --copy-*/--tag/--description/--policy, existing replicas are left as they are", async () => {
    const arn = family(["eu-west-1"]);
    const run = await cli(["--key", arn, "--regions", "eu-west-1"]);
    expect(run.code).toBe(0);
    expect(run.json?.regions[0]?.status).toBe("exists");
    expect(writes()).toBe(0);
    expect(keyIn("eu-west-1").tags).toEqual({});
  });
});
