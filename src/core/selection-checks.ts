// The checks of a selection made before any call: the Regions it names (each --region of
// --all-primaries, the Region of keys named without an ARN, each key ARN's) by the rule every Region
// follows (src/core/regions.ts), and what an empty selection says it looked at.
import { EXIT, ReplicateError, usageError } from "./errors.js";
import type { KeyListEntry } from "./key-list.js";
import { REGION_PATTERN, regionOfKeyRef } from "./keys.js";
import { unknownRegionVerdict, type UnknownRegionRule } from "./regions.js";
import type { SelectionOptions, SelectionStats } from "./selection.js";

/** An empty selection is a usage error that says what was looked at, and why nothing matched. */
export function emptySelection(selection: SelectionOptions, stats: SelectionStats): ReplicateError {
  const tags = selection.selectTags.map((t) => `${t.TagKey}=${t.TagValue}`).join(", ");
  const facts: string[] = [];
  if (selection.allPrimaries) {
    facts.push(
      `--all-primaries listed ${stats.listed} key${stats.listed === 1 ? "" : "s"} in ${selection.regions.join(", ")}, ${stats.multiRegion} of them multi-Region, ${stats.candidates} of those Enabled customer-managed primaries`,
    );
  } else {
    facts.push(`${stats.candidates} key${stats.candidates === 1 ? " was" : "s were"} named`);
  }
  if (tags !== "") facts.push(`none of ${stats.candidates === 1 ? "it" : "them"} carries ${tags}`);
  return new ReplicateError(`No key selected: ${facts.join("; ")}. Nothing was changed.`, {
    fault: "user",
    exitCode: EXIT.usage,
    code: "EmptySelection",
    hint:
      tags !== ""
        ? "Check the tag with 'aws kms list-resource-tags', or drop --select-tag."
        : selection.allPrimaries
          ? "Check --region: --all-primaries looks only there."
          : "The key list names no key: give one key ID, key ARN or alias per line.",
  });
}

/** The Regions of --all-primaries, each a Region ID. */
export function checkSelectionRegions(regions: readonly string[]): void {
  const bad = regions.filter((r) => !REGION_PATTERN.test(r));
  if (bad.length > 0) {
    throw usageError(
      `--region ${bad.join(", ")}: not a Region ID (lower-case words and a number, like us-east-1).`,
    );
  }
}

/**
 * Every Region that says where the keys are, before any call, by the rule every Region follows
 * (src/core/regions.ts): each --region of --all-primaries, the Region of keys named without an ARN
 * (--region, AWS_REGION or the profile's), and the Region of each key ARN (--key, --keys-from).
 * The refused ones in one usage error (exit 2); a warning once per Region.
 */
export function checkSelectionPlaces(
  selection: SelectionOptions,
  keyList: readonly KeyListEntry[] | undefined,
  defaultRegion: string | undefined,
  unknown: UnknownRegionRule,
  warn: (message: string) => void,
): void {
  const places = [
    ...(selection.allPrimaries ? selection.regions.map((r) => ({ region: r, where: "--region" })) : []),
    ...(defaultRegion !== undefined && !selection.allPrimaries
      ? [{ region: defaultRegion, where: "the Region of keys named without an ARN" }]
      : []),
    ...selection.keys.map((ref) => ({ ref, where: `--key ${ref.value}` })),
    ...(keyList ?? []).map((e) => ({ ref: e.ref, where: `--keys-from line ${e.line} (${e.text})` })),
  ].flatMap((p) => {
    const region = "ref" in p ? regionOfKeyRef(p.ref) : p.region;
    return region === undefined ? [] : [{ region, where: p.where }];
  });
  const warned = new Set<string>();
  const problems = places.flatMap(({ region, where }) => {
    const verdict = unknownRegionVerdict(region, unknown);
    if (verdict.warning !== undefined && !warned.has(region)) {
      warned.add(region);
      warn(verdict.warning);
    }
    return verdict.reason === undefined ? [] : [`  ${where}: ${region} is ${verdict.reason}`];
  });
  if (problems.length > 0) {
    throw usageError(
      `${problems.length === 1 ? "1 Region" : `${problems.length} Regions`} of the selection ${problems.length === 1 ? "is" : "are"} not valid; nothing was changed:\n${problems.join("\n")}`,
    );
  }
}
