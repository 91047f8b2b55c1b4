// The credential providers' STS client goes where the AWS CLI's would (AWS_ENDPOINT_URL_STS, read
// by the SDK's STS client) and the way the run's KMS calls go: through the run's proxy (the agents
// of the adapter's clientConfig). An assume-role profile, a local STS stand-in, the test proxy.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createKms } from "../../../src/aws/client.js";
import { proxyEnvironment } from "../../../src/aws/proxy-env.js";
import { startProxy, type TestProxy } from "../../support/proxy.js";

const ASSUMED = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>
<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
</AssumeRoleResult>
<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;

let sts: Server;
let stsUrl: string;
let bodies: string[] = [];
let proxy: TestProxy;
beforeAll(async () => {
  sts = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200, { "content-type": "text/xml" }).end(ASSUMED);
    });
  });
  await new Promise<void>((resolve) => sts.listen(0, "127.0.0.1", resolve));
  stsUrl = `http://127.0.0.1:${(sts.address() as AddressInfo).port}`;
  proxy = await startProxy();
});
afterAll(async () => {
  await proxy.stop();
  await new Promise((resolve) => sts.close(resolve));
});
afterEach(() => {
  vi.unstubAllEnvs();
  bodies = [];
});

it("AssumeRole goes to AWS_ENDPOINT_URL_STS through the run's HTTP proxy", async () => {
  // GIVEN an assume-role profile, AWS_ENDPOINT_URL_STS, and HTTP_PROXY
  const dir = mkdtempSync(join(tmpdir(), "kms-replicate-sts-"));
  writeFileSync(
    join(dir, "config"),
    "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = src\nregion = us-east-1\n" +
      "[profile src]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = source-secret\n",
  );
  writeFileSync(join(dir, "credentials"), "");
  vi.stubEnv("AWS_CONFIG_FILE", join(dir, "config"));
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(dir, "credentials"));
  vi.stubEnv("AWS_ENDPOINT_URL_STS", stsUrl);
  for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL"])
    vi.stubEnv(name, undefined);
  const kms = createKms({
    profile: "role",
    network: { proxies: proxyEnvironment({ HTTP_PROXY: proxy.url }), verify: true },
  });
  // WHEN the credentials are resolved
  const account = await kms.callerAccount?.();
  // THEN STS answered, through the proxy
  expect(account).toBe("123456789012");
  expect(bodies).toHaveLength(1);
  expect(bodies[0]).toContain("Action=AssumeRole");
  expect(proxy.counts().requests).toBe(1);
  expect(proxy.log()[0]?.url).toBe(`${stsUrl}/`);
});
