import { describe, it, expect } from "vitest";
import {
  aliasConflicts,
  diff,
  driftOf,
  freshReplica,
  policyDifference,
  readableOf,
  samePolicy,
  type DriftField,
} from "../../../src/core/diff.js";
import { isUsableKey, unreadFields, type KeyView } from "../../../src/core/family.js";
import { isUsableNow, isUsableState } from "../../../src/core/events.js";
import { keyView } from "../../support/fixtures.js";

const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Id: "key-default-1",
  Statement: [
    {
      Sid: "Enable IAM User Permissions",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "kms:*",
      Resource: "*",
    },
  ],
});

/** The same document, pretty-printed, with every object's keys in another order. */
const POLICY_REORDERED = `{
  "Statement": [
    {
      "Resource": "*",
      "Action": "kms:*",
      "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
      "Effect": "Allow",
      "Sid": "Enable IAM User Permissions"
    }
  ],
  "Id": "key-default-1",
  "Version": "2012-10-17"
}
`;

const FAILED = { name: "UnrecognizedClientException", message: "The security token is invalid." };

const view = (region: string, role: KeyView["role"], overrides: Partial<KeyView> = {}): KeyView =>
  keyView(region, role, { policy: POLICY, ...overrides });

const primaryView = (overrides: Partial<KeyView> = {}): KeyView => view("us-east-1", "PRIMARY", overrides);
const replicaView = (overrides: Partial<KeyView> = {}): KeyView => view("eu-west-1", "REPLICA", overrides);

describe("driftOf", () => {
  it.each<{
    title: string;
    primary?: Partial<KeyView>;
    replica: Partial<KeyView>;
    drift: [DriftField, string][];
  }>([
    { title: "identical keys", replica: {}, drift: [] },
    {
      title: "description differs",
      replica: { description: "old copy" },
      drift: [["description", 'description "old copy" ≠ primary\'s "Payments key"']],
    },
    {
      title: "replica has no description",
      replica: { description: null },
      drift: [["description", 'description "" ≠ primary\'s "Payments key"']],
    },
    {
      title: "null and empty descriptions are the same",
      primary: { description: "" },
      replica: { description: null },
      drift: [],
    },
    {
      title: "tag missing",
      replica: { tags: { team: "payments" } },
      drift: [["tags", "tags: missing env=prod"]],
    },
    {
      title: "tag extra",
      replica: { tags: { team: "payments", env: "prod", owner: "ops" } },
      drift: [["tags", "tags: extra owner=ops"]],
    },
    {
      title: "tag with a different value",
      replica: { tags: { team: "payments", env: "dr" } },
      drift: [["tags", "tags: env=dr ≠ primary's env=prod"]],
    },
    {
      title: "tags missing and extra together",
      replica: { tags: { owner: "ops" } },
      drift: [["tags", "tags: missing team=payments; missing env=prod; extra owner=ops"]],
    },
    {
      title: "tags in another order",
      replica: { tags: { env: "prod", team: "payments" } },
      drift: [],
    },
    {
      title: "alias missing",
      replica: { aliases: [] },
      drift: [["aliases", "aliases: missing alias/payments"]],
    },
    {
      title: "alias extra",
      replica: { aliases: ["alias/old", "alias/payments"] },
      drift: [["aliases", "aliases: extra alias/old"]],
    },
    {
      title: "alias missing and extra",
      replica: { aliases: ["alias/old"] },
      drift: [["aliases", "aliases: missing alias/payments; extra alias/old"]],
    },
    {
      title: "policy differs",
      replica: { policy: POLICY.replace("kms:*", "kms:Decrypt") },
      drift: [["policy", "key policy differs from the primary's"]],
    },
    {
      title: "policy equal modulo white space and key order",
      replica: { policy: POLICY_REORDERED },
      drift: [],
    },
    {
      title: "replica policy could not be read",
      replica: { policy: null },
      drift: [],
    },
    {
      title: "everything differs, in field order",
      replica: { description: "x", tags: {}, aliases: [], policy: "{}" },
      drift: [
        ["description", 'description "x" ≠ primary\'s "Payments key"'],
        ["tags", "tags: missing team=payments; missing env=prod"],
        ["aliases", "aliases: missing alias/payments"],
        ["policy", "key policy differs from the primary's"],
      ],
    },
    {
      title: "error on the replica",
      replica: { error: FAILED, description: null, tags: {}, aliases: [], policy: null },
      drift: [],
    },
    {
      title: "error on the primary",
      primary: { error: FAILED, tags: {}, aliases: [], policy: null },
      replica: {},
      drift: [],
    },
  ])("$title", ({ primary, replica, drift }) => {
    // GIVEN
    const p = primaryView(primary);
    const r = replicaView(replica);
    // WHEN
    const found = driftOf(p, r);
    // THEN
    expect(found.map((d) => [d.field, d.detail])).toEqual(drift);
  });

  it("keeps both sides' values beside the detail", () => {
    // GIVEN
    const p = primaryView();
    const r = replicaView({ description: "old copy", tags: { team: "payments" } });
    // WHEN
    const found = driftOf(p, r);
    // THEN
    expect(found).toEqual([
      expect.objectContaining({ field: "description", primary: "Payments key", replica: "old copy" }),
      expect.objectContaining({
        field: "tags",
        primary: { team: "payments", env: "prod" },
        replica: { team: "payments" },
      }),
    ]);
  });
});

