/**
 * The DATNet paper protocol's scorer, registered as `datnet-iobes`: the released code's `utils/CoNLLeval.py` (a
 * Python port of conlleval) applied to IOBES tags as they are.
 *
 * @module
 */

import { chunkF1 } from "../../harness/metrics/conlleval.ts";
import { registerScorer, type ScorerInfo } from "../../harness/metrics/scorers.ts";

/** `datnet-iobes`: conlleval on raw IOBES strings (adjacent same-type entities merge in gold and prediction). */
export const DATNET_IOBES: ScorerInfo = registerScorer({
  id: "datnet-iobes",
  description:
    "The DATNet code's scorer (utils/CoNLLeval.py, a Python port of conlleval): conlleval applied " +
    "to IOBES tags as they are. conlleval has no S- rule: S-X starts a chunk only on a type change, and " +
    "B-X after E-X or S-X of the same type continues the chunk, so adjacent same-type entities merge in gold " +
    "and prediction alike. Its BOS/EOS 'O O' lines around each sentence change only token accuracy.",
  score: (gold, predicted) => chunkF1(gold, predicted),
  metrics: ["precision", "recall", "f1"],
});
