/**
 * The Perl, Chaudhury & Giryes (ACL 2020) `paper`-protocol scorer: the released code's `utils/f1_test.py`
 * (github.com/tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction, `extract_entites` +
 * `f1_test`), applied to tag rows padded the way `scripts/create_ner_numpy.py` pads them (Keras
 * `pad_sequences(maxlen=70, padding="post", value=tag2idx["O"])`, default `truncating="pre"`: a longer
 * sentence keeps its LAST 70 tokens; gold padding is `O`), and `test.py` scores all 70 positions of every
 * row.
 *
 * Its entity reading, tag by tag (tags are tested by substring, in this order):
 * - a tag containing `B-` opens an entity (an entity still open is dropped, never counted);
 * - `I-` extends the open entity, or is skipped when none is open;
 * - `E-` extends and closes the open entity, or is skipped when none is open;
 * - `S-` is a one-token entity (an entity still open is dropped);
 * - `O` is skipped: it neither closes nor joins an open entity (`B-X O E-X` is one entity, over tokens 0
 *   and 2);
 * - `END` ends the row (nothing after it counts, an open entity is dropped); any other tag is an error;
 * - an entity still open at the end of the row is dropped.
 *
 * An entity is its list of (tag, position) pairs for its B/I/E tokens (not the `O`s it spans), so types need
 * not agree within it (`B-PER E-LOC` is one entity) and a predicted entity is correct only when its tags and
 * positions are exactly those of a gold entity of the same sentence. Precision = TP / (TP + FP),
 * recall = TP / (TP + FN), F1 = 2 / (1/P + 1/R), all 0 when TP = 0; the released code returns fractions,
 * these functions percent.
 *
 * Gold padding (`O`) can neither open nor close an entity, so padding changes the score only through
 * truncation and through the model's predictions at the padded positions (`test.py` does not mask them: a
 * predicted `E-` there closes a predicted `B-` left open in the sentence, a predicted `S-` there is a false
 * positive).
 *
 * @module
 */

import type { PRF } from "../../models/types.ts";
import type { ScorerInfo } from "./scorers.ts";

/** `max_len` in `scripts/create_ner_numpy.py`: every row is padded or truncated to 70 tokens. */
export const PERL2020_PADDED_LENGTH = 70;

/** The label of padded positions in `scripts/create_ner_numpy.py` (`value=tag2idx["O"]`). */
export const PERL2020_PAD_LABEL = "O";

/** How rows are padded before scoring. */
export interface Perl2020Options {
  /**
   * Length every row is padded (at the end) or truncated (from the start, keeping the last tokens) to, as the
   * released data preparation does; default {@link PERL2020_PADDED_LENGTH}. `null`: rows are scored as given.
   */
  paddedLength?: number | null;
  /** Label given to padded positions; default {@link PERL2020_PAD_LABEL}. */
  padLabel?: string;
}

/**
 * One entity as `extract_entites` lists it: the tags and positions (0-based, in the padded row) of its B/I/E
 * or S tokens.
 */
export interface Perl2020Entity {
  tags: string[];
  positions: number[];
}

/** What `f1_test` counts over a corpus. */
export interface Perl2020Counts {
  /** Predicted entities equal (tags and positions) to a gold entity of the same sentence. */
  tp: number;
  /** Predicted entities equal to no gold entity of their sentence. */
  fp: number;
  /** Gold entities equal to no predicted entity of their sentence. */
  fn: number;
  /** Sentences with a false positive or a false negative (`bad_sentence_counter`). */
  badSentences: number;
}

