// Every file and stdin the user names (--keys-from, --key-material fileb://, --policy file://) is
// read here, by one bounded reader:
// - No thread ever blocks. A path is opened with O_NONBLOCK, so a FIFO with no writer opens at once
//   (a plain open() would hold a libuv thread until a writer came, out of reach of any signal).
//   A FIFO or pipe is then read in the event loop: Linux reports neither data nor hang-up on a
//   FIFO opened that way until a writer has come, so the wait for its writer is an ordinary wait
//   that a stop signal or the deadline ends.
// - Every kind of input (regular file, device, FIFO, process substitution, stdin) is capped while
//   it is read: one byte over the cap ends the read, and the message names the cap.
// - A secret (key material) is gathered in one buffer; every chunk it passed through is zeroed at
//   once, and its bytes never reach a message.
import type * as Fs from "node:fs";
import { createRequire } from "node:module";
import type * as Net from "node:net";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import type * as Timers from "node:timers/promises";
import type * as Tty from "node:tty";
import type * as Util from "node:util";
import { isReplicateError, usageError, type ReplicateError } from "./errors.js";

const load = createRequire(import.meta.url);

/**
 * Node's modules for reading, loaded when a file or stdin is first read. Imported, they would load
 * on every start-up, `--help` included: an import of node:util, node:fs, node:net or node:tty
 * brings worker_threads, the fs promises and streams, sockets (bench/README.md, Start-up).
 */
function nodeIo() {
  const { close, constants, fstat, open, read } = load("node:fs") as typeof Fs;
  const { promisify } = load("node:util") as typeof Util;
  return {
    constants,
    Socket: (load("node:net") as typeof Net).Socket,
    isatty: (load("node:tty") as typeof Tty).isatty,
    sleep: (load("node:timers/promises") as typeof Timers).setTimeout,
    openFd: promisify(open),
    statFd: promisify(fstat),
    readFd: promisify(read),
    closeFd: promisify(close),
  };
}
let io: ReturnType<typeof nodeIo> | undefined;
const node = (): ReturnType<typeof nodeIo> => (io ??= nodeIo());

/** Where a spec reads from when it reads stdin (`-`); the paths /dev/stdin and /dev/fd/0 are stdin too. */
export const STDIN: unique symbol = Symbol("stdin");

/** One input the user named. */
export interface InputSpec {
  /** How messages name it: `--keys-from keys.txt`, `--key-material fileb://m.bin`, `--policy file p.json`. */
  readonly label: string;
  /** The path, relative to the working directory, or STDIN. */
  readonly path: string | typeof STDIN;
  /** The most bytes it may have. */
  readonly maxBytes: number;
  /** What the cap is, in the message of an input over it: `the cap for a key list`. */
  readonly cap: string;
  /** Key material: every copy but the one returned is zeroed. */
  readonly secret?: boolean;
  /** What to do instead when it is a terminal. */
  readonly terminalHint?: string;
}

/** How long a run waits for its inputs, and what stops the wait. */
export interface InputContext {
  readonly cwd: string;
  /** The run's stop signal: a stop ends the wait for a writer at once. */
  readonly signal: AbortSignal;
  /** performance.now() by which a pipe's writer must have finished. */
  readonly deadline: number;
  /** The deadline as the user would name it, for messages: `--timeout 2s`. */
  readonly deadlineName: string;
}

export interface InputRead {
  readonly bytes: Buffer;
  /** A regular file, a FIFO or pipe (process substitution too), a device, or stdin. */
  readonly kind: "file" | "pipe" | "device" | "stdin";
  /** A regular file's mode bits. */
  readonly mode?: number;
}

/** Bytes asked of a file or device per read. */
const CHUNK_BYTES = 64 * 1024;
/** A device that has nothing yet (EAGAIN) is asked again after this long. */
const DEVICE_RETRY_MS = 50;

/** Which input took stdin: it can be read once. */
let stdinReadBy: string | undefined;

/**
 * Reads one input whole, at most `spec.maxBytes`, or fails with a usage error (exit 2) that names
 * it: missing, a directory, a terminal, a socket, over the cap, a writer that never came or never
 * finished. A stop signal ends the read at once with the signal's reason.
 */
