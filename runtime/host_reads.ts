/**
 * Whether the active backend can download tensors synchronously (`dataSync`): part of the runtime layer that the
 * runner, the kernels and the models all read.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/**
 * Whether tensors computed by the current backend can be read synchronously (`dataSync`). False on webgpu:
 * tfjs' webgpu backend reads synchronously through a 2-D `OffscreenCanvas`, which Deno does not have, and on a
 * GPU the device paths are preferable anyway. Layers whose custom ops compute on the host (CRF, char-CNN
 * pooling, fused recurrences) switch to device implementations made of tensor ops when this is false.
 */
export function hostReadsAvailable(): boolean {
  return hostReadsOverride ?? tf.getBackend() !== "webgpu";
}

let hostReadsOverride: boolean | undefined;

/**
 * Makes {@link hostReadsAvailable} return `available` whatever the backend (`false` runs the webgpu code paths on
 * a CPU backend, so tests can compare them with the host paths), or restores the default with `undefined`.
 */
export function setHostReadsAvailable(available: boolean | undefined): void {
  hostReadsOverride = available;
}