/**
 * The entities of one row of tags, as `extract_entites` in the released `utils/f1_test.py` reads them (see
 * the module doc for the rules). The row is read as given: pad it first with {@link perl2020Pad} for the
 * `paper` protocol.
 *
 * @returns the closed entities in the order they close.
 * @throws {RangeError} for a tag that contains none of `B-`, `I-`, `E-`, `S-` and is neither `O` nor `END`
 *   (the released code prints "error got unknown NER tag" and exits with status 1).
 *
 * @example
 * ```ts
 * perl2020Entities(["B-PER", "O", "E-PER", "I-LOC", "S-LOC", "B-ORG"]);
 * // [{tags: ["B-PER", "E-PER"], positions: [0, 2]}, {tags: ["S-LOC"], positions: [4]}]
 * ```
 */
export function perl2020Entities(tags: readonly string[]): Perl2020Entity[] {
  const entities: Perl2020Entity[] = [];
  let open: Perl2020Entity | undefined;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (tag.includes("B-")) {
      open = { tags: [tag], positions: [i] };
    } else if (tag.includes("I-")) {
      if (open === undefined) continue;
      open.tags.push(tag);
      open.positions.push(i);
    } else if (tag.includes("E-")) {
      if (open === undefined) continue;
      open.tags.push(tag);
      open.positions.push(i);
      entities.push(open);
      open = undefined;
    } else if (tag.includes("S-")) {
      entities.push({ tags: [tag], positions: [i] });
      open = undefined;
    } else if (tag === "O") {
      continue;
    } else if (tag === "END") {
      return entities;
    } else {
      throw new RangeError(
        `perl2020Entities: unknown tag ${
          JSON.stringify(tag)
        } at position ${i} (f1_test.py: "error got unknown NER ` +
          `tag", exit 1); expected O, END or a tag containing B-, I-, E- or S-`,
      );
    }
  }
  return entities;
}

/**
 * One row padded or truncated to `length` as Keras `pad_sequences(padding="post", truncating="pre")` does in
 * the released `scripts/create_ner_numpy.py`: a longer row keeps its last `length` tags, a shorter one gets
 * `padLabel` appended. Returns a new array.
 *
 * @throws {RangeError} when `length` is not a positive integer.
 */
export function perl2020Pad(
  tags: readonly string[],
  length: number = PERL2020_PADDED_LENGTH,
  padLabel: string = PERL2020_PAD_LABEL,
): string[] {
  checkLength(length);
  if (tags.length >= length) return tags.slice(tags.length - length);
  return [...tags, ...new Array<string>(length - tags.length).fill(padLabel)];
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`perl2020: padded length must be a positive integer, got ${length}`);
  }
}

/**
 * TP/FP/FN as `f1_test` in the released `utils/f1_test.py` counts them, after padding every gold and
 * predicted row with {@link perl2020Pad} (unless `paddedLength` is `null`).
 *
 * A predicted row may be given over the real tokens (the same length as its gold row: its padded positions
 * get `padLabel`, i.e. the model is taken to predict `O` there) or over all `paddedLength` positions (the
 * model's own predictions at the padded positions, as `test.py` scores them).
 *
 * @throws {RangeError} when the sentence counts differ; when a gold and a predicted row differ in length and
 *   neither has length `paddedLength` (with `paddedLength: null`: whenever they differ); for an invalid
 *   `paddedLength`; for an unknown tag (see {@link perl2020Entities}).
 */
