// --query EXPRESSION: JMESPath over the JSON document of any command and any document version, as
// `aws … --output json --query`: stdout is the expression's result as JSON, the exit code is the
// run's. A bad expression is a usage error before any call.
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 0 });

function primaryArn(): string {
  return String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
}

describe("--query", () => {
  it("on a version-1 document (one key, replicate): the result as JSON, the run's exit code", async () => {
    // GIVEN
    const arn = primaryArn();
    // WHEN
    const run = await runCli(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1,sa-east-1",
        "--endpoint-url",
        kms().url,
        "--query",
        "regions[].status",
      ],
      { queried: true },
    );
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('[\n  "created",\n  "created"\n]\n');
    expect(kms().keys("eu-west-1")).toHaveLength(1);
  });

  it("on a version-2 document (a fleet): a filter projection, and a number; the run's exit code", async () => {
    // GIVEN two primaries, ReplicateKey denied for the second one
    const [good, denied] = [primaryArn(), primaryArn()];
    kms().configure({ faults: [{ keyId: denied, operation: "ReplicateKey", accessDenied: true }] });
    const args = ["--key", good, "--key", denied, "--regions", "eu-west-1", "--endpoint-url", kms().url];
    // WHEN
    const ok = await runCli([...args, "--query", "keys[?ok].key"], { queried: true });
    const total = await runCli([...args, "--query", "totals.keys.total"], { queried: true });
    // THEN the run's exit code (a key failed), never the query's
    expect(ok.code, ok.stderr).toBe(1);
    expect(JSON.parse(ok.stdout)).toEqual([good]);
    expect(total.code, total.stderr).toBe(1);
    expect(total.stdout).toBe("2\n");
  });

  it("on status: a string is printed as JSON (quoted), a missing field as null", async () => {
    // GIVEN
    const arn = primaryArn();
    const args = ["status", "--key", arn, "--endpoint-url", kms().url];
    // WHEN
    const role = await runCli([...args, "--query", "keys[0].role"], { queried: true });
    const none = await runCli([...args, "--query", "error.message"], { queried: true });
    // THEN
    expect(role.code, role.stderr).toBe(0);
    expect(role.stdout).toBe('"PRIMARY"\n');
    expect(none.stdout).toBe("null\n");
  });

  it.each([
    { expression: "keys[?ok==`false`.key", message: /parse error at column 21/ },
    { expression: "lenght(keys)", message: /unknown function lenght\(\)/ },
  ])(
    "a bad expression ($expression) is a usage error before any call: exit 2, the usage document unfiltered",
    async ({ expression, message }) => {
      // GIVEN
      const arn = primaryArn();
      // WHEN
      const run = await runCli([
        "--key",
        arn,
        "--regions",
        "eu-west-1",
        "--endpoint-url",
        kms().url,
        "--query",
        expression,
      ]);
      // THEN
      expect(run.code).toBe(2);
      expect(kms().callCount()).toBe(0);
      expect(run.json).toMatchObject({ version: 1, ok: false, error: { name: "UsageError" } });
      expect(run.json?.error?.message).toMatch(message);
      expect(run.stderr).toMatch(message);
    },
  );

  it("-o text with --query is refused (exit 2, no call); -o json with it is the same as without", async () => {
    // GIVEN
    const arn = primaryArn();
    const args = ["status", "--key", arn, "--endpoint-url", kms().url, "--query", "keys[].region"];
    // WHEN
    const text = await runCli([...args, "-o", "text"]);
    // THEN
    expect(text.code).toBe(2);
    expect(text.stdout).toBe("");
    expect(text.stderr).toMatch(/--query filters the JSON document, and --output text asks for no JSON/);
    expect(kms().callCount()).toBe(0);
    // WHEN -o json is given as well
    const json = await runCli([...args, "-o", "json"], { queried: true });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toBe('[\n  "us-east-1"\n]\n');
  });

  it("a usage error commander finds (an unknown option): the query applies to its document", async () => {
    // WHEN
    const run = await runCli(["status", "--key", "k", "--bogus", "--query", "[exitCode, error.name]"], {
      queried: true,
    });
    // THEN
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual([2, "UsageError"]);
  });

  it("a second signal: the query applies to the document it writes", async () => {
    // GIVEN a Region whose replica never leaves Creating
    const arn = primaryArn();
    kms().configure({ creatingDelayByRegion: { "eu-west-1": null } });
    // WHEN two SIGINTs come while it is polled
    const run = await runCli(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1",
        "--endpoint-url",
        kms().url,
        "--query",
        "{exit: exitCode, regions: regions[].[region, status]}",
      ],
      { queried: true, onSpawn: whenPolled("eu-west-1", ["SIGINT", "SIGINT"]) },
    );
    // THEN
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout)).toEqual({ exit: 130, regions: [["eu-west-1", "interrupted"]] });
  });

  it("an expression that fails on the document: null on stdout, why on stderr, the run's exit code", async () => {
    // GIVEN
    const arn = primaryArn();
    // WHEN length() of a number
    const run = await runCli(
      ["status", "--key", arn, "--endpoint-url", kms().url, "--query", "length(version)"],
      {
        queried: true,
      },
    );
    // THEN
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("null\n");
    expect(run.stderr).toMatch(
      /--query could not be applied to the document \(.*length\(\).*\); stdout has null/,
    );
  });
});

/** Sends `signals` once `region`'s replica has been polled twice. */
function whenPolled(region: string, signals: readonly NodeJS.Signals[]) {
  return (child: ChildProcess): void => {
    const timer = setInterval(() => {
      if (kms().callCount(region, "DescribeKey") > 1) {
        clearInterval(timer);
        for (const signal of signals) child.kill(signal);
      }
    }, 50);
    child.once("exit", () => clearInterval(timer));
  };
}