describe("driftOf with fields that could not be read", () => {
  it("compares the fields it could read, and calls nothing about the unknown ones drift", () => {
    // GIVEN a replica whose tags and policy could not be read, and whose description differs
    const replica = replicaView({
      description: "old copy",
      tags: null,
      policy: null,
      fieldErrors: { tags: FAILED, aliases: null, policy: FAILED },
    });
    // WHEN
    const found = driftOf(primaryView(), replica);
    // THEN
    expect(found.map((d) => d.field)).toEqual(["description"]);
    expect(unreadFields(replica)).toEqual(["tags", "policy"]);
  });

  it("compares nothing for a field the primary could not read", () => {
    // GIVEN
    const primary = primaryView({
      aliases: null,
      fieldErrors: { tags: null, aliases: FAILED, policy: null },
    });
    // WHEN / THEN
    expect(driftOf(primary, replicaView({ aliases: ["alias/other"] }))).toEqual([]);
  });
});

describe("isUsableKey", () => {
  it.each<{ keyState: string | null; error: boolean; usable: boolean }>([
    { keyState: "Enabled", error: false, usable: true },
    { keyState: "Disabled", error: false, usable: false },
    { keyState: "Creating", error: false, usable: false },
    { keyState: "Updating", error: false, usable: false },
    // Settled for replicate and wait, but not usable until its key material is imported.
    { keyState: "PendingImport", error: false, usable: false },
    { keyState: "PendingDeletion", error: false, usable: false },
    { keyState: "Unavailable", error: false, usable: false },
    { keyState: null, error: false, usable: false },
    { keyState: "Enabled", error: true, usable: false },
    { keyState: null, error: true, usable: false },
  ])("$keyState (error: $error) → $usable", ({ keyState, error, usable }) => {
    // GIVEN
    const key = replicaView({ keyState, error: error ? FAILED : null });
    // WHEN / THEN
    expect(isUsableKey(key)).toBe(usable);
  });
});

describe("samePolicy", () => {
  it.each<{ title: string; a: string; b: string; same: boolean }>([
    { title: "identical text", a: POLICY, b: POLICY, same: true },
    { title: "white space and key order", a: POLICY, b: POLICY_REORDERED, same: true },
    {
      title: "nested key order",
      a: '{"a":{"x":1,"y":[{"p":1,"q":2}]}}',
      b: '{"a":{"y":[{"q":2,"p":1}],"x":1}}',
      same: true,
    },
    { title: "array order counts", a: '{"a":[1,2]}', b: '{"a":[2,1]}', same: false },
    { title: "different value", a: '{"a":"1"}', b: '{"a":1}', same: false },
    { title: "invalid JSON, same after trimming", a: "  not json {\n", b: "not json {", same: true },
    { title: "invalid JSON, different inside", a: "not  json {", b: "not json {", same: false },
    { title: "invalid JSON against a valid document", a: "{oops", b: "{}", same: false },
  ])("$title → $same", ({ a, b, same }) => {
    // GIVEN a and b
    // WHEN / THEN
    expect(samePolicy(a, b)).toBe(same);
    expect(samePolicy(b, a)).toBe(same);
  });
});

describe("settled (replicate, wait) and usable now (status)", () => {
  it.each(["Enabled", "PendingImport", "Creating", "Disabled", "PendingDeletion", "Updating"])(
    "%s: replicate and status agree on what each means",
    (keyState) => {
      // GIVEN the same state seen by replicate and by status
      // WHEN / THEN replicate settles on Enabled and PendingImport (nothing to wait for) ...
      expect(isUsableState(keyState)).toBe(keyState === "Enabled" || keyState === "PendingImport");
      // ... and status counts only an Enabled key usable (PendingImport waits for its material)
      expect(isUsableKey(replicaView({ keyState }))).toBe(isUsableNow(keyState));
      expect(isUsableNow(keyState)).toBe(keyState === "Enabled");
    },
  );
});

