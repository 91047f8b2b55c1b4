import { describe, expect, it } from "vitest";
import type { Account } from "../../../src/core/accounts.js";
import { accountsOfList, resolveAccounts, selectAccounts } from "../../../src/core/accounts-select.js";

const account = (accountId: string, more: Partial<Account> = {}): Account => ({
  accountId,
  name: undefined,
  roles: [`arn:aws:iam::${accountId}:role/R`],
  externalId: undefined,
  profile: undefined,
  regions: undefined,
  tags: {},
  ...more,
});

const NONE = { selectTags: [], notAccounts: [], externalId: undefined };

describe("accountsOfList", () => {
  it("--accounts with --role-name: that role in each account, in the run's partition", () => {
    expect(
      accountsOfList(["111122223333", "444455556666"], "team/OrgKms", "aws-cn").map((a) => a.roles),
    ).toEqual([
      ["arn:aws-cn:iam::111122223333:role/team/OrgKms"],
      ["arn:aws-cn:iam::444455556666:role/team/OrgKms"],
    ]);
    expect(accountsOfList(["111122223333"], undefined, undefined)[0]?.roles).toEqual([]);
  });
});

describe("selectAccounts", () => {
  const accounts = [
    account("111122223333", { name: "pay", tags: { env: "prod", team: "pay" } }),
    account("444455556666", { name: "ops", tags: { env: "prod" } }),
    account("777788889999", { name: "dev", tags: { env: "dev", team: "pay" } }),
    account("000011112222", { profile: "p", roles: [] }),
  ];

  it("--select-account-tag: every one must match", () => {
    const picked = selectAccounts(
      accounts,
      {
        ...NONE,
        selectTags: [
          { TagKey: "env", TagValue: "prod" },
          { TagKey: "team", TagValue: "pay" },
        ],
      },
      () => undefined,
    );
    expect(picked.map((a) => a.name)).toEqual(["pay"]);
  });

  it("--not-accounts by ID or by name (as c7n-org's); one that names nothing is a warning", () => {
    const warnings: string[] = [];
    const picked = selectAccounts(
      accounts,
      { ...NONE, notAccounts: ["444455556666", "dev", "999999999999"] },
      (w) => warnings.push(w),
    );
    expect(picked.map((a) => a.accountId)).toEqual(["111122223333", "000011112222"]);
    expect(warnings).toEqual(["--not-accounts 999999999999: no account of the run has this ID or name."]);
  });

  it("--external-id for the roles without their own; a profile gets none", () => {
    const withOwn = [account("111122223333", { externalId: "own" }), ...accounts.slice(1)];
    const picked = selectAccounts(withOwn, { ...NONE, externalId: "flag" }, () => undefined);
    expect(picked.map((a) => a.externalId)).toEqual(["own", "flag", "flag", undefined]);
  });
});

describe("resolveAccounts", () => {
  it("--accounts: the list, then the selection", async () => {
    const accounts = await resolveAccounts(
      {
        source: { kind: "list", accountIds: ["111122223333", "444455556666"], roleName: "R" },
        externalId: "x1",
        roleSessionName: "kms-replicate",
        selectTags: [],
        notAccounts: ["444455556666"],
        maxFailedAccounts: undefined,
        maxAccountsInFlight: 8,
      },
      {
        inputs: { cwd: "/", signal: new AbortController().signal, deadline: 0, deadlineName: "" },
        partition: "aws",
        warn: () => undefined,
      },
    );
    expect(accounts).toEqual([account("111122223333", { externalId: "x1" })]);
  });
});
