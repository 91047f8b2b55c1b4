// An outcome is what was verified: a replica never read is not `exists`, a replica seen Creating and
// not waited for is `creating`, a lost ReplicateKey answer still gets everything a new replica gets,
// `--timeout` is a wall-clock bound, and `status` keeps what it could read.
import { describe, expect, it } from "vitest";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 150 });

function primaryArn(input: Record<string, unknown> = {}): string {
  return String(kms().createKey("us-east-1", { MultiRegion: true, ...input }).Arn);
}

const replicate = (arn: string, regions: string, ...flags: string[]) =>
  runCli(["--key", arn, "--regions", regions, "--endpoint-url", kms().url, "-o", "json", ...flags]);

/** A replica of `arn` in `region`, set up directly on the endpoint (not through the CLI). */
function replicaOf(arn: string, region: string): string {
  const output = kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region }) as {
    ReplicaKeyMetadata: { Arn: string };
  };
  return output.ReplicaKeyMetadata.Arn;
}

/** Every DescribeKey in `region` answers KMSInternalException (HTTP 500). */
const describeAlways500 = (region: string) => ({
  faults: [{ region, operation: "DescribeKey", internalError: { count: 1_000_000 } }],
});

describe("a replica that could not be read is never reported exists", () => {
  it("--no-wait and --dry-run: an existing replica whose DescribeKey answers 500 is failed (exit 1) with the last error", async () => {
    // GIVEN two primaries with a replica in eu-west-1, a Region that answers 500 to every DescribeKey
    const [noWait, dryRun] = [primaryArn(), primaryArn()];
    replicaOf(noWait, "eu-west-1");
    replicaOf(dryRun, "eu-west-1");
    kms().configure(describeAlways500("eu-west-1"));
    // WHEN (at once: each spends the retry layer's whole backoff, about 13 to 25 s)
    const runs = await Promise.all([
      replicate(noWait, "eu-west-1", "--no-wait"),
      replicate(dryRun, "eu-west-1", "--dry-run"),
    ]);
    // THEN
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.json?.exitCode).toBe(1);
      const [west] = run.json?.regions ?? [];
      expect(west).toMatchObject({ region: "eu-west-1", status: "failed", keyState: null });
      expect(west?.error?.name).toBe("KMSInternalException");
      expect(west?.error?.message).toMatch(/could not be read \(DescribeKey, 7 attempts\)/);
      expect(run.json?.summary.exists).toBe(0);
      expect(run.stderr).not.toMatch(/✔ eu-west-1/);
    }
    expect(kms().callCount("eu-west-1", "DescribeKey")).toBe(14);
  }, 60_000);
});

describe("a replica seen Creating and not waited for is `creating`, not ✔ exists", () => {
  it.each([["--no-wait"], ["--dry-run"]])(
    "%s: an existing replica still Creating is creating (exit 0), with a note",
    async (flag) => {
      // GIVEN a replica that stays Creating
      kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
      const arn = primaryArn();
      replicaOf(arn, "eu-west-1");
      // WHEN
      const run = await replicate(arn, "eu-west-1", flag);
      // THEN
      expect(run.code).toBe(0);
      const [west] = run.json?.regions ?? [];
      expect(west).toMatchObject({ status: "creating", keyState: "Creating" });
      expect(west?.note).toContain(`not waited for (${flag})`);
      expect(run.json?.summary).toMatchObject({ creating: 1, exists: 0 });
      expect(run.stderr).toMatch(/◐ eu-west-1 +creating +Creating/);
      expect(run.stderr).not.toMatch(/✔/);
    },
  );

  it("--no-wait: a replica just requested is creating (exit 0), with what it was given", async () => {
    // GIVEN
    const arn = primaryArn();
    // WHEN
    const run = await replicate(arn, "eu-west-1", "--no-wait", "--tag", "team=payments");
    // THEN
    expect(run.code).toBe(0);
    const [west] = run.json?.regions ?? [];
    expect(west).toMatchObject({ status: "creating", keyState: "Creating" });
    expect(west?.note).toMatch(/Requested; not waited for \(--no-wait\)/);
    expect(west?.applied?.tags).toEqual([{ TagKey: "team", TagValue: "payments" }]);
    expect(kms().callCount("eu-west-1", "DescribeKey")).toBe(0);
  });
});

