// --timeout is a deadline for writes, and "in flight" means sent: the built bin against the local
// KMS endpoint with KMS's request quotas enforced, over real HTTP. After the deadline no write
// reaches the endpoint (its call log says when each arrived); keys and Regions not begun are
// notStarted (exit 3), with the command that finishes them; an interrupted fleet promote says "in
// flight" for exactly the calls the endpoint received and did not answer.
import { describe, expect, it } from "vitest";
import { fleetTools, keyIdOf } from "./fleet-support.js";
import { useLocalKms, type CliRun, type RunOptions } from "./run-cli.js";
import type { CallRecord } from "../support/local-kms/server.js";

const kms = useLocalKms({ creatingDelayMs: 0, enforceQuotas: true });
const { primary, fleet, cli } = fleetTools(kms);

const isWrite = (call: CallRecord): boolean => !/^(Describe|List)|^GetKeyPolicy$/.test(call.operation);

/**
 * Runs the CLI and says when its deadline was, on the endpoint's clock (epoch ms): the process
 * started `elapsedMs` (its document's) before it ended, and the deadline is `timeoutMs` after that.
 * Taken from the end, the start is never earlier than it was: the bound errs on the generous side.
 */
async function timed<T extends { run: CliRun }>(
  go: (options: RunOptions) => Promise<T>,
  timeoutMs: number,
  options: RunOptions = {},
): Promise<T & { deadline: number; elapsedMs: number }> {
  const result = await go(options);
  const ended = Date.now();
  const elapsedMs = Number((result.run.json as { elapsedMs?: number } | undefined)?.elapsedMs);
  expect(Number.isFinite(elapsedMs)).toBe(true);
  return { ...result, deadline: ended - elapsedMs + timeoutMs, elapsedMs };
}

/** No write of any kind arrived after the deadline (a margin for the trip over 127.0.0.1). */
function expectNoWriteAfter(deadline: number, since: number): CallRecord[] {
  const writes = kms()
    .calls()
    .filter((c) => c.at >= since && isWrite(c));
  const late = writes.filter((c) => c.at > deadline + 250);
  expect(late.map((c) => `${c.operation} ${c.region} +${c.at - deadline} ms`)).toEqual([]);
  return writes;
}

/** A primary in `region` with a replica in each of `replicas`, made as a setup step (not counted). */
function family(region: string, replicas: readonly string[]): string {
  const arn = String(kms().createKey(region, { MultiRegion: true }).Arn);
  for (const target of replicas) kms().invoke(region, "ReplicateKey", { KeyId: arn, ReplicaRegion: target });
  return arn;
}

