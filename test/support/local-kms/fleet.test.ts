// What a run over a fleet of keys needs of the endpoint, through the real SDK over HTTP: ListKeys
// and the other List operations paged as KMS pages them, AWS managed keys to select around, and
// fault rules aimed at one key. Also `--primaries` of the standalone endpoint, built from source.
import {
  CreateAliasCommand,
  DescribeKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ReplicateKeyCommand,
  KMSClient,
  type ListKeysCommandOutput,
} from "@aws-sdk/client-kms";
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, expectKmsError, useHarness } from "./harness.js";

const h = useHarness();

/** Every page of ListKeys in `region` with `limit` (undefined: KMS's default). */
async function listKeyPages(region: string, limit?: number): Promise<ListKeysCommandOutput[]> {
  const pages: ListKeysCommandOutput[] = [];
  let marker: string | undefined;
  do {
    const page = await h.kms(region).send(new ListKeysCommand({ Limit: limit, Marker: marker }));
    pages.push(page);
    marker = page.NextMarker;
  } while (marker !== undefined);
  return pages;
}

describe("ListKeys over a fleet", () => {
  it("lists every key of the Region, in any state, over pages of 1000 and of the default 100", async () => {
    // GIVEN 2,500 keys in us-east-1: primaries (some Disabled, some PendingDeletion), single-Region
    // keys, AWS managed keys, and replicas still Creating
    h.server.configure({ creatingDelayByRegion: { "us-east-1": null } });
    for (let i = 0; i < 1000; i += 1) {
      const { keyId } = h.primary("us-east-1");
      if (i % 10 === 0) h.server.invoke("us-east-1", "DisableKey", { KeyId: keyId });
      if (i % 25 === 1) h.server.invoke("us-east-1", "ScheduleKeyDeletion", { KeyId: keyId });
    }
    for (let i = 0; i < 500; i += 1) h.server.createKey("us-east-1");
    for (let i = 0; i < 10; i += 1) h.server.createKey("us-east-1", {}, { keyManager: "AWS" });
    for (let i = 0; i < 990; i += 1) h.replica(h.primary("eu-west-1").arn, "us-east-1");
    const held = h.server.keys("us-east-1");
    expect(held).toHaveLength(2500);
    expect(new Set(held.map((k) => k.state))).toEqual(
      new Set(["Enabled", "Disabled", "PendingDeletion", "Creating"]),
    );

    // WHEN listed with Limit 1000, and with no Limit
    const byThousand = await listKeyPages("us-east-1", 1000);
    const byDefault = await listKeyPages("us-east-1");

    // THEN pages of 1000, 1000, 500 and 25 pages of 100; Truncated on all but the last, which has
    // no NextMarker; together every key once, with its ARN
    expect(byThousand.map((p) => p.Keys?.length)).toEqual([1000, 1000, 500]);
    expect(byDefault.map((p) => p.Keys?.length)).toEqual(Array<number>(25).fill(100));
    for (const pages of [byThousand, byDefault]) {
      expect(pages.map((p) => p.Truncated)).toEqual([...pages.slice(1).map(() => true), false]);
      expect(pages.at(-1)?.NextMarker).toBeUndefined();
      const listed = pages.flatMap((p) => p.Keys ?? []);
      expect(listed.map((k) => [k.KeyId, k.KeyArn])).toEqual(held.map((k) => [k.keyId, k.arn]));
    }
    // Another Region's listing is its own
    expect((await listKeyPages("eu-west-1", 1000)).flatMap((p) => p.Keys ?? [])).toHaveLength(990);
  });

  interface LimitCase {
    readonly call: string;
    readonly send: (kms: KMSClient, keyId: string) => Promise<unknown>;
    /** What the ValidationException says; undefined: accepted. */
    readonly refused?: string;
  }
  const limitCases: LimitCase[] = [
    {
      call: "ListKeys Limit 0",
      send: (kms) => kms.send(new ListKeysCommand({ Limit: 0 })),
      refused: "greater than or equal to 1",
    },
    {
      call: "ListKeys Limit -1",
      send: (kms) => kms.send(new ListKeysCommand({ Limit: -1 })),
      refused: "greater than or equal to 1",
    },
    {
      call: "ListKeys Limit 1001",
      send: (kms) => kms.send(new ListKeysCommand({ Limit: 1001 })),
      refused: "less than or equal to 1000",
    },
    { call: "ListKeys Limit 1", send: (kms) => kms.send(new ListKeysCommand({ Limit: 1 })) },
    { call: "ListKeys Limit 1000", send: (kms) => kms.send(new ListKeysCommand({ Limit: 1000 })) },
    {
      call: "ListAliases Limit 101",
      send: (kms) => kms.send(new ListAliasesCommand({ Limit: 101 })),
      refused: "less than or equal to 100",
    },
    { call: "ListAliases Limit 100", send: (kms) => kms.send(new ListAliasesCommand({ Limit: 100 })) },
    {
      call: "ListResourceTags Limit 51",
      send: (kms, keyId) => kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 51 })),
      refused: "less than or equal to 50",
    },
    {
      call: "ListResourceTags Limit 0",
      send: (kms, keyId) => kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 0 })),
      refused: "greater than or equal to 1",
    },
    {
      call: "ListResourceTags Limit 50",
      send: (kms, keyId) => kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 50 })),
    },
  ];
  it.each(limitCases)("$call: ValidationException outside the documented range", async (c) => {
    const { keyId } = h.primary("us-east-1");
    const answer = c.send(h.kms("us-east-1"), keyId);
    if (c.refused === undefined) {
      await expect(answer).resolves.toBeDefined();
      return;
    }
    const error = await expectKmsError(answer, "ValidationException");
    expect(error.message).toContain(
      `at 'limit' failed to satisfy constraint: Member must have value ${c.refused}`,
    );
  });

  it("pages ListAliases by 50 and ListResourceTags by 50 by default", async () => {
    const { keyId } = h.primary("us-east-1");
    for (let i = 0; i < 60; i += 1) {
      h.server.invoke("us-east-1", "CreateAlias", { AliasName: `alias/k${i}`, TargetKeyId: keyId });
    }
    const tags = Array.from({ length: 50 }, (_, i) => ({ TagKey: `t${i}`, TagValue: "" }));
    h.server.invoke("us-east-1", "TagResource", { KeyId: keyId, Tags: tags });
    const kms = h.kms("us-east-1");

    const first = await kms.send(new ListAliasesCommand({}));
    expect([first.Aliases?.length, first.Truncated]).toEqual([50, true]);
    const second = await kms.send(new ListAliasesCommand({ Marker: first.NextMarker }));
    expect([second.Aliases?.length, second.Truncated, second.NextMarker]).toEqual([10, false, undefined]);
    const tagPage = await kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
    expect([tagPage.Tags?.length, tagPage.Truncated]).toEqual([50, false]);
  });

  it("answers InvalidMarkerException for a Marker that is not the NextMarker of the same listing", async () => {
    // GIVEN two keys with two tags each, 3 keys in us-east-1 and 1 in eu-west-1
    const a = h.primary("us-east-1", {
      Tags: [
        { TagKey: "a", TagValue: "1" },
        { TagKey: "b", TagValue: "2" },
      ],
    });
    const b = h.primary("us-east-1", {
      Tags: [
        { TagKey: "a", TagValue: "1" },
        { TagKey: "b", TagValue: "2" },
      ],
    });
    h.primary("us-east-1");
    h.primary("eu-west-1");
    const east = h.kms("us-east-1");
    const keysMarker = (await east.send(new ListKeysCommand({ Limit: 1 }))).NextMarker;
    const tagsMarker = (await east.send(new ListResourceTagsCommand({ KeyId: a.keyId, Limit: 1 })))
      .NextMarker;
    expect(keysMarker).toBeDefined();
    expect(tagsMarker).toBeDefined();

    // THEN the markers work where they were made
    await expect(east.send(new ListKeysCommand({ Marker: keysMarker }))).resolves.toMatchObject({
      Truncated: false,
    });
    await expect(
      east.send(new ListResourceTagsCommand({ KeyId: a.keyId, Marker: tagsMarker })),
    ).resolves.toMatchObject({ Tags: [{ TagKey: "b", TagValue: "2" }] });
    // and nowhere else: made up, another Region, another operation, another key
    const invalid = [
      () => east.send(new ListKeysCommand({ Marker: "not-a-marker" })),
      () => east.send(new ListKeysCommand({ Marker: Buffer.from("1").toString("base64") })),
      () => h.kms("eu-west-1").send(new ListKeysCommand({ Marker: keysMarker })),
      () => east.send(new ListKeysCommand({ Marker: tagsMarker })),
      () => east.send(new ListAliasesCommand({ Marker: keysMarker })),
      () => east.send(new ListResourceTagsCommand({ KeyId: b.keyId, Marker: tagsMarker })),
    ];
    for (const call of invalid) await expectKmsError(call(), "InvalidMarkerException");
    // An empty Marker breaks the model's length constraint (1–1024)
    await expectKmsError(east.send(new ListKeysCommand({ Marker: "" })), "ValidationException");
  });
});

