/**
 * The sentence-reconstruction branch of Perl et al. 2020 ("Low Resource Sequence Tagging using Sentence
 * Reconstruction", ACL 2020, §3.4, Figure 4, Eq. 2) as the released Keras code builds it
 * (tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction, `models/baseline.py` and
 * `models/transfer_model.py`, loss in `train.py`):
 *
 * ```
 * fv  = sentenceL2Norm(encoder BiLSTM output)                       [B, T, 2H]
 * d1  = Conv1D(8,  3, padding='same', activation='relu')(fv)        glorot_uniform kernel, zero bias
 * d2  = Conv1D(16, 3, padding='same', activation='relu')(d1)
 * d3  = Conv1D(32, 3, padding='same', activation='relu')(d2)
 * d4  = Conv1D(64, 3, padding='same', activation='relu')(d3)
 * out = Conv1D(300, 1, padding='same', use_bias=False)(d4)          linear
 * out = wordL2Norm(out)                                              K.l2_normalize(x, axis=2)
 * loss = K.mean(K.square(y_true - y_pred), axis=-1)                  then Keras' mean over batch and time
 * ```
 *
 * The paper's "5 layers, kernel 3, ReLU" are the four k = 3 ReLU layers plus the linear k = 1 projection. The
 * released model is compiled with `loss=[crf.loss_function, reconstruction_loss]` and no `loss_weights` (1 : 1).
 *
 * Conv1D is computed with matMuls over shifted copies (wasm has no `Conv2DBackpropFilter`, so `tf.conv1d` cannot
 * be trained there; compare `char_cnn.ts`): either the inputs are shifted and concatenated (im2col) and multiplied
 * by the `[k·C, F]` kernel, or every step is projected through all k taps at once and the shifted projections are
 * summed — whichever moves fewer values. Padded steps of the sentence are ordinary steps (no mask), as in the
 * released model.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform, type Rng, zeros } from "./init.ts";
import { denseSeq, matMul } from "./ops.ts";
import { KERAS_L2_EPSILON, wordL2Normalize } from "./sentence_norm.ts";

/** Keras Conv1D padding modes (stride 1, dilation 1). */
export type Conv1dPadding = "same" | "valid" | "causal";

/** How {@link conv1d} lays out its matMul: shift the inputs (im2col) or the per-tap projections. */
export type Conv1dStrategy = "auto" | "im2col" | "taps";

/**
 * Zeros added before and after the time axis by Keras/TensorFlow for kernel width k (stride 1, dilation 1):
 * `"same"`: k − 1 in all, ⌊(k − 1)/2⌋ before (so for k = 3, one on each side; for even k the extra zero goes
 * after, as TensorFlow's SAME); `"causal"`: k − 1 before; `"valid"`: none.
 *
 * @throws {Error} for a kernel width that is not a positive integer or an unknown mode.
 */
export function conv1dPadding(k: number, padding: Conv1dPadding): [number, number] {
  if (!(Number.isInteger(k) && k >= 1)) {
    throw new Error(`conv1d: kernel width must be an integer ≥ 1, got ${k}`);
  }
  switch (padding) {
    case "same": {
      const left = Math.floor((k - 1) / 2);
      return [left, k - 1 - left];
    }
    case "causal":
      return [k - 1, 0];
    case "valid":
      return [0, 0];
    default:
      throw new Error(`conv1d: padding must be "same", "valid" or "causal", got "${padding as string}"`);
  }
}

/**
 * 1-D convolution (cross-correlation, as Keras' `Conv1D`), stride 1, dilation 1:
 * `y[b, t, f] = bias[f] + Σ_{j<k} Σ_c xp[b, t + j, c] · kernel[j, c, f]`, where xp is x with the zeros of
 * {@link conv1dPadding} added on the time axis. Built from reshapes, pads, slices, concat and {@link matMul},
 * so it is differentiable on every backend (wasm included). Units are those of x times those of the kernel.
 *
 * @param x `[B, T, C]`
 * @param kernel `[k, C, F]` (Keras' Conv1D kernel layout)
 * @param bias `[F]` or undefined (`use_bias=False`)
 * @param padding `"same"` (T_out = T), `"causal"` (T_out = T) or `"valid"` (T_out = T − k + 1)
 * @param strategy `"im2col"` (shift the inputs: one `[B·T_out, k·C] · [k·C, F]` product), `"taps"` (one
 *   `[B·T, C] · [C, k·F]` product, then shifted sums) or `"auto"` (im2col when C ≤ F, taps otherwise). The
 *   results agree up to float32 rounding.
 * @returns `[B, T_out, F]`
 * @throws {Error} when the shapes do not fit, or `"valid"` padding leaves no output step (T < k).
 */
