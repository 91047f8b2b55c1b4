// Where a fleet runs: the session's event sink, reporter, question and credentials for a run over
// one account's keys; an organisation run (src/cli/org.ts) gives each account its own, so that each
// brings its own adapter, quota book and events.
import type { KmsSettings } from "../aws/client.js";
import type { Confirmation } from "../commands/contract.js";
import type { KmsPort } from "../aws/kms.js";
import type { QuotaOverrides } from "../aws/quotas.js";
import type { Emit } from "../core/events.js";
import type { FleetKey } from "../report/fleet-key.js";
import { asking, confirmPlan } from "./confirm.js";
import type { Io } from "./io.js";
import type { Session } from "./session.js";

export interface FleetScope {
  readonly io: Io;
  /** The fleet's events: its warnings and its progress. */
  readonly emit: Emit;
  /** A key settled, as the fleet's renderers see it. */
  readonly settled: (key: FleetKey) => void;
  /** A plan the person confirms before any change: asked, or refused (a usage error). */
  readonly confirm: (confirmation: Confirmation) => Promise<void>;
  /** How the adapter reaches the account beyond the run's connection options (its credentials). */
  readonly reach?: Partial<KmsSettings>;
  /** --shard over one account's keys: this shard's keys, and its share of every quota. */
  readonly shard?: KeyShard;
  /**
   * Once the adapter is made, before the selection: an account's credentials checked (a role that
   * cannot be assumed ends the account's run here, with STS's reason).
   */
  readonly ready?: (kms: KmsPort) => Promise<void>;
}

/** A shard of one account's keys (src/core/shard.ts keyInShard, shareOf). */
export interface KeyShard {
  /** Is this key (its primary's key ID) one of the shard's? */
  keyIn(keyId: string): boolean;
  /** The shard's share of every quota of the account (the run's --quota raises included). */
  share(quotas: QuotaOverrides): QuotaOverrides;
}

/** A fleet of the session: its events, its fleet reporter, its question on the terminal. */
export function sessionScope(session: Session): FleetScope {
  return {
    io: session.io,
    emit: session.emit,
    settled: (key) => session.reporter.fleet?.key(key),
    confirm: (confirmation) => confirmPlan(confirmation, asking(session)),
  };
}
