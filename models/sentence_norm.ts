/**
 * The two L2 normalisations of Perl et al. 2020 ("Low Resource Sequence Tagging using Sentence Reconstruction",
 * ACL 2020, §3.3–3.4 and Figure 1), exactly as the released Keras code computes them
 * (tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction, `models/baseline.py` and
 * `models/transfer_model.py`):
 *
 * - `sentenceL2Norm(x) = K.l2_normalize(x, axis=(1, 2))`: the encoder BiLSTM's `[B, T, D]` output is divided by
 *   the L2 norm of the **whole sentence** (all T × D values, padding positions included: the released model has no
 *   mask, so padded steps are ordinary steps of a fixed-length `max_len` = 70 sentence);
 * - `wordL2Norm(x) = K.l2_normalize(x, axis=2)`: the reconstruction decoder's output is normalised per position.
 *
 * `K.l2_normalize` (Keras 2.x TensorFlow backend) is `tf.nn.l2_normalize(x, axis)` with its default
 * epsilon 1e-12 on the **sum of squares**: x · rsqrt(max(Σ x², ε)). An all-zero slice therefore gives zeros (no
 * NaN), with gradient dy · rsqrt(ε) = 10⁶ · dy, as in TensorFlow (the `maximum` passes no gradient to Σ x² when
 * Σ x² < ε, like TensorFlow's, which routes ties to the first operand).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/** `tf.nn.l2_normalize`'s default epsilon (a floor on the sum of squares, not on the norm). */
export const KERAS_L2_EPSILON = 1e-12;

function normalize(x: tf.Tensor3D, axes: number[], epsilon: number, what: string): tf.Tensor3D {
  if (x.rank !== 3) throw new Error(`${what}: expected a [B, T, D] tensor, got shape [${x.shape}]`);
  if (!(Number.isFinite(epsilon) && epsilon > 0)) {
    throw new Error(`${what}: epsilon must be a finite number > 0, got ${epsilon}`);
  }
  if (x.dtype !== "float32") throw new Error(`${what}: expected float32, got ${x.dtype}`);
  return tf.tidy(() => {
    const squareSum = tf.sum(tf.square(x), axes, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(squareSum, epsilon))) as tf.Tensor3D;
  });
}

/**
 * Sentence-level L2 normalisation: each sentence's `[T, D]` slab divided by its Frobenius norm,
 * `y[b] = x[b] / sqrt(max(Σ_{t,d} x[b,t,d]², ε))`, **padding positions included** (no mask; this is
 * `K.l2_normalize(x, axis=(1, 2))`, the `sentenceL2Norm` Lambda named `feature_vector` in the released
 * `models/baseline.py` / `models/transfer_model.py`; paper §3.3 "Z = z/‖z‖₂" and Figure 1). Unitless; every
 * sentence of the result has norm 1 (or is all zeros).
 *
 * @param x encoder states `[B, T, D]`, float32
 * @param epsilon floor on the sum of squares (default 1e-12, TensorFlow's)
 * @returns `[B, T, D]`
 * @throws {Error} when `x` is not a rank-3 float32 tensor or `epsilon` is not a finite number > 0.
 */
export function sentenceL2Normalize(x: tf.Tensor3D, epsilon = KERAS_L2_EPSILON): tf.Tensor3D {
  return normalize(x, [1, 2], epsilon, "sentenceL2Normalize");
}

/**
 * Word-level L2 normalisation: each position's `[D]` vector divided by its norm,
 * `y[b,t] = x[b,t] / sqrt(max(Σ_d x[b,t,d]², ε))` (`K.l2_normalize(x, axis=2)`, the `wordL2Norm` Lambda applied to
 * the reconstruction decoder's output in the released `models/baseline.py` / `models/transfer_model.py`; paper
 * §3.4 "ẽᵢ … which we normalize"). Every position of the result has norm 1 (or is all zeros).
 *
 * @param x `[B, T, D]`, float32
 * @param epsilon floor on the sum of squares (default 1e-12, TensorFlow's)
 * @returns `[B, T, D]`
 * @throws {Error} when `x` is not a rank-3 float32 tensor or `epsilon` is not a finite number > 0.
 */
export function wordL2Normalize(x: tf.Tensor3D, epsilon = KERAS_L2_EPSILON): tf.Tensor3D {
  return normalize(x, [2], epsilon, "wordL2Normalize");
}
