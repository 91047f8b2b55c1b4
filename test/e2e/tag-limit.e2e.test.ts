// KMS's 50 tags per key (a fixed limit) is planned, not hit: a run that would give a key more
// than 50 tags is refused before any write (exit 2; in a fleet that key fails alone), naming
// --prune-tags; LimitExceededException from TagResource gets the tag-limit advice. The built bin
// against the local endpoint, which enforces the limit as KMS does.
import { describe, expect, it } from "vitest";
import { schemaErrors } from "../support/schema.js";
import { fleetOf, runCli, useLocalKms, type CliRun } from "./run-cli.js";

const kms = useLocalKms({});

const WRITES = [
  "ReplicateKey",
  "TagResource",
  "UntagResource",
  "UpdateKeyDescription",
  "PutKeyPolicy",
  "CreateAlias",
  "EnableKey",
  "DisableKey",
];
const writes = (): number => WRITES.reduce((n, op) => n + kms().callCount(undefined, op), 0);
const inRegion = (arn: string, region: string): string => arn.replace("us-east-1", region);
const tagsOf = (region: string, arn: string): Record<string, string> =>
  kms()
    .keys(region)
    .find((k) => k.arn === inRegion(arn, region))?.tags ?? {};

/** `n` tags x0=1 … x(n-1)=1. */
const extra = (n: number): { TagKey: string; TagValue: string }[] =>
  Array.from({ length: n }, (_, i) => ({ TagKey: `x${i}`, TagValue: "1" }));

/**
 * A primary in us-east-1 tagged team=payments and cost=42 (2 tags), replicas in eu-west-1 and
 * sa-east-1 made by ReplicateKey (no tags); the eu-west-1 replica then gets `onWest` tags of its own.
 */
function family(onWest: number): string {
  const arn = String(
    kms().createKey("us-east-1", {
      MultiRegion: true,
      Tags: [
        { TagKey: "team", TagValue: "payments" },
        { TagKey: "cost", TagValue: "42" },
      ],
    }).Arn,
  );
  for (const region of ["eu-west-1", "sa-east-1"]) {
    kms().invoke("us-east-1", "ReplicateKey", { KeyId: arn, ReplicaRegion: region });
  }
  if (onWest > 0)
    kms().invoke("eu-west-1", "TagResource", { KeyId: inRegion(arn, "eu-west-1"), Tags: extra(onWest) });
  return arn;
}

async function cli(args: readonly string[]): Promise<CliRun> {
  const run = await runCli([...args, "--endpoint-url", kms().url, "-o", "json"]);
  expect(run.json, `stdout is not one JSON document:\n${run.stdout}\n${run.stderr}`).toBeDefined();
  expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
  return run;
}

