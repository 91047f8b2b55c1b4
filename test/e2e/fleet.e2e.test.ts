// Fleets end to end: the built bin over a selection of keys (--all-primaries, --keys-from, --key
// given twice, --select-tag) against the local KMS endpoint over real HTTP, checking what the
// endpoint holds afterwards, its call log, the exit code, the version-2 JSON (valid by the committed
// schema) and stderr. Failures, an interrupted run and its re-run, and promote's regional failover
// are in fleet-failures.e2e.test.ts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fleetTools, inRegion, keyIdOf } from "./fleet-support.js";
import { useLocalKms, type FleetDocument } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 300 });
const { primary, held, cli, fleet } = fleetTools(kms);

const TARGETS = ["eu-west-1", "ap-southeast-2"];
const dir = mkdtempSync(join(tmpdir(), "kms-replicate-fleet-"));
const replicateCalls = (): number => kms().callCount(undefined, "ReplicateKey");

const statusesOf = (doc: FleetDocument) =>
  doc.keys.map((k) => [k.primary?.keyId, k.regions?.map((r) => [r.region, r.status])]);

describe("--all-primaries --select-tag", () => {
  it("replicates only the Enabled customer-managed primaries that carry the tag, within KMS's quotas", async () => {
    // GIVEN in us-east-1: 3 primaries tagged dr=true, one dr=false, one untagged, one Disabled
    // tagged dr=true, a single-Region key and an AWS managed key, and a replica of a primary of
    // eu-central-1 (all listed by ListKeys); the endpoint enforces KMS's quotas, ten times faster
    const tagged = [primary({ dr: "true", team: "a" }), primary({ dr: "true" }), primary({ dr: "true" })];
    primary({ dr: "false" });
    primary();
    const disabled = primary({ dr: "true" });
    kms().invoke("us-east-1", "DisableKey", { KeyId: disabled });
    kms().createKey("us-east-1", { Tags: [{ TagKey: "dr", TagValue: "true" }] });
    kms().createKey("us-east-1", {}, { keyManager: "AWS" });
    const elsewhere = String(kms().createKey("eu-central-1", { MultiRegion: true }).Arn);
    kms().invoke("eu-central-1", "ReplicateKey", { KeyId: elsewhere, ReplicaRegion: "us-east-1" });
    kms().configure({ enforceQuotas: true, quotaScale: 10 });
    // WHEN
    const { doc, run } = await fleet([
      "--all-primaries",
      "--region",
      "us-east-1",
      "--select-tag",
      "dr=true",
      "--regions",
      TARGETS.join(","),
      "--quota",
      "ReplicateKey=50",
      "--quota",
      "CreateKey=50",
    ]);
    // THEN exit 0, one entry per tagged primary, each as version 1 has it
    expect(run.code, run.stderr).toBe(0);
    expect(doc).toMatchObject({ version: 2, command: "replicate", ok: true, exitCode: 0, dryRun: false });
    expect(doc.selection).toEqual({
      keys: [],
      keysFrom: null,
      allPrimaries: true,
      regions: ["us-east-1"],
      selectTags: [{ TagKey: "dr", TagValue: "true" }],
      listed: 9,
      multiRegion: 7,
      candidates: 5,
      selected: 3,
    });
    expect(doc.keys.map((k) => k.key)).toEqual(tagged);
    for (const [index, entry] of doc.keys.entries()) {
      expect(entry.primary).toMatchObject({ arn: tagged[index], region: "us-east-1" });
      expect(entry.regions?.map((r) => [r.region, r.status, r.keyState, r.replicaArn])).toEqual(
        TARGETS.map((region) => [region, "created", "Enabled", inRegion(tagged[index] ?? "", region)]),
      );
      expect(entry).toMatchObject({ ok: true, exitCode: 0, error: null });
    }
    expect(doc.totals.keys).toEqual({
      ok: 3,
      failed: 0,
      timeout: 0,
      notStarted: 0,
      drift: 0,
      interrupted: 0,
      total: 3,
    });
    expect(doc.totals.regions).toMatchObject({ created: 6, exists: 0, failed: 0 });
    expect(doc.totals.byRegion?.["eu-west-1"]).toMatchObject({ created: 3 });
    expect(doc.totals.byRegion?.["ap-southeast-2"]).toMatchObject({ created: 3 });
    // AND the endpoint holds replicas of exactly those keys; KMS's quotas were never exceeded
    for (const region of TARGETS) expect(held(region)).toEqual(tagged.map(keyIdOf).sort());
    expect(kms().calls({ operation: "ReplicateKey" })).toHaveLength(6);
    expect(kms().throttled()).toEqual([]);
    // AND stderr: a line per key, the summary
    expect(run.stderr).toMatch(/^Replicating the keys as they are found\.$/m);
    expect(run.stderr).toMatch(/^Selected 3 keys\.$/m);
    for (const arn of tagged) expect(run.stderr).toContain(`✔ ${keyIdOf(arn)} (us-east-1) 2 created`);
    expect(run.stderr).toMatch(/3 keys in \d+s: 3 ok\./);
  });
});

