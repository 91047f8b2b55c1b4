// Every JSON document kms-replicate writes must agree with itself: `ok` with `exitCode`, the
// summary with the Regions, an error with a failed status, the exit code with the statuses, a
// Region's status with what its keyMaterial says, a rotation's state with its Regions and with the
// commands it gives. The schema says what each field may hold; this says which combinations may
// not occur. Used on the renderers' output (test/unit/report/consistency.test.ts) and on every
// document an end-to-end run writes (test/e2e/run-cli.ts).

type Json = Record<string, unknown>;
type Say = (where: string, what: string) => void;

const SIGNAL_CODES: ReadonlySet<unknown> = new Set([129, 130, 143]);
const EXIT_CODES: ReadonlySet<unknown> = new Set([0, 1, 2, 3, 4, 129, 130, 143]);

/** A value in a message: strings as they are, anything else as JSON. */
const text = (value: unknown): string =>
  typeof value === "string" ? value : (JSON.stringify(value) ?? "undefined");
const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const records = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isRecord) : []);
const count = <T>(items: readonly T[], test: (item: T) => boolean): number => items.filter(test).length;

/** What is wrong with a document (version 1 or a fleet's version 2); empty: it agrees with itself. */
export function documentProblems(doc: unknown): string[] {
  const problems: string[] = [];
  const say: Say = (where, what) => problems.push(`${where || "document"}: ${what}`);
  if (!isRecord(doc)) return ["the document is not a JSON object"];
  if (doc.version === 3) orgProblems(doc, say);
  else if (doc.version === 2) fleetProblems(doc, say);
  else if (doc.version === 1) keyProblems(doc, text(doc.command), doc.dryRun === true, "", say);
  else say("version", `is ${text(doc.version)}, neither 1, 2 nor 3`);
  return problems;
}

/** An organisation document: each account's entry as a fleet document, the totals summed. */
function orgProblems(doc: Json, say: Say): void {
  outcomeProblems(doc, "", say);
  const accounts = records(doc.accounts);
  accounts.forEach((a, i) =>
    fleetProblems({ ...a, command: doc.command, dryRun: doc.dryRun }, (where, what) =>
      say(`accounts[${i}] (${text(a.account)}).${where}`, what),
    ),
  );
  const totals = isRecord(doc.totals) ? doc.totals : {};
  const byAccount = isRecord(totals.accounts) ? totals.accounts : {};
  if (byAccount.total !== accounts.length)
    say("totals.accounts.total", `is ${text(byAccount.total)}, but there are ${accounts.length} accounts`);
  const keys = accounts.reduce((n, a) => n + records(a.keys).length, 0);
  const byKey = isRecord(totals.keys) ? totals.keys : {};
  if (byKey.total !== keys)
    say("totals.keys.total", `is ${text(byKey.total)}, but the accounts hold ${keys} keys`);
}

/** What every document and every fleet entry has: ok, exitCode, error. */
function outcomeProblems(doc: Json, at: string, say: Say): void {
  if (!EXIT_CODES.has(doc.exitCode)) say(`${at}exitCode`, `${text(doc.exitCode)} is no exit code of ours`);
  if (doc.ok !== (doc.exitCode === 0))
    say(`${at}ok`, `is ${text(doc.ok)} with exitCode ${text(doc.exitCode)}`);
  if (doc.error !== null && doc.exitCode === 0) say(`${at}error`, "is set, yet the exit code is 0");
  if (doc.exitCode === 2 && doc.error === null)
    say(`${at}error`, "is null, yet the exit code is 2 (refused)");
}

/** A version-1 document, or one key's entry of a fleet document (`command` and `dryRun` from the run). */
function keyProblems(doc: Json, command: string, dryRun: boolean, at: string, say: Say): void {
  outcomeProblems(doc, at, say);
  switch (command) {
    case "replicate":
    case "wait":
    case "import-material":
    case "help":
    case "completion":
      return regionsProblems(doc, dryRun, at, say, runRegionProblems);
    case "sync":
      return regionsProblems(doc, dryRun, at, say, syncRegionProblems);
    case "status":
      return statusProblems(doc, at, say);
    case "promote":
      return promoteProblems(doc, dryRun, at, say);
    case "rotate-material":
      return rotateProblems(doc, at, say);
    case "retire":
    case "delete-family":
    case "cancel-deletion":
      return deletionProblems(doc, dryRun, at, say);
    default:
      say(`${at}command`, `${command} is not a command with a document`);
  }
}

