// The pages of docs/commands/: one per command of the program and an index, made from commander's
// Command object alone (description, usage, arguments, options, and the help text as `--help`
// prints it through a pipe: 80 columns, no colour), so that they say what the program says.
// `npm run docs` writes them (scripts/docs.ts); test/unit/command-pages.test.ts fails when a
// committed page is not what this gives. Nothing here depends on the machine or the date.
import type { Argument, Command, Option } from "commander";
import { buildProgram } from "../src/cli/program.js";
import type { CommandModule } from "../src/commands/contract.js";
import { COMMANDS } from "../src/commands/registry.js";

/** Where the pages go, from the project's folder. */
export const PAGES_DIR = "docs/commands";

/** The help text's width: what commander uses when stdout is not a terminal. */
const HELP_WIDTH = 80;

const REGENERATE = "npm run docs";

/** One page: its path from the project's folder and its text. */
export interface Page {
  readonly path: string;
  readonly text: string;
}

/** The program the pages describe. Its commands are never run: only their definitions are read. */
export function docsProgram(): Command {
  return buildProgram(COMMANDS, () => Promise.resolve(0));
}

/** The index (README.md) and a page per command, in the program's order. */
export function commandPages(program: Command, modules: readonly CommandModule[] = COMMANDS): Page[] {
  const guides = new Map(modules.map((m) => [m.name as string, m.guide]));
  return [
    { path: `${PAGES_DIR}/README.md`, text: indexPage(program) },
    ...program.commands.map((command) => ({
      path: `${PAGES_DIR}/${command.name()}.md`,
      text: commandPage(command, guides.get(command.name())),
    })),
  ];
}

function indexPage(program: Command): string {
  const help = program.createHelp();
  const commands = program.commands.map(
    (command) =>
      `| [\`${command.name()}\`](${command.name()}.md) | ${markdownText(help.subcommandDescription(command))} |`,
  );
  return [
    `# ${program.name()} commands`,
    "",
    generatedNote(program),
    "",
    "[Commands](#commands) · [Program options](#program-options) · [Help](#help)",
    "",
    markdownText(program.description()),
    "",
    "```text",
    help.commandUsage(program),
    "```",
    "",
    "## Commands",
    "",
    "| command | what it does |",
    "| --- | --- |",
    ...commands,
    "",
    "## Program options",
    "",
    "The global options apply to every command, typed before or after its name.",
    "",
    ...optionSections(help.visibleOptions(program), "###"),
    "## Help",
    "",
    `\`${program.name()} --help\`:`,
    "",
    "```text",
    helpText(program),
    "```",
    "",
  ].join("\n");
}

function commandPage(command: Command, guide: string | undefined): string {
  const help = command.createHelp();
  const name = `${command.parent?.name() ?? ""} ${command.name()}`.trim();
  const args = help.visibleArguments(command);
  const sections = [
    ...(args.length > 0 ? ["[Arguments](#arguments)"] : []),
    "[Options](#options)",
    "[Help](#help)",
    ...(guide === undefined ? [] : ["[More](#more)"]),
  ];
  return [
    `# ${name}`,
    "",
    generatedNote(command),
    "",
    `[All commands](README.md) · ${sections.join(" · ")}`,
    "",
    markdownText(command.description()),
    "",
    "```text",
    help.commandUsage(command),
    "```",
    "",
    ...(args.length > 0 ? ["## Arguments", "", ...argumentTable(args), ""] : []),
    "## Options",
    "",
    ...optionSections(help.visibleOptions(command), "###"),
    "The global options apply too: [Program options](README.md#program-options).",
    "",
    "## Help",
    "",
    `\`${name} --help\`:`,
    "",
    "```text",
    helpText(command),
    "```",
    "",
    ...(guide === undefined ? [] : ["## More", "", "```text", guide, "```", ""]),
  ].join("\n");
}

function generatedNote(command: Command): string {
  const source = command.parent === null ? "the program" : `the \`${command.name()}\` command`;
  return `<!-- Generated from ${source} (src/cli/program.ts) by \`${REGENERATE}\`: do not edit. -->`;
}

/** A table per option group, under the group's heading (commander's optionsGroup). */
function optionSections(options: readonly Option[], level: string): string[] {
  const groups = new Map<string, Option[]>();
  for (const option of options) {
    const heading = (option.helpGroupHeading ?? "Options:").replace(/:$/, "");
    groups.set(heading, [...(groups.get(heading) ?? []), option]);
  }
  const single = groups.size === 1;
  return [...groups].flatMap(([heading, group]) => [
    ...(single ? [] : [`${level} ${heading}`, ""]),
    "| option | argument | description | default | choices |",
    "| --- | --- | --- | --- | --- |",
    ...group.map(optionRow),
    "",
  ]);
}

function optionRow(option: Option): string {
  const argument = /\s([<[].*)$/.exec(option.flags)?.[1] ?? "";
  const names = option.flags.slice(0, option.flags.length - argument.length).trim();
  const defaultValue =
    option.defaultValue === undefined
      ? ""
      : code(option.defaultValueDescription ?? JSON.stringify(option.defaultValue));
  const choices = (option.argChoices ?? []).map(code).join(", ");
  return `| ${code(names)} | ${argument === "" ? "" : code(argument)} | ${markdownText(option.description)} | ${defaultValue} | ${choices} |`;
}

function argumentTable(args: readonly Argument[]): string[] {
  return [
    "| argument | description | choices |",
    "| --- | --- | --- |",
    ...args.map((arg) => {
      const term = arg.required ? `<${arg.name()}>` : `[${arg.name()}]`;
      const choices = (arg.argChoices ?? []).map(code).join(", ");
      return `| ${code(term)} | ${markdownText(arg.description)} | ${choices} |`;
    }),
  ];
}

/** What `--help` prints through a pipe: at HELP_WIDTH columns, without colour, with the texts added after. */
export function helpText(command: Command): string {
  let text = "";
  const saved = command.configureOutput();
  command.configureOutput({
    writeOut: (chunk) => {
      text += chunk;
    },
    getOutHelpWidth: () => HELP_WIDTH,
    getOutHasColors: () => false,
  });
  try {
    command.outputHelp();
  } finally {
    command.configureOutput(saved);
  }
  return text.trimEnd();
}

/** Text for a paragraph or a table cell: Markdown's own characters escaped, so that it reads as written. */
function markdownText(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

/** A code span in a table cell (a `|` must still be escaped there). */
function code(text: string): string {
  return `\`${text.replace(/\|/g, "\\|")}\``;
}
