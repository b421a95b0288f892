/**
 * Low-resource training subsets: the first k sentences (DATNet's protocol), a seeded random subset, or
 * scikit-learn's `train_test_split` train part (Perl et al. 2020's protocol).
 *
 * @module
 */

import seedrandom from "seedrandom";
import { NumpyLegacyRandomState } from "./numpy_random.ts";

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

/** The two index lists of {@linkcode sklearnTrainTestSplit}, each in scikit-learn's order (not sorted). */
export interface TrainTestIndices {
  train: number[];
  test: number[];
}

/**
 * The indices `train_test_split(range(n), test_size=testSize, random_state=randomState)` returns (scikit-learn's
 * default `shuffle=True`, no `train_size`, no `stratify`), for a float `testSize`:
 * `n_test = ceil(testSize · n)` (IEEE double product, as Python computes it), `n_train = n − n_test`,
 * `perm = RandomState(randomState).permutation(n)`, `test = perm[:n_test]`, `train = perm[n_test:]`
 * (scikit-learn's `_validate_shuffle_split` and `ShuffleSplit._iter_indices`; the same in 0.22–1.6, checked
 * against scikit-learn 1.6.1 in `testdata/numpy_permutation.json`).
 *
 * @throws {RangeError} when `n` is not an integer ≥ 1, `testSize` is not in the open interval (0, 1), the train
 *   part would be empty (scikit-learn: "the resulting train set will be empty"), or `randomState` is not an
 *   integer in `[0, 2³²−1]`.
 */
export function sklearnTrainTestSplit(n: number, testSize: number, randomState: number): TrainTestIndices {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) {
    throw new RangeError(`Cannot split ${n} items: expected an integer ≥ 1`);
  }
  if (!(testSize > 0 && testSize < 1)) {
    throw new RangeError(
      `Cannot split with test_size = ${testSize}: expected a float in the open interval (0, 1)`,
    );
  }
  if (!Number.isInteger(randomState) || randomState < 0 || randomState > 0xffffffff) {
    throw new RangeError(
      `Cannot split with random_state = ${randomState}: expected an integer in [0, 4294967295]`,
    );
  }
  const nTest = Math.ceil(testSize * n);
  if (n - nTest === 0) {
    throw new RangeError(
      `Cannot split ${n} items with test_size = ${testSize}: the resulting train set would be empty`,
    );
  }
  const perm = new NumpyLegacyRandomState(randomState).permutation(n);
  return { train: perm.slice(nTest), test: perm.slice(0, nTest) };
}

/**
 * The label-rate subset of Perl et al. (2020)'s released `train.py`: the TRAIN part of
 * `train_test_split(X, y, test_size=1-rate, random_state=randomState)` over a pool of `n` sentences (they use
 * `randomState = 23`), as indices into the pool in scikit-learn's order (shuffled, not sorted), so
 * `pool[i]` for `i` of the result is the training set in the order the released code feeds it.
 *
 * `testSize = 1 − rate` is computed in doubles exactly as Python does (`1 - 0.1` is 0.9, `1 - 0.7` is
 * 0.30000000000000004), so the kept count is `n − ceil((1 − rate) · n)`, which can be one less than
 * `floor(rate · n)` (rate 0.7, n 10: 6 kept). `rate` is a fraction in (0, 1), not a percentage.
 *
 * Edge cases: the released code does not call `train_test_split` at rate 1.0 (it trains on the whole pool in pool
 * order), so rate 1 throws here; a rate so small that `ceil((1 − rate) · n) = n` throws instead of returning no
 * sentences (scikit-learn raises too).
 *
 * @throws {RangeError} when `n` is not an integer ≥ 1, `1 − rate` is not in (0, 1) (so also for rate 1, 0 or ≥ 1),
 *   no sentence would be kept, or `randomState` is not an integer in `[0, 2³²−1]`.
 *
 * @example
 * ```ts
 * sklearnTrainSubset(10, 0.5, 23); // [7, 1, 0, 6, 3]: RandomState(23).permutation(10) = [5, 8, 2, 9, 4, 7, 1, 0, 6, 3]
 * ```
 */
export function sklearnTrainSubset(n: number, rate: number, randomState: number): number[] {
  if (!(rate > 0 && rate < 1)) {
    throw new RangeError(
      `Cannot take a train subset at rate ${rate}: expected a fraction in the open interval (0, 1)` +
        (rate === 1
          ? " (at rate 1 the released code trains on the whole pool without calling train_test_split)"
          : ""),
    );
  }
  const testSize = 1 - rate;
  if (Number.isInteger(n) && n >= 1 && Math.ceil(testSize * n) === n) {
    throw new RangeError(
      `Cannot take a train subset of ${n} sentences at rate ${rate}: ceil((1 − ${rate}) · ${n}) = ${n} leaves none`,
    );
  }
  return sklearnTrainTestSplit(n, testSize, randomState).train;
}