describe("a lost ReplicateKey answer", () => {
  it("the replica found by AlreadyExistsException on the retry gets its aliases and `applied`", async () => {
    // GIVEN a primary with an alias, and a ReplicateKey that is executed but whose answer is lost
    const arn = primaryArn();
    kms().invoke("us-east-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: arn });
    kms().configure({ faults: [{ operation: "ReplicateKey", processThenDrop: { count: 1 } }] });
    // WHEN
    const run = await replicate(arn, "eu-west-1", "--copy-aliases", "--tag", "team=payments");
    // THEN
    expect(run.code).toBe(0);
    const answers = kms()
      .calls({ operation: "ReplicateKey" })
      .map((c) => c.errorType ?? c.status);
    expect(answers).toEqual([0, "AlreadyExistsException"]);
    const [west] = run.json?.regions ?? [];
    expect(west).toMatchObject({ status: "created", keyState: "Enabled" });
    expect(west?.applied).toEqual({
      tags: [{ TagKey: "team", TagValue: "payments" }],
      description: null,
      policySource: "default",
      aliases: ["alias/payments"],
    });
    const [replica] = kms().keys("eu-west-1");
    expect(replica?.aliases).toEqual(["alias/payments"]);
    expect(replica?.tags).toEqual({ team: "payments" });
  });
});

describe("--timeout is a wall-clock bound on the wait", () => {
  it("`wait --timeout 3s` against DescribeKey answering 500 ends at the deadline: exit 3, JSON, the last error", async () => {
    // GIVEN a replica whose Region answers 500 to every DescribeKey
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    kms().configure(describeAlways500("eu-west-1"));
    // WHEN
    const started = performance.now();
    const run = await runCli([
      "wait",
      "--key",
      arn,
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
      "--timeout",
      "3s",
    ]);
    const tookMs = performance.now() - started;
    // THEN within the timeout plus start-up and a generous margin for a busy machine (measured:
    // 3.1–3.3 s). Before the fix the first poll ran its 7 attempts, at least 12.75 s of backoff.
    expect(run.code).toBe(3);
    expect(run.json?.exitCode).toBe(3);
    expect(tookMs).toBeGreaterThanOrEqual(3_000);
    expect(tookMs).toBeLessThan(3_000 + 4_000);
    const [west] = run.json?.regions ?? [];
    expect(west).toMatchObject({ status: "timeout", keyState: null });
    expect(west?.note).toMatch(
      /^DescribeKey never answered with the replica's state: KMSInternalException \(HTTP 500\)( ×\d+)?\. /,
    );
    expect(west?.note).not.toMatch(/Still Creating/);
    const calls = kms().callCount("eu-west-1", "DescribeKey");
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(7);
  });

  it("a Region stuck in Creating ends at the deadline too", async () => {
    // GIVEN
    kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    // WHEN
    const started = performance.now();
    const run = await runCli([
      "wait",
      "--key",
      arn,
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
      "--timeout",
      "3s",
    ]);
    const tookMs = performance.now() - started;
    // THEN
    expect(run.code).toBe(3);
    expect(tookMs).toBeLessThan(3_000 + 4_000);
    expect(run.json?.regions[0]).toMatchObject({ status: "timeout", keyState: "Creating" });
    expect(run.json?.regions[0]?.note).toMatch(
      /^Still Creating when the timeout ran out\. It may still finish/,
    );
  });

  it("a wait that read Creating and then only got 500s says both", async () => {
    // GIVEN a replica that stays Creating; its Region answers the first DescribeKey, then only 500s
    kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    // WHEN
    const run = await runCli(
      ["wait", "--key", arn, "--endpoint-url", kms().url, "-o", "json", "--timeout", "3s"],
      {
        onSpawn: () => {
          const poll = setInterval(() => {
            if (kms().callCount("eu-west-1", "DescribeKey") >= 1) {
              kms().configure(describeAlways500("eu-west-1"));
              clearInterval(poll);
            }
          }, 5);
        },
      },
    );
    // THEN
    expect(run.code).toBe(3);
    expect(run.json?.regions[0]).toMatchObject({ status: "timeout", keyState: "Creating" });
    expect(run.json?.regions[0]?.note).toMatch(
      /^Still Creating when the timeout ran out\. Since then, DescribeKey failed: KMSInternalException \(HTTP 500\)/,
    );
  });
});

describe("no Node.js warning with many Regions or keys", () => {
  // runCli fails any run that prints a "(node:NNN)" warning, such as MaxListenersExceededWarning.
  const TWELVE = [
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ca-central-1",
    "sa-east-1",
  ];

  it("replicate, wait and status with 12 Regions print no MaxListenersExceededWarning", async () => {
    // GIVEN replicas that take a moment, so that every Region waits at the same time
    kms().configure({ creatingDelayMs: 1_500 });
    const arn = primaryArn();
    // WHEN / THEN
    const created = await replicate(arn, TWELVE.join(","), "--rate", "100", "--concurrency", "12");
    expect(created.code).toBe(0);
    expect(created.json?.summary.created).toBe(12);
    const waited = await runCli(["wait", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    expect(waited.code).toBe(0);
    const status = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    expect(status.json?.keys).toHaveLength(13);
    for (const run of [created, waited, status]) expect(run.stderr).not.toMatch(/MaxListeners/);
  });
});

describe("status: a field that cannot be read is unknown for that field only", () => {
  it("GetKeyPolicy denied in one Region: state shown, other fields compared, `?` and a line saying why, exit 1", async () => {
    // GIVEN a replica (Enabled at once) whose description drifts, and whose key policy cannot be read
    kms().configure({ creatingDelayMs: 0 });
    const arn = primaryArn({ Description: "Payments key" });
    replicaOf(arn, "eu-west-1");
    kms().configure({ faults: [{ region: "eu-west-1", operation: "GetKeyPolicy", accessDenied: true }] });
    // WHEN
    const json = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    // THEN
    expect(json.code).toBe(1);
    const west = json.json?.keys?.find((k) => k.region === "eu-west-1") as
      | ((NonNullable<typeof json.json>["keys"] & object)[number] & {
          policy: string | null;
          error: unknown;
          fieldErrors: Record<string, { name: string; message: string } | null>;
        })
      | undefined;
    expect(west).toMatchObject({ keyState: "Enabled", usable: true, policy: null, error: null });
    expect(west?.fieldErrors.policy?.name).toBe("AccessDeniedException");
    expect(west?.fieldErrors.tags).toBeNull();
    expect(west?.drift.map((d) => d.field)).toEqual(["description"]);

    const text = await runCli(["status", "--key", arn, "--endpoint-url", kms().url]);
    expect(text.code).toBe(1);
    // The table on stdout (TSV: not a terminal); the note and the summary on stderr.
    expect(text.stdout).toMatch(/^eu-west-1\tREPLICA\tEnabled\t/m);
    expect(text.stderr).toMatch(/^eu-west-1: \? policy could not be read: AccessDeniedException/m);
    expect(text.stderr).toMatch(/1 field could not be read/);
  });

  it("ListResourceTags denied: the table shows ? for the tags", async () => {
    // GIVEN a replica, Enabled at once
    kms().configure({ creatingDelayMs: 0 });
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    kms().configure({ faults: [{ region: "eu-west-1", operation: "ListResourceTags", accessDenied: true }] });
    // WHEN
    const run = await runCli(["status", "--key", arn, "--endpoint-url", kms().url]);
    // THEN
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^eu-west-1\tREPLICA\tEnabled\t-\t\?\t/m);
    expect(run.stderr).toMatch(/^eu-west-1: \? tags could not be read: AccessDeniedException/m);
  });

  it("a replica PendingImport is not usable in status: it cannot be used until its material is imported (exit 1)", async () => {
    // GIVEN a key with imported material: its replica ends PendingImport
    const arn = primaryArn({ Origin: "EXTERNAL" });
    const created = await replicate(arn, "eu-west-1");
    expect(created.json?.regions[0]).toMatchObject({ status: "created", keyState: "PendingImport" });
    // WHEN
    const run = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    // THEN
    const west = run.json?.keys?.find((k) => k.region === "eu-west-1");
    expect(west).toMatchObject({ keyState: "PendingImport", usable: false });
    expect(run.code).toBe(1);
  });
});
