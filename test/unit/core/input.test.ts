import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { constants, mkdirSync, mkdtempSync, openSync, closeSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import { bytesName, createSink, readInput, type InputSpec } from "../../../src/core/input.js";
import { inputsAt } from "../../support/inputs.js";

const dir = mkdtempSync(join(tmpdir(), "kms-replicate-input-"));
const spec = (path: string, maxBytes = 1024, more: Partial<InputSpec> = {}): InputSpec => ({
  label: `--keys-from ${path}`,
  path,
  maxBytes,
  cap: "the cap for a key list",
  ...more,
});

async function usageErrorOf(promise: Promise<unknown>): Promise<ReplicateError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (isReplicateError(error) && error.exitCode === 2) return error;
  throw new Error(`expected a usage error, got ${String(error)}`);
}

let fifoCount = 0;
function fifo(): string {
  fifoCount += 1;
  const path = join(dir, `f${fifoCount}.fifo`);
  execFileSync("mkfifo", [path]);
  return path;
}

/** Whether some process holds the FIFO open for reading (a non-blocking writer can then open it). */
function hasReader(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENXIO") return false;
    throw error;
  }
}

const children: ChildProcess[] = [];
/** A shell that writes to the FIFO: its open() waits for our reader. */
function writer(script: string): ChildProcess {
  const child = spawn("sh", ["-c", script], { stdio: "ignore" });
  children.push(child);
  return child;
}
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

describe("readInput: files and devices", () => {
  it("reads a regular file whole, with its mode", async () => {
    const path = join(dir, "keys.txt");
    writeFileSync(path, "alias/a\nalias/b\n", { mode: 0o640 });
    const read = await readInput(spec(path), inputsAt(dir));
    expect(read.bytes.toString()).toBe("alias/a\nalias/b\n");
    expect(read).toMatchObject({ kind: "file", mode: expect.any(Number) as unknown });
    expect((read.mode ?? 0) & 0o777).toBe(0o640);
  });

  it("reads a file of exactly the cap, and refuses one byte more, naming the cap", async () => {
    writeFileSync(join(dir, "max.txt"), "x".repeat(1024));
    writeFileSync(join(dir, "over.txt"), "x".repeat(1025));
    expect((await readInput(spec("max.txt"), inputsAt(dir))).bytes).toHaveLength(1024);
    const error = await usageErrorOf(readInput(spec("over.txt"), inputsAt(dir)));
    expect(error.message).toBe(
      "--keys-from over.txt is more than 1024 bytes (1 KiB), the cap for a key list; reading stopped there.",
    );
  });

  it.each(["/dev/zero", "/dev/urandom"])("stops reading %s one byte past the cap", async (path) => {
    const error = await usageErrorOf(readInput(spec(path, 4 * 2 ** 20), inputsAt(dir)));
    expect(error.message).toBe(
      `--keys-from ${path} is more than 4194304 bytes (4 MiB), the cap for a key list; reading stopped there.`,
    );
  });

  it("reads a device that ends (/dev/null) as empty", async () => {
    expect(await readInput(spec("/dev/null"), inputsAt(dir))).toMatchObject({
      kind: "device",
      bytes: Buffer.alloc(0),
    });
  });

  it.each([
    ["a missing file", () => "missing.txt", "--keys-from missing.txt: cannot read it (ENOENT)."],
    [
      "a directory",
      () => (mkdirSync(join(dir, "d"), { recursive: true }), "d"),
      "--keys-from d is a directory.",
    ],
  ])("refuses %s", async (_, make, message) => {
    expect((await usageErrorOf(readInput(spec(make()), inputsAt(dir)))).message).toBe(message);
  });

  it("refuses a Unix socket", async () => {
    const path = join(dir, "s.sock");
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const error = await usageErrorOf(readInput(spec(path), inputsAt(dir)));
      expect(error.message).toBe(`--keys-from ${path} is a socket; give a file, a pipe or - (stdin).`);
    } finally {
      server.close();
    }
  });

  it("does not start when the run is already stopped", async () => {
    const stop = new AbortController();
    stop.abort(new Error("stopped"));
    await expect(readInput(spec("/dev/zero"), inputsAt(dir, { signal: stop.signal }))).rejects.toThrow(
      "stopped",
    );
  });
});