describe("a fleet's --timeout is a deadline for writes", () => {
  it("promote --all-primaries: no UpdatePrimaryRegion after the deadline; the keys not begun are notStarted (exit 3)", async () => {
    // GIVEN 30 primaries in eu-west-1 with a replica in us-east-1; UpdatePrimaryRegion 5/s
    const keys = Array.from({ length: 30 }, () => family("eu-west-1", ["us-east-1"]));
    const since = Date.now();
    // WHEN the failover runs with --timeout 2s (30 calls need 6 s)
    const args = [
      "promote",
      "--all-primaries",
      "--region",
      "eu-west-1",
      "--to",
      "us-east-1",
      "--timeout",
      "2s",
    ];
    const { doc, run, deadline, elapsedMs } = await timed(() => fleet(args), 2_000);
    // THEN no UpdatePrimaryRegion reached the endpoint after the deadline
    const writes = expectNoWriteAfter(deadline, since);
    expect(writes.every((c) => c.operation === "UpdatePrimaryRegion")).toBe(true);
    // …and the run ended soon after it (reads after the deadline are bounded; generous for load)
    expect(elapsedMs).toBeLessThan(2_000 + 5_000);
    // AND exit 3, every key accounted for: the ones sent moved, the others notStarted, unchanged
    expect(run.code, run.stderr).toBe(3);
    expect(doc).toMatchObject({ version: 2, command: "promote", ok: false, exitCode: 3, error: null });
    const sent = doc.keys.filter((k) => k.updatePrimaryRegionCalls === 1);
    const notStarted = doc.keys.filter((k) => k.outcome === "notStarted");
    expect(sent.length).toBe(writes.length);
    expect(notStarted.length).toBeGreaterThan(0);
    expect(sent.length + notStarted.length).toBe(30);
    for (const entry of notStarted) {
      expect(entry).toMatchObject({ exitCode: 3, updatePrimaryRegionCalls: 0, error: null });
      expect((entry as { note?: string }).note).toMatch(
        /^--timeout ran out before UpdatePrimaryRegion was sent; nothing was changed\./,
      );
    }
    expect(doc.totals.keys).toMatchObject({ notStarted: notStarted.length, total: 30 });
    expect(doc.totals.outcomes).toMatchObject({ notStarted: notStarted.length });
    // …and the endpoint agrees: their primaries are still in eu-west-1
    const stillThere = new Set(
      kms()
        .keys("eu-west-1")
        .filter((k) => k.role === "PRIMARY")
        .map((k) => k.keyId),
    );
    expect(notStarted.every((k) => stillThere.has(keyIdOf(k.key)))).toBe(true);
    expect(keys.length).toBe(30);
    // AND stderr counts them, and gives the same command to finish
    expect(run.stderr).toMatch(new RegExp(`30 keys in \\d+s: .*${notStarted.length} notStarted`));
    expect(run.stderr).toContain(
      `--timeout ran out before everything was sent for ${notStarted.length} keys (notStarted: nothing was changed there). To finish (what is done counts as done):\n  kms-replicate promote --all-primaries --region eu-west-1 --to us-east-1 -o json --endpoint-url ${kms().url} --timeout 20m`,
    );
  });

  it("replicate --all-primaries: no ReplicateKey after the deadline; Regions not begun are notStarted, with no replica and no 'Creating'", async () => {
    // GIVEN 20 primaries in us-east-1, and us-west-2's CreateKey quota (2.5 replicas/s)
    const keys = Array.from({ length: 20 }, () => primary());
    const since = Date.now();
    // WHEN they are replicated with --timeout 2s (20 replicas need 8 s)
    const args = ["--all-primaries", "--region", "us-east-1", "--regions", "us-west-2", "--timeout", "2s"];
    const { doc, run, deadline } = await timed(() => fleet(args), 2_000);
    // THEN no ReplicateKey reached the endpoint after the deadline
    const writes = expectNoWriteAfter(deadline, since);
    expect(writes.every((c) => c.operation === "ReplicateKey")).toBe(true);
    // AND exit 3; each Region either had its ReplicateKey sent, or is notStarted with nothing made
    expect(run.code, run.stderr).toBe(3);
    const regions = doc.keys.flatMap((k) => (k.regions ?? []).map((r) => ({ key: k.key, ...r })));
    expect(regions).toHaveLength(20);
    const notStarted = regions.filter((r) => r.status === "notStarted");
    expect(notStarted.length).toBeGreaterThan(0);
    const accepted = writes.filter((c) => c.status === 200).length;
    expect(regions.length - notStarted.length).toBeLessThanOrEqual(writes.length);
    expect(regions.length - notStarted.length).toBeGreaterThanOrEqual(accepted);
    const held = new Set(
      kms()
        .keys("us-west-2")
        .map((k) => k.keyId),
    );
    for (const region of notStarted) {
      expect(region).toMatchObject({ keyState: null, replicaArn: null, error: null });
      expect(region.note).toMatch(/^--timeout ran out before ReplicateKey (was sent|could be sent again)/);
      expect(region.note).toContain("nothing was changed here");
      expect(held.has(keyIdOf(region.key))).toBe(false);
    }
    expect(doc.totals.regions).toMatchObject({ notStarted: notStarted.length });
    // …and keys with nothing begun are counted as such
    const keysNotStarted = doc.keys.filter((k) => k.regions?.every((r) => r.status === "notStarted")).length;
    expect(doc.totals.keys).toMatchObject({ notStarted: keysNotStarted, total: keys.length });
    // AND stderr gives the same command to finish (not only `wait`)
    expect(run.stderr).toContain(
      `To finish (what is done counts as done):\n  kms-replicate --all-primaries --region us-east-1 --regions us-west-2 -o json --endpoint-url ${kms().url} --timeout 20m`,
    );
    expect(run.stderr).not.toMatch(/notStarted[^\n]*Creating/);
  });
});

