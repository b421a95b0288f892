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
 * `reduce_max`). Characters beyond a word's length get exactly zero gradient. The forward pass remembers the
 * winning positions, so the gradient does not recompute the windows (except for words with tied maxima).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform, type Rng, zeros } from "./init.ts";
import { customOp, type CustomOpResult, hostReadsAvailable, matMul } from "./ops.ts";

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
 * p − left … p − left + k − 1, left = ⌊(k−1)/2⌋, those outside [0, len_n) contributing nothing. Returns
 * `[N, F]` (0 for a word without characters). Used by {@link CharCNN}; exported for its tests.
 */
export function convMaxPool(
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
      // The forward pass remembers each max's (first) position and how many windows tie for it, so that the
      // gradient needs no second pass over the windows (only words with ties are recomputed).
      const arg = new Int32Array(N * F);
      const ties = new Int32Array(N * F);
      for (let n = 0; n < N; n++) {
        if (!windows(yv, bv, n, conv)) continue;
        const len = wordLengths[n];
        for (let f = 0; f < F; f++) {
          let m = -Infinity; // output: NaN-propagating max, as Math.max
          let best = -Infinity; // gradient routing: the maximum over non-NaN windows, its first position, ties
          let at = 0;
          let count = 0;
          for (let p = 0; p < len; p++) {
            const v = conv[p * F + f];
            m = Math.max(m, v);
            if (v > best) {
              best = v;
              at = p;
              count = 1;
            } else if (v === best) count++;
          }
          out[n * F + f] = m;
          arg[n * F + f] = at;
          ties[n * F + f] = count;
        }
      }
      return {
        value: tf.tensor2d(out, [N, F]),
        gradFunc: (dy: tf.Tensor2D) => {
          const dyv = dy.dataSync() as Float32Array;
          const dY = new Float32Array(N * L * kF);
          const db = new Float64Array(F);
          /** Adds g to the bias and to every tap of window p of word n. */
          const route = (n: number, p: number, f: number, g: number, len: number) => {
            db[f] += g;
            for (let j = 0; j < k; j++) {
              const q = p - left + j;
              if (q >= 0 && q < len) dY[(n * L + q) * kF + j * F + f] += g;
            }
          };
          for (let n = 0; n < N; n++) {
            const len = wordLengths[n];
            if (len <= 0) continue;
            let recomputed = false;
            for (let f = 0; f < F; f++) {
              const count = ties[n * F + f];
              if (count === 0) continue; // every window NaN: no gradient
              // Tied maxima share dy evenly (as TensorFlow's reduce_max); every window at the max gets its share.
              const g = dyv[n * F + f] / count;
              const first = arg[n * F + f];
              if (count === 1) {
                route(n, first, f, g, len);
                continue;
              }
              if (!recomputed) recomputed = windows(yv, bv, n, conv);
              const best = conv[first * F + f];
              for (let p = first; p < len; p++) if (conv[p * F + f] === best) route(n, p, f, g, len);
            }
          }
          return [tf.tensor2d(dY, [N * L, kF]), tf.tensor1d(Float32Array.from(db))];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return op(y, bias) as tf.Tensor2D;
}

/** Max over axis 1 of `[N, L, F]`; the gradient is split evenly between tied maxima (as {@link convMaxPool}). */
const maxOverPositions = customOp(
  (c: tf.Tensor3D, save: tf.GradSaveFunc): CustomOpResult<tf.Tensor2D> => {
    const m = tf.max(c, 1) as tf.Tensor2D;
    save([c, m]);
    return {
      value: m,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sc, sm] = saved;
        const at = tf.cast(tf.equal(sc, tf.expandDims(sm, 1)), "float32");
        return tf.div(tf.mul(at, tf.expandDims(dy, 1)), tf.sum(at, 1, true));
      },
    };
  },
);

/**
 * {@link convMaxPool} as tensor ops differentiated by tfjs (float32 sums), for backends that cannot read tensors
 * synchronously (webgpu): each tap's projections shifted into place along the characters and masked to the
 * word, summed with the bias, then the max over the word's real windows. Same values as the host version up to
 * float32 rounding.
 */
export function deviceConvMaxPool(
  y: tf.Tensor2D,
  bias: tf.Tensor,
  wordLengths: ArrayLike<number>,
  N: number,
  L: number,
  k: number,
  F: number,
): tf.Tensor2D {
  const left = Math.floor((k - 1) / 2);
  return tf.tidy(() => {
    const y4 = tf.reshape(y, [N, L, k, F]);
    /** 1 where window p of word n exists and its character p + s is inside the word. */
    const valid = (s: number) => {
      const v = new Float32Array(N * L);
      for (let n = 0; n < N; n++) {
        for (let p = 0; p < wordLengths[n]; p++) if (p + s >= 0 && p + s < wordLengths[n]) v[n * L + p] = 1;
      }
      return tf.tensor3d(v, [N, L, 1]);
    };
    let conv: tf.Tensor = tf.reshape(bias, [1, 1, F]);
    for (let j = 0; j < k; j++) {
      const s = j - left; // window p reads character p + s through tap j
      if (Math.abs(s) >= L) continue;
      const yj = tf.reshape(tf.slice(y4, [0, 0, j, 0], [N, L, 1, F]), [N, L, F]);
      const shifted = s === 0
        ? yj
        : s > 0
        ? tf.pad(tf.slice(yj, [0, s, 0], [N, L - s, F]), [[0, 0], [0, s], [0, 0]])
        : tf.pad(tf.slice(yj, [0, 0, 0], [N, L + s, F]), [[0, 0], [-s, 0], [0, 0]]);
      conv = tf.add(conv, tf.mul(shifted, valid(s)));
    }
    const windows = new Float32Array(N * L);
    const hasChars = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      windows.fill(1, n * L, n * L + wordLengths[n]);
      hasChars[n] = wordLengths[n] > 0 ? 1 : 0;
    }
    const inWord = tf.cast(tf.tensor3d(windows, [N, L, 1]), "bool");
    const masked = tf.where(
      tf.broadcastTo(inWord, [N, L, F]),
      tf.broadcastTo(conv, [N, L, F]),
      tf.fill([N, L, F], -Infinity),
    );
    const pooled = maxOverPositions(masked as tf.Tensor3D);
    // Words without characters give 0 (their max is −∞).
    return tf.where(
      tf.tile(tf.cast(tf.tensor2d(hasChars, [N, 1]), "bool"), [1, F]),
      pooled,
      tf.zerosLike(pooled),
    );
  });
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
      let pooled: tf.Tensor = hostReadsAvailable()
        ? convMaxPool(y, this.b, wordLengths, N, L, k, F)
        : deviceConvMaxPool(y, this.b, wordLengths, N, L, k, F);
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
