import { describe, expect, it } from "vitest";
import {
  accountIdProblem,
  externalIdProblem,
  parseRoleArn,
  roleArn,
  roleArnProblem,
  roleNameProblem,
  sessionNameProblem,
} from "../../../src/core/account-fields.js";

describe("account fields", () => {
  it.each([
    ["111122223333", true],
    ["011122223333", true],
    ["11112222333", false],
    ["1111222233334", false],
    ["11112222333a", false],
  ])("account ID %s: %s", (id, ok) => {
    expect(accountIdProblem(id) === undefined).toBe(ok);
  });

  it.each([
    ["kms-replicate", true],
    ["ab", true],
    ["a", false],
    ["x".repeat(64), true],
    ["x".repeat(65), false],
    ["user@example.com,team=a+b", true],
    ["has space", false],
    ["slash/no", false],
  ])("role session name %s: %s (as STS checks it)", (name, ok) => {
    expect(sessionNameProblem(name) === undefined).toBe(ok);
  });

  it.each([
    ["ab", true],
    ["a", false],
    ["urn:ext/id-1=+,.@_", true],
    ["x".repeat(1224), true],
    ["x".repeat(1225), false],
    ["a b", false],
  ])("external ID %s: %s", (id, ok) => {
    expect(externalIdProblem(id) === undefined).toBe(ok);
  });

  it.each([
    ["OrgKms", true],
    ["team/OrgKms", true],
    ["/team/sub/OrgKms", true],
    ["team//OrgKms", false],
    ["team/Org Kms", false],
    ["x".repeat(65), false],
    ["", false],
  ])("role name %s: %s", (name, ok) => {
    expect(roleNameProblem(name) === undefined).toBe(ok);
  });

  it("builds and reads role ARNs, a path kept", () => {
    expect(roleArn("aws-us-gov", "111122223333", "/team/OrgKms")).toBe(
      "arn:aws-us-gov:iam::111122223333:role/team/OrgKms",
    );
    expect(parseRoleArn("arn:aws-iso-b:iam::111122223333:role/team/OrgKms")).toEqual({
      partition: "aws-iso-b",
      accountId: "111122223333",
      name: "team/OrgKms",
    });
    expect(roleArnProblem("arn:aws:iam::111122223333:role/OrgKms")).toBeUndefined();
    expect(roleArnProblem("arn:aws:iam::111122223333:user/OrgKms")).toMatch(/^a role ARN is arn:PARTITION/);
    expect(roleArnProblem("arn:aws:iam::111122223333:role/bad name")).toMatch(/^a role name is/);
  });
});
