/**
 * Character CNN word features (DATNet §3.1, after Ma & Hovy 2016 and Chiu & Nichols 2016): a 1-D convolution of
 * width `window` over each word's character embeddings ("same" zero padding: a window that overhangs the word
 * sees zeros), max-pooling over the word's characters, then an optional activation (after pooling, which
 * equals before pooling because tanh and ReLU are monotone). A position with no characters (a padded word)
 * gives 0.
 *
 * Implementation (wasm has no `Conv2DBackpropFilter`, so `tf.conv1d` cannot be trained there, and its `Slice`
 * and broadcasting `Equal` kernels are slow): ONE matMul `Y = E·[W_0 … W_{k−1}]` projects every character
 * embedding through all k window taps at once, then one custom op sums the taps of each window, adds the bias
 * and max-pools in JavaScript — only over the word's real characters, so padding can never win the max — and
 * its gradient routes dy to the winning positions, split evenly between tied maxima (as TensorFlow's
 * `reduce_max`). Characters beyond a word's length get exactly zero gradient.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform, type Rng, zeros } from "./init.ts";
import { matMul } from "./ops.ts";

/** Options of {@link CharCNN}. */
export interface CharCnnOptions {
  /** Unique variable-name prefix. */
  name: string;
  /** Char embedding dimension C. */
  inputDim: number;
  /** Number of filters F (DATNet: 20). */
  filters: number;
  /** Window (kernel) width (DATNet: 3). */
  window: number;
  /** Applied after pooling. Default `"none"` (Ma & Hovy's CNN has none; the later DATNet release uses tanh). */
  activation?: "none" | "tanh" | "relu";
  rng: Rng;
}

/**
 * Window sums + bias + max over each word's characters, in JavaScript (float64 sums). `y [N·L, k·F]` holds each
 * character's projection through every tap (column j·F + f); window p of word n covers characters
 * p − left … p − left + k − 1, left = ⌊(k−1)/2⌋, those outside [0, len_n) contributing nothing.
 */
