// The commands a run prints for what is left to do, to finish or to undo its work: built from the
// run's own values (the primary's ARN, the material's source, the flags that reach the same
// account the same way), every word shell-quoted, ready to paste.
import { isAbsolute, resolve } from "node:path";
import { DEFAULT_TIMEOUT_MS, type ImportOptions } from "../core/options.js";
import { redactUrl } from "../core/redact.js";
import type { WrappingAlgorithm, WrappingKeySpec } from "../core/wrap.js";
import { durationFlag, rerunCommand, shellQuote, waitCommand, type ResumeOptions } from "./resume.js";

/** How the run reached AWS: repeated in every command it prints (kms-replicate's and the AWS CLI's flags share these names). */
export interface Reach {
  readonly profile?: string;
  readonly endpointUrl?: string;
  /** --cli-connect-timeout, in ms, when given. */
  readonly connectTimeoutMs?: number;
  /** --cli-read-timeout, in ms, when given. */
  readonly readTimeoutMs?: number;
}

/** The import flags of the run, as given (the material's source, never the material). */
export interface MaterialFlags {
  /** fileb:///absolute/path, or - (stdin: the same material must be piped in again). */
  readonly source: string;
  readonly wrappingAlgorithm?: WrappingAlgorithm;
  readonly wrappingKeySpec?: WrappingKeySpec;
  readonly validTo?: Date;
  readonly noExpiry: boolean;
}

/** The flags of a run that say how it reaches AWS, as commander parsed them (timeouts in ms). */
export interface ReachFlags {
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly cliConnectTimeout?: number;
  readonly cliReadTimeout?: number;
}

/**
 * The --timeout to repeat: the run's own when it was longer than the default, else none (the
 * default): a run that ran out of time is never told to run with as little again.
 */
export function longerTimeout(timeoutMs: number | undefined): number | undefined {
  return timeoutMs !== undefined && timeoutMs > DEFAULT_TIMEOUT_MS ? timeoutMs : undefined;
}

/** The run's flags that reach AWS, as given (the defaults are left out). */
export function reachOf(flags: ReachFlags): Reach {
  return {
    profile: flags.profile?.trim() || undefined,
    endpointUrl: flags.endpointUrl,
    connectTimeoutMs: flags.cliConnectTimeout,
    readTimeoutMs: flags.cliReadTimeout,
  };
}

/** The run's import flags, the material's path made absolute (the command may be pasted elsewhere). */
export function materialFlagsOf(importing: ImportOptions, cwd: string): MaterialFlags {
  const path = importing.keyMaterial.startsWith("fileb://")
    ? importing.keyMaterial.slice("fileb://".length)
    : undefined;
  return {
    source: path === undefined || isAbsolute(path) ? importing.keyMaterial : `fileb://${resolve(cwd, path)}`,
    wrappingAlgorithm: importing.wrapping.algorithm,
    wrappingKeySpec: importing.wrapping.keySpec,
    validTo: importing.validTo,
    noExpiry: importing.noExpiry,
  };
}

/** A command line: each word quoted for a POSIX shell where it needs it. */
const line = (words: readonly string[]): string => words.map(shellQuote).join(" ");

export function reachWords(reach: Reach): string[] {
  const words: string[] = [];
  if (reach.profile !== undefined) words.push("--profile", reach.profile);
  // One redaction for URLs (src/core/redact.ts): a password in it is never printed.
  if (reach.endpointUrl !== undefined) words.push("--endpoint-url", redactUrl(reach.endpointUrl));
  if (reach.connectTimeoutMs !== undefined) {
    words.push("--cli-connect-timeout", String(reach.connectTimeoutMs / 1000));
  }
  if (reach.readTimeoutMs !== undefined) words.push("--cli-read-timeout", String(reach.readTimeoutMs / 1000));
  return words;
}

function materialWords(material: MaterialFlags): string[] {
  const words = ["--key-material", material.source];
  if (material.wrappingAlgorithm !== undefined)
    words.push("--wrapping-algorithm", material.wrappingAlgorithm);
  if (material.wrappingKeySpec !== undefined) words.push("--wrapping-key-spec", material.wrappingKeySpec);
  if (material.validTo !== undefined) words.push("--valid-to", material.validTo.toISOString());
  if (material.noExpiry) words.push("--no-expiry");
  return words;
}

const timeoutWords = (timeoutMs: number | undefined): string[] =>
  timeoutMs === undefined ? [] : ["--timeout", durationFlag(timeoutMs)];

/** With material from stdin, what the person must do besides pasting the command. */
export function stdinNote(material: MaterialFlags): string {
  return material.source === "-" ? " (with the same material piped in again)" : "";
}

/** `kms-replicate import-material --key ARN --regions … --key-material …`: the material into `regions` again. */
export function importMaterialCommand(input: {
  readonly key: string;
  readonly regions: readonly string[];
  readonly material: MaterialFlags;
  readonly reach: Reach;
  readonly timeoutMs?: number;
}): string {
  return line([
    "kms-replicate",
    "import-material",
    "--key",
    input.key,
    "--regions",
    input.regions.join(","),
    ...materialWords(input.material),
    ...reachWords(input.reach),
    ...timeoutWords(input.timeoutMs),
  ]);
}

/**
 * For a run that imports material (import-material, replicate --key-material): the import-material
 * command that imports it into one Region again, with this run's values.
 */
