/**
 * The one list of kernels tagbench adds to tfjs backends, registered by {@link registerKernels} (called from
 * `initBackend`). Keeping them in one place makes the fast paths and the gaps we fill visible.
 *
 * - `UnsortedSegmentSum` on `wasm`: the gradient of `tf.gather`; tfjs-backend-wasm 4.22 lacks it.
 * - `GatherV2` on `wasm` (replaces the built-in): row copies on heap views, ~100× faster than 4.22's C++ kernel
 *   for embedding lookups.
 * - `BatchMatMul` on `wasm` (replaces the built-in) through OpenBLAS `sgemm`, only when OpenBLAS is loaded
 *   (`blas.ts`; env `TAGBENCH_BLAS`): 3–5× faster products and fast transposed products.
 *
 * Not tfjs kernels, but the host-side fast paths of the same kind live here too: `blas.ts` (OpenBLAS via FFI),
 * `host_gemm.ts` (products on host arrays) and `host_rnn.ts` (the fused LSTM/GRU recurrences).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { batchMatMulBlasWasmConfig, rememberBuiltinBatchMatMul } from "./batch_mat_mul.ts";
import { blas, describeBlas } from "./blas.ts";
import { gatherV2WasmConfig } from "./gather_v2.ts";
import { unsortedSegmentSumWasmConfig } from "./unsorted_segment_sum.ts";

/** A kernel config, and whether it replaces a kernel the backend ships (a fast path) or fills a gap. */
export interface TagbenchKernel {
  config: tf.KernelConfig;
  replacesBuiltin: boolean;
  /** Registered only when this returns true (e.g. a native library is loaded). Default: always. */
  available?: () => boolean;
  /** Called before a built-in kernel is replaced (e.g. to keep it as a fallback). */
  beforeReplace?: () => void;
  /** Name reported by {@link registerKernels} (default: the kernel name). */
  describe?: () => string;
}

/** Every kernel tagbench registers, for every backend. */
export const KERNELS: readonly TagbenchKernel[] = [
  { config: unsortedSegmentSumWasmConfig, replacesBuiltin: false },
  { config: gatherV2WasmConfig, replacesBuiltin: true },
  {
    config: batchMatMulBlasWasmConfig,
    replacesBuiltin: true,
    available: () => blas() !== undefined,
    beforeReplace: rememberBuiltinBatchMatMul,
    describe: () => `BatchMatMul (${describeBlas()})`,
  },
];

/**
 * Registers the kernels of {@link KERNELS} meant for `backendName` (and available): gap fillers where the backend
 * has no such kernel, replacements in place of the built-in one. Idempotent. Returns the names (with details
 * such as the BLAS library, see {@link TagbenchKernel.describe}) of the kernels it registered.
 *
 * @throws {BlasError} when `TAGBENCH_BLAS=openblas` but OpenBLAS cannot be loaded.
 */
export function registerKernels(backendName: string): string[] {
  const added: string[] = [];
  for (const k of KERNELS) {
    const { config, replacesBuiltin } = k;
    if (config.backendName !== backendName) continue;
    if (k.available && !k.available()) continue;
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing !== undefined) {
      if (!replacesBuiltin) continue;
      k.beforeReplace?.();
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
    added.push(k.describe?.() ?? config.kernelName);
  }
  return added;
}
