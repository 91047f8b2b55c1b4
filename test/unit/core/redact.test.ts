import { describe, it, expect } from "vitest";
import { redactSecrets, redactUrl } from "../../../src/core/redact.js";

describe("redactUrl", () => {
  it.each([
    { url: "http://user:s3cret@127.0.0.1:4566", shown: "http://***@127.0.0.1:4566" },
    { url: "http://user:s3cret@127.0.0.1:4566/", shown: "http://***@127.0.0.1:4566/" },
    { url: "https://ghp_token@kms.example.com/kms", shown: "https://***@kms.example.com/kms" },
    { url: "http://:s3cret@[::1]:8080", shown: "http://***@[::1]:8080" },
    {
      url: "https://proxy.example.com/?X-Amz-Security-Token=s3cret&region=eu-west-1",
      shown: "https://proxy.example.com/?X-Amz-Security-Token=***&region=***",
    },
    { url: "http://127.0.0.1:4566/#s3cret", shown: "http://127.0.0.1:4566/#***" },
    { url: "https://host/?s3cret", shown: "https://host/?***" },
    // as written otherwise (a default port, an `@` in the password)
    { url: "ftp://user:s3cret@127.0.0.1:21", shown: "ftp://***@127.0.0.1:21" },
    { url: "http://user:p@ss@127.0.0.1:80/kms", shown: "http://***@127.0.0.1:80/kms" },
    // nothing to hide: as given
    { url: "http://127.0.0.1:4566", shown: "http://127.0.0.1:4566" },
    { url: "https://kms.eu-west-1.amazonaws.com", shown: "https://kms.eu-west-1.amazonaws.com" },
    // not a URL: its credentials found as in any text
    { url: "ftp//user:s3cret@host", shown: "ftp//user:s3cret@host" },
    { url: "not a url http://user:s3cret@host", shown: "not a url http://***@host" },
  ])("$url → $shown", ({ url, shown }) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe("redactSecrets", () => {
  it.each([
    {
      what: "a URL's credentials in a message",
      text: "connect to https://user:s3cret@proxy.example.com:3128 failed",
      shown: "connect to https://***@proxy.example.com:3128 failed",
    },
    {
      what: "a URL's query values (a token), keeping a link's fragment",
      text: "GET http://169.254.170.2/v2/credentials?token=s3cret failed; see https://docs.aws.amazon.com/kms/#import.",
      shown:
        "GET http://169.254.170.2/v2/credentials?token=*** failed; see https://docs.aws.amazon.com/kms/#import.",
    },
    {
      what: "a URL's credentials with an `@` in the password",
      text: "proxy http://user:p@ss@proxy:3128 and mail@example.com",
      shown: "proxy http://***@proxy:3128 and mail@example.com",
    },
    {
      what: "an access key ID (its last 4 characters stay, as `aws configure list` shows them)",
      text: "The access key ID AKIAIOSFODNN7EXAMPLE does not exist; ASIAY34FZKBOKMUTVV7A expired",
      shown: "The access key ID ****************MPLE does not exist; ****************VV7A expired",
    },
    {
      what: "a secret access key",
      text: "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked",
      shown: "secret [redacted] leaked",
    },
    {
      what: "an Authorization header echoed by an endpoint",
      text: `Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}`,
      shown:
        "Authorization: AWS4-HMAC-SHA256 Credential=****************MPLE/20260101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=[redacted]",
    },
    {
      what: "a session token (X-Amz-Security-Token)",
      text: "X-Amz-Security-Token: IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexample",
      shown: "X-Amz-Security-Token: [redacted]",
    },
  ])("hides $what", ({ text, shown }) => {
    expect(redactSecrets(text)).toBe(shown);
  });

  it("keeps what people need: key IDs, ARNs, Regions, host names", () => {
    const text =
      "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab at http://127.0.0.1:4566";
    expect(redactSecrets(text)).toBe(text);
  });
});