export function importAgain(
  primaryArn: string,
  importing: ImportOptions,
  run: { readonly reach: Reach; readonly timeoutMs?: number },
  cwd: string,
): (region: string) => string {
  const material = materialFlagsOf(importing, cwd);
  const { reach } = run;
  const timeoutMs = longerTimeout(run.timeoutMs);
  return (region) =>
    `${importMaterialCommand({ key: primaryArn, regions: [region], material, reach, timeoutMs })}${stdinNote(material)}`;
}

/** `kms-replicate rotate-material --key ARN --key-material …`: the same rotation again (it continues). */
export function rotateMaterialCommand(input: {
  readonly key: string;
  readonly material: MaterialFlags;
  readonly reach: Reach;
  readonly timeoutMs?: number;
}): string {
  return line([
    "kms-replicate",
    "rotate-material",
    "--key",
    input.key,
    ...materialWords(input.material),
    ...reachWords(input.reach),
    ...timeoutWords(input.timeoutMs),
  ]);
}

/** `aws kms delete-imported-key-material …`: takes material `keyMaterialId` off the key `keyArn`. */
export function deleteImportedMaterialCommand(input: {
  readonly keyArn: string;
  readonly region: string;
  readonly keyMaterialId: string;
  readonly reach: Reach;
}): string {
  return line([
    "aws",
    "kms",
    "delete-imported-key-material",
    "--key-id",
    input.keyArn,
    "--key-material-id",
    input.keyMaterialId,
    "--region",
    input.region,
    ...reachWords(input.reach),
  ]);
}

/** `aws kms list-key-rotations …`: every key material of the key and its state. */
export function listKeyRotationsCommand(input: {
  readonly keyArn: string;
  readonly region: string;
  readonly reach: Reach;
}): string {
  return line([
    "aws",
    "kms",
    "list-key-rotations",
    "--key-id",
    input.keyArn,
    "--include-key-material",
    "ALL_KEY_MATERIAL",
    "--region",
    input.region,
    ...reachWords(input.reach),
  ]);
}

/** `kms-replicate cancel-deletion --key ARN [--regions …]`: undoes a retirement or a family's deletion. */
export function cancelDeletionCommand(input: {
  readonly key: string;
  /** Empty: every key of the family. */
  readonly regions: readonly string[];
  readonly reach: Reach;
}): string {
  return line([
    "kms-replicate",
    "cancel-deletion",
    "--key",
    input.key,
    ...(input.regions.length > 0 ? ["--regions", input.regions.join(",")] : []),
    ...reachWords(input.reach),
  ]);
}

/** `kms-replicate COMMAND --key ARN FLAGS…`: a change again on one key, with this run's values. */
export function keyCommand(input: {
  readonly command: string;
  readonly key: string;
  readonly flags: readonly string[];
  readonly reach: Reach;
  readonly timeoutMs?: number;
}): string {
  return line([
    "kms-replicate",
    input.command,
    "--key",
    input.key,
    ...input.flags,
    ...reachWords(input.reach),
    ...timeoutWords(longerTimeout(input.timeoutMs)),
  ]);
}

/**
 * The run's own command, as it was typed (an endpoint URL's password hidden): run again, it picks
 * up where this one stopped. Undefined without the run's arguments.
 */
export function sameCommand(resume: ResumeOptions): string | undefined {
  if (resume.argv === undefined) return undefined;
  const words = ["kms-replicate", ...resume.argv.map((word) => redactUrl(word))];
  const piped = resume.argv.some((word, i) => word === "-" && resume.argv?.[i - 1] === "--key-material");
  return `${line(words)}${piped ? " (with the same material piped in again)" : ""}`;
}

/** After a signal stopped the run: the same command again, or (without its arguments) how to. */
export function interruptedLines(regions: readonly string[], resume: ResumeOptions): string[] {
  if (regions.length === 0) return [];
  const again = sameCommand(resume);
  return again === undefined
    ? ["To pick up where it stopped, run the same command again: what is done counts as done."]
    : ["To pick up where it stopped (what is done counts as done):", `  ${again}`];
}

/** After --timeout ran out while Regions were worked on: the same command again, with a longer --timeout. */
export function timedOutLines(regions: readonly string[], resume: ResumeOptions): string[] {
  if (regions.length === 0) return [];
  const again = rerunCommand(resume);
  return again === undefined
    ? ["To finish, run the same command again with a longer --timeout: what is done counts as done."]
    : ["To finish (what is done counts as done):", `  ${again}`];
}

/** The name a command gives the material file it cannot know: the person puts the path in. */
export const MATERIAL_FILE = "MATERIAL_FILE";

/**
 * Replicas left without key material by a run that never read it (replicate, wait and sync without
 * --key-material): the import-material command that imports it, with the run's key, Regions and
 * flags, and the one word it cannot know named.
 */
export function importHintLines(key: string, regions: readonly string[], resume: ResumeOptions): string[] {
  if (regions.length === 0) return [];
  const command = importMaterialCommand({
    key,
    regions,
    material: { source: `fileb://${MATERIAL_FILE}`, noExpiry: false },
    reach: resume,
  });
  return [
    `To import the primary's key material (${MATERIAL_FILE}: its file, not read here):`,
    `  ${command}`,
  ];
}

/** Replicas seen Creating and not waited for (--no-wait): the wait that follows them until usable. */
export function waitHintLines(key: string, regions: readonly string[], resume: ResumeOptions): string[] {
  if (regions.length === 0) return [];
  return [
    `To wait until ${regions.length === 1 ? "it is" : "they are"} usable:`,
    `  ${waitCommand(key, regions, resume)}`,
  ];
}