export async function readInput(spec: InputSpec, ctx: InputContext): Promise<InputRead> {
  const sink = createSink(spec);
  try {
    ctx.signal.throwIfAborted();
    if (spec.path === STDIN || isStdinPath(resolve(ctx.cwd, spec.path))) {
      if (stdinReadBy !== undefined) {
        throw usageError(
          `${spec.label}: stdin is already read for ${stdinReadBy}; only one input can come from stdin.`,
        );
      }
      stdinReadBy = spec.label;
      if (process.stdin.isTTY) throw terminal(spec, "stdin");
      await readStream(process.stdin, sink, spec, ctx, "stdin");
      return { bytes: sink.take(), kind: "stdin" };
    }
    return await readPath(resolve(ctx.cwd, spec.path), sink, spec, ctx);
  } catch (error) {
    if (ctx.signal.aborted || isReplicateError(error)) throw error;
    throw usageError(`${spec.label}: cannot read it (${codeOf(error)}).`);
  } finally {
    sink.clear();
  }
}

/** Paths that name this process's stdin: read as stdin (opening them fails when it is a socket). */
function isStdinPath(path: string): boolean {
  return ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"].includes(path);
}

async function readPath(path: string, sink: Sink, spec: InputSpec, ctx: InputContext): Promise<InputRead> {
  const { constants, openFd, statFd, isatty, Socket, closeFd } = node();
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO opens at once, writer or not; O_NOCTTY: a terminal never becomes ours.
    fd = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (codeOf(error) === "ENXIO") {
      throw usageError(`${spec.label} is a socket; give a file, a pipe or - (stdin).`);
    }
    throw error;
  }
  let ours = true;
  try {
    const stats = await statFd(fd);
    if (stats.isDirectory()) throw usageError(`${spec.label} is a directory.`);
    if (isatty(fd)) throw terminal(spec, "it");
    if (stats.isFIFO() || stats.isSocket()) {
      const pipe = new Socket({ fd, readable: true, writable: false });
      ours = false; // the socket closes it
      await readStream(pipe, sink, spec, ctx, "pipe");
      return { bytes: sink.take(), kind: "pipe" };
    }
    if (stats.isFile() && stats.size > spec.maxBytes) throw tooLong(spec);
    await readChunks(fd, sink, spec, ctx);
    return stats.isFile()
      ? { bytes: sink.take(), kind: "file", mode: stats.mode }
      : { bytes: sink.take(), kind: "device" };
  } finally {
    if (ours) await closeFd(fd).catch(() => undefined);
  }
}

/** A regular file or a device, read by the thread pool: such reads return at once. */
async function readChunks(fd: number, sink: Sink, spec: InputSpec, ctx: InputContext): Promise<void> {
  const { readFd, sleep } = node();
  const scratch = Buffer.alloc(Math.min(spec.maxBytes + 1, CHUNK_BYTES));
  for (;;) {
    ctx.signal.throwIfAborted();
    let bytesRead: number;
    try {
      ({ bytesRead } = await readFd(fd, scratch, 0, scratch.length, null));
    } catch (error) {
      // A device opened with O_NONBLOCK that has nothing yet: ask again, until the deadline.
      if (codeOf(error) !== "EAGAIN") throw error;
      if (performance.now() >= ctx.deadline) throw stalled(spec, ctx, "device", sink.length);
      await sleep(DEVICE_RETRY_MS, undefined, { signal: ctx.signal });
      continue;
    }
    if (bytesRead === 0) return;
    if (!sink.add(scratch.subarray(0, bytesRead))) throw tooLong(spec);
  }
}