function convMaxPool(
  y: tf.Tensor2D,
  bias: tf.Tensor,
  wordLengths: ArrayLike<number>,
  N: number,
  L: number,
  k: number,
  F: number,
): tf.Tensor2D {
  const left = Math.floor((k - 1) / 2);
  const kF = k * F;
  /** Fills conv[p·F + f] for word n; returns false for a word without characters. */
  const windows = (yv: Float32Array, bv: Float32Array, n: number, conv: Float64Array): boolean => {
    const len = wordLengths[n];
    if (len <= 0) return false;
    for (let p = 0; p < len; p++) {
      for (let f = 0; f < F; f++) conv[p * F + f] = bv[f];
      for (let j = 0; j < k; j++) {
        const q = p - left + j;
        if (q < 0 || q >= len) continue;
        const row = (n * L + q) * kF + j * F;
        for (let f = 0; f < F; f++) conv[p * F + f] += yv[row + f];
      }
    }
    return true;
  };
  const op = tf.customGrad(
    ((yIn: tf.Tensor2D, bIn: tf.Tensor1D) => {
      const yv = yIn.dataSync() as Float32Array;
      const bv = bIn.dataSync() as Float32Array;
      const conv = new Float64Array(L * F);
      const out = new Float32Array(N * F);
      for (let n = 0; n < N; n++) {
        if (!windows(yv, bv, n, conv)) continue;
        for (let f = 0; f < F; f++) {
          let m = -Infinity;
          for (let p = 0; p < wordLengths[n]; p++) m = Math.max(m, conv[p * F + f]);
          out[n * F + f] = m;
        }
      }
      return {
        value: tf.tensor2d(out, [N, F]),
        gradFunc: (dy: tf.Tensor2D) => {
          const dyv = dy.dataSync() as Float32Array;
          const dY = new Float32Array(N * L * kF);
          const db = new Float64Array(F);
          for (let n = 0; n < N; n++) {
            if (!windows(yv, bv, n, conv)) continue;
            const len = wordLengths[n];
            for (let f = 0; f < F; f++) {
              let m = -Infinity;
              let ties = 0;
              for (let p = 0; p < len; p++) {
                const v = conv[p * F + f];
                if (v > m) {
                  m = v;
                  ties = 1;
                } else if (v === m) ties++;
              }
              const g = dyv[n * F + f] / ties;
              for (let p = 0; p < len; p++) {
                if (conv[p * F + f] !== m) continue;
                db[f] += g;
                for (let j = 0; j < k; j++) {
                  const q = p - left + j;
                  if (q >= 0 && q < len) dY[(n * L + q) * kF + j * F + f] += g;
                }
              }
            }
          }
          return [tf.tensor2d(dY, [N * L, kF]), tf.tensor1d(Float32Array.from(db))];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return op(y, bias) as tf.Tensor2D;
}

/** `[B, T, L, C]` char embeddings + characters per word → `[B, T, F]` word features. */
export class CharCNN {
  readonly filters: number;
  readonly window: number;
  readonly inputDim: number;
  readonly activation: "none" | "tanh" | "relu";
  readonly w: tf.Variable;
  readonly b: tf.Variable;

  constructor(opts: CharCnnOptions) {
    const { name, inputDim, filters, window, rng } = opts;
    if (!(window >= 1 && Number.isInteger(window))) throw new Error(`CharCNN "${name}": window must be ≥ 1`);
    this.filters = filters;
    this.window = window;
    this.inputDim = inputDim;
    this.activation = opts.activation ?? "none";
    // Glorot with the fans of a conv kernel [window, C, F] (Keras/TF convention).
    const w = glorotUniform(rng, [window * inputDim, filters], window * inputDim, window * filters);
    this.w = tf.variable(w, true, `${name}/kernel`);
    w.dispose();
    const b = zeros([filters]);
    this.b = tf.variable(b, true, `${name}/bias`);
    b.dispose();
  }

  /**
   * @param chars char embeddings `[B, T, L, C]`, each word's characters first
   * @param wordLengths characters per word position, `[B·T]` (0 for padded positions, ≤ L)
   * @returns `[B, T, F]`, zero where a position has no characters
   */
  apply(chars: tf.Tensor4D, wordLengths: ArrayLike<number>): tf.Tensor3D {
    const [B, T, L, C] = chars.shape;
    if (chars.rank !== 4 || C !== this.inputDim) {
      throw new Error(
        `CharCNN: char embeddings [${chars.shape}] do not fit, expected [B, T, L, ${this.inputDim}]`,
      );
    }
    const N = B * T;
    if (wordLengths.length !== N) {
      throw new Error(
        `CharCNN: ${wordLengths.length} word lengths for char embeddings [${chars.shape}] (need ${N})`,
      );
    }
    for (let n = 0; n < N; n++) {
      if (!(wordLengths[n] >= 0 && wordLengths[n] <= L)) {
        throw new Error(`CharCNN: word length ${wordLengths[n]} at position ${n} is outside [0, ${L}]`);
      }
    }
    const k = this.window;
    const F = this.filters;
    return tf.tidy(() => {
      // Kernel [k·C, F] (row j·C + c) → all taps side by side [C, k·F] (column j·F + f).
      const taps = tf.reshape(tf.transpose(tf.reshape(this.w, [k, C, F]), [1, 0, 2]), [C, k * F]);
      const y = matMul(tf.reshape(chars, [N * L, C]) as tf.Tensor2D, taps as tf.Tensor2D);
      let pooled: tf.Tensor = convMaxPool(y, this.b, wordLengths, N, L, k, F);
      if (this.activation === "tanh") pooled = tf.tanh(pooled);
      else if (this.activation === "relu") pooled = tf.relu(pooled);
      return tf.reshape(pooled, [B, T, F]);
    });
  }

  variables(): tf.Variable[] {
    return [this.w, this.b];
  }

  dispose(): void {
    this.w.dispose();
    this.b.dispose();
  }
}
