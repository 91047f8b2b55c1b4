// The key list of --keys-from: read through the bounded reader (a file, a FIFO, process
// substitution or stdin), decoded as UTF-8 text (UTF-16 and binary input are named as such), and
// every line checked before any call: a key ID, a key ARN, an alias name or an alias ARN.
import { isReplicateError, usageError } from "./errors.js";
import { readInput, STDIN, type InputContext } from "./input.js";
import { parseKeyRef, type KeyRef } from "./keys.js";

/** A key list is at most this long (about 880,000 key ARNs of 76 bytes a line): anything longer is not one. */
export const KEY_LIST_MAX_BYTES = 64 * 2 ** 20;

/** At most this many bad lines are listed; the rest are counted. */
export const BAD_LINES_SHOWN = 20;

/** One line of a key list: the key as written, and where it was. */
export interface KeyListEntry {
  readonly line: number;
  readonly text: string;
  readonly ref: KeyRef;
}

/** --keys-from FILE or `-` (stdin): its entries, or a usage error (exit 2) before any call. */
export async function readKeyList(source: string, ctx: InputContext): Promise<KeyListEntry[]> {
  const label = `--keys-from ${source}`;
  const { bytes } = await readInput(
    {
      label,
      path: source === "-" ? STDIN : source,
      maxBytes: KEY_LIST_MAX_BYTES,
      cap: "the cap for a key list",
      terminalHint: "Pipe the list in (… | kms-replicate --keys-from -) or give a file.",
    },
    ctx,
  );
  return parseKeyList(decodeKeyList(bytes, source), source);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** How to turn the list into UTF-8 (`from`: iconv's name of its encoding). */
function convert(source: string, from: string): string {
  const command =
    source === "-"
      ? `… | iconv -f ${from} -t UTF-8 | kms-replicate … --keys-from -`
      : `iconv -f ${from} -t UTF-8 ${/^[\w@%+=:,./-]+$/.test(source) ? source : "FILE"} > keys-utf8.txt`;
  return `Convert it to UTF-8 first: ${command}${from === "UTF-16" ? " (PowerShell: Out-File -Encoding utf8)" : ""}.`;
}

/**
 * The text of a key list: UTF-8, with or without a byte-order mark. UTF-16 (a byte-order mark
 * FF FE or FE FF, or NULs in every other byte) and binary input (a NUL byte, bytes that are not
 * UTF-8) are refused, named as such.
 */
export function decodeKeyList(bytes: Buffer, source: string): string {
  const label = `--keys-from ${source}`;
  const bom = bytes.subarray(0, 2).toString("hex");
  if (bom === "fffe" || bom === "feff") {
    throw usageError(
      `${label} is UTF-16 text (byte-order mark ${bom.toUpperCase().replace(/(..)(..)/, "$1 $2")}); a key list is UTF-8 text.`,
      convert(source, "UTF-16"),
    );
  }
  const text = bytes.subarray(0, 3).toString("hex") === "efbbbf" ? bytes.subarray(3) : bytes;
  const nul = text.indexOf(0);
  if (nul !== -1) {
    if (looksLikeUtf16(text) !== undefined) {
      throw usageError(
        `${label} is UTF-16 text without a byte-order mark (a NUL in every other byte); a key list is UTF-8 text.`,
        convert(source, looksLikeUtf16(text) === "le" ? "UTF-16LE" : "UTF-16BE"),
      );
    }
    throw usageError(
      `${label} is binary, not text: line ${lineAt(text, nul)} has a NUL byte; a key list is UTF-8 text, one key per line.`,
      "Give the file that lists the keys.",
    );
  }
  try {
    return UTF8.decode(text);
  } catch {
    throw usageError(
      `${label} is binary or not UTF-8 text: line ${firstBadLine(text)} has bytes that are not UTF-8; a key list is UTF-8 text, one key per line.`,
      `If it is text in another encoding, ${convert(source, "LATIN1").replace(/^C/, "c")}`,
    );
  }
}

/** NULs in every other byte (as ASCII text in UTF-16 has them), in the first 1 KiB: which order. */
function looksLikeUtf16(bytes: Buffer): "le" | "be" | undefined {
  const pairs = Math.floor(Math.min(bytes.length, 1024) / 2);
  if (pairs === 0) return undefined;
  let little = 0;
  let big = 0;
  for (let i = 0; i < pairs; i += 1) {
    const [first, second] = [bytes[2 * i], bytes[2 * i + 1]];
    if (first !== 0 && second === 0) little += 1;
    if (first === 0 && second !== 0) big += 1;
  }
  if (little >= pairs * 0.9) return "le";
  return big >= pairs * 0.9 ? "be" : undefined;
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let at = bytes.indexOf(0x0a); at !== -1 && at < offset; at = bytes.indexOf(0x0a, at + 1)) {
    line += 1;
  }
  return line;
}

function firstBadLine(bytes: Buffer): number {
  let start = 0;
  for (let line = 1; ; line += 1) {
    const end = bytes.indexOf(0x0a, start);
    try {
      UTF8.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end === -1) return line;
    start = end + 1;
  }
}

const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
/** KMS's alias names: letters, digits, `/`, `_` and `-`, at most 256 characters with `alias/`. */
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]+$/;
const ALIAS_MAX_LENGTH = 256;
/** KMS's KeyId: 1 to 2048 characters. */
const KEY_REF_MAX_LENGTH = 2048;
const WHAT = "a key ID, key ARN, alias/NAME or alias ARN";

