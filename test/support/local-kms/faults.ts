// The fault rules of the config applied to a request: which rule matches it (by account, Region,
// operation and the keys it names), and what it makes of the answer. Counted rules keep their
// counts here until the fault list changes.
import { isRecord, type KmsLocalConfig } from "./config.js";
import { fault, type KmsFault } from "./errors.js";
import type { Store } from "./store.js";

export interface Decision {
  latencyMs: number;
  answerDelayMs: number;
  drop: boolean;
  stall: boolean;
  processThenDrop: boolean;
  notPrimary: boolean;
  error?: KmsFault;
}

/** Who a request is from and which account's keys it sees. */
export interface Target {
  readonly account: string;
  readonly store: Store;
  /** The caller's ARN, as an AccessDeniedException names it. */
  readonly callerArn: string;
}

/** The alias name in an alias ARN: `arn:aws:kms:eu-west-1:111122223333:alias/app` → `alias/app`. */
const ALIAS_ARN = /^arn:[^:]*:kms:[^:]*:[^:]*:(alias\/.+)$/;

/** The key ID in a key ARN (of any Region: the part after `key/`); anything else as it is. */
export function keyIdIn(ref: string): string {
  return /^arn:[^:]*:kms:[^:]*:[^:]*:key\/(.+)$/.exec(ref)?.[1] ?? ref;
}

/** mulberry32: small, seeded, good enough to spread throttles evenly and repeatably. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Used {
  throttle: number;
  internal: number;
  drop: number;
  stall: number;
  processThenDrop: number;
  notPrimary: number;
  expiredToken: number;
  invalidToken: number;
}

/** A counted rule (`{count}`) that has uses left, or an every-call rule (`true`). */
const applies = (rule: { readonly count: number } | true | undefined, usedSoFar: number): boolean =>
  rule === true || (rule !== undefined && usedSoFar < rule.count);

/** The key IDs a request names in KeyId and TargetKeyId (aliases as they point in `region` now). */
function keysNamed(store: Store, region: string, input: unknown): string[] {
  if (!isRecord(input)) return [];
  return [input.KeyId, input.TargetKeyId].flatMap((ref) => {
    if (typeof ref !== "string") return [];
    const alias = ref.startsWith("alias/") ? ref : ALIAS_ARN.exec(ref)?.[1];
    if (alias === undefined) return [keyIdIn(ref)];
    const target = store.region(region).aliases.get(alias)?.targetKeyId;
    return target === undefined ? [] : [target];
  });
}

export class FaultRules {
  /** Counters of counted fault rules, by rule index. */
  private used = new Map<number, Used>();
  private random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  /** The fault list changed: counted rules start again. */
  restartCounts(): void {
    this.used = new Map();
  }

  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  decide(
    config: KmsLocalConfig,
    region: string,
    operation: string,
    input: unknown,
    target: Target,
  ): Decision {
    const decision: Decision = {
      latencyMs: 0,
      answerDelayMs: 0,
      drop: false,
      stall: false,
      processThenDrop: false,
      notPrimary: false,
    };
    if (config.disabledRegions.includes(region)) decision.error = fault.unrecognizedClient();
    let named: string[] | undefined;
    config.faults.forEach((rule, index) => {
      if (rule.account !== undefined && rule.account !== target.account) return;
      if (rule.region !== undefined && rule.region !== region) return;
      if (rule.operation !== undefined && rule.operation !== operation) return;
      if (
        rule.keyId !== undefined &&
        !(named ??= keysNamed(target.store, region, input)).includes(keyIdIn(rule.keyId))
      )
        return;
      decision.latencyMs += rule.latencyMs ?? 0;
      decision.answerDelayMs += rule.answerDelayMs ?? 0;
      if (
        decision.error !== undefined ||
        decision.drop ||
        decision.stall ||
        decision.processThenDrop ||
        decision.notPrimary
      )
        return;
      const count = this.used.get(index) ?? {
        throttle: 0,
        internal: 0,
        drop: 0,
        stall: 0,
        processThenDrop: 0,
        notPrimary: 0,
        expiredToken: 0,
        invalidToken: 0,
      };
      this.used.set(index, count);
      if (rule.accessDenied === true) {
        const resource = `key/${rule.keyId === undefined ? "*" : keyIdIn(rule.keyId)}`;
        decision.error = fault.accessDenied(
          target.callerArn,
          operation,
          target.store.region(region).arnOf(resource),
        );
      } else if (rule.dropConnection !== undefined && count.drop < rule.dropConnection.count) {
        count.drop += 1;
        decision.drop = true;
      } else if (applies(rule.stall, count.stall)) {
        count.stall += 1;
        decision.stall = true;
      } else if (applies(rule.processThenDrop, count.processThenDrop)) {
        count.processThenDrop += 1;
        decision.processThenDrop = true;
      } else if (rule.notPrimary !== undefined && count.notPrimary < rule.notPrimary.count) {
        count.notPrimary += 1;
        decision.notPrimary = true;
      } else if (
        rule.expiredImportToken !== undefined &&
        count.expiredToken < rule.expiredImportToken.count
      ) {
        count.expiredToken += 1;
        decision.error = fault.expiredImportToken();
      } else if (
        rule.invalidImportToken !== undefined &&
        count.invalidToken < rule.invalidImportToken.count
      ) {
        count.invalidToken += 1;
        decision.error = fault.invalidImportToken();
      } else if (rule.internalError !== undefined && count.internal < rule.internalError.count) {
        count.internal += 1;
        decision.error = fault.internal();
      } else if (rule.throttle !== undefined) {
        const byCount = rule.throttle.count !== undefined && count.throttle < rule.throttle.count;
        const byRate = rule.throttle.rate !== undefined && this.random() < rule.throttle.rate;
        if (byCount || byRate) {
          count.throttle += 1;
          decision.error = fault.throttling();
        }
      }
    });
    return decision;
  }
}