export function conv1d(
  x: tf.Tensor3D,
  kernel: tf.Tensor3D,
  bias?: tf.Tensor1D,
  padding: Conv1dPadding = "same",
  strategy: Conv1dStrategy = "auto",
): tf.Tensor3D {
  if (x.rank !== 3) throw new Error(`conv1d: input must be [B, T, C], got shape [${x.shape}]`);
  if (kernel.rank !== 3) throw new Error(`conv1d: kernel must be [k, C, F], got shape [${kernel.shape}]`);
  const [B, T, C] = x.shape;
  const [k, kc, F] = kernel.shape;
  if (kc !== C) throw new Error(`conv1d: kernel [${kernel.shape}] does not fit input [${x.shape}]`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== F)) {
    throw new Error(`conv1d: bias [${bias.shape}] does not fit kernel [${kernel.shape}]`);
  }
  const [left, right] = conv1dPadding(k, padding);
  const Tout = T + left + right - k + 1;
  if (Tout < 1) {
    throw new Error(`conv1d: ${padding} padding of ${T} steps with kernel width ${k} leaves no output`);
  }
  if (strategy !== "auto" && strategy !== "im2col" && strategy !== "taps") {
    throw new Error(`conv1d: unknown strategy "${strategy as string}"`);
  }
  return tf.tidy(() => {
    let y: tf.Tensor3D;
    if (k === 1) {
      y = denseSeq(x, tf.reshape(kernel, [C, F]) as tf.Tensor2D);
    } else if (strategy === "im2col" || (strategy === "auto" && C <= F)) {
      // Shifted copies of the (padded) input side by side: column j·C + c holds xp[t + j, c].
      const xp = left + right > 0 ? tf.pad(x, [[0, 0], [left, right], [0, 0]]) : x;
      const cols = tf.concat(
        Array.from({ length: k }, (_, j) => tf.slice(xp, [0, j, 0], [B, Tout, C])),
        2,
      );
      y = denseSeq(cols as tf.Tensor3D, tf.reshape(kernel, [k * C, F]) as tf.Tensor2D);
    } else {
      // Every step through all taps at once ([C, k·F], column j·F + f), then y[t] = Σ_j proj[t + j − left, j].
      const taps = tf.reshape(tf.transpose(kernel, [1, 0, 2]), [C, k * F]) as tf.Tensor2D;
      const proj = tf.reshape(matMul(tf.reshape(x, [B * T, C]) as tf.Tensor2D, taps), [B, T, k, F]);
      const pp = left + right > 0 ? tf.pad(proj, [[0, 0], [left, right], [0, 0], [0, 0]]) : proj;
      const parts = Array.from(
        { length: k },
        (_, j) => tf.reshape(tf.slice(pp, [0, j, j, 0], [B, Tout, 1, F]), [B, Tout, F]),
      );
      y = tf.addN(parts) as tf.Tensor3D;
    }
    return (bias ? tf.add(y, bias) : y) as tf.Tensor3D;
  });
}

/** Options of {@link ReconstructionDecoder}. */
export interface ReconstructionDecoderOptions {
  /** Unique variable-name prefix. */
  name: string;
  /** Width D_in of the (normalised) encoder states fed to the decoder: 2 × the BiLSTM units (released: 160
   * baseline, 200 transfer). */
  inputDim: number;
  /** Filters of the ReLU layers (released: 8, 16, 32, 64). */
  filters?: number[];
  /** Kernel width of the ReLU layers (released: 3). */
  kernelSize?: number;
  /** Width of the reconstructed embeddings (released: the embedding matrix's, 300 for MUSE). */
  outputDim?: number;
  /** Padding of every layer (released: `"same"`). */
  padding?: Conv1dPadding;
  /** Epsilon of the final per-word L2 normalisation (released: TensorFlow's 1e-12). */
  epsilon?: number;
  /** Source of the initial kernels (drawn layer by layer, first to last; biases are zeros and draw nothing). */
  rng: Rng;
}

/** One Conv1D layer of the decoder: kernel `[k, C, F]`, optional bias `[F]`, ReLU or linear. */
export interface DecoderLayer {
  kernel: tf.Variable;
  bias: tf.Variable | null;
  relu: boolean;
}

/** Released filters of the decoder's ReLU layers (`models/baseline.py`, `models/transfer_model.py`). */
export const RELEASED_DECODER_FILTERS: readonly number[] = [8, 16, 32, 64];

/**
 * The fully convolutional reconstruction decoder (paper §3.4, Figure 4; released `models/baseline.py` /
 * `models/transfer_model.py`, `if add_reconstruction:` branch): Conv1D k = 3 "same" ReLU with 8, 16, 32, 64
 * filters, then a linear bias-free Conv1D k = 1 to 300, then the per-word L2 normalisation. Kernels are
 * Glorot-uniform with a conv kernel's fans (fan_in = k·C, fan_out = k·F) and biases zero — Keras' Conv1D
 * defaults — drawn from the rng in layer order, each kernel in `[k, C, F]` row-major order.
 */
export class ReconstructionDecoder {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly padding: Conv1dPadding;
  readonly epsilon: number;
  readonly layers: DecoderLayer[];

