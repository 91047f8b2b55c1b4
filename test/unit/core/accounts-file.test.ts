import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ACCOUNTS_FILE_MAX_BYTES,
  decodeAccountsFile,
  parseAccountsFile,
  readAccountsFile,
} from "../../../src/core/accounts-file.js";
import { isReplicateError } from "../../../src/core/errors.js";
import type { InputContext } from "../../../src/core/input.js";

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isReplicateError(error) && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error("expected a usage error");
}

const parse = (text: string, partition: string | undefined = "aws") =>
  parseAccountsFile(text, "org.yml", partition);

describe("parseAccountsFile: c7n-org's format", () => {
  it("reads c7n-org's own example: role ARN, regions, tags as key:value, vars ignored", () => {
    // GIVEN c7n-org's README example
    const text = [
      "accounts:",
      "- account_id: '123123123123'",
      "  name: account-1",
      "  regions:",
      "  - us-east-1",
      "  - us-west-2",
      "  role: arn:aws:iam::123123123123:role/CloudCustodian",
      "  vars:",
      "    charge_code: xyz",
      "  tags:",
      "  - type:prod",
      "  - division:some division",
      "  - partition:us",
      "  - scope:pci",
      "  - url:https://example.com",
    ].join("\n");
    // WHEN
    const file = parse(text);
    // THEN
    expect(file.warnings).toEqual([]);
    expect(file.accounts).toEqual([
      {
        accountId: "123123123123",
        name: "account-1",
        roles: ["arn:aws:iam::123123123123:role/CloudCustodian"],
        externalId: undefined,
        profile: undefined,
        regions: ["us-east-1", "us-west-2"],
        tags: {
          type: "prod",
          division: "some division",
          partition: "us",
          scope: "pci",
          url: "https://example.com",
        },
      },
    ]);
  });

  it("a role chain, an external ID, a profile, tags as a mapping, a role name in the run's partition", () => {
    const text = `
accounts:
  - account_id: "111122223333"
    role:
      - arn:aws-cn:iam::999988887777:role/Hub
      - arn:aws-cn:iam::111122223333:role/team/OrgKms
    external_id: "ext-123"
  - account_id: "444455556666"
    profile: payments
    tags: { env: prod, tier: 1 }
  - account_id: "777788889999"
    role: team/OrgKms
  - account_id: "000011112222"
`;
    const { accounts } = parse(text, "aws-cn");
    expect(accounts.map((a) => [a.accountId, a.roles, a.externalId, a.profile, a.tags])).toEqual([
      [
        "111122223333",
        ["arn:aws-cn:iam::999988887777:role/Hub", "arn:aws-cn:iam::111122223333:role/team/OrgKms"],
        "ext-123",
        undefined,
        {},
      ],
      ["444455556666", [], undefined, "payments", { env: "prod", tier: "1" }],
      ["777788889999", ["arn:aws-cn:iam::777788889999:role/team/OrgKms"], undefined, undefined, {}],
      // neither role nor profile: the run's own credentials (the org run checks it is the caller's)
      ["000011112222", [], undefined, undefined, {}],
    ]);
  });

  it("reads JSON, and YAML anchors and merge keys (as c7n-org's PyYAML does)", () => {
    const json = JSON.stringify({ accounts: [{ account_id: "111122223333", role: "OrgKms" }] });
    expect(parse(json).accounts[0]?.roles).toEqual(["arn:aws:iam::111122223333:role/OrgKms"]);
    const yaml = [
      "base: &base { role: OrgKms, regions: [eu-west-1] }",
      "accounts:",
      "  - { <<: *base, account_id: '111122223333' }",
    ].join("\n");
    const file = parse(yaml);
    expect(file.accounts[0]?.regions).toEqual(["eu-west-1"]);
    expect(file.warnings).toEqual(["--accounts-from org.yml: unknown field 'base' at the top; ignored."]);
  });

  it("unknown fields are warnings (grouped, with a likely meant name); c7n-org's own fields pass silently", () => {
    const text = `
vars: { a: 1 }
projects: []
accounts:
  - { account_id: "111122223333", role: R, extrnal_id: x, email: a@b, display_name: A, org_id: o-1 }
  - { account_id: "444455556666", role: R, extrnal_id: y }
`;
    expect(parse(text).warnings).toEqual([
      "--accounts-from org.yml: projects: is for another cloud (c7n-org); ignored.",
      "--accounts-from org.yml: unknown field 'extrnal_id' (line 5, accounts[0] (111122223333) and 1 more entry); ignored (did you mean external_id?).",
    ]);
  });

  it("both role and profile: the role, as c7n-org; a warning says so", () => {
    const file = parse('accounts:\n  - { account_id: "111122223333", name: p, role: R, profile: x }\n');
    expect(file.accounts[0]?.profile).toBeUndefined();
    expect(file.warnings[0]).toMatch(/line 2, accounts\[0\] \(111122223333 p\): has both role and profile/);
  });
});

