/**
 * Orthogonal Procrustes alignment of two word-vector spaces on an "identical character strings" dictionary, and
 * its precision@1 by nearest-neighbour retrieval.
 *
 * Method: Smith, Turban, Hamblin and Hammerla (2017), "Offline bilingual word vectors, orthogonal
 * transformations and the inverted softmax", ICLR 2017 — the map from a source space to a target space is the
 * orthogonal W minimising ‖XW − Y‖_F over the dictionary pairs, W = U Vᵀ from the SVD U Σ Vᵀ = XᵀY, and a
 * dictionary can be made without bilingual data from the strings spelled identically in both vocabularies. The
 * same solver and seed dictionary are MUSE's supervised mode with `--dico_train identical_char` (Conneau, Lample,
 * Ranzato, Denoyer and Jégou 2018, "Word translation without parallel data", ICLR 2018). This is our own code; the
 * SVD is ml-matrix's (a port of JAMA's one-sided Golub–Kahan–Reinsch SVD), run on the small [d, d] matrix XᵀY.
 *
 * Choices: both spaces are prepared by {@linkcode prepareSpace} (unit length, mean-centred, unit length; MUSE's
 * `renorm,center,renorm`) unless `center: false`; the dictionary is every identical string among the first 50,000
 * words of both tables (by frequency rank), split 80/20 into train and held out by a hash of the word; precision@1
 * searches the first 50,000 target words by cosine (no CSLS), over at most 1,500 held-out words.
 *
 * Conventions: a vector is a row; the source table is mapped by right multiplication, `x ↦ x W`; every matrix is
 * a row-major Float32Array or Float64Array with its shape given alongside.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import type { WordEmbeddings } from "../../models/types.ts";

/** A dense row-major matrix of shape [rows, cols]: `data.length === rows * cols`. */
export interface DenseRows {
  rows: number;
  cols: number;
  data: Float32Array | Float64Array;
}

/** fastText's end-of-sentence token, the first row of every `.vec` it writes: never a dictionary word. */
export const END_OF_SENTENCE = "</s>";

function checkShape(m: DenseRows, name: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 1) {
    throw new RangeError(`Procrustes: ${name} has shape [${m.rows}, ${m.cols}], expected [n ≥ 0, d ≥ 1]`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(
      `Procrustes: ${name} holds ${m.data.length} values, expected ${m.rows} × ${m.cols} = ${
        m.rows * m.cols
      }`,
    );
  }
}

/**
 * Orthogonal Procrustes: the orthogonal W ([d, d], row-major) minimising ‖XW − Y‖_F, W = U Vᵀ where
 * U Σ Vᵀ = XᵀY (Schönemann 1966; Smith et al. 2017, eq. 4). Row i of X and row i of Y are one dictionary pair
 * (source vector, target vector). XᵀY is accumulated in float64. When XᵀY is rank deficient (fewer independent
 * pairs than dimensions) W is still orthogonal but not unique.
 *
 * @param x source vectors, [n, d]
 * @param y target vectors, [n, d]
 * @returns W, [d, d] row-major float64, with `x W ≈ y`
 * @throws {RangeError} when the shapes differ (`X is [n, d] but Y is [m, e]`), a shape does not match its data,
 *   there are no pairs, or a value is not finite.
 */
export function procrustes(x: DenseRows, y: DenseRows): Float64Array {
  checkShape(x, "X");
  checkShape(y, "Y");
  if (x.rows !== y.rows || x.cols !== y.cols) {
    throw new RangeError(
      `Procrustes: X is [${x.rows}, ${x.cols}] but Y is [${y.rows}, ${y.cols}], expected the same shape`,
    );
  }
  if (x.rows === 0) throw new RangeError("Procrustes: no dictionary pairs, expected at least one");
  const n = x.rows, d = x.cols;
  const m = new Float64Array(d * d); // XᵀY
  for (let r = 0; r < n; r++) {
    const xo = r * d, yo = r * d;
    for (let i = 0; i < d; i++) {
      const xi = x.data[xo + i];
      if (xi === 0) continue;
      const mo = i * d;
      for (let j = 0; j < d; j++) m[mo + j] += xi * y.data[yo + j];
    }
  }
  for (let i = 0; i < m.length; i++) {
    if (!Number.isFinite(m[i])) throw new RangeError("Procrustes: XᵀY has a value that is not finite");
  }
  const rows: number[][] = [];
  for (let i = 0; i < d; i++) rows.push(Array.from(m.subarray(i * d, (i + 1) * d)));
  const svd = new SingularValueDecomposition(new Matrix(rows), {
    computeLeftSingularVectors: true,
    computeRightSingularVectors: true,
    autoTranspose: false,
  });
  const u = svd.leftSingularVectors, v = svd.rightSingularVectors;
  const w = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += u.get(i, k) * v.get(j, k);
      w[i * d + j] = s;
    }
  }
  return w;
}

