// The endpoint's settings: fault rules and the config a test or the control API can change
// (KmsLocalConfig), its defaults, and the checks of a config sent over HTTP (a misspelt key or a
// wrong value is refused, never ignored).
import { DAY_MS } from "./deletion.js";
import { DEFAULT_QUOTAS } from "./quotas.js";

/**
 * A fault rule; `region` / `operation` / `keyId` unset match any. Counted rules switch off once
 * used up (only the calls a rule matches use it up).
 */
export interface FaultRule {
  /** Only requests in this account (the account of the request's credentials). */
  readonly account?: string;
  readonly region?: string;
  readonly operation?: string;
  /**
   * Only requests whose KeyId or TargetKeyId names this key: by key ID, by key ARN of any Region,
   * or by an alias (name or ARN) that points at it in the request's Region at the time. Given as a
   * key ID or a key ARN (of any Region: what counts is the key ID after `key/`).
   */
  readonly keyId?: string;
  /** Added before the answer, in ms. */
  readonly latencyMs?: number;
  /**
   * Carry the operation out at once, then hold its answer this long, in ms (or until the client
   * goes away): a request that took effect while its caller still waits, e.g. a slow
   * ImportKeyMaterial that a signal cuts short.
   */
  readonly answerDelayMs?: number;
  /** ThrottlingException for the next `count` matching calls, or for a `rate` (0–1) of them. */
  readonly throttle?: { readonly count?: number; readonly rate?: number };
  /** KMSInternalException (HTTP 500) for the next `count` matching calls. */
  readonly internalError?: { readonly count: number };
  /** Drop the connection without an answer for the next `count` matching calls. */
  readonly dropConnection?: { readonly count: number };
  /**
   * Accept the request and never answer: the socket is held until the client goes away. For the
   * next `count` matching calls, or (`true`) for every one.
   */
  readonly stall?: { readonly count: number } | true;
  /**
   * Carry the operation out (e.g. really create the replica), then destroy the connection before
   * answering: the client cannot know it happened. Next `count` matching calls, or every one.
   */
  readonly processThenDrop?: { readonly count: number } | true;
  /** AccessDeniedException for every matching call. */
  readonly accessDenied?: boolean;
  /**
   * UnsupportedOperationException "… is not a multi-Region primary key" for the next `count`
   * matching calls, doing nothing (as KMS may answer UpdatePrimaryRegion or ReplicateKey right
   * after another promotion, eventual consistency).
   */
  readonly notPrimary?: { readonly count: number };
  /** ExpiredImportTokenException for the next `count` matching calls (ImportKeyMaterial), doing nothing. */
  readonly expiredImportToken?: { readonly count: number };
  /** InvalidImportTokenException for the next `count` matching calls (ImportKeyMaterial), doing nothing. */
  readonly invalidImportToken?: { readonly count: number };
}

