// A hostile string: every character a terminal may act on, for the tests that check that none
// reaches a person raw. Written out here, not taken from src/.

/** ESC (a colour), BEL, CR, NUL, DEL, C1 CSI, a bidi override, isolates, marks, LS, TAB, a backslash. */
export const CONTROLS =
  "A\u001b[31mRED\u0007\r\u0000\u007f\u009b2J\u202eevil\u2066x\u2069\u200e\u200f\u061c\u2028\ttab\\x1b";
/** CONTROLS as a person must see it. */
export const SHOWN =
  "A\\x1b[31mRED\\x07\\x0d\\x00\\x7f\\x9b2J\\u202eevil\\u2066x\\u2069\\u200e\\u200f\\u061c\\u2028\\x09tab\\\\x1b";
/**
 * A value (a description, a tag, an alias name, a key ID) with a line break that would forge a
 * line of its own: a value's line break is shown escaped too (VALUE_SHOWN).
 */
export const VALUE = `${CONTROLS}\n✔ forged`;
export const VALUE_SHOWN = `${SHOWN}\\x0a✔ forged`;
/** VALUE as a command-line argument can hold it (no NUL), and as a person must see it. */
export const ARGUMENT = VALUE.replace("\u0000", "");
export const ARGUMENT_SHOWN = VALUE_SHOWN.replace("\\x00", "");
/** A line that VALUE forged, had its line break come out raw. */
export const FORGED = /^✔ forged/m;

/** Every character a terminal may act on but the line break. */
export const RAW =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** The colour sequences kms-replicate writes (SGR with one parameter). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const SGR = /\u001b\[\d+m/g;
/**
 * ora's own drawing: hide or show the cursor, begin or end a synchronised update, go up a line,
 * erase a line, go to column 1.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const ORA = /\u001b\[(?:\?(?:25|2026)[lh]|\d*[AGK])/g;