  /** @throws {Error} for non-positive or non-integer sizes or an unknown padding mode. */
  constructor(opts: ReconstructionDecoderOptions) {
    const { name, inputDim, rng } = opts;
    const filters = opts.filters ?? [...RELEASED_DECODER_FILTERS];
    const k = opts.kernelSize ?? 3;
    const outputDim = opts.outputDim ?? 300;
    const positive = (v: number) => Number.isInteger(v) && v >= 1;
    if (!positive(inputDim)) throw new Error(`ReconstructionDecoder "${name}": inputDim must be ≥ 1`);
    if (!positive(outputDim)) throw new Error(`ReconstructionDecoder "${name}": outputDim must be ≥ 1`);
    if (!positive(k)) throw new Error(`ReconstructionDecoder "${name}": kernelSize must be ≥ 1`);
    if (!filters.every(positive)) {
      throw new Error(`ReconstructionDecoder "${name}": filters must be integers ≥ 1, got [${filters}]`);
    }
    this.padding = opts.padding ?? "same";
    conv1dPadding(k, this.padding); // validates the mode
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.epsilon = opts.epsilon ?? KERAS_L2_EPSILON;
    const specs = [
      ...filters.map((f) => ({ k, f, bias: true, relu: true })),
      { k: 1, f: outputDim, bias: false, relu: false },
    ];
    let c = inputDim;
    this.layers = specs.map((s, i) => {
      const w0 = glorotUniform(rng, [s.k, c, s.f]); // fans k·C, k·F (init.ts computeFans)
      const kernel = tf.variable(w0, true, `${name}/conv${i + 1}/kernel`);
      w0.dispose();
      let bias: tf.Variable | null = null;
      if (s.bias) {
        const b0 = zeros([s.f]);
        bias = tf.variable(b0, true, `${name}/conv${i + 1}/bias`);
        b0.dispose();
      }
      c = s.f;
      return { kernel, bias, relu: s.relu };
    });
  }

  /**
   * Reconstructed word embeddings, unit norm per position.
   *
   * @param h the sentence-normalised encoder states `[B, T, D_in]` (`feature_vector` in the released code; see
   *   `sentenceL2Normalize`), padded steps included
   * @returns `[B, T, outputDim]`, each position of L2 norm 1 (or 0 where the linear layer gives exactly 0)
   * @throws {Error} when the last axis of `h` is not `inputDim`.
   */
  apply(h: tf.Tensor3D): tf.Tensor3D {
    if (h.rank !== 3 || h.shape[2] !== this.inputDim) {
      throw new Error(
        `ReconstructionDecoder: input [${h.shape}] does not fit, expected [B, T, ${this.inputDim}]`,
      );
    }
    return tf.tidy(() => wordL2Normalize(this.applyLinear(h), this.epsilon));
  }

  /** The decoder before the per-word normalisation (output of the linear k = 1 layer), `[B, T', outputDim]`. */
  applyLinear(h: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      let y = h;
      for (const l of this.layers) {
        y = conv1d(
          y,
          l.kernel as tf.Tensor3D,
          (l.bias ?? undefined) as tf.Tensor1D | undefined,
          this.padding,
        );
        if (l.relu) y = tf.relu(y);
      }
      return y;
    });
  }

  /** Kernels and biases in creation order (conv1 kernel, conv1 bias, …, last kernel), as Keras lists them. */
  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => (l.bias ? [l.kernel, l.bias] : [l.kernel]));
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/**
 * The released reconstruction loss (`train.py`, `reconstruction_loss` with `--reconstruction_loss=L2`, the
 * default): `K.mean(K.square(y_true − y_pred), axis=-1)` per position, then Keras' default reduction — the mean
 * over time and over the batch (no mask, unit sample weights). Hence the mean over **all** B·T·D elements:
 * `L = (1 / (B·T·D)) Σ_{b,t,d} (target − pred)²`, padded positions included. This is 1/D of the paper's Eq. 2
 * averaged over positions (Σ_i ‖ẽ_i − e_i‖² / (B·T)).
 *
 * @param pred reconstructed embeddings `[B, T, D]` (the decoder's output, unit norm per word)
 * @param target the raw embedding rows of the input words `[B, T, D]` (released: `embedding_matrix[X]`, MUSE rows
 *   as read from the .vec file, un-normalised; padded steps hold the row of "pad", OOV words that of "unknown")
 * @returns scalar, in squared embedding units
 * @throws {Error} when the shapes differ or are not rank 3.
 */
export function reconstructionLoss(pred: tf.Tensor3D, target: tf.Tensor3D): tf.Scalar {
  if (pred.rank !== 3 || !tf.util.arraysEqual(pred.shape, target.shape)) {
    throw new Error(
      `reconstructionLoss: prediction [${pred.shape}] and target [${target.shape}] must be equal [B, T, D]`,
    );
  }
  return tf.tidy(() => tf.mean(tf.squaredDifference(target, pred)) as tf.Scalar);
}
