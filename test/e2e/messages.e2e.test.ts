// Messages that must say what is wrong, exactly: which options name what sync copies, and an
// --endpoint-url port out of range. The built bin, before any call (exit 2).
import { describe, expect, it } from "vitest";
import { schemaErrors } from "../support/schema.js";
import { runCli, useLocalKms } from "./run-cli.js";

const kms = useLocalKms({});

describe("sync's --prune-… options need what they keep", () => {
  it("--copy-enabled --prune-tags: --copy-enabled names what is copied, so there are no tags to keep", async () => {
    const arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
    const run = await runCli([
      "sync",
      "--key",
      arn,
      "--copy-enabled",
      "--prune-tags",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "--prune-tags removes every tag not in the desired state, but this run has no tags to keep: --copy-enabled names what is copied (--copy-all is the default only when no --copy-… option is given), and no --tag was given.",
    );
    expect(run.stderr).toContain(
      "Add --copy-tags (or --copy-all) to keep the primary's tags, or --tag for the tags to keep.",
    );
    // a run refused before its Regions has no summary line ("Nothing to sync" would say it looked)
    expect(run.stderr).not.toMatch(/Nothing to sync/);
    expect(kms().calls()).toEqual([]);
  });

  it("--copy-enabled --copy-tags --prune-tags prunes against the primary's tags: accepted", async () => {
    const arn = String(kms().createKey("us-east-1", { MultiRegion: true }).Arn);
    const run = await runCli([
      "sync",
      "--key",
      arn,
      "--copy-enabled",
      "--copy-tags",
      "--prune-tags",
      "--dry-run",
      "--endpoint-url",
      kms().url,
    ]);
    expect(run.code).toBe(0);
  });
});

describe("--endpoint-url", () => {
  it.each(["http://127.0.0.1:99999", "http://user:secret@127.0.0.1:0"])(
    "%s: the port is out of range (exit 2, valid JSON, the URL not echoed)",
    async (url) => {
      const run = await runCli([
        "status",
        "--key",
        "alias/payments",
        "--region",
        "us-east-1",
        "--endpoint-url",
        url,
        "-o",
        "json",
      ]);
      expect(run.code).toBe(2);
      expect(schemaErrors(JSON.parse(run.stdout))).toEqual([]);
      expect(run.json?.error?.message).toMatch(
        /^--endpoint-url: the port (99999|0) is out of range; a port is 1 to 65535\.$/,
      );
      expect(`${run.stdout}${run.stderr}`).not.toContain("secret");
    },
  );

  it("AWS_ENDPOINT_URL_KMS with a port out of range: the same, before any call (not the SDK's 'Invalid URL')", async () => {
    const run = await runCli(["status", "--key", "alias/payments", "--region", "us-east-1"], {
      env: { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:99999" },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "AWS_ENDPOINT_URL_KMS: the port 99999 is out of range; a port is 1 to 65535.",
    );
  });
});
