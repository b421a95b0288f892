/**
 * Yang et al. (ICLR 2017)'s label-rate subsets as the released `sample.py` draws them, on the numpy legacy
 * generator of `harness/data/numpy_random.ts`.
 *
 * @module
 */

import { numpyLegacyChoice } from "../../harness/data/numpy_random.ts";

/** Seed of Yang et al.'s label-rate subsets (`np.random.seed(13)` in their `sample.py`). */
export const YANG_SAMPLE_SEED = 13;

/**
 * Yang et al. (2017)'s `sample.create_sample_index(rate, n)`: `np.random.seed(13)` then
 * `np.random.choice(n, int(rate * n))` — `trunc(rate · n)` sentence indices **with replacement** (duplicates are
 * trained on twice; fewer distinct sentences than `rate · n`), in draw order. `n` is the number of training
 * sentences after their readers concatenate train and dev (English CoNLL-2003 counts each `-DOCSTART-` line as a
 * one-token sentence). Because of the shared seed, the subset at a lower rate is a prefix of the one at a higher
 * rate.
 *
 * @throws {RangeError} unless `0 ≤ rate ≤ 1` and `n` is an integer ≥ 1 (or the subset is empty).
 *
 * @example
 * ```ts
 * yangSampleIndex(0.001, 18453).length; // 18 (CoNLL-2003 eng.train + eng.testa, DOCSTARTs included)
 * ```
 */
export function yangSampleIndex(rate: number, n: number): number[] {
  if (!(rate >= 0 && rate <= 1)) {
    throw new RangeError(`Cannot sample at label rate ${rate}: expected 0 ≤ rate ≤ 1`);
  }
  return numpyLegacyChoice(YANG_SAMPLE_SEED, n, Math.trunc(rate * n));
}
