// What goes where: `status`'s table is data (stdout; TSV when stdout is not a terminal), progress
// and summaries are for people (stderr); a long wait without a spinner shows a heartbeat; a timeout
// says how to continue, in a command that works when pasted.
import { spawn } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedAwsEnv } from "../support/aws-env.js";
import { BIN, runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 0 });

function primaryArn(input: Record<string, unknown> = {}): string {
  return String(kms().createKey("us-east-1", { MultiRegion: true, ...input }).Arn);
}

/** A replica of `arn` in `region`, set up directly on the endpoint (not through the CLI). */
function replicaOf(arn: string, region: string, input: Record<string, unknown> = {}): string {
  const output = kms().invoke("us-east-1", "ReplicateKey", {
    KeyId: arn,
    ReplicaRegion: region,
    ...input,
  }) as {
    ReplicaKeyMetadata: { Arn: string };
  };
  return output.ReplicaKeyMetadata.Arn;
}

const TSV_HEADER = "REGION\tROLE\tSTATE\tDESCRIPTION\tTAGS\tALIASES";

describe("status: the table is data on stdout", () => {
  it("to a pipe: a TSV header and one line per key on stdout, nothing else; notes and summary on stderr", async () => {
    // GIVEN a primary with a tag and a CJK description, and a replica without the tag
    const arn = primaryArn({ Description: "決済キー", Tags: [{ TagKey: "team", TagValue: "payments" }] });
    replicaOf(arn, "eu-west-1", { Description: "決済キー" });
    // WHEN
    const run = await runCli(["status", "--key", arn, "--endpoint-url", kms().url]);
    // THEN exit 4 (drift), stdout is exactly the TSV
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toBe(
      [
        TSV_HEADER,
        "us-east-1\tPRIMARY\tEnabled\t決済キー\tteam=payments\t-",
        "eu-west-1\tREPLICA\tEnabled\t決済キー\t-\t-",
        "",
      ].join("\n"),
    );
    expect(run.stderr).toBe(
      "eu-west-1: drift: tags: missing team=payments\n2 keys, all usable, 1 replica drift from the primary.\n",
    );
    // `| grep eu-` finds the replica's line
    expect(run.stdout.split("\n").filter((l) => l.includes("eu-"))).toEqual([
      "eu-west-1\tREPLICA\tEnabled\t決済キー\t-\t-",
    ]);
  });

  it("--quiet still prints the table (it is what was asked for), only without summary and drift notes", async () => {
    // GIVEN
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    // WHEN
    const run = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "--quiet"]);
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe(TSV_HEADER);
    expect(run.stdout).toMatch(/^eu-west-1\tREPLICA\tEnabled\t/m);
    expect(run.stderr).toBe("");
  });

  it("--output json: stdout holds the JSON document only, no table anywhere", async () => {
    // GIVEN
    const arn = primaryArn();
    replicaOf(arn, "eu-west-1");
    // WHEN
    const run = await runCli(["status", "--key", arn, "--endpoint-url", kms().url, "-o", "json"]);
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(run.json?.keys?.map((k) => k.region)).toEqual(["us-east-1", "eu-west-1"]);
    expect(`${run.stdout}${run.stderr}`).not.toContain("REGION");
    expect(run.stderr).toBe("2 keys, all usable, no drift.\n");
  });
});

describe("replicate: the text output names each replica's ARN", () => {
  it("each settled line ends with the ARN of the replica in the endpoint", async () => {
    // GIVEN
    const arn = primaryArn();
    // WHEN
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-west-1,ap-southeast-2",
      "--endpoint-url",
      kms().url,
    ]);
    // THEN
    expect(run.code, run.stderr).toBe(0);
    for (const region of ["eu-west-1", "ap-southeast-2"]) {
      const replica = kms().keys(region)[0]?.arn ?? "";
      expect(replica).toContain(`:${region}:`);
      expect(run.stderr).toMatch(new RegExp(`^✔ ${region} +created +Enabled +\\d+\\.\\ds  ${replica}$`, "m"));
    }
  });
});