/** Which exit code the Regions' statuses call for (the signal's is any of SIGNAL_CODES); undefined: a status this checker does not know. */
function expectedExit(
  statuses: readonly string[],
  known: ReadonlySet<string>,
): number | "signal" | undefined {
  if (statuses.some((s) => !known.has(s))) return undefined;
  if (statuses.includes("interrupted")) return "signal";
  if (statuses.includes("failed")) return 1;
  if (statuses.includes("timeout") || statuses.includes("notStarted")) return 3;
  return 0;
}

function exitMatches(doc: Json, expected: number | "signal" | undefined, at: string, say: Say): void {
  if (expected === undefined || doc.error !== null) return;
  const ok = expected === "signal" ? SIGNAL_CODES.has(doc.exitCode) : doc.exitCode === expected;
  if (!ok) say(`${at}exitCode`, `is ${text(doc.exitCode)}, but the statuses call for ${text(expected)}`);
}

const RUN_STATUSES = new Set([
  "created",
  "exists",
  "creating",
  "planned",
  "failed",
  "timeout",
  "notStarted",
  "interrupted",
]);
const SYNC_STATUSES = new Set([
  "done",
  "unchanged",
  "planned",
  "failed",
  "timeout",
  "notStarted",
  "interrupted",
]);

/** replicate, wait, import-material, sync: summary, errors, exit code; each Region by `region`. */
function regionsProblems(
  doc: Json,
  dryRun: boolean,
  at: string,
  say: Say,
  region: (r: Json, where: string, say: Say) => void,
): void {
  const regions = records(doc.regions);
  const statuses = regions.map((r) => text(r.status));
  const summary = isRecord(doc.summary) ? doc.summary : {};
  for (const [status, n] of Object.entries(summary)) {
    const actual = count(statuses, (s) => s === status);
    if (n !== actual) say(`${at}summary.${status}`, `is ${text(n)}, but ${actual} Regions are ${status}`);
  }
  for (const status of new Set(statuses)) {
    if (!(status in summary)) say(`${at}summary`, `has no count for status ${status}`);
  }
  if (doc.error !== null && regions.length > 0)
    say(`${at}regions`, "are listed, yet the run ended with an error before them");
  if (!dryRun && statuses.includes("planned")) say(`${at}regions`, "has `planned`, but this is no dry run");
  if (dryRun && statuses.includes("created")) say(`${at}regions`, "has `created` in a dry run");
  const known = "created" in summary || "exists" in summary ? RUN_STATUSES : SYNC_STATUSES;
  exitMatches(doc, expectedExit(statuses, known), at, say);
  regions.forEach((r, i) => {
    const where = `${at}regions[${i}] (${text(r.region)})`;
    if ((r.status === "failed") !== (r.error !== null)) {
      say(where, `status ${text(r.status)} with error ${r.error === null ? "null" : "set"}`);
    }
    region(r, where, say);
  });
}

function runRegionProblems(r: Json, where: string, say: Say): void {
  const material = isRecord(r.keyMaterial) ? r.keyMaterial : undefined;
  if (material === undefined) return;
  if (material.imported === null) {
    if (r.status !== "interrupted" && r.status !== "failed") {
      say(where, `its import is unknown (keyMaterial.imported null), yet its status is ${text(r.status)}`);
    }
    if (typeof r.note !== "string" || !/may have been/.test(r.note)) {
      say(where, "its import is unknown, and no note says it may have been applied");
    }
  }
  if (material.imported === true && (r.status === "planned" || r.status === "creating")) {
    say(where, `keyMaterial.imported is true with status ${text(r.status)}`);
  }
}

function syncRegionProblems(r: Json, where: string, say: Say): void {
  const operations = Array.isArray(r.operations) ? r.operations : [];
  if (r.status === "unchanged" && operations.length > 0)
    say(where, "is unchanged, yet lists operations applied");
  if (r.status === "done" && operations.length === 0) say(where, "is done, yet lists no operation");
}

