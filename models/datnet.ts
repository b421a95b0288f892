/**
 * The DATNet model family (Zhou et al., ACL 2019, §3 and Fig. 1) as one configurable model.
 *
 * - `base` (Fig. 1a): char embeddings → char-CNN, ⊕ word embeddings → dropout → BiLSTM → dropout → linear →
 *   CRF, trained on the target resource only.
 * - `datnet-f` (Fig. 1c without GRAD/AT, i.e. "F-Transfer"): char embeddings and char-CNN shared by both
 *   resources, SEPARATE word embeddings per resource, ONE shared BiLSTM, a linear layer + CRF per resource.
 * - `datnet-p` (Fig. 1b, shared + private BiLSTMs), the GRAD discriminator (§3.3) and adversarial training (§3.5)
 *   have their configuration slots here but are not implemented yet; asking for them throws.
 *
 * The forward pass is split into stages so that those additions need no rewrite: {@link Datnet.embed} gives the
 * word and char embeddings (where AT adds its perturbations), {@link Datnet.encode} the shared BiLSTM states
 * (what GRAD attends over) and the features the tagger reads, and {@link Datnet.lossFromEmbeddings} the CRF
 * loss from (possibly perturbed) embeddings.
 *
 * Word representation w_i = [char-CNN(word_i) ; word embedding_i] (§3.2). The CRF has transitions only, no
 * start/end scores, as `tf.contrib.crf` in the authors' code (set `crfBoundaries` for them). Dropout rates are
 * `dropoutEmbedding` on w and `dropoutRnn` on the BiLSTM output (design.md §6: 0.2 and 0.5), with explicit seeds.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, WordEmbeddings } from "../harness/types.ts";
import { CharCNN } from "./char_cnn.ts";
import { LinearChainCRF } from "./crf.ts";
import { CharEmbedding, type EmbeddingDescription, WordEmbedding } from "./embedding.ts";
import { glorotUniform, type Rng, zeros } from "./init.ts";
import { BiLSTM } from "./lstm.ts";
import { denseSeq } from "./ops.ts";
import type { EncodedBatch, Vocabulary } from "./vocab.ts";

/** Model variants of DATNet. */
export type DatnetVariant = "base" | "datnet-f" | "datnet-p";

/** The two resources of transfer: high-resource source, low-resource target. */
export type Resource = "source" | "target";

/** GRAD, the generalized resource-adversarial discriminator (§3.3, eq. 1). Not implemented yet. */
export interface GradConfig {
  /** Weight α of the source class in the focal loss (paper 0.25). */
  alpha: number;
  /** Focusing exponent γ (paper 2). */
  gamma: number;
  /** Scale of the reversed gradient into the shared encoder (authors' code 0.7). */
  reversalScale: number;
}

/** Adversarial training (§3.5, eq. 3–4). Not implemented yet. */
export interface AdversarialTrainingConfig {
  /** Perturbation norm ε (authors' code 5.0). */
  epsilon: number;
  /** Perturb word embeddings. */
  word: boolean;
  /** Perturb char embeddings. */
  char: boolean;
}

/** Architecture and regularisation of a DATNet model. */
export interface DatnetConfig {
  variant: DatnetVariant;
  /** Hidden units per direction of the shared (base/F) BiLSTM; outputs are 2× this. */
  lstmUnits: number;
  /** DATNet-P: units per direction of each private BiLSTM. */
  privateLstmUnits?: number;
  /** Char embedding size (paper 30). */
  charEmbeddingDim: number;
  /** Char-CNN filters (paper 20). */
  charFilters: number;
  /** Char-CNN window (3). */
  charWindow: number;
  /** Char-CNN activation after pooling (default "none"). */
  charActivation?: "none" | "tanh" | "relu";
  /** Word embedding size of a trainable table (a pretrained table keeps its own dimension). */
  wordEmbeddingDim: number;
  /** Dropout on [char-CNN ; word embedding] (0.2). */
  dropoutEmbedding: number;
  /** Dropout on the BiLSTM output (0.5). */
  dropoutRnn: number;
  /** Learn CRF start/end scores (default false, as tf.contrib.crf). */
  crfBoundaries?: boolean;
  grad?: GradConfig;
  at?: AdversarialTrainingConfig;
}