describe("AWS managed keys (a setup step: CreateKey cannot make them)", () => {
  it("DescribeKey shows KeyManager AWS for them and CUSTOMER for every other key; ListKeys lists them", async () => {
    const managed = h.server.createKey(
      "us-east-1",
      { Description: "Default key for EBS" },
      { keyManager: "AWS" },
    );
    const single = h.server.createKey("us-east-1");
    const { keyId: primaryId, arn } = h.primary("us-east-1");
    h.replica(arn, "eu-west-1");

    expect(managed).toMatchObject({ KeyManager: "AWS", MultiRegion: false });
    expect(await h.describe("us-east-1", String(managed.KeyId))).toMatchObject({
      KeyManager: "AWS",
      KeyState: "Enabled",
    });
    for (const [region, keyId] of [
      ["us-east-1", String(single.KeyId)],
      ["us-east-1", primaryId],
      ["eu-west-1", primaryId],
    ] as const) {
      expect((await h.describe(region, keyId)).KeyManager).toBe("CUSTOMER");
    }
    const listed = await h.kms("us-east-1").send(new ListKeysCommand({}));
    expect(listed.Keys?.map((k) => k.KeyId)).toContain(managed.KeyId);
    expect(() => h.server.createKey("us-east-1", { MultiRegion: true }, { keyManager: "AWS" })).toThrow(
      /single-Region/,
    );
  });
});