function statusProblems(doc: Json, at: string, say: Say): void {
  const keys = records(doc.keys);
  const drifting = keys.some((k) => Array.isArray(k.drift) && k.drift.length > 0);
  if (doc.drift !== drifting) say(`${at}drift`, `is ${text(doc.drift)}, but the keys say ${text(drifting)}`);
  keys.forEach((k, i) => {
    if (k.usable === true && k.keyState !== "Enabled" && k.keyState !== "PendingImport") {
      say(`${at}keys[${i}] (${text(k.region)})`, `usable with KeyState ${text(k.keyState)}`);
    }
  });
  // A key pending deletion is counted apart: neither usable nor drifting.
  const allUsable = keys.every((k) => k.usable === true || PENDING.has(text(k.keyState)));
  if (doc.exitCode === 0 && (!allUsable || drifting))
    say(`${at}exitCode`, "is 0, yet a key is not usable or drifts");
  if (doc.exitCode === 4 && (!allUsable || !drifting))
    say(`${at}exitCode`, "is 4 (drift only), yet no drift or a key not usable");
}

const PROMOTE_OK = new Set(["promoted", "unchanged", "planned"]);
const PENDING = new Set(["PendingDeletion", "PendingReplicaDeletion"]);

/** retire, delete-family, cancel-deletion: the Regions as sync's, and what each says of its key. */
function deletionProblems(doc: Json, dryRun: boolean, at: string, say: Say): void {
  const promotion = isRecord(doc.promotion) ? doc.promotion : undefined;
  if (promotion === undefined || PROMOTE_OK.has(text(promotion.outcome))) {
    regionsProblems(doc, dryRun, at, say, deletionRegionProblems);
  } else if (doc.exitCode === 0) {
    say(`${at}exitCode`, `is 0, yet the promotion before the retirement is ${text(promotion.outcome)}`);
  }
}

function deletionRegionProblems(r: Json, where: string, say: Say): void {
  const calls = Array.isArray(r.calls) ? r.calls : [];
  if (r.status === "unchanged" && calls.length > 0) say(where, "is unchanged, yet lists calls made");
  if (r.status === "done" && calls.length === 0) say(where, "is done, yet lists no call");
  const ok = r.status === "done" || r.status === "unchanged";
  if (ok && r.action === "schedule" && !PENDING.has(text(r.keyState)))
    say(where, `is ${text(r.status)} (scheduled), yet its key is ${text(r.keyState)}`);
  if (r.deletionDate !== null && r.keyState !== "PendingDeletion")
    say(where, `has a deletion date, yet its key is ${text(r.keyState)}`);
}

function promoteProblems(doc: Json, dryRun: boolean, at: string, say: Say): void {
  const { outcome } = doc;
  const calls = doc.updatePrimaryRegionCalls;
  if (doc.ok === true && !PROMOTE_OK.has(text(outcome)))
    say(`${at}outcome`, `is ${text(outcome)} in a run that is ok`);
  if (dryRun && calls !== 0) say(`${at}updatePrimaryRegionCalls`, `is ${text(calls)} in a dry run`);
  if ((outcome === "unchanged" || outcome === "planned") && calls !== 0) {
    say(`${at}updatePrimaryRegionCalls`, `is ${text(calls)} with outcome ${text(outcome)}`);
  }
  if (outcome === "planned" && !dryRun) say(`${at}outcome`, "is planned, but this is no dry run");
  if (outcome === "promoted" && doc.accepted !== true)
    say(`${at}accepted`, "is false, yet the outcome is promoted");
  if (doc.settleMs !== null && doc.accepted !== true)
    say(`${at}settleMs`, "is set, yet nothing was accepted");
  if (outcome === "failed" && doc.error === null) say(`${at}error`, "is null, yet the outcome is failed");
  if (outcome === "interrupted" && !SIGNAL_CODES.has(doc.exitCode))
    say(`${at}exitCode`, "is no signal's, yet the outcome is interrupted");
  if (outcome === null && doc.error === null) say(`${at}outcome`, "is null, and no error says why");
}

/** How each rotate-material Region status may read its keyMaterial.imported. */
const ROTATE_IMPORTED: Readonly<Record<string, (imported: unknown) => boolean>> = {
  imported: (v) => v === true,
  unknown: (v) => v === null,
  unchanged: (v) => v === false,
  failed: (v) => v === false,
  interrupted: (v) => v === false,
  "not-attempted": (v) => v === false,
};

