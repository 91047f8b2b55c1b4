// Keys pending deletion against KMS's key state table (what they refuse and what still works), the
// request quotas of the deletion calls, and `dayMs` (a day in ms) as start option, over HTTP and as
// build/kms-local.js --day-ms.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  UpdatePrimaryRegionCommand,
} from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { ACCOUNT, admitted, expectKmsError, useHarness } from "./harness.js";
import { startKmsLocal } from "./server.js";

const DAY = 86_400_000;
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const STANDALONE = fileURLToPath(new URL("../../../build/kms-local.js", import.meta.url));
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [] });

const h = useHarness();

/**
 * A family us-east-1 → eu-west-1, ap-southeast-2, each key with the alias alias/old, and a spare
 * single-Region key in each Region aliased alias/spare; `pending` is scheduled for deletion: the
 * eu-west-1 replica (PendingDeletion) or the primary (PendingReplicaDeletion).
 */
function stage(pending: "replica" | "primary"): { keyId: string; arn: string; region: string } {
  const { keyId, arn } = h.primary("us-east-1");
  h.replica(arn, "eu-west-1");
  h.replica(arn, "ap-southeast-2");
  for (const region of ["us-east-1", "eu-west-1"]) {
    h.server.invoke(region, "CreateAlias", { AliasName: "alias/old", TargetKeyId: keyId });
    const spare = String(h.server.createKey(region).KeyId);
    h.server.invoke(region, "CreateAlias", { AliasName: "alias/spare", TargetKeyId: spare });
  }
  const region = pending === "replica" ? "eu-west-1" : "us-east-1";
  h.server.invoke(region, "ScheduleKeyDeletion", { KeyId: keyId, PendingWindowInDays: 7 });
  return { keyId, arn, region };
}

interface Call {
  readonly title: string;
  readonly send: (kms: KMSClient, keyId: string, arn: string) => Promise<unknown>;
}

const refused: Call[] = [
  {
    title: "TagResource",
    send: (k, id) => k.send(new TagResourceCommand({ KeyId: id, Tags: [{ TagKey: "a", TagValue: "b" }] })),
  },
  {
    title: "UntagResource",
    send: (k, id) => k.send(new UntagResourceCommand({ KeyId: id, TagKeys: ["a"] })),
  },
  {
    title: "UpdateKeyDescription",
    send: (k, id) => k.send(new UpdateKeyDescriptionCommand({ KeyId: id, Description: "x" })),
  },
  {
    title: "CreateAlias",
    send: (k, id) => k.send(new CreateAliasCommand({ AliasName: "alias/new", TargetKeyId: id })),
  },
  {
    title: "UpdateAlias to it",
    send: (k, id) => k.send(new UpdateAliasCommand({ AliasName: "alias/spare", TargetKeyId: id })),
  },
  { title: "EnableKey", send: (k, id) => k.send(new EnableKeyCommand({ KeyId: id })) },
  { title: "DisableKey", send: (k, id) => k.send(new DisableKeyCommand({ KeyId: id })) },
  {
    title: "ScheduleKeyDeletion again",
    send: (k, id) => k.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 30 })),
  },
];

const served: Call[] = [
  { title: "DescribeKey", send: (k, id) => k.send(new DescribeKeyCommand({ KeyId: id })) },
  {
    title: "GetKeyPolicy",
    send: (k, id) => k.send(new GetKeyPolicyCommand({ KeyId: id, PolicyName: "default" })),
  },
  {
    title: "PutKeyPolicy",
    send: (k, id) => k.send(new PutKeyPolicyCommand({ KeyId: id, Policy: POLICY, PolicyName: "default" })),
  },
  { title: "ListResourceTags", send: (k, id) => k.send(new ListResourceTagsCommand({ KeyId: id })) },
  { title: "ListAliases", send: (k, id) => k.send(new ListAliasesCommand({ KeyId: id })) },
  { title: "ListKeys", send: (k) => k.send(new ListKeysCommand({})) },
  { title: "DeleteAlias", send: (k) => k.send(new DeleteAliasCommand({ AliasName: "alias/old" })) },
  { title: "CancelKeyDeletion", send: (k, id) => k.send(new CancelKeyDeletionCommand({ KeyId: id })) },
];

