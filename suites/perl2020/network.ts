/**
 * The model of Perl, Chaudhury & Giryes 2020 ("Low Resource Sequence Tagging using Sentence Reconstruction",
 * ACL 2020, §3, Figure 1) as the released Keras code builds it (github
 * tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction @ 62bec24 / 81cdd24, `models/baseline.py`,
 * `models/transfer_model.py`, loss in `train.py`), as one configurable class (groundwork for issue #14).
 *
 * - `baseline` (`BaselineModel`): char embedding 40 → per-word char BiLSTM 80 (final states, no mask) ⊕ frozen
 *   MUSE word vectors → BiLSTM 80 → dropout 0.5 → sentence L2 normalisation (`feature_vector`) → BiLSTM 80 →
 *   dropout 0.5 → keras_contrib CRF (its own dense projection).
 * - `transfer` (`TransferModel`, weight sharing, §3.2 / Figure 3): char embedding 80 → char BiLSTM 100; the source
 *   and target MUSE lookups of each token are switched by the per-token language flag (`K.switch(lang_in,
 *   concat_tgt, concat_src)`, flag 1 = target); then one shared encoder BiLSTM 100 → sentence L2 normalisation →
 *   dropout 0.35 → BiLSTM 100 → dropout 0.35 → one CRF. With `sharedEncoder: false` the encoder BiLSTM is
 *   language-specific (the paper's Figure 1 caption "the LSTMs are language-specific"; the released code at
 *   44623d7 had `encoder_src`/`encoder_tgt` switched the same way): each encoder reads its own language's
 *   embeddings and the outputs are switched per token. The tagger BiLSTM and CRF stay shared in both modes.
 * - `reconstruction` (§3.4, Figure 4, Eq. 2; `models/reconstruction.ts`): the fully convolutional decoder on the
 *   normalised encoder output `feature_vector`, target the raw MUSE rows of the input words (the language's own
 *   table per token, `total_embedding_matrix` in `train.py`), loss weight 1 (`loss=[crf, reconstruction]`).
 * - `adversarial` (§3.3, Eq. 1; NOT in the released code): a 1D-CNN language discriminator on the normalised
 *   sentence representation Z, behind a gradient-reversal layer (`models/grad.ts`); every size is a harness
 *   choice ({@link Perl2020DiscriminatorConfig}).
 *
 * Padding: the released model has no mask anywhere (`mask_zero=False` on the char embedding, no `mask_zero` on the
 * word embedding, CuDNNLSTM): sentences are padded to `max_len` = 70 and words to `max_len_char`, and padded
 * steps are ordinary steps of every layer. Here every LSTM is run with all lengths equal to the padded length,
 * so padded steps are processed exactly like real ones (as CuDNNLSTM without a mask: the backward direction
 * starts at the last PADDED step), and the CRF gets an all-ones mask with `KERAS_CONTRIB_CRF_OPTIONS`.
 *
 * Stages: {@link Perl2020Net.embed} (char encodings ⊕ switched word vectors), {@link Perl2020Net.encode} (encoder
 * states, the normalised `feature_vector`, the tagger's input), {@link Perl2020Net.loss} (CRF +
 * reconstruction + adversarial).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { KERAS_CONTRIB_CRF_OPTIONS, LinearChainCRF } from "../../models/crf.ts";
import { CharEmbedding } from "../../models/embedding.ts";
import { gradientReversal } from "../../models/grad.ts";
import { glorotUniform, orthogonal, type Rng, zeros } from "../../models/init.ts";
import { BiLSTM } from "../../models/lstm.ts";
import { customOp, type CustomOpResult, dense, denseSeq, gatherRows } from "../../models/ops.ts";
import { conv1d, ReconstructionDecoder, reconstructionLoss } from "../../models/reconstruction.ts";
import { sentenceL2Normalize } from "../../models/sentence_norm.ts";

/** Model variants: the single-language baseline or the weight-sharing transfer model. */
export type Perl2020Variant = "baseline" | "transfer";

/**
 * How the generator part L_G of Eq. 1 reaches the encoder (harness choice; the released code has no adversarial
 * branch):
 * - `"reversal"`: one discriminator cross-entropy L_D on a gradient-reversal layer (identity forward, gradient ×
 *   −λ backward, Ganin & Lempitsky 2015): the discriminator descends L_D, the encoder ascends λ·L_D.
 *   Reported `adversarial` = L_D.
 * - `"flipped-label"`: Eq. 1 literally (Lample et al. 2018a): L_D = CE(D(Z), l) with Z held constant (only θ_D
 *   learns from it), L_G = CE(D(Z), 1 − l) with θ_D held constant (only the encoder learns from it).
 *   Reported `adversarial` = L_D + L_G.
 */
