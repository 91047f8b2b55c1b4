// STS on the endpoint's port: AssumeRole and GetCallerIdentity in STS's Query protocol (a
// form-encoded POST with Action and Version=2011-06-15; XML answers, errors as an ErrorResponse),
// as the AWS SDKs' STS client (fromTemporaryCredentials) sends and reads them. Roles exist in every
// account the endpoint knows; the config may refuse some or require an external ID.
import { randomUUID } from "node:crypto";
import type { Accounts, Caller } from "./accounts.js";
import { ROLE_ARN, type KmsLocalConfig } from "./config.js";

const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
/** Role chaining caps a session at one hour (STS AssumeRole, DurationSeconds). */
const CHAINED_MAX_SECONDS = 3600;

export interface StsAnswer {
  readonly status: number;
  readonly xml: string;
  readonly requestId: string;
  /** The Action asked for ("" when the body names none). */
  readonly action: string;
  /** The account the call acted in: the role's for AssumeRole, the caller's otherwise. */
  readonly account?: string;
  /** The error Code answered, if any. */
  readonly errorCode?: string;
}

class StsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );

/** The XML STS answers a failed call with (every error here is the caller's: Type Sender). */
function errorXml(error: StsFault, requestId: string): string {
  return `<ErrorResponse xmlns="${NAMESPACE}">
  <Error>
    <Type>Sender</Type>
    <Code>${escape(error.code)}</Code>
    <Message>${escape(error.message)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`;
}

function resultXml(action: string, result: string, requestId: string): string {
  return `<${action}Response xmlns="${NAMESPACE}">
  <${action}Result>
${result}
  </${action}Result>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</${action}Response>
`;
}

