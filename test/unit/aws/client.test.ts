// The clients createKms makes when the test gives none: one per Region, one attempt per send.
import { DescribeKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeEach, describe, it, expect } from "vitest";
import { createKms } from "../../../src/aws/client.js";
import { PRIMARY_ARN } from "../../support/fixtures.js";
import { kmsMock, METADATA, TINY } from "../../support/mock-kms-client.js";

beforeEach(() => {
  kmsMock.reset();
});
afterAll(() => {
  kmsMock.restore();
});

describe("createKms without clientFor", () => {
  it("builds an SDK client per Region that makes exactly one attempt (our retry layer is the only one)", async () => {
    // GIVEN every KMSClient's send is stubbed, so nothing reaches the network
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: METADATA });
    const kms = createKms({ retry: TINY });
    // WHEN
    await kms.describeKey("eu-west-1", PRIMARY_ARN);
    await kms.describeKey("eu-west-1", PRIMARY_ARN);
    // THEN
    const first = kmsMock.call(0).thisValue as KMSClient;
    const second = kmsMock.call(1).thisValue as KMSClient;
    expect(first).toBe(second);
    expect(await first.config.maxAttempts()).toBe(1);
    expect(await first.config.region()).toBe("eu-west-1");
  });
});