export function perl2020Counts(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  opts: Perl2020Options = {},
): Perl2020Counts {
  const length = opts.paddedLength === undefined ? PERL2020_PADDED_LENGTH : opts.paddedLength;
  const padLabel = opts.padLabel ?? PERL2020_PAD_LABEL;
  if (length !== null) checkLength(length);
  if (gold.length !== predicted.length) {
    throw new RangeError(`perl2020: gold has ${gold.length} sentences but predicted has ${predicted.length}`);
  }
  const counts: Perl2020Counts = { tp: 0, fp: 0, fn: 0, badSentences: 0 };
  for (let s = 0; s < gold.length; s++) {
    let g = gold[s];
    let p = predicted[s];
    if (g.length !== p.length && (length === null || (g.length !== length && p.length !== length))) {
      throw new RangeError(
        `perl2020: sentence ${s} has ${g.length} gold tags but ${p.length} predicted tags` +
          (length === null ? "" : ` (and neither row has the padded length ${length})`),
      );
    }
    if (length !== null) {
      g = perl2020Pad(g, length, padLabel);
      p = perl2020Pad(p, length, padLabel);
    }
    const key = (e: Perl2020Entity) => JSON.stringify([e.tags, e.positions]);
    const goldKeys = new Set(perl2020Entities(g).map(key));
    const predKeys = new Set(perl2020Entities(p).map(key));
    let bad = false;
    for (const k of predKeys) {
      if (goldKeys.has(k)) {
        counts.tp++;
      } else {
        counts.fp++;
        bad = true;
      }
    }
    for (const k of goldKeys) {
      if (!predKeys.has(k)) {
        counts.fn++;
        bad = true;
      }
    }
    if (bad) counts.badSentences++;
  }
  return counts;
}

/**
 * Precision, recall and F1 in percent (unrounded) from {@link perl2020Counts}, computed as the released
 * `utils/f1_test.py` does (P = TP/(TP+FP), R = TP/(TP+FN), F1 = 2/(1/P + 1/R); all three 0 when TP = 0, even
 * when there are no entities at all) and then multiplied by 100.
 */
export function perl2020PRF(counts: Perl2020Counts): PRF {
  if (counts.tp === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = counts.tp / (counts.tp + counts.fp);
  const recall = counts.tp / (counts.tp + counts.fn);
  const f1 = 2 / (1 / precision + 1 / recall);
  return { precision: 100 * precision, recall: 100 * recall, f1: 100 * f1 };
}

/**
 * The released `utils/f1_test.py` score of predicted tag rows against gold ones, in percent (unrounded), with
 * the rows padded/truncated to 70 positions by default (see {@link perl2020Counts} for the row lengths
 * accepted). Expects IOBES tags: IOB1/IOB2 rows have no `E-`/`S-`, so no entity ever closes and every score
 * is 0. Convert CoNLL-2003's IOB1 to IOB2 before IOBES (the released `scripts/ner_data_preperation.py`
 * converts as if the input were IOB2, so an IOB1 entity that starts with `I-` becomes `I- … E-` or a lone
 * `E-`, which this scorer skips).
 *
 * @throws {RangeError} as {@link perl2020Counts}.
 *
 * @example
 * ```ts
 * perl2020F1([["B-PER", "E-PER", "S-LOC"]], [["B-PER", "O", "S-LOC"]]); // P 100, R 50, F1 66.67
 * ```
 */
export function perl2020F1(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  opts: Perl2020Options = {},
): PRF {
  return perl2020PRF(perl2020Counts(gold, predicted, opts));
}

/**
 * `perl2020-iobes-padded`: the Perl et al. (2020) `paper` protocol's scorer (registered in `scorers.ts`). The
 * trainers give predictions over the real tokens only, which equals the released code when the model predicts
 * `O` at every padded position.
 */
export const PERL2020_IOBES_PADDED: ScorerInfo = {
  id: "perl2020-iobes-padded",
  description: "The Perl et al. (2020) code's scorer (utils/f1_test.py, extract_entites + f1_test, in " +
    "tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction) on IOBES tags, rows padded with " +
    "O / truncated to their last 70 tokens as scripts/create_ner_numpy.py does. An entity opens at B- and " +
    "closes at E-; O does not close it (B O E is one entity); an entity never closed (by E-, or cut by " +
    "B-/S-) is dropped; stray I-/E- are skipped; a prediction is correct when its exact (tag, position) " +
    "list is a gold entity's, so types within an entity need not agree. P/R/F1 = 0 when TP = 0.",
  score: (gold, predicted) => perl2020F1(gold, predicted),
  metrics: ["precision", "recall", "f1"],
};
