/**
 * Data of the perl2020 suite as the released code (tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction,
 * `scripts/create_ner_numpy.py`, `train.py`) feeds it to the model: the training pool and its label-rate subset
 * (harness/data/perl_pool.ts), the frozen word tables with their "pad" and "unknown" rows, the shared char
 * vocabulary, and padded int32 batches (every sentence padded at the end / truncated from the start to 70
 * tokens, chars from the first 70 tokens, at most 20 chars per word).
 *
 * @module
 */

import type { Sentence, WordEmbeddings } from "../../models/types.ts";
import type { PretrainedTable } from "./network.ts";
import { NumpyLegacyRandomState } from "../../harness/data/numpy_random.ts";
import { PERL_RANDOM_STATE, perlPool, perlTrainIndices } from "../../harness/data/perl_pool.ts";
import { seededIndices } from "../../harness/data/sampling.ts";
import { PERL2020_PADDED_LENGTH } from "../../harness/metrics/perl2020_f1.ts";

/** `max_len` of the released code: every row padded / truncated to 70 tokens (paper protocol, and training). */
export const MAX_LEN = PERL2020_PADDED_LENGTH;
/** `max_len_char` of the released code: chars per word. */
export const MAX_LEN_CHAR = 20;
/** Words the released code looks the padding and out-of-vocabulary tokens up as (MUSE rows). */
export const PAD_WORD = "pad";
export const UNKNOWN_WORD = "unknown";

/** Which target training sentences a cell uses. */
export type PerlSubset =
  | { kind: "rate"; rate: number }
  | { kind: "one-shot" }
  | { kind: "zero-shot" };

/** A training item: a sentence and its language (1 target, 0 source; the released `X_lang`). */
export interface PerlItem {
  words: string[];
  tags: string[];
  lang: 0 | 1;
}

/** The word lookup of the released code: lower-cased, nothing else (MUSE is lower-case). */
export function perlLookupKey(word: string): string {
  return word.toLowerCase();
}

/**
 * The released training pool of a dataset's train and dev sentences (IOB2 tags; harness/data/perl_pool.ts
 * `perlPool`: pieces cut after 60 rows, lexicographic "Sentence: N" order, train then dev), tags converted by
 * `toScheme`. `cut: false` keeps the sentences whole, train then dev in file order (the POS pool: the released
 * code has no POS preprocessing).
 */
export function releasedPool(
  train: readonly Sentence[],
  dev: readonly Sentence[],
  cut: boolean,
  toScheme: (tags: readonly string[]) => string[],
): Sentence[] {
  if (!cut) return [...train, ...dev].map((s) => ({ words: [...s.words], tags: toScheme(s.tags) }));
  return perlPool(train, dev).map((p) => ({ words: p.words, tags: toScheme(p.tags) }));
}

/**
 * Indices into a pool of `n` sentences that a cell trains on.
 *
 * - `rate`, rule `released-split`: harness/data/perl_pool.ts `perlTrainIndices` (all at rate 1, else the train
 *   part of `train_test_split(test_size = 1 − rate, random_state = 23)`), the same for every seed;
 *   rule `seeded`: `max(1, round(rate·n))` indices drawn without replacement by the run seed, in pool order.
 * - `one-shot` (no code path in the release; the harness's rule): `released-split` takes the last index of
 *   numpy `RandomState(23).permutation(n)` — what `train_test_split` keeps at a train size of one — moving
 *   forward through the permutation (from its end) past sentences without an entity (`hasEntity`); `seeded`
 *   draws one sentence with an entity by the run seed.
 * - `zero-shot`: none.
 *
 * @throws {RangeError} for a rate outside (0, 1], or a pool without a sentence that has an entity (one-shot).
 */
