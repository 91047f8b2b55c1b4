// What a person sees of a fleet, end to end (the built bin against the local endpoint): a dry run
// shows each key's plan as the run over one key does; Ctrl-C leaves a line per key it stopped at
// work and one summary line that tells those from the keys it stopped before any change, with the
// JSON document whole; on a terminal of 80 columns every key's line fits.
import { describe, expect, it } from "vitest";
import { fleetTools, keyIdOf } from "./fleet-support.js";
import { hasScript, runOnTerminal } from "./pty.js";
import { useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 0 });
const { primary, cli, fleet } = fleetTools(kms);

const ALL = ["--all-primaries", "--region", "us-east-1"];
const TARGETS = ["eu-west-1", "ap-southeast-2"];

/** `n` primaries of us-east-1, each with a replica in every target Region. */
function families(n: number): string[] {
  const keys = Array.from({ length: n }, () => primary());
  for (const arn of keys) {
    for (const region of TARGETS)
      kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
  }
  return keys;
}

/** What a terminal shows, a line each (ANSI moves and erasures end a line; NO_COLOR is set). */
const screenLines = (screen: string): string[] =>
  screen
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g"), "\n")
    .split(/\r|\n/)
    .filter((line) => line.trim() !== "");

describe("a fleet's dry run", () => {
  it("sync: each key's planned operations, as the run over one key shows them; nothing changed", async () => {
    // GIVEN 3 families whose replicas lack the description the run sets
    const keys = families(3);
    // WHEN
    const run = await cli(["sync", ...ALL, "--description", "payments", "--dry-run"]);
    const one = await cli(["sync", "--key", keys[0] ?? "", "--description", "payments", "--dry-run"]);
    // THEN every key, with its plan under it (the same line as under each Region of a one-key run)
    expect(run.code, run.stderr).toBe(0);
    const planLine = '~ description "" → "payments"';
    expect(one.stderr).toContain(`    ${planLine}`);
    for (const arn of keys) {
      expect(run.stderr).toContain(
        `○ ${keyIdOf(arn)} (us-east-1) planned ${[...TARGETS].sort().join(", ")}\n    ${planLine}\n`,
      );
    }
    // AND nothing was changed
    expect(kms().callCount(undefined, "UpdateKeyDescription")).toBe(0);
  });

  it("replicate: what each new replica would get, and what would change on one that is there", async () => {
    // GIVEN 2 primaries; one has a replica in eu-west-1 already
    const [first, second] = [primary(), primary()];
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: first, ReplicaRegion: "eu-west-1" });
    // WHEN
    const run = await cli([...ALL, "--regions", TARGETS.join(","), "--tag", "env=prod", "--dry-run"]);
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      [
        `✔ ${keyIdOf(first ?? "")} (us-east-1) exists eu-west-1; planned ap-southeast-2`,
        "    eu-west-1:",
        "      + tag env=prod",
        "    ap-southeast-2:",
        "      would get: tags env=prod; description none; policy KMS default; aliases none",
      ].join("\n"),
    );
    expect(run.stderr).toContain(
      `○ ${keyIdOf(second ?? "")} (us-east-1) planned eu-west-1, ap-southeast-2\n    would get: tags env=prod;`,
    );
    // AND nothing was sent that changes a key
    expect(kms().callCount(undefined, "ReplicateKey")).toBe(0);
    expect(kms().callCount(undefined, "TagResource")).toBe(0);
  });
});

