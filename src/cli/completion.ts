// `kms-replicate completion bash|zsh|fish`: a completion script for the shell. Commands, flags and
// `--output`-style choices are read from the commander program itself (its visible commands and
// options, as `--help` shows them), so the script cannot drift from the real command line; Region
// IDs come from the AWS SDK's partition data. Pure: returns the script, prints nothing.
import { Help, type Command, type Option } from "commander";
import { REGION_PATTERN } from "../core/regions.js";
import { sdkRegionIds } from "../aws/sdk-partition.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const NAME = "kms-replicate";

/** What to complete after an option that takes a value. */
type Values =
  | { readonly kind: "none" }
  | { readonly kind: "any" }
  | { readonly kind: "choices"; readonly choices: readonly string[] }
  | { readonly kind: "region" }
  | { readonly kind: "regions" };

interface OptionSpec {
  /** `-k`, `--key`: every spelling. */
  readonly names: readonly string[];
  readonly short?: string;
  readonly long?: string;
  readonly description: string;
  readonly values: Values;
}

interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** Candidates for the first positional argument (`completion <shell>`, `help [command]`). */
  readonly positionals: readonly string[];
}

interface Spec {
  /** The command line without a command (kms-replicate's default, replicate). */
  readonly root: CommandSpec;
  readonly commands: readonly CommandSpec[];
  readonly regions: readonly string[];
}

/** Every Region ID the SDK knows, without its pseudo-Regions (aws-global, …). */
export function knownRegionIds(): string[] {
  return [...new Set(sdkRegionIds().filter((id) => REGION_PATTERN.test(id)))].sort();
}

function valuesOf(option: Option): Values {
  if (!option.required && !option.optional) return { kind: "none" };
  if (option.argChoices !== undefined) return { kind: "choices", choices: option.argChoices };
  // By the value's name in the flags, so a new `--x <region>` option completes Regions too.
  if (/<regions>/.test(option.flags)) return { kind: "regions" };
  if (/<region>/.test(option.flags)) return { kind: "region" };
  return { kind: "any" };
}

function optionSpec(option: Option): OptionSpec {
  const names = [option.short, option.long].filter((n): n is string => n !== undefined);
  return {
    names,
    ...(option.short === undefined ? {} : { short: option.short }),
    ...(option.long === undefined ? {} : { long: option.long }),
    description: option.description,
    values: valuesOf(option),
  };
}

/** Options of `command` and of every command above it (global options work after a command too). */
function optionsOf(command: Command): Option[] {
  // commander's own Help, not the program's (which shows the global ones compactly and hides --help).
  const options = [...new Help().visibleOptions(command)];
  for (let parent = command.parent; parent !== null; parent = parent.parent) {
    options.push(...parent.options.filter((o) => !o.hidden));
  }
  return unique(options);
}

