// The built bin on a real pseudo-terminal (util-linux `script`), as a person runs it.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { BIN } from "./run-cli.js";

const home = mkdtempSync(join(tmpdir(), "kms-replicate-pty-"));
/** `script` is in util-linux (bsdutils), part of every Debian. */
export const hasScript = spawnSync("script", ["--version"]).status === 0;

export interface TerminalRun {
  readonly code: number | null;
  /** What the terminal showed (stdout and stderr together), its `\r\n` turned back into `\n`. */
  readonly screen: string;
}

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the bin on a terminal `columns` wide, stdout and stderr both on it. `env` is added to the
 * environment (TERM=xterm; `undefined` removes a variable, e.g. NO_COLOR to allow colour).
 */
export function runOnTerminal(
  args: readonly string[],
  columns: number,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<TerminalRun> {
  const env: NodeJS.ProcessEnv = { ...isolatedAwsEnv(home), TERM: "xterm", ...extraEnv };
  delete env.CI;
  delete env.FORCE_COLOR;
  for (const [name, value] of Object.entries(extraEnv)) if (value === undefined) delete env[name];
  const command = `stty cols ${columns} rows 24; exec ${[process.execPath, BIN, ...args].map(quote).join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, screen: screen.replaceAll("\r\n", "\n") }));
  });
}