describe("Ctrl-C on a fleet", () => {
  it("a line per key stopped at work, one summary line that counts the keys never started apart; the JSON whole", async () => {
    // GIVEN 40 primaries and KMS's quotas enforced at their real rate (80 replicas: ~16 s of CreateKey)
    kms().configure({ enforceQuotas: true, creatingDelayMs: 300 });
    Array.from({ length: 40 }, () => primary());
    // WHEN SIGINT once a replica is Creating
    let signalled = false;
    const { doc, run } = await fleet([...ALL, "--regions", TARGETS.join(",")], {
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (signalled || kms().keys("eu-west-1").length + kms().keys("ap-southeast-2").length < 2) return;
          signalled = true;
          clearInterval(timer);
          child.kill("SIGINT");
        }, 20);
        child.once("close", () => clearInterval(timer));
      },
    });
    // THEN exit 130 and every key in the document (valid by the schema: fleet() checks it)
    expect(signalled).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(doc.keys).toHaveLength(40);
    expect(doc.totals.keys.total).toBe(40);
    // AND on stderr: the start line, a line per key stopped at work, the selection, one summary line
    const lines = run.stderr.split("\n").filter((l) => l !== "");
    const stoppedAtWork = lines.filter((l) => l.startsWith("■ mrk-"));
    const summary = lines.at(-1) ?? "";
    const counts =
      /^40 keys in \S+: (?:(\d+) ok, )?(\d+) interrupted, (\d+) never started\. Stopped by a signal/.exec(
        summary,
      );
    expect(counts, run.stderr).not.toBeNull();
    const [, ok, interrupted, never] = counts ?? [];
    expect(stoppedAtWork).toHaveLength(Number(interrupted));
    expect(Number(never)).toBeGreaterThan(0);
    expect(Number(ok ?? 0) + Number(interrupted) + Number(never)).toBe(40);
    expect(lines.length).toBeLessThanOrEqual(Number(ok ?? 0) + Number(interrupted) + 3);
    // AND a key counted as never started had nothing sent: no replica of it anywhere
    const held = new Set([...kms().keys("eu-west-1"), ...kms().keys("ap-southeast-2")].map((k) => k.keyId));
    const shown = new Set(stoppedAtWork.map((l) => l.slice(2, 38)));
    const untouched = doc.keys.filter(
      (k) => k.exitCode === 130 && !shown.has(k.primary?.keyId ?? keyIdOf(k.key)),
    );
    expect(untouched).toHaveLength(Number(never));
    for (const k of untouched) expect(held.has(k.primary?.keyId ?? keyIdOf(k.key))).toBe(false);
  });
});

describe("a fleet's progress with --all-primaries", () => {
  it("gives no time left while keys are still being found, and one from the quotas once they all are", async () => {
    // GIVEN 16 primaries, KMS's quotas enforced (4 times faster), a heartbeat line every 100 ms
    kms().configure({ enforceQuotas: true, quotaScale: 4, creatingDelayMs: 300 });
    Array.from({ length: 16 }, () => primary());
    // WHEN
    const run = await cli([...ALL, "--regions", TARGETS.join(",")], {
      env: { KMS_REPLICATE_HEARTBEAT_MS: "100" },
    });
    // THEN
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split("\n");
    const beats = lines.filter((l) => l.startsWith("waiting: "));
    // while the selection goes on: no time left, and counts that say so
    expect(beats.filter((l) => l.includes("found so far") && l.includes(" left"))).toEqual([]);
    // once every key is found (said when it is, not at the end), a time left from the quotas
    const selected = lines.indexOf("Selected 16 keys.");
    expect(selected, run.stderr).toBeGreaterThan(0);
    expect(lines.slice(selected).filter((l) => l.startsWith("✔ mrk-")).length).toBeGreaterThan(0);
    expect(
      beats.some((l) => / ~\d+s left$/.test(l)),
      run.stderr,
    ).toBe(true);
  });
});

describe.skipIf(!hasScript)("a fleet on a terminal of 80 columns", () => {
  it("fits each key's line: the key ID, the result, an error on a line of its own; no ARN", async () => {
    // GIVEN 3 primaries, ReplicateKey denied for one of them
    const keys = [primary(), primary(), primary()];
    const denied = keys[1] ?? "";
    kms().configure({ faults: [{ keyId: denied, operation: "ReplicateKey", accessDenied: true }] });
    // WHEN
    const run = await runOnTerminal(
      [...ALL, "--regions", "eu-west-1,ap-southeast-2", "--endpoint-url", kms().url],
      80,
      { NO_COLOR: "1" },
    );
    // THEN
    expect(run.code, run.screen).toBe(1);
    const lines = screenLines(run.screen);
    // A key's result lines (the summary's list of failures too); AWS's own messages are as AWS wrote them.
    const keyLines = lines.filter((l) => /^\s*\S mrk-[0-9a-f]{32}/.test(l));
    expect(keyLines.length, run.screen).toBeGreaterThan(0);
    expect(keyLines.filter((l) => [...l].length > 80)).toEqual([]);
    expect(keyLines.filter((l) => l.includes("arn:aws:kms"))).toEqual([]);
    expect(lines).toContain(`✖ ${keyIdOf(denied)}  eu-west-1 failed`);
    expect(lines.some((l) => /^ {4}AccessDeniedException: /.test(l))).toBe(true);
  });
});