export interface KmsLocalConfig {
  /** How long a new replica stays Creating, in ms (default 0). */
  readonly creatingDelayMs: number;
  /** Per Region; `null` = its replicas never leave Creating. */
  readonly creatingDelayByRegion: Readonly<Record<string, number | null>>;
  /** NotFoundException for the first N DescribeKey calls of a new replica in that Region. */
  readonly hiddenDescribesByRegion: Readonly<Record<string, number>>;
  /** Regions not enabled for the account: every call there is UnrecognizedClientException. */
  readonly disabledRegions: readonly string[];
  /** Regions where HMAC keys are not offered. */
  readonly hmacUnsupportedRegions: readonly string[];
  readonly faults: readonly FaultRule[];
  /** Seed of the pseudo-random numbers behind `throttle.rate`. */
  readonly seed: number;
  /**
   * The endpoint's clock runs this far ahead of the machine's (as when the client's clock is off).
   * Like KMS, a request signed more than 5 minutes away from it gets InvalidSignatureException
   * "Signature expired", and every answer's Date header shows the endpoint's time (from which the
   * SDK corrects its clock offset). 0: off.
   */
  readonly clockSkewMs: number;
  /**
   * Answer ThrottlingException ("Rate exceeded") when a client exceeds KMS's request quotas
   * (quotas.ts: per operation and Region, a sliding 1-second window). Off by default.
   */
  readonly enforceQuotas: boolean;
  /** Multiplies every quota, overrides included (10: ten times KMS's rates). Default 1. */
  readonly quotaScale: number;
  /** Requests per second by operation, replacing KMS's default (an account with raised quotas). */
  readonly quotaOverrides: Readonly<Record<string, number>>;
  /**
   * Per Region: for this many ms after a write, reads of what it changed answer the old value
   * (tags: ListResourceTags; description and enabled state: DescribeKey; policy: GetKeyPolicy;
   * aliases: ListAliases), as KMS's eventual consistency may.
   */
  readonly readAfterWriteMs: Readonly<Record<string, number>>;
  /** How long both keys stay Updating after UpdatePrimaryRegion, in ms (default 0). */
  readonly updatingMs: number;
  /** Per Region (the key's); `null` = the key never leaves Updating. */
  readonly updatingMsByRegion: Readonly<Record<string, number | null>>;
  /** While Updating, DescribeKey shows the new primary as a REPLICA too (KMS says it may). */
  readonly updatingShowsReplicas: boolean;
  /**
   * Extra Region → partition entries, checked before the endpoint's own table (partitions.ts):
   * e.g. an invented `{"us-north-50": "aws-us-gov"}`. A Region in neither is not served.
   */
  readonly regionPartitions: Readonly<Record<string, string>>;
  /** How long GetParametersForImport's wrapping key and import token are valid, in ms (KMS: 24 h). */
  readonly importTokenValidityMs: number;
  /**
   * How long a "day" of a deletion window is, in ms (KMS: 86,400,000): with 10, a replica
   * scheduled for 7 days is gone 70 ms later and its primary's window starts then. A key's date is
   * fixed when it is scheduled (a primary's window: its length, when scheduled).
   */
  readonly dayMs: number;
  /**
   * STS AssumeRole of these role ARNs is AccessDenied ("User: … is not authorized to perform:
   * sts:AssumeRole on resource: ROLE").
   */
  readonly refuseRoles: readonly string[];
  /** Role ARN → the ExternalId its trust policy requires (AccessDenied without it or with another). */
  readonly roleExternalIds: Readonly<Record<string, string>>;
  /**
   * Credentials AssumeRole issues expire after this many seconds, whatever DurationSeconds asked;
   * null: after DurationSeconds (default 3600), as STS does.
   */
  readonly sessionSeconds: number | null;
}

const CONFIG_KEYS = new Set([
  "creatingDelayMs",
  "creatingDelayByRegion",
  "hiddenDescribesByRegion",
  "disabledRegions",
  "hmacUnsupportedRegions",
  "faults",
  "seed",
  "clockSkewMs",
  "enforceQuotas",
  "quotaScale",
  "quotaOverrides",
  "readAfterWriteMs",
  "updatingMs",
  "updatingMsByRegion",
  "updatingShowsReplicas",
  "regionPartitions",
  "importTokenValidityMs",
  "dayMs",
  "refuseRoles",
  "roleExternalIds",
  "sessionSeconds",
]);
const FAULT_KEYS = new Set([
  "account",
  "region",
  "operation",
  "keyId",
  "latencyMs",
  "answerDelayMs",
  "throttle",
  "internalError",
  "dropConnection",
  "stall",
  "processThenDrop",
  "accessDenied",
  "notPrimary",
  "expiredImportToken",
  "invalidImportToken",
]);

