// What the core tells the outside world: events while it works, results when it is done.
import type { ErrorReport } from "./errors.js";
import type { Operation } from "./operation.js";
import type { Tag } from "./options.js";

/**
 * Our normalised outcome per Region, always what was verified; `keyState` keeps KMS's raw state
 * beside it. What each one means, once for every command: STATUSES below.
 */
export type RegionStatus =
  | "created"
  | "imported"
  | "ready"
  | "exists"
  | "creating"
  | "planned"
  | "failed"
  | "timeout"
  | "notStarted"
  | "interrupted";

/** Every RegionStatus, in the order summaries count them. */
export const REGION_STATUSES: readonly RegionStatus[] = [
  "created",
  "imported",
  "ready",
  "exists",
  "creating",
  "planned",
  "failed",
  "timeout",
  "notStarted",
  "interrupted",
];

interface ResultBase {
  readonly region: string;
  /** KMS KeyState as last seen (Enabled, PendingImport, Creating, PendingDeletion, …). */
  readonly keyState?: string;
  readonly replicaArn?: string;
  /** From the start of the run to the moment this Region settled. */
  readonly elapsedMs: number;
  /** Something the user must do or know (import key material, re-run to pick up a slow replica). */
  readonly note?: string;
  /** What the new replica was given (or, in a dry run, would be given). */
  readonly applied?: Applied;
  /** A replica that was there: what this run changed on it (--copy-*, --tag, …; dry run: would change). */
  readonly converged?: readonly Operation[];
  /** Imported key material: this key's expiration, when it was read. */
  readonly material?: KeyMaterialInfo;
  /** --timeout ran out before a change was sent here: a re-run of the same command finishes it. */
  readonly unsent?: boolean;
}

/** A key's imported material (Origin EXTERNAL) as DescribeKey shows it in its Region. */
export interface KeyMaterialInfo {
  /**
   * This run imported the material into this key (KMS answered); false: it did not; null: unknown,
   * its ImportKeyMaterial was sent and the answer never came (a signal, a lost connection), so the
   * material may be there.
   */
  readonly imported: boolean | null;
  /** KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE; null: not shown. */
  readonly expirationModel: string | null;
  /** When the material expires in this Region (ISO 8601, UTC); null: it does not, or not shown. */
  readonly validTo: string | null;
  /** KMS's ID of the current key material (symmetric keys); null: not shown. */
  readonly keyMaterialId: string | null;
}

/** What a new replica was given (or, in a dry run, would be given). */
export interface Applied {
  /** The tags, in the order given. */
  readonly tags: readonly Tag[];
  /** null: none given (KMS leaves it empty). */
  readonly description: string | null;
  /** `default` (KMS's default key policy), `inline`, `primary` (copied), or the file it came from. */
  readonly policySource: string;
  /** Aliases created in the replica's Region (would be, in a dry run). */
  readonly aliases: readonly string[];
}

export type RegionResult =
  | (ResultBase & {
      readonly status: "created" | "imported" | "ready" | "exists" | "creating" | "planned";
    })
  | (ResultBase & { readonly status: "failed"; readonly error: ErrorReport })
  | (ResultBase & { readonly status: "timeout" | "notStarted" | "interrupted" });

/** What a step did to a key: ReplicateKey, or one operation of the diff. */
export type Change =
  | { readonly op: "replicate" }
  /** ImportKeyMaterial: the key's material (KMS's ID for it, when it answers one). */
  | { readonly op: "import"; readonly keyMaterialId?: string }
  | Operation;

/** The outcome of a unit, the same for every command: what each means, STATUSES below. */
export type Outcome = "done" | "unchanged" | "planned" | "failed" | "timeout" | "notStarted" | "interrupted";

/** Every Outcome, in the order summaries count them. */
export const OUTCOMES: readonly Outcome[] = [
  "done",
  "unchanged",
  "planned",
  "failed",
  "timeout",
  "notStarted",
  "interrupted",
];

/**
 * Every status a command reports, in one vocabulary (each means one thing): per Region, per unit,
 * promote's (`promoted`), rotate-material's per key (`unknown`, `not-attempted`), a selection's keys.
 */
export type Status = RegionStatus | Outcome | "promoted" | "unknown" | "not-attempted" | "ok" | "drift";

/** What a status means in every command, the commands that report it, and the exit code it leads to. */
export interface StatusMeaning {
  readonly meaning: string;
  readonly commands: readonly string[];
  /** When no Region or key of the run ends worse. */
  readonly exitCode: string;
}

