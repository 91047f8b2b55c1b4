// `promote` end to end: the built bin against the local endpoint, checking what the endpoint holds
// afterwards, its call log, the exit code and the JSON (valid by the committed schema).
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { schemaErrors } from "../support/schema.js";
import { runCli, useLocalKms, type CliRun, type RunOptions } from "./run-cli.js";

const kms = useLocalKms({ updatingMs: 600 });

interface PromoteDoc {
  command: string;
  ok: boolean;
  exitCode: number;
  outcome: string | null;
  oldPrimary: { region: string; arn: string; keyState: string | null } | null;
  newPrimary: { region: string; arn: string; role: string | null; keyState: string | null } | null;
  keys: { region: string; role: string | null; keyState: string | null; primaryRegion: string | null }[];
  accepted: boolean;
  updatePrimaryRegionCalls: number;
  settleMs: number | null;
  note: string | null;
  error: { name: string; message: string; hint?: string } | null;
  warnings: string[];
}

/** A primary in us-east-1 with settled replicas in eu-west-1 and ap-southeast-2; its ARN. */
function family(): string {
  const arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
  for (const region of ["eu-west-1", "ap-southeast-2"]) {
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
  }
  return arn;
}

async function promote(
  args: readonly string[],
  code: number,
  options?: RunOptions,
): Promise<{ doc: PromoteDoc; run: CliRun }> {
  const run = await runCli(["promote", ...args, "--endpoint-url", kms().url, "-o", "json"], options);
  expect(run.json, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBeDefined();
  expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
  expect(run.code, run.stderr).toBe(code);
  const doc = JSON.parse(run.stdout) as PromoteDoc;
  expect(doc.command).toBe("promote");
  expect(doc.exitCode).toBe(code);
  return { doc, run };
}

const roles = (region: string) =>
  kms()
    .keys(region)
    .map((k) => [k.role, k.state]);
const updateCalls = () => kms().callCount(undefined, "UpdatePrimaryRegion");

describe("promote", () => {
  it("promotes a replica's Region; status shows it first as primary; replicate works from it", async () => {
    const arn = family();
    const started = performance.now();
    const { doc, run } = await promote(["--key", arn, "--to", "eu-west-1"], 0);
    const tookMs = performance.now() - started;
    expect(doc).toMatchObject({
      outcome: "promoted",
      accepted: true,
      updatePrimaryRegionCalls: 1,
      oldPrimary: { region: "us-east-1", arn },
      newPrimary: { region: "eu-west-1", role: "PRIMARY", keyState: "Enabled" },
      error: null,
    });
    expect(doc.settleMs).toBeGreaterThanOrEqual(500); // the endpoint's 600 ms of Updating
    expect(tookMs).toBeLessThan(5_000);
    expect(doc.keys.map((k) => [k.region, k.role, k.keyState, k.primaryRegion])).toEqual([
      ["eu-west-1", "PRIMARY", "Enabled", "eu-west-1"],
      ["ap-southeast-2", "REPLICA", "Enabled", "eu-west-1"],
      ["us-east-1", "REPLICA", "Enabled", "eu-west-1"],
    ]);
    expect(doc.note).toMatch(/now follow the new primary in eu-west-1/);
    expect(doc.warnings).toEqual([]); // the default policy allows kms:* for the account
    // the endpoint holds the new roles; the call went to the old primary's Region
    expect(roles("eu-west-1")).toEqual([["PRIMARY", "Enabled"]]);
    expect(roles("us-east-1")).toEqual([["REPLICA", "Enabled"]]);
    expect(
      kms()
        .calls({ operation: "UpdatePrimaryRegion" })
        .map((c) => [c.region, c.status]),
    ).toEqual([["us-east-1", 200]]);
    expect(run.stderr).toMatch(/Promoting mrk-.*from us-east-1 to eu-west-1/);

    // status, named by the old primary's ARN: the new primary first
    const status = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    expect(status.json?.keys?.map((k) => [k.region, k.role])).toEqual([
      ["eu-west-1", "PRIMARY"],
      ["ap-southeast-2", "REPLICA"],
      ["us-east-1", "REPLICA"],
    ]);

    // replicate from the new primary into a new Region
    const newArn = arn.replace("us-east-1", "eu-west-1");
    const replicate = await runCli([
      "--key",
      newArn,
      "--regions",
      "sa-east-1",
      "--endpoint-url",
      kms().url,
      "-o",
      "json",
    ]);
    expect(replicate.code, replicate.stderr).toBe(0);
    expect(replicate.json?.regions.map((r) => [r.region, r.status])).toEqual([["sa-east-1", "created"]]);
    expect(kms().keys("sa-east-1")[0]).toMatchObject({ role: "REPLICA", state: "Enabled" });
  });

  it("KMS showing both keys as replicas while Updating: still waits for the new primary", async () => {
    kms().configure({ updatingShowsReplicas: true });
    const { doc } = await promote(["--key", family(), "--to", "eu-west-1"], 0);
    expect(doc).toMatchObject({ outcome: "promoted", newPrimary: { role: "PRIMARY", keyState: "Enabled" } });
    // some poll saw the new primary Updating (shown as a REPLICA) before it was seen settled
    expect(
      kms()
        .calls({ region: "eu-west-1", operation: "DescribeKey" })
        .some((c) => c.keyState === "Updating"),
    ).toBe(true);
  });

  it("names a replica with --key (alias in its Region): the primary is found", async () => {
    const arn = family();
    const keyId = arn.split("/")[1] ?? "";
    kms().invoke("ap-southeast-2", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: keyId });
    const { doc } = await promote(
      ["--key", "alias/payments", "--region", "ap-southeast-2", "--to", "eu-west-1"],
      0,
    );
    expect(doc).toMatchObject({ outcome: "promoted", oldPrimary: { region: "us-east-1" } });
  });

  it("already the primary: exit 0, no UpdatePrimaryRegion call (a runbook's second run)", async () => {
    const arn = family();
    await promote(["--key", arn, "--to", "eu-west-1"], 0);
    const calls = updateCalls();
    const { doc, run } = await promote(["--key", arn, "--to", "eu-west-1"], 0);
    expect(doc).toMatchObject({ outcome: "unchanged", updatePrimaryRegionCalls: 0 });
    expect(updateCalls()).toBe(calls);
    expect(run.stderr).toMatch(/already the primary/);
  });

  it("waits for a target still Creating, then promotes", async () => {
    // Creating for long enough that the CLI sees it so, however slowly it starts on a busy machine.
    kms().configure({ creatingDelayByRegion: { "eu-west-1": 4_000 } });
    const arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
    expect(kms().keys("eu-west-1")[0]?.state).toBe("Creating");
    const { doc } = await promote(["--key", arn, "--to", "eu-west-1"], 0);
    expect(doc).toMatchObject({ outcome: "promoted", updatePrimaryRegionCalls: 1 });
    // UpdatePrimaryRegion came only after a DescribeKey saw it Enabled
    const log = kms().calls();
    const sentAt = log.findIndex((c) => c.operation === "UpdatePrimaryRegion");
    expect(log.slice(0, sentAt).some((c) => c.region === "eu-west-1" && c.keyState === "Enabled")).toBe(true);
    expect(log.slice(0, sentAt).some((c) => c.region === "eu-west-1" && c.keyState === "Creating")).toBe(
      true,
    );
  });

  it.each([
    ["Disabled", "DisableKey", {}],
    ["PendingDeletion", "ScheduleKeyDeletion", { PendingWindowInDays: 7 }],
  ])("target %s: exit 2 with what to do, nothing changed", async (state, operation, input) => {
    const arn = family();
    kms().invoke("eu-west-1", operation, { KeyId: arn.replace("us-east-1", "eu-west-1"), ...input });
    const { doc } = await promote(["--key", arn, "--to", "eu-west-1"], 2);
    expect(doc.error?.message).toMatch(new RegExp(`eu-west-1 is ${state}.*nothing was changed`));
    expect(doc.error?.hint).toMatch(
      state === "Disabled" ? /aws kms enable-key/ : /kms-replicate cancel-deletion --key/,
    );
    expect(updateCalls()).toBe(0);
    expect(roles("us-east-1")).toEqual([["PRIMARY", "Enabled"]]);
  });

  it("a Region without a replica: exit 2, no call", async () => {
    const { doc } = await promote(["--key", family(), "--to", "sa-east-1"], 2);
    expect(doc.error?.message).toMatch(/no replica in sa-east-1/);
    expect(updateCalls()).toBe(0);
  });

  it("--dry-run: every check, no call", async () => {
    const { doc, run } = await promote(["--key", family(), "--to", "eu-west-1", "--dry-run"], 0);
    expect(doc).toMatchObject({ outcome: "planned", updatePrimaryRegionCalls: 0 });
    expect(updateCalls()).toBe(0);
    expect(run.stderr).toMatch(/Dry run: would promote/);
  });

  it("Updating longer than --timeout: exit 3, the promotion accepted and may still complete", async () => {
    kms().configure({ updatingMsByRegion: { "eu-west-1": null } });
    const { doc, run } = await promote(["--key", family(), "--to", "eu-west-1", "--timeout", "1500ms"], 3);
    expect(doc).toMatchObject({ outcome: "timeout", accepted: true, updatePrimaryRegionCalls: 1 });
    expect(doc.note).toMatch(/the promotion was accepted and may still complete; re-run promote or status/i);
    expect(doc.newPrimary?.keyState).toBe("Updating");
    expect(run.stderr).toMatch(/may still complete/);
    // The command to paste: the same one, with the run's values and a longer --timeout
    expect(run.stderr).toMatch(
      /To see it through \(a done promotion counts as done\):\n {2}kms-replicate promote --key \S+ --to eu-west-1 .*--timeout 20m\n/,
    );
  });

  it("retries 'not a multi-Region primary key' right after another promotion", async () => {
    kms().configure({ faults: [{ operation: "UpdatePrimaryRegion", notPrimary: { count: 2 } }] });
    const { doc } = await promote(["--key", family(), "--to", "eu-west-1"], 0);
    expect(doc).toMatchObject({ outcome: "promoted", updatePrimaryRegionCalls: 3 });
    expect(
      kms()
        .calls({ operation: "UpdatePrimaryRegion" })
        .map((c) => c.errorType ?? "OK"),
    ).toEqual(["UnsupportedOperationException", "UnsupportedOperationException", "OK"]);
  });

  it("warns when the new primary's key policy does not allow kms:ReplicateKey", async () => {
    const arn = family();
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: ["kms:Describe*", "kms:Get*", "kms:PutKeyPolicy", "kms:UpdatePrimaryRegion"],
          Resource: "*",
        },
      ],
    });
    kms().invoke("eu-west-1", "PutKeyPolicy", {
      KeyId: arn.replace("us-east-1", "eu-west-1"),
      PolicyName: "default",
      Policy: policy,
    });
    const { doc, run } = await promote(["--key", arn, "--to", "eu-west-1"], 0);
    expect(doc.warnings.join("\n")).toMatch(/does not allow kms:ReplicateKey.*new replicas would be refused/);
    expect(run.stderr).toMatch(/⚠ The key policy of the new primary in eu-west-1/);
  });

  it.each([
    { signal: "SIGINT", code: 130 },
    { signal: "SIGTERM", code: 143 },
  ] as const)(
    "$signal during the settle wait: $code, valid JSON with the state seen",
    async ({ signal, code }) => {
      kms().configure({ updatingMsByRegion: { "eu-west-1": null, "us-east-1": null } });
      const sent: string[] = [];
      const onSpawn = (child: ChildProcess): void => {
        const timer = setInterval(() => {
          if (
            sent.length === 0 &&
            kms()
              .calls({ region: "eu-west-1", operation: "DescribeKey" })
              .some((c) => c.keyState === "Updating")
          ) {
            clearInterval(timer);
            child.kill(signal);
            sent.push(signal);
          }
        }, 50);
        child.once("exit", () => clearInterval(timer));
      };
      const { doc, run } = await promote(["--key", family(), "--to", "eu-west-1"], code, { onSpawn });
      expect(sent).toEqual([signal]);
      expect(doc).toMatchObject({ outcome: "interrupted", accepted: true });
      expect(doc.newPrimary?.keyState).toBe("Updating");
      expect(doc.note).toMatch(/accepted and completes on its own/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it("usage: --to is required (exit 2, the promote document)", async () => {
    const run = await runCli(["promote", "--key", "k", "-o", "json"]);
    expect(run.code).toBe(2);
    expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
    expect(JSON.parse(run.stdout)).toMatchObject({ command: "promote", error: { name: "UsageError" } });
  });
});