function unique(options: readonly Option[]): Option[] {
  const seen = new Set<string>();
  return options.filter((o) => {
    const key = o.long ?? o.short ?? o.flags;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** commander keeps the default command (`.command(name, { isDefault: true })`) in a private field. */
function defaultCommandOf(program: Command): Command | undefined {
  const name = (program as Command & { _defaultCommandName?: string | null })._defaultCommandName;
  return program.commands.find((c) => c.name() === name);
}

/** Reads the program: its visible commands and their options, global ones included. */
export function describeProgram(program: Command, regions: readonly string[] = knownRegionIds()): Spec {
  const subcommands = program.createHelp().visibleCommands(program);
  const names = subcommands.map((c) => c.name());
  const commands = subcommands.map((command): CommandSpec => {
    // `help [command]` (commander's or the program's own) takes a command name.
    const positionals =
      command.name() === "help"
        ? names.filter((n) => n !== "help")
        : (command.registeredArguments[0]?.argChoices ?? []);
    return {
      name: command.name(),
      description: command.description(),
      options: optionsOf(command).map(optionSpec),
      positionals,
    };
  });
  // Without a command: the program's options, and the default command's, which need no name.
  const fallback = defaultCommandOf(program);
  const rootOptions = unique([...optionsOf(fallback ?? program), ...optionsOf(program)]);
  const root: CommandSpec = {
    name: NAME,
    description: program.description(),
    options: rootOptions.map(optionSpec),
    positionals: [],
  };
  return { root, commands, regions };
}

export function completionScript(
  program: Command,
  shell: Shell,
  regions: readonly string[] = knownRegionIds(),
): string {
  const spec = describeProgram(program, regions);
  switch (shell) {
    case "bash":
      return bashScript(spec);
    case "zsh":
      return zshScript(spec);
    case "fish":
      return fishScript(spec);
  }
}

/** POSIX single quotes: bash and zsh. */
function sq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** fish single quotes: only \ and ' are special. */
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** One line of help text, trimmed for a completion menu. */
function summary(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

/** Every option that takes a value, over all commands, by spelling (the first definition wins). */
function valueOptions(spec: Spec): Map<string, Values> {
  const map = new Map<string, Values>();
  for (const command of [spec.root, ...spec.commands]) {
    for (const option of command.options) {
      if (option.values.kind === "none") continue;
      for (const name of option.names) if (!map.has(name)) map.set(name, option.values);
    }
  }
  return map;
}

/** Groups spellings that complete the same way: `--output|-o` → choices. */
function byValues(spec: Spec): [string[], Values][] {
  const groups = new Map<string, [string[], Values]>();
  for (const [name, values] of valueOptions(spec)) {
    const key = JSON.stringify(values);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [[name], values]);
    else group[0].push(name);
  }
  return [...groups.values()];
}

const HEADER = (shell: Shell, load: string, install: string): string =>
  `# ${shell} completion for ${NAME}, generated by \`${NAME} completion ${shell}\`.\n` +
  `# In this shell:   ${load}\n# In every shell:  ${install}\n`;

function bashScript(spec: Spec): string {
  const commandNames = spec.commands.map((c) => c.name);
  const words = (command: CommandSpec, extra: readonly string[]): string =>
    sq([...command.positionals, ...command.options.flatMap((o) => o.names), ...extra].join(" "));
  const valueCases = byValues(spec).map(([names, values]) => {
    const pattern = names.join("|");
    switch (values.kind) {
      case "choices":
        return `    ${pattern}) COMPREPLY=($(compgen -W ${sq(values.choices.join(" "))} -- "$cur")); return ;;`;
      case "region":
        return `    ${pattern}) COMPREPLY=($(compgen -W "$regions" -- "$cur")); return ;;`;
      case "regions":
        // A comma-separated list: complete the part after the last comma, keep the rest.
        return `    ${pattern}) last=\${cur##*,}; COMPREPLY=($(compgen -P "\${cur%"$last"}" -W "$regions" -- "$last")); return ;;`;
      default:
        // A free value (a key, a file://path): bash's own completion (-o default).
        return `    ${pattern}) return ;;`;
    }
  });
  const commandCases = spec.commands.map((c) => `    ${c.name}) words=${words(c, [])} ;;`);
  return `${HEADER(
    "bash",
    `source <(${NAME} completion bash)`,
    `${NAME} completion bash > ~/.local/share/bash-completion/completions/${NAME}`,
  )}_kms_replicate() {
  local cur prev cmd="" words last i regions
  regions=${sq(spec.regions.join(" "))}
  cur=\${COMP_WORDS[COMP_CWORD]}
  prev=\${COMP_WORDS[COMP_CWORD-1]}
  # --option=value: bash splits at "=".
  if [[ $prev == "=" && $COMP_CWORD -ge 2 ]]; then prev=\${COMP_WORDS[COMP_CWORD-2]}; fi
  if [[ $cur == "=" ]]; then cur=""; fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      ${commandNames.join("|")}) cmd=\${COMP_WORDS[i]}; break ;;
    esac
  done
  case $prev in
${valueCases.join("\n")}
  esac
  case $cmd in
${commandCases.join("\n")}
    *) words=${words(spec.root, commandNames)} ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _kms_replicate ${NAME}
`;
}

function zshScript(spec: Spec): string {
  const commandNames = spec.commands.map((c) => c.name);
  const described = (options: readonly OptionSpec[]): string =>
    options.flatMap((o) => o.names.map((n) => sq(`${n}:${summary(o.description)}`))).join(" ");
  const valueCases = byValues(spec).map(([names, values]) => {
    const pattern = names.join("|");
    switch (values.kind) {
      case "choices":
        return `    (${pattern}) compadd -- ${values.choices.map(sq).join(" ")}; return ;;`;
      case "region":
        return `    (${pattern}) compadd -a regions; return ;;`;
      case "regions":
        return `    (${pattern}) compset -P '*,'; compadd -a regions; return ;;`;
      default:
        return `    (${pattern}) _default; return ;;`;
    }
  });
  const commandCases = spec.commands.map((c) => {
    const positionals = c.positionals.length === 0 ? "" : `compadd -- ${c.positionals.map(sq).join(" ")}; `;
    return `    (${c.name}) opts=(${described(c.options)}); ${positionals}_describe -t options option opts ;;`;
  });
  const commands = spec.commands.map((c) => sq(`${c.name}:${summary(c.description)}`)).join(" ");
  return `#compdef ${NAME}
${HEADER("zsh", `source <(${NAME} completion zsh)   (after compinit)`, `${NAME} completion zsh > "\${fpath[1]}/_${NAME}"`)}
_kms_replicate() {
  local -a regions opts commands
  local cmd="" prev=\${words[CURRENT-1]} i
  regions=(${spec.regions.join(" ")})
  for ((i = 2; i < CURRENT; i++)); do
    case \${words[i]} in
      (${commandNames.join("|")}) cmd=\${words[i]}; break ;;
    esac
  done
  case $prev in
${valueCases.join("\n")}
  esac
  case $cmd in
${commandCases.join("\n")}
    (*)
      commands=(${commands})
      opts=(${described(spec.root.options)})
      _describe -t commands command commands
      _describe -t options option opts ;;
  esac
}

if [[ \${funcstack[1]} == _${NAME} ]]; then
  _kms_replicate "$@"
else
  compdef _kms_replicate ${NAME}
fi
`;
}

function fishScript(spec: Spec): string {
  const commandNames = spec.commands.map((c) => c.name).join(" ");
  const lines: string[] = [];
  const optionLine = (condition: string, option: OptionSpec): string => {
    const parts = [`complete -c ${NAME} -n ${fishQuote(condition)}`];
    // fish knows single-letter short options (-s) and long ones (-l).
    if (option.short !== undefined) parts.push(`-s ${option.short.slice(1)}`);
    if (option.long !== undefined) parts.push(`-l ${option.long.slice(2)}`);
    const values = option.values;
    if (values.kind === "choices") parts.push(`-x -a ${fishQuote(values.choices.join(" "))}`);
    else if (values.kind === "region" || values.kind === "regions")
      parts.push("-x -a '(__kms_replicate_regions)'");
    else if (values.kind === "any") parts.push("-r");
    parts.push(`-d ${fishQuote(summary(option.description))}`);
    return parts.join(" ");
  };
  const root = `not __fish_seen_subcommand_from ${commandNames}`;
  for (const command of spec.commands) {
    lines.push(
      `complete -c ${NAME} -n ${fishQuote(root)} -f -a ${command.name} -d ${fishQuote(summary(command.description))}`,
    );
  }
  for (const option of spec.root.options) lines.push(optionLine(root, option));
  for (const command of spec.commands) {
    const seen = `__fish_seen_subcommand_from ${command.name}`;
    if (command.positionals.length > 0) {
      lines.push(
        `complete -c ${NAME} -n ${fishQuote(seen)} -f -a ${fishQuote(command.positionals.join(" "))}`,
      );
    }
    for (const option of command.options) lines.push(optionLine(seen, option));
  }
  return `${HEADER("fish", `${NAME} completion fish | source`, `${NAME} completion fish > ~/.config/fish/completions/${NAME}.fish`)}
complete -c ${NAME} -e
complete -c ${NAME} -f

# Region IDs; after --regions a,b, the part after the last comma.
function __kms_replicate_regions
    set -l prefix (string match -r -- '^.*,' (commandline -ct))
    for region in ${spec.regions.join(" ")}
        echo "$prefix$region"
    end
end

${lines.join("\n")}
`;
}
