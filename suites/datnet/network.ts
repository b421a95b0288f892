/**
 * The DATNet model family (Zhou et al., ACL 2019, §3 and Fig. 1) as one configurable model.
 *
 * - `base` (Fig. 1a): char embeddings → char-CNN, ⊕ word embeddings → dropout → BiLSTM → dropout → linear →
 *   CRF, trained on the target resource only.
 * - `datnet-f` (Fig. 1c without GRAD/AT, i.e. "F-Transfer"): char embeddings and char-CNN shared by both
 *   resources, SEPARATE word embeddings per resource, ONE shared BiLSTM, a linear layer + CRF per resource.
 * - `datnet-p` (Fig. 1b, "P-Transfer"): as `datnet-f`, plus a PRIVATE BiLSTM per resource
 *   (`privateLstmUnits` per direction, default `lstmUnits`); each resource's linear + CRF head reads
 *   [shared BiLSTM ; its private BiLSTM] (dropout on the concatenation).
 * - `discriminator` (§3.3, Eq. 1, `grad.ts`): AD or GRAD on the shared BiLSTM states behind a gradient-reversal
 *   layer; transfer variants only. Its batch-mean loss is added to the resource's CRF loss in
 *   {@link Datnet.trainingLoss} (Eq. 2).
 * - `at` (§3.5, Eq. 3–4, `adversarial.ts`): adversarial training on word and char embeddings, for every variant.
 *
 * The forward pass is split into stages so that those additions need no rewrite: {@link Datnet.embed} gives the
 * word and char embeddings (where AT adds its perturbations), {@link Datnet.encode} the shared BiLSTM states
 * (what GRAD attends over) and the features the tagger reads, and {@link Datnet.lossFromEmbeddings} the CRF
 * loss from (possibly perturbed) embeddings.
 *
 * Word representation w_i = [char-CNN(word_i) ; word embedding_i] (§3.2). The char-CNN is one convolution per
 * window in `charWindows` (`charFilters` each, concatenated), then `charHighwayLayers` highway layers
 * (models/highway.ts), as the released `CharTDNNHW` (kernels [2, 3, 4] × 20, tanh, 2 highway layers); §4.2 of the
 * paper describes one convolution of 20 filters. The CRF has transitions only, no start/end scores, as
 * `tf.contrib.crf` in the authors' code (set `crfBoundaries` for them); with `sharedCrf` both resources' heads
 * feed ONE CRF over a joint tag set (released `share_label=True`: `crf_layer` reused, label dictionary over both
 * resources), each resource keeping its own dense projection. Dropout rates are `dropoutEmbedding` on w and
 * `dropoutRnn` on each BiLSTM's output (released code: 0.2 and 0.5), with explicit seeds; `rnnDense` adds
 * 26hzhang/DATNet's dense tanh layer (width of the features) after the BiLSTM dropout.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, WordEmbeddings } from "../../models/types.ts";
import { CharCNN } from "../../models/char_cnn.ts";
import { LinearChainCRF } from "../../models/crf.ts";
import { CharEmbedding, type EmbeddingDescription, WordEmbedding } from "../../models/embedding.ts";
import { glorotUniform, type Rng, zeros } from "../../models/init.ts";
import {
  type AdversarialConfig,
  adversarialPerturbation,
  validateAdversarialConfig,
} from "../../models/adversarial.ts";
import {
  type DiscriminatorConfig,
  ResourceDiscriminator,
  validateDiscriminatorConfig,
} from "../../models/grad.ts";
import { BiLSTM } from "../../models/lstm.ts";
import { Highway } from "../../models/highway.ts";
import { denseSeq } from "../../models/ops.ts";
import type { EncodedBatch, Vocabulary } from "../../models/vocab.ts";

export { type AdversarialConfig, AT_DEFAULT } from "../../models/adversarial.ts";
export { AD_DISCRIMINATOR, type DiscriminatorConfig, GRAD_DISCRIMINATOR } from "../../models/grad.ts";

/** Model variants of DATNet. */
export type DatnetVariant = "base" | "datnet-f" | "datnet-p";

