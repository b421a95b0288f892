/**
 * The training pool of Perl, Chaudhury & Giryes (ACL 2020, "Low Resource Sequence Tagging using Sentence
 * Reconstruction") in the order their released code leaves it, and its label-rate subset rule.
 *
 * Released code (github.com/tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction, read at commit
 * `81cdd24`):
 *
 * - `scripts/ner_data_preperation.py` (`prepare_ner_data`) rewrites each CoNLL file (train, testa, testb
 *   separately) as a CSV whose first row of every sentence carries a key `Sentence: N`, `N` counting from 1 per
 *   file. Long sentences are cut into pieces there, each with its own key (see {@linkcode perlPieces}).
 * - `scripts/sentence_parsing.py` (`SentenceGetter`) reads that CSV with pandas, forward-fills the key column and
 *   takes `data.groupby("Sentence #")`, whose groups come in sorted key order: lexicographic string order,
 *   `Sentence: 1`, `Sentence: 10`, `Sentence: 100`, `Sentence: 1000`, …, `Sentence: 2`, ….
 * - `scripts/create_ner_numpy.py` saves train and dev (testa) as separate arrays in that order; `train.py`
 *   concatenates them (`--concatenate_dev_train`, default True): the pool is train's pieces in key order followed
 *   by dev's pieces in key order ({@linkcode perlPool}), not one joint ordering.
 * - `train.py` then keeps `train_test_split(pool, test_size=1-labeling_rate, random_state=23)`'s train part
 *   unless the rate is 1.0 ({@linkcode perlTrainIndices}).
 *
 * Not reproduced here (they change tokens, not the pieces or their order): the preprocessing also rewrites tags to
 * IOBES, turns commas inside numbers into dots, strips commas glued to words and writes an extra `,` token after
 * (or before) such a word, and pandas turns words such as `NA`, `null` or `nan` into the previous row's word
 * (`fillna(method="ffill")`). On CoNLL-2002 Spanish no CSV row is dropped by `error_bad_lines=False`.
 *
 * @module
 */

import { sklearnTrainSubset } from "./sampling.ts";

/** A sentence as the preprocessing sees it: words, IOB2 tags and, optionally, the POS column. */
export interface PerlInputSentence {
  words: readonly string[];
  tags: readonly string[];
  /** POS tags (CoNLL-2002's middle column); they join the text the split rule looks at, as in the CSV row. */
  pos?: readonly string[];
}

/** One keyed piece of an input sentence. */
export interface PerlPiece {
  /** `Sentence: N`, the released CSV's key. */
  key: string;
  /** `N` of the key: 1-based position of the piece in file order. */
  number: number;
  /** Index of the input sentence the piece comes from. */
  sentence: number;
  /** Index of the piece's first token in that sentence (0-based, counting skipped `DOCSTART` tokens too). */
  start: number;
  words: string[];
  tags: string[];
}

/**
 * The split threshold of `ner_data_preperation.py`: its counter of rows written since the last key must exceed
 * this (`count > 60`) before a row may start a new piece, so a piece's first cut can fall at its 63rd token at the
 * earliest and sentences of up to 62 tokens are never cut.
 */
export const PERL_SPLIT_COUNT = 60;

/**
 * Whether the released rule may start a new piece at this token (`'I-' not in line and 'E-' not in line and '.'
 * not in line`, on the CSV row text `word POS tag`): the row must not hold `I-` or `E-` anywhere (so no token
 * inside or at the end of an entity, whose IOB2 tag is `I-…`; a word such as `PSOE-PSC` containing `E-` blocks
 * too) nor a `.` anywhere (`.`, `Sr.`, `3.5`; also a digit-led run with a comma such as `1,5`, which the script
 * rewrote to `1.5` just before). `O` and `B-…` tokens are allowed, so a cut never splits an entity.
 */
function mayStartPiece(line: string): boolean {
  return !(line.includes("I-") || line.includes("E-") || line.includes(".") || /[0-9][0-9.]*,/.test(line));
}

/** A row the released script skips outright (`'DOCSTART' in line or '===========' in line`). */
function isSkipped(line: string): boolean {
  return line.includes("DOCSTART") || line.includes("===========");
}

/**
 * Cuts and keys one file's sentences as `scripts/ner_data_preperation.py` (`prepare_ner_data`) does, in file order.
 *
 * Rule (per sentence; rows containing `DOCSTART` or `===========` are skipped first and counted nowhere): the
 * first token starts a piece with the next key; a counter is set to 0; for each later token, if the counter is
 * above 60 and the token's row may start a piece (no `I-`, `E-` or `.` in `word POS tag`, see
 * {@linkcode PERL_SPLIT_COUNT}), it starts a new piece with the next key and the counter is reset to 0, else the
 * counter goes up by 1. So a cut falls at the first allowed token from the 63rd token of the current piece on,
 * the rest is cut again the same way (pieces are re-split), and a piece with no allowed token is left longer
 * (68 tokens at most on CoNLL-2002 Spanish). Keys are `Sentence: 1`, `Sentence: 2`, … over all pieces of the file.
 *
 * @throws {RangeError} when a sentence's `tags` (or `pos`, if given) length differs from its `words` length.
 */