export function subsetIndices(
  n: number,
  subset: PerlSubset,
  rule: "released-split" | "seeded",
  seed: number,
  hasEntity: (i: number) => boolean,
): number[] {
  if (subset.kind === "zero-shot") return [];
  if (subset.kind === "rate") {
    if (!(subset.rate > 0 && subset.rate <= 1)) {
      throw new RangeError(`Label rate ${subset.rate} is outside (0, 1]`);
    }
    if (rule === "released-split") return perlTrainIndices(n, subset.rate);
    if (subset.rate === 1) return Array.from({ length: n }, (_, i) => i);
    return seededIndices(n, Math.max(1, Math.round(subset.rate * n)), seed).sort((a, b) => a - b);
  }
  const candidates = Array.from({ length: n }, (_, i) => i).filter(hasEntity);
  if (candidates.length === 0) {
    throw new RangeError(`No sentence of the pool of ${n} has an entity (one-shot)`);
  }
  if (rule === "seeded") return [candidates[seededIndices(candidates.length, 1, seed)[0]]];
  return [new NumpyLegacyRandomState(PERL_RANDOM_STATE).permutation(n).reverse().find(hasEntity)!];
}

/** A frozen word table as the model reads it, with its lookup. */
export interface PerlTable {
  /** e.g. `fasttext.es.300d.aligned` or `muse.wiki.multi.es`. */
  name: string;
  table: PretrainedTable;
  index: Map<string, number>;
  /** Row of padded positions: the row of "pad", or an appended zero row when the table has none. */
  pad: number;
  /** Row of out-of-vocabulary words: the row of "unknown", or an appended zero row when the table has none. */
  unknown: number;
  /** Which of the two special rows are appended zero rows. */
  appended: string[];
}

/**
 * The rows of `emb` that `vocabulary` (lookup keys) uses, plus "pad" and "unknown": released `embedding_matrix`
 * restricted to the words the data can reach (the rest is never looked up). A table without "pad" or "unknown"
 * gets a zero row for it (recorded in `appended`).
 */
export function restrictTable(emb: WordEmbeddings, vocabulary: Iterable<string>, name = emb.name): PerlTable {
  const words: string[] = [];
  const index = new Map<string, number>();
  const add = (w: string) => {
    const r = emb.index.get(w);
    if (r === undefined || index.has(w)) return;
    index.set(w, words.length);
    words.push(w);
  };
  for (const w of [...new Set(vocabulary)].sort()) add(w);
  add(PAD_WORD);
  add(UNKNOWN_WORD);
  const appended: string[] = [];
  let rows = words.length;
  const special = (w: string) => {
    if (index.has(w)) return index.get(w)!;
    appended.push(w);
    return rows++;
  };
  const pad = special(PAD_WORD);
  const unknown = special(UNKNOWN_WORD);
  const d = emb.dim;
  const vectors = new Float32Array(rows * d);
  words.forEach((w, i) => {
    const r = emb.index.get(w)!;
    vectors.set(emb.vectors.subarray(r * d, (r + 1) * d), i * d);
  });
  return { name, table: { rows, dim: d, vectors }, index, pad, unknown, appended };
}

/** Two tables as one (source rows first, target rows offset by the source's): the baseline's zero-shot lookup. */
export function concatTables(a: PerlTable, b: PerlTable): { table: PerlTable; offset: number } {
  const d = a.table.dim;
  if (b.table.dim !== d) throw new RangeError(`Cannot join tables of width ${d} and ${b.table.dim}`);
  const vectors = new Float32Array((a.table.rows + b.table.rows) * d);
  vectors.set(a.table.vectors);
  vectors.set(b.table.vectors, a.table.rows * d);
  return {
    table: {
      ...a,
      name: `${a.name}+${b.name}`,
      table: { rows: a.table.rows + b.table.rows, dim: d, vectors },
    },
    offset: a.table.rows,
  };
}

/** Token coverage of `words` by a table (lookup keys), in percent. */
export function tableCoverage(t: PerlTable, words: readonly string[]): number {
  const hit = words.filter((w) => t.index.has(perlLookupKey(w))).length;
  return Math.round(1e4 * hit / Math.max(words.length, 1)) / 100;
}