describe("a long wait without a terminal prints a heartbeat", () => {
  it.each([{ flags: [] }, { flags: ["--quiet"] }])(
    "stderr piped $flags: `waiting: REGION Creating …` lines while a Region is stuck in Creating",
    async ({ flags }: { flags: string[] }) => {
      // GIVEN a Region whose replicas never leave Creating, a heartbeat every 200 ms
      const arn = primaryArn();
      kms().configure({ creatingDelayByRegion: { "eu-central-1": null } });
      // WHEN
      const run = await runCli(
        [
          "--key",
          arn,
          "--regions",
          "eu-west-1,eu-central-1",
          "--endpoint-url",
          kms().url,
          "--timeout",
          "1500ms",
          ...flags,
        ],
        { env: { KMS_REPLICATE_HEARTBEAT_MS: "200" } },
      );
      // THEN it times out (exit 3), having said every 200 ms what it is waiting for
      expect(run.code, run.stderr).toBe(3);
      const beats = run.stderr.split("\n").filter((l) => l.startsWith("waiting:"));
      expect(beats.length).toBeGreaterThanOrEqual(3);
      for (const beat of beats.slice(1)) expect(beat).toMatch(/^waiting: eu-central-1 Creating \ds$/);
    },
  );

  it("the default interval is 30 s: a short run prints none", async () => {
    // GIVEN
    const arn = primaryArn();
    kms().configure({ creatingDelayByRegion: { "eu-central-1": null } });
    // WHEN
    const run = await runCli([
      "--key",
      arn,
      "--regions",
      "eu-central-1",
      "--endpoint-url",
      kms().url,
      "--timeout",
      "1s",
    ]);
    // THEN
    expect(run.code).toBe(3);
    expect(run.stderr).not.toContain("waiting:");
  });
});

/** Runs `command` in sh as a user would paste it, with `kms-replicate` on the PATH. */
function runInShell(
  command: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string }> {
  const bin = mkdtempSync(join(tmpdir(), "kms-replicate-path-"));
  symlinkSync(BIN, join(bin, "kms-replicate"));
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], {
      env: { ...env, PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, NO_COLOR: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stderr }));
  });
}

describe("a timeout prints the `kms-replicate wait` that continues", () => {
  it("names the primary's ARN, the Regions that timed out and the options that matter; pasted, it works", async () => {
    // GIVEN a profile whose name needs quoting (& would end the command in sh), and a Region slower than the --timeout
    const home = mkdtempSync(join(tmpdir(), "kms-replicate-resume-"));
    const credentials = join(home, "credentials");
    writeFileSync(
      credentials,
      "[ci&prod]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = secret\n",
    );
    const env = { ...isolatedAwsEnv(home), AWS_SHARED_CREDENTIALS_FILE: credentials };
    const arn = primaryArn();
    kms().configure({ creatingDelayByRegion: { "eu-central-1": 2_500, "sa-east-1": 2_500 } });
    // WHEN
    const run = await runCli(
      [
        "--key",
        arn,
        "--regions",
        "eu-west-1,eu-central-1,sa-east-1",
        "--profile",
        "ci&prod",
        "--endpoint-url",
        kms().url,
        "--timeout",
        "800ms",
      ],
      { env },
    );
    // THEN exit 3, and the last lines say how to continue
    expect(run.code, run.stderr).toBe(3);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines.at(-2)).toBe("To keep waiting for them:");
    const command = lines.at(-1)?.trim() ?? "";
    expect(command).toBe(
      `kms-replicate wait --key ${arn} --regions eu-central-1,sa-east-1 --profile 'ci&prod' --endpoint-url ${kms().url} --timeout 20m`,
    );
    // WHEN the user pastes it into a shell
    const resumed = await runInShell(command, env);
    // THEN it follows both replicas until they are Enabled (`ready`: waited for, not `exists`),
    // signed with the profile's keys
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/^✔ eu-central-1 +ready +Enabled/m);
    expect(resumed.stderr).toMatch(/^✔ sa-east-1 +ready +Enabled/m);
    const signers = kms()
      .calls({ region: "sa-east-1", operation: "DescribeKey" })
      .map((c) => c.accessKeyId);
    expect(signers).toContain("AKIDPROFILE");
  }, 30_000);
});
