/**
 * The one list of kernels tagbench adds to tfjs backends, registered by {@link registerKernels} (called from
 * `initBackend`). Keeping them in one place makes the fast paths and the gaps we fill visible.
 *
 * - `UnsortedSegmentSum` on `wasm`: the gradient of `tf.gather`; tfjs-backend-wasm 4.22 lacks it.
 * - `GatherV2` on `wasm` (replaces the built-in): row copies on heap views, ~100× faster than 4.22's C++ kernel
 *   for embedding lookups.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { gatherV2WasmConfig } from "./gather_v2.ts";
import { unsortedSegmentSumWasmConfig } from "./unsorted_segment_sum.ts";

/** A kernel config, and whether it replaces a kernel the backend ships (a fast path) or fills a gap. */
export interface TagbenchKernel {
  config: tf.KernelConfig;
  replacesBuiltin: boolean;
}

/** Every kernel tagbench registers, for every backend. */
export const KERNELS: readonly TagbenchKernel[] = [
  { config: unsortedSegmentSumWasmConfig, replacesBuiltin: false },
  { config: gatherV2WasmConfig, replacesBuiltin: true },
];

/**
 * Registers the kernels of {@link KERNELS} meant for `backendName`: gap fillers where the backend has no such
 * kernel, replacements in place of the built-in one. Idempotent. Returns the names of the kernels it registered.
 */
export function registerKernels(backendName: string): string[] {
  const added: string[] = [];
  for (const { config, replacesBuiltin } of KERNELS) {
    if (config.backendName !== backendName) continue;
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing !== undefined) {
      if (!replacesBuiltin) continue;
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
