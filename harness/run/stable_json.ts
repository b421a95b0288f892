/**
 * Stable JSON for hashing: the same value gives the same text whatever the order its object keys were set in.
 *
 * @module
 */

/** Stable JSON: object keys sorted, functions by their source text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === "function") return `fn:${v.toString()}`;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}
