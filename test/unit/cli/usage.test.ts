// The JSON document of a command line commander refused (src/cli/usage.ts): the command's own
// shape (version 2 when the line selects a fleet), exit 2, and the message.
import { describe, it, expect } from "vitest";
import { usageDocument } from "../../../src/cli/usage.js";
import { status } from "../../../src/commands/status/index.js";
import { sync } from "../../../src/commands/sync/index.js";
import { wait } from "../../../src/commands/wait/index.js";
import type { StatusJson } from "../../../src/commands/status/render.js";
import type { RunJson } from "../../../src/report/json.js";
import { schemaErrors } from "../../support/schema.js";

describe("usageDocument", () => {
  it("has the shape of the command's own document, exit 2 and the message", async () => {
    const run = JSON.parse(await usageDocument(wait, "help", "unknown option '--bogus'")) as RunJson;
    expect(run).toMatchObject({
      version: 1,
      command: "wait",
      ok: false,
      exitCode: 2,
      regions: [],
      error: { name: "UsageError", message: "unknown option '--bogus'" },
    });
    const doc = JSON.parse(await usageDocument(status, "help", "x")) as StatusJson;
    expect(doc).toMatchObject({ command: "status", exitCode: 2, keys: [], error: { name: "UsageError" } });
  });

  it("help and completion, which have no document of their own: the usage document under their name", async () => {
    const doc = JSON.parse(
      await usageDocument(undefined, "completion", "missing argument 'shell'"),
    ) as RunJson;
    expect(doc).toMatchObject({
      command: "completion",
      exitCode: 2,
      error: { message: "missing argument 'shell'" },
    });
    expect(schemaErrors(doc)).toEqual([]);
  });

  it("a command line that selects a fleet: version 2, no key, valid by the schema", async () => {
    const doc = JSON.parse(await usageDocument(sync, "help", "unknown option '--bogus'", true)) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      version: 2,
      command: "sync",
      exitCode: 2,
      keys: [],
      error: { name: "UsageError", message: "unknown option '--bogus'" },
    });
    expect(schemaErrors(doc)).toEqual([]);
  });
});
