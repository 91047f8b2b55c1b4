// Pacing by construction: the built bin against the local KMS endpoint with KMS's request quotas
// enforced, over real HTTP. A fleet's first calls go out together and leave the process late (new
// sockets, the first credentials and signing, a loaded CPU), later ones promptly; the endpoint
// counts each request when it arrives, so the client must count a start no earlier than the moment
// its request left the process, or a slot frees too early and the endpoint throttles.
import { describe, expect, it } from "vitest";
import { fleetTools } from "./fleet-support.js";
import { useLocalKms } from "./run-cli.js";

const kms = useLocalKms({ creatingDelayMs: 2_000, enforceQuotas: true, quotaScale: 2 });
const { primary, fleet } = fleetTools(kms);

describe("a fleet paced to the quota", () => {
  it("a burst of first calls (50 keys × 3 Regions at ReplicateKey=10/s): no request is throttled", async () => {
    // GIVEN 50 primaries, and the endpoint's quotas at twice KMS's defaults (ReplicateKey 10/s)
    for (let i = 0; i < 50; i += 1) primary({ bench: "pacing" });
    // WHEN they are replicated into 3 Regions, paced to those quotas
    const { doc, run } = await fleet([
      "replicate",
      "--all-primaries",
      "--region",
      "us-east-1",
      "--select-tag",
      "bench=pacing",
      "--regions",
      "eu-west-1,eu-central-1,ap-southeast-2",
      "--quota",
      "ReplicateKey=10",
      "--quota",
      "CreateKey=10",
    ]);
    // THEN every key is done, and the endpoint throttled nothing
    expect(run.code, run.stderr).toBe(0);
    expect(doc.totals.keys).toMatchObject({ ok: 50, total: 50 });
    const replicates = kms().calls({ operation: "ReplicateKey" });
    const arrivals = replicates.map((call) => call.at - (replicates[0]?.at ?? 0));
    expect(kms().throttled(), `ReplicateKey arrivals (ms): ${arrivals.join(" ")}`).toEqual([]);
    expect(replicates.filter((call) => call.status === 200)).toHaveLength(150);
  }, 60_000);
});
