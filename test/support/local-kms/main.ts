// `npm run kms-local -- --port 4566`: the local KMS endpoint as its own process, until Ctrl-C.
import { parseArgs } from "node:util";
import { startKmsLocal } from "./server.js";

function fail(message: string): never {
  process.stderr.write(
    `kms-local: ${message}\nusage: kms-local [--port N] [--creating-delay MS] [--account ID]\n`,
  );
  process.exit(2);
}

let values: { port?: string; "creating-delay"?: string; account?: string };
try {
  ({ values } = parseArgs({
    options: { port: { type: "string" }, "creating-delay": { type: "string" }, account: { type: "string" } },
  }));
} catch (error) {
  fail((error as Error).message);
}
const port = Number(values.port ?? "0");
const creatingDelayMs = Number(values["creating-delay"] ?? "3000");
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${values.port} is not a port number`);
if (!Number.isFinite(creatingDelayMs) || creatingDelayMs < 0)
  fail(`--creating-delay ${values["creating-delay"]} is not a number of ms`);
if (values.account !== undefined && !/^\d{12}$/.test(values.account)) fail("--account must be 12 digits");

const server = await startKmsLocal({ port, creatingDelayMs, account: values.account });
process.stdout.write(`kms-local listening on ${server.url}\n`);
const stop = (): void => {
  void server.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