/** The two resources of transfer: high-resource source, low-resource target. */
export type Resource = "source" | "target";

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
  /** Char-CNN window (3) when `charWindows` is absent. */
  charWindow: number;
  /** Char-CNN windows, `charFilters` filters each, concatenated (released: [2, 3, 4]); default [charWindow]. */
  charWindows?: number[];
  /** Highway layers after the char-CNN (released: 2); default 0. */
  charHighwayLayers?: number;
  /** One CRF shared by both resources over a joint tag set (released `share_label=True`); default false. */
  sharedCrf?: boolean;
  /** A dense tanh layer (width of the features) after the BiLSTM dropout (26hzhang/DATNet `bi_rnn`); default
   * false (joeyzhouty/DATnet `BiRNN` with `concat=True` has none). */
  rnnDense?: boolean;
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
  /** Resource-adversarial discriminator (AD or GRAD, §3.3); transfer variants only; absent = none. */
  discriminator?: DiscriminatorConfig;
  /** Adversarial training (§3.5); absent = none. */
  at?: AdversarialConfig;
}

/** The paper's base model (§4.2; released code): BiLSTM 100 per direction = 200, char 30-d, 20 filters. */
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

/** DATNet-P without GRAD/AT ("P-Transfer"): shared and private BiLSTMs of 100 units per direction (100/100/100). */
export const DATNET_P: DatnetConfig = { ...DATNET_BASE, variant: "datnet-p", privateLstmUnits: 100 };

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
  /** Shared BiLSTM states `[B, T, 2H]` after their dropout when training (input of GRAD). */
  shared: tf.Tensor3D;
  /** Features the resource's tagger reads `[B, T, ·]` (after dropout when training). */
  features: tf.Tensor3D;
}

interface Head {
  w: tf.Variable;
  b: tf.Variable;
  crf: LinearChainCRF;
}

/** Char-CNN windows of a configuration. */
export function charWindowsOf(cfg: DatnetConfig): number[] {
  return cfg.charWindows ?? [cfg.charWindow];
}

/** Width of the char features: filters × windows. */
export function charFeatureDim(cfg: DatnetConfig): number {
  return cfg.charFilters * charWindowsOf(cfg).length;
}

let modelCounter = 0;

