/**
 * Vocabularies for words, characters and tags, and the padding of sentence batches into int32 arrays.
 *
 * Ids: word and char vocabularies reserve `PAD = 0` and `UNK = 1`; a tag vocabulary has no specials (padded tag
 * positions hold 0 and are switched off by the mask). Batches are plain typed arrays, not tensors, so nothing
 * needs disposing; the model turns them into tensors inside its own `tf.tidy`.
 *
 * @module
 */

import type { LookupPolicy, Sentence, WordEmbeddings } from "./types.ts";

/** Padding id of word and char vocabularies. */
export const PAD = 0;
/** Unknown-token id of word and char vocabularies. */
export const UNK = 1;
/** Characters kept per word in a batch; longer words keep their first `MAX_WORD_CHARS` characters. CoNLL and WNUT
 * words longer than 20 characters are almost all URLs, hashtags and compounds, whose first 20 characters carry the
 * useful prefix and casing. */
export const MAX_WORD_CHARS = 20;

/** The table key of `word` under `policy`: lower-cased and/or digits replaced by `0`. */
export function lookupKey(word: string, policy: LookupPolicy): string {
  let key = policy.lowercase ? word.toLowerCase() : word;
  if (policy.digitsToZero) key = key.replace(/[0-9]/g, "0");
  return key;
}

/** Kind of a vocabulary: words and chars have PAD/UNK, tags have none. */
export type VocabularyKind = "word" | "char" | "tag";

/**
 * A bijection between tokens and dense integer ids.
 *
 * ```ts
 * const tags = Vocabulary.build("tag", ["O", "B-PER", "O"]);
 * tags.id("B-PER"); // 0 (tags are sorted)
 * ```
 */
export class Vocabulary {
  readonly kind: VocabularyKind;
  readonly tokens: readonly string[];
  readonly #index: Map<string, number>;

  constructor(kind: VocabularyKind, tokens: string[]) {
    this.kind = kind;
    const specials = kind === "tag" ? [] : ["<pad>", "<unk>"];
    for (let i = 0; i < specials.length; i++) {
      if (tokens[i] !== specials[i]) {
        throw new Error(
          `A ${kind} vocabulary must start with ${specials.join(", ")}, got "${tokens[i]}" at ${i}`,
        );
      }
    }
    this.tokens = tokens;
    this.#index = new Map();
    tokens.forEach((t, i) => {
      if (this.#index.has(t)) throw new Error(`Duplicate token "${t}" in a ${kind} vocabulary`);
      this.#index.set(t, i);
    });
  }

  /**
   * Builds a vocabulary from tokens. Words and chars keep first-occurrence order after `<pad>`, `<unk>` (stable for
   * a given input order); tags are sorted so their ids do not depend on the order of sentences.
   * Tokens seen fewer than `minCount` times are left out (words/chars only).
   */
  static build(kind: VocabularyKind, tokens: Iterable<string>, minCount = 1): Vocabulary {
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    if (kind === "tag") return new Vocabulary(kind, [...counts.keys()].sort());
    const kept = [...counts].filter(([t, c]) => c >= minCount && t !== "<pad>" && t !== "<unk>").map(([t]) =>
      t
    );
    return new Vocabulary(kind, ["<pad>", "<unk>", ...kept]);
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.#index.has(token);
  }

  /** Id of `token`; UNK for an unknown word/char. Throws for an unknown tag. */
  id(token: string): number {
    const i = this.#index.get(token);
    if (i !== undefined) return i;
    if (this.kind === "tag") {
      throw new Error(`Unknown tag "${token}": expected one of ${this.tokens.join(" ")}`);
    }
    return UNK;
  }

  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) {
      throw new Error(`Id ${id} is outside this ${this.kind} vocabulary of size ${this.size}`);
    }
    return t;
  }
}

/** What a word vocabulary was built from, for the run manifest. */
export interface WordVocabularyInfo {
  /** Vocabulary size including PAD and UNK. */
  size: number;
  /** Name of the pretrained table, when one was used. */
  embeddings?: string;
  /** Share of the sentences' tokens whose key is in the pretrained table (0–1); undefined without a table. */
  tokenCoverage?: number;
  /** Share of the distinct keys that are in the pretrained table (0–1); undefined without a table. */
  typeCoverage?: number;
}

/**
 * Builds a word vocabulary over lookup keys (see {@link lookupKey}).
 *
 * - With a pretrained `embeddings` table: every key of `sentences` that the table has (first-occurrence order);
 *   all other words map to UNK. Pass all splits: the table is frozen, so a dev/test word that the table knows
 *   gets its pretrained vector without anything being learnt from dev/test.
 * - Without a table: every key of `sentences` seen at least `minCount` times. Pass only the training sentences,
 *   so that dev/test-only words map to the trained UNK vector instead of an untrained random row.
 */
export function buildWordVocabulary(
  sentences: Iterable<Sentence>,
  policy: LookupPolicy,
  embeddings?: WordEmbeddings,
  minCount = 1,
): { vocab: Vocabulary; info: WordVocabularyInfo } {
  const keys: string[] = [];
  for (const s of sentences) for (const w of s.words) keys.push(lookupKey(w, policy));
  if (!embeddings) {
    const vocab = Vocabulary.build("word", keys, minCount);
    return { vocab, info: { size: vocab.size } };
  }
  const found = keys.filter((k) => embeddings.index.has(k));
  const vocab = Vocabulary.build("word", found);
  const types = new Set(keys);
  let typesFound = 0;
  for (const k of types) if (embeddings.index.has(k)) typesFound++;
  return {
    vocab,
    info: {
      size: vocab.size,
      embeddings: embeddings.name,
      tokenCoverage: keys.length ? found.length / keys.length : 0,
      typeCoverage: types.size ? typesFound / types.size : 0,
    },
  };
}

