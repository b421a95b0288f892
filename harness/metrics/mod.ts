/**
 * Metrics: conlleval.pl (2004-01-26) ported exactly, token accuracy, and the papers' own scorers by name.
 *
 * - {@link conlleval}, {@link conllevalCounts}, {@link conllevalReport}: the script on its own input format,
 *   output byte for byte (`deno task conlleval` is the command-line drop-in).
 * - {@link chunkF1}: conlleval's precision/recall/FB1 on tag arrays (IOB1/IOB2 only; conlleval misreads IOBES).
 * - {@link tokenAccuracy}: POS accuracy in percent.
 * - {@link SCORERS}: `conlleval`, `conlleval-iobes-as-iob2`, `accuracy` for protocols to name, plus each
 *   paper's variant registered from its suite folder ({@link registerScorer}: `datnet-iobes`,
 *   `yang2017-strict-iobes`).
 *
 * @example
 * ```ts
 * import { chunkF1, SCORERS } from "./harness/metrics/mod.ts";
 * chunkF1([["B-PER", "I-PER", "O"]], [["B-PER", "I-PER", "O"]]); // { precision: 100, recall: 100, f1: 100 }
 * SCORERS["conlleval-iobes-as-iob2"].score([["S-PER"]], [["S-PER"]]).f1; // 100
 * ```
 *
 * @module
 */

export {
  chunkF1,
  type ChunkTypeCounts,
  conlleval,
  type ConllevalCounts,
  conllevalCounts,
  ConllevalError,
  conllevalLines,
  type ConllevalOptions,
  conllevalReport,
  type ConllevalResult,
  overallPRF,
  tokenAccuracy,
} from "./conlleval.ts";
export { formatFixed } from "./format_fixed.ts";
export { namedScores, registerScorer, type ScorerInfo, SCORERS } from "./scorers.ts";
