/**
 * How DATNet-F/P mix the source and target resources during training — the three readings a run can declare
 * (the `mixing` choice of suites/datnet/suite.ts). The paper says nothing about it; the two released versions
 * train on single-resource batches, each resource with its own Adam, in an order laid out per epoch by
 * `_arrange_batches`:
 *
 * - `joeyzhouty` (first author's repository, joeyzhouty/DATnet `models/shares.py`): with B the batch size,
 *   `num_src = int(⌈|S|/B⌉ · √|S₀| · mix_rate / √|T₀|)` source batches, where |S₀|, |T₀| are the sizes of the
 *   training FILES (`org_train_dataset_size`, before a low-resource subset is taken) and mix_rate = 0.3;
 *   `num_tgt = ⌈0.2 · ⌈|T|/B⌉⌉` target batches when the target training set has at most 500 sentences, ⌈0.7 ·⌉
 *   when it is the full file (`train_ratio == "1.0"`), ⌈0.5 ·⌉ otherwise; those batches are shuffled together
 *   and the remaining target batches appended. At k = 10 target sentences that is one target batch per epoch.
 * - `26hzhang` (26hzhang/DATNet `models/abstract.py`): `num_src = int(⌈|S|/B⌉ · 0.3)`,
 *   `num_tgt = ⌈0.8 · ⌈|T|/B⌉⌉`, shuffled together, the rest of the target batches appended.
 * - `joint`: tagbench's earlier rule (datnet ≤ 0.6.0): every step takes one target and one source batch and makes
 *   one Adam step on the sum of their losses; an epoch is max(#target batches, min(#source batches, cap)) steps.
 *
 * A cap on source batches per epoch (the `source_batches` budget knob) bounds `num_src` in the released rules.
 *
 * @module
 */

import type { Arrangement } from "../../harness/train/schedules.ts";

/** The mixing rules a run can follow. */
export const MIXING_RULES = ["joeyzhouty", "26hzhang", "joint"] as const;
export type MixingRule = (typeof MIXING_RULES)[number];

/** The released `mix_rate` (both repositories' default, `--mix_rate 0.3`). */
export const MIX_RATE = 0.3;

/** What the released arrangement is computed from. All sizes in sentences. */
export interface MixingSizes {
  batchSize: number;
  /** Source training sentences used. */
  source: number;
  /** Target training sentences used (after a low-resource subset). */
  target: number;
  /** Sentences of the source training file (|S₀|); default `source`. */
  sourceFile?: number;
  /** Sentences of the target training file before subsetting (|T₀|); default `target`. */
  targetFile?: number;
  /** Source batches per epoch at most (a budget cap); default none. */
  sourceCap?: number;
}

/**
 * The batches of one epoch under a released rule (see the module comment), as an `arranged` schedule of
 * harness/train/schedules.ts with streams `source` and `target`: `mixed` shuffled together, then `appended`.
 *
 * @throws {Error} for `joint` (not an arrangement) or sizes that are not positive integers.
 */
export function releasedArrangement(rule: MixingRule, sizes: MixingSizes, mixRate = MIX_RATE): Arrangement {
  const { batchSize: B, source, target } = sizes;
  for (const [k, v] of Object.entries(sizes)) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new Error(`Mixing sizes: ${k} must be a positive integer, got ${v}`);
    }
  }
  const srcBatches = Math.ceil(source / B);
  const tgtBatches = Math.ceil(target / B);
  let numSrc: number;
  let numTgt: number;
  if (rule === "joeyzhouty") {
    // As the Python expression `int(src_batches * r_src / r_tgt)`, evaluated left to right in float64.
    const rTgt = Math.sqrt(sizes.targetFile ?? target);
    const rSrc = Math.sqrt(sizes.sourceFile ?? source) * mixRate;
    numSrc = Math.trunc((srcBatches * rSrc) / rTgt);
    const fraction = target <= 500 ? 0.2 : target === (sizes.targetFile ?? target) ? 0.7 : 0.5;
    numTgt = Math.ceil(tgtBatches * fraction);
  } else if (rule === "26hzhang") {
    numSrc = Math.trunc(srcBatches * mixRate);
    numTgt = Math.ceil(tgtBatches * 0.8);
  } else {
    throw new Error(`Mixing rule "${rule}" is not a released arrangement (expected joeyzhouty or 26hzhang)`);
  }
  if (sizes.sourceCap !== undefined) numSrc = Math.min(numSrc, sizes.sourceCap);
  return { mixed: { source: numSrc, target: numTgt }, appended: { target: tgtBatches - numTgt } };
}
