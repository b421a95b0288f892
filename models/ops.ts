/**
 * Small ops with gradients that are fast (or at all available) on every backend.
 *
 * - {@link matMul}: the wasm backend runs `BatchMatMul` with `transposeA`/`transposeB` ~10× slower than without,
 *   and tfjs' own matMul gradient uses exactly those flags. This one transposes explicitly instead (or, when
 *   wasm's `BatchMatMul` is tagbench's OpenBLAS kernel, which handles the flags at full speed, is `tf.matMul`).
 * - {@link gatherRows}: embedding lookup whose gradient uses `scatterND` (wasm has no `UnsortedSegmentSum`).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { batchMatMulBlasWasmConfig } from "../runtime/kernels/batch_mat_mul.ts";
import { blas } from "../runtime/kernels/blas.ts";
import { hostReadsAvailable } from "../runtime/host_reads.ts";

export { hostReadsAvailable, setHostReadsAvailable } from "../runtime/host_reads.ts";

/** What a {@link customOp} forward function returns: the value and the gradient w.r.t. each input. */
export interface CustomOpResult<T extends tf.Tensor> {
  value: T;
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

/**
 * Typed wrapper of `tf.customGrad`: `f(...inputs, save)` returns the value and a gradient function. The returned
 * op takes the tensor inputs only.
 */
export function customOp<T extends tf.Tensor>(
  // deno-lint-ignore no-explicit-any
  f: (...args: any[]) => CustomOpResult<T>,
): (...inputs: tf.Tensor[]) => T {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    ...inputs: tf.Tensor[]
  ) => T;
}

const matMulCustom = customOp(
  (a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc): CustomOpResult<tf.Tensor2D> => {
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as tf.Tensor2D[];
        // d/da = dy·bᵀ, d/db = aᵀ·dy, with explicit transposes (fast path on wasm).
        return [gradA(dy, sb), tf.matMul(tf.transpose(sa), dy)];
      },
    };
  },
);

/** True when the current backend's `BatchMatMul` is tagbench's OpenBLAS kernel (`kernels/batch_mat_mul.ts`). */
function blasMatMulActive(): boolean {
  const backend = tf.getBackend();
  if (backend !== batchMatMulBlasWasmConfig.backendName) return false;
  return tf.getKernel(tf.BatchMatMul, backend)?.kernelFunc === batchMatMulBlasWasmConfig.kernelFunc &&
    blas() !== undefined;
}

/**
 * dy·bᵀ for dy `[n, m]`, b `[k, m]`. wasm's fast matmul (XNNPACK) packs its right operand into an operator that is
 * cached per tensor; a fresh right operand costs a repack (~15 ns per element here), which dominates for the
 * small-batch products of recurrent layers (n = batch ≈ 10, k·m = 200·800). There, (b·dyᵀ)ᵀ, which packs dyᵀ
 * (n·m values) instead of bᵀ (k·m), is ~3× faster; we pick it when it moves fewer values. Mathematically the
 * same; the float32 result may differ in the last bits.
 */
function gradA(dy: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [n, m] = dy.shape;
  const k = b.shape[0];
  if (tf.getBackend() === "wasm" && 2 * n * m + n * k < k * m) {
    return tf.transpose(tf.matMul(b, tf.transpose(dy)));
  }
  return tf.matMul(dy, tf.transpose(b));
}

/**
 * `a · b` for `a: [n, k]`, `b: [k, m]`; same values as `tf.matMul(a, b)`, gradient computed with explicit
 * transposes and non-transposed matmuls.
 *
 * @throws {Error} when the inner dimensions differ.
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matMul: shapes [${a.shape}] and [${b.shape}] do not fit (expected [n, k] · [k, m])`);
  }
  // With OpenBLAS behind wasm's BatchMatMul, tfjs' own gradient (transposed products) is fast, and it computes
  // only the gradients that are needed (not d/da when a is a constant input, unlike a custom gradient).
  if (blasMatMulActive()) return tf.matMul(a, b);
  return matMulCustom(a, b);
}

/** `x · w + b` for `x: [n, in]`, `w: [in, out]`, `b: [out]`. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const y = matMul(x, w);
  if (!b) return y;
  if (b.rank !== 1 || b.shape[0] !== w.shape[1]) {
    throw new Error(`dense: bias shape [${b.shape}] does not fit weight shape [${w.shape}]`);
  }
  return tf.add(y, b);
}

/** {@link dense} over the last axis of a `[B, T, in]` tensor (reshapes to `[B·T, in]`), giving `[B, T, out]`. */
export function denseSeq(x: tf.Tensor3D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor3D {
  const [B, T, D] = x.shape;
  return tf.reshape(dense(tf.reshape(x, [B * T, D]), w, b), [B, T, w.shape[1]]);
}

const gatherRowsCustom = customOp(
  (table: tf.Tensor2D, ids: tf.Tensor1D, save: tf.GradSaveFunc): CustomOpResult<tf.Tensor2D> => {
    save([ids]);
    const rows = table.shape[0];
    const cols = table.shape[1];
    return {
      value: tf.gather(table, ids),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sids] = saved as tf.Tensor1D[];
        // scatterND sums updates for repeated indices: d table[r] = Σ_{i: ids[i] = r} dy[i].
        const g = tf.scatterND(tf.reshape(sids, [sids.shape[0], 1]), dy, [rows, cols]);
        return [g, tf.zerosLike(sids)];
      },
    };
  },
);

