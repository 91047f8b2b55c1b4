// Fleets when things go wrong, end to end: one key failing among others, throttling and 5xx during a
// fleet, a Region that never leaves Creating, Ctrl-C and the re-run that finishes the rest, and
// promote over a selection (a regional failover) run twice. The built bin against the local KMS
// endpoint over real HTTP; what the endpoint holds and its call log are checked afterwards.
import { describe, expect, it } from "vitest";
import { fleetTools, inRegion, keyIdOf } from "./fleet-support.js";
import { useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 300 });
const { primary, held, fleet } = fleetTools(kms);

const TARGETS = ["eu-west-1", "ap-southeast-2"];
const ALL = ["--all-primaries", "--region", "us-east-1"];
/** KMS's quotas ten times over, as an account that had them raised would pass them. */
const RAISED = ["--quota", "ReplicateKey=50", "--quota", "CreateKey=50"];
const primaries = (n: number, tags: Record<string, string> = {}): string[] =>
  Array.from({ length: n }, () => primary(tags));
const replicateCalls = () => kms().calls({ operation: "ReplicateKey" });

describe("one key failing does not stop the others", () => {
  it("a key denied ReplicateKey fails with its hint; the other four are created (exit 1)", async () => {
    // GIVEN five primaries, and ReplicateKey denied for the third one only
    const keys = primaries(5);
    const denied = keys[2] ?? "";
    kms().configure({ faults: [{ keyId: denied, operation: "ReplicateKey", accessDenied: true }] });
    // WHEN
    const { doc, run } = await fleet([...ALL, "--regions", TARGETS.join(","), ...RAISED]);
    // THEN that key failed in each Region, with the error and what to do
    expect(run.code).toBe(1);
    expect(doc).toMatchObject({ ok: false, exitCode: 1, error: null });
    expect(doc.totals.keys).toEqual({
      ok: 4,
      failed: 1,
      timeout: 0,
      notStarted: 0,
      drift: 0,
      interrupted: 0,
      total: 5,
    });
    expect(doc.totals.regions).toMatchObject({ created: 8, failed: 2 });
    for (const entry of doc.keys) {
      if (entry.key !== denied) {
        expect(entry.regions?.map((r) => r.status)).toEqual(["created", "created"]);
        continue;
      }
      expect(entry).toMatchObject({ ok: false, exitCode: 1 });
      for (const region of entry.regions ?? []) {
        expect(region).toMatchObject({ status: "failed", error: { name: "AccessDeniedException" } });
        expect(region.error?.hint).toMatch(/^Grant kms:ReplicateKey on the primary key/);
      }
    }
    // AND the endpoint holds the other four keys' replicas
    const others = keys.filter((k) => k !== denied).map(keyIdOf);
    for (const region of TARGETS) expect(held(region)).toEqual(others.sort());
    // AND stderr shows the failure with its hint, then the summary lists it again
    const id = keyIdOf(denied);
    expect(run.stderr).toContain(`✖ ${id} (us-east-1) eu-west-1 failed: AccessDeniedException: `);
    expect(run.stderr).toMatch(/\n {2}→ Grant kms:ReplicateKey on the primary key/);
    expect(run.stderr).toMatch(/\n1 key failed:\n {2}✖ mrk-/);
    expect(run.stderr).toMatch(/5 keys in \d+s: 4 ok, 1 failed\./);
  });
});

