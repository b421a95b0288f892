/**
 * `BatchMatMul` for the wasm backend through OpenBLAS `sgemm` (see `blas.ts`), replacing the built-in kernel when
 * the library is loaded. Every `tf.matMul` on wasm goes through it: the input projections of the recurrent
 * layers and their gradients, the char-CNN taps, the tagger heads.
 *
 * Why: tfjs-backend-wasm 4.22 multiplies single-threaded with XNNPACK (≤ 24 GFLOP/s here) and runs products
 * with `transposeA`/`transposeB` at ~1.5 GFLOP/s; OpenBLAS (2 threads) reaches 50–130 GFLOP/s and handles the
 * transposes natively. Operands are read and the result written in place on the wasm heap (no copies).
 *
 * Same semantics as the built-in kernel: float32 only (other dtypes go to the built-in kernel, which rejects
 * them), batch dimensions flattened, a batch of 1 broadcast against the other operand. Results equal the
 * built-in kernel's to float32 rounding (different summation order; `batch_mat_mul_test.ts`).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { blas } from "./blas.ts";

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The built-in wasm kernel, kept for dtypes OpenBLAS does not handle (set when ours is registered). */
let builtin: tf.KernelFunc | undefined;

/** Remembers the built-in kernel before `registerKernels` replaces it. */
export function rememberBuiltinBatchMatMul(): void {
  const k = tf.getKernel(tf.BatchMatMul, "wasm");
  if (k && k.kernelFunc !== batchMatMulBlas) builtin = k.kernelFunc;
}

function batchMatMulBlas(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo | tf.TensorInfo[] {
  const lib = blas();
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  if (!lib || a.dtype !== "float32" || b.dtype !== "float32") {
    if (!builtin) throw new Error("BatchMatMul (OpenBLAS): no built-in wasm kernel to fall back to");
    return builtin(args as unknown as Parameters<tf.KernelFunc>[0]);
  }
  const backend = args.backend as WasmHeapBackend;
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const K = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const K2 = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const M = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const N = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (K !== K2) {
    throw new Error(
      `Error in matMul: inner shapes (${K}) and (${K2}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
        `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  // Allocate first: allocation may grow the wasm memory, which detaches earlier heap views.
  const out = backend.makeOutput([...outer, M, N], "float32");
  if (batch === 0 || M === 0 || N === 0) return out;
  const av = backend.typedArrayFromHeap(a) as Float32Array;
  const bv = backend.typedArrayFromHeap(b) as Float32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  if (K === 0) {
    ov.fill(0);
    return out;
  }
  const lda = transposeA ? M : K;
  const ldb = transposeB ? K : N;
  for (let i = 0; i < batch; i++) {
    const aOff = batchA === 1 ? 0 : i * M * K;
    const bOff = batchB === 1 ? 0 : i * K * N;
    lib.sgemm(
      transposeA,
      transposeB,
      M,
      N,
      K,
      1,
      av.subarray(aOff, aOff + M * K),
      lda,
      bv.subarray(bOff, bOff + K * N),
      ldb,
      0,
      ov.subarray(i * M * N, (i + 1) * M * N),
      N,
    );
  }
  return out;
}

/** Kernel config: `BatchMatMul` on `wasm` through OpenBLAS (replaces the built-in kernel). */
export const batchMatMulBlasWasmConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: "wasm",
  kernelFunc: batchMatMulBlas as unknown as tf.KernelFunc,
};
