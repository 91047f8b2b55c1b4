// Input that must never block or mislead, end to end with the built bin: a FIFO with no writer
// (a stop signal, --timeout, a writer that comes later), process substitution, devices and stdin
// capped while they are read, and the lines of --keys-from checked before any call (bad lines,
// UTF-16, binary). Imported key material through a pipe is in import.e2e.test.ts.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { schemaErrors } from "../support/schema.js";
import { fleetTools, keyIdOf } from "./fleet-support.js";
import { fleetOf, runBash, runCli, useLocalKms, type CliRun } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 50 });
const { primary, held, fleet } = fleetTools(kms);
const dir = mkdtempSync(join(tmpdir(), "kms-replicate-input-"));
const ARN = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";

let count = 0;
function fifo(): string {
  count += 1;
  const path = join(dir, `input-${count}.fifo`);
  execFileSync("mkfifo", [path]);
  return path;
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Whether process `pid` has `path` open (read from /proc, without touching the FIFO). */
function holdsOpen(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const writers: ChildProcess[] = [];
afterEach(() => {
  for (const child of writers.splice(0)) child.kill("SIGKILL");
});

/** A shell that writes to a FIFO: its open() waits until kms-replicate has opened the FIFO. */
function writer(script: string): void {
  writers.push(spawn("sh", ["-c", script], { stdio: "ignore" }));
}

/**
 * Runs the bin; once it holds `path` open (waiting for a writer), sends SIGTERM. Returns the run,
 * the child's pid and how long it took to exit after the signal.
 */
async function terminateWhileWaiting(
  args: readonly string[],
  path: string,
): Promise<{ run: CliRun; pid: number; exitMs: number }> {
  let pid = 0;
  let signalledAt = 0;
  let exitedAt = 0;
  const run = await runCli(args, {
    onSpawn: (child) => {
      pid = child.pid ?? 0;
      const timer = setInterval(() => {
        if (signalledAt === 0 && holdsOpen(pid, path)) {
          clearInterval(timer);
          signalledAt = performance.now();
          child.kill("SIGTERM");
        }
      }, 50);
      child.once("exit", () => {
        clearInterval(timer);
        exitedAt = performance.now();
      });
    },
  });
  expect(signalledAt, "the run never opened the FIFO").toBeGreaterThan(0);
  return { run, pid, exitMs: exitedAt - signalledAt };
}

describe("a FIFO with no writer", () => {
  it.each([
    ["--keys-from FIFO (replicate)", (path: string) => ["--keys-from", path, "--regions", "eu-west-1"]],
    [
      "--key-material fileb://FIFO (import-material)",
      (path: string) => ["import-material", "--key", ARN, "--key-material", `fileb://${path}`],
    ],
    [
      "--policy file://FIFO (replicate)",
      (path: string) => ["--key", ARN, "--regions", "eu-west-1", "--policy", `file://${path}`],
    ],
  ])("%s: the first SIGTERM ends the run: exit 143, the JSON document, no process left", async (_, args) => {
    // GIVEN a FIFO that nobody writes to
    const path = fifo();
    // WHEN SIGTERM comes while the run waits for a writer
    const { run, pid, exitMs } = await terminateWhileWaiting(
      [...args(path), "--endpoint-url", kms().url, "-o", "json"],
      path,
    );
    // THEN it exits at once with 143 and a valid document; the process is gone; no call was made
    expect(run.code, run.stderr).toBe(143);
    expect(exitMs).toBeLessThan(10_000);
    expect(alive(pid)).toBe(false);
    expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
    expect(run.json).toMatchObject({ ok: false, exitCode: 143, error: { name: "Interrupted" } });
    expect(run.json?.error?.message).toMatch(/^Stopped by SIGTERM before any Region was worked on/);
    expect(run.stderr).toMatch(/✖ Stopped by SIGTERM/);
    expect(kms().calls()).toEqual([]);
  });

  it.each([
    [
      "--keys-from",
      (path: string) => ["--keys-from", path, "--regions", "eu-west-1"],
      (path: string) => `--keys-from ${path}`,
    ],
    [
      "--key-material",
      (path: string) => ["import-material", "--key", ARN, "--key-material", `fileb://${path}`],
      (path: string) => `--key-material fileb://${path}`,
    ],
  ])(
    "%s FIFO with --timeout 2s: exit 2, naming the input and that no writer came",
    async (_, args, label) => {
      // GIVEN a FIFO that nobody writes to
      const path = fifo();
      // WHEN
      const started = performance.now();
      const run = await runCli([...args(path), "--timeout", "2s", "--endpoint-url", kms().url, "-o", "json"]);
      // THEN
      expect(run.code, run.stderr).toBe(2);
      expect(performance.now() - started).toBeLessThan(20_000);
      expect(run.json?.error).toMatchObject({
        name: "UsageError",
        message: `${label(path)}: no writer came within --timeout 2s; nothing was read.`,
      });
      expect(run.stderr).toContain(`✖ ${label(path)}: no writer came within --timeout 2s`);
      expect(kms().calls()).toEqual([]);
    },
  );

  it("--keys-from FIFO whose writer comes a second later: the keys are replicated", async () => {
    // GIVEN two primaries, and a writer that names them a second after the run started
    const keys = [primary(), primary()];
    const path = fifo();
    writer(`sleep 1; printf '%s\\n' ${keys.join(" ")} > ${path}`);
    // WHEN
    const { doc, run } = await fleet(["--keys-from", path, "--regions", "eu-west-1"]);
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(doc.keys.map((k) => k.key)).toEqual(keys);
    expect(held("eu-west-1")).toEqual(keys.map(keyIdOf).sort());
  });
});

describe("process substitution and stdin", () => {
  it("--keys-from <(printf …) and --policy file://<(printf …): read as a user's shell gives them", async () => {
    // GIVEN
    const keys = [primary(), primary()];
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "from-a-pipe",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    // WHEN
    const run = await runBash(
      `"$NODE" "$BIN" --keys-from <(printf '%s\\n' "$KEY1" "# a comment" "$KEY2") --policy file://<(printf '%s' "$POLICY") --regions eu-west-1 --endpoint-url "$URL" -o json`,
      { KEY1: keys[0] ?? "", KEY2: keys[1] ?? "", POLICY: policy, URL: kms().url },
    );
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(fleetOf(run)?.keys.map((k) => k.key)).toEqual(keys);
    expect(held("eu-west-1")).toEqual(keys.map(keyIdOf).sort());
    const replica = (keys[0] ?? "").replace("us-east-1", "eu-west-1");
    const got = kms().invoke("eu-west-1", "GetKeyPolicy", { KeyId: replica, PolicyName: "default" }) as {
      Policy: string;
    };
    expect(got.Policy).toBe(policy);
  });

  it("two inputs cannot both come from stdin", async () => {
    const run = await runCli(
      [
        "--key",
        ARN,
        "--regions",
        "eu-west-1",
        "--policy",
        "file:///dev/stdin",
        "--key-material",
        "-",
        "--endpoint-url",
        kms().url,
      ],
      { stdin: Buffer.from("{}") },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "✖ --key-material -: stdin is already read for --policy file /dev/stdin; only one input can come from stdin.",
    );
    expect(kms().calls()).toEqual([]);
  });
});

describe("every input is capped while it is read", () => {
  /** Node's --import: writes the process's peak memory (KB) to $RSS_FILE as it exits. */
  const peak = file(
    "peak-rss.mjs",
    `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(process.env.RSS_FILE, String(process.resourceUsage().maxRSS)));\n`,
  );

  it.each([
    [
      "--keys-from /dev/zero",
      `"$NODE" "$BIN" status --keys-from /dev/zero --endpoint-url "$URL"`,
      "--keys-from /dev/zero is more than 67108864 bytes (64 MiB), the cap for a key list; reading stopped there.",
    ],
    [
      "--keys-from - < /dev/zero",
      `"$NODE" "$BIN" status --keys-from - --endpoint-url "$URL" < /dev/zero`,
      "--keys-from - is more than 67108864 bytes (64 MiB), the cap for a key list; reading stopped there.",
    ],
    [
      "--keys-from <(yes) (a pipe that never ends)",
      `"$NODE" "$BIN" status --keys-from <(yes) --endpoint-url "$URL"`,
      "is more than 67108864 bytes (64 MiB), the cap for a key list; reading stopped there.",
    ],
    [
      "--key-material fileb:///dev/zero",
      `"$NODE" "$BIN" import-material --key ${ARN} --key-material fileb:///dev/zero --endpoint-url "$URL"`,
      "--key-material fileb:///dev/zero is more than 16384 bytes (16 KiB), the cap for key material (an RSA_4096 private key is about 2.4 KB); reading stopped there.",
    ],
    [
      "--key-material - < /dev/urandom",
      `"$NODE" "$BIN" import-material --key ${ARN} --key-material - --endpoint-url "$URL" < /dev/urandom`,
      "--key-material - is more than 16384 bytes (16 KiB), the cap for key material",
    ],
    [
      "--policy file:///dev/zero",
      `"$NODE" "$BIN" --key ${ARN} --regions eu-west-1 --policy file:///dev/zero --endpoint-url "$URL"`,
      "--policy file /dev/zero is more than 32768 bytes (32 KiB), KMS's limit for a key policy; reading stopped there.",
    ],
  ])("%s: exit 2 naming the cap, with memory to match", async (_, script, message) => {
    // GIVEN / WHEN
    const rssFile = join(dir, `rss-${Math.random().toString(36).slice(2)}`);
    const run = await runBash(script, {
      URL: kms().url,
      RSS_FILE: rssFile,
      NODE_OPTIONS: `--import=${peak}`,
    });
    // THEN
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(message);
    // at most the cap read (64 MiB) on top of node's own, where reading /dev/zero whole took 624 MB
    expect(Number(readFileSync(rssFile, "utf8")) / 1024).toBeLessThan(300);
    expect(kms().calls()).toEqual([]);
  });
});

describe("the lines of --keys-from are checked before any call", () => {
  it("names every bad line with its number (the first 20, and how many more): exit 2, no call", async () => {
    // GIVEN a good key, then a CSV export's 25 lines, a word, a short key ID and an alias with a space
    const good = primary();
    const csv = Array.from({ length: 25 }, (_, i) => `key-${i},us-east-1`);
    const path = file("mixed.txt", [good, ...csv, "payments", "mrk-12", "alias/my key"].join("\n"));
    // WHEN
    const { doc, run } = await fleet(["--keys-from", path, "--regions", "eu-west-1"]);
    // THEN
    expect(run.code).toBe(2);
    const lines = (doc.error?.message ?? "").split("\n");
    expect(lines[0]).toBe(
      `--keys-from ${path}: 28 lines are not a key ID, key ARN, alias/NAME or alias ARN; nothing was changed:`,
    );
    expect(lines[1]).toBe(
      "  line 2: 'key-0,us-east-1': a key ID is mrk- and 32 hex digits, or a UUID; an alias is alias/NAME; an ARN starts with arn:.",
    );
    expect(lines.slice(1, 21).map((l) => /line (\d+):/.exec(l)?.[1])).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 2)),
    );
    expect(lines[21]).toBe("  … and 8 more");
    expect(kms().calls()).toEqual([]);
  });

  it.each([
    [
      "UTF-16 with a byte-order mark",
      (keys: string) => Buffer.from(`\ufeff${keys}`, "utf16le"),
      /is UTF-16 text \(byte-order mark FF FE\); a key list is UTF-8 text\./,
    ],
    [
      "UTF-16 without one",
      (keys: string) => Buffer.from(keys, "utf16le"),
      /is UTF-16 text without a byte-order mark/,
    ],
    [
      "binary",
      (keys: string) => Buffer.concat([Buffer.from(keys), Buffer.from([0, 1, 2, 0xff])]),
      /is binary, not text: line 2 has a NUL byte/,
    ],
    [
      "not UTF-8",
      (keys: string) => Buffer.concat([Buffer.from(keys), Buffer.from("# caf\xe9", "latin1")]),
      /is binary or not UTF-8 text: line 2 has bytes that are not UTF-8/,
    ],
  ])("%s: exit 2, named as such, with what to do; no call", async (what, content, message) => {
    // GIVEN
    const path = file(`${what.replaceAll(" ", "-")}.txt`, content(`${primary()}\r\n`));
    // WHEN
    const { doc, run } = await fleet(["--keys-from", path, "--regions", "eu-west-1"]);
    // THEN
    expect(run.code).toBe(2);
    expect(doc.error?.message).toMatch(message);
    expect(doc.error?.hint).toMatch(/iconv|Give the file that lists the keys/);
    expect(kms().calls()).toEqual([]);
  });

  it("a UTF-8 byte-order mark and CRLF line ends are fine", async () => {
    const keys = [primary(), primary()];
    const path = file("bom.txt", `\ufeff${keys.join("\r\n")}\r\n`);
    const { doc, run } = await fleet(["--keys-from", path, "--regions", "eu-west-1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(doc.keys.map((k) => k.key)).toEqual(keys);
  });
});