describe("fault rules for one key (FaultRule.keyId)", () => {
  it("denies ReplicateKey of one key while another key's ReplicateKey succeeds", async () => {
    const denied = h.primary("us-east-1");
    const allowed = h.primary("us-east-1");
    h.server.configure({ faults: [{ operation: "ReplicateKey", keyId: denied.keyId, accessDenied: true }] });
    const east = h.kms("us-east-1");

    const error = await expectKmsError(
      east.send(new ReplicateKeyCommand({ KeyId: denied.arn, ReplicaRegion: "eu-west-1" })),
      "AccessDeniedException",
    );
    expect(error.message).toContain(`kms:ReplicateKey on resource: ${denied.arn}`);
    await expectKmsError(
      east.send(new ReplicateKeyCommand({ KeyId: denied.keyId, ReplicaRegion: "eu-west-2" })),
      "AccessDeniedException",
    );
    await expect(
      east.send(new ReplicateKeyCommand({ KeyId: allowed.arn, ReplicaRegion: "eu-west-1" })),
    ).resolves.toBeDefined();
    expect(h.server.keys("eu-west-1").map((k) => k.keyId)).toEqual([allowed.keyId]);
    expect(h.server.keys("eu-west-2")).toEqual([]);
  });

  it("throttles the next `count` calls naming that key only: other keys' calls do not use the count up", async () => {
    const busy = h.primary("us-east-1");
    const other = h.primary("us-east-1");
    h.server.configure({ faults: [{ operation: "DescribeKey", keyId: busy.arn, throttle: { count: 2 } }] });
    const east = h.kms("us-east-1");

    for (let i = 0; i < 3; i += 1) await expect(h.describe("us-east-1", other.keyId)).resolves.toBeDefined();
    await expectKmsError(east.send(new DescribeKeyCommand({ KeyId: busy.keyId })), "ThrottlingException");
    await expectKmsError(east.send(new DescribeKeyCommand({ KeyId: busy.arn })), "ThrottlingException");
    await expect(h.describe("us-east-1", busy.keyId)).resolves.toBeDefined();
    expect(
      h.server.calls({ operation: "DescribeKey" }).map((c) => [c.status, c.throttledBy ?? null]),
    ).toEqual([
      [200, null],
      [200, null],
      [200, null],
      [400, "fault"],
      [400, "fault"],
      [200, null],
    ]);
  });

  it("knows the key by key ID, by key ARN of any Region, and by an alias that points at it in the request's Region", async () => {
    // GIVEN key `target` (primary in us-east-1, replica in eu-west-1) and key `other`; in eu-west-1
    // alias/app points at `target`, in us-east-1 the same name points at `other`
    const target = h.primary("us-east-1");
    const replicaArn = h.replica(target.arn, "eu-west-1");
    const other = h.primary("us-east-1");
    const otherWest = h.primary("eu-west-1");
    h.server.invoke("eu-west-1", "CreateAlias", { AliasName: "alias/app", TargetKeyId: target.keyId });
    h.server.invoke("us-east-1", "CreateAlias", { AliasName: "alias/app", TargetKeyId: other.keyId });
    h.server.configure({ faults: [{ keyId: replicaArn, accessDenied: true }] });
    const west = h.kms("eu-west-1");
    const east = h.kms("us-east-1");
    const denied = (call: Promise<unknown>) => expectKmsError(call, "AccessDeniedException");

    // THEN every way of naming it is denied, in KeyId or in TargetKeyId
    await denied(west.send(new DescribeKeyCommand({ KeyId: target.keyId })));
    await denied(west.send(new DescribeKeyCommand({ KeyId: replicaArn })));
    await denied(east.send(new DescribeKeyCommand({ KeyId: target.arn })));
    await denied(west.send(new DescribeKeyCommand({ KeyId: "alias/app" })));
    await denied(west.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app` })));
    await denied(west.send(new CreateAliasCommand({ AliasName: "alias/more", TargetKeyId: target.keyId })));
    // and other keys pass: another key, the same alias name in a Region where it names another key,
    // calls naming no key
    await expect(east.send(new DescribeKeyCommand({ KeyId: "alias/app" }))).resolves.toBeDefined();
    await expect(east.send(new DescribeKeyCommand({ KeyId: other.arn }))).resolves.toBeDefined();
    await expect(west.send(new ListKeysCommand({}))).resolves.toBeDefined();
    // once the alias points elsewhere, it no longer names the key
    h.server.invoke("eu-west-1", "UpdateAlias", { AliasName: "alias/app", TargetKeyId: otherWest.keyId });
    await expect(west.send(new DescribeKeyCommand({ KeyId: "alias/app" }))).resolves.toMatchObject({
      KeyMetadata: { KeyId: otherWest.keyId },
    });
  });

  it("is accepted over POST /_kms-local/config; a keyId that is not a string is refused", async () => {
    const post = (body: unknown) =>
      fetch(`${h.server.url}/_kms-local/config`, { method: "POST", body: JSON.stringify(body) });
    const good = await post({
      faults: [{ keyId: "mrk-1234abcd12ab34cd56ef1234567890ab", accessDenied: true }],
    });
    expect(good.status).toBe(200);
    const bad = await post({ faults: [{ keyId: 7, accessDenied: true }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain("faults[0].keyId");
  });
});

describe("the standalone endpoint, built from main.ts", () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kms-local-"));
    bundle = join(dir, "kms-local.mjs");
    await build({
      entryPoints: [fileURLToPath(new URL("main.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outfile: bundle,
      logLevel: "warning",
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs the bundle with `args` until it exits (`--help`, a usage error); its code and output. */
  async function runToExit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [bundle, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    return { code, stdout, stderr };
  }

  it("--primaries N --primary-region R --primary-tag K=V: N tagged primaries at start", async () => {
    const child = spawn(
      process.execPath,
      [bundle, "--port", "0", "--primaries", "30", "--primary-region", "eu-west-1"].concat([
        "--primary-tag",
        "dr=true",
        "--primary-tag",
        "team=",
      ]),
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const output: string[] = [];
      await new Promise<void>((resolve, reject) => {
        lines.on("line", (line) => {
          output.push(line);
          if (output.length === 2) resolve();
        });
        child.once("exit", (code) => reject(new Error(`kms-local exited with ${code}`)));
      });
      lines.close();
      expect(output[1]).toBe(
        "kms-local created 30 multi-Region primary keys in eu-west-1 tagged dr=true, team=",
      );
      const endpoint = /listening on (\S+)$/.exec(output[0] ?? "")?.[1] ?? "";
      const kms = new KMSClient({
        endpoint,
        region: "eu-west-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        maxAttempts: 1,
      });
      try {
        const keys = (await kms.send(new ListKeysCommand({}))).Keys ?? [];
        expect(keys).toHaveLength(30);
        const key = keys[0]?.KeyId ?? "";
        const metadata = (await kms.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata;
        expect(metadata?.MultiRegionConfiguration?.MultiRegionKeyType).toBe("PRIMARY");
        expect((await kms.send(new ListResourceTagsCommand({ KeyId: key }))).Tags).toEqual([
          { TagKey: "dr", TagValue: "true" },
          { TagKey: "team", TagValue: "" },
        ]);
      } finally {
        kms.destroy();
      }
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("--help lists the flags; misused ones are usage errors (exit 2)", async () => {
    const help = await runToExit(["--help"]);
    expect(help.code).toBe(0);
    for (const flag of ["--primaries N", "--primary-region", "--primary-tag KEY=VALUE"]) {
      expect(help.stdout).toContain(flag);
    }
    for (const [args, problem] of [
      [["--primaries", "0"], "--primaries 0 is not a number of keys above 0"],
      [["--primaries", "ten"], "--primaries ten is not a number of keys above 0"],
      [["--primary-region", "eu-west-1"], "--primary-region goes with --primaries N"],
      [["--primaries", "2", "--primary-region", "Europe"], "--primary-region Europe is not a Region ID"],
      [["--primary", "us-east-1", "--primary-tag", "dr"], "--primary-tag dr is not KEY=VALUE"],
      [["--primary-tag", "dr=true"], "--primary-tag goes with --primary REGION or --primaries N"],
      [["--port", "0", "--primaries", "1", "--primary-tag", "aws:x=1"], "--primary-tag: Tag keys may not"],
    ] as const) {
      const run = await runToExit([...args]);
      expect([run.code, run.stderr]).toEqual([2, expect.stringContaining(problem)]);
    }
  });
});
