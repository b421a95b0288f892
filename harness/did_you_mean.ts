/**
 * "Did you mean" hints for unknown names (suites, datasets), as registries print them.
 *
 * @module
 */

/** Levenshtein distance between two strings (insertions, deletions, substitutions all cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The hint for an unknown `name`: ` Did you mean "x"?` for the closest known name when it is within
 * max(2, ⌊|x|/3⌋) edits (case-insensitive), else the empty string.
 */
export function didYouMean(name: string, known: readonly string[]): string {
  const best = known
    .map((k) => [k, editDistance(name.toLowerCase(), k.toLowerCase())] as const)
    .sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(best[0].length / 3)) ? ` Did you mean "${best[0]}"?` : "";
}