export type AdversarialObjective = "reversal" | "flipped-label";

/**
 * The language discriminator of §3.3 ("a 1D CNN which encodes it and outputs a softmax class"). The paper gives
 * no sizes and the released code has no discriminator: EVERY field here is a harness choice.
 */
export interface Perl2020DiscriminatorConfig {
  /** Harness choice: filters of the Conv1D ReLU layers ("same" padding), in order. Default [64, 64]. */
  filters: number[];
  /** Harness choice: kernel width of every Conv1D layer. Default 3. */
  kernelSize: number;
  /** Harness choice: gradient-reversal scale λ ≥ 0 (used by the `"reversal"` objective). Default 1. */
  reversal: number;
  /** Harness choice: see {@link AdversarialObjective}. Default `"reversal"`. */
  objective: AdversarialObjective;
  /** Harness choice: weight of L_adv in the total loss (Eq. 1 is added unweighted). Default 1. */
  weight: number;
}

/** Default discriminator (harness choices, see {@link Perl2020DiscriminatorConfig}). */
export const PERL2020_DISCRIMINATOR: Readonly<Perl2020DiscriminatorConfig> = Object.freeze({
  filters: [64, 64],
  kernelSize: 3,
  reversal: 1,
  objective: "reversal",
  weight: 1,
});

/** Configuration of {@link Perl2020Net}. Sizes default to the released code's (see the presets). */
export interface Perl2020Config {
  variant: Perl2020Variant;
  /** Add the reconstruction decoder and its loss (released `--add_reconstruction`). */
  reconstruction: boolean;
  /** Add the adversarial language discriminator (paper §3.3; transfer only, it needs two languages). */
  adversarial: boolean;
  /** Transfer: one encoder BiLSTM for both languages (released code, default true) or one per language (paper
   * Figure 1 caption). Must be true for the baseline. */
  sharedEncoder: boolean;
  /** Char embedding width (released: 40 baseline, 80 transfer; `output_dim`). */
  charEmbeddingDim: number;
  /** Char BiLSTM units per direction (released `h1`: 80 / 100). */
  charLstmUnits: number;
  /** Encoder BiLSTM units per direction (released `h2`: 80 / 100). */
  encoderUnits: number;
  /** Tagger BiLSTM units per direction (released `h3`: 80 / 100). */
  taggerUnits: number;
  /** Dropout rate on the encoder output (released: 0.5 baseline, 0.35 transfer). */
  dropoutEncoder: number;
  /** Dropout rate on the tagger BiLSTM output (released: 0.5 / 0.35). */
  dropoutTagger: number;
  /**
   * Where the encoder dropout sits relative to the sentence normalisation: `"before-norm"` (released baseline:
   * `Dropout(0.5)` then `sentenceL2Norm`, so the tagger and the decoder read a unit-norm sentence even when
   * training) or `"after-norm"` (released transfer: `sentenceL2Norm` then `Dropout(0.35)`, the decoder reads
   * the undropped unit-norm `feature_vector`, the tagger its dropped copy). Default by variant.
   */
  dropoutPlacement?: "before-norm" | "after-norm";
  /** Initialiser of the LSTMs' recurrent kernels: `"orthogonal"` (Keras CuDNNLSTM default) or `"glorot"`
   * (models/lstm.ts default). Default `"orthogonal"`. */
  recurrentInit?: "orthogonal" | "glorot";
  /** Weight of the reconstruction loss (released: 1, no `loss_weights`). Default 1. */
  reconstructionWeight?: number;
  /** Decoder filters (released: 8, 16, 32, 64). */
  decoderFilters?: number[];
  /** The discriminator (harness choices); default {@link PERL2020_DISCRIMINATOR}. */
  discriminator?: Perl2020DiscriminatorConfig;
}

/** Released `models/baseline.py` @ 62bec24. */
export const PERL2020_BASELINE: Readonly<Perl2020Config> = Object.freeze({
  variant: "baseline",
  reconstruction: false,
  adversarial: false,
  sharedEncoder: true,
  charEmbeddingDim: 40,
  charLstmUnits: 80,
  encoderUnits: 80,
  taggerUnits: 80,
  dropoutEncoder: 0.5,
  dropoutTagger: 0.5,
  dropoutPlacement: "before-norm",
  recurrentInit: "orthogonal",
});

