/**
 * The Yang et al. (ICLR 2017) paper protocol's scorer, registered as `yang2017-strict-iobes`: the released code's
 * `evaluate` (kimiyoung/transfer), exact-match P/R/F1 over well-formed IOBES entities.
 *
 * @module
 */

import type { PRF } from "../../models/types.ts";
import { checkAligned } from "../../harness/metrics/conlleval.ts";
import { registerScorer, type ScorerInfo } from "../../harness/metrics/scorers.ts";

/** A chunk over tokens `start` (inclusive) to `end` (exclusive) of one sentence. */
export interface Span {
  start: number;
  end: number;
  type: string;
}

/**
 * The entities of one IOBES sentence as Yang et al. (2017)'s `extract_ent` reads them: `S-X` is an entity;
 * `B-X` followed by `I-X`… and closed by `E-X` is an entity; a `B-X` run that is not closed by an `E-X` of the same
 * type (before another tag) is dropped, and so are stray `I-`/`E-` tags. Any prefix other than O, I, E, S opens a
 * run as `B` does.
 */
export function strictIobesSpans(tags: readonly string[]): Span[] {
  const spans: Span[] = [];
  const n = tags.length;
  let i = 0;
  while (i < n) {
    const [prefix, type] = decode(tags[i]);
    if (prefix === "O" || prefix === "I" || prefix === "E") {
      i++;
      continue;
    }
    if (prefix === "S") {
      spans.push({ start: i, end: i + 1, type });
      i++;
      continue;
    }
    let j = i + 1;
    let closed = false;
    while (j < n && !closed) {
      const [nextPrefix, nextType] = decode(tags[j]);
      if (nextType !== type || (nextPrefix !== "I" && nextPrefix !== "E")) break;
      if (nextPrefix === "E") closed = true;
      j++;
    }
    if (!closed) {
      i++;
      continue;
    }
    spans.push({ start: i, end: j, type });
    i = j;
  }
  return spans;
}

/** Yang et al.'s `label_decode`: `O` is (O, O); otherwise split at the `-`. */
function decode(tag: string): [string, string] {
  if (tag === "O") return ["O", "O"];
  const dash = tag.indexOf("-");
  return dash < 0 ? [tag, ""] : [tag.slice(0, dash), tag.slice(dash + 1)];
}

/**
 * Yang et al. (2017)'s scorer (`evaluate` in kimiyoung/transfer): exact-match precision, recall and F1 over the
 * entities {@link strictIobesSpans} finds in gold and predicted IOBES tags. Ill-formed predicted spans are never
 * false positives; they are simply not entities. Computed on fractions as the original, then scaled to percent.
 *
 * The original runs on the batch flattened row by row, with padding masked out; a sentence that fills its row
 * (125 tokens) could let an open `B-` run continue into the next sentence. Here spans never cross sentences.
 */
export function strictIobesF1(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
): PRF {
  checkAligned(gold, predicted, "strictIobesF1");
  let truePositives = 0;
  let predictedCount = 0;
  let goldCount = 0;
  for (let s = 0; s < gold.length; s++) {
    const goldSpans = strictIobesSpans(gold[s]);
    const predictedSpans = strictIobesSpans(predicted[s]);
    goldCount += goldSpans.length;
    predictedCount += predictedSpans.length;
    for (const p of predictedSpans) {
      if (goldSpans.some((g) => g.start === p.start && g.end === p.end && g.type === p.type)) truePositives++;
    }
  }
  const precision = predictedCount > 0 ? truePositives / predictedCount : 0;
  const recall = goldCount > 0 ? truePositives / goldCount : 0;
  const f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
  return { precision: 100 * precision, recall: 100 * recall, f1: 100 * f1 };
}

/** `yang2017-strict-iobes`: {@link strictIobesF1} under the id the paper protocol names. */
export const YANG2017_STRICT_IOBES: ScorerInfo = registerScorer({
  id: "yang2017-strict-iobes",
  description: "Yang et al. 2017 (kimiyoung/transfer evaluate): exact-match P/R/F1 over IOBES entities, an " +
    "entity being S-X or B-X I-X… E-X; ill-formed spans are dropped, never counted as false positives.",
  score: strictIobesF1,
  metrics: ["precision", "recall", "f1"],
});