describe("--key given twice", () => {
  it("is a fleet (version 2); a key named twice is worked on once, with a warning", async () => {
    // GIVEN two primaries, the first also known by an alias
    const [first = "", second = ""] = [primary(), primary()];
    kms().invoke("us-east-1", "CreateAlias", { AliasName: "alias/ledger", TargetKeyId: first });
    // WHEN
    const { doc, run } = await fleet([
      "--key",
      first,
      "--key",
      second,
      "--key",
      "alias/ledger",
      "--region",
      "us-east-1",
      "--regions",
      "eu-west-1",
    ]);
    // THEN
    expect(run.code, run.stderr).toBe(0);
    expect(doc.selection).toMatchObject({
      keys: [first, second, "alias/ledger"],
      candidates: 3,
      selected: 2,
    });
    expect(doc.keys.map((k) => [k.key, k.regions?.map((r) => r.status)])).toEqual([
      [first, ["created"]],
      [second, ["created"]],
    ]);
    expect(doc.warnings).toEqual([
      `alias/ledger and ${first} are the same key (${keyIdOf(first)}); it is worked on once.`,
    ]);
    expect(run.stderr).toContain(`⚠ alias/ledger and ${first} are the same key`);
    expect(held("eu-west-1")).toEqual([first, second].map(keyIdOf).sort());
    expect(kms().calls({ operation: "ReplicateKey" })).toHaveLength(2);
  });
});