/** Released `models/transfer_model.py` @ 62bec24 (weight sharing, shared encoder). */
export const PERL2020_TRANSFER: Readonly<Perl2020Config> = Object.freeze({
  variant: "transfer",
  reconstruction: false,
  adversarial: false,
  sharedEncoder: true,
  charEmbeddingDim: 80,
  charLstmUnits: 100,
  encoderUnits: 100,
  taggerUnits: 100,
  dropoutEncoder: 0.35,
  dropoutTagger: 0.35,
  dropoutPlacement: "after-norm",
  recurrentInit: "orthogonal",
});

/** A frozen pretrained word table (MUSE in the paper): `rows × dim` row-major float32 values. */
export interface PretrainedTable {
  rows: number;
  dim: number;
  vectors: Float32Array;
}

/**
 * Inputs of {@link Perl2020Net.create}. Word ids index the table of the token's language (released: each
 * language's `word2idx` and `embedding_matrix`, rows used as read, "pad" and "unknown" rows included); chars
 * share one vocabulary.
 */
export interface Perl2020Inputs {
  /** Char vocabulary size (released `n_chars + 2`). */
  numChars: number;
  /** Number of tags K (padding label `O` must be one of them). */
  numTags: number;
  /** Target-language table (the baseline's only table). */
  target: PretrainedTable;
  /** Source-language table (transfer only); same `dim` as the target's. */
  source?: PretrainedTable;
}

/** One padded batch. All tensors are the caller's (not disposed here). */
export interface Perl2020Batch {
  /** `[B, T]` int32 word ids, each into its token's language's table. */
  words: tf.Tensor2D;
  /** `[B, T, C]` int32 char ids (0 = padding char, an ordinary input: no mask). */
  chars: tf.Tensor3D;
  /** `[B, T]` int32 language flag per token, 1 = target, 0 = source (released `X_lang`, True = target). Transfer
   * only; omitted: all target. The adversarial loss needs a constant flag per sentence. */
  lang?: tf.Tensor2D;
  /** `[B, T]` int32 gold tags (padding steps carry `O`'s id and are scored). */
  tags: tf.Tensor2D;
}

/** Output of {@link Perl2020Net.embed}. */
export interface Perl2020Embeddings {
  /** Char BiLSTM final states `[B, T, 2·charLstmUnits]` (`[h_fwd(C−1), h_bwd(0)]`). */
  chars: tf.Tensor3D;
  /** Word vectors of each token's language `[B, T, E]` (also the reconstruction target). */
  words: tf.Tensor3D;
  /** Source-table rows `[B, T, E]` (transfer with language-specific encoders only). */
  sourceWords?: tf.Tensor3D;
  /** Target-table rows `[B, T, E]` (transfer with language-specific encoders only). */
  targetWords?: tf.Tensor3D;
  /** Per-token target flag `[B, T, 1]` float32 (1 target, 0 source). */
  langMask: tf.Tensor3D;
}

/** Output of {@link Perl2020Net.encode}. */
export interface Perl2020Encoded {
  /** Encoder BiLSTM output `[B, T, 2·encoderUnits]` (switched per token with language-specific encoders). */
  encoder: tf.Tensor3D;
  /** The sentence-normalised `feature_vector` `[B, T, 2·encoderUnits]` (unit Frobenius norm per sentence): what
   * the decoder and the discriminator read. */
  featureVector: tf.Tensor3D;
  /** What the tagger BiLSTM reads `[B, T, 2·encoderUnits]`: `featureVector` (before-norm) or its dropout. */
  taggerInput: tf.Tensor3D;
}

/** Scalar losses of {@link Perl2020Net.loss}. */
export interface Perl2020Losses {
  /** keras_contrib CRF loss (per-position, batch mean; nats per position). */
  crf: tf.Scalar;
  /** Reconstruction MSE (per element, `models/reconstruction.ts`), when configured. */
  reconstruction?: tf.Scalar;
  /** L_adv (Eq. 1) as defined by the objective, when configured. */
  adversarial?: tf.Scalar;
  /** crf + reconstructionWeight·reconstruction + discriminator.weight·adversarial. */
  total: tf.Scalar;
}

/** Identity forward, zero gradient backward (TensorFlow's `stop_gradient`). */
function blockGradient<T extends tf.Tensor>(x: T): T {
  const op = customOp((xi: T): CustomOpResult<T> => ({
    value: tf.clone(xi),
    gradFunc: (dy: T) => tf.zerosLike(dy),
  }));
  return op(x) as T;
}