/** What is wrong with a config sent over HTTP: a misspelt key must not be ignored silently. */
export function configProblems(partial: unknown): string[] {
  if (typeof partial !== "object" || partial === null || Array.isArray(partial)) {
    return ["the config must be a JSON object"];
  }
  const problems = Object.keys(partial)
    .filter((key) => !CONFIG_KEYS.has(key))
    .map((key) => `unknown config key ${key} (known: ${[...CONFIG_KEYS].join(", ")})`);
  const faults: unknown = (partial as { faults?: unknown }).faults;
  if (faults !== undefined) {
    if (!Array.isArray(faults)) return [...problems, "faults must be an array of rules"];
    faults.forEach((rule: unknown, index) => {
      if (typeof rule !== "object" || rule === null) {
        problems.push(`faults[${index}] must be an object`);
        return;
      }
      for (const key of Object.keys(rule)) {
        if (!FAULT_KEYS.has(key)) {
          problems.push(`unknown key ${key} in faults[${index}] (known: ${[...FAULT_KEYS].join(", ")})`);
        }
      }
      const { keyId } = rule as { keyId?: unknown };
      if (keyId !== undefined && (typeof keyId !== "string" || keyId === "")) {
        problems.push(`faults[${index}].keyId must be a key ID or key ARN`);
      }
    });
  }
  return [
    ...problems,
    ...valueProblems(partial as Record<string, unknown>),
    ...stsProblems(partial as Record<string, unknown>),
  ];
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isMs = (value: unknown): boolean => typeof value === "number" && Number.isFinite(value) && value >= 0;

/** Wrong values of the newer settings (an unknown operation in quotaOverrides is not ignored). */
function valueProblems(partial: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const {
    enforceQuotas,
    quotaScale,
    quotaOverrides,
    readAfterWriteMs,
    updatingMs,
    updatingMsByRegion,
    dayMs,
  } = partial;
  if (enforceQuotas !== undefined && typeof enforceQuotas !== "boolean") {
    problems.push("enforceQuotas must be true or false");
  }
  if (
    quotaScale !== undefined &&
    !(typeof quotaScale === "number" && quotaScale > 0 && isFinite(quotaScale))
  ) {
    problems.push("quotaScale must be a number above 0");
  }
  if (quotaOverrides !== undefined) {
    if (!isRecord(quotaOverrides)) problems.push("quotaOverrides must be an object of operation: requests/s");
    else
      for (const [operation, quota] of Object.entries(quotaOverrides)) {
        if (DEFAULT_QUOTAS[operation] === undefined) {
          problems.push(
            `quotaOverrides: ${operation} has no quota (known: ${Object.keys(DEFAULT_QUOTAS).join(", ")})`,
          );
        } else if (!(typeof quota === "number" && quota > 0)) {
          problems.push(`quotaOverrides.${operation} must be a number above 0`);
        }
      }
  }
  if (
    readAfterWriteMs !== undefined &&
    !(isRecord(readAfterWriteMs) && Object.values(readAfterWriteMs).every(isMs))
  ) {
    problems.push("readAfterWriteMs must be an object of Region: ms");
  }
  if (updatingMs !== undefined && !isMs(updatingMs)) problems.push("updatingMs must be a number of ms");
  if (dayMs !== undefined && !(isMs(dayMs) && (dayMs as number) > 0)) {
    problems.push("dayMs must be a number of ms above 0");
  }
  if (
    updatingMsByRegion !== undefined &&
    !(isRecord(updatingMsByRegion) && Object.values(updatingMsByRegion).every((v) => v === null || isMs(v)))
  ) {
    problems.push("updatingMsByRegion must be an object of Region: ms or null");
  }
  return problems;
}

/** Wrong values of the STS settings. */
function stsProblems(partial: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const { refuseRoles, roleExternalIds, sessionSeconds } = partial;
  if (refuseRoles !== undefined && !(Array.isArray(refuseRoles) && refuseRoles.every(isRoleArn))) {
    problems.push("refuseRoles must be an array of role ARNs (arn:PARTITION:iam::ACCOUNT:role/NAME)");
  }
  if (
    roleExternalIds !== undefined &&
    !(
      isRecord(roleExternalIds) &&
      Object.entries(roleExternalIds).every(
        ([arn, id]) => isRoleArn(arn) && typeof id === "string" && id !== "",
      )
    )
  ) {
    problems.push("roleExternalIds must be an object of role ARN: external ID");
  }
  if (
    sessionSeconds !== undefined &&
    sessionSeconds !== null &&
    !(typeof sessionSeconds === "number" && sessionSeconds > 0 && isFinite(sessionSeconds))
  ) {
    problems.push("sessionSeconds must be a number of seconds above 0, or null");
  }
  return problems;
}

/** An IAM role ARN, with or without a path: arn:PARTITION:iam::ACCOUNT:role/PATH/NAME. */
export const ROLE_ARN = /^arn:[a-z-]+:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/;
const isRoleArn = (value: unknown): boolean => typeof value === "string" && ROLE_ARN.test(value);

export const DEFAULTS: KmsLocalConfig = {
  creatingDelayMs: 0,
  creatingDelayByRegion: {},
  hiddenDescribesByRegion: {},
  disabledRegions: [],
  hmacUnsupportedRegions: [],
  faults: [],
  seed: 1,
  clockSkewMs: 0,
  enforceQuotas: false,
  quotaScale: 1,
  quotaOverrides: {},
  readAfterWriteMs: {},
  updatingMs: 0,
  updatingMsByRegion: {},
  updatingShowsReplicas: false,
  regionPartitions: {},
  importTokenValidityMs: 24 * 3_600_000,
  dayMs: DAY_MS,
  refuseRoles: [],
  roleExternalIds: {},
  sessionSeconds: null,
};
