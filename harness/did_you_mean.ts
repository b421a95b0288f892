/**
 * "Did you mean" hints for unknown names (suites, datasets, options, flag values), as registries print them.
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

/** How many names a hint lists at most. */
export const MAX_SUGGESTIONS = 3;

/** Compared case-insensitively and without leading dashes (`--Seeds` and `seeds` are the same name). */
const norm = (s: string) => s.toLowerCase().replace(/^-+/, "");

/**
 * The known names an unknown `name` probably meant, best first (case-insensitive, leading dashes ignored):
 *
 * 1. names that start with `name` (`conll2002` → `conll2002-es`, `conll2002-nl`), then names that contain it
 *    (`gpu` → `webgpu`, `tensorflow-gpu`), each group in the order of `known`; only for a `name` of at least 3
 *    characters, and at most {@link MAX_SUGGESTIONS} names;
 * 2. when none contains it: the closest name by {@link editDistance}, if within max(2, ⌊|known name|/3⌋) edits.
 *
 * @returns the suggested names as given in `known` (empty when none is close).
 */
export function suggestions(name: string, known: readonly string[]): string[] {
  const n = norm(name);
  if (n.length >= 3) {
    const prefix = known.filter((k) => norm(k) !== n && norm(k).startsWith(n));
    const inner = known.filter((k) => !norm(k).startsWith(n) && norm(k).includes(n));
    const contained = [...prefix, ...inner];
    if (contained.length > 0) return contained.slice(0, MAX_SUGGESTIONS);
  }
  const best = known
    .map((k) => [k, editDistance(n, norm(k))] as const)
    .sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(norm(best[0]).length / 3)) ? [best[0]] : [];
}

/**
 * The hint for an unknown `name`: ` Did you mean "x"?` (or `"x" or "y"`, `"x", "y" or "z"`) for the
 * {@link suggestions}, else the empty string.
 */
export function didYouMean(name: string, known: readonly string[]): string {
  const s = suggestions(name, known).map((k) => `"${k}"`);
  if (s.length === 0) return "";
  const list = s.length === 1 ? s[0] : `${s.slice(0, -1).join(", ")} or ${s[s.length - 1]}`;
  return ` Did you mean ${list}?`;
}
