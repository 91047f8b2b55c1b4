// `npm run kms-local` and `npm run demo` as the README starts them, stopped with one signal to the
// npm process: nothing may be left running (npm runs a script through `sh -c`, which does not pass
// the signal on: the scripts exec node, so that node is the process npm signals). Each runs in a
// copy of the project's package.json, bin/, dist/ and build/ whose `npm run build` does nothing:
// the real build would empty dist/ under the other end-to-end tests running beside this one.
import { spawn, type ChildProcess } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let work = "";

/** `from` (a file or a folder) copied to `to`. */
function copy(from: string, to: string): void {
  if (!statSync(from).isDirectory()) {
    copyFileSync(from, to);
    return;
  }
  mkdirSync(to);
  for (const name of readdirSync(from)) copy(join(from, name), join(to, name));
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "kms-replicate-npm-scripts-"));
  for (const entry of ["package.json", "bin", "dist", "build"]) {
    copy(join(ROOT, entry), join(work, entry));
  }
  mkdirSync(join(work, "scripts"));
  writeFileSync(join(work, "scripts", "build.mjs"), "// Built already: the test's copy of the project.\n");
  mkdirSync(join(work, "home"));
});

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

/** `npm run SCRIPT -- ARGS` in the copy; its stdout line by line. */
function npmRun(
  script: string,
  args: readonly string[],
): { npm: ChildProcess; lines: AsyncIterator<string> } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...isolatedAwsEnv(join(work, "home")),
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
    npm_config_update_notifier: "false",
    NO_COLOR: "1",
  };
  delete env.CI;
  const npm = spawn("npm", ["run", script, "--", ...args], {
    cwd: work,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  npm.stderr?.resume();
  return {
    npm,
    lines: createInterface({ input: npm.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator](),
  };
}

/** The first line that matches, or a failure naming what was printed. */
async function lineMatching(lines: AsyncIterator<string>, pattern: RegExp): Promise<RegExpExecArray> {
  const seen: string[] = [];
  for (;;) {
    const next = await lines.next();
    if (next.done === true) throw new Error(`no line matched ${String(pattern)}:\n${seen.join("\n")}`);
    seen.push(next.value);
    const match = pattern.exec(next.value);
    if (match !== null) return match;
  }
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)));

/** Whether something accepts connections on 127.0.0.1:port. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/** Processes whose working directory is the copy (npm's sh, node, and what node started), by PID. */
function processesIn(dir: string): number[] {
  return readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      return readlinkSync(`/proc/${entry}/cwd`) === dir ? [Number(entry)] : [];
    } catch {
      return []; // gone meanwhile, or not ours to read
    }
  });
}

describe.skipIf(process.platform !== "linux")("one signal to the npm process leaves nothing running", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "npm run kms-local, %s: the port is closed and no process is left",
    async (signal) => {
      const { npm, lines } = npmRun("kms-local", ["--port", "0"]);
      try {
        const [, port] = await lineMatching(lines, /^kms-local listening on http:\/\/127\.0\.0\.1:(\d+)$/);
        expect(await listening(Number(port))).toBe(true);
        npm.kill(signal);
        expect(await exited(npm)).toBe(0);
        expect(await listening(Number(port))).toBe(false);
        expect(processesIn(work)).toEqual([]);
      } finally {
        for (const pid of processesIn(work)) process.kill(pid, "SIGKILL");
      }
    },
    60_000,
  );

  it("npm run demo, SIGTERM while it replicates: its kms-replicate, endpoint and node all end; exit 143", async () => {
    const { npm, lines } = npmRun("demo", []);
    try {
      const [, port] = await lineMatching(lines, /^Local KMS endpoint: http:\/\/127\.0\.0\.1:(\d+) /);
      await lineMatching(lines, /^\$ kms-replicate --key /);
      // the demo's kms-replicate is running: the demo's node and it have the copy as their directory
      expect(processesIn(work).length).toBeGreaterThanOrEqual(2);
      npm.kill("SIGTERM");
      expect(await exited(npm)).toBe(143);
      expect(await listening(Number(port))).toBe(false);
      expect(processesIn(work)).toEqual([]);
    } finally {
      for (const pid of processesIn(work)) process.kill(pid, "SIGKILL");
    }
  }, 60_000);
});
