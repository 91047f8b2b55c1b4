// How the person's output looks this run: worked out once from the terminal's facts
// (src/cli/terminal.ts), read by every renderer.

export interface OutputMode {
  /** An ora spinner on stderr: a TTY with a width, not CI, not TERM=dumb, not --quiet, not --debug. */
  readonly spinner: boolean;
  /**
   * stderr is a terminal with a width: its width, which result lines fit (a key ID for an ARN, notes
   * broken at spaces); undefined: a pipe or a file, where every line is whole (the full ARN).
   */
  readonly columns?: number;
  /** ANSI colours on stderr. */
  readonly color: boolean;
  /** One JSON document on stdout. */
  readonly json: boolean;
  /** Only errors on stderr. */
  readonly quiet: boolean;
  readonly debug: boolean;
  /**
   * `status`'s table on stdout: for a person (stdout a terminal: aligned in cells, fitted to
   * `columns`, coloured if `color`) or for a program (tab-separated, a header line, no colour).
   */
  readonly table: { readonly aligned: boolean; readonly columns: number; readonly color: boolean };
  /**
   * Without a spinner, a `waiting: …` line on stderr this often (ms) while Regions are in
   * progress, so a log shows the run is alive; 0: none (a spinner shows it, or --quiet on a
   * terminal a person watches).
   */
  readonly heartbeatMs: number;
}