describe("--keys-from", () => {
  /** Three primaries to name: by key ID, by ARN, by alias; a fourth that no list names. */
  function keysToName(alias: string): { byId: string; byArn: string; byAlias: string; other: string } {
    const keys = { byId: primary(), byArn: primary(), byAlias: primary(), other: primary() };
    kms().invoke("us-east-1", "CreateAlias", { AliasName: alias, TargetKeyId: keys.byAlias });
    return keys;
  }

  it("- reads the list from stdin: comments, blank lines, a key ID with --region, an ARN, an alias", async () => {
    // GIVEN
    const keys = keysToName("alias/payments");
    const list = [
      "# DR keys of the payments team",
      "",
      keyIdOf(keys.byId),
      `   ${keys.byArn}   # by ARN`,
      "\t",
      "alias/payments",
      "",
    ].join("\n");
    // WHEN
    const { doc, run } = await fleet(
      ["--keys-from", "-", "--region", "us-east-1", "--regions", "eu-west-1"],
      { stdin: Buffer.from(list) },
    );
    // THEN each key as it was written, each replicated
    expect(run.code, run.stderr).toBe(0);
    expect(doc.selection).toMatchObject({ keysFrom: "-", allPrimaries: false, selected: 3 });
    expect(doc.keys.map((k) => [k.key, k.primary?.arn, k.regions?.map((r) => r.status)])).toEqual([
      [keyIdOf(keys.byId), keys.byId, ["created"]],
      [keys.byArn, keys.byArn, ["created"]],
      ["alias/payments", keys.byAlias, ["created"]],
    ]);
    expect(held("eu-west-1")).toEqual([keys.byId, keys.byArn, keys.byAlias].map(keyIdOf).sort());
  });

  it("FILE: the same list from a file (CRLF line ends too)", async () => {
    const keys = keysToName("alias/orders");
    const file = join(dir, "keys.txt");
    writeFileSync(file, [keys.byArn, `${keyIdOf(keys.byId)} # by ID`, "alias/orders"].join("\r\n"));
    const { doc, run } = await fleet([
      "--keys-from",
      file,
      "--region",
      "us-east-1",
      "--regions",
      "eu-west-1",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(doc.selection?.keysFrom).toBe(file);
    expect(doc.keys.map((k) => k.key)).toEqual([keys.byArn, keyIdOf(keys.byId), "alias/orders"]);
    expect(doc.totals.regions).toMatchObject({ created: 3 });
    expect(held("eu-west-1")).toEqual([keys.byId, keys.byArn, keys.byAlias].map(keyIdOf).sort());
  });

  it("a list with bad lines: exit 2 naming every bad line, before any call", async () => {
    // GIVEN a good line and three that are not key references
    const good = primary();
    const file = join(dir, "bad-keys.txt");
    writeFileSync(
      file,
      [
        good,
        "# a comment",
        "arn:aws:kms:us-east-1:111122223333:nokey",
        "arn:aws:kms:US-EAST-1:111122223333:key/mrk-1",
        "alias/   # no name",
      ].join("\n"),
    );
    // WHEN
    const { doc, run } = await fleet(["--keys-from", file, "--regions", "eu-west-1"]);
    // THEN
    expect(run.code).toBe(2);
    expect(doc.keys).toEqual([]);
    expect(doc.error?.name).toBe("UsageError");
    expect(doc.error?.message).toContain(`--keys-from ${file}: 3 lines are not a key ID`);
    expect(doc.error?.message).toContain("nothing was changed");
    for (const line of [3, 4, 5]) expect(doc.error?.message).toMatch(new RegExp(`line ${line}: `));
    expect(doc.error?.message).not.toMatch(/line [12]: /);
    expect(run.stderr).toMatch(/✖ --keys-from .*3 lines are not/);
    expect(kms().calls()).toEqual([]);
    expect(held("eu-west-1")).toEqual([]);
  });

  it("a list naming a replica and a missing key: exit 2 naming the missing key only, no ReplicateKey", async () => {
    // GIVEN a good primary, the eu-west-1 replica of another primary, a key that does not exist
    const good = primary();
    const other = primary();
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: other, ReplicaRegion: "eu-west-1" });
    const missing = "arn:aws:kms:us-east-1:111122223333:key/mrk-00000000000000000000000000000000";
    // WHEN
    const { doc, run } = await fleet(["--keys-from", "-", "--regions", "ap-southeast-2"], {
      stdin: Buffer.from(`${good}\n${inRegion(other, "eu-west-1")}\n${missing}\n`),
    });
    // THEN the replica is followed to its primary (every command does); the missing key is refused
    expect(run.code).toBe(2);
    expect(doc.error?.name).toBe("InvalidSelection");
    expect(doc.error?.message).toMatch(/^1 key of the selection cannot be used; nothing was changed:/);
    expect(doc.error?.message).toMatch(/--keys-from line 3 \(.*mrk-0{32}\): .*NotFound/);
    expect(doc.error?.message).not.toContain("line 1 ");
    expect(doc.error?.message).not.toContain("line 2 ");
    expect(kms().calls({ operation: "ReplicateKey" })).toEqual([]);
    expect(held("ap-southeast-2")).toEqual([]);
  });

  it("a replica in the list is followed to its primary, with a note, and the primary is replicated", async () => {
    // GIVEN a primary in us-east-1 and its replica in eu-west-1, named by the replica's ARN
    const other = primary();
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: other, ReplicaRegion: "eu-west-1" });
    const before = replicateCalls();
    // WHEN
    const { doc, run } = await fleet(["--keys-from", "-", "--regions", "ap-southeast-2"], {
      stdin: Buffer.from(`${inRegion(other, "eu-west-1")}\n`),
    });
    // THEN the primary in us-east-1 was replicated into ap-southeast-2
    expect(run.code).toBe(0);
    expect(doc.keys).toHaveLength(1);
    expect(doc.keys[0]).toMatchObject({
      key: inRegion(other, "eu-west-1"),
      primary: { keyId: keyIdOf(other), region: "us-east-1" },
    });
    expect(replicateCalls()).toBe(before + 1);
    expect(held("ap-southeast-2")).toHaveLength(1);
    expect(run.stderr).toMatch(/replica.*primary.*us-east-1/i);
  });
});