export function perlPieces(sentences: readonly PerlInputSentence[]): PerlPiece[] {
  const pieces: PerlPiece[] = [];
  sentences.forEach((s, si) => {
    if (s.tags.length !== s.words.length || (s.pos !== undefined && s.pos.length !== s.words.length)) {
      throw new RangeError(
        `Cannot cut sentence ${si}: it has ${s.words.length} words but ${s.tags.length} tags` +
          (s.pos === undefined ? "" : ` and ${s.pos.length} POS tags`),
      );
    }
    let current: PerlPiece | undefined;
    let count = 0;
    for (let t = 0; t < s.words.length; t++) {
      const line = s.pos === undefined
        ? `${s.words[t]} ${s.tags[t]}`
        : `${s.words[t]} ${s.pos[t]} ${s.tags[t]}`;
      if (isSkipped(line)) continue;
      if (current === undefined || (count > PERL_SPLIT_COUNT && mayStartPiece(line))) {
        const number = pieces.length + 1;
        current = { key: `Sentence: ${number}`, number, sentence: si, start: t, words: [], tags: [] };
        pieces.push(current);
        count = 0;
      } else {
        count++;
      }
      current.words.push(s.words[t]);
      current.tags.push(s.tags[t]);
    }
  });
  return pieces;
}

/** Code-unit order of two strings, which for the ASCII keys `Sentence: N` is Python's `str` order. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One file's pieces ({@linkcode perlPieces}) in the order `scripts/sentence_parsing.py`'s `SentenceGetter.sentences`
 * lists them: pandas `groupby("Sentence #")` sorts the keys as strings, so `Sentence: 1`, `Sentence: 10`,
 * `Sentence: 100`, `Sentence: 11`, `Sentence: 2`, ….
 *
 * @throws {RangeError} as {@linkcode perlPieces}.
 */
export function perlFileOrder(sentences: readonly PerlInputSentence[]): PerlPiece[] {
  return perlPieces(sentences).sort((a, b) => compareKeys(a.key, b.key));
}

/** The pool and where each of its entries comes from. */
export interface PerlPoolEntry extends PerlPiece {
  /** The file the piece comes from: train (e.g. `esp.train`) or dev (`esp.testa`). */
  split: "train" | "dev";
}

/**
 * The training pool of the released `train.py` before subsampling: train's pieces in key order followed by dev's
 * pieces in key order (each file keyed from `Sentence: 1` on its own, {@linkcode perlFileOrder}); `np.concatenate`
 * of the two saved arrays (`--concatenate_dev_train`, default True). On CoNLL-2002 Spanish: 8,705 + 1,970 = 10,675
 * pieces from 8,323 + 1,915 sentences.
 *
 * @throws {RangeError} as {@linkcode perlPieces}.
 */
export function perlPool(
  train: readonly PerlInputSentence[],
  dev: readonly PerlInputSentence[],
): PerlPoolEntry[] {
  return [
    ...perlFileOrder(train).map((p) => ({ ...p, split: "train" as const })),
    ...perlFileOrder(dev).map((p) => ({ ...p, split: "dev" as const })),
  ];
}

/** `random_state` of the released `train.py`'s `train_test_split`. */
export const PERL_RANDOM_STATE = 23;

/**
 * Indices into a pool of `n` pieces ({@linkcode perlPool}) that the released `train.py` trains on at label rate
 * `rate` (a fraction in (0, 1]): all of `0 … n−1` in pool order at rate 1 (it skips `train_test_split` when
 * `labeling_rate == 1.0`), else `sklearnTrainSubset(n, rate, 23)`, i.e. the train part of
 * `train_test_split(test_size=1-rate, random_state=23)` in scikit-learn's (shuffled) order.
 *
 * @throws {RangeError} when `n` is not an integer ≥ 1, `rate` is not in (0, 1], or the rate keeps no sentence
 *   (`ceil((1 − rate) · n) = n`).
 */
export function perlTrainIndices(n: number, rate: number): number[] {
  if (rate === 1) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Cannot take a pool of ${n} sentences: expected ≥ 1`);
    }
    return Array.from({ length: n }, (_, i) => i);
  }
  return sklearnTrainSubset(n, rate, PERL_RANDOM_STATE);
}