/** What STS answers a request signed with credentials the endpoint refused (accounts.ts). */
export function refusedXml(refused: "expired" | "invalid", action: string): StsAnswer {
  const error =
    refused === "expired"
      ? new StsFault("ExpiredToken", "The security token included in the request is expired", 403)
      : new StsFault("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
  const requestId = randomUUID();
  return { status: error.status, xml: errorXml(error, requestId), requestId, action, errorCode: error.code };
}

/**
 * Member constraints, worded as STS words them: "1 validation error detected: Value 'x' at
 * 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2".
 */
function validation(problems: string[]): StsFault {
  const count =
    problems.length === 1 ? "1 validation error detected" : `${problems.length} validation errors detected`;
  return new StsFault("ValidationError", `${count}: ${problems.join("; ")}`, 400);
}

const required = (form: URLSearchParams, name: string, member: string): string => {
  const value = form.get(name);
  if (value === null || value === "") {
    throw validation([`Value null at '${member}' failed to satisfy constraint: Member must not be null`]);
  }
  return value;
};

/** Length and pattern of a string member; the problems, as `validation` words them. */
function textProblems(
  value: string,
  member: string,
  min: number,
  max: number,
  pattern: RegExp,
  shown: string,
): string[] {
  const at = `Value '${value}' at '${member}' failed to satisfy constraint: Member must`;
  const problems: string[] = [];
  if (value.length < min) problems.push(`${at} have length greater than or equal to ${min}`);
  if (value.length > max) problems.push(`${at} have length less than or equal to ${max}`);
  if (!pattern.test(value)) problems.push(`${at} satisfy regular expression pattern: ${shown}`);
  return problems;
}

export interface StsContext {
  readonly accounts: Accounts;
  readonly config: KmsLocalConfig;
  /** Epoch ms on the endpoint's clock. */
  readonly now: number;
}

function assumeRole(
  form: URLSearchParams,
  caller: Caller,
  ctx: StsContext,
): { account: string; result: string } {
  const roleArn = required(form, "RoleArn", "roleArn");
  const sessionName = required(form, "RoleSessionName", "roleSessionName");
  const externalId = form.get("ExternalId") ?? undefined;
  const durationText = form.get("DurationSeconds") ?? undefined;
  const problems = textProblems(sessionName, "roleSessionName", 2, 64, /^[\w+=,.@-]*$/, "[\\w+=,.@-]*");
  if (externalId !== undefined) {
    problems.push(...textProblems(externalId, "externalId", 2, 1224, /^[\w+=,.@:/-]*$/, "[\\w+=,.@:\\/-]*"));
  }
  const duration = durationText === undefined ? undefined : Number(durationText);
  if (duration !== undefined) {
    const at = `Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must`;
    if (!Number.isInteger(duration)) problems.push(`${at} be an integer`);
    else if (duration < 900) problems.push(`${at} have value greater than or equal to 900`);
    else if (duration > 43200) problems.push(`${at} have value less than or equal to 43200`);
  }
  if (roleArn.length < 20) {
    problems.unshift(
      `Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`,
    );
  }
  if (problems.length > 0) throw validation(problems);
  const match = ROLE_ARN.exec(roleArn);
  if (match === null) throw new StsFault("ValidationError", "Request ARN is invalid", 400);
  const [, account = "", roleName = ""] = match;
  const partition = roleArn.split(":")[1] ?? "aws";
  if (caller.session !== undefined && duration !== undefined && duration > CHAINED_MAX_SECONDS) {
    throw new StsFault(
      "ValidationError",
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      400,
    );
  }
  const wantedId = ctx.config.roleExternalIds[roleArn];
  if (
    !ctx.accounts.isKnown(account) ||
    ctx.config.refuseRoles.includes(roleArn) ||
    (wantedId !== undefined && wantedId !== externalId)
  ) {
    throw new StsFault(
      "AccessDenied",
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  }
  const seconds = ctx.config.sessionSeconds ?? duration ?? 3600;
  const session = ctx.accounts.issue({
    roleArn,
    account,
    partition,
    roleName,
    sessionName,
    expiresAt: ctx.now + seconds * 1000,
    chained: caller.session !== undefined,
  });
  const expiration = new Date(session.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z");
  const result = `    <Credentials>
      <AccessKeyId>${session.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${escape(session.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${escape(session.sessionToken)}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>${escape(session.assumedRoleId)}</AssumedRoleId>
      <Arn>${escape(session.assumedRoleArn)}</Arn>
    </AssumedRoleUser>`;
  return { account, result };
}

function getCallerIdentity(caller: Caller): string {
  return `    <Arn>${escape(caller.arn)}</Arn>
    <UserId>${escape(caller.userId)}</UserId>
    <Account>${caller.account}</Account>`;
}

/** The account an AssumeRole asks for, read from its RoleArn (for the call log), if any. */
const roleAccountOf = (form: URLSearchParams): string | undefined =>
  ROLE_ARN.exec(form.get("RoleArn") ?? "")?.[1];

/** Answers one STS request, signed by `caller`, whose form-encoded body is `body`. */
export function answerSts(body: string, caller: Caller, ctx: StsContext): StsAnswer {
  const form = new URLSearchParams(body);
  const action = form.get("Action") ?? "";
  const requestId = randomUUID();
  try {
    if (action === "AssumeRole") {
      const { account, result } = assumeRole(form, caller, ctx);
      return { status: 200, xml: resultXml(action, result, requestId), requestId, action, account };
    }
    if (action === "GetCallerIdentity") {
      const xml = resultXml(action, getCallerIdentity(caller), requestId);
      return { status: 200, xml, requestId, action, account: caller.account };
    }
    throw new StsFault("InvalidAction", `Could not find operation ${action} for version 2011-06-15`, 400);
  } catch (error) {
    const stsFault = error instanceof StsFault ? error : new StsFault("InternalFailure", String(error), 500);
    const account = action === "AssumeRole" ? roleAccountOf(form) : caller.account;
    return {
      status: stsFault.status,
      xml: errorXml(stsFault, requestId),
      requestId,
      action,
      ...(account !== undefined ? { account } : {}),
      errorCode: stsFault.code,
    };
  }
}