/**
 * Maps row vectors by W: returns X W.
 *
 * @param x vectors, [n, d]
 * @param w map, [d, d] row-major
 * @returns [n, d] float32
 * @throws {RangeError} when `w` is not [d, d] or `x` does not match its shape.
 */
export function applyMap(x: DenseRows, w: Float32Array | Float64Array): Float32Array {
  checkShape(x, "X");
  const d = x.cols;
  if (w.length !== d * d) {
    throw new RangeError(
      `Procrustes: W holds ${w.length} values, expected ${d} × ${d} for vectors of width ${d}`,
    );
  }
  const out = new Float32Array(x.rows * d);
  const acc = new Float64Array(d);
  for (let r = 0; r < x.rows; r++) {
    acc.fill(0);
    const xo = r * d;
    for (let i = 0; i < d; i++) {
      const xi = x.data[xo + i];
      if (xi === 0) continue;
      const wo = i * d;
      for (let j = 0; j < d; j++) acc[j] += xi * w[wo + j];
    }
    out.set(acc, xo);
  }
  return out;
}

/** Copies of the rows scaled to unit L2 length, [n, d] float32; an all-zero row stays zero. */
export function normalizeRows(x: DenseRows): Float32Array {
  checkShape(x, "X");
  const d = x.cols;
  const out = new Float32Array(x.rows * d);
  for (let r = 0; r < x.rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[r * d + j] ** 2;
    const k = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[r * d + j] = x.data[r * d + j] * k;
  }
  return out;
}

/** The rows of `table` for `words` (each must be in it), [words.length, dim] float32. */
export function gatherRows(table: WordEmbeddings, words: readonly string[]): DenseRows {
  const d = table.dim;
  const data = new Float32Array(words.length * d);
  words.forEach((w, i) => {
    const r = table.index.get(w);
    if (r === undefined) throw new RangeError(`Procrustes: "${w}" is not in table ${table.name}`);
    data.set(table.vectors.subarray(r * d, (r + 1) * d), i * d);
  });
  return { rows: words.length, cols: d, data };
}

/**
 * Whether a dictionary word is held out for evaluation: the first 4 bytes of sha256(UTF-8 word), read as an
 * unsigned 32-bit big-endian integer, divided by 2³², are below `fraction`. Depends on the word alone, so a word
 * stays on its side whatever the vocabularies, corpora or dimension.
 */
export function isHeldOut(word: string, fraction: number): boolean {
  const h = createHash("sha256").update(word).digest();
  return h.readUInt32BE(0) / 2 ** 32 < fraction;
}

/** Options of {@linkcode identicalStringsDictionary}. */
export interface DictionaryOptions {
  /** Only the first `maxRank` rows of each table are searched for shared strings (tables are ordered by
   * frequency, most frequent first: fastText `.vec` and GloVe are). Default 50,000 (MUSE's 200k does not matter
   * at our corpus sizes). */
  maxRank?: number;
  /** Fraction of the shared strings held out for precision@1, chosen by {@linkcode isHeldOut}. Default 0.2. */
  heldOutFraction?: number;
  /** Strings never used (default: fastText's `</s>`). */
  exclude?: ReadonlySet<string>;
}

/** An identical-strings dictionary: each entry is a word that is its own translation. */
export interface IdenticalStringsDictionary {
  /** Pairs to fit W on, in source-table order (most frequent first). */
  train: string[];
  /** Pairs for precision@1, in source-table order. */
  heldOut: string[];
  maxRank: number;
  heldOutFraction: number;
}

/**
 * The "identical character strings" seed dictionary (Smith et al. 2017 §4.2; MUSE `identical_char`): every word
 * that is among the first `maxRank` rows of both tables, spelled identically (exact code units: lower-case both
 * tables first if case should not matter), except `exclude`; split into train and held out by a hash of the word
 * ({@linkcode isHeldOut}), so the split is stable.
 *
 * @param source the table to be mapped (e.g. Spanish), rows most frequent first
 * @param target the reference table (English), rows most frequent first
 * @throws {RangeError} when `maxRank < 1` or `heldOutFraction` is outside [0, 1).
 */
