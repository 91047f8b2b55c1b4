// How --help reads: a command's own options first, then the options that name the key (every
// command takes one), then the other global options in one compact block; `kms-replicate help
// globals` lists those in full. The same layout for the program and every command.
import { Help, type Command, type Option } from "commander";
import { isAccountOption } from "./account-flags.js";
import { KEY_OPTIONS } from "./globals.js";

/** At most this many columns for an option's name: a longer one stands on its own line. */
const TERM_WIDTH = 26;

/**
 * Help is at most this wide, whatever the terminal: a wider one gets the text an 80-column one
 * gets, so that src/cli/entry.ts can print the texts the build rendered (scripts/build.mjs).
 */
export const HELP_WIDTH = 80;

/** The heading the global options are defined under (src/cli/program.ts). */
export const GLOBALS_HEADING = "Global Options:";

const isKeyOption = (option: Option): boolean =>
  (KEY_OPTIONS as readonly string[]).includes(option.attributeName());

/** `--profile <name>` → `--profile NAME`; `-o, --output <format>` → `-o/--output text|json`. */
function compactTerm(option: Option): string {
  const names = [option.short, option.long].filter((n) => n !== undefined).join("/");
  if (option.argChoices !== undefined) return `${names} ${option.argChoices.join("|")}`;
  const argument = /<([^>]+)>/.exec(option.flags)?.[1];
  if (option.long === "--version") return names;
  return argument === undefined ? names : `${names} ${argument.toUpperCase().replace(/[^A-Z=]+/g, "_")}`;
}

/** The global options that do not name the key, as one wrapped block. */
function compactGlobals(options: readonly Option[], width: number): string[] {
  const terms = [
    ...options.filter((o) => !isKeyOption(o) && !isAccountOption(o) && !o.hidden).map(compactTerm),
    "-h/--help",
  ];
  const lines: string[] = [];
  let line = " ";
  for (const term of terms) {
    const next = `${line} ${term}${term === terms[terms.length - 1] ? "" : ","}`;
    if (next.length > width && line.trim() !== "") {
      lines.push(line);
      line = `  ${term},`;
    } else {
      line = next;
    }
  }
  if (line.trim() !== "") lines.push(line);
  return ["Global options (every one in full: kms-replicate help globals):", ...lines];
}

/** The help of the program and of every command, as described above. */
export function configureHelp(program: Command): void {
  program.configureHelp({
    showGlobalOptions: true,
    prepareContext(context): void {
      Help.prototype.prepareContext.call(this, {
        ...context,
        helpWidth: Math.min(context.helpWidth ?? HELP_WIDTH, HELP_WIDTH),
      });
    },
    visibleOptions(cmd: Command): Option[] {
      const all = Help.prototype.visibleOptions.call(this, cmd);
      // The program's own options are the global ones: only the key's in full (the others, --help
      // and --version among them, in the compact block).
      return cmd.parent === null ? all.filter(isKeyOption) : all.filter((o) => o.long !== "--help");
    },
    visibleGlobalOptions(cmd: Command): Option[] {
      return Help.prototype.visibleGlobalOptions.call(this, cmd).filter(isKeyOption);
    },
    // Long option names (--bypass-policy-lockout-safety-check) get a line of their own, so that
    // every description keeps about 50 columns of an 80-column terminal.
    padWidth(cmd: Command, helper: Help): number {
      return Math.min(Help.prototype.padWidth.call(this, cmd, helper), TERM_WIDTH);
    },
    formatItem(term: string, termWidth: number, description: string, helper: Help): string {
      if (description === "" || helper.displayWidth(term) <= termWidth) {
        return Help.prototype.formatItem.call(this, term, termWidth, description, helper);
      }
      return `  ${term}\n${Help.prototype.formatItem.call(this, "", termWidth, description, helper)}`;
    },
    formatItemList(heading: string, items: string[], helper: Help): string[] {
      const list = Help.prototype.formatItemList.call(
        this,
        heading === GLOBALS_HEADING ? "Key:" : heading,
        items,
        helper,
      );
      if (heading !== GLOBALS_HEADING || items.length === 0) return list;
      return [...list, ...compactGlobals(program.options, helper.helpWidth ?? 80), ""];
    },
  });
}

/** `kms-replicate help globals`: every global option with its description. */
export function globalsHelp(program: Command): string {
  const lines = optionLines(
    program,
    program.options.filter((o) => !isAccountOption(o)),
  );
  return [
    "Global options: every command takes them, before or after its name.",
    "",
    ...lines,
    "",
    "Every account of an organisation, shards: kms-replicate help accounts.",
    "",
  ].join("\n");
}

/** Options as commander lists them, in one column of terms, at most HELP_WIDTH wide. */
function optionLines(program: Command, options: readonly Option[]): string[] {
  const helper = new Help();
  helper.prepareContext({
    helpWidth: Math.min(program.configureOutput().getOutHelpWidth?.() ?? HELP_WIDTH, HELP_WIDTH),
  });
  const width = Math.max(...options.map((o) => helper.displayWidth(helper.optionTerm(o))));
  return options.map((o) =>
    helper.formatItem(helper.optionTerm(o), width, helper.optionDescription(o), helper),
  );
}

/** `kms-replicate help accounts`: the accounts options in full, and where they are described. */
export function accountsHelp(program: Command): string {
  const lines = optionLines(program, program.options.filter(isAccountOption));
  return [
    "Accounts and shards: every account of an organisation in one run, a role",
    "assumed in each; or one run split across processes (--shard).",
    "",
    ...lines,
    "",
    "Example:",
    "  kms-replicate status --all-primaries --region us-east-1 \\",
    "      --accounts-from accounts.yml --select-account-tag env=prod --shard 1/4",
    "",
    "The accounts file, the role each account needs: docs/organisations.md.",
    "",
  ].join("\n");
}