describe("transient failures during a fleet", () => {
  it("throttling and 5xx on ReplicateKey are retried: every replica created once (exit 0)", async () => {
    // GIVEN 30% of ReplicateKey calls throttled, and 3 of them answered 500 (an account with raised
    // quotas, so that the run is as long as the retries make it)
    const keys = primaries(4);
    kms().configure({
      faults: [
        { operation: "ReplicateKey", throttle: { rate: 0.3 } },
        { operation: "ReplicateKey", internalError: { count: 3 } },
      ],
    });
    // WHEN
    const { doc, run } = await fleet([...ALL, "--regions", TARGETS.join(","), ...RAISED]);
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(doc.totals.keys).toMatchObject({ ok: 4, total: 4 });
    expect(doc.totals.regions).toMatchObject({ created: 8, failed: 0 });
    for (const region of TARGETS) expect(held(region)).toEqual(keys.map(keyIdOf).sort());
    const calls = replicateCalls();
    expect(calls.filter((c) => c.errorType === "ThrottlingException").length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.status === 500)).toHaveLength(3);
    expect(calls.filter((c) => c.status === 200)).toHaveLength(8);
    expect(calls.filter((c) => c.errorType === "AlreadyExistsException")).toEqual([]);
  });

  it("a Region that never leaves Creating: exit 3 at --timeout, those Regions timeout, the others created", async () => {
    // GIVEN
    kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
    const keys = primaries(4);
    // WHEN
    const started = performance.now();
    const { doc, run } = await fleet([...ALL, "--regions", TARGETS.join(","), "--timeout", "3s"]);
    const tookMs = performance.now() - started;
    // THEN
    expect(run.code, run.stderr).toBe(3);
    expect(doc.totals.keys).toMatchObject({ timeout: 4, ok: 0, failed: 0, total: 4 });
    expect(doc.totals.byRegion?.["eu-west-1"]).toMatchObject({ timeout: 4, created: 0 });
    expect(doc.totals.byRegion?.["ap-southeast-2"]).toMatchObject({ created: 4, timeout: 0 });
    for (const entry of doc.keys) {
      expect(entry.exitCode).toBe(3);
      expect(entry.regions?.find((r) => r.region === "eu-west-1")).toMatchObject({
        status: "timeout",
        keyState: "Creating",
      });
    }
    for (const arn of keys) {
      expect(run.stderr).toContain(`${keyIdOf(arn)} (us-east-1) eu-west-1 timeout (Creating)`);
    }
    // the run ends soon after --timeout (generous bound: a loaded machine)
    expect(tookMs).toBeLessThan(15_000);
  });
});

describe("interrupted, then re-run", () => {
  it("Ctrl-C mid-fleet: exit 130 with every key's state; the re-run does only what is missing", async () => {
    // GIVEN 12 primaries and KMS's quotas enforced at their real rate: 24 replicas take ~5 s
    kms().configure({ enforceQuotas: true });
    const keys = primaries(12);
    const args = [...ALL, "--regions", TARGETS.join(",")];
    // WHEN SIGINT once two keys have settled (a line each on stderr)
    let signalled = false;
    const first = await fleet(args, {
      onSpawn: (child) => {
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (!signalled && (stderr.match(/^✔ mrk-/gm)?.length ?? 0) >= 2) {
            signalled = true;
            child.kill("SIGINT");
          }
        });
      },
    });
    // THEN exit 130 and a document with every key: done, or interrupted
    expect(signalled).toBe(true);
    expect(first.run.code, first.run.stderr).toBe(130);
    const totals = first.doc.totals.keys;
    expect(totals.total).toBe(12);
    expect(totals.ok).toBeGreaterThanOrEqual(2);
    expect(totals.interrupted).toBeGreaterThanOrEqual(1);
    expect(totals.ok + totals.interrupted).toBe(12);
    for (const entry of first.doc.keys) {
      const statuses = entry.regions?.map((r) => r.status) ?? [];
      if (entry.exitCode === 0) expect(statuses).toEqual(["created", "created"]);
      else {
        expect(entry.exitCode).toBe(130);
        expect(statuses.includes("interrupted") || entry.error?.name === "Interrupted").toBe(true);
      }
    }
    // AND KMS's quotas were never exceeded
    expect(
      kms()
        .throttled()
        .filter((t) => t.quota > 0),
    ).toEqual([]);

    // WHEN the same command runs again (a request the signal cut may still have reached KMS: count
    // what the endpoint holds once its last request is surely in)
    await new Promise((resolve) => setTimeout(resolve, 300));
    const there = TARGETS.reduce((n, region) => n + held(region).length, 0);
    expect(there).toBeGreaterThanOrEqual(4);
    expect(there).toBeLessThan(24);
    const again = await fleet(args);
    // THEN every key has both replicas; what the first run made counts as `exists`
    expect(again.run.code, again.run.stderr).toBe(0);
    expect(again.doc.totals.keys).toMatchObject({ ok: 12, total: 12 });
    expect(again.doc.totals.regions).toMatchObject({ exists: there, created: 24 - there, failed: 0 });
    expect(again.run.stderr).toContain(`${there} of 24 replicas were there already`);
    for (const region of TARGETS) expect(held(region)).toEqual(keys.map(keyIdOf).sort());
    // AND no replica was requested twice
    const calls = replicateCalls();
    expect(calls.filter((c) => c.errorType === "AlreadyExistsException")).toEqual([]);
    expect(calls.filter((c) => c.status === 200)).toHaveLength(24);
  });
});