describe("diff: the operations between a desired state and a key", () => {
  const actual = {
    tags: { team: "payments", env: "prod", extra: "1" },
    description: "old",
    policy: '{"Version":"2012-10-17","Statement":[]}',
    aliases: ["alias/payments", "alias/old"],
    enabled: false,
  };
  const KEEP = { pruneTags: false, pruneAliases: false };

  it("nothing managed, nothing to do", () => {
    // GIVEN / WHEN / THEN
    expect(diff({}, actual, KEEP)).toEqual([]);
  });

  it("every field, in the order they are best applied, extras kept", () => {
    // GIVEN
    const desired = {
      policy: { text: '{"Version":"2012-10-17","Statement":[{"Sid":"x"}]}', source: "primary" },
      description: "new",
      tags: { team: "payments", env: "dr", cost: "42" },
      enabled: true,
      aliases: ["alias/payments", "alias/billing"],
    };
    // WHEN
    const ops = diff(desired, actual, KEEP);
    // THEN
    expect(ops).toEqual([
      { op: "policy", from: actual.policy, to: desired.policy.text, source: "primary" },
      { op: "description", from: "old", to: "new" },
      { op: "tag", key: "env", value: "dr", from: "prod" },
      { op: "tag", key: "cost", value: "42" },
      { op: "enable" },
      { op: "alias", name: "alias/billing" },
    ]);
  });

  it("with prune, tags are removed before any is added (a key never passes 50 tags on the way)", () => {
    // GIVEN / WHEN
    const ops = diff({ tags: { team: "payments", cost: "42" } }, actual, {
      pruneTags: true,
      pruneAliases: false,
    });
    // THEN
    expect(ops).toEqual([
      { op: "untag", key: "env", value: "prod" },
      { op: "untag", key: "extra", value: "1" },
      { op: "tag", key: "cost", value: "42" },
    ]);
  });

  it("with prune, extra tags and aliases become untag / unalias", () => {
    // GIVEN / WHEN
    const ops = diff({ tags: { team: "payments" }, aliases: ["alias/payments"] }, actual, {
      pruneTags: true,
      pruneAliases: true,
    });
    // THEN
    expect(ops).toEqual([
      { op: "untag", key: "env", value: "prod" },
      { op: "untag", key: "extra", value: "1" },
      { op: "unalias", name: "alias/old" },
    ]);
  });

  it("compares policies as JSON: another layout is no operation", () => {
    // GIVEN / WHEN / THEN
    const same = { text: '{ "Statement": [], "Version": "2012-10-17" }', source: "inline" };
    expect(diff({ policy: same }, actual, KEEP)).toEqual([]);
  });

  it("an unknown field (null: could not be read) yields nothing, not a change", () => {
    // GIVEN / WHEN
    const ops = diff(
      { tags: { a: "b" }, aliases: ["alias/x"], policy: { text: "{}", source: "inline" }, enabled: true },
      { tags: null, aliases: null, policy: null, description: null, enabled: null },
      KEEP,
    );
    // THEN
    expect(ops).toEqual([]);
  });

  it("a fresh replica made with the desired tags, description and policy only lacks the aliases", () => {
    // GIVEN
    const desired = {
      tags: { team: "payments" },
      description: "DR copy",
      policy: { text: "{}", source: "inline" },
      aliases: ["alias/payments"],
    };
    // WHEN / THEN
    expect(diff(desired, freshReplica(desired), KEEP)).toEqual([{ op: "alias", name: "alias/payments" }]);
  });

  it("without prune, extra tags and aliases yield nothing", () => {
    // GIVEN / WHEN / THEN
    expect(diff({ tags: { team: "payments" }, aliases: ["alias/payments"] }, actual, KEEP)).toEqual([]);
  });

  it("a disabled desired state disables an enabled key", () => {
    expect(diff({ enabled: false }, { ...actual, enabled: true }, KEEP)).toEqual([{ op: "disable" }]);
    expect(diff({ enabled: true }, { ...actual, enabled: true }, KEEP)).toEqual([]);
  });

  describe("an alias that names another key in the replica's Region", () => {
    const desired = { aliases: ["alias/payments", "alias/billing", "alias/free"] };
    const looked = { ...actual, aliasTargets: { "alias/billing": "mrk-other" } };

    it("without --force-aliases: no operation, a conflict naming the other key", () => {
      // GIVEN / WHEN
      const ops = diff(desired, looked, KEEP);
      // THEN alias/free is created, alias/billing is left alone and reported
      expect(ops).toEqual([{ op: "alias", name: "alias/free" }]);
      expect(aliasConflicts(desired, looked)).toEqual([{ name: "alias/billing", owner: "mrk-other" }]);
    });

    it("with --force-aliases: UpdateAlias (realias), from the other key", () => {
      // GIVEN / WHEN
      const ops = diff(desired, looked, { ...KEEP, forceAliases: true });
      // THEN
      expect(ops).toEqual([
        { op: "realias", name: "alias/billing", from: "mrk-other" },
        { op: "alias", name: "alias/free" },
      ]);
    });

    it("not looked up (status, a fresh replica): CreateAlias, which finds out", () => {
      expect(diff(desired, actual, KEEP)).toEqual([
        { op: "alias", name: "alias/billing" },
        { op: "alias", name: "alias/free" },
      ]);
      expect(aliasConflicts(desired, actual)).toEqual([]);
    });

    it("an alias the key already has is no conflict, whatever the lookup says", () => {
      const stale = { ...actual, aliasTargets: { "alias/payments": "mrk-other" } };
      expect(aliasConflicts({ aliases: ["alias/payments"] }, stale)).toEqual([]);
      expect(diff({ aliases: ["alias/payments"] }, stale, { ...KEEP, forceAliases: true })).toEqual([]);
    });
  });
});

