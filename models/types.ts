/**
 * Types shared by the data layer, the metrics, the models and the engine.
 *
 * @module
 */

/** Chunk tag encodings. IOB1: `B-` only between adjacent same-type chunks (CoNLL-2003); IOB2: every chunk starts
 * with `B-`; IOBES: IOB2 plus `E-` (chunk end) and `S-` (single-token chunk). */
export type TagScheme = "IOB1" | "IOB2" | "IOBES";

/** Sequence-tagging task of a dataset. NER and chunking are scored by chunk F1, POS by token accuracy. */
export type TaskKind = "ner" | "pos" | "chunk";

/** One tagged sentence; `words.length === tags.length`. */
export interface Sentence {
  words: string[];
  tags: string[];
}

/** The three conventional splits. CoNLL-2002/2003 call dev `testa` and test `testb`. */
export type SplitName = "train" | "dev" | "test";

/** Precision, recall and F1 in percent (0–100), as conlleval prints them (before rounding). */
export interface PRF {
  precision: number;
  recall: number;
  f1: number;
}

/** Scores predicted tag sequences against gold ones; both in the same tag scheme. */
export type Scorer = (gold: string[][], predicted: string[][]) => PRF;

/** How a word is turned into an embedding-table key. Recorded verbatim in the run manifest. */
export interface LookupPolicy {
  /** Lower-case the word before lookup (GloVe 6B is lower-case only). */
  lowercase: boolean;
  /** Replace every digit 0–9 by `0` before lookup. */
  digitsToZero: boolean;
  /** Vector for words missing from the table: one trainable vector, zeros, or a seeded random vector. */
  unk: "trainable" | "zero" | "random";
}

/** A word-vector table. `vectors` is row-major `[words.length, dim]`. */
export interface WordEmbeddings {
  /** Short id, e.g. `glove.6B.100d` */
  name: string;
  dim: number;
  words: string[];
  index: Map<string, number>;
  vectors: Float32Array;
  /** Where it was read from (file path or npm package@version). */
  source: string;
  /** sha256 of the file read, when known. */
  sha256?: string;
}