function rotateProblems(doc: Json, at: string, say: Say): void {
  const regions = records(doc.regions);
  const state = doc.state;
  const id = doc.keyMaterialId;
  const undo = Array.isArray(doc.undoCommands) ? doc.undoCommands.map(String) : [];
  const next = typeof doc.next === "string" ? doc.next : "";
  const statusOf = (s: string): Json[] => regions.filter((r) => r.status === s);
  if (state === null) {
    if (regions.length > 0) say(`${at}regions`, "are listed, yet the state is null");
    if (doc.error === null) say(`${at}state`, "is null, and no error says why");
    return;
  }
  if (doc.error !== null) say(`${at}error`, `is set with state ${text(state)}`);
  regions.forEach((r, i) => {
    const where = `${at}regions[${i}] (${text(r.region)})`;
    if ((r.status === "failed") !== (r.error !== null))
      say(where, `status ${text(r.status)} with error ${r.error === null ? "null" : "set"}`);
    const material = isRecord(r.keyMaterial) ? r.keyMaterial : undefined;
    const fits = ROTATE_IMPORTED[text(r.status)];
    if (fits === undefined) say(where, `status ${text(r.status)} is not known`);
    else if (material !== undefined && !fits(material.imported)) {
      say(where, `status ${text(r.status)} with keyMaterial.imported ${text(material.imported)}`);
    }
    if (r.status === "unknown" && !(typeof r.note === "string" && /may have been applied/.test(r.note))) {
      say(where, "is unknown, and no note says it may have been applied");
    }
  });
  const ok = state === "rotated" || state === "unchanged";
  if (doc.exitCode === 0 && !ok) say(`${at}exitCode`, `is 0 with state ${text(state)}`);
  if (ok && !SIGNAL_CODES.has(doc.exitCode) && doc.exitCode !== 0)
    say(`${at}exitCode`, `is ${text(doc.exitCode)} with state ${text(state)}`);
  if (
    doc.exitCode === 0 &&
    regions.some((r) => r.status === "failed" || r.status === "unknown" || r.status === "interrupted")
  ) {
    say(`${at}exitCode`, "is 0, yet a Region failed, was interrupted or is unknown");
  }
  if ((doc.rotateKeyOnDemand === "failed") !== (doc.rotationError !== null)) {
    say(`${at}rotationError`, `does not match rotateKeyOnDemand ${text(doc.rotateKeyOnDemand)}`);
  }
  if (ok) {
    if (id === null) say(`${at}keyMaterialId`, `is null with state ${text(state)}`);
    if (doc.next !== null || doc.continueCommand !== null || undo.length > 0)
      say(`${at}next`, `something is left to do with state ${text(state)}`);
    for (const r of regions) {
      const current = isRecord(r.keyMaterial) ? r.keyMaterial.keyMaterialId : undefined;
      if (current !== undefined && current !== id)
        say(
          `${at}regions (${text(r.region)})`,
          `current material ${text(current)}, not ${text(id)}, with state ${text(state)}`,
        );
    }
  }
  if (state === "unchanged") {
    if (id !== doc.previousKeyMaterialId)
      say(`${at}keyMaterialId`, "differs from the material before, yet nothing changed");
    if (regions.some((r) => r.status !== "unchanged"))
      say(`${at}regions`, "a key is not unchanged, yet the state is unchanged");
  }
  if (state === "not-started" && regions.some((r) => r.status === "imported" || r.status === "unknown")) {
    say(`${at}state`, "is not-started, yet a key holds (or may hold) the new material");
  }
  if (state === "not-started" && id !== null) say(`${at}keyMaterialId`, "is set, yet nothing was imported");
  if (state === "pending-import" || state === "unknown" || state === "rotating") {
    if (doc.continueCommand === null) say(`${at}continueCommand`, `is null with state ${text(state)}`);
    if (doc.next === null) say(`${at}next`, `is null with state ${text(state)}`);
  }
  if (state === "pending-import") {
    if (id === null) say(`${at}keyMaterialId`, "is null, yet the new material is pending");
    else if (!undo.some((u) => u.includes(text(id))))
      say(`${at}undoCommands`, `no command takes back ${text(id)}`);
  }
  if (doc.rotateKeyOnDemand === "unknown" || doc.rotateKeyOnDemand === "accepted") {
    if (undo.length > 0)
      say(`${at}undoCommands`, "delete material the family may use already (RotateKeyOnDemand was sent)");
  }
  // Pending: every replica that holds or may hold the new material is named where the family stands.
  for (const r of [...statusOf("imported"), ...statusOf("unknown")]) {
    if (state === "pending-import" && r.role === "REPLICA" && !next.includes(text(r.region))) {
      say(`${at}next`, `does not name ${text(r.region)}, which holds or may hold the new material`);
    }
  }
  if (
    SIGNAL_CODES.has(doc.exitCode) &&
    regions.length > 0 &&
    state === "not-started" &&
    doc.continueCommand === null
  ) {
    say(`${at}continueCommand`, "is null after a signal stopped the rotation");
  }
}

