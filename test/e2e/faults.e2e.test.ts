// Failures over the wire: throttling, 5xx, dropped connections, eventual consistency, a Region
// that never finishes, a Region not enabled, replicas in bad states, Ctrl-C.
import { describe, expect, it } from "vitest";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 150 });

function primaryArn(input: Record<string, unknown> = {}): string {
  return String(kms().createKey("us-east-1", { MultiRegion: true, ...input }).Arn);
}

const replicate = (arn: string, regions: string, ...flags: string[]) =>
  runCli(["--key", arn, "--regions", regions, "--endpoint-url", kms().url, "-o", "json", ...flags]);

describe("transient failures are retried, with a bound", () => {
  it("survives a throttling storm on ReplicateKey and on one Region's polls", async () => {
    const arn = primaryArn();
    kms().configure({
      faults: [
        { region: "us-east-1", operation: "ReplicateKey", throttle: { count: 4 } },
        { region: "eu-west-1", operation: "DescribeKey", throttle: { rate: 0.5 } },
      ],
    });
    const run = await replicate(arn, "eu-west-1,eu-central-1");
    expect(run.code).toBe(0);
    expect(run.json?.regions.map((r) => r.status)).toEqual(["created", "created"]);
    const replicateCalls = kms().calls({ operation: "ReplicateKey" });
    expect(replicateCalls.filter((c) => c.errorType === "ThrottlingException")).toHaveLength(4);
    expect(replicateCalls.filter((c) => c.status === 200)).toHaveLength(2);
    // Bounded: 2 Regions × at most 7 attempts each.
    expect(replicateCalls.length).toBeLessThanOrEqual(14);
    expect(kms().callCount("eu-west-1", "DescribeKey")).toBeLessThan(40);
    // The person watching is told why nothing moves, once per call, not at every attempt.
    expect(run.stderr).toMatch(
      /⚠ ReplicateKey in us-east-1 \(for eu-(west|central)-1\) failed twice \(ThrottlingException\); retrying/,
    );
    expect(run.stderr.match(/failed twice/g)?.length ?? 0).toBeLessThanOrEqual(4);
  });

  it("keeps ReplicateKey within 5 per second, retries included", async () => {
    const arn = primaryArn();
    kms().configure({ faults: [{ operation: "ReplicateKey", throttle: { count: 6 } }] });
    const regions = [
      "eu-west-1",
      "eu-west-2",
      "eu-west-3",
      "eu-central-1",
      "eu-north-1",
      "ap-south-1",
      "ap-southeast-1",
    ];
    const run = await replicate(arn, regions.join(","));
    expect(run.code).toBe(0);
    const times = kms()
      .calls({ operation: "ReplicateKey" })
      .map((c) => c.at);
    expect(times).toHaveLength(regions.length + 6);
    for (const start of times) {
      expect(times.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(5);
    }
  });

  it("retries a 500 twice, then succeeds", async () => {
    const arn = primaryArn();
    kms().configure({ faults: [{ operation: "ReplicateKey", internalError: { count: 2 } }] });
    const run = await replicate(arn, "eu-west-1");
    expect(run.code).toBe(0);
    expect(
      kms()
        .calls({ operation: "ReplicateKey" })
        .map((c) => c.status),
    ).toEqual([500, 500, 200]);
  });

  it("retries a poll whose connection was dropped", async () => {
    const arn = primaryArn();
    kms().configure({
      faults: [{ region: "eu-west-1", operation: "DescribeKey", dropConnection: { count: 1 } }],
    });
    const run = await replicate(arn, "eu-west-1");
    expect(run.code).toBe(0);
    expect(run.json?.regions[0]).toMatchObject({ status: "created", keyState: "Enabled" });
    expect(kms().calls({ region: "eu-west-1" })[0]?.status).toBe(0);
  });

  it("tolerates NotFoundException right after creation (eventual consistency)", async () => {
    const arn = primaryArn();
    kms().configure({ hiddenDescribesByRegion: { "eu-west-1": 3 } });
    const run = await replicate(arn, "eu-west-1");
    expect(run.code).toBe(0);
    const answers = kms()
      .calls({ region: "eu-west-1", operation: "DescribeKey" })
      .map((c) => c.errorType ?? c.keyState);
    expect(answers.slice(0, 3)).toEqual(["NotFoundException", "NotFoundException", "NotFoundException"]);
    expect(answers.at(-1)).toBe("Enabled");
  });
});

describe("one Region's failure is that Region's only", () => {
  it("a Region stuck in Creating ends in exit 3 with valid JSON; the others are created", async () => {
    const arn = primaryArn();
    kms().configure({ creatingDelayByRegion: { "ap-southeast-2": null } });
    const run = await replicate(arn, "eu-west-1,ap-southeast-2", "--timeout", "2s");
    expect(run.code).toBe(3);
    expect(run.json?.exitCode).toBe(3);
    const stuck = run.json?.regions.find((r) => r.region === "ap-southeast-2");
    expect(stuck).toMatchObject({ status: "timeout", keyState: "Creating" });
    expect(stuck?.note).toMatch(/may still finish/);
    expect(run.json?.regions.find((r) => r.region === "eu-west-1")?.status).toBe("created");
    expect(kms().keys("ap-southeast-2")[0]?.state).toBe("Creating");
  });

  it("a Region not enabled for the account fails alone (exit 1) with a hint", async () => {
    const arn = primaryArn();
    kms().configure({ disabledRegions: ["ap-south-2"] });
    const run = await replicate(arn, "eu-west-1,ap-south-2");
    expect(run.code).toBe(1);
    const failed = run.json?.regions.find((r) => r.region === "ap-south-2");
    expect(failed?.error?.name).toBe("UnsupportedOperationException");
    expect(failed?.error?.hint).toMatch(/must be enabled for the account/);
    expect(kms().keys("ap-south-2")).toEqual([]);
    expect(run.json?.regions.find((r) => r.region === "eu-west-1")?.status).toBe("created");
  });

  it("a replica Region whose endpoint rejects the credentials fails alone with a hint", async () => {
    const arn = primaryArn();
    // ReplicateKey (sent to us-east-1) succeeds; every call to eu-central-1 is refused.
    kms().configure({ faults: [{ region: "eu-central-1", accessDenied: true }] });
    const run = await replicate(arn, "eu-west-1,eu-central-1");
    expect(run.code).toBe(1);
    const failed = run.json?.regions.find((r) => r.region === "eu-central-1");
    expect(failed).toMatchObject({ status: "failed", error: { name: "AccessDeniedException" } });
    expect(failed?.error?.hint).toMatch(/kms:DescribeKey in eu-central-1/);
    expect(run.json?.regions.find((r) => r.region === "eu-west-1")?.status).toBe("created");
  });

  it("AccessDenied on ReplicateKey names the permission; nothing is created", async () => {
    const arn = primaryArn();
    kms().configure({ faults: [{ operation: "ReplicateKey", accessDenied: true }] });
    const run = await replicate(arn, "eu-west-1");
    expect(run.code).toBe(1);
    expect(run.json?.regions[0]?.error?.hint).toMatch(/kms:ReplicateKey.*kms:CreateKey/);
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(1);
    expect(kms().keys("eu-west-1")).toEqual([]);
  });

  it("an existing replica pending deletion fails with how to recover", async () => {
    const arn = primaryArn();
    await replicate(arn, "eu-west-1");
    kms().invoke("eu-west-1", "ScheduleKeyDeletion", {
      KeyId: arn.replace("us-east-1", "eu-west-1"),
      PendingWindowInDays: 7,
    });
    const run = await replicate(arn, "eu-west-1,eu-central-1");
    expect(run.code).toBe(1);
    const west = run.json?.regions.find((r) => r.region === "eu-west-1");
    expect(west).toMatchObject({
      status: "failed",
      keyState: "PendingDeletion",
      error: { name: "ReplicaPendingDeletion" },
    });
    expect(west?.error?.hint).toMatch(/kms-replicate cancel-deletion --key .* --regions eu-west-1/);
    expect(run.json?.regions.find((r) => r.region === "eu-central-1")?.status).toBe("created");
  });

  it("an HMAC key into a Region without HMAC fails that Region with UnsupportedOperation", async () => {
    const arn = primaryArn({ KeySpec: "HMAC_256" });
    kms().configure({ hmacUnsupportedRegions: ["me-south-1"] });
    const run = await replicate(arn, "me-south-1,eu-west-1");
    expect(run.code).toBe(1);
    expect(run.json?.regions.find((r) => r.region === "me-south-1")?.error?.name).toBe(
      "UnsupportedOperationException",
    );
    expect(
      kms()
        .calls({ operation: "ReplicateKey" })
        .filter((c) => c.errorType === "UnsupportedOperationException"),
    ).toHaveLength(1);
  });
});

describe("imported key material and interruptions", () => {
  it("an EXTERNAL-origin key ends PendingImport (exit 0) with the import hint", async () => {
    const arn = primaryArn({ Origin: "EXTERNAL" });
    const run = await replicate(arn, "eu-west-1");
    expect(run.code).toBe(0);
    expect(run.json?.regions[0]).toMatchObject({ status: "created", keyState: "PendingImport" });
    expect(run.json?.regions[0]?.note).toMatch(/import the same key material/);
    expect(kms().keys("eu-west-1")[0]?.state).toBe("PendingImport");
  });

  it("SIGINT during the wait exits 130 with valid JSON that lists every Region", async () => {
    const arn = primaryArn();
    kms().configure({ creatingDelayByRegion: { "eu-central-1": null } });
    let sent = false;
    const run = await runCli(
      ["--key", arn, "--regions", "eu-west-1,eu-central-1", "--endpoint-url", kms().url, "-o", "json"],
      {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            // Interrupt once the fast Region is done and the stuck one is being polled.
            if (
              !sent &&
              kms().keys("eu-west-1")[0]?.state === "Enabled" &&
              kms().callCount("eu-central-1", "DescribeKey") > 1
            ) {
              sent = true;
              child.kill("SIGINT");
              clearInterval(timer);
            }
          }, 50);
          child.once("exit", () => clearInterval(timer));
        },
      },
    );
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.json?.exitCode).toBe(130);
    expect(run.json?.regions.map((r) => [r.region, r.status, r.keyState])).toEqual([
      ["eu-west-1", "created", "Enabled"],
      ["eu-central-1", "interrupted", "Creating"],
    ]);
    expect(run.json?.regions[1]?.note).toMatch(/exists in AWS/);
  });
});
