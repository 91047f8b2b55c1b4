import { describe, it, expect } from "vitest";
import { detectOutputMode, type TerminalFacts } from "../../src/terminal.js";

/** An interactive terminal with colour support and a clean environment. */
const TTY: TerminalFacts = {
  stderrIsTTY: true,
  stderrColumns: 80,
  env: {},
  json: false,
  quiet: false,
  debug: false,
  colorFlag: true,
  chalkLevel: 3,
};

describe("detectOutputMode", () => {
  it.each<{ name: string; facts: Partial<TerminalFacts>; spinner: boolean; color: boolean }>([
    { name: "a terminal", facts: {}, spinner: true, color: true },
    { name: "stderr piped", facts: { stderrIsTTY: false, chalkLevel: 0 }, spinner: false, color: false },
    {
      name: "stderr piped, chalk still thinks it can colour",
      facts: { stderrIsTTY: false },
      spinner: false,
      color: false,
    },
    { name: "a terminal that reports no width", facts: { stderrColumns: 0 }, spinner: false, color: true },
    { name: "a terminal of unknown width", facts: { stderrColumns: undefined }, spinner: false, color: true },
    { name: "a narrow terminal", facts: { stderrColumns: 20 }, spinner: true, color: true },
    { name: "CI=true", facts: { env: { CI: "true" } }, spinner: false, color: false },
    { name: "CI=1", facts: { env: { CI: "1" } }, spinner: false, color: false },
    { name: "CI=false", facts: { env: { CI: "false" } }, spinner: true, color: true },
    { name: "CI empty", facts: { env: { CI: "" } }, spinner: true, color: true },
    { name: "TERM=dumb", facts: { env: { TERM: "dumb" } }, spinner: false, color: false },
    { name: "TERM=xterm-256color", facts: { env: { TERM: "xterm-256color" } }, spinner: true, color: true },
    { name: "NO_COLOR=1", facts: { env: { NO_COLOR: "1" } }, spinner: true, color: false },
    {
      name: "NO_COLOR=0 (any non-empty value)",
      facts: { env: { NO_COLOR: "0" } },
      spinner: true,
      color: false,
    },
    { name: 'NO_COLOR=""', facts: { env: { NO_COLOR: "" } }, spinner: true, color: true },
    { name: "--no-color", facts: { colorFlag: false }, spinner: true, color: false },
    { name: "chalk found no colour support", facts: { chalkLevel: 0 }, spinner: true, color: false },
    {
      name: "FORCE_COLOR=1 when piped",
      facts: { stderrIsTTY: false, env: { FORCE_COLOR: "1" }, chalkLevel: 1 },
      spinner: false,
      color: true,
    },
    {
      name: "FORCE_COLOR=1 in CI",
      facts: { env: { CI: "true", FORCE_COLOR: "1" }, chalkLevel: 1 },
      spinner: false,
      color: true,
    },
    {
      name: "FORCE_COLOR=0 when piped",
      facts: { stderrIsTTY: false, env: { FORCE_COLOR: "0" }, chalkLevel: 0 },
      spinner: false,
      color: false,
    },
    {
      name: "FORCE_COLOR=1 with --no-color",
      facts: { env: { FORCE_COLOR: "1" }, colorFlag: false },
      spinner: true,
      color: false,
    },
    {
      name: "FORCE_COLOR=1 with NO_COLOR=1",
      facts: { env: { FORCE_COLOR: "1", NO_COLOR: "1" } },
      spinner: true,
      color: false,
    },
    { name: "--quiet", facts: { quiet: true }, spinner: false, color: true },
    { name: "--debug", facts: { debug: true }, spinner: false, color: true },
    { name: "--output json on a terminal", facts: { json: true }, spinner: true, color: true },
  ])("$name → spinner $spinner, colour $color", ({ facts, spinner, color }) => {
    // GIVEN / WHEN
    const mode = detectOutputMode({ ...TTY, ...facts });
    // THEN
    expect({ spinner: mode.spinner, color: mode.color }).toEqual({ spinner, color });
  });

  it("passes json, quiet and debug through", () => {
    // GIVEN / WHEN
    const mode = detectOutputMode({ ...TTY, json: true, quiet: true, debug: true });
    // THEN
    expect(mode).toMatchObject({ json: true, quiet: true, debug: true });
  });
});
