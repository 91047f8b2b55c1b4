// `npm run demo`: the tool's main job against the bundled local KMS endpoint, no AWS account needed.
// Starts the endpoint, creates a multi-Region primary key in us-east-1, replicates it into three
// Regions with the real progress display, shows `status`, and stops the endpoint.
import { spawn } from "node:child_process";
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

function run(args: string[]): Promise<number> {
  process.stdout.write(`\n$ kms-replicate ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
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
  const statusCode = await run(["status", "--key", "alias/payments", "--region", "us-east-1", ...common]);
  process.stdout.write(`\nkms-replicate exited ${exitCode}; status exited ${statusCode}.\n`);
  exitCode ||= statusCode;
} finally {
  await server.stop();
  rmSync(home, { recursive: true, force: true });
}
process.exitCode = exitCode;
