// `npm run kms-local -- --port 4566`: the local KMS endpoint as its own process, until Ctrl-C.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DAY_MS } from "./deletion.js";
import { KmsFault } from "./errors.js";
import { REGION_PATTERN } from "./input.js";
import { isKnownRegion } from "./partitions.js";
import { ROLE_ARN } from "./config.js";
import { DEFAULT_QUOTAS } from "./quotas.js";
import { startKmsLocal } from "./server.js";
import { numberedAccounts } from "./start-keys.js";

const USAGE = `usage: kms-local [--port N] [--creating-delay MS] [--account ID] [--primary REGION]
                 [--primaries N [--primary-region REGION]] [--primary-tag KEY=VALUE]
                 [--enforce-quotas] [--quota-scale X] [--quota OPERATION=N]
                 [--updating-delay MS] [--read-after-write REGION=MS] [--day-ms MS]
                 [--tls [--tls-dir DIR]] [--accounts ID,ID,…|N] [--access-key KEY=ACCOUNT]
                 [--refuse-role ARN] [--role-external-id ARN=ID] [--session-seconds N]

  --port N            listen on 127.0.0.1:N (default: a free port)
  --creating-delay MS how long new replicas stay Creating (default 3000)
  --account ID        the 12-digit account ID in every ARN (default 111122223333)
  --primary REGION    create a multi-Region primary key in REGION at start and print its ARN
                      (repeat for more keys)
  --primaries N       create N multi-Region primary keys at start, in --primary-region
                      (default us-east-1), and print how many (a fleet to try by hand)
  --primary-tag KEY=VALUE
                      tag every primary key created at start (--primary, --primaries) with
                      KEY=VALUE; VALUE may be empty (repeatable)
  --enforce-quotas    answer ThrottlingException ("Rate exceeded") above KMS's request quotas,
                      per operation and Region (e.g. ReplicateKey 5/s, and 2 CreateKey per
                      ReplicateKey in the replica's Region); off by default
  --quota-scale X     multiply every quota by X (e.g. 10 for a short benchmark; default 1)
  --quota OP=N        OP's quota is N requests/s instead of KMS's default (repeatable)
  --updating-delay MS how long both keys stay Updating after UpdatePrimaryRegion (default 0)
  --read-after-write REGION=MS
                      for MS after a write in REGION, reads of what it changed (tags,
                      description, policy, aliases, enabled state) answer the old value
                      (repeatable)
  --day-ms MS         how long a day of a deletion window is (default 86400000): with 10, a
                      replica scheduled for deletion in 7 days is gone 70 ms later, and a primary
                      waiting in PendingReplicaDeletion starts its own window then
  --tls               serve https, with a certificate for 127.0.0.1 and localhost signed by a CA
                      made at start; prints the file that holds the CA certificate (for
                      AWS_CA_BUNDLE or --ca-bundle), in a temporary folder removed at exit
  --tls-dir DIR       write the CA certificate to DIR/ca.pem instead (kept at exit)

Accounts and STS (requests scoped to service sts on the same port: AssumeRole, GetCallerIdentity):
  --accounts ID,ID,…  serve these accounts too, each with its own keys, quotas and roles; the keys
                      made at start (--primary, --primaries) are made in each of them instead of in
                      --account. A number N: the accounts 200000000001, 200000000002, … (N of them)
  --access-key KEY=ACCOUNT
                      requests signed with access key ID KEY are in ACCOUNT (repeatable); any
                      other key not issued by AssumeRole is in --account
  --refuse-role ARN   AssumeRole of this role ARN is AccessDenied (repeatable)
  --role-external-id ARN=ID
                      AssumeRole of this role needs ExternalId ID, else AccessDenied (repeatable)
  --session-seconds N credentials AssumeRole issues expire after N seconds, whatever
                      DurationSeconds asked (the SDKs refresh them 5 minutes before that)

Settings can be changed while it runs: POST /_kms-local/config (see docs/local-endpoint.md).
`;

/** Where to find the Regions the endpoint serves, for a message. */
const SERVED = "the table in test/support/local-kms/partitions.ts";

function fail(message: string): never {
  process.stderr.write(`kms-local: ${message}\n${USAGE}`);
  process.exit(2);
}