/** Checks a configuration; throws for what is inconsistent. */
export function validateDatnetConfig(cfg: DatnetConfig, hasSource: boolean): void {
  if (cfg.variant !== "base" && cfg.variant !== "datnet-f" && cfg.variant !== "datnet-p") {
    throw new Error(`Unknown DATNet variant "${cfg.variant as string}": expected base, datnet-f or datnet-p`);
  }
  if (cfg.variant === "base" && hasSource) {
    throw new Error(
      'DATNet variant "base" trains on the target resource only, but a source resource was given',
    );
  }
  if (cfg.variant !== "base" && !hasSource) {
    throw new Error(`DATNet variant "${cfg.variant}" needs a source resource, but none was given`);
  }
  if (cfg.discriminator) {
    if (cfg.variant === "base") {
      throw new Error('DATNet variant "base" has no source resource, so it cannot have a discriminator');
    }
    validateDiscriminatorConfig(cfg.discriminator);
  }
  if (cfg.at) validateAdversarialConfig(cfg.at);
  if (
    cfg.charWindows !== undefined &&
    !(cfg.charWindows.length >= 1 && cfg.charWindows.every((w) => Number.isInteger(w) && w >= 1))
  ) {
    throw new Error(`DatnetConfig.charWindows must be a non-empty list of positive integers`);
  }
  if (
    cfg.charHighwayLayers !== undefined &&
    !(Number.isInteger(cfg.charHighwayLayers) && cfg.charHighwayLayers >= 0)
  ) {
    throw new Error(`DatnetConfig.charHighwayLayers must be an integer ≥ 0`);
  }
  if (
    cfg.privateLstmUnits !== undefined &&
    !(Number.isInteger(cfg.privateLstmUnits) && cfg.privateLstmUnits >= 1)
  ) {
    throw new Error(`DatnetConfig.privateLstmUnits must be a positive integer`);
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
  /** One char-CNN per window. */
  readonly charCnns: CharCNN[];
  /** Highway layers over the char features (none unless `charHighwayLayers`). */
  readonly charHighway: Highway;
  readonly wordEmbeddings: Partial<Record<Resource, WordEmbedding>>;
  readonly bilstm: BiLSTM;
  /** DATNet-P: private BiLSTM per resource (empty otherwise). */
  readonly privateBilstms: Partial<Record<Resource, BiLSTM>>;
  /** The resource-adversarial discriminator, when configured. */
  readonly discriminator?: ResourceDiscriminator;
  /** `rnnDense`: the dense tanh layer after the BiLSTM dropout. */
  readonly rnnDense?: { w: tf.Variable; b: tf.Variable };
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
    const windows = charWindowsOf(cfg);
    this.charCnns = windows.map((window, i) =>
      new CharCNN({
        name: `${name}/char_cnn${windows.length > 1 ? `_${i}` : ""}`,
        inputDim: cfg.charEmbeddingDim,
        filters: cfg.charFilters,
        window,
        activation: cfg.charActivation,
        rng,
      })
    );
    const charDim = charFeatureDim(cfg);
    this.charHighway = new Highway(`${name}/char_highway`, charDim, cfg.charHighwayLayers ?? 0, rng);
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
      inputDim: charDim + dims[0],
      units: cfg.lstmUnits,
      rng,
    });
    this.privateBilstms = {};
    if (cfg.variant === "datnet-p") {
      for (const r of this.resources) {
        this.privateBilstms[r] = new BiLSTM({
          name: `${name}/${r}/private_bilstm`,
          inputDim: charDim + dims[0],
          units: cfg.privateLstmUnits ?? cfg.lstmUnits,
          rng,
        });
      }
    }
    const featureDim = 2 * cfg.lstmUnits +
      (cfg.variant === "datnet-p" ? 2 * (cfg.privateLstmUnits ?? cfg.lstmUnits) : 0);
    if (cfg.rnnDense) {
      const w0 = glorotUniform(rng, [featureDim, featureDim]);
      const b0 = zeros([featureDim]);
      this.rnnDense = {
        w: tf.variable(w0, true, `${name}/rnn_dense/kernel`),
        b: tf.variable(b0, true, `${name}/rnn_dense/bias`),
      };
      tf.dispose([w0, b0]);
    }
    if (
      cfg.sharedCrf && inputs.source &&
      inputs.source.tagVocab.tokens.join("\n") !== inputs.target.tagVocab.tokens.join("\n")
    ) {
      throw new Error(
        "A shared CRF (sharedCrf) needs one joint tag vocabulary for both resources, but the target's and the " +
          "source's differ",
      );
    }
    this.#heads = {};
    let shared: LinearChainCRF | undefined;
    for (const r of this.resources) {
      const K = inputs[r]!.tagVocab.size;
      const w0 = glorotUniform(rng, [featureDim, K]);
      const b0 = zeros([K]);
      const crf = shared ?? new LinearChainCRF(K, rng, {
        name: cfg.sharedCrf ? `${name}/crf` : `${name}/${r}/crf`,
        start: cfg.crfBoundaries ?? false,
        end: cfg.crfBoundaries ?? false,
      });
      if (cfg.sharedCrf) shared = crf;
      this.#heads[r] = {
        w: tf.variable(w0, true, `${name}/${r}/proj/kernel`),
        b: tf.variable(b0, true, `${name}/${r}/proj/bias`),
        crf,
      };
      tf.dispose([w0, b0]);
    }
    if (cfg.discriminator) {
      this.discriminator = new ResourceDiscriminator(
        `${name}/discriminator`,
        2 * cfg.lstmUnits,
        cfg.discriminator,
        rng,
      );
    }
  }

  /**
   * Builds the model; all weights are drawn from `rng` in a fixed order (char embeddings, char-CNNs, highway,
   * word embeddings target then source, shared BiLSTM, DATNet-P private BiLSTMs target then source, `rnnDense`,
   * heads target then source (a shared CRF drawn with the target's), discriminator), so adding a discriminator
   * or AT leaves the other weights' initial values unchanged.
   *
   * @throws {Error} for an invalid configuration or a variant that does not fit the resources.
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
   * Char-CNN (→ highway) ⊕ word embeddings → dropout → shared BiLSTM → dropout (DATNet-P: ⊕ the resource's
   * private BiLSTM → its own dropout) (→ `rnnDense`). Dropout only when `training`, with seeds derived from
   * `dropoutSeed` (one per dropout site). `shared` is the shared BiLSTM's output after its dropout, which is what
   * the released discriminator reads (`discriminator(src_rnn_outs)` in `models/datnetf.py`).
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
      const cnn = this.charCnns.map((c) => c.apply(emb.char, batch.charLengths));
      const chars = this.charHighway.apply(cnn.length === 1 ? cnn[0] : tf.concat(cnn, 2));
      let x = tf.concat([chars, emb.word], 2) as tf.Tensor3D;
      if (training && cfg.dropoutEmbedding > 0) {
        x = tf.dropout(x, cfg.dropoutEmbedding, undefined, `${dropoutSeed}:emb`) as tf.Tensor3D;
      }
      const rnnDropout = (h: tf.Tensor3D, site: string) =>
        training && cfg.dropoutRnn > 0
          ? tf.dropout(h, cfg.dropoutRnn, undefined, `${dropoutSeed}:${site}`) as tf.Tensor3D
          : h;
      const shared = rnnDropout(this.bilstm.apply(x, batch.lengths), "rnn");
      const priv = this.privateBilstms[resource];
      let features = priv
        ? tf.concat([shared, rnnDropout(priv.apply(x, batch.lengths), "private_rnn")], 2) as tf.Tensor3D
        : shared;
      if (this.rnnDense) {
        features = tf.tanh(
          denseSeq(features, this.rnnDense.w as tf.Tensor2D, this.rnnDense.b as tf.Tensor1D),
        ) as tf.Tensor3D;
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

  /**
   * The training objective of one single-resource batch from given embeddings: the batch-mean CRF NLL plus, with
   * a discriminator, its batch-mean Eq. 1 loss on the shared BiLSTM states (dropout on, seeds from
   * `dropoutSeed`). Without a discriminator this is exactly {@link Datnet.lossFromEmbeddings} with `training`.
   */
  objectiveFromEmbeddings(
    emb: BatchEmbeddings,
    batch: EncodedBatch,
    resource: Resource,
    dropoutSeed: number,
  ): tf.Scalar {
    const disc = this.discriminator;
    if (!disc) return this.lossFromEmbeddings(emb, batch, resource, true, dropoutSeed);
    return tf.tidy(() => {
      const { shared, features } = this.encode(emb, batch, resource, true, dropoutSeed);
      const em = this.#project(features, resource);
      const { batchSize: B, maxLength: T } = batch;
      const mask = tf.tensor2d(batch.mask, [B, T]);
      const crf = this.#heads[resource]!.crf.negLogLikelihood(
        em,
        tf.tensor2d(batch.tags, [B, T], "int32"),
        mask,
      );
      return tf.add(crf, disc.loss(shared, mask, resource)) as tf.Scalar;
    });
  }

  /**
   * AT perturbations (§3.5, Eq. 3) of `batch`'s embeddings for `resource`: g = ∂ℓ/∂e of the CRF loss
   * ({@link Datnet.lossFromEmbeddings}, training; the discriminator is not part of ℓ, as the released
   * `add_perturbation(emb, self.src_loss)` is called before the discriminator loss is added) at the same dropout
   * masks (`dropoutSeed`), then
   * η = ε·g/‖g‖₂ with the norm per sentence (per sentence and channel for chars), as the released code
   * normalises (`models/adversarial.ts`), ε = `epsWordSource`/`epsWordTarget`
   * for the words and `epsChar` for the chars. Undefined without `at`. η is a plain tensor (no gradient tape): the
   * caller owns it.
   */
  adversarialPerturbation(
    batch: EncodedBatch,
    resource: Resource,
    dropoutSeed: number,
  ): BatchEmbeddings | undefined {
    const at = this.config.at;
    if (!at) return undefined;
    return tf.tidy(() => {
      const emb = this.embed(batch, resource);
      const [gw, gc] = tf.grads((w: tf.Tensor, c: tf.Tensor) =>
        this.lossFromEmbeddings(
          { word: w as tf.Tensor3D, char: c as tf.Tensor4D },
          batch,
          resource,
          true,
          dropoutSeed,
        )
      )([emb.word, emb.char]);
      const epsWord = resource === "source" ? at.epsWordSource : at.epsWordTarget;
      return {
        word: adversarialPerturbation(gw as tf.Tensor3D, epsWord),
        char: adversarialPerturbation(gc as tf.Tensor4D, at.epsChar),
      };
    });
  }

  /**
   * The loss one training step minimises for a single-resource batch (Eq. 2 per resource; Eq. 4 with AT):
   * objective(e) + crf(e + η) when `perturbation` η is given (η a constant; the adversarial pass is the CRF loss
   * only, with its own dropout masks, seeded `dropoutSeed + 0.5`, as the released code adds the discriminator
   * loss once, after the adversarial loss), else objective(e), where objective is
   * {@link Datnet.objectiveFromEmbeddings} (CRF + discriminator) and crf {@link Datnet.lossFromEmbeddings}. With neither discriminator nor η this is exactly
   * {@link Datnet.loss} with `training` (same ops, same values).
   */
  trainingLoss(
    batch: EncodedBatch,
    resource: Resource,
    dropoutSeed: number,
    perturbation?: BatchEmbeddings,
  ): tf.Scalar {
    if (!perturbation && !this.discriminator) return this.loss(batch, resource, true, dropoutSeed);
    return tf.tidy(() => {
      const emb = this.embed(batch, resource);
      const clean = this.objectiveFromEmbeddings(emb, batch, resource, dropoutSeed);
      if (!perturbation) return clean;
      const adv = {
        word: tf.add(emb.word, perturbation.word) as tf.Tensor3D,
        char: tf.add(emb.char, perturbation.char) as tf.Tensor4D,
      };
      return tf.add(
        clean,
        this.lossFromEmbeddings(adv, batch, resource, true, dropoutSeed + 0.5),
      ) as tf.Scalar;
    });
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

  /**
   * Trainable variables: all (discriminator last), or those `resource`'s CRF loss ({@link Datnet.loss}) depends
   * on (no discriminator; a shared CRF listed once).
   */
  trainableVariables(resource?: Resource): tf.Variable[] {
    const rs = resource ? [resource] : this.resources;
    if (resource) this.#resourceCheck(resource);
    const vars: tf.Variable[] = [
      ...this.charEmbedding.variables(),
      ...this.charCnns.flatMap((c) => c.variables()),
      ...this.charHighway.variables(),
    ];
    for (const r of rs) vars.push(...this.wordEmbeddings[r]!.variables());
    vars.push(...this.bilstm.variables());
    for (const r of rs) vars.push(...(this.privateBilstms[r]?.variables() ?? []));
    if (this.rnnDense) vars.push(this.rnnDense.w, this.rnnDense.b);
    const crfs = new Set<LinearChainCRF>();
    for (const r of rs) {
      const h = this.#heads[r]!;
      vars.push(h.w, h.b);
      if (!crfs.has(h.crf)) vars.push(...h.crf.variables());
      crfs.add(h.crf);
    }
    if (!resource && this.discriminator) vars.push(...this.discriminator.variables());
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
    for (const c of this.charCnns) c.dispose();
    this.charHighway.dispose();
    if (this.rnnDense) tf.dispose([this.rnnDense.w, this.rnnDense.b]);
    const crfs = new Set<LinearChainCRF>();
    for (const r of this.resources) {
      this.wordEmbeddings[r]!.dispose();
      const h = this.#heads[r]!;
      tf.dispose([h.w, h.b]);
      crfs.add(h.crf);
    }
    for (const crf of crfs) crf.dispose();
    this.bilstm.dispose();
    for (const r of this.resources) this.privateBilstms[r]?.dispose();
    this.discriminator?.dispose();
  }
}
