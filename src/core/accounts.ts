// The accounts of an organisation-wide run (--accounts-from, --accounts): who they are, how the run
// reaches each (a role chain, or a profile), and which of them this process works on (--shard).
// Types shared by the accounts' input (flags and file) and the organisation run.
import type { Tag } from "./options.js";

/** One account of the run, as the accounts file or --accounts names it. */
export interface Account {
  /** 12 digits. */
  readonly accountId: string;
  /** The file's `name`; undefined when it gives none. */
  readonly name: string | undefined;
  /**
   * The roles assumed in this order (role chaining), each with the previous one's credentials, the
   * first with the run's own; empty with `profile`.
   */
  readonly roles: readonly string[];
  /** ExternalId for the role assumed (the file's `external_id`, else --external-id). */
  readonly externalId: string | undefined;
  /** The file's `profile`: that profile's credentials instead of assuming a role. */
  readonly profile: string | undefined;
  /** The file's `regions`: overrides the command's --regions for this account. */
  readonly regions: readonly string[] | undefined;
  /** The file's `tags` (c7n-org's list of "key:value" or a mapping), for --select-account-tag. */
  readonly tags: Readonly<Record<string, string>>;
}

/** --shard I/N: this process works on shard `index` (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The accounts flags, typed (nothing read yet). */
export interface AccountsOptions {
  /** --accounts-from FILE (or `-`), or --accounts ID,… with --role-name NAME. */
  readonly source:
    | { readonly kind: "file"; readonly path: string }
    | {
        readonly kind: "list";
        readonly accountIds: readonly string[];
        readonly roleName: string | undefined;
      };
  /** --external-id: for every role without its own. */
  readonly externalId: string | undefined;
  /** --role-session-name (default kms-replicate). */
  readonly roleSessionName: string;
  /** --select-account-tag K=V, repeatable: an account must carry every one. */
  readonly selectTags: readonly Tag[];
  /** --not-accounts ID,…: left out. */
  readonly notAccounts: readonly string[];
  /** --max-failed-accounts N: no new account starts after N have failed; undefined: no limit. */
  readonly maxFailedAccounts: number | undefined;
  /** --max-accounts-in-flight N (default from the CPUs). */
  readonly maxAccountsInFlight: number;
}
