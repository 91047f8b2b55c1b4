// docs/commands/ is what the program says: each committed page is what scripts/command-pages.ts
// makes from the program now, so a changed option or help text fails here until `npm run docs`
// has written the pages again.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { PAGES_DIR, commandPages, docsProgram, helpText } from "../../scripts/command-pages.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const read = (path: string): string | undefined =>
  existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), "utf8") : undefined;

describe("docs/commands (npm run docs)", () => {
  const pages = commandPages(docsProgram());

  it.each(pages.map((page) => [page.path, page.text]))("%s is what the program says", (path, text) => {
    const committed = read(path);
    expect(committed, `${path} is missing: run \`npm run docs\` and commit it`).toBeDefined();
    // Not toBe: a page's whole text in a diff would bury the advice.
    expect(committed === text, `${path} is stale: run \`npm run docs\` and commit it`).toBe(true);
  });

  it("holds no page of a command the program no longer has", () => {
    const wanted = new Set(pages.map((page) => page.path));
    const stale = readdirSync(join(ROOT, PAGES_DIR))
      .map((name) => `${PAGES_DIR}/${name}`)
      .filter((path) => !wanted.has(path));
    expect(stale, `no command for these pages: run \`npm run docs\` (it removes them)`).toEqual([]);
  });

  it("has a page for every command of the program, naming each of its options", () => {
    const program = docsProgram();
    for (const command of program.commands) {
      const page = pages.find((p) => p.path === `${PAGES_DIR}/${command.name()}.md`);
      expect(page, command.name()).toBeDefined();
      const names = (page?.text ?? "")
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .map((row) => row.split(" | ")[0]);
      for (const option of command.options) {
        const name = option.long ?? option.short ?? option.flags;
        expect(
          names.some((cell) => cell?.includes(name)),
          `${command.name()} ${name}`,
        ).toBe(true);
      }
    }
  });

  it("does not depend on the terminal it is made in", () => {
    const columns = Object.getOwnPropertyDescriptor(process.stdout, "columns");
    const isTTY = Object.getOwnPropertyDescriptor(process.stdout, "isTTY");
    try {
      Object.defineProperty(process.stdout, "columns", { value: 37, configurable: true });
      Object.defineProperty(process.stdout, "isTTY", { value: true, configurable: true });
      expect(commandPages(docsProgram())).toEqual(pages);
    } finally {
      for (const [name, descriptor] of [
        ["columns", columns],
        ["isTTY", isTTY],
      ] as const) {
        if (descriptor === undefined) Reflect.deleteProperty(process.stdout, name);
        else Object.defineProperty(process.stdout, name, descriptor);
      }
    }
  });
});

describe("commandPages", () => {
  // GIVEN a small program of the same shape: global options, a command with options, an argument
  function tiny(): Command {
    const program = new Command("tool").description("Does <things> | more.");
    program.optionsGroup("Global Options:").option("--profile <name>", "the AWS profile");
    program
      .command("go")
      .description("Go somewhere *fast*.")
      .argument("[where]", "a_place")
      .option("--via <a|b>", "the route: a | b")
      .addOption(new Option("--speed <n>", "how fast").choices(["slow", "fast"]).default("slow"))
      .addOption(new Option("--timeout <duration>", "how long").default(1200000, "20m"))
      .addHelpText("after", "\nExample:\n  tool go --via a\n");
    return program;
  }

  it("writes an index and a page per command, with the options as a table and the help as printed", () => {
    // WHEN
    const pages = commandPages(tiny());
    // THEN
    expect(pages.map((page) => page.path)).toEqual([`${PAGES_DIR}/README.md`, `${PAGES_DIR}/go.md`]);
    const [index, go] = pages.map((page) => page.text);
    expect(index).toContain("Does \\<things\\> \\| more.");
    expect(index).toContain("| [`go`](go.md) | Go somewhere \\*fast\\*. |");
    expect(index).toContain("| `--profile` | `<name>` | the AWS profile |  |  |");
    expect(go).toContain("# tool go\n");
    expect(go).toContain("```text\ntool go [options] [where]\n```");
    expect(go).toContain("| `[where]` | a\\_place |  |");
    expect(go).toContain("| `--via` | `<a\\|b>` | the route: a \\| b |  |  |");
    expect(go).toContain('| `--speed` | `<n>` | how fast | `"slow"` | `slow`, `fast` |');
    expect(go).toContain("| `--timeout` | `<duration>` | how long | `20m` |  |");
    expect(go).toContain("Example:\n  tool go --via a\n```\n");
  });

  it("prints the help at 80 columns without colour, whatever the terminal", () => {
    const go = tiny().commands[0] ?? new Command();
    go.description("word ".repeat(30).trim());
    const lines = helpText(go).split("\n");
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
    expect(lines.some((line) => line.length > 70)).toBe(true);
    expect(helpText(go)).not.toContain("\u001b[");
  });
});