describe("bad input: exit 2, a version-2 document with the error, nothing changed", () => {
  it("an empty selection says what was looked at, and its document counts it", async () => {
    primary({ dr: "true" });
    primary({ dr: "true" });
    const { doc, run } = await fleet([
      "--all-primaries",
      "--region",
      "us-east-1",
      "--select-tag",
      "dr=nope",
      "--regions",
      "eu-west-1",
    ]);
    expect(run.code).toBe(2);
    expect(doc).toMatchObject({ ok: false, keys: [], error: { name: "EmptySelection" } });
    expect(doc.error?.message).toBe(
      "No key selected: --all-primaries listed 2 keys in us-east-1, 2 of them multi-Region, 2 of those Enabled customer-managed primaries; none of them carries dr=nope. Nothing was changed.",
    );
    expect(doc.error?.hint).toMatch(/list-resource-tags/);
    expect(doc.selection).toMatchObject({ listed: 2, multiRegion: 2, candidates: 2, selected: 0 });
    expect(run.stderr).toMatch(/✖ No key selected: --all-primaries listed 2 keys/);
    expect(replicateCalls()).toBe(0);
  });

  it.each([
    {
      what: "--all-primaries with --key",
      args: ["--all-primaries", "--region", "us-east-1", "--key", "alias/payments"],
      message: /--all-primaries selects every primary of the --region\(s\); it does not combine with --key/,
    },
    {
      what: "--region twice without --all-primaries",
      args: ["--key", "alias/a", "--key", "alias/b", "--region", "us-east-1", "--region", "eu-west-1"],
      message: /--region is given 2 times; several Regions are for --all-primaries/,
    },
    {
      what: "--keys-from a missing file",
      args: ["--keys-from", "/nonexistent/keys.txt"],
      message: /--keys-from \/nonexistent\/keys.txt: cannot read it \(ENOENT\)/,
    },
    {
      what: "--key-material with a fleet",
      args: ["--all-primaries", "--region", "us-east-1", "--key-material", "fileb://material.bin"],
      message: /--key-material works on one key/,
    },
    {
      what: "an unknown option (commander's usage error)",
      args: ["--all-primaries", "--region", "us-east-1", "--bogus"],
      message: /unknown option '--bogus'/,
    },
  ])("$what", async ({ args, message }) => {
    // GIVEN a primary the fleet could select
    primary({ dr: "true" });
    // WHEN
    const { doc, run } = await fleet([...args, "--regions", "eu-west-1"]);
    // THEN
    expect(run.code).toBe(2);
    expect(doc).toMatchObject({ command: "replicate", ok: false, exitCode: 2, keys: [] });
    expect(doc.totals.keys.total).toBe(0);
    expect(doc.error?.message).toMatch(message);
    expect(run.stderr).toMatch(message);
    expect(replicateCalls()).toBe(0);
    expect(held("eu-west-1")).toEqual([]);
  });

  it("a usage error of another fleet command gives that command's version-2 document", async () => {
    const { doc, run } = await fleet(["status", "--keys-from", "-", "--bogus"], { stdin: Buffer.from("") });
    expect(run.code).toBe(2);
    expect(doc).toMatchObject({ command: "status", selection: null, error: { name: "UsageError" } });
  });
});

