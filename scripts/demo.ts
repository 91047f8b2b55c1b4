// `npm run demo`: the tool's main job against the bundled local KMS endpoint, no AWS account needed.
// Starts the endpoint, creates a multi-Region primary key in us-east-1, replicates it into three
// Regions with the real progress display, shows `status`, and stops the endpoint.
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isolatedAwsEnv } from "../test/support/aws-env.js";
import { startKmsLocal } from "../test/support/local-kms/server.js";

const bin = fileURLToPath(new URL("../bin/kms-replicate.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "kms-replicate-demo-"));
// No AWS configuration of the machine may leak in: fake credentials, empty config files.
const env = isolatedAwsEnv(home);

/**
 * A signal ends the demo: the running kms-replicate is stopped (SIGTERM; on a terminal it got
 * Ctrl-C too, and a second signal makes it write what it has and exit), no further step starts,
 * and the endpoint stops and the temporary home is removed below, as after a normal run. Without
 * this, SIGTERM would end the demo at once and leave its kms-replicate running.
 */
let stoppedBy: NodeJS.Signals | undefined;
let running: ChildProcess | undefined;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    stoppedBy ??= signal;
    running?.kill("SIGTERM");
  });
}

function run(args: string[]): Promise<number> {
  if (stoppedBy !== undefined) return Promise.resolve(1);
  process.stdout.write(`\n$ kms-replicate ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: "inherit" });
    running = child;
    child.once("error", reject);
    child.once("exit", (code) => {
      running = undefined;
      resolve(code ?? 1);
    });
  });
}

const server = await startKmsLocal({
  creatingDelayMs: 3000,
  creatingDelayByRegion: { "eu-west-1": 2500, "ap-southeast-2": 4000, "sa-east-1": 5500 },
});
let exitCode = 0;
try {
  process.stdout.write(`Local KMS endpoint: ${server.url} (every Region, account ${server.account})\n`);
  const primary = server.createKey("us-east-1", {
    MultiRegion: true,
    Description: "payments data key",
    Tags: [{ TagKey: "team", TagValue: "payments" }],
  });
  server.invoke("us-east-1", "CreateAlias", { AliasName: "alias/payments", TargetKeyId: primary.KeyId });
  process.stdout.write(`Created multi-Region primary key ${String(primary.Arn)} (alias/payments)\n`);

  const common = ["--endpoint-url", server.url];
  exitCode = await run([
    "--key",
    String(primary.Arn),
    "--regions",
    "eu-west-1,ap-southeast-2,sa-east-1",
    "--copy-all",
    ...common,
  ]);
  if (stoppedBy === undefined) {
    const statusCode = await run(["status", "--key", "alias/payments", "--region", "us-east-1", ...common]);
    process.stdout.write(`\nkms-replicate exited ${exitCode}; status exited ${statusCode}.\n`);
    exitCode ||= statusCode;
  }
} finally {
  await server.stop();
  rmSync(home, { recursive: true, force: true });
}
// Stopped by a signal: 128 + its number (130 for Ctrl-C, 143 for SIGTERM), as a shell reports it.
process.exitCode = stoppedBy === undefined ? exitCode : 128 + constants.signals[stoppedBy];
if (stoppedBy !== undefined)
  process.stderr.write(`\nThe demo was stopped by ${stoppedBy}; the endpoint is stopped.\n`);
