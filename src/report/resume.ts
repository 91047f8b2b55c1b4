// How to pick up where a run stopped: the run's own command with a longer --timeout, or a
// `kms-replicate wait` for its Regions; every word shell-quoted, ready to paste.
import { redactUrl } from "../core/redact.js";

/** The options a `kms-replicate wait` needs to pick up where a run stopped. */
export interface ResumeOptions {
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly connectTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  /** The --timeout to suggest. */
  readonly timeoutMs: number;
  /** The run's own arguments (after `kms-replicate`), for "run the same command again". */
  readonly argv?: readonly string[];
}

/** A word as a POSIX shell reads it back: as is when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A duration as --timeout reads it: `20m`, `90s`, `1h`, `1500ms`. */
export function durationFlag(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * The run's own command with the suggested --timeout (`kms-replicate promote --all-primaries …
 * --timeout 20m`): what finishes the work --timeout kept from being sent; undefined without argv.
 */
export function rerunCommand(options: ResumeOptions): string | undefined {
  if (options.argv === undefined) return undefined;
  const words: string[] = [];
  for (let i = 0; i < options.argv.length; i += 1) {
    const word = options.argv[i] ?? "";
    if (word === "--timeout") i += 1;
    else if (!word.startsWith("--timeout=")) words.push(redactUrl(word));
  }
  return ["kms-replicate", ...words, "--timeout", durationFlag(options.timeoutMs)].map(shellQuote).join(" ");
}

/** The lines that tell how to finish what --timeout kept from being sent (`regions`: where). */
export function rerunLines(regions: readonly string[], options: ResumeOptions | undefined): string[] {
  if (regions.length === 0) return [];
  const again = options === undefined ? undefined : rerunCommand(options);
  const where = regions.join(", ");
  return again === undefined
    ? [
        `--timeout ran out before every change was sent (${where}): run the same command again with a longer --timeout.`,
      ]
    : [
        `--timeout ran out before every change was sent (${where}). To finish (what is done counts as done):`,
        `  ${again}`,
      ];
}

/** `kms-replicate wait --key ARN --regions eu-west-1 … --timeout 20m`: to follow `regions` further. */
export function waitCommand(key: string, regions: readonly string[], options: ResumeOptions): string {
  return ["kms-replicate", "wait", "--key", key, ...waitFlags(regions, options)].map(shellQuote).join(" ");
}

/** The flags of a `kms-replicate wait` after its keys: the Regions, how to reach AWS, the timeout. */
export function waitFlags(regions: readonly string[], options: ResumeOptions): string[] {
  const words = ["--regions", regions.join(",")];
  if (options.profile !== undefined) words.push("--profile", options.profile);
  // Its password or token is not shown (`http://***@host`): the person puts it back.
  if (options.endpointUrl !== undefined) words.push("--endpoint-url", redactUrl(options.endpointUrl));
  if (options.connectTimeoutMs !== undefined) {
    words.push("--cli-connect-timeout", String(options.connectTimeoutMs / 1000));
  }
  if (options.readTimeoutMs !== undefined)
    words.push("--cli-read-timeout", String(options.readTimeoutMs / 1000));
  words.push("--timeout", durationFlag(options.timeoutMs));
  return words;
}