describe("--dry-run over a fleet", () => {
  it("lists the selection and each key's plan, sends no ReplicateKey", async () => {
    // GIVEN three tagged primaries, one of them with a replica in eu-west-1 already
    const keys = [primary({ dr: "true" }), primary({ dr: "true" }), primary({ dr: "true" })];
    const [first = "", second = ""] = keys;
    // Enabled at once: a replica still Creating would be `creating`, not `exists` (a dry run does
    // not wait), and the run may start within the endpoint's Creating delay.
    kms().configure({ creatingDelayMs: 0 });
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: second, ReplicaRegion: "eu-west-1" });
    const args = ["--all-primaries", "--region", "us-east-1", "--select-tag", "dr=true"];
    const before = replicateCalls();
    // WHEN text, then JSON
    const text = await cli([...args, "--regions", TARGETS.join(","), "--dry-run"]);
    const { doc } = await fleet([...args, "--regions", TARGETS.join(","), "--dry-run"]);
    // THEN stderr names each key and the Regions that would be created
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe("");
    expect(text.stderr).toMatch(/^Dry run: would replicate the keys as they are found\.$/m);
    expect(text.stderr).toMatch(/^Selected 3 keys\.$/m);
    expect(text.stderr).toContain(`○ ${keyIdOf(first)} (us-east-1) planned eu-west-1, ap-southeast-2`);
    expect(text.stderr).toContain(`${keyIdOf(second)} (us-east-1) exists eu-west-1; planned ap-southeast-2`);
    expect(text.stderr).toMatch(/eu-west-1\s+1 exists, 2 planned/);
    expect(text.stderr).toMatch(/ap-southeast-2\s+3 planned/);
    expect(text.stderr).toMatch(/3 keys in \d+s: 3 ok\. Dry run: nothing was changed\./);
    // AND the JSON is the same plan
    expect(doc).toMatchObject({ dryRun: true, exitCode: 0 });
    expect(statusesOf(doc)).toEqual(
      keys.map((arn) => [
        keyIdOf(arn),
        [
          ["eu-west-1", arn === second ? "exists" : "planned"],
          ["ap-southeast-2", "planned"],
        ],
      ]),
    );
    expect(doc.totals.regions).toMatchObject({ planned: 5, exists: 1, created: 0 });
    // AND nothing was sent
    expect(replicateCalls()).toBe(before);
    expect(held("ap-southeast-2")).toEqual([]);
  });
});