/**
 * The 1D-CNN language discriminator (paper §3.3; all sizes harness choices): Conv1D ReLU layers ("same"
 * padding, Glorot kernels, zero biases) over Z `[B, T, D]` → max over time → dense → 2 logits
 * (softmax: class 0 source, 1 target).
 */
export class LanguageDiscriminator {
  readonly kernels: tf.Variable[];
  readonly biases: tf.Variable[];
  readonly outW: tf.Variable;
  readonly outB: tf.Variable;

  /** @throws {Error} for empty or non-positive filters or kernel width. */
  constructor(name: string, inputDim: number, cfg: Perl2020DiscriminatorConfig, rng: Rng) {
    const ok = (v: number) => Number.isInteger(v) && v >= 1;
    if (!(cfg.filters.length >= 1 && cfg.filters.every(ok)) || !ok(cfg.kernelSize)) {
      throw new Error(`LanguageDiscriminator "${name}": filters and kernelSize must be positive integers`);
    }
    let c = inputDim;
    this.kernels = [];
    this.biases = [];
    cfg.filters.forEach((f, i) => {
      const w0 = glorotUniform(rng, [cfg.kernelSize, c, f]);
      const b0 = zeros([f]);
      this.kernels.push(tf.variable(w0, true, `${name}/conv${i + 1}/kernel`));
      this.biases.push(tf.variable(b0, true, `${name}/conv${i + 1}/bias`));
      tf.dispose([w0, b0]);
      c = f;
    });
    const o0 = glorotUniform(rng, [c, 2]);
    const ob0 = zeros([2]);
    this.outW = tf.variable(o0, true, `${name}/out/kernel`);
    this.outB = tf.variable(ob0, true, `${name}/out/bias`);
    tf.dispose([o0, ob0]);
  }

  /**
   * Logits `[B, 2]` of `z` `[B, T, D]`. With `frozen`, the discriminator's weights pass no gradient (for L_G of
   * the flipped-label objective).
   */
  logits(z: tf.Tensor3D, frozen = false): tf.Tensor2D {
    return tf.tidy(() => {
      const w = (v: tf.Variable) => (frozen ? blockGradient(v as tf.Tensor) : (v as tf.Tensor));
      let y = z;
      this.kernels.forEach((k, i) => {
        y = tf.relu(conv1d(y, w(k) as tf.Tensor3D, w(this.biases[i]) as tf.Tensor1D, "same"));
      });
      const pooled = tf.max(y, 1) as tf.Tensor2D;
      return dense(pooled, w(this.outW) as tf.Tensor2D, w(this.outB) as tf.Tensor1D);
    });
  }

  variables(): tf.Variable[] {
    return [...this.kernels.flatMap((k, i) => [k, this.biases[i]]), this.outW, this.outB];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/** Mean softmax cross-entropy of logits `[B, 2]` against class ids `labels` (0/1 per sentence). */
function crossEntropy(logits: tf.Tensor2D, labels: number[]): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, "int32"), 2);
    const logp = tf.sub(logits, tf.logSumExp(logits, 1, true));
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), 1))) as tf.Scalar;
  });
}

/** Checks a {@link Perl2020Config} against the inputs; throws naming the offending field. */
export function validatePerl2020Config(cfg: Perl2020Config, inputs: Perl2020Inputs): void {
  if (cfg.variant !== "baseline" && cfg.variant !== "transfer") {
    throw new Error(
      `Perl2020Config.variant must be "baseline" or "transfer", got "${cfg.variant as string}"`,
    );
  }
  if (cfg.variant === "transfer" && !inputs.source) {
    throw new Error(`Perl2020: "transfer" needs a source table`);
  }
  if (cfg.variant === "baseline") {
    if (inputs.source) throw new Error(`Perl2020: "baseline" takes no source table`);
    if (cfg.adversarial) throw new Error(`Perl2020: "adversarial" needs the "transfer" variant`);
    if (!cfg.sharedEncoder) throw new Error(`Perl2020: "baseline" has one encoder (sharedEncoder: true)`);
  }
  if (inputs.source && inputs.source.dim !== inputs.target.dim) {
    throw new Error(`Perl2020: source dim ${inputs.source.dim} ≠ target dim ${inputs.target.dim}`);
  }
  for (const t of [inputs.target, inputs.source]) {
    if (t && t.vectors.length !== t.rows * t.dim) {
      throw new Error(`Perl2020: table holds ${t.vectors.length} values, expected ${t.rows}·${t.dim}`);
    }
  }
  for (
    const k of ["charEmbeddingDim", "charLstmUnits", "encoderUnits", "taggerUnits"] as const
  ) {
    if (!(Number.isInteger(cfg[k]) && cfg[k] >= 1)) throw new Error(`Perl2020Config.${k} must be ≥ 1`);
  }
  for (const k of ["dropoutEncoder", "dropoutTagger"] as const) {
    if (!(cfg[k] >= 0 && cfg[k] < 1)) throw new Error(`Perl2020Config.${k} must be in [0, 1)`);
  }
  const d = cfg.discriminator;
  if (d && !(Number.isFinite(d.reversal) && d.reversal >= 0)) {
    throw new Error(`Perl2020DiscriminatorConfig.reversal must be a finite number ≥ 0`);
  }
  if (d && d.objective !== "reversal" && d.objective !== "flipped-label") {
    throw new Error(`Perl2020DiscriminatorConfig.objective must be "reversal" or "flipped-label"`);
  }
}