/** A FIFO, a pipe or stdin, read in the event loop until its writer closes it. */
function readStream(
  stream: Readable,
  sink: Sink,
  spec: InputSpec,
  ctx: InputContext,
  kind: "pipe" | "stdin",
): Promise<void> {
  return new Promise((done, fail) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
      stream.off("data", onData);
      if (error === undefined) {
        done();
        return;
      }
      stream.destroy();
      fail(error);
    };
    const onAbort = (): void => {
      // The run's signal is aborted with a Stop (signals.ts), an Error.
      const reason: unknown = ctx.signal.reason;
      finish(reason instanceof Error ? reason : new Error(String(reason)));
    };
    const onData = (chunk: Buffer): void => {
      if (!sink.add(chunk)) finish(tooLong(spec));
    };
    stream.on("data", onData);
    stream.once("end", () => finish());
    stream.once("error", (error) => finish(error));
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    const wait = ctx.deadline - performance.now();
    // Beyond setTimeout's range (about 24 days) the wait is for a signal alone.
    if (wait < 2 ** 31) {
      timer = setTimeout(() => finish(stalled(spec, ctx, kind, sink.length)), Math.max(0, wait));
    }
  });
}

/** The bytes read so far, never more than the cap plus one. */
export interface Sink {
  readonly length: number;
  /** Keeps a copy of `chunk` (zeroing it if secret); false once the input is over the cap. */
  add(chunk: Buffer): boolean;
  /** The bytes, in a buffer of their own. */
  take(): Buffer;
  /** Forgets everything it held (zeroed if secret). */
  clear(): void;
}

export function createSink(spec: InputSpec): Sink {
  const limit = spec.maxBytes;
  let length = 0;
  if (spec.secret === true) {
    // One buffer, allocated once: a secret is never copied into a growing list.
    const held = Buffer.alloc(limit + 1);
    return {
      get length() {
        return length;
      },
      add(chunk) {
        const count = Math.min(held.length - length, chunk.length);
        chunk.copy(held, length, 0, count);
        length += count;
        chunk.fill(0);
        return length <= limit;
      },
      take: () => Buffer.from(held.subarray(0, length)),
      clear: () => held.fill(0),
    };
  }
  let chunks: Buffer[] = [];
  return {
    get length() {
      return length;
    },
    add(chunk) {
      length += chunk.length;
      if (length > limit) return false;
      chunks.push(Buffer.from(chunk));
      return true;
    },
    take: () => Buffer.concat(chunks, length),
    clear: () => {
      chunks = [];
    },
  };
}

/** `16384 bytes (16 KiB)`, `67108864 bytes (64 MiB)`. */
export function bytesName(count: number): string {
  if (count >= 2 ** 20 && count % 2 ** 20 === 0) return `${count} bytes (${count / 2 ** 20} MiB)`;
  if (count >= 1024 && count % 1024 === 0) return `${count} bytes (${count / 1024} KiB)`;
  return `${count} bytes`;
}

function tooLong(spec: InputSpec): ReplicateError {
  return usageError(
    `${spec.label} is more than ${bytesName(spec.maxBytes)}, ${spec.cap}; reading stopped there.`,
  );
}

function terminal(spec: InputSpec, what: "stdin" | "it"): ReplicateError {
  const never = spec.secret === true ? "; key material is never typed" : "";
  return usageError(
    what === "stdin" ? `${spec.label}: stdin is a terminal${never}.` : `${spec.label} is a terminal${never}.`,
    spec.terminalHint,
  );
}

/** The deadline passed while waiting for a pipe, stdin or a device. */
function stalled(
  spec: InputSpec,
  ctx: InputContext,
  kind: "pipe" | "stdin" | "device",
  received: number,
): ReplicateError {
  if (received > 0) {
    return usageError(
      `${spec.label}: its writer did not finish within ${ctx.deadlineName} (${received} bytes so far).`,
    );
  }
  if (kind === "stdin") {
    return usageError(
      `${spec.label}: nothing came on stdin within ${ctx.deadlineName}.`,
      "Pipe the input in, or give a file.",
    );
  }
  if (kind === "device")
    return usageError(`${spec.label}: the device gave nothing within ${ctx.deadlineName}.`);
  return usageError(
    `${spec.label}: no writer came within ${ctx.deadlineName}; nothing was read.`,
    "A named pipe waits for its writer: start the writer first (or alongside), or give a regular file.",
  );
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}