describe("one key with many Regions", () => {
  it("replicate --regions (12): no ReplicateKey after the deadline; the rest notStarted, each said on stderr", async () => {
    // GIVEN a primary, 12 target Regions, and ReplicateKey paced at 2/s (an account's quota)
    const arn = primary();
    const targets = [
      "us-west-1",
      "us-west-2",
      "us-east-2",
      "eu-west-1",
      "eu-west-2",
      "eu-west-3",
      "eu-central-1",
      "eu-north-1",
      "ap-southeast-1",
      "ap-southeast-2",
      "ap-northeast-1",
      "ap-south-1",
    ];
    const since = Date.now();
    // WHEN it is replicated with --timeout 2s (12 replicas need 6 s)
    const args = ["--key", arn, "--regions", targets.join(","), "--rate", "2", "--timeout", "2s"];
    const { run, deadline } = await timed(
      async (options) => ({ run: await cli([...args, "-o", "json"], options) }),
      2_000,
    );
    // THEN no ReplicateKey after the deadline
    const writes = expectNoWriteAfter(deadline, since);
    expect(writes.every((c) => c.operation === "ReplicateKey")).toBe(true);
    // AND exit 3; every Region sent or notStarted; the notStarted ones have no replica
    expect(run.code, run.stderr).toBe(3);
    const doc = run.json;
    expect(doc?.regions).toHaveLength(12);
    const notStarted = doc?.regions.filter((r) => r.status === "notStarted") ?? [];
    expect(notStarted.length).toBeGreaterThan(0);
    expect(doc?.summary.notStarted).toBe(notStarted.length);
    expect(12 - notStarted.length).toBeLessThanOrEqual(writes.length);
    for (const region of notStarted) {
      expect(region).toMatchObject({ keyState: null, replicaArn: null, applied: null });
      expect(kms().keys(region.region)).toEqual([]);
      // …on stderr: its line, never "Still Creating"
      expect(run.stderr).toMatch(new RegExp(`⏱ ${region.region} +notStarted +- `));
    }
    expect(run.stderr).not.toMatch(/Still Creating/);
    // …and how to finish: the same command, not `wait`
    expect(run.stderr).toContain(
      `To finish (what is done counts as done):\n  kms-replicate --key ${arn} --regions ${targets.join(",")} --rate 2 -o json --endpoint-url ${kms().url} --timeout 20m`,
    );
    expect(run.stderr).not.toContain("kms-replicate wait");
  });
});

describe("promote one key", () => {
  it("--timeout ran out before UpdatePrimaryRegion could be sent: notStarted, exit 3, nothing sent, the command to finish", async () => {
    // GIVEN a family, and a deadline that passes before the promotion can be sent
    const arn = family("us-east-1", ["eu-west-1"]);
    // WHEN
    const run = await cli(["promote", "--key", arn, "--to", "eu-west-1", "--timeout", "1ms", "-o", "json"]);
    // THEN
    expect(run.code, run.stderr).toBe(3);
    expect(run.json).toMatchObject({
      command: "promote",
      outcome: "notStarted",
      updatePrimaryRegionCalls: 0,
      accepted: false,
      error: null,
    });
    expect(kms().callCount(undefined, "UpdatePrimaryRegion")).toBe(0);
    expect(kms().keys("us-east-1")[0]?.role).toBe("PRIMARY");
    expect(run.stderr).toContain("--timeout ran out before UpdatePrimaryRegion was sent");
    expect(run.stderr).toContain(
      `To finish (what is done counts as done):\n  kms-replicate promote --key ${arn} --to eu-west-1 -o json --endpoint-url ${kms().url} --timeout 20m`,
    );
  });
});