let netCounter = 0;

/** The Perl et al. 2020 tagger (see the module docs). Create with {@link Perl2020Net.create}; `dispose()`. */
export class Perl2020Net {
  readonly config: Perl2020Config;
  readonly numTags: number;
  readonly embeddingDim: number;
  readonly charEmbedding: CharEmbedding;
  readonly charLstm: BiLSTM;
  /** The shared encoder, or the target's with language-specific encoders. */
  readonly encoder: BiLSTM;
  /** The source's encoder with language-specific encoders. */
  readonly sourceEncoder?: BiLSTM;
  readonly tagger: BiLSTM;
  /** keras_contrib CRF's own dense projection (`kernel` Glorot, `bias` zeros). */
  readonly crfKernel: tf.Variable;
  readonly crfBias: tf.Variable;
  readonly crf: LinearChainCRF;
  readonly decoder?: ReconstructionDecoder;
  readonly discriminator?: LanguageDiscriminator;
  readonly #target: tf.Tensor2D;
  readonly #source?: tf.Tensor2D;
  readonly #rows: { target: number; source: number };

  private constructor(cfg: Perl2020Config, inputs: Perl2020Inputs, rng: Rng, name: string) {
    this.config = cfg;
    this.numTags = inputs.numTags;
    const E = inputs.target.dim;
    this.embeddingDim = E;
    const t = inputs.target;
    this.#target = tf.keep(tf.tensor2d(t.vectors, [t.rows, t.dim]));
    const s = inputs.source;
    if (s) this.#source = tf.keep(tf.tensor2d(s.vectors, [s.rows, s.dim]));
    this.#rows = { target: t.rows, source: s?.rows ?? 0 };
    this.charEmbedding = new CharEmbedding(
      `${name}/char_embedding`,
      inputs.numChars,
      cfg.charEmbeddingDim,
      rng,
    );
    const lstm = (n: string, inputDim: number, units: number) => {
      const l = new BiLSTM({ name: `${name}/${n}`, inputDim, units, rng });
      if ((cfg.recurrentInit ?? "orthogonal") === "orthogonal") {
        for (const dir of [l.forward, l.backward]) {
          const u0 = orthogonal(rng, [units, 4 * units]);
          dir.u.assign(u0);
          u0.dispose();
        }
      }
      return l;
    };
    this.charLstm = lstm("char_lstm", cfg.charEmbeddingDim, cfg.charLstmUnits);
    const encIn = 2 * cfg.charLstmUnits + E;
    if (cfg.variant === "transfer" && !cfg.sharedEncoder) {
      this.encoder = lstm("encoder_tgt", encIn, cfg.encoderUnits);
      this.sourceEncoder = lstm("encoder_src", encIn, cfg.encoderUnits);
    } else {
      this.encoder = lstm("encoder", encIn, cfg.encoderUnits);
    }
    const Z = 2 * cfg.encoderUnits;
    this.tagger = lstm("tagger", Z, cfg.taggerUnits);
    const k0 = glorotUniform(rng, [2 * cfg.taggerUnits, inputs.numTags]);
    const b0 = zeros([inputs.numTags]);
    this.crfKernel = tf.variable(k0, true, `${name}/crf/kernel`);
    this.crfBias = tf.variable(b0, true, `${name}/crf/bias`);
    tf.dispose([k0, b0]);
    this.crf = new LinearChainCRF(inputs.numTags, rng, { ...KERAS_CONTRIB_CRF_OPTIONS, name: `${name}/crf` });
    if (cfg.reconstruction) {
      this.decoder = new ReconstructionDecoder({
        name: `${name}/decoder`,
        inputDim: Z,
        outputDim: E,
        filters: cfg.decoderFilters,
        rng,
      });
    }
    if (cfg.adversarial) {
      const d = cfg.discriminator ?? PERL2020_DISCRIMINATOR;
      this.discriminator = new LanguageDiscriminator(`${name}/discriminator`, Z, d, rng);
    }
  }

