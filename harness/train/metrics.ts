/**
 * Metric records of the training loop: keys `<split>/<name>` (e.g. `dev/f1`, `test/precision`,
 * `test/accuracy`), built from a scorer's PRF and an optional named-metric scorer.
 *
 * @module
 */

import type { PRF } from "../../models/types.ts";

/** A scorer that returns named metrics for gold and predicted tag sequences, e.g. `{ accuracy: 97.1 }`. */
export type NamedScorer = (gold: string[][], predicted: string[][]) => Record<string, number>;

/**
 * The metrics of one split: `<split>/precision`, `<split>/recall`, `<split>/f1` from `prf` (the PRF path of the
 * suites' scorers; for POS the Yang scorer puts accuracy in `f1`), then `<split>/<name>` for every metric of
 * `named` (which win on a name clash).
 *
 * @throws {Error} when a named metric's name is empty or contains "/".
 * @example splitMetrics("dev", { precision: 50, recall: 100, f1: 66.7 }) // { "dev/precision": 50, … }
 */
export function splitMetrics(
  split: string,
  prf: PRF,
  named?: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {
    [`${split}/precision`]: prf.precision,
    [`${split}/recall`]: prf.recall,
    [`${split}/f1`]: prf.f1,
  };
  for (const [name, v] of Object.entries(named ?? {})) {
    if (name === "" || name.includes("/")) {
      throw new Error(`Metric name "${name}" of split "${split}" must be non-empty and contain no "/"`);
    }
    out[`${split}/${name}`] = v;
  }
  return out;
}
