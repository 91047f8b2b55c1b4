// The multi-Region primary keys an endpoint makes at start (kms-local --primary, --primaries,
// --primary-tag), in each account it seeds: the same keys in every account, each with its own key IDs.

export interface StartKeys {
  /** A multi-Region primary key in each of these Regions (a Region twice: two keys). */
  readonly primary?: readonly string[];
  /** This many more primary keys, in `primaryRegion`. */
  readonly primaries?: number;
  /** Where the `primaries` keys are made (default us-east-1). */
  readonly primaryRegion?: string;
  /** Tags of every key made at start (KMS's tag rules apply: CreateKey refuses a bad one). */
  readonly primaryTags?: readonly { readonly TagKey: string; readonly TagValue: string }[];
}

/** What was made at start in one account. */
export interface StartKeysMade {
  readonly account: string;
  /** The ARNs of the `primary` keys, in order. */
  readonly primary: readonly string[];
  /** The ARNs of the `primaries` keys, in order. */
  readonly primaries: readonly string[];
}

/** CreateKey in `region` of `account`, as a setup step: its KeyMetadata. */
type CreateKey = (region: string, input: Record<string, unknown>, account: string) => Record<string, unknown>;

/** Makes the start keys in each of `accounts`; throws what CreateKey throws (e.g. a bad tag). */
export function makeStartKeys(
  spec: StartKeys,
  accounts: readonly string[],
  createKey: CreateKey,
): StartKeysMade[] {
  const input = {
    MultiRegion: true,
    Description: "kms-local primary",
    ...(spec.primaryTags !== undefined && spec.primaryTags.length > 0 ? { Tags: spec.primaryTags } : {}),
  };
  const make = (region: string, account: string): string => String(createKey(region, input, account).Arn);
  return accounts.map((account) => ({
    account,
    primary: (spec.primary ?? []).map((region) => make(region, account)),
    primaries: Array.from({ length: spec.primaries ?? 0 }, () =>
      make(spec.primaryRegion ?? "us-east-1", account),
    ),
  }));
}

/** `--accounts N`: N account IDs, 200000000001 up. */
export function numberedAccounts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(200_000_000_001 + i));
}