describe.each(["replica", "primary"] as const)("a %s pending deletion", (pending) => {
  it.each(refused)("refuses $title: KMSInvalidStateException, nothing changed", async ({ send }) => {
    const { keyId, arn, region } = stage(pending);
    const before = h.server.keys(region);
    await expectKmsError(send(h.kms(region), keyId, arn), "KMSInvalidStateException");
    expect(h.server.keys(region)).toEqual(before);
  });

  it.each(served)("serves $title", async ({ send }) => {
    const { keyId, arn, region } = stage(pending);
    await expect(send(h.kms(region), keyId, arn)).resolves.toBeDefined();
  });
});

describe("replication and promotion with keys pending deletion", () => {
  const replicate = (arn: string, target: string) =>
    h.kms("us-east-1").send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: target }));
  const promote = (arn: string, target: string) =>
    h.kms("us-east-1").send(new UpdatePrimaryRegionCommand({ KeyId: arn, PrimaryRegion: target }));

  it("ReplicateKey of a primary PendingReplicaDeletion or PendingDeletion: KMSInvalidStateException", async () => {
    const { arn } = stage("primary");
    await expectKmsError(replicate(arn, "sa-east-1"), "KMSInvalidStateException");
    const alone = h.primary("us-east-1");
    h.server.invoke("us-east-1", "ScheduleKeyDeletion", { KeyId: alone.keyId });
    await expectKmsError(replicate(alone.arn, "sa-east-1"), "KMSInvalidStateException");
    expect(h.server.keys("sa-east-1")).toEqual([]);
  });

  it("UpdatePrimaryRegion of a primary PendingReplicaDeletion: KMSInvalidStateException", async () => {
    const { arn } = stage("primary");
    await expectKmsError(promote(arn, "ap-southeast-2"), "KMSInvalidStateException");
    expect(h.server.keys("us-east-1")[0]?.role).toBe("PRIMARY");
  });

  it("UpdatePrimaryRegion to a replica PendingDeletion: KMSInvalidStateException; another replica may be", async () => {
    const { keyId, arn } = stage("replica");
    await expectKmsError(promote(arn, "eu-west-1"), "KMSInvalidStateException");
    expect(h.server.keys("us-east-1").find((k) => k.keyId === keyId)?.role).toBe("PRIMARY");
    await promote(arn, "ap-southeast-2");
    expect(h.server.keys("ap-southeast-2")[0]?.role).toBe("PRIMARY");
  });

  it("a replica PendingDeletion is in its family's ReplicaKeys until it is gone", async () => {
    const { keyId } = stage("replica");
    const replicas = async () =>
      (await h.describe("ap-southeast-2", keyId)).MultiRegionConfiguration?.ReplicaKeys?.map((k) => k.Region);
    expect(await replicas()).toEqual(["eu-west-1", "ap-southeast-2"]);
    h.advance(7 * DAY);
    expect(await replicas()).toEqual(["ap-southeast-2"]);
  });
});

describe("request quotas of the deletion calls (enforceQuotas)", () => {
  it.each([
    ["ScheduleKeyDeletion", 15, "Enabled"],
    ["CancelKeyDeletion", 5, "PendingDeletion"],
    ["DisableKey", 5, "Enabled"],
    ["EnableKey", 5, "Disabled"],
  ] as const)("%s: %d a second; a throttled call changes nothing", async (operation, quota, from) => {
    // GIVEN quota + 1 keys in `from`, and quotas enforced
    const keys = Array.from({ length: quota + 1 }, () => String(h.server.createKey("eu-west-1").KeyId));
    for (const keyId of keys) {
      if (from === "PendingDeletion") h.server.invoke("eu-west-1", "ScheduleKeyDeletion", { KeyId: keyId });
      if (from === "Disabled") h.server.invoke("eu-west-1", "DisableKey", { KeyId: keyId });
    }
    h.server.configure({ enforceQuotas: true });
    const command = (keyId: string) =>
      ({
        ScheduleKeyDeletion: new ScheduleKeyDeletionCommand({ KeyId: keyId }),
        CancelKeyDeletion: new CancelKeyDeletionCommand({ KeyId: keyId }),
        DisableKey: new DisableKeyCommand({ KeyId: keyId }),
        EnableKey: new EnableKeyCommand({ KeyId: keyId }),
      })[operation];

    // WHEN quota + 1 calls come within the same second
    const outcomes: boolean[] = [];
    for (const keyId of keys) outcomes.push(await admitted(h.kms("eu-west-1").send(command(keyId))));

    // THEN the last is throttled, and its key is as it was; a second later it is served
    expect(outcomes).toEqual([...Array<boolean>(quota).fill(true), false]);
    const last = keys[quota] ?? "";
    expect(h.server.keys("eu-west-1").find((k) => k.keyId === last)?.state).toBe(from);
    expect(h.server.throttled()).toEqual([
      { account: ACCOUNT, region: "eu-west-1", operation, count: 1, quota: 1, fault: 0 },
    ]);
    h.advance(1000);
    expect(await admitted(h.kms("eu-west-1").send(command(last)))).toBe(true);
  });
});