export function identicalStringsDictionary(
  source: WordEmbeddings,
  target: WordEmbeddings,
  opts: DictionaryOptions = {},
): IdenticalStringsDictionary {
  const maxRank = opts.maxRank ?? 50_000;
  const heldOutFraction = opts.heldOutFraction ?? 0.2;
  const exclude = opts.exclude ?? new Set([END_OF_SENTENCE]);
  if (!(Number.isInteger(maxRank) && maxRank >= 1)) {
    throw new RangeError(`identicalStringsDictionary: maxRank is ${maxRank}, expected an integer ≥ 1`);
  }
  if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
    throw new RangeError(
      `identicalStringsDictionary: heldOutFraction is ${heldOutFraction}, expected [0, 1)`,
    );
  }
  const train: string[] = [], heldOut: string[] = [];
  const n = Math.min(maxRank, source.words.length);
  for (let r = 0; r < n; r++) {
    const w = source.words[r];
    if (exclude.has(w)) continue;
    const t = target.index.get(w);
    if (t === undefined || t >= maxRank) continue;
    (isHeldOut(w, heldOutFraction) ? heldOut : train).push(w);
  }
  return { train, heldOut, maxRank, heldOutFraction };
}

/** Options of {@linkcode precisionAt1}. */
export interface RetrievalOptions {
  /** Nearest neighbours are searched among the first `searchRank` rows of the target table (default 50,000). */
  searchRank?: number;
  /** At most this many queries, the first ones given (default 1,500, the size of MUSE's test dictionaries). */
  maxQueries?: number;
}

/** Result of {@linkcode precisionAt1}. */
export interface RetrievalResult {
  /** Fraction of queries (0–1) whose nearest target word is the gold word. */
  precision: number;
  queries: number;
  hits: number;
  searchRank: number;
}

/**
 * Precision@1 of word translation by cosine nearest neighbour (MUSE's `nn` method, without CSLS): each query
 * word's source vector is mapped by W and compared with the first `searchRank` target vectors; a hit when the most
 * similar one (first row on ties) is `gold(word)`, by default the same string. Queries whose gold word is not in
 * the searched rows count as misses.
 *
 * @param source source table, dim d
 * @param target target table, dim d, rows most frequent first
 * @param w map, [d, d] row-major
 * @param words query words (each in `source`)
 * @throws {RangeError} when the dimensions differ or a query word is not in `source`.
 */
export function precisionAt1(
  source: WordEmbeddings,
  target: WordEmbeddings,
  w: Float32Array | Float64Array,
  words: readonly string[],
  opts: RetrievalOptions & { gold?: (word: string) => string } = {},
): RetrievalResult {
  if (source.dim !== target.dim) {
    throw new RangeError(
      `precisionAt1: source ${source.name} has dimension ${source.dim} but target ${target.name} has ${target.dim}`,
    );
  }
  const d = source.dim;
  const searchRank = Math.min(opts.searchRank ?? 50_000, target.words.length);
  const queries = words.slice(0, opts.maxQueries ?? 1_500);
  const gold = opts.gold ?? ((s: string) => s);
  const q = normalizeRows({ rows: queries.length, cols: d, data: applyMap(gatherRows(source, queries), w) });
  const t = normalizeRows({ rows: searchRank, cols: d, data: target.vectors.subarray(0, searchRank * d) });
  let hits = 0;
  for (let i = 0; i < queries.length; i++) {
    const qo = i * d;
    let best = -1, bestScore = -Infinity;
    for (let r = 0; r < searchRank; r++) {
      const to = r * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += q[qo + j] * t[to + j];
      if (s > bestScore) {
        bestScore = s;
        best = r;
      }
    }
    if (best >= 0 && target.words[best] === gold(queries[i])) hits++;
  }
  return {
    precision: queries.length === 0 ? NaN : hits / queries.length,
    queries: queries.length,
    hits,
    searchRank,
  };
}

/** Options of {@linkcode prepareSpace}. */
export interface PrepareOptions {
  /** Subtract the mean unit vector and rescale to unit length again (default true). */
  center?: boolean;
  /** The mean is taken over the first `meanRows` rows (default 50,000), leaving out `exclude`. */
  meanRows?: number;
  /** Words left out of the mean (default fastText's `</s>`). */
  exclude?: ReadonlySet<string>;
}