/** The shared char vocabulary: index 0 padding, 1 unknown, then every char of `sentences` in code-point order. */
export function charVocabulary(sentences: Iterable<{ words: readonly string[] }>): Map<string, number> {
  const chars = new Set<string>();
  for (const s of sentences) for (const w of s.words) for (const c of w) chars.add(c);
  const out = new Map<string, number>();
  [...chars].sort().forEach((c, i) => out.set(c, i + 2));
  return out;
}

/** One padded batch as plain arrays (turned into tensors by the trainer). */
export interface PerlEncoded {
  /** Rows B and padded length T. */
  b: number;
  t: number;
  /** `[B·T]` word ids (into the token's language's table, or the joined table). */
  words: Int32Array;
  /** `[B·T·MAX_LEN_CHAR]` char ids. */
  chars: Int32Array;
  /** `[B·T]` language flags (1 target). */
  lang: Int32Array;
  /** `[B·T]` tag ids (padding: the id of `O`). */
  tags: Int32Array;
  /** Real tokens per row, after truncation. */
  lengths: number[];
}

/** How {@link encodeBatch} looks words up. */
export interface PerlLookup {
  /** Table of each language flag (0 source, 1 target). */
  tables: [PerlTable | undefined, PerlTable | undefined];
  /** Added to the ids of each language (the baseline's joined zero-shot table). */
  offsets?: [number, number];
  chars: Map<string, number>;
  tags: Map<string, number>;
  /** Id of the padding label `O`. */
  padTag: number;
}

/**
 * Pads a batch as `scripts/create_ner_numpy.py` does: words and tags padded at the end to `length` and
 * truncated from the start (Keras `pad_sequences(padding="post")`, default `truncating="pre"`: the LAST `length`
 * tokens); chars from the FIRST `length` tokens, `MAX_LEN_CHAR` per word, left-aligned, 0-padded (the released
 * char loop indexes `sentence[i]` for i < max_len). Padded words are the table's "pad" row, unknown words its
 * "unknown" row, unknown chars id 1, unknown tags throw.
 *
 * @throws {Error} for a tag not in the tag vocabulary, or a language without a table.
 */
export function encodeBatch(items: readonly PerlItem[], lookup: PerlLookup, length: number): PerlEncoded {
  const B = items.length, T = length, C = MAX_LEN_CHAR;
  const words = new Int32Array(B * T);
  const chars = new Int32Array(B * T * C);
  const lang = new Int32Array(B * T);
  const tags = new Int32Array(B * T).fill(lookup.padTag);
  const lengths: number[] = [];
  items.forEach((s, b) => {
    const table = lookup.tables[s.lang];
    if (!table) throw new Error(`No word table for language flag ${s.lang}`);
    const off = lookup.offsets?.[s.lang] ?? 0;
    const n = s.words.length;
    const start = Math.max(0, n - T);
    const kept = n - start;
    lengths.push(kept);
    for (let t = 0; t < T; t++) {
      lang[b * T + t] = s.lang;
      if (t < kept) {
        const w = s.words[start + t];
        words[b * T + t] = off + (table.index.get(perlLookupKey(w)) ?? table.unknown);
        const tag = lookup.tags.get(s.tags[start + t]);
        if (tag === undefined) throw new Error(`Tag "${s.tags[start + t]}" is not in the tag vocabulary`);
        tags[b * T + t] = tag;
      } else {
        words[b * T + t] = off + table.pad;
      }
      if (t < n) {
        const w = [...s.words[t]];
        for (let c = 0; c < Math.min(C, w.length); c++) {
          chars[(b * T + t) * C + c] = lookup.chars.get(w[c]) ?? 1;
        }
      }
    }
  });
  return { b: B, t: T, words, chars, lang, tags, lengths };
}
