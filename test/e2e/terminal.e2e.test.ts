// The CLI on a real pseudo-terminal (util-linux `script`), as a person runs it: the spinner draws,
// and Ctrl-C typed on the terminal (the 0x03 byte, turned into SIGINT by the terminal) stops it.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { BIN, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 150 });
const home = mkdtempSync(join(tmpdir(), "kms-replicate-tty-"));
// `script` is in util-linux (bsdutils), part of every Debian; the tests say so when it is missing.
const hasScript = spawnSync("script", ["--version"]).status === 0;
/** A run that outlives this was stuck: it is killed, and the test fails on its exit code. */
const STUCK_MS = 15_000;

interface TerminalRun {
  readonly code: number | null;
  /** Everything the terminal showed: stdout and stderr together, with ANSI codes. */
  readonly screen: string;
}

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the bin on a terminal `columns` wide; types Ctrl-C once `interruptWhen` holds. `env` is
 * added to the environment (NO_COLOR=1 unless it says otherwise; `undefined` removes a variable).
 */
function runOnTerminal(
  args: readonly string[],
  columns: number,
  interruptWhen: () => boolean,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<TerminalRun> {
  const env: NodeJS.ProcessEnv = { ...isolatedAwsEnv(home), NO_COLOR: "1", TERM: "xterm", ...extraEnv };
  delete env.CI;
  delete env.FORCE_COLOR;
  for (const [name, value] of Object.entries(extraEnv)) if (value === undefined) delete env[name];
  const command = `stty cols ${columns} rows 24; exec ${[process.execPath, BIN, ...args].map(quote).join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    const timer = setInterval(() => {
      if (interruptWhen()) {
        child.stdin.write("\x03");
        clearInterval(timer);
      }
    }, 50);
    const killer = setTimeout(() => {
      // The CLI runs in the terminal's own session, so kill it by its parent's (Linux) child list.
      const pid = String(child.pid);
      for (const cli of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)) {
        if (cli !== "") process.kill(Number(cli), "SIGKILL");
      }
      child.kill("SIGKILL");
    }, STUCK_MS);
    child.once("error", reject);
    child.once("close", (code) => {
      clearInterval(timer);
      clearTimeout(killer);
      resolve({ code, screen });
    });
  });
}

/** The JSON document inside the terminal's text (the terminal turns \n into \r\n). */
function jsonOf(screen: string): { exitCode: number; regions: { region: string; status: string }[] } {
  const text = screen.replaceAll("\r\n", "\n");
  const start = text.indexOf('{\n  "version"');
  const end = text.indexOf("\n}\n", start);
  return JSON.parse(text.slice(start, end + 2)) as {
    exitCode: number;
    regions: { region: string; status: string }[];
  };
}

describe("on a terminal", () => {
  it.each([
    { columns: 80, spinner: true },
    { columns: 0, spinner: false },
  ])(
    "Ctrl-C during the wait exits 130 with valid JSON ($columns columns, spinner: $spinner)",
    async ({ columns, spinner }) => {
      expect(hasScript, "these tests need util-linux `script` (apt-get install bsdutils)").toBe(true);
      // GIVEN a Region whose replica never leaves Creating
      const arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
      kms().configure({ creatingDelayByRegion: { "eu-central-1": null } });
      // WHEN the user presses Ctrl-C while it is being polled
      const run = await runOnTerminal(
        ["--key", arn, "--regions", "eu-west-1,eu-central-1", "--endpoint-url", kms().url, "-o", "json"],
        columns,
        () =>
          kms().keys("eu-west-1")[0]?.state === "Enabled" &&
          kms().callCount("eu-central-1", "DescribeKey") > 1,
      );
      // THEN
      expect(run.code).toBe(130);
      const doc = jsonOf(run.screen);
      expect(doc.exitCode).toBe(130);
      expect(doc.regions.map((r) => [r.region, r.status])).toEqual([
        ["eu-west-1", "created"],
        ["eu-central-1", "interrupted"],
      ]);
      // The spinner hides the cursor while it draws; a terminal without a width gets plain lines.
      expect(run.screen.includes("\x1b[?25l")).toBe(spinner);
      // No flood of redraws (a 0-column terminal once made ora erase lines without end).
      expect(run.screen.length).toBeLessThan(100_000);
    },
  );
});

/** An SGR sequence: a colour or a style (cursor moves and line erasing are other sequences). */
const SGR = new RegExp(String.raw`\x1b\[[\d;]*m`);

describe("colour on a terminal", () => {
  it.each([
    { name: "NO_COLOR=1", env: {}, args: [], coloured: false },
    { name: "--no-color", env: { NO_COLOR: undefined }, args: ["--no-color"], coloured: false },
    { name: "neither", env: { NO_COLOR: undefined }, args: [], coloured: true },
  ])("$name: the spinner is coloured: $coloured", async ({ env, args, coloured }) => {
    expect(hasScript, "these tests need util-linux `script` (apt-get install bsdutils)").toBe(true);
    // GIVEN a replica that takes a while, so the spinner draws
    const arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
    kms().configure({ creatingDelayByRegion: { "eu-west-1": 800 } });
    // WHEN
    const run = await runOnTerminal(
      ["--key", arn, "--regions", "eu-west-1", "--endpoint-url", kms().url, ...args],
      80,
      () => false,
      env,
    );
    // THEN
    expect(run.code, run.screen).toBe(0);
    expect(run.screen).toContain("\x1b[?25l"); // the spinner drew
    expect(SGR.test(run.screen)).toBe(coloured);
    if (coloured) expect(run.screen).toContain("\x1b[36m"); // ora's cyan, when colour is allowed
  });
});

describe("status on a terminal", () => {
  it("prints an aligned table that fits the terminal, cutting the free text with …", async () => {
    expect(hasScript, "these tests need util-linux `script` (apt-get install bsdutils)").toBe(true);
    // GIVEN a key with a long description and a replica
    const description = "Payments key for the EU disaster-recovery site, owned by the payments team";
    const arn = String(kms().createKey("us-east-1", { MultiRegion: true, Description: description }).Arn);
    kms().invoke("us-east-1", "ReplicateKey", {
      KeyId: arn,
      ReplicaRegion: "ap-southeast-2",
      Description: description,
    });
    // WHEN on a terminal 70 columns wide
    const run = await runOnTerminal(["status", "--key", arn, "--endpoint-url", kms().url], 70, () => false);
    // THEN
    expect(run.code, run.screen).toBe(0);
    const lines = run.screen.replaceAll("\r\n", "\n").split("\n");
    const header = lines.find((l) => l.startsWith("REGION")) ?? "";
    const replica = lines.find((l) => l.startsWith("ap-southeast-2")) ?? "";
    expect(header).toMatch(/^REGION {10}ROLE {5}STATE {4}DESCRIPTION/);
    expect(replica).toMatch(/^ap-southeast-2 {2}REPLICA {2}Enabled {2}Payments.*…/);
    expect(replica).not.toContain("\t");
    for (const line of [header, replica]) expect(line.length).toBeLessThanOrEqual(70);
    expect(replica.indexOf("Payments")).toBe(header.indexOf("DESCRIPTION"));
    expect(run.screen).toContain("2 keys, all usable, no drift.");
  });
});
