// UpdatePrimaryRegion with KMS's rules (shared/kms-lifecycle.md), the Updating state, and the
// notPrimary fault.
import {
  DisableKeyCommand,
  EnableKeyCommand,
  ReplicateKeyCommand,
  UpdatePrimaryRegionCommand,
  type UpdatePrimaryRegionCommandInput,
} from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { expectKmsError, useHarness } from "./harness.js";

const h = useHarness();

const promote = (input: UpdatePrimaryRegionCommandInput, region = "us-east-1") =>
  h.kms(region).send(new UpdatePrimaryRegionCommand(input));

/** A family: primary in us-east-1, replicas in eu-west-1 and ap-southeast-2 (settled). */
function family(input: Record<string, unknown> = {}): {
  keyId: string;
  arn: string;
  at: (r: string) => string;
} {
  const { keyId, arn } = h.primary("us-east-1", input);
  h.replica(arn, "eu-west-1");
  h.replica(arn, "ap-southeast-2");
  return { keyId, arn, at: (region) => arn.replace("us-east-1", region) };
}

describe("UpdatePrimaryRegion", () => {
  it("swaps the roles across the whole family: every key names the new primary", async () => {
    const { keyId, arn, at } = family();
    await expect(promote({ KeyId: arn, PrimaryRegion: "eu-west-1" })).resolves.toBeDefined();
    for (const region of ["us-east-1", "eu-west-1", "ap-southeast-2"]) {
      const config = (await h.describe(region, keyId)).MultiRegionConfiguration;
      expect(config?.MultiRegionKeyType).toBe(region === "eu-west-1" ? "PRIMARY" : "REPLICA");
      expect(config?.PrimaryKey).toEqual({ Arn: at("eu-west-1"), Region: "eu-west-1" });
      expect(config?.ReplicaKeys?.map((k) => k.Region).sort()).toEqual(["ap-southeast-2", "us-east-1"]);
    }
    // ARNs do not change; the endpoint's view agrees
    expect(h.server.keys("us-east-1")[0]).toMatchObject({ arn, role: "REPLICA" });
    expect(h.server.keys("eu-west-1")[0]).toMatchObject({ arn: at("eu-west-1"), role: "PRIMARY" });
  });

  it("lets the new primary replicate (sent to its Region) and refuses the old one", async () => {
    const { keyId, arn, at } = family();
    await promote({ KeyId: keyId, PrimaryRegion: "eu-west-1" });
    const eu = h.kms("eu-west-1");
    const replica = await eu.send(
      new ReplicateKeyCommand({ KeyId: at("eu-west-1"), ReplicaRegion: "sa-east-1" }),
    );
    expect(replica.ReplicaKeyMetadata?.MultiRegionConfiguration?.PrimaryKey?.Region).toBe("eu-west-1");
    await expectKmsError(
      eu.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: "us-east-1" })),
      "AlreadyExistsException",
    );
    const old = await expectKmsError(
      h.kms("us-east-1").send(new ReplicateKeyCommand({ KeyId: arn, ReplicaRegion: "ca-central-1" })),
      "UnsupportedOperationException",
    );
    expect(old.message).toBe(`${arn} is not a multi-Region primary key.`);
  });

  interface Case {
    readonly title: string;
    /** Sets the stage; returns the request and the Region it is sent to (default us-east-1). */
    readonly prepare: () => { input: UpdatePrimaryRegionCommandInput; region?: string };
    readonly error: string;
    readonly message?: RegExp;
  }
  const cases: Case[] = [
    {
      title: "a replica as KeyId (sent to its Region)",
      prepare: () => {
        const { at } = family();
        return { input: { KeyId: at("eu-west-1"), PrimaryRegion: "ap-southeast-2" }, region: "eu-west-1" };
      },
      error: "UnsupportedOperationException",
      message: /is not a multi-Region primary key\.$/,
    },
    {
      title: "a single-Region key",
      prepare: () => ({
        input: { KeyId: String(h.server.createKey("us-east-1").Arn), PrimaryRegion: "eu-west-1" },
      }),
      error: "UnsupportedOperationException",
      message: /is not a multi-Region primary key\.$/,
    },
    {
      title: "an alias as KeyId",
      prepare: () => {
        const { keyId } = family();
        h.server.invoke("us-east-1", "CreateAlias", { AliasName: "alias/p", TargetKeyId: keyId });
        return { input: { KeyId: "alias/p", PrimaryRegion: "eu-west-1" } };
      },
      error: "NotFoundException",
    },
    {
      title: "an unknown key",
      prepare: () => ({
        input: { KeyId: "mrk-00000000000000000000000000000000", PrimaryRegion: "eu-west-1" },
      }),
      error: "NotFoundException",
    },
    {
      title: "a Region without a replica",
      prepare: () => ({ input: { KeyId: family().arn, PrimaryRegion: "sa-east-1" } }),
      error: "NotFoundException",
    },
    {
      title: "the primary's own Region",
      prepare: () => ({ input: { KeyId: family().arn, PrimaryRegion: "us-east-1" } }),
      error: "ValidationException",
    },
    {
      title: "a Region of another partition",
      prepare: () => ({ input: { KeyId: family().arn, PrimaryRegion: "cn-north-1" } }),
      error: "ValidationException",
    },
    {
      title: "a PrimaryRegion that is not a Region ID",
      prepare: () => ({ input: { KeyId: family().arn, PrimaryRegion: "EU-WEST-1" } }),
      error: "ValidationException",
    },
    {
      title: "no PrimaryRegion",
      prepare: () => ({ input: { KeyId: family().arn, PrimaryRegion: undefined } }),
      error: "ValidationException",
    },
    {
      title: "a disabled primary",
      prepare: () => {
        const { arn } = family();
        h.server.invoke("us-east-1", "DisableKey", { KeyId: arn });
        return { input: { KeyId: arn, PrimaryRegion: "eu-west-1" } };
      },
      error: "DisabledException",
    },
    {
      title: "a disabled target replica",
      prepare: () => {
        const { arn, at } = family();
        h.server.invoke("eu-west-1", "DisableKey", { KeyId: at("eu-west-1") });
        return { input: { KeyId: arn, PrimaryRegion: "eu-west-1" } };
      },
      error: "DisabledException",
    },
    {
      title: "a target replica still Creating",
      prepare: () => {
        const { arn } = h.primary("us-east-1");
        h.server.configure({ creatingDelayMs: 10_000 });
        h.replica(arn, "eu-west-1");
        return { input: { KeyId: arn, PrimaryRegion: "eu-west-1" } };
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "a primary pending deletion",
      prepare: () => {
        const { arn } = family();
        h.server.invoke("us-east-1", "ScheduleKeyDeletion", { KeyId: arn, PendingWindowInDays: 7 });
        return { input: { KeyId: arn, PrimaryRegion: "eu-west-1" } };
      },
      error: "KMSInvalidStateException",
    },
    {
      title: "a target replica in PendingImport (imported material not yet imported)",
      prepare: () => {
        const { arn } = h.primary("us-east-1", { Origin: "EXTERNAL" });
        h.replica(arn, "eu-west-1");
        return { input: { KeyId: arn, PrimaryRegion: "eu-west-1" } };
      },
      error: "KMSInvalidStateException",
    },
  ];

  it.each(cases)("rejects $title with $error and changes nothing", async ({ prepare, error, message }) => {
    const { input, region = "us-east-1" } = prepare();
    const roles = () =>
      ["us-east-1", "eu-west-1", "ap-southeast-2"].map((r) => h.server.keys(r).map((k) => [k.role, k.state]));
    const before = roles();
    const failure = await expectKmsError(promote(input, region), error);
    if (message !== undefined) expect(failure.message).toMatch(message);
    expect(roles()).toEqual(before);
  });
});

