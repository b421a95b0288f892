/**
 * Named scorers: the clean protocol's conlleval (on IOB1/IOB2, or IOBES converted to IOB2 first) and accuracy;
 * each paper's own scorer for its `paper` protocol is registered from its suite folder. Every scorer takes gold and predicted tag sequences (same scheme) and returns precision, recall and
 * F1 in percent, unrounded.
 *
 * @module
 */

import type { PRF, Scorer } from "../../models/types.ts";
import { chunkF1, tokenAccuracy } from "./conlleval.ts";
import { convertTags } from "../data/tag_scheme.ts";
import { PERL2020_IOBES_PADDED } from "./perl2020_f1.ts";

/** A scorer registered under an id that protocols name. */
export interface ScorerInfo {
  id: string;
  /** What it computes and which tags it expects. */
  description: string;
  score: Scorer;
  /** The metric names it measures (harness/results/metrics.ts): `precision`, `recall`, `f1`, or `accuracy`. */
  metrics: readonly ("precision" | "recall" | "f1" | "accuracy")[];
}

/**
 * A scorer's result as named scores: `{precision, recall, f1}` for chunk scorers, `{accuracy}` for `accuracy`
 * (whose `Scorer` packs the accuracy into every PRF field).
 *
 * @throws {Error} for an unknown scorer id.
 */
export function namedScores(id: string, prf: PRF): Record<string, number> {
  const info = SCORERS[id];
  if (!info) throw new Error(`Unknown scorer "${id}"; known: ${Object.keys(SCORERS).join(", ")}`);
  return Object.fromEntries(info.metrics.map((m) => [m, m === "accuracy" ? prf.f1 : prf[m]]));
}

function isIobesOnly(tag: string): boolean {
  return tag.length > 1 && tag.charCodeAt(1) === 45 /* - */ && (tag[0] === "S" || tag[0] === "E");
}

/** conlleval on IOB1/IOB2 tags; refuses `S-`/`E-` tags, which conlleval would misread. */
function conllevalIob(gold: string[][], predicted: string[][]): PRF {
  for (const [side, sentences] of [["gold", gold], ["predicted", predicted]] as const) {
    for (let s = 0; s < sentences.length; s++) {
      for (const tag of sentences[s]) {
        if (isIobesOnly(tag)) {
          throw new RangeError(
            `conlleval scorer: ${side} tag "${tag}" in sentence ${s} is IOBES; convert to IOB2 first ` +
              `(conlleval does not know S-/E-)`,
          );
        }
      }
    }
  }
  return chunkF1(gold, predicted);
}

function accuracyScore(gold: string[][], predicted: string[][]): PRF {
  const accuracy = tokenAccuracy(gold, predicted);
  return { precision: accuracy, recall: accuracy, f1: accuracy };
}

/**
 * The scorers protocols refer to, by id: the generic ones here; each suite registers its paper's own variant
 * from its folder with {@link registerScorer} (e.g. `datnet-iobes` in suites/datnet/scorer.ts,
 * `yang2017-strict-iobes` in suites/yang2017/scorer.ts). `perl2020-iobes-padded` (perl2020_f1.ts) is listed
 * here, as its suite folder does not exist yet.
 */
export const SCORERS: Record<string, ScorerInfo> = {
  conlleval: {
    id: "conlleval",
    description: "conlleval.pl (2004-01-26) chunk precision/recall/FB1 on IOB1 or IOB2 tags, exactly; " +
      "refuses S-/E- tags (convert IOBES to IOB2 first). The clean protocol's chunk metric.",
    score: conllevalIob,
    metrics: ["precision", "recall", "f1"],
  },
  "conlleval-iobes-as-iob2": {
    id: "conlleval-iobes-as-iob2",
    description:
      "conlleval.pl on IOB2: IOBES gold and predicted tags are converted to IOB2 first (never feed " +
      "IOBES to conlleval). The clean protocol's chunk metric for models trained in IOBES.",
    score: (gold, predicted) =>
      conllevalIob(
        gold.map((t) => convertTags(t, "IOBES", "IOB2")),
        predicted.map((t) => convertTags(t, "IOBES", "IOB2")),
      ),
    metrics: ["precision", "recall", "f1"],
  },
  accuracy: {
    id: "accuracy",
    description:
      "Token accuracy in percent (POS tagging); its Scorer packs it into every PRF field for the " +
      "trainers, and results carry it as `<split>/accuracy` only.",
    score: accuracyScore,
    metrics: ["accuracy"],
  },
  /** Perl et al. (2020)'s utils/f1_test.py on rows padded to 70 (harness/metrics/perl2020_f1.ts). */
  [PERL2020_IOBES_PADDED.id]: PERL2020_IOBES_PADDED,
};

/**
 * Registers a paper's scorer variant under its id (once per module load; registering the same object again is
 * a no-op).
 *
 * @throws {Error} when another scorer already has the id.
 */
export function registerScorer(info: ScorerInfo): ScorerInfo {
  const prev = SCORERS[info.id];
  if (prev && prev !== info) throw new Error(`Scorer "${info.id}" is already registered`);
  SCORERS[info.id] = info;
  return info;
}