/**
 * Embedding lookup: row `ids[i]` of `table` for each i, `[N, D]`. Gradient w.r.t. `table` is dense `[V, D]`
 * (repeated ids summed), computed with `scatterND`, which every backend has.
 *
 * @throws {Error} when `ids` is not a 1-D int32 tensor.
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (ids.rank !== 1 || ids.dtype !== "int32") {
    throw new Error(`gatherRows: ids must be a 1-D int32 tensor, got rank ${ids.rank} ${ids.dtype}`);
  }
  if (table.rank !== 2) throw new Error(`gatherRows: table must be 2-D, got shape [${table.shape}]`);
  return gatherRowsCustom(table, ids);
}

/**
 * Scales all gradients by `min(1, maxNorm / ‖g‖)` where ‖g‖ is the global L2 norm over all of them
 * (`tf.clip_by_global_norm`, Pascanu et al. 2013). Returns new tensors (the caller owns and disposes both the
 * inputs and `clipped`) and the norm before clipping. Downloads one scalar; on a backend without synchronous
 * downloads (see {@link hostReadsAvailable}) the scale is computed on the device and `norm` is NaN.
 */
export function clipByGlobalNorm(
  grads: tf.Tensor[],
  maxNorm: number,
): { clipped: tf.Tensor[]; norm: number } {
  if (grads.length === 0) return { clipped: [], norm: 0 };
  if (!hostReadsAvailable()) {
    // No synchronous download on this backend: the scale stays a tensor, and the norm is not reported.
    const clipped = tf.tidy(() => {
      const n = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(tf.div(tf.scalar(maxNorm), n), 1);
      return grads.map((g) => tf.mul(g, scale));
    });
    return { clipped, norm: NaN };
  }
  const norm = globalNorm(grads);
  const scale = norm > maxNorm ? maxNorm / norm : 1;
  const clipped = tf.tidy(() => grads.map((g) => (scale === 1 ? tf.clone(g) : tf.mul(g, scale))));
  return { clipped, norm };
}

/** {@link clipByGlobalNorm} over a `tf.variableGrads`-style record; keys are kept. */
export function clipGradsByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { clipped: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  const { clipped, norm } = clipByGlobalNorm(names.map((n) => grads[n]), maxNorm);
  const out: Record<string, tf.Tensor> = {};
  names.forEach((n, i) => (out[n] = clipped[i]));
  return { clipped: out, norm };
}

/** Global L2 norm sqrt(Σ‖g_i‖²) of a list of tensors (one download). */
export function globalNorm(tensors: tf.Tensor[]): number {
  if (tensors.length === 0) return 0;
  const sq = tf.tidy(() => tf.addN(tensors.map((g) => tf.sum(tf.square(g)))));
  const v = sq.dataSync()[0];
  sq.dispose();
  return Math.sqrt(v);
}

/**
 * Numerically stable log Σ exp(x) along `axis`: max + log Σ exp(x − max). Custom gradient
 * dy · exp(x − lse) = dy · softmax(x) (no gradient through the max). Rows that are all −∞ give −∞ and a zero
 * gradient.
 */
export function logSumExp(x: tf.Tensor, axis: number, keepDims = false): tf.Tensor {
  const ax = axis < 0 ? x.rank + axis : axis;
  const f = customOp(
    (xi: tf.Tensor, save: tf.GradSaveFunc): CustomOpResult<tf.Tensor> => {
      const lse = tf.tidy(() => {
        const m = tf.max(xi, ax, true);
        // Shift by 0 where the max is not finite (all -inf rows), so no NaN appears.
        const safeM = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
        return tf.add(tf.log(tf.sum(tf.exp(tf.sub(xi, safeM)), ax, true)), safeM);
      });
      save([xi, lse]);
      return {
        value: keepDims ? tf.clone(lse) : tf.squeeze(lse, [ax]),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, slse] = saved;
          const dyk = keepDims ? dy : tf.expandDims(dy, ax);
          const finite = tf.isFinite(slse);
          // exp(x − lse); on all −∞ rows exp(−∞ − 0) = 0.
          return tf.mul(tf.exp(tf.sub(sx, tf.where(finite, slse, tf.zerosLike(slse)))), dyk);
        },
      };
    },
  );
  return f(x);
}
