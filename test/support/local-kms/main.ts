// `npm run kms-local -- --port 4566`: the local KMS endpoint as its own process, until Ctrl-C.
import { parseArgs } from "node:util";
import { REGION_PATTERN } from "./operations.js";
import { startKmsLocal } from "./server.js";

const USAGE = `usage: kms-local [--port N] [--creating-delay MS] [--account ID] [--primary REGION]

  --port N            listen on 127.0.0.1:N (default: a free port)
  --creating-delay MS how long new replicas stay Creating (default 3000)
  --account ID        the 12-digit account ID in every ARN (default 111122223333)
  --primary REGION    create a multi-Region primary key in REGION at start and print its ARN
                      (repeat for more keys)
`;

function fail(message: string): never {
  process.stderr.write(`kms-local: ${message}\n${USAGE}`);
  process.exit(2);
}

let values: {
  port?: string;
  "creating-delay"?: string;
  account?: string;
  primary?: string[];
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string" },
      "creating-delay": { type: "string" },
      account: { type: "string" },
      primary: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const port = Number(values.port ?? "0");
const creatingDelayMs = Number(values["creating-delay"] ?? "3000");
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${values.port} is not a port number`);
if (!Number.isFinite(creatingDelayMs) || creatingDelayMs < 0)
  fail(`--creating-delay ${values["creating-delay"]} is not a number of ms`);
if (values.account !== undefined && !/^\d{12}$/.test(values.account)) fail("--account must be 12 digits");
for (const region of values.primary ?? []) {
  if (!REGION_PATTERN.test(region)) fail(`--primary ${region} is not a Region ID`);
}

const server = await startKmsLocal({ port, creatingDelayMs, account: values.account });
process.stdout.write(`kms-local listening on ${server.url}\n`);
for (const region of values.primary ?? []) {
  const key = server.createKey(region, { MultiRegion: true, Description: "kms-local primary" });
  process.stdout.write(`kms-local created multi-Region primary key ${String(key.Arn)}\n`);
}
const stop = (): void => {
  void server.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