describe("the Updating state (updatingMs, updatingMsByRegion, fake clock)", () => {
  it("keeps both keys Updating for their Region's time, then Enabled; the other replicas stay Enabled", async () => {
    h.server.configure({ updatingMs: 1_000, updatingMsByRegion: { "eu-west-1": 3_000 } });
    const { keyId, arn } = family();
    const t0 = h.now();
    await promote({ KeyId: arn, PrimaryRegion: "eu-west-1" });
    const states = async () =>
      Promise.all(
        ["us-east-1", "eu-west-1", "ap-southeast-2"].map(async (r) => (await h.describe(r, keyId)).KeyState),
      );
    expect(await states()).toEqual(["Updating", "Updating", "Enabled"]);
    expect(h.server.keys("eu-west-1")[0]?.updatingUntil).toBe(t0 + 3_000);
    h.advance(999);
    expect(await states()).toEqual(["Updating", "Updating", "Enabled"]);
    h.advance(1);
    expect(await states()).toEqual(["Enabled", "Updating", "Enabled"]);
    h.advance(2_000);
    expect(await states()).toEqual(["Enabled", "Enabled", "Enabled"]);
  });

  it("while Updating: the new primary cannot replicate, neither key can be enabled or disabled, nor promoted again", async () => {
    h.server.configure({ updatingMs: 5_000 });
    const { arn, at } = family();
    await promote({ KeyId: arn, PrimaryRegion: "eu-west-1" });
    const eu = h.kms("eu-west-1");
    await expectKmsError(
      eu.send(new ReplicateKeyCommand({ KeyId: at("eu-west-1"), ReplicaRegion: "sa-east-1" })),
      "KMSInvalidStateException",
    );
    await expectKmsError(
      eu.send(new DisableKeyCommand({ KeyId: at("eu-west-1") })),
      "KMSInvalidStateException",
    );
    await expectKmsError(
      h.kms("us-east-1").send(new EnableKeyCommand({ KeyId: arn })),
      "KMSInvalidStateException",
    );
    await expectKmsError(
      promote({ KeyId: at("eu-west-1"), PrimaryRegion: "ap-southeast-2" }, "eu-west-1"),
      "KMSInvalidStateException",
    );
    expect(h.server.keys("sa-east-1")).toEqual([]);
    h.advance(5_000);
    await expect(
      eu.send(new ReplicateKeyCommand({ KeyId: at("eu-west-1"), ReplicaRegion: "sa-east-1" })),
    ).resolves.toBeDefined();
  });

  it("a key that never leaves Updating (null), and updatingShowsReplicas: both shown as REPLICA", async () => {
    h.server.configure({ updatingMsByRegion: { "eu-west-1": null }, updatingShowsReplicas: true });
    const { keyId, arn } = family();
    await promote({ KeyId: arn, PrimaryRegion: "eu-west-1" });
    h.advance(86_400_000);
    const east = await h.describe("us-east-1", keyId);
    const west = await h.describe("eu-west-1", keyId);
    expect([east.KeyState, west.KeyState]).toEqual(["Enabled", "Updating"]);
    expect(west.MultiRegionConfiguration?.MultiRegionKeyType).toBe("REPLICA");
    expect(east.MultiRegionConfiguration?.MultiRegionKeyType).toBe("REPLICA");
    expect(h.server.keys("eu-west-1")[0]?.role).toBe("PRIMARY");
    expect(h.server.keys("eu-west-1")[0]?.updatingUntil).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("the notPrimary fault", () => {
  it("answers 'not a multi-Region primary key' for the first N calls, doing nothing, then lets them through", async () => {
    h.server.configure({ faults: [{ operation: "UpdatePrimaryRegion", notPrimary: { count: 2 } }] });
    const { keyId, arn } = family();
    for (const ref of [keyId, arn]) {
      const error = await expectKmsError(
        promote({ KeyId: ref, PrimaryRegion: "eu-west-1" }),
        "UnsupportedOperationException",
      );
      expect(error.message).toBe(`${arn} is not a multi-Region primary key.`);
      expect(h.server.keys("us-east-1")[0]?.role).toBe("PRIMARY");
    }
    await expect(promote({ KeyId: arn, PrimaryRegion: "eu-west-1" })).resolves.toBeDefined();
    expect(h.server.keys("eu-west-1")[0]?.role).toBe("PRIMARY");
    expect(
      h.server.calls({ operation: "UpdatePrimaryRegion" }).map((c) => [c.status, c.errorType ?? null]),
    ).toEqual([
      [400, "UnsupportedOperationException"],
      [400, "UnsupportedOperationException"],
      [200, null],
    ]);
  });

  it("is accepted by the control API, and refuses a misspelt rule key", async () => {
    const post = (body: unknown) =>
      fetch(`${h.server.url}/_kms-local/config`, { method: "POST", body: JSON.stringify(body) });
    expect((await post({ faults: [{ region: "us-east-1", notPrimary: { count: 1 } }] })).status).toBe(200);
    expect((await post({ faults: [{ notPrimaryKey: { count: 1 } }] })).status).toBe(400);
    expect(
      (await post({ updatingMs: 10, updatingMsByRegion: { "eu-west-1": null }, updatingShowsReplicas: true }))
        .status,
    ).toBe(200);
    expect((await post({ updatingMs: -1 })).status).toBe(400);
  });
});