describe("dayMs: a day of a deletion window in ms", () => {
  const short = useHarness({ dayMs: 1000 });

  it("as a start option: 7 days are 7 s of the endpoint's clock; the primary's window starts after", () => {
    const { keyId } = short.primary("us-east-1");
    short.replica(`arn:aws:kms:us-east-1:111122223333:key/${keyId}`, "eu-west-1");
    short.server.invoke("us-east-1", "ScheduleKeyDeletion", { KeyId: keyId, PendingWindowInDays: 10 });
    short.server.invoke("eu-west-1", "ScheduleKeyDeletion", { KeyId: keyId, PendingWindowInDays: 7 });
    const replicaGone = short.now() + 7000;
    expect(short.server.keys("eu-west-1")[0]?.deletionDate).toBe(replicaGone);
    short.advance(7000);
    expect(short.server.keys("eu-west-1")).toEqual([]);
    expect(short.server.keys("us-east-1")[0]).toMatchObject({
      state: "PendingDeletion",
      deletionDate: replicaGone + 10_000,
    });
    short.advance(10_000);
    expect(short.server.keys("us-east-1")).toEqual([]);
  });

  it("over HTTP: POST /_kms-local/config {dayMs}; wrong values are refused", async () => {
    const post = (body: unknown) =>
      fetch(`${short.server.url}/_kms-local/config`, { method: "POST", body: JSON.stringify(body) });
    for (const wrong of [0, -5, "10"]) expect((await post({ dayMs: wrong })).status).toBe(400);
    expect((await post({ dayMs: 50 })).status).toBe(200);
    const { keyId } = short.primary("us-east-1");
    short.server.invoke("us-east-1", "ScheduleKeyDeletion", { KeyId: keyId, PendingWindowInDays: 7 });
    expect(short.server.keys("us-east-1")[0]?.deletionDate).toBe(short.now() + 350);
  });

  it("on the machine's clock: a replica scheduled for 7 days of 20 ms is gone about 140 ms later", async () => {
    const server = await startKmsLocal({ dayMs: 20 });
    try {
      const primary = server.createKey("us-east-1", { MultiRegion: true });
      const arn = String(primary.Arn);
      server.invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: "eu-west-1" });
      server.invoke("eu-west-1", "ScheduleKeyDeletion", { KeyId: primary.KeyId, PendingWindowInDays: 7 });
      expect(server.keys("eu-west-1")).toHaveLength(1);
      await sleep(200);
      expect(server.keys("eu-west-1")).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});

it.skipIf(!existsSync(STANDALONE))(
  "build/kms-local.js --day-ms MS: listed by --help; a replica scheduled over HTTP is gone MS × days later",
  async () => {
    const help = spawn(process.execPath, [STANDALONE, "--help"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let usage = "";
    help.stdout.on("data", (chunk: Buffer) => (usage += chunk.toString()));
    expect(await new Promise((resolve) => help.once("exit", resolve))).toBe(0);
    expect(usage).toMatch(/--day-ms MS/);

    const child = spawn(
      process.execPath,
      [STANDALONE, "--port", "0", "--creating-delay", "0", "--day-ms", "20", "--primary", "us-east-1"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const lines = createInterface({ input: child.stdout });
    const clients: KMSClient[] = [];
    try {
      const printed: string[] = [];
      for await (const line of lines) {
        printed.push(line);
        if (line.includes("created multi-Region primary key")) break;
      }
      const endpoint = /listening on (\S+)$/.exec(printed[0] ?? "")?.[1];
      const arn = /key (arn:\S+)$/.exec(printed.at(-1) ?? "")?.[1] ?? "";
      const client = (region: string) => {
        const made = new KMSClient({ endpoint, region, credentials: CREDENTIALS, maxAttempts: 1 });
        clients.push(made);
        return made;
      };
      await client("us-east-1").send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: "eu-west-1" }));
      const eu = client("eu-west-1");
      const keyId = arn.split("/")[1];
      await eu.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      await sleep(300);
      await expectKmsError(eu.send(new DescribeKeyCommand({ KeyId: keyId })), "NotFoundException");
    } finally {
      for (const made of clients) made.destroy();
      lines.close();
      child.kill("SIGTERM");
    }
  },
);