describe("policyDifference: how two key policies differ, for the plan", () => {
  const statement = (sid: string | undefined, action: string) => ({
    ...(sid !== undefined ? { Sid: sid } : {}),
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::111122223333:root" },
    Action: action,
    Resource: "*",
  });
  const doc = (statements: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ Version: "2012-10-17", ...extra, Statement: statements });

  it.each<{ title: string; from: string; to: string; statements: number; fields: string[] }>([
    {
      title: "the same document in another layout",
      from: doc([statement("A", "kms:*")]),
      to: reordered(doc([statement("A", "kms:*")])),
      statements: 0,
      fields: [],
    },
    {
      title: "one statement changed (matched by Sid)",
      from: doc([statement("A", "kms:*")]),
      to: doc([statement("A", "kms:Decrypt")]),
      statements: 1,
      fields: [],
    },
    {
      title: "one added, one removed",
      from: doc([statement("A", "kms:*")]),
      to: doc([statement("B", "kms:*")]),
      statements: 2,
      fields: [],
    },
    {
      title: "statements without Sid, one changed",
      from: doc([statement(undefined, "kms:*"), statement(undefined, "kms:Encrypt")]),
      to: doc([statement(undefined, "kms:*"), statement(undefined, "kms:Decrypt")]),
      statements: 1,
      fields: [],
    },
    {
      title: "one statement object instead of a list",
      from: doc(statement("A", "kms:*")),
      to: doc([statement("A", "kms:*")]),
      statements: 0,
      fields: [],
    },
    {
      title: "Id and Version differ",
      from: doc([], { Id: "a" }),
      to: JSON.stringify({ Version: "2008-10-17", Id: "b", Statement: [] }),
      statements: 0,
      fields: ["Id", "Version"],
    },
  ])("$title", ({ from, to, statements, fields }) => {
    expect(policyDifference(from, to)).toEqual({ statements, fields });
  });

  it("is undefined when one side is not a JSON object", () => {
    expect(policyDifference("not json", "{}")).toBeUndefined();
    expect(policyDifference("{}", "[]")).toBeUndefined();
  });
});

/** The same JSON, pretty-printed with every object's keys reversed. */
function reordered(text: string): string {
  const reverse = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(reverse)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(
            Object.entries(value)
              .reverse()
              .map(([k, v]) => [k, reverse(v)]),
          )
        : value;
  return JSON.stringify(reverse(JSON.parse(text)), null, 4);
}

describe("readableOf", () => {
  it.each<[string, boolean | null]>([
    ["Enabled", true],
    ["Disabled", false],
    ["PendingImport", null],
    ["Creating", null],
  ])("compares the enabled state of a %s key as %s", (keyState, enabled) => {
    expect(readableOf(keyView("eu-west-1", "REPLICA", { keyState })).enabled).toBe(enabled);
  });

  it("reads a missing description as empty", () => {
    expect(readableOf(keyView("eu-west-1", "REPLICA", { description: null })).description).toBe("");
  });
});