  /**
   * Builds the network; weights are drawn from `rng` in the order char embedding, char BiLSTM, encoder(s),
   * tagger, CRF dense, CRF, decoder, discriminator.
   *
   * @throws {Error} for an invalid configuration (see {@link validatePerl2020Config}).
   */
  static create(cfg: Perl2020Config, inputs: Perl2020Inputs, rng: Rng, name?: string): Perl2020Net {
    validatePerl2020Config(cfg, inputs);
    return new Perl2020Net(cfg, inputs, rng, name ?? `perl2020_${netCounter++}`);
  }

  /**
   * Per-token language flags as host numbers (1 target, 0 source), checking word ids against each token's table.
   *
   * @throws {Error} for a flag other than 0/1, a source flag without a source table, or an out-of-range word id.
   */
  #flags(batch: Perl2020Batch): { flags: Int32Array; ids: Int32Array } {
    const [B, T] = batch.words.shape;
    const ids = batch.words.dataSync() as Int32Array;
    const flags = batch.lang ? (batch.lang.dataSync() as Int32Array) : new Int32Array(B * T).fill(1);
    if (flags.length !== B * T) throw new Error(`Perl2020: lang [${batch.lang?.shape}] ≠ words [${B}, ${T}]`);
    for (let i = 0; i < B * T; i++) {
      const f = flags[i];
      if (f !== 0 && f !== 1) throw new Error(`Perl2020: language flag ${f} at ${i}, expected 0 or 1`);
      if (f === 0 && !this.#source) throw new Error(`Perl2020: a source token without a source table`);
      const rows = f === 1 ? this.#rows.target : this.#rows.source;
      if (!(ids[i] >= 0 && ids[i] < rows)) {
        throw new Error(`Perl2020: word id ${ids[i]} at ${i} outside the ${f ? "target" : "source"} table`);
      }
    }
    return { flags, ids };
  }