const ALL = ["replicate", "wait", "status", "sync", "promote", "import-material", "rotate-material"];
const SIGNAL_CODES = "130 (Ctrl-C), 143 (SIGTERM), 129 (SIGHUP)";

/**
 * The one definition of every status (docs/statuses.md is this table; a unit test keeps it so).
 * A status is what the run verified, never what it only asked for.
 */
export const STATUSES: Readonly<Record<Status, StatusMeaning>> = {
  created: {
    meaning: "This run created the replica (ReplicateKey) and saw it usable.",
    commands: ["replicate"],
    exitCode: "0",
  },
  imported: {
    meaning: "This run imported the key material into the key (ImportKeyMaterial answered).",
    commands: ["replicate", "import-material", "rotate-material"],
    exitCode: "0",
  },
  ready: {
    meaning: "The replica was there, not yet usable (Creating); this run waited until it was usable.",
    commands: ["replicate", "wait", "import-material"],
    exitCode: "0",
  },
  exists: {
    meaning: "The replica was there and usable when first read: nothing to create, wait for or import.",
    commands: ["replicate", "wait", "import-material"],
    exitCode: "0",
  },
  creating: {
    meaning: "Seen Creating (or just requested) and not waited for (--no-wait, --dry-run).",
    commands: ["replicate"],
    exitCode: "0",
  },
  done: {
    meaning: "This run changed the replica and read it back as it should be.",
    commands: ["sync"],
    exitCode: "0",
  },
  unchanged: {
    meaning: "Already as it should be: this run changed nothing there.",
    commands: ["sync", "promote", "rotate-material"],
    exitCode: "0",
  },
  promoted: {
    meaning: "This run's UpdatePrimaryRegion was accepted (or found done) and the family settled.",
    commands: ["promote"],
    exitCode: "0",
  },
  planned: {
    meaning: "--dry-run: would be changed; nothing was.",
    commands: ["replicate", "sync", "promote"],
    exitCode: "0",
  },
  ok: {
    meaning: "A key of a selection whose work ended well (its own exit code 0).",
    commands: ALL,
    exitCode: "0",
  },
  drift: {
    meaning: "A replica differs from its primary (description, tags, policy, aliases, state).",
    commands: ["status"],
    exitCode: "4",
  },
  failed: {
    meaning: "Failed: its error says why and what to do. Other Regions and keys went on.",
    commands: ALL,
    exitCode: "1",
  },
  unknown: {
    meaning: "ImportKeyMaterial was sent and no answer came: the material may be there.",
    commands: ["rotate-material"],
    exitCode: "1 (3 when --timeout ran out)",
  },
  timeout: {
    meaning: "--timeout ran out while it was worked on; the same command again (or wait) picks it up.",
    commands: ["replicate", "wait", "sync", "promote", "import-material"],
    exitCode: "3",
  },
  notStarted: {
    meaning: "--timeout ran out before its first change was sent: nothing was changed there.",
    commands: ["replicate", "sync", "promote", "import-material"],
    exitCode: "3",
  },
  "not-attempted": {
    meaning: "The run stopped (a failure, --timeout, a signal) before this key: nothing was done there.",
    commands: ["rotate-material"],
    exitCode: "the run's",
  },
  interrupted: {
    meaning: "Not settled when a signal stopped the run; what was sent may still complete in AWS.",
    commands: ALL,
    exitCode: SIGNAL_CODES,
  },
};

export interface WorkBase {
  readonly keyId: string;
  readonly region: string;
  /** KMS's KeyState as last seen. */
  readonly keyState?: string;
  readonly arn?: string;
  /** What this run applied (in a dry run: would apply). */
  readonly changes: readonly Change[];
  /** What this run meant to apply and did not: a failure or an interruption stopped it. */
  readonly pending?: readonly Change[];
  readonly note?: string;
  /** Imported material (Origin EXTERNAL): its expiration in this Region, when it was read. */
  readonly material?: KeyMaterialInfo;
  /** --timeout ran out before a change was sent here: a re-run of the same command finishes it. */
  readonly unsent?: boolean;
  /** Seen not yet usable (Creating, Updating) and usable before the run ended: it was waited for. */
  readonly waited?: boolean;
  /** From the start of the run to the moment this unit settled. */
  readonly elapsedMs: number;
}

