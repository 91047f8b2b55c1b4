// One change to one key, one KMS call's worth: what the diff (src/core/diff.ts) finds, what the converge
// step (src/core/steps/converge.ts) applies, and what the JSON documents list. Data only, no imports, so
// that every layer (events, report, engine) can name it.

/**
 * One change to a replica. Tags, description, policy, aliases and the enabled state are not shared by
 * the keys of a family: each is set per key.
 */
export type Operation =
  /** TagResource: a missing tag, or one whose value differs (`from`: the replica's value). */
  | TagOperation
  /** UntagResource: a tag the replica has and the desired state does not (only when pruning). */
  | UntagOperation
  /** UpdateKeyDescription. */
  | DescriptionOperation
  /** PutKeyPolicy (`source`: where the desired policy came from). */
  | PolicyOperation
  /** CreateAlias: a desired alias missing in the replica's Region. */
  | AliasOperation
  /** UpdateAlias: a desired alias that names another key in the replica's Region (only with --force-aliases). */
  | RealiasOperation
  /** DeleteAlias: an alias on the replica that the desired state lacks (only when pruning). */
  | UnaliasOperation
  /** EnableKey / DisableKey (--copy-enabled). */
  | EnabledOperation;

/** TagResource: set one tag. */
export interface TagOperation {
  /** `tag`: TagResource. */
  readonly op: "tag";
  /** The tag key. */
  readonly key: string;
  /** The value it gets. */
  readonly value: string;
  /** The value the replica had; absent: it had no such tag. */
  readonly from?: string;
}

/** UntagResource: remove one tag (--prune-tags). */
export interface UntagOperation {
  /** `untag`: UntagResource. */
  readonly op: "untag";
  /** The tag key. */
  readonly key: string;
  /** The value it had. */
  readonly value: string;
}

/** UpdateKeyDescription. */
export interface DescriptionOperation {
  /** `description`: UpdateKeyDescription. */
  readonly op: "description";
  /** The replica's description before ("" for none). */
  readonly from: string;
  /** The description it gets. */
  readonly to: string;
}

/** PutKeyPolicy (the `default` policy). */
export interface PolicyOperation {
  /** `policy`: PutKeyPolicy. */
  readonly op: "policy";
  /** The replica's key policy before (a JSON string). */
  readonly from: string;
  /** The key policy it gets (a JSON string). */
  readonly to: string;
  /** Where the new policy came from: `primary` (copied), `inline` (--policy), or the file it was read from. */
  readonly source: string;
}

/** CreateAlias in the replica's Region. */
export interface AliasOperation {
  /** `alias`: CreateAlias. */
  readonly op: "alias";
  /** alias/NAME. */
  readonly name: string;
}

/** UpdateAlias: point an alias that names another key at the replica (--force-aliases). */
export interface RealiasOperation {
  /** `realias`: UpdateAlias. */
  readonly op: "realias";
  /** alias/NAME. */
  readonly name: string;
  /** The key ID the alias named before. */
  readonly from: string;
}

/** DeleteAlias in the replica's Region (--prune-aliases). */
export interface UnaliasOperation {
  /** `unalias`: DeleteAlias. */
  readonly op: "unalias";
  /** alias/NAME. */
  readonly name: string;
}

/** EnableKey or DisableKey. */
export interface EnabledOperation {
  /** `enable`: EnableKey; `disable`: DisableKey. */
  readonly op: "enable" | "disable";
}

/** The KMS call behind each operation. */
export const OPERATION_CALL: Readonly<Record<Operation["op"], string>> = {
  tag: "TagResource",
  untag: "UntagResource",
  description: "UpdateKeyDescription",
  policy: "PutKeyPolicy",
  alias: "CreateAlias",
  realias: "UpdateAlias",
  unalias: "DeleteAlias",
  enable: "EnableKey",
  disable: "DisableKey",
};