describe("promote over a selection: a regional failover", () => {
  it("moves every primary of us-east-1 to eu-west-1; a re-run finds them moved and sends nothing", async () => {
    // GIVEN three primaries in us-east-1 with settled replicas in eu-west-1, and a family whose
    // primary is in eu-central-1 with replicas in us-east-1 and eu-west-1 (not part of the failover)
    kms().configure({ creatingDelayMs: 0, updatingMs: 300 });
    const keys = primaries(3);
    for (const arn of keys)
      kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
    const elsewhere = String(kms().createKey("eu-central-1", { MultiRegion: true }).Arn);
    for (const region of ["us-east-1", "eu-west-1"]) {
      kms().invoke("eu-central-1", "ReplicateKey", { KeyId: elsewhere, ReplicaRegion: region });
    }
    const args = ["promote", ...ALL, "--to", "eu-west-1"];
    // WHEN
    const { doc, run } = await fleet(args);
    // THEN every key promoted
    expect(run.code, run.stderr).toBe(0);
    expect(doc).toMatchObject({ command: "promote", to: "eu-west-1", ok: true, error: null });
    expect(doc.selection).toMatchObject({ selected: 3 });
    expect(doc.keys.map((k) => [k.key, k.outcome, k.newPrimary?.region, k.newPrimary?.role])).toEqual(
      keys.map((arn) => [arn, "promoted", "eu-west-1", "PRIMARY"]),
    );
    expect(doc.totals.outcomes).toMatchObject({ promoted: 3, unchanged: 0, failed: 0 });
    // AND the endpoint holds every primary in eu-west-1; the other family is as it was
    const roles = (region: string) =>
      new Map(
        kms()
          .keys(region)
          .map((k) => [k.keyId, k.role]),
      );
    for (const arn of keys) {
      expect(roles("eu-west-1").get(keyIdOf(arn))).toBe("PRIMARY");
      expect(roles("us-east-1").get(keyIdOf(arn))).toBe("REPLICA");
    }
    expect(roles("eu-central-1").get(keyIdOf(elsewhere))).toBe("PRIMARY");
    expect(
      kms()
        .calls({ operation: "UpdatePrimaryRegion" })
        .map((c) => [c.region, c.status]),
    ).toEqual(keys.map(() => ["us-east-1", 200]));
    expect(run.stderr).toMatch(/^Promoting the keys as they are found\.$/m);
    expect(run.stderr).toMatch(/^Selected 3 keys\.$/m);
    for (const arn of keys) {
      expect(run.stderr).toContain(`✔ ${keyIdOf(arn)} (us-east-1) promoted: the primary is now in eu-west-1`);
    }

    // WHEN the runbook runs again
    const sent = kms().callCount(undefined, "UpdatePrimaryRegion");
    const again = await fleet(args);
    // THEN the keys of us-east-1 whose family moved are counted, unchanged; nothing is sent
    expect(again.run.code, again.run.stderr).toBe(0);
    expect(again.doc.selection).toMatchObject({ selected: 3 });
    expect(again.doc.keys.map((k) => [k.key, k.outcome])).toEqual(keys.map((arn) => [arn, "unchanged"]));
    expect(again.doc.totals.outcomes).toMatchObject({ unchanged: 3, promoted: 0 });
    expect(kms().callCount(undefined, "UpdatePrimaryRegion")).toBe(sent);
    expect(roles("eu-west-1").get(keyIdOf(keys[0] ?? ""))).toBe("PRIMARY");
    expect(again.run.stderr).toContain(
      `${keyIdOf(keys[0] ?? "")} (eu-west-1) unchanged: eu-west-1 is the primary already`,
    );
    expect(inRegion(keys[0] ?? "", "eu-west-1")).toBe(again.doc.keys[0]?.newPrimary?.arn);
  });
});