/** Character vocabulary over the raw words (no lookup policy: case and digits are features). */
export function buildCharVocabulary(sentences: Iterable<Sentence>, minCount = 1): Vocabulary {
  function* chars() {
    for (const s of sentences) for (const w of s.words) yield* [...w];
  }
  return Vocabulary.build("char", chars(), minCount);
}

/** Tag vocabulary over the tags of `sentences` (sorted). Pass all splits of a resource so that no dev/test tag is
 * unknown; a tag that never occurs in training only gets a row that training pushes down. */
export function buildTagVocabulary(sentences: Iterable<Sentence>): Vocabulary {
  function* tags() {
    for (const s of sentences) yield* s.tags;
  }
  return Vocabulary.build("tag", tags());
}

/**
 * A padded batch. B sentences, T = longest sentence, L = longest word in characters (≤ {@link MAX_WORD_CHARS},
 * at least 1). All arrays are row-major.
 */
export interface EncodedBatch {
  batchSize: number;
  maxLength: number;
  maxWordLength: number;
  /** [B, T] word ids, PAD beyond each length. */
  words: Int32Array;
  /** [B, T, L] char ids, PAD beyond each word's length and at padded positions. */
  chars: Int32Array;
  /** [B, T] characters kept per word (≤ L), 0 at padded positions. */
  charLengths: Int32Array;
  /** [B, T] tag ids, 0 at padded positions (masked). */
  tags: Int32Array;
  /** [B, T] 1 for real tokens, 0 for padding. */
  mask: Float32Array;
  /** Sentence lengths, `lengths[b] ≥ 1`. */
  lengths: number[];
  /** Number of real tokens, Σ lengths. */
  tokens: number;
  /**
   * [B, T] tag ids (in the task's tag vocabulary) of each token's gazetteer match (Yang et al. 2017 §4.1; see
   * `harness/data/gazetteer.ts`), row-major like `tags`, 0 at padded positions. Only for a model task that reads
   * the gazetteer feature; {@link encodeBatch} never fills it (the Yang trainer does).
   */
  gazetteer?: Int32Array;
}

/**
 * Pads `sentences` into one batch. Words are looked up by their key under `policy`, chars by the raw word. With
 * `tagVocab` undefined (or sentences without tags) the tag array is all zeros. Throws on an empty sentence, since
 * the recurrent layers and the CRF need at least one step.
 */
export function encodeBatch(
  sentences: readonly Sentence[],
  wordVocab: Vocabulary,
  charVocab: Vocabulary,
  tagVocab: Vocabulary | undefined,
  policy: LookupPolicy,
): EncodedBatch {
  const B = sentences.length;
  if (B === 0) throw new Error("Cannot encode an empty batch: expected at least one sentence");
  let T = 0;
  let L = 1;
  for (const s of sentences) {
    if (s.words.length === 0) throw new Error("Cannot encode an empty sentence: expected at least one word");
    T = Math.max(T, s.words.length);
    for (const w of s.words) L = Math.max(L, Math.min([...w].length, MAX_WORD_CHARS));
  }
  const words = new Int32Array(B * T);
  const chars = new Int32Array(B * T * L);
  const charLengths = new Int32Array(B * T);
  const tags = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  const lengths: number[] = [];
  let tokens = 0;
  sentences.forEach((s, b) => {
    lengths.push(s.words.length);
    tokens += s.words.length;
    s.words.forEach((w, t) => {
      const p = b * T + t;
      words[p] = wordVocab.id(lookupKey(w, policy));
      mask[p] = 1;
      const cs = [...w];
      charLengths[p] = Math.min(cs.length, L);
      for (let c = 0; c < charLengths[p]; c++) chars[p * L + c] = charVocab.id(cs[c]);
      if (tagVocab && s.tags.length) tags[p] = tagVocab.id(s.tags[t]);
    });
  });
  return {
    batchSize: B,
    maxLength: T,
    maxWordLength: L,
    words,
    chars,
    charLengths,
    tags,
    mask,
    lengths,
    tokens,
  };
}

/**
 * Splits sentence indices `order` into batches of at most `batchSize`. With `bucket` true, indices are first
 * stably sorted by sentence length within windows of `batchSize × 50` (so padding is small but the batch order
 * still follows `order`), and the resulting batches are returned in window order. Deterministic for a given
 * `order`; shuffle `order` with a seeded Rng before calling for random batches.
 */
export function makeBatches(
  order: readonly number[],
  batchSize: number,
  lengthOf?: (i: number) => number,
  bucket = false,
): number[][] {
  if (!(batchSize >= 1)) throw new Error(`Batch size must be at least 1, got ${batchSize}`);
  let ids = [...order];
  if (bucket) {
    if (!lengthOf) throw new Error("Bucketing by length needs a lengthOf function");
    const win = batchSize * 50;
    const sorted: number[] = [];
    for (let i = 0; i < ids.length; i += win) {
      sorted.push(...ids.slice(i, i + win).sort((a, b) => lengthOf(a) - lengthOf(b)));
    }
    ids = sorted;
  }
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += batchSize) out.push(ids.slice(i, i + batchSize));
  return out;
}
