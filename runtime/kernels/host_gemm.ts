/**
 * Matrix products on host `Float32Array`s for code that runs its inner loops in JavaScript (the fused
 * recurrences of `lstm.ts` and `gru.ts`): OpenBLAS `sgemm` when {@link blas} has it, else tfjs `matMul` on the
 * current backend (upload, multiply, download; the recurrent weights stay uploaded across calls, so wasm's
 * XNNPACK keeps its packed copy of them).
 *
 * All matrices are row-major and dense (leading dimension = number of columns).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { blas } from "./blas.ts";

/** Which engine {@link RightMatrix} and {@link gemmTN} use. */
export type HostGemmEngine = "openblas" | "tfjs";

/** The engine host products use now: `openblas` when the library is loaded, else `tfjs`. */
export function hostGemmEngine(): HostGemmEngine {
  return blas() ? "openblas" : "tfjs";
}

/**
 * A fixed right-hand matrix W `[K, N]` for many products X·W and D·Wᵀ (the recurrent weights of one direction
 * over all time steps of a batch). Call {@link RightMatrix.dispose} when done (frees the uploaded copies of the
 * tfjs engine).
 */
export class RightMatrix {
  readonly engine: HostGemmEngine;
  #w?: tf.Tensor2D;
  #wT?: tf.Tensor2D;

  /** @param values W `[K, N]` row-major (kept by reference, not copied: do not modify while in use). */
  constructor(readonly values: Float32Array, readonly K: number, readonly N: number) {
    if (values.length < K * N) throw new Error(`RightMatrix: ${values.length} values for [${K}, ${N}]`);
    this.engine = hostGemmEngine();
  }

  /** out[M, N] ← X[M, K]·W, plus out's old values when `accumulate`. */
  times(x: Float32Array, M: number, out: Float32Array, accumulate: boolean): void {
    const { K, N } = this;
    if (M === 0) return;
    const b = blas();
    if (this.engine === "openblas" && b) {
      b.sgemm(false, false, M, N, K, 1, x, K, this.values, N, accumulate ? 1 : 0, out, N);
      return;
    }
    this.#w ??= tf.tensor2d(this.values.subarray(0, K * N), [K, N]);
    tfProduct(x, M, K, this.#w, out, M * N, accumulate);
  }

  /** out[M, K] ← D[M, N]·Wᵀ, plus out's old values when `accumulate`. */
  timesTransposed(d: Float32Array, M: number, out: Float32Array, accumulate: boolean): void {
    const { K, N } = this;
    if (M === 0) return;
    const b = blas();
    if (this.engine === "openblas" && b) {
      b.sgemm(false, true, M, K, N, 1, d, N, this.values, N, accumulate ? 1 : 0, out, K);
      return;
    }
    this.#wT ??= tf.tidy(() => tf.transpose(tf.tensor2d(this.values.subarray(0, K * N), [K, N])));
    tfProduct(d, M, N, this.#wT, out, M * K, accumulate);
  }

  dispose(): void {
    this.#w?.dispose();
    this.#wT?.dispose();
    this.#w = this.#wT = undefined;
  }
}

/** out[n] (+)= (X[M, K]·w)[n] for the first `n` outputs, through tfjs. */
function tfProduct(
  x: Float32Array,
  M: number,
  K: number,
  w: tf.Tensor2D,
  out: Float32Array,
  n: number,
  accumulate: boolean,
): void {
  const y = tf.tidy(() => tf.matMul(tf.tensor2d(x.subarray(0, M * K), [M, K]), w));
  const v = y.dataSync() as Float32Array;
  if (accumulate) {
    for (let i = 0; i < n; i++) out[i] += v[i];
  } else {
    out.set(v.subarray(0, n));
  }
  y.dispose();
}

/** out[K, N] ← A[M, K]ᵀ·D[M, N] (e.g. a weight gradient summed over M = time·batch rows). */
export function gemmTN(
  a: Float32Array,
  d: Float32Array,
  M: number,
  K: number,
  N: number,
  out: Float32Array,
): void {
  if (M === 0) {
    out.fill(0, 0, K * N);
    return;
  }
  const b = blas();
  if (b) {
    b.sgemm(true, false, K, N, M, 1, a, K, d, N, 0, out, N);
    return;
  }
  const y = tf.tidy(() =>
    tf.matMul(
      tf.transpose(tf.tensor2d(a.subarray(0, M * K), [M, K])),
      tf.tensor2d(d.subarray(0, M * N), [M, N]),
    )
  );
  out.set((y.dataSync() as Float32Array).subarray(0, K * N));
  y.dispose();
}
