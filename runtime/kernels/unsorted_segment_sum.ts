/**
 * `UnsortedSegmentSum` for the wasm backend, which does not ship it (tfjs 4.22). It is the gradient of
 * `tf.gather` (embedding lookups), so without it `tf.grad` through `tf.gather` throws on wasm.
 *
 * Implemented in JavaScript on views of the wasm heap: `out[segmentIds[i], :] += x[i, :]`; ids outside
 * `[0, numSegments)` are ignored (TensorFlow's semantics). Accumulates in float32 in input order; the output
 * keeps x's dtype (tfjs' cpu kernel returns float32 for int32 x).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Sums rows of `x` (rows of `rowSize` values) into `numSegments` buckets given by `segmentIds`. `out` must be
 * zeroed. Ids outside `[0, numSegments)` are skipped. */
export function unsortedSegmentSumJs(
  x: ArrayLike<number>,
  rowSize: number,
  segmentIds: ArrayLike<number>,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * rowSize;
    const dst = s * rowSize;
    for (let k = 0; k < rowSize; k++) out[dst + k] += x[src + k];
  }
}

function unsortedSegmentSumWasm(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as WasmHeapBackend;
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const numSegments = (attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  // tfjs' op accepts segmentIds of x's leading shape; the gather gradient passes 1-D ids.
  const idsCount = tf.util.sizeFromShape(segmentIds.shape);
  const lead = tf.util.sizeFromShape(x.shape.slice(0, segmentIds.shape.length));
  if (idsCount !== lead) {
    throw new Error(
      `UnsortedSegmentSum (wasm): segmentIds shape [${segmentIds.shape}] does not prefix x shape [${x.shape}]`,
    );
  }
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = tf.util.sizeFromShape(innerShape);
  // Allocate first: allocation may grow the wasm memory, which detaches earlier heap views.
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  const o = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  o.fill(0);
  unsortedSegmentSumJs(
    backend.typedArrayFromHeap(x),
    rowSize,
    backend.typedArrayFromHeap(segmentIds),
    numSegments,
    o,
  );
  return out;
}

/** Kernel config: `UnsortedSegmentSum` on `wasm`. */
export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: "wasm",
  kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
};
