// One entry of an accounts file (src/core/accounts-file.ts), already read as YAML: its fields
// checked and turned into an Account, or the problems found, each naming its field.
import { isScalar } from "yaml";
import type { Account } from "./accounts.js";
import {
  accountIdProblem,
  externalIdProblem,
  parseRoleArn,
  roleArn,
  roleArnProblem,
  roleNameProblem,
} from "./account-fields.js";
import { REGION_MAX_LENGTH, REGION_PATTERN } from "./keys.js";

/** Fields of an entry that c7n-org knows and kms-replicate has no use for: ignored without a word. */
export const IGNORED_FIELDS = ["vars", "display_name", "org_id", "email"];
export const ENTRY_FIELDS = ["account_id", "name", "role", "external_id", "profile", "regions", "tags"];
export interface EntryRead {
  /** ` (111122223333 payments)`, or what the entry has of it. */
  readonly who: string;
  readonly account: Account | undefined;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  readonly unknown: readonly string[];
}

/** One entry → its account, or what is wrong with it. */
export function readEntry(
  entry: unknown,
  ctx: {
    /** The YAML node of one of its fields (for a number as it is written). */
    readonly nodeOf: (field: string) => unknown;
    readonly partition: string | undefined;
  },
): EntryRead {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    return {
      who: "",
      account: undefined,
      problems: ["an entry is a mapping (account_id: …, role: …)."],
      warnings: [],
      unknown: [],
    };
  }
  const fields = entry as Record<string, unknown>;
  const problems: string[] = [];
  const warnings: string[] = [];
  const text = (field: string): string | undefined => {
    const value = fields[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value.trim();
    if (typeof value === "number") {
      problems.push(numberProblem(field, ctx.nodeOf(field), value));
    } else {
      problems.push(`${field}: is not text.`);
    }
    return undefined;
  };
  const accountId = text("account_id");
  const name = typeof fields.name === "number" ? String(fields.name) : text("name");
  const who = ` (${[accountId ?? "no account_id", name].filter((p) => p !== undefined).join(" ")})`;
  if (accountId === undefined && fields.account_id === undefined) problems.push("account_id: is missing.");
  if (accountId !== undefined && accountIdProblem(accountId) !== undefined) {
    problems.push(`account_id: '${accountId}': ${accountIdProblem(accountId)}`);
  }
  const roles = rolesOf(fields.role, accountId ?? "", ctx.partition, problems);
  const externalId = text("external_id");
  if (externalId !== undefined && externalIdProblem(externalId) !== undefined) {
    problems.push(`external_id: ${externalIdProblem(externalId)}`);
  }
  let profile = text("profile");
  if (profile === "") problems.push("profile: is empty.");
  if (profile !== undefined && roles.length > 0) {
    warnings.push(
      "has both role and profile: the role is assumed with the run's own credentials and profile is ignored, as c7n-org does.",
    );
    profile = undefined;
  }
  const regions = regionsOf(fields.regions, problems);
  const tags = tagsOf(fields.tags, problems);
  const unknown = Object.keys(fields).filter((f) => !ENTRY_FIELDS.includes(f) && !IGNORED_FIELDS.includes(f));
  const account: Account | undefined =
    problems.length === 0 && accountId !== undefined
      ? { accountId, name, roles, externalId, profile: profile || undefined, regions, tags }
      : undefined;
  return { who, account, problems, warnings, unknown };
}

/** A YAML number where text is wanted: shown as written, with the quotes that keep it. */
function numberProblem(field: string, node: unknown, value: number): string {
  const written = isScalar(node) && typeof node.source === "string" ? node.source : String(value);
  return `${field}: ${written} is a YAML number, not text (a number loses its leading zeros): put it in quotes, ${field}: '${written}'.`;
}

/**
 * `role`: an ARN, a list of ARNs (assumed in order: role chaining), or a role name (c7n-org's
 * shorthand for arn:aws:iam::ACCOUNT:role/NAME; here in the run's partition).
 */
function rolesOf(
  value: unknown,
  accountId: string,
  partition: string | undefined,
  problems: string[],
): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string" && !value.trim().startsWith("arn:")) {
    const problem = roleNameProblem(value.trim());
    if (problem === undefined) return [roleArn(partition ?? "aws", accountId, value.trim())];
    problems.push(`role: '${value}' is neither a role ARN nor a role name: ${problem}`);
    return [];
  }
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0) problems.push("role: is an empty list.");
  const arns: string[] = [];
  list.forEach((item, i) => {
    const field = Array.isArray(value) ? `role[${i}]` : "role";
    if (typeof item !== "string") {
      problems.push(`${field}: is not a role ARN.`);
      return;
    }
    const problem = roleArnProblem(item.trim());
    if (problem !== undefined) problems.push(`${field}: '${item}': ${problem}`);
    else arns.push(item.trim());
  });
  const last = parseRoleArn(arns[arns.length - 1] ?? "");
  if (last !== undefined && arns.length === list.length && accountId !== "" && last.accountId !== accountId) {
    problems.push(
      `role: the ${list.length > 1 ? "last role of the chain" : "role"} is in account ${last.accountId}, not ${accountId}: its credentials would reach the wrong account.`,
    );
  }
  for (const arn of arns) {
    const parsed = parseRoleArn(arn);
    if (parsed !== undefined && partition !== undefined && parsed.partition !== partition) {
      problems.push(
        `role: '${arn}' is in partition ${parsed.partition}; the run's Regions are in ${partition}.`,
      );
    }
  }
  return arns;
}

function regionsOf(value: unknown, problems: string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push("regions: is a list of Regions, e.g. [us-east-1, eu-west-1].");
    return undefined;
  }
  const regions: string[] = [];
  for (const item of value as unknown[]) {
    const region = typeof item === "string" ? item.trim() : String(item);
    if (region === "all") {
      problems.push(
        "regions: 'all' (c7n-org's every Region of the account) is not supported: list the Regions.",
      );
    } else if (region.length > REGION_MAX_LENGTH || !REGION_PATTERN.test(region)) {
      problems.push(`regions: '${region}' is not a Region ID (e.g. eu-west-1).`);
    } else if (regions.includes(region)) {
      problems.push(`regions: '${region}' is given twice.`);
    } else {
      regions.push(region);
    }
  }
  return regions;
}

/** c7n-org's list of "key:value" (a value may hold ':'; no ':' is a key with an empty value), or a mapping. */
function tagsOf(value: unknown, problems: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  if (value === undefined || value === null) return tags;
  const add = (key: string, tagValue: string): void => {
    if (key === "") problems.push("tags: a tag has an empty key.");
    else if (Object.hasOwn(tags, key)) problems.push(`tags: '${key}' is given twice.`);
    else tags[key] = tagValue;
  };
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (typeof item !== "string") {
        problems.push("tags: every tag of the list is text, key:value.");
        continue;
      }
      const at = item.indexOf(":");
      add((at === -1 ? item : item.slice(0, at)).trim(), at === -1 ? "" : item.slice(at + 1).trim());
    }
  } else if (typeof value === "object") {
    for (const [key, tagValue] of Object.entries(value as Record<string, unknown>)) {
      if (tagValue === null || tagValue === undefined) add(key.trim(), "");
      else if (typeof tagValue === "string" || typeof tagValue === "number" || typeof tagValue === "boolean")
        add(key.trim(), String(tagValue));
      else problems.push(`tags: '${key}' has no single value.`);
    }
  } else {
    problems.push('tags: is a list of "key:value", or a mapping.');
  }
  return tags;
}