/**
 * The space the map is fitted and evaluated in: every row scaled to unit length; with `center`, the mean of the
 * first `meanRows` unit rows (without `exclude`) subtracted and every row scaled to unit length again
 * ("normalise, centre, normalise": Artetxe, Labaka and Agirre 2018, AAAI; MUSE's `--normalize_embeddings
 * renorm,center,renorm`). Mean-centring removes the direction that all vectors of a space share, which otherwise
 * dominates cosine similarity across spaces. An all-zero row stays zero.
 *
 * @returns a new table, same words and index, [words, dim] float32 rows of length 1 (or 0)
 */
export function prepareSpace(t: WordEmbeddings, opts: PrepareOptions = {}): WordEmbeddings {
  const d = t.dim, n = t.words.length;
  const unit = normalizeRows({ rows: n, cols: d, data: t.vectors });
  if (!(opts.center ?? true)) return { ...t, vectors: unit };
  const exclude = opts.exclude ?? new Set([END_OF_SENTENCE]);
  const mu = new Float64Array(d);
  let m = 0;
  for (let r = 0; r < Math.min(opts.meanRows ?? 50_000, n); r++) {
    if (exclude.has(t.words[r])) continue;
    for (let j = 0; j < d; j++) mu[j] += unit[r * d + j];
    m++;
  }
  if (m === 0) return { ...t, vectors: unit };
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = unit[r * d + j] - mu[j] / m;
      unit[r * d + j] = v;
      s += v * v;
    }
    const k = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) unit[r * d + j] *= k;
  }
  return { ...t, vectors: unit };
}

/** Options of {@linkcode alignByIdenticalStrings}. */
export interface AlignOptions extends DictionaryOptions, RetrievalOptions {
  /** Mean-centre both spaces before fitting ({@linkcode prepareSpace}; default true). The means are taken over
   * each table's first `maxRank` rows. */
  center?: boolean;
}

/** Result of {@linkcode alignByIdenticalStrings}. */
export interface Alignment {
  /** [d, d] row-major: prepared source rows map to the prepared target space by `x ↦ x W`. */
  w: Float64Array;
  dictionary: IdenticalStringsDictionary;
  /** Precision@1 on the held-out pairs (NaN when none is held out). */
  heldOut: RetrievalResult;
  /** The source and target tables as prepared by {@linkcode prepareSpace} (unit rows, centred by default). */
  source: WordEmbeddings;
  target: WordEmbeddings;
}

/**
 * Fits the orthogonal map of a source table onto a target table on their identical strings (Smith et al. 2017;
 * MUSE supervised Procrustes with `identical_char`, one iteration, no refinement): both tables are prepared by
 * {@linkcode prepareSpace} (unit length, mean-centred unless `center: false`, unit length), the dictionary's train
 * pairs give W by {@linkcode procrustes}, and precision@1 is measured on the held-out pairs with
 * {@linkcode precisionAt1} in the prepared spaces.
 *
 * @throws {RangeError} when the dimensions differ or the dictionary has no train pair.
 */
export function alignByIdenticalStrings(
  source: WordEmbeddings,
  target: WordEmbeddings,
  opts: AlignOptions = {},
): Alignment {
  if (source.dim !== target.dim) {
    throw new RangeError(
      `Procrustes: source ${source.name} has dimension ${source.dim} but target ${target.name} has ${target.dim}, ` +
        "expected the same",
    );
  }
  const dictionary = identicalStringsDictionary(source, target, opts);
  if (dictionary.train.length === 0) {
    throw new RangeError(
      `Procrustes: ${source.name} and ${target.name} share no identical strings among their first ` +
        `${dictionary.maxRank} words outside the held-out part, expected at least one`,
    );
  }
  const prep = { center: opts.center ?? true, meanRows: dictionary.maxRank, exclude: opts.exclude };
  const src = prepareSpace(source, prep);
  const tgt = prepareSpace(target, prep);
  const n = dictionary.train.length;
  const w = procrustes(
    { rows: n, cols: source.dim, data: gatherRows(src, dictionary.train).data },
    { rows: n, cols: source.dim, data: gatherRows(tgt, dictionary.train).data },
  );
  const heldOut = precisionAt1(src, tgt, w, dictionary.heldOut, opts);
  return { w, dictionary, heldOut, source: src, target: tgt };
}