describe("docs/organisations.md", () => {
  it("its example file is read as the page says", () => {
    // GIVEN the page's first YAML block
    const page = readFileSync(new URL("../../../docs/organisations.md", import.meta.url), "utf8");
    const example = /```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? "";
    // WHEN
    const file = parse(example);
    // THEN
    expect(file.warnings).toEqual([]);
    expect(file.accounts.map((a) => [a.accountId, a.name, a.roles.length, a.profile, a.tags.env])).toEqual([
      ["111122223333", "payments-prod", 1, undefined, "prod"],
      ["444455556666", "ledger-prod", 2, undefined, "prod"],
      ["777788889999", "sandbox", 0, "sandbox", undefined],
    ]);
  });
});

describe("parseAccountsFile: problems, all listed, each with its place", () => {
  it.each([
    [
      "account_id: 123123123123",
      /line 2, accounts\[0\] \(no account_id\): account_id: 123123123123 is a YAML number, not text .*put it in quotes, account_id: '123123123123'/,
    ],
    ["account_id: 012345678901", /account_id: 012345678901 is a YAML number.*account_id: '012345678901'/],
    ["account_id: '1234'", /accounts\[0\] \(1234\): account_id: '1234': an AWS account ID is 12 digits/],
    ["name: x", /account_id: is missing/],
    [
      "account_id: '111122223333'\n    role: arn:aws:iam::444455556666:role/R",
      /the role is in account 444455556666, not 111122223333/,
    ],
    [
      "account_id: '111122223333'\n    role: [arn:aws:iam::1:role/R]",
      /role\[0\]: 'arn:aws:iam::1:role\/R': a role ARN is arn:PARTITION/,
    ],
    [
      "account_id: '111122223333'\n    role: 'bad name!'",
      /role: 'bad name!' is neither a role ARN nor a role name/,
    ],
    ["account_id: '111122223333'\n    role: []", /role: is an empty list/],
    [
      "account_id: '111122223333'\n    role: arn:aws-cn:iam::111122223333:role/R",
      /is in partition aws-cn; the run's Regions are in aws/,
    ],
    ["account_id: '111122223333'\n    role: R\n    external_id: 1234", /external_id: 1234 is a YAML number/],
    [
      "account_id: '111122223333'\n    role: R\n    external_id: 'a b'",
      /external_id: an external ID is 2 to 1224 characters/,
    ],
    ["account_id: '111122223333'\n    role: R\n    regions: [all]", /regions: 'all' .* is not supported/],
    ["account_id: '111122223333'\n    role: R\n    regions: us-east-1", /regions: is a list of Regions/],
    ["account_id: '111122223333'\n    role: R\n    regions: [Mars-1]", /'Mars-1' is not a Region ID/],
    ["account_id: '111122223333'\n    role: R\n    tags: [a:1, a:2]", /tags: 'a' is given twice/],
    ["account_id: '111122223333'\n    role: R\n    tags: 3", /tags: is a list of "key:value", or a mapping/],
  ])("%s", (entry, message) => {
    expect(usageMessage(() => parse(`accounts:\n  - ${entry}\n`))).toMatch(message);
  });

  it("lists every problem with 'nothing was changed', and refuses a second entry for an account", () => {
    const text = [
      "accounts:",
      "  - { account_id: '111122223333', role: R }",
      "  - { account_id: '1', role: R }",
      "  - { account_id: '111122223333', role: R }",
    ].join("\n");
    expect(usageMessage(() => parse(text))).toBe(
      [
        "--accounts-from org.yml: 2 problems; nothing was changed:",
        "  line 3, accounts[1] (1): account_id: '1': an AWS account ID is 12 digits.",
        "  line 4, accounts[2] (111122223333): the account is listed before, as accounts[0].",
      ].join("\n"),
    );
  });

  it("shows the first 20 problems and counts the rest", () => {
    const text = [
      "accounts:",
      ...Array.from({ length: 25 }, (_, i) => `  - { account_id: '${i}', role: R }`),
    ].join("\n");
    const message = usageMessage(() => parse(text));
    expect(message).toMatch(/^--accounts-from org.yml: 25 problems; nothing was changed:/);
    expect(message.split("\n")).toHaveLength(22);
    expect(message).toMatch(/… and 5 more$/);
  });

  it.each([
    ["", /is empty; it lists no accounts/],
    ["- account_id: '111122223333'", /is not a mapping with an accounts: list/],
    ["foo: 1", /has no accounts: list/],
    ["accounts: {}", /accounts: is not a list/],
    ["accounts: []", /accounts: is an empty list/],
    ["accounts:\n  - just-a-string", /accounts\[0\]: an entry is a mapping/],
    ["accounts:\n  - a: 1\n  - a: [", /is not valid YAML: .*\(line 3, column \d+\)\./],
    ["accounts:\n  - {a: 1, a: 2}", /is not valid YAML: Map keys must be unique \(line 2/],
    [
      '{"accounts": [\n  {"account_id": "111122223333",}\n  }',
      /is not valid JSON: Expected double-quoted property name in JSON at position 47 \(line 2, column 33\)\./,
    ],
  ])("refuses %j", (text, message) => {
    expect(usageMessage(() => parse(text))).toMatch(message);
  });
});

describe("decodeAccountsFile", () => {
  it("UTF-8 with or without a byte-order mark, and UTF-16 with one (PowerShell's)", () => {
    const text = "accounts: []";
    expect(decodeAccountsFile(Buffer.from(text), "f")).toBe(text);
    expect(decodeAccountsFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), "f")).toBe(
      text,
    );
    expect(
      decodeAccountsFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]), "f"),
    ).toBe(text);
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(usageMessage(() => decodeAccountsFile(Buffer.from([0x61, 0xff, 0x62]), "f.yml"))).toBe(
      "--accounts-from f.yml is not UTF-8 text; an accounts file is YAML or JSON.",
    );
  });
});

describe("readAccountsFile", () => {
  const ctx = (cwd: string): InputContext => ({
    cwd,
    signal: new AbortController().signal,
    deadline: performance.now() + 5_000,
    deadlineName: "--timeout 5s",
  });

  it("reads a file through the bounded reader, and names the cap of an oversized one", async () => {
    // GIVEN
    const dir = mkdtempSync(join(tmpdir(), "accounts-file-"));
    writeFileSync(join(dir, "org.yml"), "accounts:\n  - { account_id: '111122223333', role: R }\n");
    writeFileSync(join(dir, "big.yml"), Buffer.alloc(ACCOUNTS_FILE_MAX_BYTES + 1, 0x20));
    // WHEN / THEN
    expect((await readAccountsFile("org.yml", ctx(dir), "aws")).accounts).toHaveLength(1);
    await expect(readAccountsFile("big.yml", ctx(dir), "aws")).rejects.toThrow(
      "--accounts-from big.yml is more than 16777216 bytes (16 MiB), the cap for an accounts file; reading stopped there.",
    );
    await expect(readAccountsFile("missing.yml", ctx(dir), "aws")).rejects.toThrow(
      /--accounts-from missing.yml/,
    );
  });
});
