// The terminal facts, worked out once: may we animate, may we colour, who reads stdout.
import { chalkStderr } from "chalk";

export interface OutputMode {
  /** An ora spinner on stderr: a TTY with a width, not CI, not TERM=dumb, not --quiet, not --debug. */
  readonly spinner: boolean;
  /** ANSI colours on stderr. */
  readonly color: boolean;
  /** One JSON document on stdout. */
  readonly json: boolean;
  /** Only errors on stderr. */
  readonly quiet: boolean;
  readonly debug: boolean;
}

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
  const color =
    facts.colorFlag && !noColor && facts.chalkLevel > 0 && (forced || (facts.stderrIsTTY && !ci && !dumb));
  return { spinner, color, json: facts.json, quiet: facts.quiet, debug: facts.debug };
}

export function detectFromProcess(options: {
  json: boolean;
  quiet: boolean;
  debug: boolean;
  color: boolean;
}): OutputMode {
  const mode = detectOutputMode({
    stderrIsTTY: process.stderr.isTTY,
    stderrColumns: process.stderr.columns,
    env: process.env,
    json: options.json,
    quiet: options.quiet,
    debug: options.debug,
    colorFlag: options.color,
    chalkLevel: chalkStderr.level,
  });
  if (!mode.color) chalkStderr.level = 0;
  return mode;
}
