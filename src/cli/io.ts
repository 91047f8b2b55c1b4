// The process as a run sees it: its streams, its environment, its stop signal.
import type { LastWords } from "./signals.js";

export interface Io {
  readonly stdout: { write(text: string): boolean };
  readonly stderr: NodeJS.WritableStream;
  /** Where a question is answered (a confirmation), when the process has a stdin. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP; its reason says which (see signals.ts). */
  readonly signal: AbortSignal;
  /**
   * Tells a second signal how to end the process: the run renders its JSON document from what it
   * knows at that moment. Once it has written its own document, only its exit code remains.
   */
  readonly lastWords?: (words: LastWords | undefined) => void;
  /** performance.now() when the process started its work; elapsed times count from here. */
  readonly startedAt: number;
  /** The command line after `kms-replicate`, for the hint that runs the same command again. */
  readonly argv?: readonly string[];
}
