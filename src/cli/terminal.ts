// The terminal facts, worked out once: may we animate, may we colour, who reads stdout.
import chalk, { chalkStderr } from "chalk";
import type { OutputMode } from "../report/mode.js";

/** A heartbeat line this often on stderr when no spinner shows the wait (CI logs, pipes). */
export const HEARTBEAT_MS = 30_000;
/** Overrides HEARTBEAT_MS (ms; 0: no heartbeat), read once here; the tests use it. */
export const HEARTBEAT_ENV = "KMS_REPLICATE_HEARTBEAT_MS";
/** The width the status table fits when stdout is a terminal that reports none. */
const FALLBACK_COLUMNS = 80;

export interface TerminalFacts {
  readonly stderrIsTTY: boolean;
  /** The terminal's width; 0 or unknown on some pseudo-terminals (containers, serial consoles). */
  readonly stderrColumns: number | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  /** false with --no-color. */
  readonly colorFlag: boolean;
  /** The colour level chalk's supports-color found for stderr (it reads FORCE_COLOR, TERM, CI). */
  readonly chalkLevel: number;
  readonly stdoutIsTTY: boolean;
  readonly stdoutColumns: number | undefined;
  /** The colour level chalk found for stdout. */
  readonly chalkStdoutLevel: number;
}

export function detectOutputMode(facts: TerminalFacts): OutputMode {
  const { env } = facts;
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false";
  const dumb = env.TERM === "dumb";
  // Unlike gh, we animate when stderr is a terminal even if stdout is piped (`--output json | jq`):
  // the person watching still wants progress, and the JSON goes elsewhere.
  // A terminal that reports no width cannot be redrawn: ora counts the lines to erase by dividing
  // by the width, and with 0 it erased without end, flooding the terminal and starving Ctrl-C.
  const sized = (facts.stderrColumns ?? 0) > 0;
  const spinner = facts.stderrIsTTY && sized && !ci && !dumb && !facts.quiet && !facts.debug;
  // chalk ignores NO_COLOR (chalk/chalk#547), so we honour it here; `--no-color` also reaches
  // supports-color through process.argv. FORCE_COLOR (read by chalk) may turn colour on anywhere.
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  const mayColor = (isTTY: boolean, level: number): boolean =>
    facts.colorFlag && !noColor && level > 0 && (forced || (isTTY && !ci && !dumb));
  const color = mayColor(facts.stderrIsTTY, facts.chalkLevel);
  // A table for a person only on a terminal; anything else (a pipe, a file) reads TSV, never coloured.
  const aligned = facts.stdoutIsTTY;
  const table = {
    aligned,
    columns: (facts.stdoutColumns ?? 0) > 0 ? (facts.stdoutColumns ?? 0) : FALLBACK_COLUMNS,
    color: aligned && mayColor(true, facts.chalkStdoutLevel),
  };
  // The heartbeat keeps a CI job's no-output watchdog from killing a long wait, so it stays with
  // --quiet wherever nobody watches a terminal; with --quiet on an interactive terminal, none.
  const watched = facts.stderrIsTTY && !ci && !dumb;
  const heartbeatMs = spinner || (facts.quiet && watched) ? 0 : heartbeatOf(env);
  const columns = facts.stderrIsTTY && sized && !dumb ? facts.stderrColumns : undefined;
  return {
    spinner,
    ...(columns !== undefined ? { columns } : {}),
    color,
    json: facts.json,
    quiet: facts.quiet,
    debug: facts.debug,
    table,
    heartbeatMs,
  };
}

/** KMS_REPLICATE_HEARTBEAT_MS: a whole number of ms (0 turns the heartbeat off); else the default. */
function heartbeatOf(env: NodeJS.ProcessEnv): number {
  const raw = env[HEARTBEAT_ENV];
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return HEARTBEAT_MS;
  return Number(raw.trim());
}

export function detectFromProcess(options: {
  json: boolean;
  quiet: boolean;
  debug: boolean;
  color: boolean;
}): OutputMode {
  return detectOutputMode({
    stderrIsTTY: process.stderr.isTTY,
    stderrColumns: process.stderr.columns,
    env: process.env,
    json: options.json,
    quiet: options.quiet,
    debug: options.debug,
    colorFlag: options.color,
    chalkLevel: chalkStderr.level,
    stdoutIsTTY: process.stdout.isTTY,
    stdoutColumns: process.stdout.columns,
    chalkStdoutLevel: chalk.level,
  });
}