describe("wait, status and sync over a fleet", () => {
  it("replicate --no-wait → wait → status (drift, exit 4, TSV) → sync → status exit 0", async () => {
    // GIVEN three primaries whose replicas stay Creating for 800 ms
    kms().configure({ creatingDelayMs: 800 });
    const keys = [primary(), primary(), primary()];
    const select = ["--all-primaries", "--region", "us-east-1"];
    // WHEN replicate without waiting
    const quick = await fleet([...select, "--regions", TARGETS.join(","), "--no-wait"]);
    expect(quick.run.code, quick.run.stderr).toBe(0);
    expect(quick.doc.totals.regions).toMatchObject({ creating: 6 });
    // AND wait for every replica of every key
    const waited = await fleet(["wait", ...select]);
    expect(waited.run.code, waited.run.stderr).toBe(0);
    expect(waited.doc.command).toBe("wait");
    expect(waited.doc.totals.keys).toMatchObject({ ok: 3, total: 3 });
    for (const entry of waited.doc.keys) {
      expect(entry.regions?.map((r) => [r.region, r.keyState]).sort()).toEqual([
        ["ap-southeast-2", "Enabled"],
        ["eu-west-1", "Enabled"],
      ]);
    }
    for (const region of TARGETS)
      expect(
        kms()
          .keys(region)
          .map((k) => k.state),
      ).toEqual(["Enabled", "Enabled", "Enabled"]);

    // GIVEN one replica's description drifts
    const [, drifting = ""] = keys;
    kms().invoke("eu-west-1", "UpdateKeyDescription", {
      KeyId: inRegion(drifting, "eu-west-1"),
      Description: "stale",
    });
    // WHEN status (stdout is a pipe: TSV)
    const status = await cli(["status", ...select]);
    // THEN exit 4, a row per member of every family, the key first
    expect(status.code, status.stderr).toBe(4);
    const [header, ...rows] = status.stdout.trimEnd().split("\n");
    expect(header?.split("\t")).toEqual(["KEY", "REGION", "ROLE", "STATE", "DESCRIPTION", "TAGS", "ALIASES"]);
    expect(rows.map((r) => r.split("\t").slice(0, 3))).toEqual(
      keys.flatMap((arn) => [
        [keyIdOf(arn), "us-east-1", "PRIMARY"],
        [keyIdOf(arn), "ap-southeast-2", "REPLICA"],
        [keyIdOf(arn), "eu-west-1", "REPLICA"],
      ]),
    );
    expect(status.stderr).toContain(`${keyIdOf(drifting)} eu-west-1: drift: description "stale"`);
    expect(status.stderr).toMatch(/3 key families, 9 keys, all usable, 1 replica drift/);
    const statusJson = await fleet(["status", ...select]);
    expect(statusJson.doc.totals).toMatchObject({ members: 9, unusable: 0, drifting: 1 });
    expect(statusJson.doc.totals.keys).toMatchObject({ ok: 2, drift: 1 });

    // WHEN sync
    const sync = await fleet(["sync", ...select]);
    // THEN only the drifting replica was changed
    expect(sync.run.code, sync.run.stderr).toBe(0);
    expect(sync.doc.totals.regions).toMatchObject({ done: 1, unchanged: 5, failed: 0 });
    const entry = sync.doc.keys.find((k) => k.primary?.arn === drifting);
    expect(entry?.regions?.find((r) => r.region === "eu-west-1")).toMatchObject({
      status: "done",
      operations: [{ op: "description" }],
    });
    expect(
      kms()
        .keys("eu-west-1")
        .find((k) => k.keyId === keyIdOf(drifting))?.description,
    ).toBe("");
    expect((await cli(["status", ...select])).code).toBe(0);
  });
});

describe("--select-tag with one --key (not a fleet: version 1)", () => {
  it("a key without the tag: exit 2 EmptySelection, nothing replicated", async () => {
    const arn = primary({ dr: "false" });
    const run = await cli(["--key", arn, "--select-tag", "dr=true", "--regions", "eu-west-1", "-o", "json"]);
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({ version: 1, command: "replicate", primary: null, regions: [] });
    expect(run.json?.error).toMatchObject({
      name: "EmptySelection",
      message: `No key selected: ${arn} does not carry dr=true. Nothing was changed.`,
    });
    expect(replicateCalls()).toBe(0);
    expect(held("eu-west-1")).toEqual([]);
  });

  it("a key with the tag: replicated as usual", async () => {
    const arn = primary({ dr: "true" });
    const run = await cli(["--key", arn, "--select-tag", "dr=true", "--regions", "eu-west-1", "-o", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ version: 1, primary: { arn } });
    expect(run.json?.regions.map((r) => [r.region, r.status])).toEqual([["eu-west-1", "created"]]);
    expect(held("eu-west-1")).toEqual([keyIdOf(arn)]);
  });
});