/**
 * A key list (--keys-from): one key ID, key ARN, alias name or alias ARN per line; blank lines and
 * everything from `#` on are ignored (no key reference contains `#`); LF or CRLF line ends. Every
 * bad line at once (the first BAD_LINES_SHOWN of them, and how many more).
 */
export function parseKeyList(text: string, source: string): KeyListEntry[] {
  const entries: KeyListEntry[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const value = raw.replace(/#.*$/, "").trim();
    if (value === "") return;
    const problem = keyLineProblem(value);
    if (problem === undefined) entries.push({ line: index + 1, text: value, ref: parseKeyRef(value) });
    else problems.push(`  line ${index + 1}: ${problem}`);
  });
  if (problems.length > 0) {
    const more = problems.length - BAD_LINES_SHOWN;
    const listed = more > 0 ? [...problems.slice(0, BAD_LINES_SHOWN), `  … and ${more} more`] : problems;
    throw usageError(
      `--keys-from ${source}: ${problems.length === 1 ? "1 line is" : `${problems.length} lines are`} not ${WHAT}; nothing was changed:\n${listed.join("\n")}`,
    );
  }
  return entries;
}

/** Why a line (comment and blanks taken off) is not a key reference; undefined when it is one. */
export function keyLineProblem(value: string): string | undefined {
  const shown = quoted(value);
  if (value.length > KEY_REF_MAX_LENGTH) {
    return `${shown} is ${value.length} characters; a key reference is at most ${KEY_REF_MAX_LENGTH}.`;
  }
  if (value.startsWith("arn:")) {
    try {
      parseKeyRef(value);
    } catch (error) {
      if (!isReplicateError(error)) throw error;
      // parseKeyRef speaks of --key: "--key ARN is not …", "--key ARN: the Region …".
      return `${shown}${escaped(error.message.slice(`--key ${value}`.length))}`;
    }
    // An ARN that parses has no ':' after its account: the resource is key/ID or alias/NAME.
    const resource = value.slice(value.lastIndexOf(":") + 1);
    return resource.startsWith("key/")
      ? keyIdProblem(resource.slice("key/".length), shown)
      : aliasProblem(resource, shown);
  }
  if (value.startsWith("alias/")) return aliasProblem(value, shown);
  if (KEY_ID.test(value)) return undefined;
  return `${shown}: a key ID is mrk- and 32 hex digits, or a UUID; an alias is alias/NAME; an ARN starts with arn:.`;
}

function keyIdProblem(id: string, shown: string): string | undefined {
  return KEY_ID.test(id)
    ? undefined
    : `${shown}: the key ID in the ARN is not mrk- and 32 hex digits, or a UUID.`;
}

function aliasProblem(alias: string, shown: string): string | undefined {
  if (alias.length === "alias/".length) return `${shown}: an alias needs a name after 'alias/'.`;
  if (alias.length > ALIAS_MAX_LENGTH) {
    return `${shown}: an alias name is at most ${ALIAS_MAX_LENGTH} characters, 'alias/' included.`;
  }
  if (!ALIAS_NAME.test(alias)) {
    return `${shown}: an alias name has only letters, digits, '/', '_' and '-'.`;
  }
  return undefined;
}

/** The line as written, in quotes, at most 80 characters. */
function quoted(value: string): string {
  const text = escaped(value);
  return `'${text.length > 80 ? `${text.slice(0, 79)}…` : text}'`;
}

/**
 * Every character from U+00A0 on as an escape (\u{e9}, \u{202e}): a key list line is ASCII, and a
 * look-alike letter shows. The control characters (C0, DEL, C1) are left as they are: every text
 * for people is written through one boundary (src/report/terminal-text.ts) that shows them as
 * \x1b, and escaping them here too would show them twice over.
 */
function escaped(value: string): string {
  return [...value]
    .map((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code < 0xa0 ? ch : `\\u{${code.toString(16)}}`;
    })
    .join("");
}