/** The paper's base model (§4.2; design.md §6): BiLSTM 100 per direction = 200, char 30-d, 20 filters. */
export const DATNET_BASE: DatnetConfig = {
  variant: "base",
  lstmUnits: 100,
  charEmbeddingDim: 30,
  charFilters: 20,
  charWindow: 3,
  charActivation: "none",
  wordEmbeddingDim: 50,
  dropoutEmbedding: 0.2,
  dropoutRnn: 0.5,
};

/** DATNet-F without GRAD/AT ("F-Transfer"), same sizes as the base model. */
export const DATNET_F: DatnetConfig = { ...DATNET_BASE, variant: "datnet-f" };

/** What a resource brings to the model. */
export interface ResourceInput {
  wordVocab: Vocabulary;
  tagVocab: Vocabulary;
  lookup: LookupPolicy;
  /** Pretrained word vectors (frozen); without them the resource gets a trainable table. */
  embeddings?: WordEmbeddings;
}

/** Vocabularies and embeddings of a model. */
export interface DatnetInputs {
  /** Shared by both resources. */
  charVocab: Vocabulary;
  target: ResourceInput;
  /** Required for `datnet-f`/`datnet-p`, not allowed for `base`. */
  source?: ResourceInput;
}

/** Word and char embeddings of a batch. */
export interface BatchEmbeddings {
  /** `[B, T, Dw]` */
  word: tf.Tensor3D;
  /** `[B, T, L, C]` */
  char: tf.Tensor4D;
}

/** Output of {@link Datnet.encode}. */
export interface Encoded {
  /** Shared BiLSTM states `[B, T, 2H]` before dropout (input of GRAD). */
  shared: tf.Tensor3D;
  /** Features the resource's tagger reads `[B, T, ·]` (after dropout when training). */
  features: tf.Tensor3D;
}

interface Head {
  w: tf.Variable;
  b: tf.Variable;
  crf: LinearChainCRF;
}

let modelCounter = 0;

/** Checks a configuration; throws for what is not implemented yet or inconsistent. */
export function validateDatnetConfig(cfg: DatnetConfig, hasSource: boolean): void {
  if (cfg.variant === "datnet-p") {
    throw new Error('DATNet variant "datnet-p" (shared + private BiLSTMs) is not implemented yet');
  }
  if (cfg.grad) throw new Error("DATNet GRAD (resource-adversarial discriminator) is not implemented yet");
  if (cfg.at) throw new Error("DATNet adversarial training (AT) is not implemented yet");
  if (cfg.variant !== "base" && cfg.variant !== "datnet-f") {
    throw new Error(`Unknown DATNet variant "${cfg.variant as string}": expected base, datnet-f or datnet-p`);
  }
  if (cfg.variant === "base" && hasSource) {
    throw new Error(
      'DATNet variant "base" trains on the target resource only, but a source resource was given',
    );
  }
  if (cfg.variant === "datnet-f" && !hasSource) {
    throw new Error('DATNet variant "datnet-f" needs a source resource, but none was given');
  }
  for (
    const [k, v] of [["dropoutEmbedding", cfg.dropoutEmbedding], ["dropoutRnn", cfg.dropoutRnn]] as const
  ) {
    if (!(v >= 0 && v < 1)) throw new Error(`DatnetConfig.${k} must be in [0, 1), got ${v}`);
  }
  for (
    const k of ["lstmUnits", "charEmbeddingDim", "charFilters", "charWindow", "wordEmbeddingDim"] as const
  ) {
    if (!(Number.isInteger(cfg[k]) && cfg[k] >= 1)) {
      throw new Error(
        `DatnetConfig.${k} must be a positive integer`,
      );
    }
  }
}

/**
 * A DATNet model. Create with {@link Datnet.create}; call {@link Datnet.dispose} when done.
 *
 * ```ts
 * const model = Datnet.create(DATNET_BASE, { charVocab, target: { wordVocab, tagVocab, lookup } }, createRng(1));
 * const loss = model.loss(batch, "target", true, 1234);
 * const paths = await model.predict(batch, "target");
 * ```
 */
export class Datnet {
  readonly config: DatnetConfig;
  readonly name: string;
  readonly resources: Resource[];
  readonly charEmbedding: CharEmbedding;
  readonly charCnn: CharCNN;
  readonly wordEmbeddings: Partial<Record<Resource, WordEmbedding>>;
  readonly bilstm: BiLSTM;
  readonly #heads: Partial<Record<Resource, Head>>;