  /**
   * Char encodings ⊕ word vectors. Chars: embedding → BiLSTM over all C char slots (no mask) → final states
   * `[h_fwd at C−1, h_bwd at 0]` (Keras `Bidirectional(CuDNNLSTM(return_sequences=False))`). Words: the
   * frozen row of each token's language (`K.switch(lang_in, tgt, src)` per token). One host read of ids/flags.
   *
   * @throws {Error} for shape mismatches or ids outside their table.
   */
  embed(batch: Perl2020Batch): Perl2020Embeddings {
    const [B, T] = batch.words.shape;
    const [cb, ct, C] = batch.chars.shape;
    if (cb !== B || ct !== T) {
      throw new Error(`Perl2020: chars [${batch.chars.shape}] ≠ words [${B}, ${T}, C]`);
    }
    const { flags, ids } = this.#flags(batch);
    const { unique, inverse } = uniqueCharRows(batch.chars.dataSync() as Int32Array, B * T, C);
    return tf.tidy(() => {
      // The char BiLSTM is a function of a word's char row alone, so it runs once per distinct row of the batch
      // (padded positions share one all-zero row) and the result is gathered back: the same values and, through
      // the gather, the same gradients as running it on all B·T rows.
      const U = unique.length / C;
      const ce = this.charEmbedding.lookup(tf.tensor2d(unique, [U, C], "int32")) as tf.Tensor3D;
      const H = this.config.charLstmUnits;
      const out = this.charLstm.apply(ce, new Array(U).fill(C));
      const fwd = tf.slice(out, [0, C - 1, 0], [U, 1, H]);
      const bwd = tf.slice(out, [0, 0, H], [U, 1, H]);
      const perRow = tf.reshape(tf.concat([fwd, bwd], 2), [U, 2 * H]) as tf.Tensor2D;
      const chars = tf.reshape(gatherRows(perRow, tf.tensor1d(inverse, "int32")), [
        B,
        T,
        2 * H,
      ]) as tf.Tensor3D;
      const E = this.embeddingDim;
      const langMask = tf.tensor3d(Float32Array.from(flags), [B, T, 1]);
      const rowsOf = (table: tf.Tensor2D, lang: number, rows: number) => {
        // ids of the other language are clamped: their rows are computed but switched away
        const idx = Int32Array.from(ids, (v, i) => (flags[i] === lang ? v : Math.min(v, rows - 1)));
        return tf.reshape(gatherRows(table, tf.tensor1d(idx, "int32")), [B, T, E]) as tf.Tensor3D;
      };
      const targetWords = rowsOf(this.#target, 1, this.#rows.target);
      if (!this.#source) return { chars, words: targetWords, langMask };
      const sourceWords = rowsOf(this.#source, 0, this.#rows.source);
      const words = switchLang(langMask, targetWords, sourceWords);
      return this.sourceEncoder
        ? { chars, words, sourceWords, targetWords, langMask }
        : { chars, words, langMask };
    });
  }

  /**
   * Encoder BiLSTM over `[chars ; words]` (all T steps, no mask) → encoder dropout and sentence L2 normalisation
   * in the configured order. Dropout only when `training`, seeded by `dropoutSeed` (one stream per site).
   *
   * @returns `encoder`, `featureVector` (unit Frobenius norm per sentence) and `taggerInput`, each
   *   `[B, T, 2·encoderUnits]`.
   */
  encode(emb: Perl2020Embeddings, training: boolean, dropoutSeed: number): Perl2020Encoded {
    const cfg = this.config;
    return tf.tidy(() => {
      const [B, T] = emb.words.shape;
      const lengths = new Array(B).fill(T);
      let encoder: tf.Tensor3D;
      if (this.sourceEncoder && emb.sourceWords && emb.targetWords) {
        const tgt = this.encoder.apply(tf.concat([emb.chars, emb.targetWords], 2) as tf.Tensor3D, lengths);
        const src = this.sourceEncoder.apply(
          tf.concat([emb.chars, emb.sourceWords], 2) as tf.Tensor3D,
          lengths,
        );
        encoder = switchLang(emb.langMask, tgt, src);
      } else {
        encoder = this.encoder.apply(tf.concat([emb.chars, emb.words], 2) as tf.Tensor3D, lengths);
      }
      const drop = (x: tf.Tensor3D) =>
        training && cfg.dropoutEncoder > 0
          ? tf.dropout(x, cfg.dropoutEncoder, undefined, `${dropoutSeed}:encoder`) as tf.Tensor3D
          : x;
      const placement = cfg.dropoutPlacement ?? (cfg.variant === "baseline" ? "before-norm" : "after-norm");
      if (placement === "before-norm") {
        const featureVector = sentenceL2Normalize(drop(encoder));
        return { encoder, featureVector, taggerInput: featureVector };
      }
      const featureVector = sentenceL2Normalize(encoder);
      return { encoder, featureVector, taggerInput: drop(featureVector) };
    });
  }

  /** CRF emissions `[B, T, K]` of the tagger input: BiLSTM → dropout (training) → dense. */
  emissions(taggerInput: tf.Tensor3D, training: boolean, dropoutSeed: number): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T] = taggerInput.shape;
      let h = this.tagger.apply(taggerInput, new Array(B).fill(T));
      if (training && this.config.dropoutTagger > 0) {
        h = tf.dropout(h, this.config.dropoutTagger, undefined, `${dropoutSeed}:tagger`) as tf.Tensor3D;
      }
      return denseSeq(h, this.crfKernel as tf.Tensor2D, this.crfBias as tf.Tensor1D);
    });
  }

  /**
   * Per-sentence language labels (1 target, 0 source) for the discriminator.
   *
   * @throws {Error} when a sentence mixes languages.
   */
  #sentenceLabels(batch: Perl2020Batch): number[] {
    const [B, T] = batch.words.shape;
    const f = batch.lang ? (batch.lang.dataSync() as Int32Array) : new Int32Array(B * T).fill(1);
    return Array.from({ length: B }, (_, b) => {
      for (let t = 1; t < T; t++) {
        if (f[b * T + t] !== f[b * T]) throw new Error(`Perl2020: sentence ${b} mixes languages`);
      }
      return f[b * T];
    });
  }

  /** L_adv (Eq. 1) of the normalised sentence representations `z` `[B, T, D]` (see {@link AdversarialObjective}). */
  adversarialLoss(z: tf.Tensor3D, labels: number[]): tf.Scalar {
    const disc = this.discriminator;
    if (!disc) throw new Error(`Perl2020: no discriminator configured`);
    const d = this.config.discriminator ?? PERL2020_DISCRIMINATOR;
    return tf.tidy(() => {
      if (d.objective === "reversal") {
        return crossEntropy(disc.logits(gradientReversal(z, d.reversal)), labels);
      }
      const lD = crossEntropy(disc.logits(blockGradient(z)), labels);
      const lG = crossEntropy(disc.logits(z, true), labels.map((l) => 1 - l));
      return tf.add(lD, lG) as tf.Scalar;
    });
  }

  /**
   * The training objective: keras_contrib CRF loss (all-ones `[B, T]` mask: every padded step scored, ÷ T per
   * sentence, batch mean, dangling transition to tag 0) + reconstruction MSE (decoder on `featureVector`,
   * target the token's own-language table rows) + L_adv. Dropout when `training`, seeded by `dropoutSeed`.
   *
   * @returns scalars; `total` = crf + w_r·reconstruction + w_adv·adversarial.
   * @throws {Error} for bad batches (see {@link Perl2020Net.embed}); with a discriminator, for mixed-language
   *   sentences.
   */
  loss(batch: Perl2020Batch, training: boolean, dropoutSeed: number): Perl2020Losses {
    const labels = this.discriminator ? this.#sentenceLabels(batch) : [];
    return tf.tidy((): tf.TensorContainerObject => {
      const emb = this.embed(batch);
      const enc = this.encode(emb, training, dropoutSeed);
      const [B, T] = batch.words.shape;
      const em = this.emissions(enc.taggerInput, training, dropoutSeed);
      const crf = this.crf.negLogLikelihood(em, batch.tags, tf.ones([B, T]) as tf.Tensor2D);
      let total: tf.Scalar = crf;
      const out: Perl2020Losses = { crf, total };
      if (this.decoder) {
        const reconstruction = reconstructionLoss(this.decoder.apply(enc.featureVector), emb.words);
        out.reconstruction = reconstruction;
        total = tf.add(total, tf.mul(reconstruction, this.config.reconstructionWeight ?? 1));
      }
      if (this.discriminator) {
        const adversarial = this.adversarialLoss(enc.featureVector, labels);
        out.adversarial = adversarial;
        const w = (this.config.discriminator ?? PERL2020_DISCRIMINATOR).weight;
        total = tf.add(total, tf.mul(adversarial, w));
      }
      out.total = total;
      return { ...out };
    }) as unknown as Perl2020Losses;
  }

  /** Viterbi tag paths (exact argmax; all T steps, padding included), one `number[T]` per sentence. */
  predict(batch: Perl2020Batch): number[][] {
    const [B, T] = batch.words.shape;
    const em = tf.tidy(() => this.emissions(this.encode(this.embed(batch), false, 0).taggerInput, false, 0));
    try {
      return this.crf.decode(em, new Array(B).fill(T));
    } finally {
      em.dispose();
    }
  }

  /** Every trainable variable (the MUSE tables are frozen tensors, not variables). */
  trainableVariables(): tf.Variable[] {
    return [
      ...this.charEmbedding.variables(),
      ...this.charLstm.variables(),
      ...this.encoder.variables(),
      ...(this.sourceEncoder?.variables() ?? []),
      ...this.tagger.variables(),
      this.crfKernel,
      this.crfBias,
      ...this.crf.variables(),
      ...(this.decoder?.variables() ?? []),
      ...(this.discriminator?.variables() ?? []),
    ];
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    tf.dispose(this.trainableVariables());
    this.#target.dispose();
    this.#source?.dispose();
  }
}

