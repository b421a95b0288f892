/**
 * Low-resource training subsets: the first k sentences (DATNet's protocol) or a seeded random subset.
 *
 * @module
 */

import seedrandom from "seedrandom";

function checkK(n: number, k: number, what: string): void {
  if (!Number.isInteger(k) || k < 0) {
    throw new RangeError(`Cannot take ${k} ${what}: expected an integer ≥ 0`);
  }
  if (k > n) throw new RangeError(`Cannot take ${k} ${what} from ${n}: only ${n} available`);
}

/**
 * The first `k` items in file order (DATNet's low-resource protocol: the first k training sentences).
 *
 * @throws {RangeError} when `k` is not an integer in `[0, items.length]`.
 */
export function firstK<T>(items: readonly T[], k: number): T[] {
  checkK(items.length, k, "sentences");
  return items.slice(0, k);
}

/**
 * `k` distinct indices drawn without replacement from `[0, n)`, sorted ascending, determined by `seed`.
 *
 * Algorithm (so that it can be reproduced elsewhere): `rng = seedrandom.alea(String(seed))` (seedrandom 3.0.5's
 * Alea generator, as in `models/init.ts`); a partial Fisher–Yates shuffle of `[0, 1, …, n−1]`: for `i = 0 … k−1`,
 * `j = i + floor(rng() · (n − i))`, swap positions `i` and `j`; the first `k` positions, sorted ascending.
 * (seedrandom's default ARC4 generator is not used: its key schedule repeats short keys, so the seeds "1", "11" and
 * "111" give the same stream.)
 *
 * @throws {RangeError} when `k` is not an integer in `[0, n]`.
 *
 * @example
 * ```ts
 * seededIndices(10, 3, 13); // always the same three indices, ascending
 * ```
 */
export function seededIndices(n: number, k: number, seed: number | string): number[] {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Cannot sample from ${n} items: expected an integer ≥ 0`);
  }
  checkK(n, k, "indices");
  const rng = seedrandom.alea(String(seed));
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return Array.from(perm.subarray(0, k)).sort((a, b) => a - b);
}

/**
 * `k` items drawn without replacement by {@linkcode seededIndices}, returned in their original order.
 *
 * @throws {RangeError} when `k` is not an integer in `[0, items.length]`.
 */
export function seededSubset<T>(items: readonly T[], k: number, seed: number | string): T[] {
  checkK(items.length, k, "sentences");
  return seededIndices(items.length, k, seed).map((i) => items[i]);
}