  private constructor(cfg: DatnetConfig, inputs: DatnetInputs, rng: Rng, name: string) {
    this.config = cfg;
    this.name = name;
    this.resources = inputs.source ? ["target", "source"] : ["target"];
    this.charEmbedding = new CharEmbedding(
      `${name}/char_emb`,
      inputs.charVocab.size,
      cfg.charEmbeddingDim,
      rng,
    );
    this.charCnn = new CharCNN({
      name: `${name}/char_cnn`,
      inputDim: cfg.charEmbeddingDim,
      filters: cfg.charFilters,
      window: cfg.charWindow,
      activation: cfg.charActivation,
      rng,
    });
    this.wordEmbeddings = {};
    for (const r of this.resources) {
      const res = inputs[r]!;
      this.wordEmbeddings[r] = WordEmbedding.create({
        name: `${name}/${r}/word_emb`,
        vocab: res.wordVocab,
        policy: res.lookup,
        pretrained: res.embeddings,
        dim: cfg.wordEmbeddingDim,
        rng,
      });
    }
    const dims = this.resources.map((r) => this.wordEmbeddings[r]!.dim);
    if (new Set(dims).size > 1) {
      throw new Error(
        `DATNet-F shares one BiLSTM, so both word embeddings need one size; got target ${dims[0]}, source ${
          dims[1]
        }`,
      );
    }
    this.bilstm = new BiLSTM({
      name: `${name}/bilstm`,
      inputDim: cfg.charFilters + dims[0],
      units: cfg.lstmUnits,
      rng,
    });
    this.#heads = {};
    for (const r of this.resources) {
      const K = inputs[r]!.tagVocab.size;
      const w0 = glorotUniform(rng, [2 * cfg.lstmUnits, K]);
      const b0 = zeros([K]);
      this.#heads[r] = {
        w: tf.variable(w0, true, `${name}/${r}/proj/kernel`),
        b: tf.variable(b0, true, `${name}/${r}/proj/bias`),
        crf: new LinearChainCRF(K, rng, {
          name: `${name}/${r}/crf`,
          start: cfg.crfBoundaries ?? false,
          end: cfg.crfBoundaries ?? false,
        }),
      };
      tf.dispose([w0, b0]);
    }
  }

  /**
   * Builds the model; all weights are drawn from `rng` in a fixed order (char embeddings, char-CNN, word
   * embeddings target then source, BiLSTM, heads target then source).
   *
   * @throws {Error} for an unimplemented variant/GRAD/AT or a variant that does not fit the resources.
   */
  static create(cfg: DatnetConfig, inputs: DatnetInputs, rng: Rng, name?: string): Datnet {
    validateDatnetConfig(cfg, inputs.source !== undefined);
    return new Datnet(cfg, inputs, rng, name ?? `datnet${modelCounter++}`);
  }

  #resourceCheck(resource: Resource): void {
    if (!this.resources.includes(resource)) {
      throw new Error(`DATNet "${this.name}" (${this.config.variant}) has no ${resource} resource`);
    }
  }

  /** Word and char embeddings of `batch` for `resource` (tensors in the caller's scope). */
  embed(batch: EncodedBatch, resource: Resource): BatchEmbeddings {
    this.#resourceCheck(resource);
    const { batchSize: B, maxLength: T, maxWordLength: L } = batch;
    return tf.tidy(() => ({
      word: this.wordEmbeddings[resource]!.lookup(tf.tensor2d(batch.words, [B, T], "int32")) as tf.Tensor3D,
      char: this.charEmbedding.lookup(tf.tensor3d(batch.chars, [B, T, L], "int32")) as tf.Tensor4D,
    }));
  }

  /**
   * Char-CNN ⊕ word embeddings → dropout → shared BiLSTM → dropout. Dropout only when `training`, with seeds
   * derived from `dropoutSeed` (one per dropout site).
   */
  encode(
    emb: BatchEmbeddings,
    batch: EncodedBatch,
    resource: Resource,
    training: boolean,
    dropoutSeed: number,
  ): Encoded {
    this.#resourceCheck(resource);
    const cfg = this.config;
    return tf.tidy(() => {
      let x = tf.concat([this.charCnn.apply(emb.char, batch.charLengths), emb.word], 2) as tf.Tensor3D;
      if (training && cfg.dropoutEmbedding > 0) {
        x = tf.dropout(x, cfg.dropoutEmbedding, undefined, `${dropoutSeed}:emb`) as tf.Tensor3D;
      }
      const shared = this.bilstm.apply(x, batch.lengths);
      let features = shared;
      if (training && cfg.dropoutRnn > 0) {
        features = tf.dropout(shared, cfg.dropoutRnn, undefined, `${dropoutSeed}:rnn`) as tf.Tensor3D;
      }
      return { shared, features };
    });
  }

  /** Tag scores `[B, T, K]` of `resource`'s head. */
  emissions(batch: EncodedBatch, resource: Resource, training: boolean, dropoutSeed: number): tf.Tensor3D {
    return tf.tidy(() => {
      const { features } = this.encode(this.embed(batch, resource), batch, resource, training, dropoutSeed);
      return this.#project(features, resource);
    });
  }

  #project(features: tf.Tensor3D, resource: Resource): tf.Tensor3D {
    const head = this.#heads[resource]!;
    return denseSeq(features, head.w as tf.Tensor2D, head.b as tf.Tensor1D);
  }

  /** Batch-mean CRF negative log-likelihood from given (possibly perturbed) embeddings. */
  lossFromEmbeddings(
    emb: BatchEmbeddings,
    batch: EncodedBatch,
    resource: Resource,
    training: boolean,
    dropoutSeed: number,
  ): tf.Scalar {
    return tf.tidy(() => {
      const { features } = this.encode(emb, batch, resource, training, dropoutSeed);
      const em = this.#project(features, resource);
      const { batchSize: B, maxLength: T } = batch;
      return this.#heads[resource]!.crf.negLogLikelihood(
        em,
        tf.tensor2d(batch.tags, [B, T], "int32"),
        tf.tensor2d(batch.mask, [B, T]),
      );
    });
  }

  /** Batch-mean CRF negative log-likelihood of `batch`'s gold tags under `resource`'s head. */
  loss(batch: EncodedBatch, resource: Resource, training: boolean, dropoutSeed: number): tf.Scalar {
    return tf.tidy(() =>
      this.lossFromEmbeddings(this.embed(batch, resource), batch, resource, training, dropoutSeed)
    );
  }

  /** Viterbi tag-id sequences of `batch` (no dropout), one per sentence, `lengths[b]` long. Asynchronous so that
   * it works on every backend (webgpu cannot download tensors synchronously under Deno). */
  async predict(batch: EncodedBatch, resource: Resource): Promise<number[][]> {
    const em = this.emissions(batch, resource, false, 0);
    try {
      return await this.#heads[resource]!.crf.decodeAsync(em, batch.lengths);
    } finally {
      em.dispose();
    }
  }

  /** Trainable variables: all, or those `resource`'s loss depends on. */
  trainableVariables(resource?: Resource): tf.Variable[] {
    const rs = resource ? [resource] : this.resources;
    if (resource) this.#resourceCheck(resource);
    const vars: tf.Variable[] = [...this.charEmbedding.variables(), ...this.charCnn.variables()];
    for (const r of rs) vars.push(...this.wordEmbeddings[r]!.variables());
    vars.push(...this.bilstm.variables());
    for (const r of rs) {
      const h = this.#heads[r]!;
      vars.push(h.w, h.b, ...h.crf.variables());
    }
    return vars;
  }

  /** Number of trainable scalars (frozen pretrained tables excluded). */
  parameterCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /** Embedding layers, for the manifest. */
  describeEmbeddings(): {
    char: EmbeddingDescription;
    word: Partial<Record<Resource, EmbeddingDescription>>;
  } {
    const word: Partial<Record<Resource, EmbeddingDescription>> = {};
    for (const r of this.resources) word[r] = this.wordEmbeddings[r]!.describe();
    return { char: this.charEmbedding.describe(), word };
  }

  dispose(): void {
    this.charEmbedding.dispose();
    this.charCnn.dispose();
    for (const r of this.resources) {
      this.wordEmbeddings[r]!.dispose();
      const h = this.#heads[r]!;
      tf.dispose([h.w, h.b]);
      h.crf.dispose();
    }
    this.bilstm.dispose();
  }
}
