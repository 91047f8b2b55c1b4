// Text for people, made safe in one place. Every line kms-replicate writes for a person passes
// through `forPeople` on its way to the stream: progress and result lines, the spinner's text, the
// fleet display, warnings, errors and hints, --debug and SDK log lines, status's aligned table,
// the line a second signal leaves, commander's usage errors. Key data (descriptions, tags, alias
// names, key IDs), the user's files and the endpoint's error messages reach those lines, and any
// of them may hold characters that drive a terminal (ESC, BEL, CR, C1 controls such as U+009B
// CSI) or reorder what it shows (bidirectional overrides). `forPeople` shows each as a visible
// escape, `\x1b` or `\u202e`, and doubles a backslash that would otherwise read as one, so that
// the text `\x1b` and the character ESC never look alike.
//
// Renderers colour with `paint` and keep a data value's own line breaks from breaking the line
// with `literal`. Both only mark the text, with markers that carry a random number drawn at
// start-up: data cannot forge them, and only `forPeople` turns them into colour (or nothing) and
// into `\x0a`.

/**
 * What is shown escaped: every C0 control but the line break (TAB, CR, ESC, BEL, …), DEL, every
 * C1 control (U+0080–U+009F), the line and paragraph separators, and the bidirectional marks,
 * embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
 * A line break is the renderers' own; one inside a data value is marked by `literal`.
 */
const ESCAPED =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const ESCAPED_ALL = new RegExp(ESCAPED.source, "gu");

/** `\x1b` for a character up to U+00FF, `\u202e` above. */
function escapeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

// ---- markers ----

const OPEN = "\uE000";
const CLOSE = "\uE001";

interface Markers {
  /** A colour marker holds an SGR parameter (`c31`); a data marker the code of the character (`d0a`). */
  readonly marker: RegExp;
  readonly sgr: (code: number) => string;
  readonly dataLineBreak: string;
  /** A colour marker, a data marker, a character to escape, or a backslash that would read as an escape. */
  readonly token: RegExp;
}

/**
 * Made on first use: the random number costs Node's crypto, about a sixth of a bare start-up that
 * `--help` and usage errors would pay for nothing (bench/README.md, Start-up).
 */
let made: Markers | undefined;
function markers(): Markers {
  if (made !== undefined) return made;
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const marker = new RegExp(`${OPEN}${nonce}(?:c(\\d+)|d([0-9a-f]+))${CLOSE}`, "g");
  const colourMark = `${OPEN}${nonce}c\\d+${CLOSE}`;
  const dataMark = `${OPEN}${nonce}d[0-9a-f]+${CLOSE}`;
  const escaped = ESCAPED.source;
  const hex = `(?:${colourMark})*[0-9a-f]`;
  const readsAsEscape = `\\\\(?=(?:${colourMark})*(?:\\\\|${escaped}|${dataMark}|x${hex}${hex}|u${hex}${hex}${hex}${hex}))`;
  made = {
    marker,
    sgr: (code) => `${OPEN}${nonce}c${code}${CLOSE}`,
    dataLineBreak: `${OPEN}${nonce}d0a${CLOSE}`,
    token: new RegExp(`${marker.source}|${escaped}|${readsAsEscape}`, "gu"),
  };
  return made;
}

/** The styles the renderers use. chalk's instances have them too (the unit tests pass one). */
export interface Paint {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly blue: (text: string) => string;
  readonly cyan: (text: string) => string;
}

/** SGR codes as chalk's ansi-styles has them: [open, close]. */
const STYLES: Record<keyof Paint, readonly [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
};

/**
 * Styles as chalk applies them (a style nested in one that shares its close code re-opens the
 * outer one; a line break closes and re-opens), as markers that `forPeople` turns into ANSI
 * colour when the stream may be coloured and drops otherwise.
 */
function style(open: number, close: number): (text: string) => string {
  let marks: readonly [string, string] | undefined;
  return (text) => {
    if (text === "") return "";
    const { sgr } = markers();
    marks ??= [sgr(open), sgr(close)];
    const [openMark, closeMark] = marks;
    return `${openMark}${text.replaceAll(closeMark, closeMark + openMark).replaceAll("\n", `${closeMark}\n${openMark}`)}${closeMark}`;
  };
}