export type WorkResult =
  | (WorkBase & { readonly outcome: Exclude<Outcome, "failed"> })
  | (WorkBase & { readonly outcome: "failed"; readonly error: ErrorReport });

export interface PrimaryKey {
  readonly keyId: string;
  readonly arn: string;
  readonly region: string;
  readonly partition: string;
  readonly keySpec?: string;
  readonly keyUsage?: string;
  readonly origin?: string;
  readonly description?: string;
  /** Regions that already hold a replica, with the replica's ARN. */
  readonly replicas: readonly { readonly region: string; readonly arn: string }[];
}

/** What a Region is doing now, for live progress. */
export type RegionPhase = "queued" | "requesting" | "checking" | "creating" | "importing";

export type ReplicaEvent =
  | {
      readonly type: "plan";
      readonly primary: PrimaryKey;
      readonly regions: readonly string[];
      /** `wait`: the replicas exist already; nothing is requested. */
      readonly waitOnly?: boolean;
      /** `sync`: existing replicas are brought in line with the primary. */
      readonly sync?: boolean;
    }
  | {
      readonly type: "phase";
      /** The key (its key ID) and the Region: the unit of work. */
      readonly keyId: string;
      readonly region: string;
      readonly phase: RegionPhase;
      readonly keyState?: string;
    }
  | { readonly type: "settled"; readonly keyId: string; readonly result: RegionResult }
  /** A unit of a command that reports the engine's own results (sync) settled. */
  | { readonly type: "worked"; readonly result: WorkResult }
  /** A run over a selection of keys starts: how many keys. */
  | {
      readonly type: "fleet";
      /** Keys selected; while `selecting`, those found so far (the selection goes on). */
      readonly keys: number;
      /** --all-primaries: keys start as they are found; another `fleet` event says how many in all. */
      readonly selecting: boolean;
      readonly dryRun: boolean;
      /**
       * The request quotas in force that bound this command's work, per second and Region
       * (ReplicateKey, CreateKey, UpdatePrimaryRegion, …): the progress display's estimate of the
       * time left comes from them.
       */
      readonly quotas: Readonly<Record<string, number>>;
      /** How the keys were chosen, as flags (for the `kms-replicate wait` that picks up a timeout). */
      readonly selection: {
        readonly keys: readonly string[];
        readonly keysFrom?: string;
        readonly allPrimaries: boolean;
        readonly regions: readonly string[];
        readonly selectTags: readonly Tag[];
      };
    }
  /** rotate-material, which shows its results at the end: a key's step begins (`doing`) or ends (none). */
  | { readonly type: "step"; readonly keyId: string; readonly region: string; readonly doing?: string }
  | { readonly type: "warning"; readonly message: string }
  /** Something the person may want to know that is not a warning (a replica followed to its primary). */
  | { readonly type: "note"; readonly message: string }
  /**
   * A warning or error the AWS SDK logged (never printed raw; shown with --debug); `debug`: the
   * adapter's own line about how calls are sent (endpoint, proxy, certificates), also --debug only.
   */
  | { readonly type: "sdk-log"; readonly level: "warn" | "error" | "debug"; readonly message: string }
  | {
      readonly type: "call";
      readonly operation: string;
      /** Where the call was sent. */
      readonly region: string;
      /** The Region it acts on, when that is another one (ReplicateKey: the replica's Region). */
      readonly target?: string;
      readonly attempt: number;
      readonly durationMs: number;
      /** undefined when the call succeeded. */
      readonly errorName?: string;
      readonly willRetry: boolean;
    };

export type Emit = (event: ReplicaEvent) => void;

/**
 * A settled replica, for `replicate` and `wait`: Enabled, or PendingImport (a replica of a key with
 * imported material: created, and waits for the same key material, which the user imports; nothing
 * kms-replicate can wait for). Settled is not usable: see isUsableNow.
 */
export const USABLE_KEY_STATES: ReadonlySet<string> = new Set(["Enabled", "PendingImport"]);

export function isUsableState(keyState: string | null | undefined): boolean {
  return keyState !== null && keyState !== undefined && USABLE_KEY_STATES.has(keyState);
}

/**
 * A key that can be used now, as `status` counts it: Enabled. Not a PendingImport replica (it waits
 * for its key material), nor one pending deletion or disabled.
 */
export function isUsableNow(keyState: string | null | undefined): boolean {
  return keyState === "Enabled";
}
