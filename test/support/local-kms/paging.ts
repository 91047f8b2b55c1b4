// Paging as KMS's List operations do it: `Limit` within the operation's documented range,
// `Marker` = the previous page's `NextMarker`, `Truncated` while more items follow.
//
// The limits, from the KMS API reference (each request's Limit member): ListKeys and
// ListKeyRotations 1–1000, default 100; ListAliases 1–100, default 50; ListResourceTags 1–50,
// default 50. Every Limit shares the model's type, an integer 1–1000; the narrower ranges are the
// operations' own ("it must be between 1 and 100, inclusive"). Where KMS does not say, the choices
// made here: a Limit outside the operation's range is a ValidationException worded like the model's
// own constraint errors (KMS might clamp instead); a marker is an opaque token valid only for the
// same operation, Region and key (anything else is InvalidMarkerException), and it stays valid:
// pages are offsets into the list in creation order. A key that is gone (its deletion date passed)
// or an alias or tag removed between two pages shifts the later pages by one: an item may then be
// skipped (KMS does not say what its markers do when the list changes under them).
import { fault, type KmsFault } from "./errors.js";

export interface PageLimits {
  readonly max: number;
  readonly byDefault: number;
}

export const PAGE_LIMITS = {
  ListKeys: { max: 1000, byDefault: 100 },
  ListKeyRotations: { max: 1000, byDefault: 100 },
  ListAliases: { max: 100, byDefault: 50 },
  ListResourceTags: { max: 50, byDefault: 50 },
} as const satisfies Readonly<Record<string, PageLimits>>;

export type ListOperation = keyof typeof PAGE_LIMITS;

/** The model's constraints on Marker (MarkerType): 1–1024 characters of U+0020–U+00FF. */
const MARKER_MAX = 1024;
const MARKER_CHARACTERS = /^[\u0020-\u00FF]*$/;

const constraint = (value: unknown, member: string, rule: string): KmsFault =>
  fault.validation(
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must ${rule}`,
  );

function limitOf(body: Record<string, unknown>, limits: PageLimits): number {
  const limit = body.Limit;
  if (limit === undefined || limit === null) return limits.byDefault;
  if (typeof limit !== "number" || !Number.isInteger(limit)) {
    throw constraint(limit, "limit", "be an integer");
  }
  if (limit < 1) throw constraint(limit, "limit", "have value greater than or equal to 1");
  if (limit > limits.max) throw constraint(limit, "limit", `have value less than or equal to ${limits.max}`);
  return limit;
}

const markerFor = (scope: string, offset: number): string =>
  Buffer.from(`kms-local\n${scope}\n${offset}`, "utf8").toString("base64");

/** Where a page starts: 0 without a Marker, else the offset the marker was made for. */
function startOf(body: Record<string, unknown>, scope: string): number {
  const marker = body.Marker;
  if (marker === undefined || marker === null) return 0;
  if (typeof marker !== "string") throw constraint(marker, "marker", "be a string");
  if (marker.length < 1) throw constraint(marker, "marker", "have length greater than or equal to 1");
  if (marker.length > MARKER_MAX) {
    throw constraint(marker, "marker", `have length less than or equal to ${MARKER_MAX}`);
  }
  if (!MARKER_CHARACTERS.test(marker)) {
    throw constraint(marker, "marker", "satisfy regular expression pattern: [\\u0020-\\u00FF]*");
  }
  const [tag, markerScope, offset = ""] = Buffer.from(marker, "base64").toString("utf8").split("\n");
  if (
    tag !== "kms-local" ||
    markerScope !== scope ||
    !/^\d+$/.test(offset) ||
    markerFor(scope, Number(offset)) !== marker
  ) {
    throw fault.invalidMarker();
  }
  return Number(offset);
}

/**
 * One page of `items` for `operation`. `scope` names what is listed (the Region, plus the key for a
 * key's tags or rotations): a marker is valid only for the same scope.
 */
export function page<T>(
  items: readonly T[],
  body: Record<string, unknown>,
  operation: ListOperation,
  scope: string,
): { items: T[]; next?: string } {
  const limit = limitOf(body, PAGE_LIMITS[operation]);
  const start = startOf(body, `${operation} ${scope}`);
  const end = start + limit;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { next: markerFor(`${operation} ${scope}`, end) } : {}),
  };
}