export const paint: Paint = Object.fromEntries(
  Object.entries(STYLES).map(([name, [open, close]]) => [name, style(open, close)]),
) as unknown as Paint;

/** No colour at all (the heartbeat, for logs). */
export const noPaint: Paint = Object.fromEntries(
  Object.keys(STYLES).map((name) => [name, (text: string) => text]),
) as unknown as Paint;

/**
 * A data value (a description, a tag, an alias name, a key ID, a table's cell) in a line: its own
 * line breaks are shown as `\x0a` too, so that it cannot break the line or forge one. Everything
 * else `forPeople` escapes anyway.
 */
export function literal(value: string): string {
  return value.replaceAll("\n", markers().dataLineBreak);
}

// ---- the boundary ----

/** A piece of text as written (`source`) and as shown (`shown`): a grapheme, or a marker. */
export interface Piece {
  readonly source: string;
  readonly shown: string;
}

/** What, after a backslash, would make it read as the start of an escape. */
const READS_AS_ESCAPE = /^(?:\\|x[0-9a-f]{2}|u[0-9a-f]{4})/;

/** Made on first use: loading ICU's segmentation costs start-up time that --help should not pay. */
let graphemes: Intl.Segmenter | undefined;
/** Nothing to do: no character to escape, no backslash, no marker. */
const NOTHING_TO_DO = new RegExp(`^[^\\\\${OPEN}${ESCAPED.source.slice(1, -1)}]*$`, "u");

/**
 * `text` in pieces as it will be shown (a marker shows as its colour, or as nothing with
 * `colour` false). A backslash is doubled when what follows it shows as `\`, or as `x` and two
 * hex digits, or `u` and four (colour aside): the shown text then reads back one way only (`\\` a
 * backslash, `\xhh` and `\uhhhh` a character, any other `\` itself, as in `C:\Users`).
 */
export function piecesOf(text: string, colour = false): Piece[] {
  const pieces: (Piece & { readonly sgr: boolean })[] = [];
  let at = 0;
  for (const match of text.matchAll(markers().marker)) {
    plain(text.slice(at, match.index), pieces);
    const [source, code, data] = match;
    const shown =
      code !== undefined
        ? colour
          ? `\x1b[${code}m`
          : ""
        : escapeCharacter(String.fromCodePoint(parseInt(data ?? "0", 16)));
    pieces.push({ source, shown, sgr: code !== undefined });
    at = match.index + source.length;
  }
  plain(text.slice(at), pieces);
  // From the end, knowing what the next pieces show (colour shows nothing to a reader).
  let ahead = "";
  for (let i = pieces.length - 1; i >= 0; i -= 1) {
    const piece = pieces[i];
    if (piece === undefined || piece.sgr) continue;
    const after = piece.source.length > 1 ? piece.shown.slice(1) + ahead : ahead;
    if (piece.source.startsWith("\\") && READS_AS_ESCAPE.test(after)) {
      pieces[i] = { ...piece, shown: `\\${piece.shown}` };
    }
    ahead = (piece.shown + ahead).slice(0, 5);
  }
  return pieces;
}

function plain(text: string, into: (Piece & { readonly sgr: boolean })[]): void {
  if (text === "") return;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of graphemes.segment(text)) {
    into.push({ source: segment, shown: segment.replace(ESCAPED_ALL, escapeCharacter), sgr: false });
  }
}

/**
 * The text as a terminal or a log may show it: every character of ESCAPED as its escape, every
 * line break but the renderers' own as `\x0a`, the colour markers as ANSI colour (`colour`) or
 * nothing, a backslash doubled where it would read as an escape (as piecesOf says). Every text for
 * people is written through here, once.
 */
export function forPeople(text: string, colour: boolean): string {
  if (NOTHING_TO_DO.test(text)) return text;
  return text.replace(markers().token, (token, code: string | undefined, data: string | undefined) => {
    if (code !== undefined) return colour ? `\x1b[${code}m` : "";
    if (data !== undefined) return escapeCharacter(String.fromCodePoint(parseInt(data, 16)));
    return token === "\\" ? "\\\\" : escapeCharacter(token);
  });
}

/**
 * A field of a table for a program (status's TSV): as `forPeople` shows a data value, with its tabs
 * and line breaks escaped too, so that it can break neither its row nor the columns, and no colour.
 */
export function tsvField(value: string): string {
  return forPeople(literal(value), false);
}