let values: {
  port?: string;
  "creating-delay"?: string;
  account?: string;
  primary?: string[];
  primaries?: string;
  "primary-region"?: string;
  "primary-tag"?: string[];
  "enforce-quotas"?: boolean;
  "quota-scale"?: string;
  quota?: string[];
  "updating-delay"?: string;
  "read-after-write"?: string[];
  "day-ms"?: string;
  tls?: boolean;
  "tls-dir"?: string;
  accounts?: string;
  "access-key"?: string[];
  "refuse-role"?: string[];
  "role-external-id"?: string[];
  "session-seconds"?: string;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string" },
      "creating-delay": { type: "string" },
      account: { type: "string" },
      primary: { type: "string", multiple: true },
      primaries: { type: "string" },
      "primary-region": { type: "string" },
      "primary-tag": { type: "string", multiple: true },
      "enforce-quotas": { type: "boolean" },
      "quota-scale": { type: "string" },
      quota: { type: "string", multiple: true },
      "updating-delay": { type: "string" },
      "read-after-write": { type: "string", multiple: true },
      "day-ms": { type: "string" },
      tls: { type: "boolean" },
      "tls-dir": { type: "string" },
      accounts: { type: "string" },
      "access-key": { type: "string", multiple: true },
      "refuse-role": { type: "string", multiple: true },
      "role-external-id": { type: "string", multiple: true },
      "session-seconds": { type: "string" },
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

const ms = (flag: string, text: string | undefined, fallback: number): number => {
  const value = Number(text ?? String(fallback));
  if (!Number.isFinite(value) || value < 0) fail(`--${flag} ${text} is not a number of ms`);
  return value;
};
/** `NAME=N` pairs of a repeatable flag → a record, each name checked by `valid`. */
const pairs = (flag: string, list: string[] | undefined, valid: (name: string) => boolean) => {
  const record: Record<string, number> = {};
  for (const item of list ?? []) {
    const match = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(item);
    if (match === null) fail(`--${flag} ${item} is not NAME=NUMBER`);
    const [, name = "", value = ""] = match;
    if (!valid(name)) fail(`--${flag} ${item}: ${name} is not valid here`);
    record[name] = Number(value);
  }
  return record;
};

const port = Number(values.port ?? "0");
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${values.port} is not a port number`);
const creatingDelayMs = ms("creating-delay", values["creating-delay"], 3000);
const updatingMs = ms("updating-delay", values["updating-delay"], 0);
const dayMs = ms("day-ms", values["day-ms"], DAY_MS);
if (dayMs === 0) fail("--day-ms must be above 0");
if (values.account !== undefined && !/^\d{12}$/.test(values.account)) fail("--account must be 12 digits");
for (const region of values.primary ?? []) {
  if (!REGION_PATTERN.test(region)) fail(`--primary ${region} is not a Region ID`);
  if (!isKnownRegion(region)) fail(`--primary ${region} is not a Region the endpoint serves (${SERVED})`);
}
const primaries = Number(values.primaries ?? "0");
if (values.primaries !== undefined && !(Number.isInteger(primaries) && primaries > 0)) {
  fail(`--primaries ${values.primaries} is not a number of keys above 0`);
}
const primaryRegion = values["primary-region"] ?? "us-east-1";
if (values["primary-region"] !== undefined && values.primaries === undefined) {
  fail("--primary-region goes with --primaries N");
}
if (!REGION_PATTERN.test(primaryRegion)) fail(`--primary-region ${primaryRegion} is not a Region ID`);
if (!isKnownRegion(primaryRegion)) {
  fail(`--primary-region ${primaryRegion} is not a Region the endpoint serves (${SERVED})`);
}
const ACCOUNT_ID = /^\d{12}$/;
/** --accounts ID,ID,… or N. */
const accountsOf = (text: string | undefined): string[] | undefined => {
  if (text === undefined) return undefined;
  if (/^\d{1,4}$/.test(text)) {
    const count = Number(text);
    if (count < 1 || count > 1000) fail(`--accounts ${text}: a number of accounts is 1 to 1000`);
    return numberedAccounts(count);
  }
  const list = text.split(",");
  for (const id of list) if (!ACCOUNT_ID.test(id)) fail(`--accounts: ${id} is not a 12-digit account ID`);
  return [...new Set(list)];
};
const accounts = accountsOf(values.accounts);
/** `NAME=VALUE` items of a repeatable flag → a record, each checked by `check` (a problem or undefined). */
const assignments = (
  flag: string,
  list: string[] | undefined,
  check: (name: string, value: string) => string | undefined,
) => {
  const record: Record<string, string> = {};
  for (const item of list ?? []) {
    const at = item.lastIndexOf("=");
    const [name, value] = [item.slice(0, at), item.slice(at + 1)];
    if (at < 1 || value === "") fail(`--${flag} ${item} is not NAME=VALUE`);
    const problem = check(name, value);
    if (problem !== undefined) fail(`--${flag} ${item}: ${problem}`);
    record[name] = value;
  }
  return record;
};
const accessKeys = assignments("access-key", values["access-key"], (_key, account) =>
  ACCOUNT_ID.test(account) ? undefined : `${account} is not a 12-digit account ID`,
);
const notRole = (arn: string): string | undefined =>
  ROLE_ARN.test(arn) ? undefined : `${arn} is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)`;
const refuseRoles = values["refuse-role"] ?? [];
for (const arn of refuseRoles) {
  const problem = notRole(arn);
  if (problem !== undefined) fail(`--refuse-role ${problem}`);
}
const roleExternalIds = assignments("role-external-id", values["role-external-id"], (arn) => notRole(arn));
const sessionSeconds = values["session-seconds"] === undefined ? null : Number(values["session-seconds"]);
if (sessionSeconds !== null && !(Number.isInteger(sessionSeconds) && sessionSeconds > 0)) {
  fail(`--session-seconds ${values["session-seconds"]} is not a number of seconds above 0`);
}
/** --primary-tag KEY=VALUE → CreateKey's Tags (the endpoint checks them as KMS does). */
const primaryTags = (values["primary-tag"] ?? []).map((item) => {
  const at = item.indexOf("=");
  if (at < 1) fail(`--primary-tag ${item} is not KEY=VALUE`);
  return { TagKey: item.slice(0, at), TagValue: item.slice(at + 1) };
});
if (primaryTags.length > 0 && values.primary === undefined && values.primaries === undefined) {
  fail("--primary-tag goes with --primary REGION or --primaries N");
}
const quotaScale = Number(values["quota-scale"] ?? "1");
if (!Number.isFinite(quotaScale) || quotaScale <= 0)
  fail(`--quota-scale ${values["quota-scale"]} is not above 0`);
const quotaOverrides = pairs("quota", values.quota, (op) => DEFAULT_QUOTAS[op] !== undefined);
const readAfterWriteMs = pairs("read-after-write", values["read-after-write"], (r) => REGION_PATTERN.test(r));
const tlsDir = values["tls-dir"];
if (tlsDir !== undefined && values.tls !== true) fail("--tls-dir goes with --tls");
if (tlsDir !== undefined && !(existsSync(tlsDir) && statSync(tlsDir).isDirectory()))
  fail(`--tls-dir ${tlsDir} is not a folder that exists`);

// One signal stops it cleanly from the moment it listens (also while it starts and makes its keys).
const running: { stop?: () => Promise<void> } = {};
const stop = (): void => {
  void (running.stop?.() ?? Promise.resolve()).then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
const server = await startKmsLocal({
  port,
  creatingDelayMs,
  account: values.account,
  ...(accounts !== undefined ? { accounts } : {}),
  accessKeys,
  refuseRoles,
  roleExternalIds,
  sessionSeconds,
  enforceQuotas: values["enforce-quotas"] === true,
  quotaScale,
  quotaOverrides,
  updatingMs,
  readAfterWriteMs,
  dayMs,
  tls: values.tls === true,
  tlsDir: tlsDir === undefined ? undefined : resolve(tlsDir),
  startKeys: { primary: values.primary ?? [], primaries, primaryRegion, primaryTags },
}).catch((error: unknown) => {
  // A tag KMS would refuse: CreateKey of a start key failed, and the endpoint did not start (exit 2).
  if (error instanceof KmsFault) fail(`--primary-tag: ${error.message}`);
  throw error;
});
running.stop = () => server.stop();
process.stdout.write(`kms-local listening on ${server.url}\n`);
if (server.caFile !== undefined) {
  process.stdout.write(`kms-local CA certificate in ${server.caFile} (for AWS_CA_BUNDLE or --ca-bundle)\n`);
}
if (values["enforce-quotas"] === true) {
  process.stdout.write(`kms-local enforces KMS's request quotas (scale ${quotaScale})\n`);
}
if (server.accounts.length > 1) {
  process.stdout.write(
    `kms-local serves accounts ${server.accounts.join(", ")} (default ${server.account})\n`,
  );
}
const tags = primaryTags.map((t) => `${t.TagKey}=${t.TagValue}`).join(", ");
for (const made of server.startKeys) {
  for (const arn of made.primary) process.stdout.write(`kms-local created multi-Region primary key ${arn}\n`);
  if (made.primaries.length > 0) {
    const where = server.startKeys.length > 1 ? ` of account ${made.account}` : "";
    process.stdout.write(
      `kms-local created ${made.primaries.length} multi-Region primary keys in ${primaryRegion}${where}${tags === "" ? "" : ` tagged ${tags}`}\n`,
    );
  }
}
