import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, it, expect } from "vitest";
import { isReplicateError, type ReplicateError } from "../../../src/core/errors.js";
import {
  checkDescription,
  checkEndpoint,
  checkEndpointEnvironment,
  checkPolicyText,
  loadPolicy,
  POLICY_MAX_LENGTH,
} from "../../../src/core/options.js";
import { inputsAt } from "../../support/inputs.js";

const execFileAsync = promisify(execFile);

/** Runs `fn` and returns the usage error (exit 2) it throws. */
async function usageErrorOf(fn: () => unknown): Promise<ReplicateError> {
  try {
    await fn();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error;
    throw error;
  }
  throw new Error("expected a usage error");
}

/** A JSON policy of exactly `length` characters. */
function policyOfLength(length: number): string {
  const shell = '{"Version":"2012-10-17","Pad":""}';
  const text = shell.replace('""', `"${"x".repeat(length - shell.length)}"`);
  expect(text).toHaveLength(length);
  return text;
}

describe("loadPolicy and checkPolicyText", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kms-replicate-options-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads file:// relative to the working directory and names the file as the source", async () => {
    // GIVEN a policy file in a temporary working directory
    const text = '{"Version":"2012-10-17","Statement":[]}';
    await writeFile(join(dir, "policy.json"), text);
    // WHEN
    const policy = await loadPolicy("file://policy.json", inputsAt(dir));
    // THEN
    expect(policy).toEqual({ text, source: "policy.json" });
  });

  it("keeps inline JSON as it is", async () => {
    // GIVEN / WHEN
    const policy = await loadPolicy('{"Version":"2012-10-17"}', inputsAt(dir));
    // THEN
    expect(policy).toEqual({ text: '{"Version":"2012-10-17"}', source: "inline" });
  });

  it("says which file it cannot read, and why", async () => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => loadPolicy("file://missing.json", inputsAt(dir)));
    // THEN
    expect(error.message).toContain("missing.json");
    expect(error.message).toContain("ENOENT");
  });

  it("accepts 32768 characters and refuses 32769", async () => {
    // GIVEN
    const max = policyOfLength(POLICY_MAX_LENGTH);
    const over = policyOfLength(POLICY_MAX_LENGTH + 1);
    // WHEN / THEN
    expect(() => checkPolicyText(max, "inline")).not.toThrow();
    const error = await usageErrorOf(() => checkPolicyText(over, "inline"));
    expect(error.message).toContain("32769 characters");
  });

  it("refuses an empty policy", async () => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => checkPolicyText("", "inline"));
    // THEN
    expect(error.message).toContain("is 0 characters");
  });

  it("names a character outside U+0020–U+00FF, such as a typographic quote", async () => {
    // GIVEN a policy pasted from a word processor, in a file
    await writeFile(join(dir, "quotes.json"), '{"Sid": \u201cAllowAll\u201d}');
    // WHEN
    const error = await usageErrorOf(() => loadPolicy("file://quotes.json", inputsAt(dir)));
    // THEN
    expect(error.message).toContain("U+201C");
    expect(error.message).toContain("quotes.json");
    expect(error.hint).toMatch(/typographic quotes/);
  });

  it("accepts tab, LF, CR and Latin-1 characters", () => {
    // GIVEN
    const text = '{\t"Description": "caf\u00e9 \u00ff"\r\n}';
    // WHEN / THEN
    expect(() => checkPolicyText(text, "inline")).not.toThrow();
  });

  it.each([
    { text: "42", kind: "a number" },
    { text: "[]", kind: "an array" },
    { text: '[{"Version":"2012-10-17"}]', kind: "an array" },
    { text: "null", kind: "null" },
    { text: '"policy"', kind: "a string" },
    { text: "true", kind: "a boolean" },
  ])("refuses JSON that is not an object: $text", async ({ text, kind }) => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => checkPolicyText(text, "inline"));
    // THEN
    expect(error.message).toBe(
      `--policy is ${kind}; a key policy is a JSON object ({"Version": …, "Statement": […]}).`,
    );
  });

  it("refuses a directory", async () => {
    // GIVEN
    const path = join(dir, `policy-${Math.random().toString(36).slice(2)}.d`);
    await mkdir(path);
    // WHEN
    const error = await usageErrorOf(() => loadPolicy(`file://${path}`, inputsAt(dir)));
    // THEN
    expect(error.message).toBe(`--policy file ${path} is a directory.`);
  });

  it("reads a FIFO once its writer has written (as file://<(jq …) gives it)", async () => {
    // GIVEN a FIFO whose writer comes later
    const path = join(dir, `policy-${Math.random().toString(36).slice(2)}.fifo`);
    await execFileAsync("mkfifo", [path]);
    const writer = execFileAsync("sh", ["-c", `sleep 0.2; printf '{"Version":"2012-10-17"}' > ${path}`]);
    // WHEN
    const policy = await loadPolicy(`file://${path}`, inputsAt(dir));
    await writer;
    // THEN
    expect(policy).toEqual({ text: '{"Version":"2012-10-17"}', source: path });
  });

  it("gives up on a FIFO with no writer at the deadline, naming it", async () => {
    // GIVEN
    const path = join(dir, `policy-${Math.random().toString(36).slice(2)}.fifo`);
    await execFileAsync("mkfifo", [path]);
    // WHEN
    const error = await usageErrorOf(() =>
      loadPolicy(
        `file://${path}`,
        inputsAt(dir, { deadline: performance.now() + 200, deadlineName: "--timeout 200ms" }),
      ),
    );
    // THEN
    expect(error.message).toBe(
      `--policy file ${path}: no writer came within --timeout 200ms; nothing was read.`,
    );
  });

  it("stops reading a device such as /dev/zero one byte past 32768", async () => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => loadPolicy("file:///dev/zero", inputsAt(dir)));
    // THEN
    expect(error.message).toBe(
      "--policy file /dev/zero is more than 32768 bytes (32 KiB), KMS's limit for a key policy; reading stopped there.",
    );
  });

  it("refuses a file over 32768 bytes as too long", async () => {
    // GIVEN a 1 MB file
    await writeFile(join(dir, "huge.json"), `{"Pad":"${"x".repeat(1_000_000)}"}`);
    // WHEN
    const error = await usageErrorOf(() => loadPolicy("file://huge.json", inputsAt(dir)));
    // THEN
    expect(error.message).toBe(
      "--policy file huge.json is more than 32768 bytes (32 KiB), KMS's limit for a key policy; reading stopped there.",
    );
  });

  it("reads a file of exactly 32768 bytes", async () => {
    // GIVEN
    await writeFile(join(dir, "max.json"), policyOfLength(POLICY_MAX_LENGTH));
    // WHEN / THEN
    await expect(loadPolicy("file://max.json", inputsAt(dir))).resolves.toMatchObject({ source: "max.json" });
  });

  it("reads a file through a symbolic link", async () => {
    // GIVEN
    await writeFile(join(dir, "target.json"), "{}");
    await symlink(join(dir, "target.json"), join(dir, "link.json"));
    // WHEN / THEN
    await expect(loadPolicy("file://link.json", inputsAt(dir))).resolves.toEqual({
      text: "{}",
      source: "link.json",
    });
  });

  it("refuses invalid JSON and says so", async () => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => checkPolicyText('{"Version": ', "inline"));
    // THEN
    expect(error.message).toMatch(/^--policy is not valid JSON: /);
  });
});

