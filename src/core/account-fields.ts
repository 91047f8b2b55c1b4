// The rules for what names an account and the way into it, pure and shared by the accounts file
// and the flags: an account ID, a role ARN or role name, an external ID, a role session name, an
// account tag. Each `…Problem` returns why a value is refused (a sentence without the value's
// label), or undefined when it is fine.

/** An AWS account ID: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;

/** --role-session-name's default: how CloudTrail names the run's sessions. */
export const DEFAULT_ROLE_SESSION_NAME = "kms-replicate";

/** STS AssumeRole's RoleSessionName: 2 to 64 characters of [\w+=,.@-]. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS AssumeRole's ExternalId: 2 to 1224 characters of [\w+=,.@:/-]. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** IAM's role names: 1 to 64 characters of [\w+=,.@-]. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** IAM's paths: printable ASCII but blanks, at most 512 characters, `/` first and last. */
const PATH_SEGMENT = /^[\x21-\x2e\x30-\x7e]+$/;
const PATH_MAX = 512;
/** `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` (a partition: aws, aws-cn, aws-us-gov, aws-iso-b, …). */
const ROLE_ARN = /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):role\/(.+)$/;

export function accountIdProblem(value: string): string | undefined {
  return ACCOUNT_ID.test(value) ? undefined : "an AWS account ID is 12 digits.";
}

export function sessionNameProblem(value: string): string | undefined {
  return SESSION_NAME.test(value)
    ? undefined
    : "a role session name is 2 to 64 characters: letters, digits and _+=,.@- (as STS requires).";
}

export function externalIdProblem(value: string): string | undefined {
  return EXTERNAL_ID.test(value)
    ? undefined
    : "an external ID is 2 to 1224 characters: letters, digits and _+=,.@:/- (as STS requires).";
}

/**
 * A role name, with its path or not: `OrgKms`, `team/OrgKms`, `/team/OrgKms` (IAM's path `/team/`
 * and the name).
 */
export function roleNameProblem(value: string): string | undefined {
  const segments = value.replace(/^\//, "").split("/");
  const name = segments.pop() ?? "";
  if (!ROLE_NAME.test(name)) {
    return "a role name is 1 to 64 characters: letters, digits and _+=,.@- (after its path, if it has one).";
  }
  if (segments.some((s) => !PATH_SEGMENT.test(s)) || segments.join("/").length + 2 > PATH_MAX) {
    return `a role's path is printable ASCII without blanks or empty parts, at most ${PATH_MAX} characters.`;
  }
  return undefined;
}

/** The ARN of role `name` (a path allowed: `team/NAME`) in an account. */
export function roleArn(partition: string, accountId: string, name: string): string {
  return `arn:${partition}:iam::${accountId}:role/${name.replace(/^\//, "")}`;
}

/** A role ARN's parts; undefined when it is not one. */
export function parseRoleArn(
  arn: string,
): { readonly partition: string; readonly accountId: string; readonly name: string } | undefined {
  const match = ROLE_ARN.exec(arn);
  if (match === null) return undefined;
  const [, partition = "", accountId = "", name = ""] = match;
  return roleNameProblem(name) === undefined ? { partition, accountId, name } : undefined;
}

export function roleArnProblem(arn: string): string | undefined {
  if (parseRoleArn(arn) !== undefined) return undefined;
  const match = ROLE_ARN.exec(arn);
  if (match !== null) return roleNameProblem(match[3] ?? "");
  return "a role ARN is arn:PARTITION:iam::ACCOUNT_ID:role/NAME (a path before NAME allowed).";
}