describe("sync: a change after others", () => {
  it("the tags not sent before the deadline are pending, the Region timeout (not failed), and the same command finishes them", async () => {
    // GIVEN a primary with 3 tags and 4 replicas without them; TagResource paced at one per 2 s
    const arn = String(
      kms().createKey("us-east-1", {
        MultiRegion: true,
        Tags: ["a", "b", "c"].map((k) => ({ TagKey: k, TagValue: "1" })),
      }).Arn,
    );
    const replicas = ["eu-west-1", "eu-west-2", "ap-south-1", "sa-east-1"];
    for (const region of replicas)
      kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
    const since = Date.now();
    // WHEN sync runs with --timeout 2s (each replica needs 3 TagResource: 4 s)
    const args = ["sync", "--key", arn, "--copy-tags", "--quota", "TagResource=0.5", "--timeout", "2s"];
    const { run, deadline } = await timed(
      async (options) => ({ run: await cli([...args, "-o", "json"], options) }),
      2_000,
    );
    // THEN no TagResource after the deadline
    const writes = expectNoWriteAfter(deadline, since);
    expect(writes.every((c) => c.operation === "TagResource")).toBe(true);
    // AND exit 3; each Region lists what was applied and what was not sent
    expect(run.code, run.stderr).toBe(3);
    const regions = (run.json?.regions ?? []) as unknown as {
      region: string;
      status: string;
      operations: { op: string; key: string }[];
      pending: { op: string; key: string }[];
      note: string | null;
    }[];
    expect(regions).toHaveLength(4);
    for (const region of regions) {
      const applied = region.operations.length;
      expect(applied + region.pending.length).toBe(3);
      expect(region.pending.length).toBeGreaterThan(0);
      expect(region.status).toBe(applied === 0 ? "notStarted" : "timeout");
      expect(region.note).toMatch(/^--timeout ran out before TagResource [abc] was sent/);
      // …and the endpoint holds exactly what was applied
      const tags = kms().keys(region.region)[0]?.tags ?? {};
      expect(Object.keys(tags).sort()).toEqual(region.operations.map((o) => o.key).sort());
    }
    // AND stderr gives the same command to finish
    expect(run.stderr).toContain(
      `To finish (what is done counts as done):\n  kms-replicate sync --key ${arn} --copy-tags --quota TagResource=0.5 -o json --endpoint-url ${kms().url} --timeout 20m`,
    );
  });
});

describe("in flight means sent", () => {
  it("an interrupted fleet promote says 'in flight' for exactly the calls the endpoint received without answering", async () => {
    // GIVEN 20 keys to move, and an endpoint that takes every UpdatePrimaryRegion and never answers
    for (let i = 0; i < 20; i += 1) family("eu-west-1", ["us-east-1"]);
    kms().configure({ faults: [{ operation: "UpdatePrimaryRegion", stall: true }] });
    // WHEN SIGTERM comes once the endpoint holds 3 of them (the others wait for their quota slots)
    let signalled = false;
    const { doc, run } = await fleet(
      ["promote", "--all-primaries", "--region", "eu-west-1", "--to", "us-east-1"],
      {
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (!signalled && kms().callCount(undefined, "UpdatePrimaryRegion") >= 3) {
              signalled = true;
              child.kill("SIGTERM");
            }
          }, 20);
          child.once("exit", () => clearInterval(timer));
        },
      },
    );
    // THEN exit 143 with a document for every key
    expect(signalled).toBe(true);
    expect(run.code, run.stderr).toBe(143);
    expect(doc.keys).toHaveLength(20);
    // …and "in flight" exactly for the calls the endpoint received (all unanswered)
    const received = kms().calls({ operation: "UpdatePrimaryRegion" });
    expect(received.every((c) => c.fault === "stall")).toBe(true);
    const notes = doc.keys.map((k) => (k as { note?: string | null }).note ?? "");
    const inFlight = notes.filter((n) => /^Stopped while UpdatePrimaryRegion was in flight\b/.test(n));
    expect(inFlight.length).toBe(received.length);
    expect(inFlight.every((n) => n.includes("(sent, not answered)"))).toBe(true);
    expect(inFlight.length).toBeLessThan(20);
    // …and the others say nothing was sent, or that they never started
    const notSent = doc.keys.filter(
      (k, i) =>
        notes[i]?.startsWith("Stopped before UpdatePrimaryRegion was sent") === true ||
        k.error?.name === "Interrupted",
    );
    expect(inFlight.length + notSent.length).toBe(20);
  });
});
