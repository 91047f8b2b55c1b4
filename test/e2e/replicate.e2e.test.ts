// The main job over real HTTP: the built bin against the local KMS endpoint.
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 150 });

const TARGETS = ["eu-west-1", "ap-southeast-2", "sa-east-1"];

function primaryArn(input: Record<string, unknown> = {}): string {
  return String(kms().createKey("us-east-1", { MultiRegion: true, ...input }).Arn);
}

describe("kms-replicate (happy path)", () => {
  it("replicates into three Regions and reports JSON on stdout", async () => {
    // GIVEN a multi-Region primary in us-east-1
    const arn = primaryArn();
    // WHEN
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      TARGETS.join(","),
      "--endpoint-url",
      kms().url,
      "--output",
      "json",
    ]);
    // THEN exit 0 and one JSON document
    expect(run.code).toBe(0);
    const doc = run.json;
    expect(doc).toMatchObject({ version: 1, command: "replicate", ok: true, exitCode: 0, dryRun: false });
    expect(doc?.primary).toMatchObject({ arn, region: "us-east-1", origin: "AWS_KMS" });
    expect(doc?.regions.map((r) => [r.region, r.status, r.keyState])).toEqual(
      TARGETS.map((r) => [r, "created", "Enabled"]),
    );
    expect(doc?.regions[0]?.replicaArn).toBe(arn.replace("us-east-1", "eu-west-1"));
    // AND the endpoint holds an Enabled replica in each Region
    for (const region of TARGETS) {
      expect(
        kms()
          .keys(region)
          .map((k) => [k.role, k.state]),
      ).toEqual([["REPLICA", "Enabled"]]);
    }
    // AND ReplicateKey went to the primary's Region, DescribeKey to each replica's own Region
    expect(
      kms()
        .calls({ operation: "ReplicateKey" })
        .map((c) => c.region),
    ).toEqual(["us-east-1", "us-east-1", "us-east-1"]);
    for (const region of TARGETS) expect(kms().callCount(region, "DescribeKey")).toBeGreaterThan(0);
    expect(kms().callCount("us-east-1", "DescribeKey")).toBe(1);
  });

  it("prints a line per Region and a summary on stderr in text mode, nothing on stdout, no ANSI codes", async () => {
    const arn = primaryArn();
    const run = await runCli(["--key", arn, "--regions", TARGETS.join(","), "--endpoint-url", kms().url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    for (const region of TARGETS) expect(run.stderr).toMatch(new RegExp(`✔ ${region}\\s+created\\s+Enabled`));
    expect(run.stderr).toMatch(/3 created in \d+\.\ds\./);
    expect(run.stderr).not.toContain("\u001b[");
  });

  it("is idempotent: a re-run reports every Region as existing and calls no ReplicateKey", async () => {
    const arn = primaryArn();
    const first = await runCli([
      "--key",
      arn,
      "--regions",
      TARGETS.join(","),
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(first.code).toBe(0);
    const before = kms().callCount(undefined, "ReplicateKey");
    const again = await runCli([
      "--key",
      arn,
      "--regions",
      TARGETS.join(","),
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(again.code).toBe(0);
    expect(again.json?.regions.map((r) => r.status)).toEqual(["exists", "exists", "exists"]);
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(before);
  });

  it("--dry-run creates nothing and shows the plan, existing replicas included", async () => {
    const arn = primaryArn({ Tags: [{ TagKey: "team", TagValue: "payments" }] });
    await runCli(["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url]);
    const replicateCalls = kms().callCount(undefined, "ReplicateKey");
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1,eu-central-1",
      "--copy-tags",
      "--dry-run",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(0);
    expect(run.json?.dryRun).toBe(true);
    expect(run.json?.regions.map((r) => [r.region, r.status])).toEqual([
      ["eu-west-1", "exists"],
      ["eu-central-1", "planned"],
    ]);
    expect(run.json?.regions[1]?.applied?.tags).toEqual([{ TagKey: "team", TagValue: "payments" }]);
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(replicateCalls);
    expect(kms().keys("eu-central-1")).toEqual([]);
  });

  it("finds the endpoint through AWS_ENDPOINT_URL_KMS, and the primary through an alias and --region", async () => {
    const arn = primaryArn();
    kms().invoke("us-east-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: arn });
    const run = await runCli(
      ["--key", "alias/payments", "--region", "us-east-1", "--regions", "eu-west-1", "-o", "json"],
      {
        env: { AWS_ENDPOINT_URL_KMS: kms().url },
      },
    );
    expect(run.code).toBe(0);
    expect(run.json?.primary?.arn).toBe(arn);
    expect(kms().keys("eu-west-1")).toHaveLength(1);
  });

  it("--no-wait returns while Creating, and `wait` then waits until Enabled", async () => {
    kms().configure({ creatingDelayMs: 800 });
    const arn = primaryArn();
    const quick = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1,eu-west-2",
      "--no-wait",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(quick.code).toBe(0);
    expect(quick.json?.regions.map((r) => [r.status, r.keyState])).toEqual([
      ["creating", "Creating"],
      ["creating", "Creating"],
    ]);
    const waited = await runCli(["wait", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    expect(waited.code).toBe(0);
    expect(waited.json?.command).toBe("wait");
    expect(waited.json?.regions.map((r) => [r.region, r.keyState]).sort()).toEqual([
      ["eu-west-1", "Enabled"],
      ["eu-west-2", "Enabled"],
    ]);
    expect(kms().keys("eu-west-1")[0]?.state).toBe("Enabled");
  });

  it("--debug logs one line per AWS call and never a secret or a signature", async () => {
    const arn = primaryArn();
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1",
      "--endpoint-url",
      kms().url,
      "--debug",
    ]);
    expect(run.code).toBe(0);
    // A line per call, after the lines that say where calls go (endpoints, proxies, certificates).
    const lines = run.stderr.split("\n").filter((l) => /^\[debug\] KMS\.\w+\(/.test(l));
    expect(lines.length).toBe(kms().calls().length);
    expect(run.stderr).toContain(`[debug] KMS endpoint: ${kms().url} (--endpoint-url)`);
    expect(run.stderr).toMatch(
      /^\[debug\] KMS\.ReplicateKey\(us-east-1 → eu-west-1\) attempt 1 \[\d+ms\] -> OK$/m,
    );
    expect(run.stderr).toMatch(/^\[debug\] KMS\.DescribeKey\(eu-west-1\) attempt 1 \[\d+ms\] -> OK$/m);
    expect(run.stderr).not.toContain("local-test-secret");
    expect(run.stderr).not.toContain("AKIDLOCALTEST");
    expect(run.stderr).not.toMatch(/Signature=|Authorization/i);
  });
});

describe("kms-replicate --copy-all, status and drift", () => {
  it("copies tags, description, policy and aliases; status then shows no drift", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    const arn = primaryArn({
      Description: "payments",
      Tags: [{ TagKey: "team", TagValue: "payments" }],
      Policy: policy,
    });
    kms().invoke("us-east-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: arn });
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1,ap-southeast-2",
      "--copy-all",
      "--tag",
      "env=prod",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(0);
    for (const region of ["eu-west-1", "ap-southeast-2"]) {
      const [replica] = kms().keys(region);
      expect(replica).toMatchObject({
        description: "payments",
        tags: { team: "payments", env: "prod" },
        policy,
        aliases: ["alias/payments"],
      });
    }
    expect(run.json?.regions[0]?.applied).toMatchObject({
      policySource: "primary",
      aliases: ["alias/payments"],
    });

    // status: the extra env=prod tag on the replicas is drift
    const status = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    expect(status.code).toBe(4);
    expect(status.json?.drift).toBe(true);
    expect(status.json?.keys?.find((k) => k.region === "eu-west-1")?.drift.map((d) => d.detail)).toEqual([
      "tags: extra env=prod",
    ]);

    // the same tag on the primary: no drift, exit 0
    kms().invoke("us-east-1", "TagResource", { KeyId: arn, Tags: [{ TagKey: "env", TagValue: "prod" }] });
    const clean = await runCli([
      "status",
      "--key",
      "alias/payments",
      "--region",
      "us-east-1",
      "--endpoint-url",
      kms().url,
    ]);
    expect(clean.code).toBe(0);
    expect(clean.stderr).toMatch(/3 keys, all usable, no drift\./);
  });

  it("fails only the Region where a copied alias is already taken by another key", async () => {
    const arn = primaryArn();
    kms().invoke("us-east-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: arn });
    const other = kms().createKey("eu-west-1", {});
    kms().invoke("eu-west-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: other.KeyId });
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1,eu-central-1",
      "--copy-aliases",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(1);
    const [west, central] = run.json?.regions ?? [];
    expect(west).toMatchObject({ status: "failed", keyState: "Enabled", error: { name: "AliasTaken" } });
    expect(west?.error?.message).toContain(String(other.KeyId));
    expect(central).toMatchObject({ status: "created", keyState: "Enabled" });
    expect(kms().keys("eu-central-1")[0]?.aliases).toEqual(["alias/payments"]);
  });

  it("status exits 1 when a replica is not usable", async () => {
    const arn = primaryArn();
    await runCli(["--key", arn, "--regions", "eu-west-1,eu-central-1", "--endpoint-url", kms().url]);
    kms().invoke("eu-west-1", "DisableKey", { KeyId: arn.replace("us-east-1", "eu-west-1") });
    const status = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    expect(status.code).toBe(1);
    expect(status.json?.keys?.map((k) => [k.region, k.role, k.keyState, k.usable])).toEqual([
      ["us-east-1", "PRIMARY", "Enabled", true],
      ["eu-central-1", "REPLICA", "Enabled", true],
      ["eu-west-1", "REPLICA", "Disabled", false],
    ]);
  });
});

describe("a reader that goes away (`| head`)", () => {
  const closeStdout = { onSpawn: (child: ChildProcess) => child.stdout?.destroy() };

  it("--help into a closed pipe exits 0 without a stack trace", async () => {
    // GIVEN / WHEN
    const run = await runCli(["--help"], closeStdout);
    // THEN
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE|Error|at /);
  });

  it("a run whose JSON reader is gone still does the job and keeps its exit code", async () => {
    // GIVEN
    const arn = primaryArn();
    // WHEN
    const run = await runCli(
      ["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url, "-o", "json"],
      closeStdout,
    );
    // THEN
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(kms().keys("eu-west-1")[0]?.state).toBe("Enabled");
  });
});