const KEY_OUTCOME: Readonly<Record<number, string>> = {
  0: "ok",
  1: "failed",
  2: "failed",
  3: "timeout",
  4: "drift",
  129: "interrupted",
  130: "interrupted",
  143: "interrupted",
};

/** A key's outcome in a fleet's totals: its exit code's, but notStarted for a key --timeout kept from beginning. */
function keyOutcome(entry: Json): string | undefined {
  const byCode = KEY_OUTCOME[Number(entry.exitCode)];
  if (byCode !== "timeout") return byCode;
  const regions = records(entry.regions);
  const notStarted =
    (isRecord(entry.error) && entry.error.name === "NotStarted") ||
    entry.outcome === "notStarted" ||
    (regions.length > 0 && regions.every((r) => r.status === "notStarted"));
  return notStarted ? "notStarted" : byCode;
}

function fleetProblems(doc: Json, say: Say): void {
  outcomeProblems(doc, "", say);
  const command = text(doc.command);
  const keys = records(doc.keys);
  keys.forEach((k, i) => keyProblems(k, command, doc.dryRun === true, `keys[${i}] (${text(k.key)}).`, say));
  const totals = isRecord(doc.totals) ? doc.totals : {};
  const byKey = isRecord(totals.keys) ? totals.keys : {};
  if (byKey.total !== keys.length)
    say("totals.keys.total", `is ${text(byKey.total)}, but there are ${keys.length} keys`);
  for (const outcome of ["ok", "failed", "timeout", "notStarted", "drift", "interrupted"]) {
    const actual = count(keys, (k) => keyOutcome(k) === outcome);
    if (byKey[outcome] !== actual)
      say(`totals.keys.${outcome}`, `is ${text(byKey[outcome])}, but ${actual} keys ended so`);
  }
  if (doc.error === null && keys.length > 0) {
    const outcomes = new Set(keys.map((k) => KEY_OUTCOME[Number(k.exitCode)]));
    const expected = outcomes.has("interrupted")
      ? "signal"
      : outcomes.has("failed")
        ? 1
        : outcomes.has("timeout")
          ? 3
          : outcomes.has("drift")
            ? 4
            : 0;
    exitMatches(doc, expected, "", say);
  }
  if (command === "replicate" || command === "wait" || command === "sync") {
    const regions = keys.flatMap((k) => records(k.regions));
    const all = isRecord(totals.regions) ? totals.regions : {};
    for (const [status, n] of Object.entries(all)) {
      const actual = count(regions, (r) => r.status === status);
      if (n !== actual) say(`totals.regions.${status}`, `is ${text(n)}, but ${actual} Regions are ${status}`);
    }
    const byRegion = isRecord(totals.byRegion) ? totals.byRegion : {};
    for (const [region, counts] of Object.entries(byRegion)) {
      for (const [status, n] of Object.entries(isRecord(counts) ? counts : {})) {
        const actual = count(regions, (r) => r.region === region && r.status === status);
        if (n !== actual) say(`totals.byRegion.${region}.${status}`, `is ${text(n)}, but ${actual}`);
      }
    }
  }
  if (command === "promote") {
    const outcomes = isRecord(totals.outcomes) ? totals.outcomes : {};
    for (const [outcome, n] of Object.entries(outcomes)) {
      const actual = count(keys, (k) => k.outcome === outcome);
      if (n !== actual) say(`totals.outcomes.${outcome}`, `is ${text(n)}, but ${actual} keys`);
    }
  }
  if (command === "status") {
    const members = keys.flatMap((k) => records(k.keys));
    if (totals.members !== members.length)
      say("totals.members", `is ${text(totals.members)}, but ${members.length} keys were read`);
    const drifting = count(members, (m) => Array.isArray(m.drift) && m.drift.length > 0);
    if (totals.drifting !== drifting)
      say("totals.drifting", `is ${text(totals.drifting)}, but ${drifting} drift`);
  }
}
