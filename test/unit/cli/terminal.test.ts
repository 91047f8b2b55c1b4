import { describe, it, expect } from "vitest";
import { detectOutputMode, type TerminalFacts } from "../../../src/cli/terminal.js";

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
  stdoutIsTTY: true,
  stdoutColumns: 120,
  chalkStdoutLevel: 3,
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

  it.each<{ name: string; facts: Partial<TerminalFacts>; aligned: boolean; columns: number; color: boolean }>(
    [
      { name: "stdout a terminal", facts: {}, aligned: true, columns: 120, color: true },
      { name: "stdout piped", facts: { stdoutIsTTY: false }, aligned: false, columns: 120, color: false },
      {
        name: "stdout piped with FORCE_COLOR=1",
        facts: { stdoutIsTTY: false, env: { FORCE_COLOR: "1" } },
        aligned: false,
        columns: 120,
        color: false,
      },
      {
        name: "stdout a terminal without a width",
        facts: { stdoutColumns: 0 },
        aligned: true,
        columns: 80,
        color: true,
      },
      { name: "NO_COLOR=1", facts: { env: { NO_COLOR: "1" } }, aligned: true, columns: 120, color: false },
      { name: "--no-color", facts: { colorFlag: false }, aligned: true, columns: 120, color: false },
      {
        name: "chalk found no colour for stdout",
        facts: { chalkStdoutLevel: 0 },
        aligned: true,
        columns: 120,
        color: false,
      },
      {
        name: "--quiet (the table is data)",
        facts: { quiet: true },
        aligned: true,
        columns: 120,
        color: true,
      },
    ],
  )(
    "status table: $name → aligned $aligned, $columns columns, colour $color",
    ({ facts, aligned, columns, color }) => {
      // GIVEN / WHEN
      const mode = detectOutputMode({ ...TTY, ...facts });
      // THEN
      expect(mode.table).toEqual({ aligned, columns, color });
    },
  );

  it.each<{ name: string; facts: Partial<TerminalFacts>; heartbeatMs: number }>([
    { name: "a spinner shows the wait", facts: {}, heartbeatMs: 0 },
    { name: "stderr piped", facts: { stderrIsTTY: false }, heartbeatMs: 30_000 },
    { name: "CI", facts: { env: { CI: "true" } }, heartbeatMs: 30_000 },
    {
      name: "CI with --quiet (a watchdog may be waiting)",
      facts: { env: { CI: "true" }, quiet: true },
      heartbeatMs: 30_000,
    },
    { name: "stderr piped with --quiet", facts: { stderrIsTTY: false, quiet: true }, heartbeatMs: 30_000 },
    { name: "--quiet on a terminal", facts: { quiet: true }, heartbeatMs: 0 },
    { name: "--debug on a terminal (no spinner)", facts: { debug: true }, heartbeatMs: 30_000 },
    {
      name: "KMS_REPLICATE_HEARTBEAT_MS=250",
      facts: { stderrIsTTY: false, env: { KMS_REPLICATE_HEARTBEAT_MS: "250" } },
      heartbeatMs: 250,
    },
    {
      name: "KMS_REPLICATE_HEARTBEAT_MS=0 turns it off",
      facts: { stderrIsTTY: false, env: { KMS_REPLICATE_HEARTBEAT_MS: "0" } },
      heartbeatMs: 0,
    },
    {
      name: "KMS_REPLICATE_HEARTBEAT_MS not a number: the default",
      facts: { stderrIsTTY: false, env: { KMS_REPLICATE_HEARTBEAT_MS: "soon" } },
      heartbeatMs: 30_000,
    },
  ])("heartbeat: $name → every $heartbeatMs ms", ({ facts, heartbeatMs }) => {
    // GIVEN / WHEN
    const mode = detectOutputMode({ ...TTY, ...facts });
    // THEN
    expect(mode.heartbeatMs).toBe(heartbeatMs);
  });
});