describe("readInput: FIFOs", () => {
  it("waits for a writer that comes later, and reads until it closes", async () => {
    const path = fifo();
    writer(`sleep 0.3; { printf 'alias/a\\n'; sleep 0.2; printf 'alias/b\\n'; } > ${path}`);
    const read = await readInput(spec(path), inputsAt(dir));
    expect(read.kind).toBe("pipe");
    expect(read.bytes.toString()).toBe("alias/a\nalias/b\n");
    expect(hasReader(path)).toBe(false);
  });

  it("a stop signal ends the wait for a writer at once and closes the FIFO", async () => {
    // GIVEN a FIFO nobody writes to
    const path = fifo();
    const stop = new AbortController();
    const reading = readInput(spec(path), inputsAt(dir, { signal: stop.signal }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hasReader(path)).toBe(true);
    // WHEN
    stop.abort(new Error("SIGTERM"));
    // THEN it rejects with the signal's reason, and nothing holds the FIFO any more
    await expect(reading).rejects.toThrow("SIGTERM");
    expect(hasReader(path)).toBe(false);
  });

  it("the deadline ends the wait for a writer with a usage error that names the input", async () => {
    const path = fifo();
    const error = await usageErrorOf(
      readInput(
        spec(path),
        inputsAt(dir, { deadline: performance.now() + 300, deadlineName: "--timeout 300ms" }),
      ),
    );
    expect(error.message).toBe(
      `--keys-from ${path}: no writer came within --timeout 300ms; nothing was read.`,
    );
    expect(error.hint).toMatch(/start the writer first/);
    expect(hasReader(path)).toBe(false);
  });

  it("the deadline ends a writer that never finishes, saying how much came", async () => {
    const path = fifo();
    writer(`exec 3> ${path}; printf 'alias/a\\n' >&3; exec sleep 30`);
    const error = await usageErrorOf(
      readInput(
        spec(path),
        inputsAt(dir, { deadline: performance.now() + 500, deadlineName: "--timeout 500ms" }),
      ),
    );
    expect(error.message).toBe(
      `--keys-from ${path}: its writer did not finish within --timeout 500ms (8 bytes so far).`,
    );
  });

  it("a writer that never stops is cut one byte past the cap", async () => {
    const path = fifo();
    writer(`yes > ${path}`);
    const error = await usageErrorOf(readInput(spec(path, 2 ** 20), inputsAt(dir)));
    expect(error.message).toMatch(/is more than 1048576 bytes \(1 MiB\), the cap for a key list/);
    expect(hasReader(path)).toBe(false);
  });
});

describe("createSink", () => {
  it("keeps a secret in one buffer and zeroes every chunk it was given", () => {
    // GIVEN
    const sink = createSink({ ...spec("-", 8), secret: true });
    const first = Buffer.from("secr");
    const second = Buffer.from("et!");
    // WHEN
    const fits = [sink.add(first), sink.add(second)];
    // THEN
    expect(fits).toEqual([true, true]);
    expect([...first, ...second].every((b) => b === 0)).toBe(true);
    expect(sink.take().toString()).toBe("secret!");
  });

  it("keeps other input as it came, and says when it is over the cap", () => {
    const sink = createSink(spec("-", 8));
    const chunk = Buffer.from("alias/a\n");
    expect(sink.add(chunk)).toBe(true);
    expect(chunk.toString()).toBe("alias/a\n");
    expect(sink.add(Buffer.from("x"))).toBe(false);
    expect(sink.length).toBe(9);
  });

  it("a secret over the cap: false, and the chunk still zeroed", () => {
    const sink = createSink({ ...spec("-", 4), secret: true });
    const chunk = Buffer.from("too long");
    expect(sink.add(chunk)).toBe(false);
    expect(chunk.every((b) => b === 0)).toBe(true);
  });
});

describe("bytesName", () => {
  it.each([
    [1000, "1000 bytes"],
    [16384, "16384 bytes (16 KiB)"],
    [32768, "32768 bytes (32 KiB)"],
    [64 * 2 ** 20, "67108864 bytes (64 MiB)"],
  ])("%d → %s", (count, text) => {
    expect(bytesName(count)).toBe(text);
  });
});