describe("a plan that would pass 50 tags on a key is refused before any write", () => {
  it("sync: 49 tags on a replica and 2 more from the primary; the dry run says the same; --prune-tags goes through", async () => {
    const arn = family(49);
    const before = writes();
    for (const dryRun of [["--dry-run"], []]) {
      const run = await cli(["sync", "--key", arn, ...dryRun]);
      expect(run.code).toBe(2);
      expect(run.json?.error?.name).toBe("TagLimitExceeded");
      expect(run.json?.error?.message).toMatch(
        /^1 replica of mrk-\w+ would pass KMS's limit of 50 tags per key \(a fixed limit: it cannot be raised\); nothing was changed:\n {2}eu-west-1: 51 tags \(49 it has, 2 to add\)$/,
      );
      const hint = (run.json?.error as { hint?: string } | null)?.hint ?? "";
      expect(hint).toMatch(/^Add --prune-tags: .*each replica then has the 2 desired tags\./);
      expect(hint).not.toMatch(/quota increase/);
    }
    const text = await runCli(["sync", "--key", arn, "--endpoint-url", kms().url]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^✖ 1 replica of mrk-\w+ would pass KMS's limit of 50 tags per key/m);
    expect(text.stderr).not.toMatch(/Nothing to sync/);
    // nothing written anywhere: not even sa-east-1, which would have been fine
    expect(writes()).toBe(before);
    expect(Object.keys(tagsOf("eu-west-1", arn))).toHaveLength(49);
    expect(tagsOf("sa-east-1", arn)).toEqual({});

    const pruned = await cli(["sync", "--key", arn, "--prune-tags"]);
    expect(pruned.code).toBe(0);
    expect(tagsOf("eu-west-1", arn)).toEqual({ team: "payments", cost: "42" });
    expect(tagsOf("sa-east-1", arn)).toEqual({ team: "payments", cost: "42" });
    // the extras went first: the replica never passed 50 on the way
    const west = kms()
      .calls({ region: "eu-west-1" })
      .filter((c) => c.operation === "TagResource" || c.operation === "UntagResource");
    expect(west.findIndex((c) => c.operation === "TagResource")).toBeGreaterThan(
      west.findLastIndex((c) => c.operation === "UntagResource"),
    );
    expect(west.every((c) => c.status === 200)).toBe(true);
  });

  it.each([
    { name: "--copy-tags", flags: ["--copy-tags"] },
    { name: "--tag", flags: ["--tag", "a=1", "--tag", "b=2"] },
  ])(
    "replicate $name onto an existing replica: exit 2, naming sync --prune-tags; no new replica either",
    async ({ flags }) => {
      const arn = family(49);
      const before = writes();
      const run = await cli(["--key", arn, "--regions", "eu-west-1,ap-south-1", ...flags]);
      expect(run.code).toBe(2);
      expect(run.json?.error?.message).toMatch(/eu-west-1: 51 tags \(49 it has, 2 to add\)/);
      expect((run.json?.error as { hint?: string } | null)?.hint).toMatch(
        /'kms-replicate sync' .*--prune-tags/,
      );
      expect(writes()).toBe(before);
      expect(kms().keys("ap-south-1")).toEqual([]);
    },
  );

  it("in a fleet, the key that would pass the limit fails alone, with the reason", async () => {
    const over = family(49);
    const fine = family(0);
    const run = await cli(["sync", "--key", over, "--key", fine]);
    const fleet = fleetOf(run);
    const byKey = new Map(fleet?.keys.map((k) => [k.key, k]));
    expect(byKey.get(over)).toMatchObject({ ok: false, exitCode: 2, error: { name: "TagLimitExceeded" } });
    expect(byKey.get(fine)).toMatchObject({ ok: true, exitCode: 0 });
    expect(Object.keys(tagsOf("eu-west-1", over))).toHaveLength(49);
    expect(tagsOf("sa-east-1", over)).toEqual({});
    expect(tagsOf("eu-west-1", fine)).toEqual({ team: "payments", cost: "42" });
  });
});

describe("LimitExceededException from TagResource", () => {
  it("gets the tag-limit advice, not 'ask for a quota increase'", async () => {
    // GIVEN a replica with 50 tags that its Region's reads do not show yet (eventual consistency):
    // the plan sees room, KMS does not
    const arn = family(0);
    kms().configure({ readAfterWriteMs: { "eu-west-1": 600_000 } });
    kms().invoke("eu-west-1", "TagResource", { KeyId: inRegion(arn, "eu-west-1"), Tags: extra(50) });
    // WHEN
    const run = await cli(["sync", "--key", arn, "--regions", "eu-west-1"]);
    // THEN the endpoint refused the first TagResource, and the CLI says what that limit is
    expect(run.code).toBe(1);
    expect(kms().calls({ region: "eu-west-1", operation: "TagResource" })).toEqual([
      expect.objectContaining({ status: 400, errorType: "LimitExceededException" }),
    ]);
    const region = (run.json?.regions ?? [])[0] as { status: string; error: { name: string; hint?: string } };
    expect(region.status).toBe("failed");
    expect(region.error.name).toBe("LimitExceededException");
    expect(region.error.hint).toMatch(
      /more than 50 tags, KMS's limit per key, which cannot be raised\. Remove tags first: 'kms-replicate sync --prune-tags'/,
    );
    expect(region.error.hint).not.toMatch(/quota increase/);
  });
});