/**
 * The distinct rows of a `[n, c]` int32 matrix in order of first appearance (`unique`, `[u·c]`) and, for each
 * row, the index of its distinct row (`inverse`, `[n]`).
 */
export function uniqueCharRows(
  x: Int32Array,
  n: number,
  c: number,
): { unique: Int32Array; inverse: Int32Array } {
  const seen = new Map<string, number>();
  const inverse = new Int32Array(n);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = x.subarray(i * c, (i + 1) * c).join(",");
    let u = seen.get(key);
    if (u === undefined) {
      u = rows.length;
      seen.set(key, u);
      rows.push(i);
    }
    inverse[i] = u;
  }
  const unique = new Int32Array(rows.length * c);
  rows.forEach((r, k) => unique.set(x.subarray(r * c, (r + 1) * c), k * c));
  return { unique, inverse };
}

/** Per-token switch: `m·tgt + (1 − m)·src` with `m` `[B, T, 1]` (1 target), i.e. `K.switch(lang, tgt, src)`. */
function switchLang(m: tf.Tensor3D, tgt: tf.Tensor3D, src: tf.Tensor3D): tf.Tensor3D {
  return tf.add(tf.mul(m, tgt), tf.mul(tf.sub(1, m), src)) as tf.Tensor3D;
}
