// The accounts the endpoint serves, each with its own keys (a Store) and its own request quotas (a
// limiter) per Region, and which account a request is in: the account of the role a session was
// issued for (temporary credentials from AssumeRole, sts.ts), an account mapped to the access key
// at start, or else the default account.
import { createHash, randomBytes } from "node:crypto";
import { SlidingWindowLimiter } from "./quotas.js";
import type { Store } from "./store.js";

/** Temporary credentials the endpoint issued (AssumeRole), by their access key ID. */
export interface Session {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** The role's account: the account every request signed with these credentials is in. */
  readonly account: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION */
  readonly assumedRoleArn: string;
  /** AROA…:SESSION */
  readonly assumedRoleId: string;
  /** Epoch ms on the endpoint's clock when they expire. */
  readonly expiresAt: number;
  /** The credentials that signed the AssumeRole were themselves issued by the endpoint. */
  readonly chained: boolean;
}

/** Who signed a request, as GetCallerIdentity answers it. */
export interface Caller {
  readonly account: string;
  /** arn:aws:iam::ACCOUNT:user/test, or a session's assumed-role ARN. */
  readonly arn: string;
  readonly userId: string;
  /** Set when the credentials are ones the endpoint issued. */
  readonly session?: Session;
}

/**
 * A request's credentials: a caller, or refused: issued credentials past their Expiration
 * ("expired"), or an issued access key ID with a missing or wrong session token ("invalid").
 */
export type Identity = { readonly caller: Caller } | { readonly refused: "expired" | "invalid" };

/** `prefix` and 16 (or `length`) characters of a digest of `text`, in the alphabet of AWS IDs. */
function idOf(prefix: string, text: string, length = 16): string {
  const digest = createHash("sha256").update(text).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return prefix + [...digest.subarray(0, length)].map((byte) => alphabet[byte % 32]).join("");
}

export class Accounts {
  private readonly stores = new Map<string, Store>();
  private readonly limiters = new Map<string, SlidingWindowLimiter>();
  private readonly sessions = new Map<string, Session>();
  /** The default account first, then the listed ones, then those only an access key maps to. */
  readonly known: readonly string[];

  constructor(
    readonly defaultAccount: string,
    listed: readonly string[],
    /** Access key ID → account, for keys that are not the default account's. */
    private readonly accessKeys: Readonly<Record<string, string>>,
    private readonly makeStore: (account: string) => Store,
  ) {
    this.known = [...new Set([defaultAccount, ...listed, ...Object.values(accessKeys)])];
  }

  isKnown(account: string): boolean {
    return this.known.includes(account);
  }

  /** The keys and aliases of `account` (made on first use). */
  store(account: string): Store {
    let store = this.stores.get(account);
    if (store === undefined) {
      store = this.makeStore(account);
      this.stores.set(account, store);
    }
    return store;
  }

  /** The request quotas of `account`, per operation and Region. */
  limiter(account: string): SlidingWindowLimiter {
    let limiter = this.limiters.get(account);
    if (limiter === undefined) {
      limiter = new SlidingWindowLimiter();
      this.limiters.set(account, limiter);
    }
    return limiter;
  }

  /** Who signed with `accessKeyId` (and `sessionToken`, from X-Amz-Security-Token) at `now`. */
  identify(accessKeyId: string, sessionToken: string | undefined, now: number): Identity {
    const session = this.sessions.get(accessKeyId);
    if (session !== undefined) {
      if (sessionToken !== session.sessionToken) return { refused: "invalid" };
      if (now >= session.expiresAt) return { refused: "expired" };
      return {
        caller: {
          account: session.account,
          arn: session.assumedRoleArn,
          userId: session.assumedRoleId,
          session,
        },
      };
    }
    const account = this.accessKeys[accessKeyId] ?? this.defaultAccount;
    return { caller: { account, arn: `arn:aws:iam::${account}:user/test`, userId: idOf("AIDA", account) } };
  }

  /** New temporary credentials for a session of `roleArn` (already checked) until `expiresAt`. */
  issue(input: {
    roleArn: string;
    account: string;
    partition: string;
    roleName: string;
    sessionName: string;
    expiresAt: number;
    chained: boolean;
  }): Session {
    let accessKeyId: string;
    do accessKeyId = idOf("ASIA", randomBytes(16).toString("hex"));
    while (this.sessions.has(accessKeyId));
    const session: Session = {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: randomBytes(96).toString("base64"),
      account: input.account,
      roleArn: input.roleArn,
      sessionName: input.sessionName,
      assumedRoleArn: `arn:${input.partition}:sts::${input.account}:assumed-role/${input.roleName}/${input.sessionName}`,
      assumedRoleId: `${idOf("AROA", input.roleArn, 17)}:${input.sessionName}`,
      expiresAt: input.expiresAt,
      chained: input.chained,
    };
    this.sessions.set(accessKeyId, session);
    return session;
  }

  /** Every session issued so far (oldest first). */
  issued(): Session[] {
    return [...this.sessions.values()];
  }

  /** Forget every key, quota window and session (the accounts stay). */
  clear(): void {
    for (const store of this.stores.values()) store.clear();
    this.stores.clear();
    this.limiters.clear();
    this.sessions.clear();
  }
}