describe("checkEndpointEnvironment", () => {
  it.each([
    { env: {}, error: undefined },
    { env: { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:4566" }, error: undefined },
    {
      env: { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:99999" },
      error: /^AWS_ENDPOINT_URL_KMS: the port 99999 is out of range/,
    },
    {
      env: { AWS_ENDPOINT_URL: "https://u:secret@h:70000" },
      error: /^AWS_ENDPOINT_URL: the port 70000 is out of range; a port is 1 to 65535\.$/,
    },
    { env: { AWS_ENDPOINT_URL: "localhost:4566" }, error: /^AWS_ENDPOINT_URL is not an http\(s\) URL\.$/ },
    // the KMS one is the one the SDK uses
    {
      env: { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:4566", AWS_ENDPOINT_URL: "nonsense" },
      error: undefined,
    },
    { env: { AWS_ENDPOINT_URL_KMS: "", AWS_ENDPOINT_URL: "nonsense" }, error: /^AWS_ENDPOINT_URL is not/ },
    // the SDK ignores them then
    {
      env: { AWS_ENDPOINT_URL_KMS: "nonsense", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
      error: undefined,
    },
  ])("$env", ({ env, error }) => {
    if (error === undefined) expect(() => checkEndpointEnvironment(env)).not.toThrow();
    else expect(() => checkEndpointEnvironment(env)).toThrow(error);
  });
});

describe("checkEndpoint (--endpoint-url)", () => {
  it.each(["http://127.0.0.1:1", "http://127.0.0.1:65535", "https://kms.example", "http://[::1]:4566/x"])(
    "accepts %s as it is",
    (endpointUrl) => {
      expect(checkEndpoint(endpointUrl)).toBe(endpointUrl);
    },
  );

  it("leaves an endpoint not given undefined", () => {
    expect(checkEndpoint(undefined)).toBeUndefined();
  });

  it.each([
    { name: "a non-http endpoint", endpointUrl: "ftp://localhost", message: /not an http\(s\) URL/ },
    { name: "an unparsable endpoint", endpointUrl: "localhost:4566", message: /not an http\(s\) URL/ },
    ...[
      "http://127.0.0.1:99999",
      "http://127.0.0.1:0",
      "https://user:secret@kms.example:65536/path",
      "http://[::1]:70000",
    ].map((endpointUrl) => ({
      name: `the port of ${endpointUrl}`,
      endpointUrl,
      // the port, never the URL (it may carry a password)
      message: /^--endpoint-url: the port \d+ is out of range; a port is 1 to 65535\.$/,
    })),
  ])("refuses $name (exit 2)", async ({ endpointUrl, message }) => {
    // GIVEN / WHEN
    const error = await usageErrorOf(() => checkEndpoint(endpointUrl));
    // THEN
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("secret");
  });
});

describe("checkDescription", () => {
  it("counts characters, as KMS does: 8192 four-byte characters are accepted, 8193 are not", async () => {
    // GIVEN 8192 characters outside the BMP (16384 UTF-16 units)
    const description = "\u{20000}".repeat(8192);
    // WHEN / THEN
    expect(() => checkDescription(description)).not.toThrow();
    expect(() => checkDescription("d".repeat(8192))).not.toThrow();
    expect(() => checkDescription(undefined)).not.toThrow();
    expect((await usageErrorOf(() => checkDescription(`${description}x`))).message).toBe(
      "--description is 8193 characters; at most 8192.",
    );
  });
});
